/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The detector harness (see detect_harness.h). The stream is read four
 * bytes at a time: [op, a, b, c].
 *
 *   op % 8 = 0..2  a burst of 1 + c % 16 results of key a % 8 in class
 *                  b % 7 (rate_limited, blacklisted, greylisted,
 *                  auth_failed, a DNSBL listing, another deferral,
 *                  another bounce), in the current minute, or, when
 *                  (b / 7) % 12 == 0, 1 + (a / 8) % 90 minutes back (late
 *                  when the detector has passed it)
 *            3..4  advance 1 + a % 30 minutes, then a pass with a chunk
 *                  of 1 + b % 120 minutes (b >= 240: the default) and at
 *                  most c % 4 transactions (0: all)
 *            5     restart: close the store and open it again
 *            6     a quiet gap of 30 + 4a minutes, no pass
 *            7     1 + c % 32 delivered results of key a % 8 (rates)
 *
 * The clock starts at a fixed date; results carry the current minute.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect.h"
#include "detect_harness.h"
#include "incident.h"
#include "store.h"

#define T0        1764547200 /* 2025-12-01 00:00:00 UTC */
#define KEYS      8
#define OPEN_MAX  256
#define LIST_MAX  4096
#define LATE_BACK 90 /* minutes */

struct h {
	char dir[256];
	char path[300];
	struct store *st;
	struct detect_params p;
	int64_t now;
	int64_t until; /* the detector's resume point after the last pass */
	unsigned step;
	struct harness_stats *stats;
};

static const char *const providers[KEYS] = { "p0.example", "p1.example",
	"p2.example", "p3.example", "p4.example", "p5.example", "p6.example",
	"p7.example" };
static const char *const ips[KEYS] = { "192.0.2.1", "192.0.2.2", "192.0.2.3",
	"192.0.2.4", "192.0.2.5", "192.0.2.6", "192.0.2.7", "192.0.2.8" };

static struct bs_span
sp(const char *s)
{
	return bs_span_make(s, strlen(s));
}

/* One result of key k, class c (0..6, or 7: delivered), at time t. */
static int
add(struct h *h, int k, int c, int64_t t)
{
	static const enum bs_class cls[] = { BS_CLASS_RATE_LIMITED,
		BS_CLASS_BLACKLISTED, BS_CLASS_GREYLISTED, BS_CLASS_AUTH_FAILED,
		BS_CLASS_BLACKLISTED, BS_CLASS_UNKNOWN, BS_CLASS_USER_UNKNOWN,
		BS_CLASS_NONE };
	static const enum bs_status status[] = { BS_STATUS_DEFERRED,
		BS_STATUS_BOUNCED, BS_STATUS_DEFERRED, BS_STATUS_DEFERRED,
		BS_STATUS_BOUNCED, BS_STATUS_DEFERRED, BS_STATUS_BOUNCED,
		BS_STATUS_SENT };
	struct bs_event ev;
	struct classify_result cr;
	struct store_record sr;

	memset(&ev, 0, sizeof(ev));
	memset(&cr, 0, sizeof(cr));
	ev.time = t;
	ev.mta = BS_MTA_POSTFIX;
	ev.status = status[c];
	ev.smtp_code = c == 7                ? 250
	    : status[c] == BS_STATUS_BOUNCED ? 554
					     : 421;
	ev.host = sp("mail1");
	ev.program = sp("postfix/smtp");
	ev.queue_id = sp("4F2A81C0D3");
	ev.rcpt = sp("user@example.invalid");
	ev.rcpt_domain = sp(providers[k]);
	ev.relay_host = sp("mx.example.invalid");
	ev.relay_ip = sp("198.51.100.25");
	ev.reply = sp(c == 4 ? "554 5.7.1 Service unavailable; Client host "
			       "blocked using zen.spamhaus.org"
			     : "421 4.7.0 try again later");
	cr.cls = cls[c];
	cr.rule = c == 7 ? NULL : "harness";
	cr.meaning = cr.action = "";
	if (c == 4) {
		cr.dnsbl = sp("zen.spamhaus.org");
		cr.listed_ip = sp(ips[k]);
	}
	sr.ev = &ev;
	sr.cr = &cr;
	sr.provider = providers[k];
	return store_add(h->st, &sr);
}

