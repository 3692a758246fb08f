/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The detector runner (daemon/detect/detect_run.c) over a real SQLite file,
 * with time as an input: every test steps the runner through consecutive
 * one-minute passes, state carried in the store from one pass to the next,
 * as the daemon's timer does. Records imitate Postfix smtp(8) deferrals
 * ("421 HL:ICC ..." from NetEase) and bounces naming a DNSBL.
 *
 * The property test runs random event streams through the same runner
 * (tests/fuzz/detect_harness.c): BS_PROPERTY_RUNS streams (default 4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "db_fixture.h"

#include "detect.h"
#include "detect_harness.h"
#include "incident.h"
#include "store.h"

#define T0  1764547200 /* 2025-12-01 00:00:00 UTC */
#define MIN 60

struct fixture {
	struct db_fixture db;
	struct detect_params p;
};

static struct bs_span
sp(const char *s)
{
	return bs_span_make(s, strlen(s));
}

/* n results at t (one a second) for domain: 0 throttled, 1 DNSBL. */
static void
add(struct fixture *fx, int what, const char *domain, int64_t t, int n)
{
	struct bs_event ev;
	struct classify_result cr;
	struct store_record sr;
	int i;

	assert_int_equal(store_begin(fx->db.st), 0);
	for (i = 0; i < n; i++) {
		memset(&ev, 0, sizeof(ev));
		memset(&cr, 0, sizeof(cr));
		ev.time = t + i;
		ev.mta = BS_MTA_POSTFIX;
		ev.host = sp("mx1");
		ev.program = sp("postfix/smtp");
		ev.queue_id = sp("9A1C2407C3");
		ev.rcpt = sp("someone@example.invalid");
		ev.rcpt_domain = sp(domain);
		ev.relay_host = sp("mx1.example.invalid");
		ev.relay_ip = sp("192.0.2.25");
		cr.meaning = cr.action = "";
		if (what == 0) {
			ev.status = BS_STATUS_DEFERRED;
			ev.smtp_code = 421;
			ev.reply =
			    sp("421 HL:ICC 163 mx1 too many connections");
			cr.cls = BS_CLASS_RATE_LIMITED;
			cr.rule = "netease-hl-icc";
		} else {
			ev.status = BS_STATUS_BOUNCED;
			ev.smtp_code = 554;
			ev.reply =
			    sp("554 5.7.1 Service unavailable; Client host "
			       "[198.51.100.7] blocked using "
			       "zen.spamhaus.org");
			cr.cls = BS_CLASS_BLACKLISTED;
			cr.rule = "spamhaus-zen";
			cr.dnsbl = sp("zen.spamhaus.org");
			cr.listed_ip = sp("198.51.100.7");
		}
		sr.ev = &ev;
		sr.cr = &cr;
		sr.provider = "";
		assert_int_equal(store_add(fx->db.st, &sr), 0);
	}
	assert_int_equal(store_commit(fx->db.st), 0);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	if (db_fixture_open(&fx->db, "detect_run") == -1)
		return -1;
	detect_defaults(&fx->p);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	db_fixture_close(&fx->db);
	free(fx);
	return 0;
}

/* One live pass at now; returns its stats. */
static struct detect_run_stats
pass(struct fixture *fx, int64_t now)
{
	struct detect_run_opts o;
	struct detect_run_stats ds;
	char err[BS_ERRLEN];

	memset(&o, 0, sizeof(o));
	o.now = now;
	if (detect_run(fx->db.st, &fx->p, NULL, &o, &ds, err) != 0)
		fail_msg("detect_run: %s", err);
	return ds;
}

#define INC_MAX 32

struct incs {
	size_t n;
	struct {
		char kind[32], key[64];
		bool open;
		int64_t start, detected, resolved, total;
	} v[INC_MAX];
};

static int
take(const struct incident *inc, void *arg)
{
	struct incs *l = arg;

	if (l->n == INC_MAX)
		return 1;
	snprintf(l->v[l->n].kind, sizeof(l->v[l->n].kind), "%s", inc->kind);
	snprintf(l->v[l->n].key, sizeof(l->v[l->n].key), "%s", inc->key);
	l->v[l->n].open = inc->open;
	l->v[l->n].start = inc->start;
	l->v[l->n].detected = inc->detected;
	l->v[l->n].resolved = inc->resolved;
	l->v[l->n].total = inc->total;
	l->n++;
	return 0;
}

/* The incidents, open first, then newest first. */
static void
list(struct fixture *fx, struct incs *l)
{
	struct incident_filter f;

	memset(&f, 0, sizeof(f));
	memset(l, 0, sizeof(*l));
	assert_int_equal(incident_list(fx->db.st, &f, take, l), 0);
}

/*
 * The steps of the report: ten throttled deferrals 20 s apart ending 11
 * minutes ago open an incident; the pass one minute later found it open
 * with no event in its window and read a key table that adding the key
 * had just moved (a crash on main).
 */
static void
detect_run__pass_after_throttle_opened__keeps_it_open(void **state)
{
	struct fixture *fx = *state;
	int64_t now = T0 + 3600, t;
	struct incs l;
	int i;

	for (i = 0; i < 10; i++) {
		t = now - 11 * MIN - (9 - i) * 20;
		add(fx, 0, "163.com", t, 1);
	}
	assert_int_equal(pass(fx, now).opened, 1);
	list(fx, &l);
	assert_int_equal(l.n, 1);
	assert_true(l.v[0].open);
	assert_string_equal(l.v[0].kind, "rate_limited");
	assert_string_equal(l.v[0].key, "163.com");
	/* The next minutes: no crash, one incident, open until quiet. */
	for (i = 1; i <= 40; i++)
		pass(fx, now + i * MIN);
	list(fx, &l);
	assert_int_equal(l.n, 1);
	assert_false(l.v[0].open);
}

/*
 * A 40-minute throttle (two replies a minute), a DNSBL listing, a second
 * throttle: 600 consecutive one-minute passes give exactly the expected
 * openings and resolutions, at the expected window ends.
 */
static void
detect_run__lifecycle_600_passes__exact_transitions(void **state)
{
	struct fixture *fx = *state;
	struct detect_run_stats ds;
	unsigned opened = 0, resolved = 0;
	int64_t e;
	struct incs l;
	int m;

	for (m = 60; m < 100; m++)
		add(fx, 0, "163.com", T0 + m * MIN, 2);
	add(fx, 1, "gmail.com", T0 + 150 * MIN, 1);
	for (m = 400; m < 410; m++)
		add(fx, 0, "163.com", T0 + m * MIN, 2);
	for (m = 1; m <= 600; m++) {
		e = T0 + m * MIN;
		ds = pass(fx, e);
		opened += ds.opened;
		resolved += ds.resolved;
		/* Each transition at its minute, and only then. */
		if (ds.opened != (m == 63 || m == 151 || m == 403))
			fail_msg("minute %d: %u opened", m, ds.opened);
		if (ds.resolved != (m == 139 || m == 449 || m == 521))
			fail_msg("minute %d: %u resolved", m, ds.resolved);
	}
	assert_int_equal(opened, 3);
	assert_int_equal(resolved, 3);
	list(fx, &l);
	assert_int_equal(l.n, 3);
	/* Newest first: the second throttle, the listing, the first. */
	assert_string_equal(l.v[0].kind, "rate_limited");
	assert_int_equal(l.v[0].start, T0 + 400 * MIN);
	assert_int_equal(l.v[0].detected, T0 + 403 * MIN);
	assert_int_equal(l.v[0].resolved, T0 + 449 * MIN);
	/* DNSBL: at once, resolved after 6 quiet hours (from 161). */
	assert_string_equal(l.v[1].kind, "dnsbl");
	assert_int_equal(l.v[1].start, T0 + 150 * MIN);
	assert_int_equal(l.v[1].detected, T0 + 151 * MIN);
	assert_int_equal(l.v[1].resolved, T0 + (161 + 360) * MIN);
	assert_string_equal(l.v[2].kind, "rate_limited");
	assert_int_equal(l.v[2].start, T0 + 60 * MIN);
	assert_int_equal(l.v[2].detected, T0 + 63 * MIN);
	assert_int_equal(l.v[2].resolved, T0 + 139 * MIN);
	assert_int_equal(l.v[2].total, 80);
}

/* A throttle hovering around the bar stays one incident (keep 0.5). */
static void
detect_run__hovering_throttle__one_incident(void **state)
{
	struct fixture *fx = *state;
	unsigned opened = 0;
	int m;

	/* 7 replies in the first minute, then 1 every other minute: the
	 * window holds 3..5, under the opening bar of 6, over half of it. */
	add(fx, 0, "163.com", T0 + 10 * MIN, 7);
	for (m = 12; m < 120; m += 2)
		add(fx, 0, "163.com", T0 + m * MIN, 1);
	for (m = 1; m <= 240; m++)
		opened += pass(fx, T0 + m * MIN).opened;
	assert_int_equal(opened, 1);
}

/*
 * Six DNSBL bounces stamped 25 minutes back, stored after the detector
 * passed that time, open an incident with their true start, once.
 */
static void
detect_run__late_listing__opens_once_with_true_start(void **state)
{
	struct fixture *fx = *state;
	struct detect_run_stats ds;
	int64_t now = T0 + 6 * 3600;
	struct incs l;

	add(fx, 0, "qq.com", T0, 1); /* some history */
	pass(fx, now);
	add(fx, 1, "gmail.com", now - 25 * MIN, 6);
	ds = pass(fx, now + MIN);
	assert_int_equal(ds.opened, 1);
	assert_int_equal(ds.late_from, now - 24 * MIN);
	list(fx, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].kind, "dnsbl");
	assert_int_equal(l.v[0].start, now - 25 * MIN);
	assert_int_equal(l.v[0].detected, now - 24 * MIN);
	assert_int_equal(pass(fx, now + 2 * MIN).opened, 0);
	list(fx, &l);
	assert_int_equal(l.n, 1);
}

