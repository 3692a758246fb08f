/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See dnsbl_check.h. The results array is laid out when the run starts
 * (one slot per query), so an answer only fills its slot; the end is
 * signalled from a zero timer, outside c-ares's callback, so that the
 * caller may free the run (and with it the resolver) in its callback.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsbl_check.h"
#include "event.h"
#include "resolver.h"
#include "util.h"

struct slot {
	struct dnsbl_check *run;
	const struct dnsbl_def *def;
	size_t i;
};

struct dnsbl_check {
	struct ev_loop *ev;
	struct resolver *res;
	struct dnsbl_result *results;
	struct slot *slots;
	size_t n;
	size_t pending;
	bool freeing;
	ev_timer end_w;
	dnsbl_check_done_fn *fn;
	void *arg;
};

static int
rank(enum dnsbl_verdict v)
{
	return v == DNSBL_LISTED ? 3 : v == DNSBL_ERROR ? 2 : v == DNSBL_PASS;
}

static void
on_answer(void *arg, enum resolver_status st, const uint32_t *addrs,
    size_t naddrs, const char *detail)
{
	struct slot *s = arg;
	struct dnsbl_check *c = s->run;
	struct dnsbl_result *r = &c->results[s->i];
	const char *meaning = "";
	enum dnsbl_verdict v, worst = DNSBL_NOT_LISTED;
	struct in_addr a;
	size_t i;

	if (st == RESOLVER_CANCELLED || c->freeing)
		return;
	c->pending--;
	switch (st) {
	case RESOLVER_ANSWER:
		/* Several answers: a listing wins, then an error. */
		for (i = 0; i < naddrs; i++) {
			const char *m;

			v = dnsbl_meaning(s->def, addrs[i], &m);
			if (i > 0 && rank(v) <= rank(worst))
				continue;
			worst = v;
			meaning = m;
			a.s_addr = htonl(addrs[i]);
			inet_ntop(AF_INET, &a, r->answer, sizeof(r->answer));
		}
		r->verdict = worst;
		snprintf(r->meaning, sizeof(r->meaning), "%s", meaning);
		break;
	case RESOLVER_NXDOMAIN:
		r->verdict = DNSBL_NOT_LISTED;
		snprintf(r->answer, sizeof(r->answer), "-");
		break;
	default:
		r->verdict = DNSBL_ERROR;
		snprintf(r->answer, sizeof(r->answer), "%s",
		    resolver_status_name(st));
		snprintf(r->meaning, sizeof(r->meaning), "%s%s", detail,
		    st == RESOLVER_REFUSED
			? " (the resolver refused the query: some lists "
			  "refuse public resolvers)"
			: "");
		break;
	}
	if (c->pending == 0)
		ev_timer_start(c->ev, &c->end_w);
}

static void
end_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct dnsbl_check *c = w->data;

	(void)loop;
	(void)revents;
	c->fn(c->arg, c->results, c->n);
}

struct dnsbl_check *
dnsbl_check_start(struct ev_loop *ev, const struct dnsbl_lists *l,
    const char *const *ips, size_t nips, const struct dnsbl_check_opts *o,
    dnsbl_check_done_fn *fn, void *arg, char *errbuf)
{
	struct dnsbl_check *c;
	const struct dnsbl_def *d;
	char qname[512];
	size_t i, j, k, nl = dnsbl_lists_count(l);
	unsigned fam;

	c = xcalloc(1, sizeof(*c));
	c->ev = ev;
	c->fn = fn;
	c->arg = arg;
	ev_timer_init(&c->end_w, end_cb, 0., 0.);
	c->end_w.data = c;
	if ((c->res = resolver_new(
		 ev, o->servers, o->timeout_ms, o->tries, errbuf)) == NULL) {
		free(c);
		return NULL;
	}
	c->results = xcalloc(nips * nl + 1, sizeof(*c->results));
	c->slots = xcalloc(nips * nl + 1, sizeof(*c->slots));
	for (i = 0; i < nips; i++) {
		for (j = 0; j < nl; j++) {
			d = dnsbl_lists_get(l, j);
			if (!d->check)
				continue;
			fam = dnsbl_query_name(
			    ips[i], d->zone, qname, sizeof(qname));
			if (fam == 0 || (fam & d->family) == 0)
				continue;
			k = c->n++;
			snprintf(c->results[k].ip, sizeof(c->results[k].ip),
			    "%s", ips[i]);
			snprintf(c->results[k].zone, sizeof(c->results[k].zone),
			    "%s", d->zone);
			snprintf(c->results[k].name, sizeof(c->results[k].name),
			    "%s", d->name);
			snprintf(c->results[k].delist,
			    sizeof(c->results[k].delist), "%s", d->delist);
			c->results[k].actionable = d->actionable;
			c->results[k].verdict = DNSBL_ERROR;
			snprintf(c->results[k].answer,
			    sizeof(c->results[k].answer), "pending");
			c->slots[k].run = c;
			c->slots[k].def = d;
			c->slots[k].i = k;
		}
	}
	c->pending = c->n;
	for (k = 0; k < c->n; k++) {
		dnsbl_query_name(
		    c->results[k].ip, c->results[k].zone, qname, sizeof(qname));
		resolver_query(c->res, qname, on_answer, &c->slots[k]);
	}
	if (c->n == 0)
		ev_timer_start(ev, &c->end_w);
	return c;
}

size_t
dnsbl_check_pending(const struct dnsbl_check *c)
{
	return c->pending;
}

void
dnsbl_check_free(struct dnsbl_check *c)
{
	if (c == NULL)
		return;
	c->freeing = true;
	ev_timer_stop(c->ev, &c->end_w);
	resolver_free(c->res);
	free(c->results);
	free(c->slots);
	free(c);
}
