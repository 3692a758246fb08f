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
#include <sqlite3.h>

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

/* After a failure and its sync: a batch (a position) commits again. */
static void
usable_again(struct fixture *fx)
{
	assert_int_equal(writer_begin(fx->w), 0);
	put_pos(fx->w, "file:/x", 9);
	assert_int_equal(writer_commit(fx->w), 0);
	assert_int_equal(writer_wait_commits(fx->w, 0), 0);
	assert_int_equal(writer_sync(fx->w), 0);
	assert_int_equal(stored_off(fx->db.st, "file:/x"), 9);
}

/* A sent result at t; without a transaction store_add() fails. */
static void
add_sent_at(struct writer *w, int64_t t)
{
	struct bs_event ev;
	struct classify_result cr;
	struct store_record rec;

	memset(&ev, 0, sizeof(ev));
	memset(&cr, 0, sizeof(cr));
	ev.time = t;
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
add_sent(struct writer *w)
{
	add_sent_at(w, 1764547200);
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
	usable_again(fx);
}

/* The count of rows of table and the sum of their n, as "rows/sum". */
static void
count_rows(const char *path, const char *table, char *out, size_t len)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	char sql[128];

	assert_int_equal(
	    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	snprintf(sql, sizeof(sql), "SELECT count(*), sum(n) FROM %s", table);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	snprintf(out, len, "%lld/%lld", (long long)sqlite3_column_int64(q, 0),
	    (long long)sqlite3_column_int64(q, 1));
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/*
 * A value longer than a buffer (the daemon's list of files) is applied
 * on the caller's thread, in order with the batch, as large records
 * are. Before, it failed the batch and left its first part applied in
 * an open transaction: the position before it was stored, not
 * committed, and the next batch could not begin.
 */
static void
writer__meta_longer_than_buffer__committed_in_order(void **state)
{
	struct fixture *fx = *state;
	size_t n = WRITER_BUF_BYTES + 1;
	char *big = malloc(n + 1), *back = malloc(n + 2), got[64];

	assert_non_null(big);
	assert_non_null(back);
	memset(big, 'v', n);
	big[n] = '\0';
	assert_int_equal(writer_begin(fx->w), 0);
	add_sent(fx->w);
	put_pos(fx->w, "file:/x", 7);
	assert_int_equal(writer_meta(fx->w, "daemon.files", big), 0);
	put_pos(fx->w, "file:/x", 8);
	assert_int_equal(writer_commit(fx->w), 0);
	assert_int_equal(writer_wait_commits(fx->w, 0), 0);
	assert_int_equal(writer_sync(fx->w), 0);
	assert_int_equal(stored_off(fx->db.st, "file:/x"), 8);
	assert_int_equal(
	    store_meta_get(fx->db.st, "daemon.files", back, n + 2), 1);
	assert_string_equal(back, big);
	count_rows(fx->db.path, "count_hour", got, sizeof(got));
	assert_string_equal(got, "1/1");
	/* The next batch begins. */
	usable_again(fx);
	free(big);
	free(back);
}

/*
 * Issue 14: more minute keys in a batch than a count table holds, so
 * tables are set aside and written by the thread between buffers
 * (store_work()); the caller uses the store directly after a sync in
 * the middle of the batch. Every count lands once, whatever the thread
 * did when.
 */
static void
writer__full_count_tables__every_count_once(void **state)
{
	struct fixture *fx = *state;
	char got[64];
	int i, n = 40000;

	assert_int_equal(writer_begin(fx->w), 0);
	for (i = 0; i < n; i++)
		add_sent_at(fx->w, 1764547200 + (int64_t)i * 60);
	/* The store is the caller's until the next buffer is handed over. */
	assert_int_equal(writer_sync(fx->w), 0);
	assert_int_equal(store_meta_set(fx->db.st, "k", "v"), 0);
	for (i = 0; i < n; i++)
		add_sent_at(fx->w, 1764547200 + (int64_t)i * 60);
	put_pos(fx->w, "file:/var/log/mail.log", 300);
	assert_int_equal(writer_commit(fx->w), 0);
	assert_int_equal(writer_wait_commits(fx->w, 0), 0);
	assert_int_equal(writer_sync(fx->w), 0);
	count_rows(fx->db.path, "count_minute", got, sizeof(got));
	assert_string_equal(got, "40000/80000");
	count_rows(fx->db.path, "count_hour", got, sizeof(got));
	assert_string_equal(got, "667/80000");
	/* the newest hour (40 minutes, 80 results) is not rolled yet: it
	 * is at the roll mark (migration 0015) */
	count_rows(fx->db.path, "count_day", got, sizeof(got));
	assert_string_equal(got, "28/79920");
	assert_int_equal(stored_off(fx->db.st, "file:/var/log/mail.log"), 300);
}

/* One row of event_v as "host|queue_id|domain|relay|relay_ip|dsn|stage|reply".
 */
static void
event_row(const char *path, char *out, size_t len)
{
	sqlite3 *db;
	sqlite3_stmt *q;

	assert_int_equal(
	    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
			     "SELECT host || '|' || queue_id || '|' || domain "
			     "|| '|' || relay || '|' || relay_ip || '|' || dsn "
			     "|| '|' || stage || '|' || reply FROM event_v",
			     -1, &q, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	snprintf(out, len, "%s", (const char *)sqlite3_column_text(q, 0));
	assert_int_equal(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
	sqlite3_close(db);
}

/* The span of the first occurrence of s in line. */
static struct bs_span
in_line(const char *line, const char *s)
{
	const char *p = strstr(line, s);

	assert_non_null(p);
	return bs_span_make(p, strlen(s));
}

/*
 * Issue 14: writer_add_src() copies the record's line in one block and
 * points its spans into the copy; a span outside the line (here the
 * reply, as from journald's scratch buffer) is copied on its own. Both
 * buffers are overwritten right after the call: the row the thread
 * writes later must still hold the record's bytes.
 */
static void
writer__add_src__line_block_and_outside_span(void **state)
{
	struct fixture *fx = *state;
	char line[] = "Nov 24 11:00:01 mx1 postfix/smtp[1]: B1C2D3E401: "
		      "to=<nobody@example.com>, relay=mx.example.com"
		      "[198.51.100.5]:25, delay=1, dsn=5.1.1, "
		      "status=bounced (see below)";
	char other[] = "550 5.1.1 user unknown";
	char got[512];
	struct bs_event ev;
	struct classify_result cr;
	struct store_record rec;

	memset(&ev, 0, sizeof(ev));
	memset(&cr, 0, sizeof(cr));
	ev.time = 1764547201;
	ev.mta = BS_MTA_POSTFIX;
	ev.status = BS_STATUS_BOUNCED;
	ev.smtp_code = 550;
	ev.host = in_line(line, "mx1");
	ev.queue_id = in_line(line, "B1C2D3E401");
	ev.rcpt_domain = in_line(line, "example.com>");
	ev.rcpt_domain.len = 11;
	ev.relay_host = in_line(line, "mx.example.com");
	ev.relay_ip = in_line(line, "198.51.100.5");
	ev.dsn = in_line(line, "5.1.1");
	ev.enhanced = ev.dsn;
	ev.stage = in_line(line, "below");
	ev.reply = bs_span_make(other, strlen(other));
	cr.cls = BS_CLASS_USER_UNKNOWN;
	cr.permanent = true;
	cr.rule = "test-rule";
	rec.ev = &ev;
	rec.cr = &cr;
	rec.provider = "example.com";
	assert_int_equal(writer_begin(fx->w), 0);
	assert_int_equal(
	    writer_add_src(fx->w, &rec, NULL, NULL, 0, line, strlen(line)), 0);
	memset(line, 'X', strlen(line));
	memset(other, 'Y', strlen(other));
	assert_int_equal(writer_commit(fx->w), 0);
	assert_int_equal(writer_wait_commits(fx->w, 0), 0);
	assert_int_equal(writer_sync(fx->w), 0);
	event_row(fx->db.path, got, sizeof(got));
	assert_string_equal(got,
	    "mx1|B1C2D3E401|example.com|mx.example.com|198.51.100.5|5.1.1|"
	    "below|550 5.1.1 user unknown");
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
		cmocka_unit_test_setup_teardown(
		    writer__meta_longer_than_buffer__committed_in_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    writer__full_count_tables__every_count_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    writer__add_src__line_block_and_outside_span, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