struct hosts_seen {
	int n;
	char hosts[64], providers[64];
	bool null_hosts;
};

static int
take_hosts(const struct incident *inc, void *arg)
{
	struct hosts_seen *h = arg;

	h->n++;
	h->null_hosts = inc->hosts == NULL;
	snprintf(h->hosts, sizeof(h->hosts), "%s",
	    inc->hosts != NULL ? inc->hosts : "");
	snprintf(h->providers, sizeof(h->providers), "%s", inc->providers);
	return 0;
}

/*
 * A DNSBL incident's receivers come through the partial index
 * event_dnsbl (schema 10); the detector lists incidents with no_hosts,
 * which reads no event for them (issue 14), while the incidents command's
 * listing still names the logging hosts.
 */
static void
incident_list__no_hosts__hosts_left_out_providers_kept(void **state)
{
	struct fixture *fx = *state;
	struct incident_filter f;
	struct hosts_seen h;
	int64_t now = T0 + 6 * 3600;

	add(fx, 0, "qq.com", T0, 1);
	add(fx, 1, "gmail.com", now - 5 * MIN, 6);
	add(fx, 1, "yahoo.com", now - 4 * MIN, 6);
	assert_int_equal(pass(fx, now).opened, 1);
	memset(&f, 0, sizeof(f));
	f.kind = "dnsbl";
	memset(&h, 0, sizeof(h));
	assert_int_equal(incident_list(fx->db.st, &f, take_hosts, &h), 0);
	assert_int_equal(h.n, 1);
	assert_false(h.null_hosts);
	assert_string_equal(h.hosts, "mx1");
	assert_string_equal(h.providers, "gmail.com, yahoo.com");
	f.no_hosts = true;
	memset(&h, 0, sizeof(h));
	assert_int_equal(incident_list(fx->db.st, &f, take_hosts, &h), 0);
	assert_int_equal(h.n, 1);
	assert_true(h.null_hosts);
	assert_string_equal(h.providers, "gmail.com, yahoo.com");
}

