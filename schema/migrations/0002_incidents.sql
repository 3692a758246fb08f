-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The bouncestat authors
--
-- Schema version 2: incidents (schema/incident.c, daemon/detect.c).
--
-- One row per incident: a spike of one kind (detect_kind_name(): e.g.
-- rate_limited, dnsbl) for one key (a provider, or the recipient domain
-- when the provider is unknown; for dnsbl the DNSBL's name, with the
-- listed IP apart). Incidents are few, so their strings are stored as
-- text, readable in the sqlite3 shell, not interned in `name`.
--
--  * state: open -> resolved, once, after the kind's quiet period.
--  * until_t, calm_since, calm_total, calm_seen: the detector's state
--    (struct detect_track), so that a restarted daemon goes on where it
--    stopped; meta 'detect.until' holds the last window end evaluated.
--  * notified: what was last mailed (0 nothing, 1 the opening, 2 the
--    resolution) and notified_at when; `bouncestat alert` mails the rows
--    whose state is ahead of it, and moves it only after sendmail
--    succeeded.
--  * At most one open incident per (kind, key, listed_ip).

CREATE TABLE incident (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	key TEXT NOT NULL,
	listed_ip TEXT NOT NULL DEFAULT '',
	providers TEXT NOT NULL DEFAULT '',
	state TEXT NOT NULL CHECK (state IN ('open', 'resolved')),
	start INTEGER NOT NULL,
	detected INTEGER NOT NULL,
	last_seen INTEGER NOT NULL,
	resolved INTEGER NOT NULL DEFAULT 0,
	until_t INTEGER NOT NULL,
	calm_since INTEGER NOT NULL DEFAULT 0,
	calm_total INTEGER NOT NULL DEFAULT 0,
	calm_seen INTEGER NOT NULL DEFAULT 0,
	win INTEGER NOT NULL,	    -- seconds of the detection window
	peak INTEGER NOT NULL,	    -- largest count in one window
	peak_total INTEGER NOT NULL, -- rate kinds: results in that window
	baseline REAL NOT NULL,	    -- usual count per window (or rate)
	total INTEGER NOT NULL,	    -- events during the incident
	sample TEXT NOT NULL DEFAULT '', -- a sample reply, byte-exact
	sample_code INTEGER NOT NULL DEFAULT 0,
	rule TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL DEFAULT '',
	notified INTEGER NOT NULL DEFAULT 0 CHECK (notified IN (0, 1, 2)),
	notified_at INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE UNIQUE INDEX incident_open ON incident (kind, key, listed_ip)
    WHERE state = 'open';
CREATE INDEX incident_last_seen ON incident (last_seen);

CREATE VIEW incident_v AS
SELECT id, kind, key, listed_ip, providers, state,
    datetime(start, 'unixepoch') AS start,
    datetime(last_seen, 'unixepoch') AS last_seen,
    CASE resolved WHEN 0 THEN NULL ELSE datetime(resolved, 'unixepoch') END
	AS resolved,
    peak, peak_total, baseline, total, sample, rule, action, notified,
    CASE notified_at WHEN 0 THEN NULL
	ELSE datetime(notified_at, 'unixepoch') END AS notified_at
FROM incident;
