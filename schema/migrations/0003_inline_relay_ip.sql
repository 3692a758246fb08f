-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The bouncestat authors
--
-- Schema version 3: smaller event data (schema/store.c).
--
--  * event.relay_ip: when event.flags has bit 8 set, the relay's IPv4
--    address itself, packed big-endian into a signed 32-bit integer
--    (canonical dotted quads only, so that the view prints them back
--    byte-exact); otherwise a name id as before (IPv6, anything else, and
--    every row written by version 2). Relay addresses were 45,000 of the
--    49,000 names, and 2 MB of the 15 MB database, of a 2M-line log.
--  * reply: h is now a hash of the reply's sample key (code, enhanced
--    status, class and the text reduced to what reports group replies
--    by), with bit 62 set; rows of version 2 keep their 31-bit text hash.
--    At most 8 texts are kept per key: an event whose text is not one of
--    them refers to the newest of them. Counts are unchanged; samples
--    shown are texts really received with the same code, status, class
--    and normalized text, no longer always the latest event's own.
--
-- Version 2 binaries would drop the rows of packed addresses from
-- event_v; this version number keeps them from opening the database.

DROP VIEW event_v;
CREATE VIEW event_v AS
SELECT e.id, datetime(e.t, 'unixepoch') AS time, h.s AS host,
    e.queue_id, d.s AS domain, rl.s AS relay,
    CASE WHEN e.flags & 8 THEN
	((e.relay_ip >> 24) & 255) || '.' || ((e.relay_ip >> 16) & 255) ||
	'.' || ((e.relay_ip >> 8) & 255) || '.' || (e.relay_ip & 255)
    ELSE ri.s END AS relay_ip,
    p.s AS provider, m.s AS mta, st.s AS status, e.code,
    en.s AS enhanced, ds.s AS dsn, c.s AS class, ru.s AS rule,
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