/* Late results older than the `late` bound are counted, not examined. */
static void
detect_run__late_beyond_bound__reported_not_examined(void **state)
{
	struct fixture *fx = *state;
	struct detect_run_stats ds;
	int64_t now = T0 + 6 * 3600;

	fx->p.late = 3600;
	add(fx, 0, "qq.com", T0, 1);
	pass(fx, now);
	add(fx, 1, "gmail.com", now - 2 * 3600, 6);
	ds = pass(fx, now + MIN);
	assert_int_equal(ds.opened, 0);
	assert_int_equal(ds.late_older, now - 2 * 3600);
}

/*
 * Late results inside the span of an incident of the same key do not
 * open a second one.
 */
static void
detect_run__late_inside_incident__no_duplicate(void **state)
{
	struct fixture *fx = *state;
	struct incs l;
	int m;

	for (m = 60; m < 80; m++)
		add(fx, 0, "163.com", T0 + m * MIN, 2);
	for (m = 1; m <= 200; m++)
		pass(fx, T0 + m * MIN);
	add(fx, 0, "163.com", T0 + 70 * MIN, 10);
	pass(fx, T0 + 201 * MIN);
	list(fx, &l);
	assert_int_equal(l.n, 1);
}

/* Replay over stored history gives what the live passes gave. */
static void
detect_run__replay__equals_live_passes(void **state)
{
	struct fixture *fx = *state;
	struct detect_run_opts o;
	struct incs live, rep;
	char err[BS_ERRLEN];
	size_t i;
	int m;

	for (m = 60; m < 100; m++)
		add(fx, 0, "163.com", T0 + m * MIN, 2);
	add(fx, 1, "gmail.com", T0 + 150 * MIN, 3);
	for (m = 300; m < 320; m++)
		add(fx, 0, "126.com", T0 + m * MIN, 1 + m % 3);
	for (m = 1; m <= 400; m++)
		pass(fx, T0 + m * MIN);
	list(fx, &live);
	memset(&o, 0, sizeof(o));
	o.now = T0 + 400 * MIN;
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(detect_replay(fx->db.st, &fx->p, NULL, 0, &o, take,
			     &rep, NULL, err),
	    0);
	assert_true(live.n >= 3);
	assert_int_equal(live.n, rep.n);
	for (i = 0; i < live.n; i++) {
		assert_string_equal(live.v[i].kind, rep.v[i].kind);
		assert_string_equal(live.v[i].key, rep.v[i].key);
		assert_int_equal(live.v[i].open, rep.v[i].open);
		assert_int_equal(live.v[i].start, rep.v[i].start);
		assert_int_equal(live.v[i].detected, rep.v[i].detected);
		assert_int_equal(live.v[i].resolved, rep.v[i].resolved);
		assert_int_equal(live.v[i].total, rep.v[i].total);
	}
}

