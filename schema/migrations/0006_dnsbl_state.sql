-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The bouncestat authors
--
-- Schema version 6: the DNSBL self-check (daemon/dnsbl/selfcheck.c,
-- schema/dnsbl_state.c). One row per (IP, list) last asked: what the list
-- answered, what that means, when it was asked and since when the verdict
-- has been the same. `status` and `dnsbl-check` read it; the detector
-- keeps a dnsbl incident open while the row says listed.

CREATE TABLE dnsbl_state (
	ip TEXT NOT NULL,
	zone TEXT NOT NULL,
	verdict TEXT NOT NULL,	-- not_listed, listed, pass, error
	answer TEXT NOT NULL,	-- "127.0.0.2", "-", "timeout", "refused"
	meaning TEXT NOT NULL,
	actionable INTEGER NOT NULL,
	checked INTEGER NOT NULL,	-- epoch seconds of the answer
	since INTEGER NOT NULL,		-- the verdict holds since
	PRIMARY KEY (ip, zone)
) STRICT;
