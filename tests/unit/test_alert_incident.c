/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of schema/incident.c against a real SQLite file in a
 * temporary directory: the series the detector reads (suspended repeats
 * and local decisions left out, keys by provider else domain, DNSBL
 * series by list and IP, rates without the classes watched on their own),
 * samples, and incident rows with their notification state. Records
 * imitate Postfix smtp(8) results ("status=deferred (host mx1.qq.com[...]
 * said: 421 ...)", postfix/error "delivery temporarily suspended: ...").
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

#include "incident.h"
#include "store.h"

#define T0 1763805600 /* 2025-11-22 10:00:00 UTC */

struct rec {
	int64_t t;
	enum bs_status status;
	enum bs_class cls;
	const char *domain;
	const char *provider;
	const char *reply;
	unsigned flags;
	const char *dnsbl;
	const char *ip;
};

static struct bs_span
sp(const char *s)
{
	return bs_span_make(s, s != NULL ? strlen(s) : 0);
}

static void
add(struct store *st, struct rec r)
{
	struct bs_event ev;
	struct classify_result cr;
	struct store_record sr;

	memset(&ev, 0, sizeof(ev));
	memset(&cr, 0, sizeof(cr));
	ev.time = r.t;
	ev.mta = BS_MTA_POSTFIX;
	ev.status = r.status;
	ev.flags = r.flags;
	ev.smtp_code = r.status == BS_STATUS_SENT ? 250 : 421;
	ev.host = sp("mail1");
	ev.program = sp("postfix/smtp");
	ev.queue_id = sp("732BB407C3");
	ev.rcpt = sp("someone@example.invalid");
	ev.rcpt_domain = sp(r.domain);
	ev.relay_host = sp("mx1.example.invalid");
	ev.relay_ip = sp("192.0.2.25");
	ev.dsn = sp("4.0.0");
	ev.enhanced = sp("4.0.0");
	ev.reply = sp(r.reply != NULL ? r.reply : "421 try later");
	cr.cls = r.cls;
	cr.rule = r.status == BS_STATUS_SENT ? NULL : "test-rule";
	cr.meaning = cr.action = "";
	cr.dnsbl = sp(r.dnsbl);
	cr.listed_ip = sp(r.ip);
	sr.ev = &ev;
	sr.cr = &cr;
	sr.provider = r.provider;
	assert_int_equal(store_add(st, &sr), 0);
}

static struct rec
throttled(int64_t t, const char *provider, const char *domain)
{
	struct rec r = { t, BS_STATUS_DEFERRED, BS_CLASS_RATE_LIMITED, domain,
		provider, NULL, 0, NULL, NULL };
	return r;
}

static int
setup(void **state)
{
	return db_fixture_setup(state, "incident");
}

#define ROWS_MAX 16

struct rows {
	size_t n;
	char key[ROWS_MAX][64];
	char ip[ROWS_MAX][64];
	int64_t t[ROWS_MAX], num[ROWS_MAX], den[ROWS_MAX];
};

static int
collect(
    const char *key, const char *ip, int64_t t, int64_t n, int64_t d, void *arg)
{
	struct rows *r = arg;

	assert_true(r->n < ROWS_MAX);
	snprintf(r->key[r->n], sizeof(r->key[0]), "%s", key);
	snprintf(r->ip[r->n], sizeof(r->ip[0]), "%s", ip);
	r->t[r->n] = t;
	r->num[r->n] = n;
	r->den[r->n] = d;
	r->n++;
	return 0;
}

static void
incident_series__suspended_and_local__left_out(void **state)
{
	struct db_fixture *fx = *state;
	struct incident_source_spec src = { INCIDENT_SRC_CLASS, "rate_limited",
		false, NULL, NULL };
	struct rows r = { 0 };
	struct rec x;

	assert_int_equal(store_begin(fx->st), 0);
	add(fx->st, throttled(T0 + 1, "qq.com", "qq.com"));
	add(fx->st, throttled(T0 + 2, "qq.com", "qq.com"));
	x = throttled(T0 + 3, "qq.com", "qq.com");
	x.status = BS_STATUS_ATTEMPT; /* a per-MX reply: counted */
	add(fx->st, x);
	x = throttled(T0 + 4, "", "qq.com");
	x.flags = BS_EVENT_SUSPENDED; /* postfix/error repeat: not counted */
	add(fx->st, x);
	x = throttled(T0 + 5, "qq.com", "qq.com");
	x.flags = BS_EVENT_LOCAL; /* our MTA's decision: not counted */
	add(fx->st, x);
	add(fx->st, throttled(T0 + 61, "qq.com", "qq.com"));
	assert_int_equal(store_commit(fx->st), 0);

	assert_int_equal(
	    incident_series(fx->st, &src, T0, T0 + 120, collect, &r), 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.key[0], "qq.com");
	assert_int_equal(r.t[0], T0);
	assert_int_equal(r.num[0], 3);
	assert_int_equal(r.t[1], T0 + 60);
	assert_int_equal(r.num[1], 1);
}

