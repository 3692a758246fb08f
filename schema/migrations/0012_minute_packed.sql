-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The bouncestat authors
--
-- Schema version 12: one row per minute (issue 14, lever 3: fewer count
-- rows). count_minute_sk had about 20 rows a minute on the 2M-line
-- benchmark log (provider x class x status/kind), each one a B-tree
-- insert on the writer thread of an import.
--
--  * count_minute_pk holds a minute's counts in one row: counts is
--    {"class": {"sk": {"provider": n, ...}, ...}, ...}, JSON objects
--    whose names and values are integers: class, status and provider
--    name ids, sk = status * 4 + kind as in 0009, n > 0. Names are
--    distinct within an object; their order carries no meaning. Nested
--    by class and sk, the few of a minute, a provider costs a name and a
--    count only. counts is never NULL nor empty (left nullable: see 0009
--    on NOT NULL and the statement journal of multi-row UPSERTs).
--  * A minute written again (the daemon commits about every second, a
--    full count table is written in the middle of a minute, an import
--    commits every 2^20 lines) is merged by the SQL function
--    bs_minute_merge(old, new) that schema/store_minute.c registers on
--    the writer's connection: counts of the same key are summed.
--  * count_minute is a view with exactly its former columns (bucket,
--    provider, class, status, kind, n). It uses json_each and CAST only
--    (SQLite 3.40 refuses ->> and json_extract in a view when
--    trusted_schema is off, as on the program's connections), so the
--    program and a plain sqlite3 shell both read it. A condition on
--    bucket reaches count_minute_pk's INTEGER PRIMARY KEY.
--  * Pruning (minute_retention) deletes whole minutes, as before.
--
-- Old rows are packed here, exactly, a minute at a time (grouping all the
-- rows by class at once made SQLite sort them all in memory: 110 MiB for
-- a busy server's 30 days, 2M rows).

CREATE TABLE count_minute_pk (
	bucket INTEGER PRIMARY KEY, -- epoch seconds of the minute
	counts TEXT -- see above; never NULL
) STRICT;

INSERT INTO count_minute_pk (bucket, counts)
SELECT m.bucket, (SELECT '{' || group_concat('"' || class || '":{' || s || '}',
    ',') || '}'
    FROM (SELECT class, group_concat('"' || sk || '":{' || p || '}', ',') AS s
	FROM (SELECT class, sk, group_concat('"' || provider || '":' || n, ',')
	    AS p
	    FROM count_minute_sk WHERE bucket = m.bucket GROUP BY class, sk)
	GROUP BY class))
FROM (SELECT DISTINCT bucket FROM count_minute_sk) m;

DROP VIEW count_minute;
DROP TABLE count_minute_sk;

CREATE VIEW count_minute AS
SELECT m.bucket AS bucket, CAST(p.key AS INTEGER) AS provider,
    CAST(c.key AS INTEGER) AS class, CAST(s.key AS INTEGER) >> 2 AS status,
    CAST(s.key AS INTEGER) & 3 AS kind, p.value AS n
FROM count_minute_pk m, json_each(m.counts) c, json_each(c.value) s,
    json_each(s.value) p;