static int
fail(struct h *h, const char *what)
{
	fprintf(stderr, "detect harness: step %u (now %" PRId64 "): %s\n",
	    h->step, h->now, what);
	return 1;
}

static int
burst(struct h *h, uint8_t a, uint8_t b, uint8_t c)
{
	int64_t base = h->now, t;
	int i, n = 1 + c % 16;

	if ((b / 7) % 12 == 0)
		base = h->now - (int64_t)(1 + (a / 8) % LATE_BACK) * 60;
	if (store_begin(h->st) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		t = base + (i * 7) % 60;
		if (t < h->until)
			h->stats->late++;
		if (add(h, a % KEYS, b % 7, t) == -1) {
			store_rollback(h->st);
			return -1;
		}
		h->stats->events++;
	}
	return store_commit(h->st);
}

static int
delivered(struct h *h, uint8_t a, uint8_t c)
{
	int i, n = 1 + c % 32;

	if (store_begin(h->st) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (add(h, a % KEYS, 7, h->now + (i * 11) % 60) == -1) {
			store_rollback(h->st);
			return -1;
		}
	h->stats->events += (unsigned)n;
	return store_commit(h->st);
}

/* The incidents of the store, copied. */
struct inc_copy {
	char kind[32], key[64], ip[64];
	bool open;
	int64_t start, detected, resolved, until, last_seen, peak, total;
};

struct inc_list {
	struct inc_copy v[LIST_MAX];
	size_t n;
};

static void
copy_inc(struct inc_copy *c, const struct incident *inc)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->kind, sizeof(c->kind), "%s", inc->kind);
	snprintf(c->key, sizeof(c->key), "%s", inc->key);
	snprintf(c->ip, sizeof(c->ip), "%s", inc->listed_ip);
	c->open = inc->open;
	c->start = inc->start;
	c->detected = inc->detected;
	c->resolved = inc->resolved;
	c->until = inc->until;
	c->last_seen = inc->last_seen;
	c->peak = inc->peak;
	c->total = inc->total;
}

static int
list_add(const struct incident *inc, void *arg)
{
	struct inc_list *l = arg;

	if (l->n < LIST_MAX)
		copy_inc(&l->v[l->n++], inc);
	return 0;
}

static int
inc_cmp(const void *va, const void *vb)
{
	const struct inc_copy *a = va, *b = vb;
	int c;

	if ((c = strcmp(a->kind, b->kind)) != 0 ||
	    (c = strcmp(a->key, b->key)) != 0 ||
	    (c = strcmp(a->ip, b->ip)) != 0)
		return c;
	return a->detected < b->detected ? -1 : a->detected > b->detected;
}

/* The events of one key, summed over a series. */
struct keysum {
	const struct inc_copy *c;
	int64_t sum;
};

static int
sum_point(
    const char *key, const char *ip, int64_t t, int64_t n, int64_t d, void *arg)
{
	struct keysum *ks = arg;

	(void)t;
	(void)d;
	if (strcmp(key, ks->c->key) == 0 && strcmp(ip, ks->c->ip) == 0)
		ks->sum += n;
	return 0;
}

/* The events of c's key (and IP) in [lo, hi), or -1. */
static int64_t
key_events(struct h *h, const struct inc_copy *c, int64_t lo, int64_t hi)
{
	struct incident_source_spec src;
	enum detect_kind kind;
	struct keysum ks = { c, 0 };

	if (detect_kind_from_name(c->kind, strlen(c->kind), &kind) == -1)
		return -1;
	detect_source(kind, &src);
	if (incident_series(h->st, &src, lo, hi, sum_point, &ks) == -1)
		return -1;
	return ks.sum;
}