static void
incident_series__no_provider__keyed_by_domain(void **state)
{
	struct db_fixture *fx = *state;
	struct incident_source_spec src = { INCIDENT_SRC_CLASS, "rate_limited",
		false, NULL, NULL };
	struct rows r = { 0 };

	assert_int_equal(store_begin(fx->st), 0);
	add(fx->st, throttled(T0 + 1, "", "example.org"));
	add(fx->st, throttled(T0 + 2, "qq.com", "foxmail.com"));
	assert_int_equal(store_commit(fx->st), 0);
	assert_int_equal(
	    incident_series(fx->st, &src, T0, T0 + 60, collect, &r), 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.key[0], "example.org");
	assert_string_equal(r.key[1], "qq.com");
}

static void
incident_series__dnsbl__by_list_and_ip_across_providers(void **state)
{
	struct db_fixture *fx = *state;
	struct incident_source_spec src = { INCIDENT_SRC_DNSBL, NULL, false,
		NULL, NULL };
	struct incident_source_spec bl = { INCIDENT_SRC_CLASS, "blacklisted",
		true, NULL, NULL };
	struct rows r = { 0 };
	struct rec x = { T0 + 5, BS_STATUS_BOUNCED, BS_CLASS_BLACKLISTED,
		"example.net", "example.net",
		"554 5.7.1 Client host [203.0.113.25] blocked using "
		"zen.spamhaus.org",
		0, "zen.spamhaus.org", "203.0.113.25" };
	char prov[64];

	assert_int_equal(store_begin(fx->st), 0);
	add(fx->st, x);
	x.domain = x.provider = "example.org";
	add(fx->st, x);
	x.dnsbl = NULL; /* a reputation block naming no list */
	x.ip = NULL;
	add(fx->st, x);
	assert_int_equal(store_commit(fx->st), 0);

	assert_int_equal(
	    incident_series(fx->st, &src, T0, T0 + 60, collect, &r), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.key[0], "zen.spamhaus.org");
	assert_string_equal(r.ip[0], "203.0.113.25");
	assert_int_equal(r.num[0], 2);
	assert_int_equal(incident_providers(fx->st, "zen.spamhaus.org",
			     "203.0.113.25", T0, T0 + 60, prov, sizeof(prov)),
	    2);
	assert_string_equal(prov, "example.net, example.org");
	/* The blacklisted series leaves out replies naming a DNSBL. */
	memset(&r, 0, sizeof(r));
	assert_int_equal(
	    incident_series(fx->st, &bl, T0, T0 + 60, collect, &r), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.key[0], "example.org");
	assert_int_equal(r.num[0], 1);
}

