-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The bouncestat authors
--
-- Schema version 15: the roll mark (issue 14, roll17). meta 'roll_mark'
-- holds M, the start of an hour (UTC epoch seconds, as text), and
--
--     count_day, count_month and count_hour_class hold exactly the sums
--     of the count_hour rows with bucket < M.
--
-- Hours at or after M are in count_hour only. The writer
-- (schema/store_count.c) keeps the newest hour it writes open: its rows
-- go to count_hour, and when rows of a later hour are written the rows
-- of the hours passed are read back from count_hour, summed into the
-- rollups and M moved, in the same transaction as the counts and the
-- positions. A daemon's commits within an hour so write that hour's rows
-- only; before, each commit also UPSERTed the open day's, month's and
-- hour's rollup rows again (58% of the daemon's writer thread). Reports
-- (schema/query.c) read M in the same read transaction as the counts and
-- read the rollups only for time before M, count_hour from M on. No key
-- set: nothing is rolled (a new database; its rollups are empty).
--
-- Until now every count_hour row was rolled (migration 0007), so M is
-- the hour after the newest count_hour row.

INSERT OR REPLACE INTO meta (key, value)
SELECT 'roll_mark', CAST(max(bucket) + 3600 AS TEXT) FROM count_hour
HAVING max(bucket) IS NOT NULL;