/* The invariants that hold after every pass. */
static int
check(struct h *h)
{
	static struct inc_list l;
	struct incident_filter f;
	const struct inc_copy *a, *b;
	enum detect_kind kind;
	int64_t lo;
	size_t i;

	memset(&f, 0, sizeof(f));
	l.n = 0;
	if (incident_list(h->st, &f, list_add, &l) == -1)
		return -1;
	qsort(l.v, l.n, sizeof(l.v[0]), inc_cmp);
	for (i = 0; i < l.n; i++) {
		a = &l.v[i];
		if (a->start > a->detected || a->last_seen > a->until ||
		    (!a->open && a->resolved <= a->detected))
			return fail(h, "incident times out of order");
		if (i + 1 < l.n) {
			b = &l.v[i + 1];
			if (strcmp(a->kind, b->kind) == 0 &&
			    strcmp(a->key, b->key) == 0 &&
			    strcmp(a->ip, b->ip) == 0) {
				if (a->open)
					return fail(h,
					    "two incidents of one "
					    "key, the older open");
				if (b->detected <= a->resolved)
					return fail(h,
					    "an incident opened "
					    "before the last one "
					    "of its key resolved");
			}
		}
		if (!a->open)
			continue;
		if (detect_kind_from_name(a->kind, strlen(a->kind), &kind) ==
		    -1)
			return fail(h, "unknown kind");
		if (kind == DETECT_INACTIVE)
			continue; /* open for the absence of results */
		lo = a->until - h->p.rule[kind].quiet - h->p.window -
		    DETECT_STEP;
		if (key_events(h, a, lo, a->until) == 0)
			return fail(h,
			    "an open incident without events in "
			    "its keep period");
	}
	return 0;
}

static int
pass(struct h *h, uint8_t a, uint8_t b, uint8_t c)
{
	struct detect_run_opts o;
	char errbuf[BS_ERRLEN], buf[32];

	h->now += (int64_t)(1 + a % 30) * 60;
	memset(&o, 0, sizeof(o));
	o.now = h->now;
	o.chunk = b >= 240 ? 0 : (int64_t)(1 + b % 120) * 60;
	o.max_chunks = c % 4;
	if (detect_run(h->st, &h->p, NULL, &o, NULL, errbuf) == -1) {
		fprintf(stderr, "detect harness: %s\n", errbuf);
		return -1;
	}
	h->stats->passes++;
	if (store_meta_get(h->st, STORE_META_DETECT_UNTIL, buf, sizeof(buf)) ==
	    1)
		h->until = strtoll(buf, NULL, 10);
	return check(h);
}

static int
reopen(struct h *h)
{
	char errbuf[BS_ERRLEN];

	store_close(h->st);
	if ((h->st = store_open(h->path, 0, errbuf)) == NULL) {
		fprintf(stderr, "detect harness: %s\n", errbuf);
		return -1;
	}
	h->stats->restarts++;
	return 0;
}

