-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The bouncestat authors
--
-- Schema version 4: notifications per destination (schema/notification.c).
--
-- `bouncestat alert` tells several destinations about an incident: the
-- e-mail (still incident.notified, as in version 2), each webhook and each
-- exec hook. One row per incident and destination that was told, with
-- the state it was told about (1 the opening, 2 the resolution) and when;
-- a row is written only after that destination accepted (a 2xx answer,
-- exit status 0), so a failed delivery is retried by the next run and one
-- destination's failure never holds back, or repeats, another's.
--
--  * dest: "webhook <url>" or "exec <path>" (the URL or path as given).
--  * notified only moves forward: never from resolved back to open.

CREATE TABLE notification (
	incident INTEGER NOT NULL,
	dest TEXT NOT NULL,
	notified INTEGER NOT NULL CHECK (notified IN (1, 2)),
	at INTEGER NOT NULL,
	PRIMARY KEY (incident, dest)
) STRICT, WITHOUT ROWID;
