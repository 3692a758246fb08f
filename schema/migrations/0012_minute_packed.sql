-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The bouncestat authors
--
-- Schema version 12: one row per minute (issue 14, lever 3: fewer count
-- rows). count_minute_sk had about 20 rows a minute on the 2M-line
-- benchmark log (provider x class x status/kind), each one a B-tree
-- insert on the writer thread of an import.
--
--  * count_minute_pk holds a minute's counts in one row: counts is a JSON
--    object {"provider,class,sk": n, ...} (sk = status * 4 + kind, as in
--    0009; provider, class and status are name ids; n > 0). Keys are
--    distinct within a row; their order carries no meaning. counts is
--    never NULL nor empty (left nullable: see 0009 on NOT NULL and the
--    statement journal of multi-row UPSERTs).
--  * A minute written again (the daemon commits about every second, a
--    full count table is written in the middle of a minute, an import
--    commits every 2^20 lines) is merged by the SQL function
--    bs_minute_merge(old, new) that schema/store_minute.c registers on
--    the writer's connection: counts of the same key are summed.
--  * count_minute is a view with exactly its former columns (bucket,
--    provider, class, status, kind, n). It uses json_each and core
--    string functions only (no ->>, which SQLite 3.40 does not allow in
--    a view when trusted_schema is off, as on the store's connection),
--    so the program and a plain sqlite3 shell both read it. A condition
--    on bucket reaches count_minute_pk's INTEGER PRIMARY KEY.
--  * Pruning (minute_retention) deletes whole minutes, as before.
--
-- Old rows are packed here, exactly: one row per minute, its keys in
-- count_minute_sk's order.

CREATE TABLE count_minute_pk (
	bucket INTEGER PRIMARY KEY, -- epoch seconds of the minute
	counts TEXT -- {"provider,class,sk": n, ...}; never NULL (see above)
) STRICT;

INSERT INTO count_minute_pk (bucket, counts)
SELECT bucket, '{' || group_concat('"' || provider || ',' || class || ',' ||
    sk || '":' || n, ',') || '}'
FROM (SELECT bucket, provider, class, sk, n FROM count_minute_sk
    ORDER BY bucket, provider, class, sk)
GROUP BY bucket;

DROP VIEW count_minute;
DROP TABLE count_minute_sk;

-- k: "provider,class,sk"; r: "class,sk".
CREATE VIEW count_minute AS
SELECT bucket, CAST(k AS INTEGER) AS provider, CAST(r AS INTEGER) AS class,
    CAST(substr(r, instr(r, ',') + 1) AS INTEGER) >> 2 AS status,
    CAST(substr(r, instr(r, ',') + 1) AS INTEGER) & 3 AS kind, n
FROM (SELECT m.bucket AS bucket, c.key AS k,
    substr(c.key, instr(c.key, ',') + 1) AS r, c.value AS n
    FROM count_minute_pk m, json_each(m.counts) c);