/* At the end: up to date, then live must equal a replay of history. */
static int
compare_replay(struct h *h)
{
	static struct inc_list live, rep;
	struct detect_run_opts o;
	struct incident_filter f;
	char errbuf[BS_ERRLEN];
	size_t i, n;

	memset(&o, 0, sizeof(o));
	o.now = h->now;
	if (detect_run(h->st, &h->p, NULL, &o, NULL, errbuf) == -1) {
		fprintf(stderr, "detect harness: %s\n", errbuf);
		return -1;
	}
	if (check(h) != 0)
		return 1;
	memset(&f, 0, sizeof(f));
	live.n = rep.n = 0;
	if (incident_list(h->st, &f, list_add, &live) == -1)
		return -1;
	h->stats->opened = (unsigned)live.n;
	/* A replay judges spikes only: `inactive` asks "does mail flow
	 * now" at each live run's end (daemon/detect/inactive.c). */
	for (i = 0, n = 0; i < live.n; i++)
		if (strcmp(live.v[i].kind, "inactive") != 0)
			live.v[n++] = live.v[i];
	live.n = n;
	if (h->stats->late > 0)
		return 0; /* late results: live judged some minutes early */
	if (detect_replay(h->st, &h->p, NULL, 0, &o,
		(detect_incident_fn *)list_add, &rep, NULL, errbuf) == -1) {
		fprintf(stderr, "detect harness: replay: %s\n", errbuf);
		return -1;
	}
	h->stats->compared = 1;
	qsort(live.v, live.n, sizeof(live.v[0]), inc_cmp);
	qsort(rep.v, rep.n, sizeof(rep.v[0]), inc_cmp);
	if (live.n != rep.n) {
		fprintf(
		    stderr, "live %zu incidents, replay %zu\n", live.n, rep.n);
		return fail(h, "replay differs from live");
	}
	for (i = 0; i < live.n; i++)
		if (memcmp(&live.v[i], &rep.v[i], sizeof(live.v[i])) != 0) {
			fprintf(stderr,
			    "%s %s: live start %" PRId64 " detected %" PRId64
			    " resolved %" PRId64 " total %" PRId64
			    "; replay start %" PRId64 " detected %" PRId64
			    " resolved %" PRId64 " total %" PRId64 "\n",
			    live.v[i].kind, live.v[i].key, live.v[i].start,
			    live.v[i].detected, live.v[i].resolved,
			    live.v[i].total, rep.v[i].start, rep.v[i].detected,
			    rep.v[i].resolved, rep.v[i].total);
			return fail(h, "replay differs from live");
		}
	return 0;
}

static void
cleanup(struct h *h)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char p[400];
	size_t i;

	store_close(h->st);
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", h->path, sfx[i]);
		unlink(p);
	}
	rmdir(h->dir);
}

/* See detect_harness.h. */
int
harness_run(const uint8_t *data, size_t len, struct harness_stats *stats)
{
	struct harness_stats dummy;
	const char *tmp = getenv("TMPDIR");
	char errbuf[BS_ERRLEN];
	struct h h;
	size_t i;
	int rc = 0;

	if (stats == NULL)
		stats = &dummy;
	memset(stats, 0, sizeof(*stats));
	memset(&h, 0, sizeof(h));
	h.stats = stats;
	h.now = T0;
	detect_defaults(&h.p);
	h.p.baseline_days = 1; /* fewer ranges a pass: more passes a second */
	snprintf(h.dir, sizeof(h.dir), "%s/bs_harness.XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(h.dir) == NULL)
		return -1;
	snprintf(h.path, sizeof(h.path), "%s/h.db", h.dir);
	if ((h.st = store_open(h.path, 0, errbuf)) == NULL) {
		fprintf(stderr, "detect harness: %s\n", errbuf);
		rmdir(h.dir);
		return -1;
	}
	for (i = 0; i + 4 <= len && rc == 0; i += 4, h.step++) {
		switch (data[i] % 8) {
		case 0:
		case 1:
		case 2:
			rc = burst(&h, data[i + 1], data[i + 2], data[i + 3]);
			break;
		case 3:
		case 4:
			rc = pass(&h, data[i + 1], data[i + 2], data[i + 3]);
			break;
		case 5:
			rc = reopen(&h);
			break;
		case 6:
			h.now += (int64_t)(30 + 4 * data[i + 1]) * 60;
			break;
		default:
			rc = delivered(&h, data[i + 1], data[i + 3]);
			break;
		}
		if (rc == -1 && h.st != NULL && store_errmsg(h.st)[0] != '\0')
			fprintf(
			    stderr, "detect harness: %s\n", store_errmsg(h.st));
	}
	if (rc == 0)
		rc = compare_replay(&h);
	cleanup(&h);
	return rc;
}
