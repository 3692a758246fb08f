-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The bouncestat authors
--
-- Schema version 7: rollups for reports (schema/store_count.c writes them
-- with count_hour, schema/query.c reads them).
--
--  * count_day and count_month: count_hour's key and counts summed per UTC
--    day (bucket: its first second) and per UTC calendar month (bucket:
--    the first second of its first day). A report reads each part of its
--    range from the coarsest table that covers it whole: a year is 12
--    months and a few days and hours instead of 8,760 hours of rows.
--  * count_hour_class: count_hour summed over domain, provider, code and
--    enhanced status, per hour: the hourly series of a report (one row per
--    hour of the range) without reading every domain's rows.
--
-- Every row of these tables is the sum of count_hour rows; they are
-- filled here from count_hour for databases written before it, and
-- count_hour stays the reference (never pruned). Times are UTC: a report
-- in local time reads whole UTC hours (query_range()), whose days and
-- months are exact unions of hours whatever the offset.

CREATE TABLE count_day (
	bucket INTEGER NOT NULL,
	domain INTEGER NOT NULL,
	provider INTEGER NOT NULL,
	class INTEGER NOT NULL,
	status INTEGER NOT NULL,
	code INTEGER NOT NULL,
	enhanced INTEGER NOT NULL,
	kind INTEGER NOT NULL,
	n INTEGER NOT NULL,
	PRIMARY KEY (bucket, domain, provider, class, status, code, enhanced,
	    kind)
) STRICT, WITHOUT ROWID;

CREATE TABLE count_month (
	bucket INTEGER NOT NULL,
	domain INTEGER NOT NULL,
	provider INTEGER NOT NULL,
	class INTEGER NOT NULL,
	status INTEGER NOT NULL,
	code INTEGER NOT NULL,
	enhanced INTEGER NOT NULL,
	kind INTEGER NOT NULL,
	n INTEGER NOT NULL,
	PRIMARY KEY (bucket, domain, provider, class, status, code, enhanced,
	    kind)
) STRICT, WITHOUT ROWID;

CREATE TABLE count_hour_class (
	bucket INTEGER NOT NULL,
	class INTEGER NOT NULL,
	status INTEGER NOT NULL,
	kind INTEGER NOT NULL,
	n INTEGER NOT NULL,
	PRIMARY KEY (bucket, class, status, kind)
) STRICT, WITHOUT ROWID;

-- Filled by UPSERT in count_hour's key order rather than GROUP BY, which
-- sorts every row in memory (temp_store = MEMORY): a year of a busy
-- server (16M hour rows) took 1 GB to migrate.
INSERT INTO count_day (bucket, domain, provider, class, status, code,
    enhanced, kind, n)
SELECT bucket - ((bucket % 86400) + 86400) % 86400, domain, provider,
    class, status, code, enhanced, kind, n
FROM count_hour WHERE true
ON CONFLICT (bucket, domain, provider, class, status, code, enhanced, kind)
DO UPDATE SET n = n + excluded.n;

INSERT INTO count_month (bucket, domain, provider, class, status, code,
    enhanced, kind, n)
SELECT CAST(strftime('%s', bucket, 'unixepoch', 'start of month')
    AS INTEGER), domain, provider, class, status, code, enhanced, kind, n
FROM count_day WHERE true
ON CONFLICT (bucket, domain, provider, class, status, code, enhanced, kind)
DO UPDATE SET n = n + excluded.n;

INSERT INTO count_hour_class (bucket, class, status, kind, n)
SELECT bucket, class, status, kind, n
FROM count_hour WHERE true
ON CONFLICT (bucket, class, status, kind) DO UPDATE SET n = n + excluded.n;
