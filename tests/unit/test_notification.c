/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of schema/notification.c: each destination has its own
 * record, the state only moves forward, a resolution is pending until
 * told, old resolutions are not pending for a new destination, and the
 * e-mail's record (incident.notified) is independent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "db_fixture.h"
#include "event.h"
#include "incident.h"
#include "notification.h"
#include "store.h"

struct fx {
	struct db_fixture db;
	int64_t open_id, old_id;
};

static int
setup(void **state)
{
	static struct fx fx;
	struct incident inc;

	memset(&fx, 0, sizeof(fx));
	if (db_fixture_open(&fx.db, "notification") == -1)
		return -1;
	memset(&inc, 0, sizeof(inc));
	inc.kind = "rate_limited";
	inc.key = "qq.com";
	inc.listed_ip = inc.providers = inc.sample = inc.rule = "";
	inc.action = "";
	inc.open = true;
	inc.start = inc.detected = inc.last_seen = inc.until = 10000;
	inc.window = 600;
	if (store_begin(fx.db.st) == -1 ||
	    incident_insert(fx.db.st, &inc, &fx.open_id) == -1)
		return -1;
	inc.key = "old.example";
	inc.open = false;
	inc.start = inc.detected = inc.last_seen = inc.until = 100;
	inc.resolved = 200;
	if (incident_insert(fx.db.st, &inc, &fx.old_id) == -1 ||
	    store_commit(fx.db.st) == -1)
		return -1;
	*state = &fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	db_fixture_close(&fx->db);
	return 0;
}

struct seen {
	int n;
	int64_t id[8];
	int notified[8];
};

static int
collect(const struct incident *inc, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8) {
		s->id[s->n] = inc->id;
		s->notified[s->n] = inc->notified;
	}
	s->n++;
	return 0;
}

static struct seen
pending(struct fx *fx, const char *dest, int64_t since)
{
	struct seen s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    notification_pending(fx->db.st, dest, since, collect, &s), 0);
	return s;
}

static void
notification_pending__new_destination__open_and_recent_only(void **state)
{
	struct fx *fx = *state;
	struct seen s;

	s = pending(fx, "webhook http://a/", 1000);
	assert_int_equal(s.n, 1); /* the old resolution is before since */
	assert_int_equal(s.id[0], fx->open_id);
	assert_int_equal(s.notified[0], INCIDENT_NOTIFIED_NONE);
	s = pending(fx, "webhook http://a/", 0);
	assert_int_equal(s.n, 2);
}

static void
notification_mark__per_destination__independent(void **state)
{
	struct fx *fx = *state;
	struct seen s;

	assert_int_equal(notification_mark(fx->db.st, fx->open_id,
			     "webhook http://a/", INCIDENT_NOTIFIED_OPEN, 5),
	    0);
	assert_int_equal(pending(fx, "webhook http://a/", 1000).n, 0);
	assert_int_equal(pending(fx, "exec /bin/hook", 1000).n, 1);
	/* the e-mail's record is the incident's own, untouched */
	memset(&s, 0, sizeof(s));
	{
		struct incident_filter f;

		memset(&f, 0, sizeof(f));
		f.since = 1000;
		f.pending = true;
		assert_int_equal(incident_list(fx->db.st, &f, collect, &s), 0);
	}
	assert_int_equal(s.n, 1);
}

static void
notification_mark__backwards__ignored(void **state)
{
	struct fx *fx = *state;
	struct seen s;

	assert_int_equal(notification_mark(fx->db.st, fx->old_id, "exec /h",
			     INCIDENT_NOTIFIED_RESOLVED, 6),
	    0);
	assert_int_equal(notification_mark(fx->db.st, fx->old_id, "exec /h",
			     INCIDENT_NOTIFIED_OPEN, 7),
	    0);
	s = pending(fx, "exec /h", 0);
	assert_int_equal(s.n, 1); /* only the open one */
	assert_int_equal(s.id[0], fx->open_id);
	assert_int_equal(
	    notification_mark(fx->db.st, fx->old_id, "exec /h", 9, 7), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    notification_pending__new_destination__open_and_recent_only),
		cmocka_unit_test(
		    notification_mark__per_destination__independent),
		cmocka_unit_test(notification_mark__backwards__ignored),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
