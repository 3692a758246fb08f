/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See pipeline.h. The per-line hot path: parse (no allocation), provider
 * from the relay host (only for delivery events), classify (cached inside
 * the classifier), store_add (counts aggregated in memory until commit).
 * Nothing here allocates per line.
 */
#include <stdlib.h>
#include <string.h>

#include "linebuf.h"
#include "pipeline.h"
#include "provider.h"

struct pipeline {
	struct store *store;
	struct classifier *cl;
	struct mta_ctx ctx;
	struct pipeline_counters c;
	uint64_t pending;
	struct bs_event ev;
	struct classify_result cr;
	char provider[256];
	bool have_last;
	/* Decoded journald JSON messages (mta_ctx.scratch): as long as the
	 * default longest line, since decoding never lengthens a string. */
	char scratch[LINEBUF_MAX_LINE_DEFAULT];
};

/* See pipeline.h. Returns NULL on allocation failure. */
struct pipeline *
pipeline_new(struct store *st, struct classifier *cl, const struct mta_ctx *ctx)
{
	struct pipeline *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->store = st;
	p->cl = cl;
	p->ctx = *ctx;
	p->ctx.scratch = p->scratch;
	p->ctx.scratch_len = sizeof(p->scratch);
	return p;
}

void
pipeline_free(struct pipeline *p)
{
	free(p);
}

/* Sets the reference time used to infer the year of classic stamps. */
void
pipeline_set_ref_time(struct pipeline *p, int64_t now)
{
	p->ctx.syslog.ref_time = now;
}

/* Swaps the classifier (after a reload); the old one is not freed. */
void
pipeline_set_classifier(struct pipeline *p, struct classifier *cl)
{
	p->cl = cl;
}

int
pipeline_line(struct pipeline *p, const char *line, size_t len, unsigned flags)
{
	struct store_record rec;
	int rc;

	p->c.lines++;
	if (flags & LINEBUF_CUT)
		p->c.cut++;
	memset(&p->ev, 0, sizeof(p->ev));
	rc = mta_parse_line(line, len, &p->ctx, &p->ev);
	if (rc == PARSE_SKIP) {
		p->c.skipped++;
		return rc;
	}
	if (rc != PARSE_OK) {
		p->c.bad++;
		return PARSE_BAD;
	}
	if (provider_from_host(
		p->ev.relay_host, p->provider, sizeof(p->provider)) == 0)
		p->provider[0] = '\0';
	classify_event(
	    p->cl, &p->ev, p->provider[0] ? p->provider : NULL, &p->cr);
	p->have_last = true;
	p->c.events++;
	if ((unsigned)p->ev.status < BS_STATUS_COUNT)
		p->c.by_status[p->ev.status]++;
	if (p->ev.status != BS_STATUS_SENT)
		p->c.failures++;
	if (p->ev.time > p->c.last_event)
		p->c.last_event = p->ev.time;
	if (p->store == NULL)
		return PARSE_OK;
	rec.ev = &p->ev;
	rec.cr = &p->cr;
	rec.provider = p->provider;
	if (store_add(p->store, &rec) == -1)
		return -1;
	p->pending++;
	return PARSE_OK;
}

void
pipeline_last(const struct pipeline *p, const struct bs_event **ev,
    const struct classify_result **cr, const char **provider)
{
	*ev = p->have_last ? &p->ev : NULL;
	*cr = p->have_last ? &p->cr : NULL;
	*provider = p->provider;
}

/* Begins a batch: store_begin(). 0 or -1 (see store_errmsg()). */
int
pipeline_begin(struct pipeline *p)
{
	return store_begin(p->store);
}

/* Ends a batch: store_commit(). 0 or -1 (see store_errmsg()). */
int
pipeline_commit(struct pipeline *p)
{
	if (store_commit(p->store) == -1)
		return -1;
	p->pending = 0;
	return 0;
}

uint64_t
pipeline_pending(const struct pipeline *p)
{
	return p->pending;
}

const struct pipeline_counters *
pipeline_counters(const struct pipeline *p)
{
	return &p->c;
}
