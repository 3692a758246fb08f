/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Incident tables for `incidents`, `report` (open ones first) and the
 * replay: a list of incidents copied out of a query, printed as aligned
 * text (local time, hostile text sanitised) or as a JSON array (UTC and
 * epoch seconds). Prints only: reading the incidents is the caller's.
 */
#ifndef BS_DAEMON_RENDER_INCIDENTS_H
#define BS_DAEMON_RENDER_INCIDENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "incident.h"

/* An incident with its strings owned. */
struct incident_item {
	struct incident inc;
	char *strs[9];
	/* issue 16: set by the command when the message records say */
	bool has_messages;
	int64_t messages, expiring;
};

/* A growing list of incidents; zero it to start. */
struct incident_list {
	struct incident_item *v;
	size_t n, cap;
};

/*
 * An incident_fn that appends a copy of inc to the struct incident_list
 * arg (at most INCIDENT_LIST_MAX; the rest are dropped). Returns 0.
 */
int incident_list_add(const struct incident *inc, void *arg);
#define INCIDENT_LIST_MAX 100000

/* Frees the copies held by l (not l itself). */
void incident_list_free(struct incident_list *l);

/*
 * The text table of l: state, start and last seen (local time), kind,
 * key, peak against the usual count, total, then the receivers and a
 * sample reply. With no incident: "No incidents since ..." unless quiet.
 */
void incident_table_text(
    FILE *fp, const struct incident_list *l, int64_t since, bool quiet);

/* l as a JSON array of objects (one per incident). */
void incident_table_json(FILE *fp, const struct incident_list *l);

/* The key column of inc ("qq.com", "zen.spamhaus.org 192.0.2.1"). */
void incident_key_text(char *out, size_t len, const struct incident *inc);

/* Local time "2026-11-22 10:40", or "HH:MM" when on the day of ref (0:
 * always the date); "-" for 0. With a ref in another UTC offset (a DST
 * change between them), the offset follows: "02:20 +0100". */
void render_local_time(char *out, size_t len, int64_t t, int64_t ref);

/* Appends " +HHMM", t's local UTC offset, to the string in out. */
void render_append_offset(char *out, size_t len, int64_t t);

/* UTC RFC 3339 "2026-11-22T10:40:00Z". */
void render_utc_time(char *out, size_t len, int64_t t);

#endif
