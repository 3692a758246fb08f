/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The writer thread's asynchronous commits (issue 14): a batch queued
 * with writer_commit() is applied on the thread; writer_wait_commits()
 * and writer_poll() tell when, the notification fires for it, and a
 * failure skips the rest of the batch, is reported by all three, names
 * its operation, and stores no position past it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "db_fixture.h"
#include "writer.h"

struct fixture {
	struct db_fixture db;
	struct writer *w;
};

static int notified; /* set on the writer thread */

static void
on_notify(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&notified, 1, __ATOMIC_SEQ_CST);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char err[BS_ERRLEN];

	if (fx == NULL || db_fixture_open(&fx->db, "writer") == -1)
		return -1;
	if ((fx->w = writer_new(fx->db.st, err)) == NULL) {
		fprintf(stderr, "writer_new: %s\n", err);
		return -1;
	}
	__atomic_store_n(&notified, 0, __ATOMIC_SEQ_CST);
	writer_set_notify(fx->w, on_notify, NULL);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	writer_free(fx->w);
	store_close(fx->db.st);
	db_fixture_remove(fx->db.dir, fx->db.path);
	free(fx);
	return 0;
}

static void
put_pos(struct writer *w, const char *key, int64_t off)
{
	struct store_position pos;

	memset(&pos, 0, sizeof(pos));
	pos.key = key;
	pos.path = "/var/log/mail.log";
	pos.dev = 1;
	pos.ino = 2;
	pos.offset = off;
	pos.size = off;
	assert_int_equal(writer_position(w, &pos), 0);
}

/* The stored offset of key, -1 when none. */
static int64_t
stored_off(struct store *st, const char *key)
{
	struct store_position pos;
	char buf[512];

	if (store_get_position(st, key, &pos, buf, sizeof(buf)) != 1)
		return -1;
	return pos.offset;
}

/* A sent result; without a transaction store_add() fails. */
static void
add_sent(struct writer *w)
{
	struct bs_event ev;
	struct classify_result cr;
	struct store_record rec;

	memset(&ev, 0, sizeof(ev));
	memset(&cr, 0, sizeof(cr));
	ev.time = 1764547200;
	ev.mta = BS_MTA_POSTFIX;
	ev.status = BS_STATUS_SENT;
	ev.smtp_code = 250;
	ev.host = bs_span_make("mail1", 5);
	ev.rcpt_domain = bs_span_make("example.org", 11);
	cr.cls = BS_CLASS_NONE;
	rec.ev = &ev;
	rec.cr = &cr;
	rec.provider = "example.org";
	assert_int_equal(writer_add(w, &rec, NULL), 0);
}

static void
writer__async_commit__applied_and_notified(void **state)
{
	struct fixture *fx = *state;
	char buf[64];

	assert_int_equal(writer_begin(fx->w), 0);
	add_sent(fx->w);
	put_pos(fx->w, "file:/var/log/mail.log", 100);
	assert_int_equal(writer_meta(fx->w, "daemon.files", "a\nb"), 0);
	assert_int_equal(writer_commit(fx->w), 0);
	/* A second batch queued behind it, not committed yet. */
	assert_int_equal(writer_begin(fx->w), 0);
	add_sent(fx->w);
	assert_int_equal(writer_wait_commits(fx->w, 0), 0);
	put_pos(fx->w, "file:/var/log/mail.log", 200);
	assert_int_equal(writer_commit(fx->w), 0);
	assert_int_equal(writer_wait_commits(fx->w, 0), 0);
	assert_int_equal(writer_poll(fx->w), 1);
	assert_int_equal(writer_sync(fx->w), 0);
	assert_true(__atomic_load_n(&notified, __ATOMIC_SEQ_CST) >= 2);
	assert_int_equal(stored_off(fx->db.st, "file:/var/log/mail.log"), 200);
	assert_int_equal(
	    store_meta_get(fx->db.st, "daemon.files", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "a\nb");
}

static void
writer__failure__rest_skipped_reported_and_named(void **state)
{
	struct fixture *fx = *state;

	/* A record outside a transaction fails on the thread ... */
	add_sent(fx->w);
	/* ... and the batch queued after it is skipped, not committed. */
	(void)writer_begin(fx->w);
	put_pos(fx->w, "file:/x", 7);
	(void)writer_commit(fx->w);
	assert_int_equal(writer_wait_commits(fx->w, 0), -1);
	assert_int_equal(writer_poll(fx->w), -1);
	assert_int_equal(writer_sync(fx->w), -1);
	assert_string_equal(writer_failed_op(fx->w), "add");
	assert_true(__atomic_load_n(&notified, __ATOMIC_SEQ_CST) >= 1);
	assert_int_equal(stored_off(fx->db.st, "file:/x"), -1);
	/* Usable again after the sync. */
	assert_int_equal(writer_begin(fx->w), 0);
	put_pos(fx->w, "file:/x", 9);
	assert_int_equal(writer_commit(fx->w), 0);
	assert_int_equal(writer_wait_commits(fx->w, 0), 0);
	assert_int_equal(writer_sync(fx->w), 0);
	assert_int_equal(stored_off(fx->db.st, "file:/x"), 9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    writer__async_commit__applied_and_notified, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    writer__failure__rest_skipped_reported_and_named, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
