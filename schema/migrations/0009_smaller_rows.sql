-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The bouncestat authors
--
-- Schema version 9: smaller minute counts and events, cheaper count
-- writes (issue 14: the database of the 2M-line benchmark log was 5.05%
-- of the log, the target 5%; issue 16: import speed).
--
--  * count_minute_sk holds count_minute's rows with status and kind in
--    one column, sk = status * 4 + kind (kind is 0-3, STORE_KIND_* in
--    store.h; status is a name id as before, so every id packs and the
--    key order is unchanged). One column less is one byte less a row in
--    the record header: 193,000 rows, 0.2 MB, of the 2M-line log.
--  * count_minute is now a view of it with the old columns, for the
--    queries (the detector's, activity, report's minute series) and the
--    sqlite3 shell; its bucket condition still uses the primary key.
--    Writes (schema/store_count.c) and pruning go to count_minute_sk.
--  * event.flags bit 16: the event's dsn= field is its enhanced status
--    (the usual case: 97% of the failures of that log), and event.dsn
--    holds 0 instead of the same name id again (0.1 MB of that log).
--    event_v shows the dsn either way; rows written before this version
--    keep their dsn id and no bit 16.
--  * The count tables' n loses NOT NULL (count_hour, count_day,
--    count_month, count_hour_class; count_minute_sk is made without it).
--    The store never writes NULL there; the constraint made SQLite keep a
--    statement journal for each multi-row UPSERT the writer runs (a copy
--    of every page the statement changes, to undo it alone), which with
--    INSERT OR FAIL (schema/store_open.c) it no longer needs: a failed
--    statement fails its whole batch anyway. The constraint is taken out
--    of the tables' text in sqlite_schema, SQLite's documented way of
--    removing a NOT NULL constraint (ALTER TABLE, "other kinds of table
--    schema changes"; migrate() lifts the defensive flag for it): no row
--    is rewritten, and copying the tables instead cost a new database
--    10 ms. A text that does not match is left as it is (slower writes,
--    same data). The DDL below changes schema_version, as the procedure
--    asks.
--
-- Minute rows are copied in key order (count_minute's own: no sort in
-- memory); the old table is dropped.

PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, char(10) || char(9) || 'n INTEGER NOT NULL,',
    char(10) || char(9) || 'n INTEGER,')
WHERE type = 'table'
    AND name IN ('count_hour', 'count_day', 'count_month', 'count_hour_class');
PRAGMA writable_schema = RESET;

CREATE TABLE count_minute_sk (
	bucket INTEGER NOT NULL,
	provider INTEGER NOT NULL,
	class INTEGER NOT NULL,
	sk INTEGER NOT NULL, -- status (name id) * 4 + kind
	n INTEGER, -- never NULL (see above)
	PRIMARY KEY (bucket, provider, class, sk)
) STRICT, WITHOUT ROWID;

INSERT INTO count_minute_sk (bucket, provider, class, sk, n)
SELECT bucket, provider, class, status * 4 + kind, n
FROM count_minute ORDER BY bucket, provider, class, status, kind;

DROP TABLE count_minute;

CREATE VIEW count_minute AS
SELECT bucket, provider, class, sk >> 2 AS status, sk & 3 AS kind, n
FROM count_minute_sk;

DROP VIEW event_v;
CREATE VIEW event_v AS
SELECT e.id, datetime(e.t, 'unixepoch') AS time, h.s AS host,
    e.queue_id, d.s AS domain, rl.s AS relay,
    CASE WHEN e.flags & 8 THEN
	((e.relay_ip >> 24) & 255) || '.' || ((e.relay_ip >> 16) & 255) ||
	'.' || ((e.relay_ip >> 8) & 255) || '.' || (e.relay_ip & 255)
    ELSE ri.s END AS relay_ip,
    p.s AS provider, m.s AS mta, st.s AS status, e.code,
    en.s AS enhanced,
    CASE WHEN e.flags & 16 THEN en.s ELSE ds.s END AS dsn,
    c.s AS class, ru.s AS rule,
    bl.s AS dnsbl, li.s AS listed_ip, sg.s AS stage, e.flags & 7 AS flags,
    r.text AS reply
FROM event e
JOIN name h ON h.id = e.host
JOIN name d ON d.id = e.domain
JOIN name rl ON rl.id = e.relay
LEFT JOIN name ri ON ri.id = e.relay_ip AND e.flags & 8 = 0
JOIN name p ON p.id = e.provider
JOIN name m ON m.id = e.mta
JOIN name st ON st.id = e.status
JOIN name en ON en.id = e.enhanced
JOIN name ds ON ds.id = e.dsn
JOIN name c ON c.id = e.class
JOIN name ru ON ru.id = e.rule
JOIN name bl ON bl.id = e.dnsbl
JOIN name li ON li.id = e.listed_ip
JOIN name sg ON sg.id = e.stage
JOIN reply r ON r.id = e.reply;

