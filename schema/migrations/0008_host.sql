-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The bouncestat authors
--
-- Schema version 8: the logging host is a dimension of the counts
-- (issue 15, a fleet through rsyslog).
--
--  * count_hour, count_day, count_month gain `host` (a name id, as
--    event.host: the host field of the line's syslog prefix; 0 when the
--    line had none), last in the primary key, so that a database of one
--    host keeps the same rows and order. count_minute (spike detection)
--    and count_hour_class (the hourly series) stay without it.
--  * Rows written before this version get the host of the database's
--    events when they all have one and the same host (one server: the
--    usual case), else 0 ('': unknown).

CREATE TEMP TABLE host_of_old AS
SELECT CASE WHEN count(DISTINCT host) = 1 THEN max(host) ELSE 0 END AS h
FROM event;

CREATE TABLE count_hour_new (
	bucket INTEGER NOT NULL,
	domain INTEGER NOT NULL,
	provider INTEGER NOT NULL,
	class INTEGER NOT NULL,
	status INTEGER NOT NULL,
	code INTEGER NOT NULL,
	enhanced INTEGER NOT NULL,
	kind INTEGER NOT NULL,
	host INTEGER NOT NULL, -- name: logging host
	n INTEGER NOT NULL,
	PRIMARY KEY (bucket, domain, provider, class, status, code, enhanced,
	    kind, host)
) STRICT, WITHOUT ROWID;
INSERT INTO count_hour_new SELECT bucket, domain, provider, class, status,
    code, enhanced, kind, (SELECT h FROM host_of_old), n FROM count_hour;
DROP VIEW count_hour_v;
DROP TABLE count_hour;
ALTER TABLE count_hour_new RENAME TO count_hour;

CREATE TABLE count_day_new (
	bucket INTEGER NOT NULL,
	domain INTEGER NOT NULL,
	provider INTEGER NOT NULL,
	class INTEGER NOT NULL,
	status INTEGER NOT NULL,
	code INTEGER NOT NULL,
	enhanced INTEGER NOT NULL,
	kind INTEGER NOT NULL,
	host INTEGER NOT NULL,
	n INTEGER NOT NULL,
	PRIMARY KEY (bucket, domain, provider, class, status, code, enhanced,
	    kind, host)
) STRICT, WITHOUT ROWID;
INSERT INTO count_day_new SELECT bucket, domain, provider, class, status,
    code, enhanced, kind, (SELECT h FROM host_of_old), n FROM count_day;
DROP TABLE count_day;
ALTER TABLE count_day_new RENAME TO count_day;

CREATE TABLE count_month_new (
	bucket INTEGER NOT NULL,
	domain INTEGER NOT NULL,
	provider INTEGER NOT NULL,
	class INTEGER NOT NULL,
	status INTEGER NOT NULL,
	code INTEGER NOT NULL,
	enhanced INTEGER NOT NULL,
	kind INTEGER NOT NULL,
	host INTEGER NOT NULL,
	n INTEGER NOT NULL,
	PRIMARY KEY (bucket, domain, provider, class, status, code, enhanced,
	    kind, host)
) STRICT, WITHOUT ROWID;
INSERT INTO count_month_new SELECT bucket, domain, provider, class, status,
    code, enhanced, kind, (SELECT h FROM host_of_old), n FROM count_month;
DROP TABLE count_month;
ALTER TABLE count_month_new RENAME TO count_month;

DROP TABLE host_of_old;

CREATE VIEW count_hour_v AS
SELECT datetime(k.bucket, 'unixepoch') AS hour, h.s AS host,
    d.s AS domain, p.s AS provider, c.s AS class, st.s AS status, k.code,
    en.s AS enhanced, k.kind, k.n
FROM count_hour k
JOIN name h ON h.id = k.host
JOIN name d ON d.id = k.domain
JOIN name p ON p.id = k.provider
JOIN name c ON c.id = k.class
JOIN name st ON st.id = k.status
JOIN name en ON en.id = k.enhanced;
