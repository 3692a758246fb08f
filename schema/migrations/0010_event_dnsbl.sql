-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The bouncestat authors
--
-- Schema version 10: the failures that name a DNSBL listing, by listing
-- and time (issue 14: no detector pass holds up reading). A DNSBL
-- incident's receivers and sample (schema/incident.c) were found by
-- reading every event of the incident's time through event_t; a long
-- listing read the whole table on each detector pass. Partial: only the
-- few events with a listing are in it (blacklisted is about 6% of the
-- benchmark log's failures), and the queries say `e.dnsbl <> 0` so that
-- SQLite may use it.

CREATE INDEX event_dnsbl ON event (dnsbl, listed_ip, t) WHERE dnsbl <> 0;
