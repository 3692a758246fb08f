-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The bouncestat authors
--
-- Schema version 11: a message's recipients in its own row (issue 16:
-- import with message tracking within 15% of `lifecycle no`). The
-- writer thread spent about as much on SQLite inserting recipient rows
-- (one WITHOUT ROWID row each, about 6,800 instructions) as on the
-- message rows; now a message is one row whatever its recipients.
--
--  * message.rcpts: a JSON array with one array per recipient,
--      [rcpt, domain, provider, relay, transport, status, class, code,
--       attempts, first - message.first, last - message.first]
--    (domain, provider, relay, transport: name ids; status, class:
--    names; the two times relative to the message's first line, so
--    that they are short). Written whole with the message
--    (schema/message.c); '[]' when it has none.
--  * message_rcpt is now a VIEW with the columns of the table it
--    replaces (for the sqlite3 shell). The commands read message.rcpts
--    through json_each() themselves (schema/message_query.c): a LEFT
--    JOIN of this view would materialise every recipient.

ALTER TABLE message ADD COLUMN rcpts TEXT NOT NULL DEFAULT '[]';

UPDATE message SET rcpts = (
    SELECT json_group_array(json_array(r.rcpt, r.domain, r.provider,
	r.relay, r.transport, r.status, r.class, r.code, r.attempts,
	r.first - message.first, r.last - message.first))
    FROM (SELECT * FROM message_rcpt x WHERE x.message = message.id
	ORDER BY x.rcpt) r)
WHERE id IN (SELECT message FROM message_rcpt);

DROP TABLE message_rcpt;

CREATE VIEW message_rcpt AS
SELECT m.id AS message,
    json_extract(r.value, '$[0]') AS rcpt,
    json_extract(r.value, '$[1]') AS domain,
    json_extract(r.value, '$[2]') AS provider,
    json_extract(r.value, '$[3]') AS relay,
    json_extract(r.value, '$[4]') AS transport,
    json_extract(r.value, '$[5]') AS status,
    json_extract(r.value, '$[6]') AS class,
    json_extract(r.value, '$[7]') AS code,
    json_extract(r.value, '$[8]') AS attempts,
    m.first + json_extract(r.value, '$[9]') AS first,
    m.first + json_extract(r.value, '$[10]') AS last
FROM message m, json_each(m.rcpts) r;
