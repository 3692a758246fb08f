-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The bouncestat authors
--
-- Schema version 13: a stored failure keeps its Postfix instance
-- (trial12). Instances of one host (postmulti: "postfix", "postfix-out",
-- each with its own queue directory) draw their queue ids independently,
-- so two messages of one host may share a queue id at the same time. The
-- message records keep them apart (their key has the instance), but the
-- attempts `trace` shows are found in event by queue id, host and time,
-- and showed the other instance's failures too.
--
--  * event.instance: the name id of the syslog name before '/'
--    ("postfix-out" of "postfix-out/smtp", "postfix" of "postfix/smtp");
--    0 when not known: rows written before this version, and the other
--    MTAs (which have no instances). A message's attempts are those of
--    its instance or 0, so older rows show as before.
--  * event_v gains the column instance (last; '' for 0).
--
-- ALTER TABLE ADD COLUMN rewrites no row: old rows read the default.

ALTER TABLE event ADD COLUMN instance INTEGER NOT NULL DEFAULT 0;

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
    r.text AS reply, i.s AS instance
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
JOIN name i ON i.id = e.instance
JOIN reply r ON r.id = e.reply;