/* Random streams: bursts, late results, gaps, chunking, restarts. */
static void
detect_run__random_streams__invariants_hold(void **state)
{
	const char *env = getenv("BS_PROPERTY_RUNS");
	unsigned runs = env != NULL ? (unsigned)strtoul(env, NULL, 10) : 4;
	unsigned r, passes = 0, compared = 0, opened = 0, late = 0,
		    restarts = 0;
	struct harness_stats hs;
	uint8_t buf[4 * 160];
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	size_t i, len;

	(void)state;
	for (r = 0; r < runs; r++) {
		len = 4 * (40 + r % 120);
		for (i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = (uint8_t)x;
		}
		if (harness_run(buf, len, &hs) != 0)
			fail_msg("stream %u broke an invariant (see above)", r);
		passes += hs.passes;
		compared += hs.compared;
		opened += hs.opened;
		late += hs.late;
		restarts += hs.restarts;
	}
	printf("property: %u streams, %u passes, %u restarts, %u late "
	       "results, %u incidents, %u replays compared with live\n",
	    runs, passes, restarts, late, opened, compared);
	assert_true(runs == 0 || passes > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    detect_run__pass_after_throttle_opened__keeps_it_open,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    detect_run__lifecycle_600_passes__exact_transitions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    detect_run__hovering_throttle__one_incident, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    detect_run__late_listing__opens_once_with_true_start, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    detect_run__late_beyond_bound__reported_not_examined, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    detect_run__late_inside_incident__no_duplicate, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    detect_run__replay__equals_live_passes, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    incident_list__no_hosts__hosts_left_out_providers_kept,
		    setup, teardown),
		cmocka_unit_test(detect_run__random_streams__invariants_hold),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
