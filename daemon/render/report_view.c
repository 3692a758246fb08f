/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See report_view.h.
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "report_view.h"
#include "util.h"

static char *
memdup0(const char *s, size_t len)
{
	char *p = xmalloc(len + 1);

	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

int
rlist_collect(const struct query_row *r, void *arg)
{
	struct rlist *l = arg;
	struct rrow *o;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	o = &l->v[l->n++];
	o->name = xstrdup(r->name != NULL ? r->name : "");
	o->top_class = xstrdup(r->top_class != NULL ? r->top_class : "");
	o->enhanced = xstrdup(r->enhanced != NULL ? r->enhanced : "");
	o->cls = xstrdup(r->cls != NULL ? r->cls : "");
	o->text = memdup0(r->text, r->text != NULL ? r->text_len : 0);
	o->text_len = r->text != NULL ? r->text_len : 0;
	o->sample = memdup0(r->sample, r->sample != NULL ? r->sample_len : 0);
	o->sample_len = r->sample != NULL ? r->sample_len : 0;
	o->code = r->code;
	o->time = r->time;
	o->n = r->n;
	o->c = r->c;
	return 0;
}

void
rlist_free(struct rlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].top_class);
		free(l->v[i].enhanced);
		free(l->v[i].cls);
		free(l->v[i].text);
		free(l->v[i].sample);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int64_t
view_failed(const struct query_counts *c)
{
	return c->deferred + c->bounced + c->expired;
}

int64_t
view_finals(const struct query_counts *c)
{
	return c->sent + view_failed(c);
}

int64_t
view_mark_origin(int64_t since, size_t per)
{
	int64_t step = (int64_t)per * 3600, origin;

	if (per <= 1)
		return since;
	origin = clock_local_day_start(since);
	origin -= (origin % 3600 + 3600) % 3600; /* a whole UTC hour */
	if (origin > since)
		origin -= 86400;
	return origin + (since - origin) / step * step;
}

int64_t
view_mark_day(int64_t t0)
{
	int64_t m = clock_local_day_start(t0 + 3599);

	return m >= t0 ? m : -1;
}
