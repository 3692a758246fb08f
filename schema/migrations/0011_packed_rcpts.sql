-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The bouncestat authors
--
-- Schema version 11: a message's recipients in its own row, its client
-- as text (issue 16: import with message tracking within 15% of
-- `lifecycle no`). The writer thread spent about as much on SQLite
-- inserting recipient rows (one WITHOUT ROWID row each, about 6,800
-- instructions) as on the message rows, and a new client name cost a
-- name row and its UNIQUE index entry (clients hardly repeat: 1,301
-- names for 3,321 messages kept of the benchmark log's first 200,000
-- lines); now a message is one row whatever its recipients.
--
--  * message.rcpts: a JSON array with one array per recipient, sorted
--    by address,
--      [rcpt, domain, provider, relay, transport, status, class, code,
--       attempts, first - message.first, last - message.first]
--    (domain, provider, relay, transport: name ids; status, class:
--    names; the two times relative to the message's first line, so
--    that they are short). Written whole with the message
--    (schema/message.c); '[]' when it has none.
--  * message.client: the client's text ("host[address]"), no longer a
--    name id (the old names stay in `name`).
--  * message_rcpt is now a VIEW with the columns of the table it
--    replaces (for the sqlite3 shell). The commands read message.rcpts
--    through json_each() themselves (schema/message_query.c): a LEFT
--    JOIN of this view would materialise every recipient.
--  * message_v has the same columns as before.

-- The rows are copied aside to a temporary table and back, rather than
-- into a new table renamed after: ALTER TABLE RENAME parses the whole
-- schema again (9 M instructions on every new database).
CREATE TEMP TABLE message_11 AS
SELECT m.id, m.mta, m.host, m.instance, m.queue_id, m.first, m.last,
    m.final, m.state, m.sender, m.sender_domain, m.sasl_user,
    coalesce((SELECT c.s FROM name c WHERE c.id = m.client), '') AS client,
    m.message_id, m.size, m.nrcpt, m.failed, m.flags,
    coalesce((SELECT json_group_array(json_array(r.rcpt, r.domain,
	r.provider, r.relay, r.transport, r.status, r.class, r.code,
	r.attempts, r.first - m.first, r.last - m.first))
	FROM (SELECT * FROM message_rcpt x WHERE x.message = m.id
	    ORDER BY x.rcpt) r), '[]') AS rcpts
FROM message m;

DROP VIEW message_v;
DROP TABLE message_rcpt;
DROP TABLE message;

CREATE TABLE message (
	id INTEGER PRIMARY KEY,
	mta INTEGER NOT NULL,
	host INTEGER NOT NULL,
	instance INTEGER NOT NULL,
	queue_id TEXT NOT NULL,
	first INTEGER NOT NULL,
	last INTEGER NOT NULL,
	final INTEGER NOT NULL,	-- 0: open
	state TEXT NOT NULL,
	sender TEXT NOT NULL,
	sender_domain INTEGER NOT NULL,
	sasl_user INTEGER NOT NULL,
	client TEXT NOT NULL,
	message_id TEXT NOT NULL,
	size INTEGER NOT NULL,	-- -1 unknown
	nrcpt INTEGER NOT NULL,	-- -1 unknown
	failed INTEGER NOT NULL, -- failure results seen
	flags INTEGER NOT NULL,	-- 1 start seen, 2 sender seen
	rcpts TEXT NOT NULL	-- JSON, see above
) STRICT;
INSERT INTO message SELECT * FROM temp.message_11 ORDER BY id;
DROP TABLE temp.message_11;
CREATE INDEX message_qid ON message (queue_id);
CREATE INDEX message_open ON message (final) WHERE final = 0;

CREATE VIEW message_rcpt AS
SELECT m.id AS message,
    r.value ->> 0 AS rcpt,
    r.value ->> 1 AS domain,
    r.value ->> 2 AS provider,
    r.value ->> 3 AS relay,
    r.value ->> 4 AS transport,
    r.value ->> 5 AS status,
    r.value ->> 6 AS class,
    r.value ->> 7 AS code,
    r.value ->> 8 AS attempts,
    m.first + r.value ->> 9 AS first,
    m.first + r.value ->> 10 AS last
FROM message m, json_each(m.rcpts) r;

CREATE VIEW message_v AS
SELECT m.id, m.queue_id, mt.s AS mta, h.s AS host, i.s AS instance,
    datetime(m.first, 'unixepoch') AS first,
    CASE m.final WHEN 0 THEN NULL ELSE datetime(m.final, 'unixepoch') END
	AS final,
    m.state, m.sender, su.s AS sasl_user, m.client, m.message_id,
    m.size, m.nrcpt, m.failed
FROM message m
JOIN name mt ON mt.id = m.mta
JOIN name h ON h.id = m.host
JOIN name i ON i.id = m.instance
JOIN name su ON su.id = m.sasl_user;
