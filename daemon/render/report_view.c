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

/*
 * The copy of an empty string: most rows of a report (the hourly series)
 * have only empty strings, a malloc each (a year in HTML: 1.2 M of them).
 */
static char empty[1];

static char *
memdup0(const char *s, size_t len)
{
	char *p;

	if (len == 0)
		return empty;
	p = xmalloc(len + 1);

	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* A copy of s, NULL taken as "". */
static char *
strdup0(const char *s)
{
	return s != NULL ? memdup0(s, strlen(s)) : empty;
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
	o->name = strdup0(r->name);
	o->top_class = strdup0(r->top_class);
	o->enhanced = strdup0(r->enhanced);
	o->cls = strdup0(r->cls);
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

static void
free_str(char *s)
{
	if (s != empty)
		free(s);
}

void
rlist_free(struct rlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free_str(l->v[i].name);
		free_str(l->v[i].top_class);
		free_str(l->v[i].enhanced);
		free_str(l->v[i].cls);
		free_str(l->v[i].text);
		free_str(l->v[i].sample);
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
