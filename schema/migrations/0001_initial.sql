-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The bouncestat authors
--
-- Schema version 1. Applied by store.c inside one transaction, which then
-- sets PRAGMA user_version = 1; never edit a released migration, add the
-- next numbered file instead.
--
-- Conventions:
--  * Times are UTC epoch seconds. Count buckets hold the start of their
--    minute (count_minute) or hour (count_hour).
--  * Every string that repeats is interned once in `name` (domains, hosts,
--    relays, IPs, providers, rules, enhanced codes, stages, and the public
--    vocabularies: status, class and MTA names as in event.h) and referred to
--    by id; id 0 is the empty string, so "none" needs no NULL and joins
--    always find a row. Reply texts, long and often unique, live in `reply`,
--    one row per distinct text, looked up by a 31-bit hash (collisions are
--    resolved by comparing the text).
--  * Status and class columns hold name ids of their public names, never C
--    enum values, so that adding a class does not renumber stored data.
--  * kind: 0 = final result (one per status= line), 1 = per-MX attempt (not
--    final), 2 = suspended repeat (a final deferral that repeats an earlier
--    reply without contacting the receiver), 3 = a final result decided
--    locally by our MTA (no reply, e.g. Exim "retry time not reached").
--    Kinds 2 and 3 are in the final totals; spike detection leaves them
--    out.
--  * No FOREIGN KEY clauses: each would cost a lookup per event row on the
--    import path, and names are never deleted; replies are deleted only by
--    store_prune_events() when no event refers to them.

PRAGMA application_id = 1651733620; -- 0x62737474, "bstt"

CREATE TABLE name (
	id INTEGER PRIMARY KEY,
	s TEXT NOT NULL UNIQUE
) STRICT;
INSERT INTO name (id, s) VALUES (0, '');

CREATE TABLE reply (
	id INTEGER PRIMARY KEY,
	h INTEGER NOT NULL, -- low 31 bits of bs_hash64(text)
	text TEXT NOT NULL  -- byte-exact as received (may be invalid UTF-8)
) STRICT;
CREATE INDEX reply_h ON reply (h);
INSERT INTO reply (id, h, text) VALUES (0, 0, ''); -- no reply

-- One row per failure (every status but sent), kept for the configured
-- retention; counts below survive its pruning.
CREATE TABLE event (
	id INTEGER PRIMARY KEY,
	t INTEGER NOT NULL,
	host INTEGER NOT NULL,	   -- name: logging host
	queue_id TEXT NOT NULL,
	domain INTEGER NOT NULL,   -- name: recipient domain
	relay INTEGER NOT NULL,	   -- name: relay host
	relay_ip INTEGER NOT NULL, -- name
	provider INTEGER NOT NULL, -- name, 0 when unknown
	mta INTEGER NOT NULL,	   -- name: postfix, exim, ...
	status INTEGER NOT NULL,   -- name: deferred, bounced, expired, attempt
	code INTEGER NOT NULL,	   -- RFC 5321 reply code, 0 when none
	enhanced INTEGER NOT NULL, -- name: RFC 3463 status
	dsn INTEGER NOT NULL,	   -- name: the log's dsn= field
	class INTEGER NOT NULL,	   -- name: class
	rule INTEGER NOT NULL,	   -- name: rule that matched
	dnsbl INTEGER NOT NULL,	   -- name
	listed_ip INTEGER NOT NULL, -- name
	stage INTEGER NOT NULL,	   -- name: e.g. "RCPT TO"
	flags INTEGER NOT NULL,	   -- 1 suspended, 2 local, 4 connect
	reply INTEGER NOT NULL	   -- reply.id
) STRICT;
CREATE INDEX event_t ON event (t);

-- Counts of every delivery result, sent included (class = 'none'), so that
-- rates can be computed.
CREATE TABLE count_hour (
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

-- Per minute, for spike detection (per provider and class, with sent
-- for rates): no domain, code or enhanced status, which would make it
-- nearly one row per delivery for a long tail of domains. Pruned on its own
-- (store_prune_minutes), which records the oldest complete minute in meta
-- 'minute_floor'.
CREATE TABLE count_minute (
	bucket INTEGER NOT NULL,
	provider INTEGER NOT NULL,
	class INTEGER NOT NULL,
	status INTEGER NOT NULL,
	kind INTEGER NOT NULL,
	n INTEGER NOT NULL,
	PRIMARY KEY (bucket, provider, class, status, kind)
) STRICT, WITHOUT ROWID;

-- Where each input stands (struct store_position); fingerprints are
-- 64-bit hashes stored as their two's-complement signed value.
CREATE TABLE position (
	key TEXT PRIMARY KEY,
	path TEXT NOT NULL,
	dev INTEGER NOT NULL,
	ino INTEGER NOT NULL,
	off INTEGER NOT NULL,	-- bytes consumed
	size INTEGER NOT NULL,
	fp_head INTEGER NOT NULL,
	fp_head_len INTEGER NOT NULL,
	fp_tail INTEGER NOT NULL,
	fp_tail_len INTEGER NOT NULL,
	last_event INTEGER NOT NULL,
	updated INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE meta (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Readable views for operators using the sqlite3 shell.
CREATE VIEW event_v AS
SELECT e.id, datetime(e.t, 'unixepoch') AS time, h.s AS host,
    e.queue_id, d.s AS domain, rl.s AS relay, ri.s AS relay_ip,
    p.s AS provider, m.s AS mta, st.s AS status, e.code,
    en.s AS enhanced, ds.s AS dsn, c.s AS class, ru.s AS rule,
    bl.s AS dnsbl, li.s AS listed_ip, sg.s AS stage, e.flags,
    r.text AS reply
FROM event e
JOIN name h ON h.id = e.host
JOIN name d ON d.id = e.domain
JOIN name rl ON rl.id = e.relay
JOIN name ri ON ri.id = e.relay_ip
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

CREATE VIEW count_hour_v AS
SELECT datetime(k.bucket, 'unixepoch') AS hour, d.s AS domain,
    p.s AS provider, c.s AS class, st.s AS status, k.code,
    en.s AS enhanced, k.kind, k.n
FROM count_hour k
JOIN name d ON d.id = k.domain
JOIN name p ON p.id = k.provider
JOIN name c ON c.id = k.class
JOIN name st ON st.id = k.status
JOIN name en ON en.id = k.enhanced;
