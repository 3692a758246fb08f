-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The bouncestat authors
--
-- Schema version 5: message lifecycle records (issue 16; schema/message.c,
-- parsers/lifecycle_join.c).
--
--  * message: one row per message (a queue id's life from its first line
--    to "removed"/"Completed"): final = 0 while it is open, so that a
--    restarted daemon or import takes the open ones back (they are
--    written in the same transaction as the input positions). A reused
--    queue id gives a new row. state: the names of lc_state_name().
--    Interned columns (name ids, as in 0001): mta, host, instance,
--    sender_domain, sasl_user, client, transport.
--  * message_rcpt: a recipient's last result; class is the class of its
--    last failure ('none' if it never failed), attempts counts every
--    result (deferrals and the final one). Every failed attempt itself is
--    in `event`, found by queue id and time.
--  * Addresses are stored as the directive store_addresses says: the
--    address, "h:HASH@domain", or "@domain".
--  * Pruned by message_retention (final messages only), apart from the
--    counts and events.

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
	client INTEGER NOT NULL,
	message_id TEXT NOT NULL,
	size INTEGER NOT NULL,	-- -1 unknown
	nrcpt INTEGER NOT NULL,	-- -1 unknown
	failed INTEGER NOT NULL, -- failure results seen
	flags INTEGER NOT NULL	-- 1 start seen, 2 sender seen
) STRICT;
CREATE INDEX message_qid ON message (queue_id);
CREATE INDEX message_open ON message (final) WHERE final = 0;

CREATE TABLE message_rcpt (
	message INTEGER NOT NULL,
	rcpt TEXT NOT NULL,
	domain INTEGER NOT NULL,
	provider INTEGER NOT NULL,
	relay INTEGER NOT NULL,
	transport INTEGER NOT NULL,
	status TEXT NOT NULL,
	class TEXT NOT NULL,
	code INTEGER NOT NULL,
	attempts INTEGER NOT NULL,
	first INTEGER NOT NULL,
	last INTEGER NOT NULL,
	PRIMARY KEY (message, rcpt)
) STRICT, WITHOUT ROWID;

CREATE VIEW message_v AS
SELECT m.id, m.queue_id, mt.s AS mta, h.s AS host, i.s AS instance,
    datetime(m.first, 'unixepoch') AS first,
    CASE m.final WHEN 0 THEN NULL ELSE datetime(m.final, 'unixepoch') END
	AS final,
    m.state, m.sender, su.s AS sasl_user, c.s AS client, m.message_id,
    m.size, m.nrcpt, m.failed
FROM message m
JOIN name mt ON mt.id = m.mta
JOIN name h ON h.id = m.host
JOIN name i ON i.id = m.instance
JOIN name su ON su.id = m.sasl_user
JOIN name c ON c.id = m.client;