static void
incident_series__rate__watched_classes_not_in_numerator(void **state)
{
	static const char *const watched[] = { "rate_limited", NULL };
	struct db_fixture *fx = *state;
	struct incident_source_spec src = { INCIDENT_SRC_RATE, NULL, false,
		"deferred", watched };
	struct rows r = { 0 };
	struct rec x;
	int i;

	assert_int_equal(store_begin(fx->st), 0);
	x = throttled(T0 + 1, "qq.com", "qq.com");
	x.status = BS_STATUS_SENT;
	x.cls = BS_CLASS_NONE;
	for (i = 0; i < 5; i++)
		add(fx->st, x);
	x = throttled(T0 + 2, "qq.com", "qq.com");
	x.cls = BS_CLASS_SERVER_ERROR;
	for (i = 0; i < 3; i++)
		add(fx->st, x);
	add(fx->st, throttled(T0 + 3, "qq.com", "qq.com"));
	add(fx->st, throttled(T0 + 4, "qq.com", "qq.com"));
	x.flags = BS_EVENT_SUSPENDED; /* in neither */
	add(fx->st, x);
	assert_int_equal(store_commit(fx->st), 0);
	assert_int_equal(
	    incident_series(fx->st, &src, T0, T0 + 60, collect, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.num[0], 3);
	assert_int_equal(r.den[0], 10);
}

static void
incident_sample__latest_reply__byte_exact_with_rule(void **state)
{
	struct db_fixture *fx = *state;
	struct incident_source_spec src = { INCIDENT_SRC_CLASS, "rate_limited",
		false, NULL, NULL };
	struct rec x = throttled(T0 + 1, "qq.com", "qq.com");
	char text[128], rule[32];
	int64_t t;
	int code;

	assert_int_equal(store_begin(fx->st), 0);
	x.reply = "421 first";
	add(fx->st, x);
	x.t = T0 + 30;
	x.reply = "421 HL:ICC \x1b[31mlast\r";
	add(fx->st, x);
	assert_int_equal(store_commit(fx->st), 0);
	assert_int_equal(
	    incident_sample(fx->st, &src, "qq.com", "", T0, T0 + 60, text,
		sizeof(text), &code, rule, sizeof(rule)),
	    1);
	assert_string_equal(text, "421 HL:ICC \x1b[31mlast\r");
	assert_int_equal(code, 421);
	assert_string_equal(rule, "test-rule");
	assert_int_equal(
	    incident_sample(fx->st, &src, "nosuch.example", "", T0, T0 + 60,
		text, sizeof(text), &code, rule, sizeof(rule)),
	    0);
	assert_int_equal(incident_history(fx->st, &src, &t), 1);
	assert_int_equal(t, T0 + 1);
}

struct seen {
	int n;
	int64_t id;
	bool open;
	int notified;
};

static int
count_rows(const struct incident *inc, void *arg)
{
	struct seen *s = arg;

	s->n++;
	s->id = inc->id;
	s->open = inc->open;
	s->notified = inc->notified;
	return 0;
}

static int
pending(struct store *st, int64_t since, struct seen *s)
{
	struct incident_filter f = { since, false, true, NULL, NULL, false };

	memset(s, 0, sizeof(*s));
	assert_int_equal(incident_list(st, &f, count_rows, s), 0);
	return s->n;
}

static void
incident_notified__open_then_resolved__mailed_once_each(void **state)
{
	struct db_fixture *fx = *state;
	struct incident inc;
	struct seen s;
	int64_t id, id2;

	memset(&inc, 0, sizeof(inc));
	inc.kind = "rate_limited";
	inc.key = "qq.com";
	inc.open = true;
	inc.start = T0;
	inc.detected = T0 + 180;
	inc.last_seen = T0 + 180;
	inc.until = T0 + 180;
	inc.window = 600;
	inc.peak = 57;
	inc.total = 57;
	inc.sample = "421 HL:ICC";
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(incident_insert(fx->st, &inc, &id), 0);
	/* One open incident per kind and key. */
	assert_int_equal(incident_insert(fx->st, &inc, &id2), -1);
	assert_int_equal(store_commit(fx->st), 0);

	assert_int_equal(pending(fx->st, T0, &s), 1);
	assert_true(s.open);
	assert_int_equal(incident_mark_notified(
			     fx->st, id, INCIDENT_NOTIFIED_OPEN, T0 + 200),
	    0);
	assert_int_equal(pending(fx->st, T0, &s), 0);

	inc.id = id;
	inc.open = false;
	inc.resolved = T0 + 3600;
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(incident_update(fx->st, &inc), 0);
	assert_int_equal(store_commit(fx->st), 0);
	assert_int_equal(pending(fx->st, T0, &s), 1);
	assert_false(s.open);
	assert_int_equal(s.notified, INCIDENT_NOTIFIED_OPEN);
	/* A resolution older than --since is not mailed. */
	assert_int_equal(pending(fx->st, T0 + 7200, &s), 0);
	assert_int_equal(incident_mark_notified(
			     fx->st, id, INCIDENT_NOTIFIED_RESOLVED, T0 + 3700),
	    0);
	assert_int_equal(pending(fx->st, T0, &s), 0);
	/* Never backwards. */
	assert_int_equal(incident_mark_notified(
			     fx->st, id, INCIDENT_NOTIFIED_OPEN, T0 + 3800),
	    0);
	assert_int_equal(pending(fx->st, T0, &s), 0);
	{
		struct incident_filter f = { 0, false, false, NULL, NULL,
			false };

		memset(&s, 0, sizeof(s));
		assert_int_equal(incident_list(fx->st, &f, count_rows, &s), 0);
		assert_int_equal(s.n, 1);
		assert_int_equal(s.notified, INCIDENT_NOTIFIED_RESOLVED);
	}
	/* Resolved, so a new one for the same key may open. */
	inc.open = true;
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(incident_insert(fx->st, &inc, &id2), 0);
	assert_int_equal(store_commit(fx->st), 0);
	assert_true(id2 != id);
	assert_int_equal(incident_mark_notified(fx->st, id, 3, T0), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    incident_series__suspended_and_local__left_out, setup,
		    db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    incident_series__no_provider__keyed_by_domain, setup,
		    db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    incident_series__dnsbl__by_list_and_ip_across_providers,
		    setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    incident_series__rate__watched_classes_not_in_numerator,
		    setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    incident_sample__latest_reply__byte_exact_with_rule, setup,
		    db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    incident_notified__open_then_resolved__mailed_once_each,
		    setup, db_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
