/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of schema/store.c against a real SQLite file in a temporary
 * directory: migrations, reopening, counts, rollback, positions, pruning,
 * a read-only reader beside an open write transaction, interning and
 * byte-exact storage of hostile reply text. The database is inspected
 * through a second, plain SQLite connection, never through the store.
 * Records imitate Postfix smtp(8) results (e.g. "status=deferred (host
 * mx1.qq.com[1.2.3.4] said: 421 HL:ICC ...)").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "db_fixture.h"
#include "db_raw.h"
#include <sqlite3.h>

#include "hash.h"
#include "store.h"
#include "store_priv.h"

#define T0 1763805600 /* 2025-11-22 10:00:00 UTC, an hour boundary */

struct fixture {
	char dir[256];
	char path[300];
};

struct rec {
	int64_t t;
	enum bs_status status;
	enum bs_class cls;
	const char *domain;
	const char *provider;
	int code;
	const char *enhanced;
	const char *reply;
	size_t reply_len; /* 0: strlen(reply) */
	unsigned flags;
	const char *dsn; /* NULL: the enhanced status */
};

static struct bs_span
sp(const char *s)
{
	return bs_span_make(s, s != NULL ? strlen(s) : 0);
}

static const char *relay_ip = "192.0.2.25"; /* of the events add() makes */

static void
add(struct store *st, const struct rec *r)
{
	struct bs_event ev;
	struct classify_result cr;
	struct store_record sr;

	memset(&ev, 0, sizeof(ev));
	memset(&cr, 0, sizeof(cr));
	ev.time = r->t;
	ev.mta = BS_MTA_POSTFIX;
	ev.status = r->status;
	ev.flags = r->flags;
	ev.smtp_code = r->code;
	ev.host = sp("mail1");
	ev.program = sp("postfix/smtp");
	ev.queue_id = sp("732BB407C3");
	ev.rcpt = sp("someone@example.invalid");
	ev.rcpt_domain = sp(r->domain);
	ev.relay_host = sp("mx1.qq.com");
	ev.relay_ip = sp(relay_ip);
	ev.dsn = sp(r->dsn != NULL ? r->dsn : r->enhanced);
	ev.enhanced = sp(r->enhanced);
	ev.reply = bs_span_make(r->reply,
	    r->reply == NULL   ? 0
		: r->reply_len ? r->reply_len
			       : strlen(r->reply));
	ev.stage = sp(r->status == BS_STATUS_SENT ? NULL : "RCPT TO");
	cr.cls = r->cls;
	cr.permanent = r->status == BS_STATUS_BOUNCED;
	cr.rule = r->status == BS_STATUS_SENT ? NULL : "test-rule";
	cr.meaning = cr.action = "";
	sr.ev = &ev;
	sr.cr = &cr;
	sr.provider = r->provider;
	assert_int_equal(store_add(st, &sr), 0);
}

static void
addv(struct store *st, struct rec r)
{
	add(st, &r);
}

static struct rec
sent(int64_t t, const char *domain)
{
	struct rec r = { t, BS_STATUS_SENT, BS_CLASS_NONE, domain, "qq.com",
		250, "2.0.0", "250 2.0.0 Ok: queued as 1234", 0, 0, NULL };
	return r;
}

static struct rec
deferred(int64_t t, const char *domain, const char *reply)
{
	struct rec r = { t, BS_STATUS_DEFERRED, BS_CLASS_RATE_LIMITED, domain,
		"qq.com", 421, "4.7.0", reply, 0, 0, NULL };
	return r;
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	if (db_fixture_make(fx->dir, sizeof(fx->dir), fx->path,
		sizeof(fx->path), "store") == -1)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	db_fixture_remove(fx->dir, fx->path);
	free(fx);
	return 0;
}

static struct store *
open_rw(const struct fixture *fx)
{
	char err[BS_ERRLEN] = "";
	struct store *st = store_open(fx->path, 0, err);

	if (st == NULL)
		fail_msg("store_open: %s", err);
	return st;
}

static void
store_open__new_file__schema_at_latest_version_in_wal(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_rw(fx);
	sqlite3 *db = raw_open_path(fx->path);
	sqlite3_stmt *s;

	assert_int_equal(raw_int(db, "PRAGMA user_version"), 15);
	assert_int_equal(raw_int(db, "PRAGMA application_id"), 0x62737474);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM sqlite_schema WHERE type = "
			     "'table' AND name IN ('name', 'reply', 'event', "
			     "'count_hour', 'count_minute_pk', 'position', "
			     "'meta')"),
	    7);
	/* STRICT: a text in an INTEGER column is refused. */
	assert_int_not_equal(sqlite3_exec(db,
				 "INSERT INTO meta (key, value) VALUES "
				 "('x', 'y'); INSERT INTO count_hour VALUES "
				 "('x',0,0,0,0,0,0,0,1)",
				 NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(db);
	store_close(st);
}

/*
 * Issue 14 (perf15, migration 0014): message_qid holds open messages
 * only, so a message written final costs no entry in it; the writer's
 * lookup of an open message by queue id ("message find", INDEXED BY
 * message_qid, which fails to prepare if the index cannot serve it)
 * still uses it.
 */
static void
store_open__new_file__message_qid_indexes_open_messages_only(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_rw(fx);
	sqlite3 *db = raw_open_path(fx->path);
	sqlite3_stmt *s;
	bool uses = false;

	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM sqlite_schema WHERE name = "
			     "'message_qid' AND sql LIKE '%WHERE final = 0'"),
	    1);
	assert_int_equal(sqlite3_prepare_v2(db,
			     "EXPLAIN QUERY PLAN SELECT id FROM message "
			     "INDEXED BY message_qid WHERE queue_id = 'Q1' "
			     "AND final = 0",
			     -1, &s, NULL),
	    SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW)
		if (strstr((const char *)sqlite3_column_text(s, 3),
			"message_qid") != NULL)
			uses = true;
	sqlite3_finalize(s);
	assert_true(uses);
	sqlite3_close(db);
	store_close(st);
}

static void
store_open__reopen__idempotent(void **state)
{
	struct fixture *fx = *state;
	struct store *st;
	sqlite3 *db;
	int64_t names;

	st = open_rw(fx);
	store_close(st);
	db = raw_open_path(fx->path);
	names = raw_int(db, "SELECT count(*) FROM name");
	assert_true(names > BS_CLASS_COUNT);
	sqlite3_close(db);

	st = open_rw(fx);
	store_close(st);
	db = raw_open_path(fx->path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 15);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM name"), names);
	sqlite3_close(db);
}

static void
store_open__readonly_missing_file__fails_without_creating(void **state)
{
	struct fixture *fx = *state;
	char err[BS_ERRLEN] = "";

	assert_null(store_open(fx->path, STORE_READONLY, err));
	assert_true(strlen(err) > 0);
	assert_int_equal(access(fx->path, F_OK), -1);
}

/* A refused file is left as it was: still in rollback-journal mode, no
 * -wal or -shm beside it (it was switched to WAL before the refusal). */
static void
assert_foreign_unchanged(const char *path)
{
	char side[4096];
	sqlite3 *db = raw_open_path(path);
	sqlite3_stmt *q;

	assert_int_equal(
	    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "delete");
	sqlite3_finalize(q);
	sqlite3_close(db);
	snprintf(side, sizeof(side), "%s-wal", path);
	assert_int_equal(access(side, F_OK), -1);
	snprintf(side, sizeof(side), "%s-shm", path);
	assert_int_equal(access(side, F_OK), -1);
}

static void
store_open__foreign_database__refused(void **state)
{
	struct fixture *fx = *state;
	char err[BS_ERRLEN] = "";
	sqlite3 *db;

	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	raw_exec(db, "CREATE TABLE mine (x)");
	sqlite3_close(db);
	assert_null(store_open(fx->path, 0, err));
	assert_non_null(strstr(err, "not a bouncestat database"));
	assert_foreign_unchanged(fx->path);
	/* Another program's id on a file with no tables yet. */
	assert_int_equal(unlink(fx->path), 0);
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	raw_exec(db, "PRAGMA application_id = 1234");
	sqlite3_close(db);
	err[0] = '\0';
	assert_null(store_open(fx->path, 0, err));
	assert_non_null(strstr(err, "application_id 1234"));
	assert_foreign_unchanged(fx->path);
}

static void
store_open__newer_schema__refused(void **state)
{
	struct fixture *fx = *state;
	char err[BS_ERRLEN] = "";
	sqlite3 *db;

	store_close(open_rw(fx));
	db = raw_open_path(fx->path);
	raw_exec(db, "PRAGMA user_version = 99");
	sqlite3_close(db);
	assert_null(store_open(fx->path, 0, err));
	assert_non_null(strstr(err, "newer"));
	assert_null(store_open(fx->path, STORE_READONLY, err));
	assert_non_null(strstr(err, "newer"));
}

static void
store_add__no_transaction__fails(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_rw(fx);
	struct rec r = sent(T0, "qq.com");
	struct bs_event ev;
	struct classify_result cr;
	struct store_record sr = { &ev, &cr, "" };

	(void)r;
	memset(&ev, 0, sizeof(ev));
	memset(&cr, 0, sizeof(cr));
	ev.status = BS_STATUS_SENT;
	assert_int_equal(store_add(st, &sr), -1);
	assert_non_null(strstr(store_errmsg(st), "no transaction"));
	store_close(st);
}

static void
store_commit__mixed_records__minute_and_hour_counts_and_failure_events(
    void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_rw(fx);
	struct rec r;
	sqlite3 *db;

	assert_int_equal(store_begin(st), 0);
	addv(st, sent(T0 + 5, "qq.com"));
	addv(st, sent(T0 + 59, "qq.com"));
	addv(st, sent(T0 + 61, "qq.com"));
	addv(st, deferred(T0 + 10, "qq.com", "421 HL:ICC"));
	addv(st, deferred(T0 + 20, "qq.com", "421 HL:ICC"));
	r = deferred(T0 + 30, "qq.com", "421 HL:ICC");
	r.flags = BS_EVENT_SUSPENDED;
	add(st, &r);
	r = deferred(T0 + 40, "qq.com", "421 HL:ICC");
	r.status = BS_STATUS_ATTEMPT;
	add(st, &r);
	r = deferred(T0 + 3600 + 1, "foxmail.com", "550 Mailbox not found");
	r.status = BS_STATUS_BOUNCED;
	r.cls = BS_CLASS_USER_UNKNOWN;
	r.code = 550;
	r.enhanced = "5.1.1";
	add(st, &r);
	assert_int_equal(store_commit(st), 0);

	db = raw_open_path(fx->path);
	/* Failures only become events: 2 deferred, 1 suspended, 1 attempt,
	 * 1 bounced. */
	assert_int_equal(raw_int(db, "SELECT count(*) FROM event"), 5);
	assert_int_equal(raw_int(db, "SELECT sum(n) FROM count_minute"), 8);
	assert_int_equal(raw_int(db, "SELECT sum(n) FROM count_hour"), 8);
	/* Minute T0: 2 sent in one row; minute T0+60: 1 sent. */
	assert_int_equal(raw_int(db,
			     "SELECT n FROM count_minute c JOIN name s ON "
			     "s.id = c.status WHERE s.s = 'sent' AND bucket = "
			     "1763805600"),
	    2);
	assert_int_equal(raw_int(db,
			     "SELECT n FROM count_hour c JOIN name s ON "
			     "s.id = c.status WHERE s.s = 'sent' AND bucket = "
			     "1763805600"),
	    3);
	/* Deferred: kind 0 (2) and kind 2 (1, suspended); attempt kind 1. */
	assert_int_equal(raw_int(db,
			     "SELECT n FROM count_hour c JOIN name s ON "
			     "s.id = c.status WHERE s.s = 'deferred' AND "
			     "kind = " STORE_STR(STORE_KIND_FINAL)),
	    2);
	assert_int_equal(raw_int(db,
			     "SELECT n FROM count_hour c JOIN name s ON "
			     "s.id = c.status WHERE s.s = 'deferred' AND "
			     "kind = " STORE_STR(STORE_KIND_SUSPENDED)),
	    1);
	assert_int_equal(raw_int(db,
			     "SELECT n FROM count_hour c JOIN name s ON "
			     "s.id = c.status WHERE s.s = 'attempt' AND "
			     "kind = " STORE_STR(STORE_KIND_ATTEMPT)),
	    1);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM event_v WHERE domain = "
			     "'foxmail.com' AND class = 'user_unknown' AND "
			     "status = 'bounced' AND code = 550 AND enhanced = "
			     "'5.1.1' AND rule = 'test-rule' AND stage = "
			     "'RCPT TO' AND relay = 'mx1.qq.com' AND relay_ip "
			     "= '192.0.2.25' AND mta = 'postfix' AND host = "
			     "'mail1' AND queue_id = '732BB407C3' AND time = "
			     "'2025-11-22 11:00:01'"),
	    1);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM count_hour WHERE bucket = "
			     "1763809200"),
	    1);
	sqlite3_close(db);

	/* A second batch adds to the same rows (UPSERT). */
	assert_int_equal(store_begin(st), 0);
	addv(st, sent(T0 + 7, "qq.com"));
	assert_int_equal(store_commit(st), 0);
	db = raw_open_path(fx->path);
	assert_int_equal(raw_int(db,
			     "SELECT n FROM count_minute c JOIN name s ON "
			     "s.id = c.status WHERE s.s = 'sent' AND bucket = "
			     "1763805600"),
	    3);
	sqlite3_close(db);
	store_close(st);
}

static void
store_rollback__after_adds__leaves_nothing_and_ids_stay_sound(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_rw(fx);
	struct store_position pos = { .key = "file:/var/log/mail.log",
		.path = "/var/log/mail.log",
		.offset = 100 };
	struct store_position got;
	char buf[256];
	sqlite3 *db;

	assert_int_equal(store_begin(st), 0);
	addv(st, deferred(T0, "rolled.example", "451 later"));
	addv(st, sent(T0, "rolled.example"));
	assert_int_equal(store_put_position(st, &pos), 0);
	assert_int_equal(store_rollback(st), 0);

	db = raw_open_path(fx->path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM event"), 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM count_minute"), 0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM count_hour"), 0);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM name WHERE s = "
			     "'rolled.example'"),
	    0);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM reply"), 1);
	sqlite3_close(db);
	assert_int_equal(
	    store_get_position(st, pos.key, &got, buf, sizeof(buf)), 0);

	/* Ids handed out in the rolled-back transaction are not reused
	 * from a stale cache: every event refers to an existing name. */
	assert_int_equal(store_begin(st), 0);
	addv(st, deferred(T0, "other.example", "452 full"));
	addv(st, deferred(T0, "rolled.example", "451 later"));
	assert_int_equal(store_commit(st), 0);
	db = raw_open_path(fx->path);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM event e JOIN name d ON "
			     "d.id = e.domain JOIN reply r ON r.id = e.reply"),
	    2);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM event_v WHERE domain = "
			     "'rolled.example' AND reply = '451 later'"),
	    1);
	sqlite3_close(db);
	store_close(st);
}

static void
store_position__put_then_get__roundtrip(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_rw(fx);
	struct store_position pos = { .key = "import:00ff",
		.path = "/x/y.gz",
		.dev = 2049,
		.ino = 1234567,
		.offset = INT64_C(5000000000),
		.size = INT64_C(5000000001),
		.fp_head = UINT64_C(0xfedcba9876543210),
		.fp_head_len = 64,
		.fp_tail = UINT64_C(0x8000000000000001),
		.fp_tail_len = 32,
		.last_event = T0,
		.updated = T0 + 5 };
	struct store_position got;
	char buf[64], tiny[8];

	assert_int_equal(
	    store_get_position(st, pos.key, &got, buf, sizeof(buf)), 0);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_put_position(st, &pos), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(
	    store_get_position(st, pos.key, &got, buf, sizeof(buf)), 1);
	assert_string_equal(got.key, pos.key);
	assert_string_equal(got.path, pos.path);
	assert_true(got.dev == pos.dev && got.ino == pos.ino);
	assert_true(got.offset == pos.offset && got.size == pos.size);
	assert_true(got.fp_head == pos.fp_head);
	assert_true(got.fp_tail == pos.fp_tail);
	assert_true(got.fp_head_len == 64 && got.fp_tail_len == 32);
	assert_true(got.last_event == T0 && got.updated == T0 + 5);

	pos.offset = 7;
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_put_position(st, &pos), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(
	    store_get_position(st, pos.key, &got, buf, sizeof(buf)), 1);
	assert_int_equal(got.offset, 7);
	assert_int_equal(
	    store_get_position(st, pos.key, &got, tiny, sizeof(tiny)), -1);
	/* Outside a transaction a position cannot be written. */
	assert_int_equal(store_put_position(st, &pos), -1);
	store_close(st);
}

static void
store_meta__set_get__roundtrip(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_rw(fx);
	char buf[16], tiny[3];

	assert_int_equal(store_meta_get(st, "pid", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(store_meta_set(st, "pid", "4242"), 0);
	assert_int_equal(store_meta_get(st, "pid", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "4242");
	assert_int_equal(store_meta_set(st, "pid", "7"), 0);
	assert_int_equal(store_meta_get(st, "pid", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "7");
	assert_int_equal(store_meta_set(st, "pid", "12345"), 0);
	assert_int_equal(store_meta_get(st, "pid", tiny, sizeof(tiny)), -1);
	store_close(st);
}

static void
store_prune_events__old_events__gone_counts_stay(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_rw(fx);
	sqlite3 *db;

	assert_int_equal(store_begin(st), 0);
	addv(st, deferred(T0, "a.example", "451 old only"));
	addv(st, deferred(T0, "a.example", "451 shared"));
	addv(st, deferred(T0 + 7200, "a.example", "451 shared"));
	addv(st, sent(T0, "a.example"));
	assert_int_equal(store_commit(st), 0);

	/* Outside a transaction: runs in one of its own. */
	assert_int_equal(store_prune_events(st, T0 + 3600), 0);
	db = raw_open_path(fx->path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM event"), 1);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM reply WHERE text = '451 "
			     "old only'"),
	    0);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM reply WHERE text = '451 "
			     "shared'"),
	    1);
	assert_int_equal(raw_int(db, "SELECT sum(n) FROM count_hour"), 4);
	assert_int_equal(raw_int(db, "SELECT sum(n) FROM count_minute"), 4);
	sqlite3_close(db);

	/* The pruned reply comes back as a new row, not a dangling id. */
	assert_int_equal(store_begin(st), 0);
	addv(st, deferred(T0 + 7300, "a.example", "451 old only"));
	assert_int_equal(store_commit(st), 0);
	db = raw_open_path(fx->path);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM event e JOIN reply r ON "
			     "r.id = e.reply WHERE r.text = '451 old only'"),
	    1);
	sqlite3_close(db);
	store_close(st);
}

static void
store_prune_events__by_other_writer__reply_cache_dropped(void **state)
{
	struct fixture *fx = *state;
	struct store *a = open_rw(fx), *b;
	sqlite3 *db;

	assert_int_equal(store_begin(a), 0);
	addv(a, deferred(T0, "a.example", "421 cached"));
	assert_int_equal(store_commit(a), 0);
	b = open_rw(fx);
	assert_int_equal(store_prune_events(b, T0 + 1), 0);
	store_close(b);
	/* a still caches "421 cached"; its row is gone. */
	assert_int_equal(store_begin(a), 0);
	addv(a, deferred(T0 + 10, "a.example", "421 cached"));
	assert_int_equal(store_commit(a), 0);
	db = raw_open_path(fx->path);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM event e JOIN reply r ON "
			     "r.id = e.reply WHERE r.text = '421 cached'"),
	    1);
	sqlite3_close(db);
	store_close(a);
}

static void
store_prune_minutes__old__hours_stay_and_floor_recorded(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_rw(fx);
	char buf[32];
	sqlite3 *db;

	assert_int_equal(store_begin(st), 0);
	addv(st, sent(T0, "a.example"));
	addv(st, sent(T0 + 120, "a.example"));
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_prune_minutes(st, T0 + 90), 0);
	assert_int_equal(
	    store_meta_get(st, "minute_floor", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "1763805660");
	db = raw_open_path(fx->path);
	assert_int_equal(raw_int(db, "SELECT sum(n) FROM count_minute"), 1);
	assert_int_equal(raw_int(db, "SELECT sum(n) FROM count_hour"), 2);
	sqlite3_close(db);
	/* An older floor does not move it back. */
	assert_int_equal(store_prune_minutes(st, T0), 0);
	assert_int_equal(
	    store_meta_get(st, "minute_floor", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "1763805660");
	store_close(st);
}

static void
store_open_readonly__writer_in_transaction__sees_last_commit(void **state)
{
	struct fixture *fx = *state;
	struct store *w = open_rw(fx), *r;
	char err[BS_ERRLEN] = "", buf[32];
	struct store_position pos = {
		.key = "file:x", .path = "x", .offset = 1
	};
	struct store_position got;

	assert_int_equal(store_begin(w), 0);
	assert_int_equal(store_put_position(w, &pos), 0);
	assert_int_equal(store_commit(w), 0);
	assert_int_equal(store_begin(w), 0);
	pos.offset = 2;
	assert_int_equal(store_put_position(w, &pos), 0);
	addv(w, deferred(T0, "a.example", "421 busy"));

	r = store_open(fx->path, STORE_READONLY, err);
	if (r == NULL)
		fail_msg("read-only open: %s", err);
	assert_int_equal(
	    store_get_position(r, "file:x", &got, buf, sizeof(buf)), 1);
	assert_int_equal(got.offset, 1);
	/* A read-only store refuses writes. */
	assert_int_equal(store_begin(r), -1);
	assert_int_equal(store_meta_set(r, "k", "v"), -1);

	assert_int_equal(store_commit(w), 0);
	assert_int_equal(
	    store_get_position(r, "file:x", &got, buf, sizeof(buf)), 1);
	assert_int_equal(got.offset, 2);
	store_close(r);
	store_close(w);
}

static void
store_add__repeated_strings__interned_once(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_rw(fx);
	sqlite3 *db;
	int i;

	assert_int_equal(store_begin(st), 0);
	for (i = 0; i < 50; i++)
		addv(st,
		    deferred(T0 + i, "intern.example",
			"421 HL:ICC connection limited"));
	addv(st,
	    deferred(T0, "intern.example", "421 HL:ICC connection limited "));
	assert_int_equal(store_commit(st), 0);
	/* A fresh store (cold cache) finds the same rows. */
	store_close(st);
	st = open_rw(fx);
	assert_int_equal(store_begin(st), 0);
	addv(st,
	    deferred(T0, "intern.example", "421 HL:ICC connection limited"));
	assert_int_equal(store_commit(st), 0);

	db = raw_open_path(fx->path);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM name WHERE s = "
			     "'intern.example'"),
	    1);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM name WHERE s = "
			     "'mx1.qq.com'"),
	    1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM reply"), 3);
	assert_int_equal(
	    raw_int(db, "SELECT count(DISTINCT reply) FROM event"), 2);
	assert_int_equal(
	    raw_int(db, "SELECT count(DISTINCT domain) FROM event"), 1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM event"), 52);
	sqlite3_close(db);
	store_close(st);
}

static void
store_add__hostile_reply__stored_byte_exact(void **state)
{
	static const char hostile[] =
	    "550 5.7.1 '); DROP TABLE event; -- \"x\"\x1b[31mred\x1b[0m "
	    "\r\n\x07\x00nul \xff\xfe\xc3( bad utf-8 \xe4\xbd\xa0\xe5\xa5\xbd "
	    ":1 ?2 @3 $4 %s%n";
	struct fixture *fx = *state;
	struct store *st = open_rw(fx);
	struct rec r = deferred(T0, "x.example", hostile);
	sqlite3 *db;
	sqlite3_stmt *s;

	r.reply_len = sizeof(hostile) - 1;
	r.domain = "evil\x1b]0;title\x07.example";
	assert_int_equal(store_begin(st), 0);
	add(st, &r);
	assert_int_equal(store_commit(st), 0);

	db = raw_open_path(fx->path);
	assert_int_equal(sqlite3_prepare_v2(db,
			     "SELECT r.text, d.s FROM event e JOIN reply r ON "
			     "r.id = e.reply JOIN name d ON d.id = e.domain",
			     -1, &s, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_bytes(s, 0), sizeof(hostile) - 1);
	assert_memory_equal(
	    sqlite3_column_blob(s, 0), hostile, sizeof(hostile) - 1);
	assert_string_equal((const char *)sqlite3_column_text(s, 1), r.domain);
	sqlite3_finalize(s);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM event"), 1);
	sqlite3_close(db);
	store_close(st);
}

static void
store_add__reply_hash_collision__distinct_rows(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_rw(fx);
	const char *text = "451 4.7.1 collide";
	char sql[200];
	uint64_t h = bs_hash64(BS_HASH_INIT, text, strlen(text));
	sqlite3 *db;

	/* Plant another text under the same 31-bit hash. */
	db = raw_open_path(fx->path);
	snprintf(sql, sizeof(sql),
	    "INSERT INTO reply (h, text) VALUES (%lld, 'impostor')",
	    (long long)(h & 0x7fffffff));
	raw_exec(db, sql);
	sqlite3_close(db);

	assert_int_equal(store_begin(st), 0);
	addv(st, deferred(T0, "c.example", text));
	addv(st, deferred(T0, "c.example", text));
	assert_int_equal(store_commit(st), 0);
	db = raw_open_path(fx->path);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM event e JOIN reply r ON "
			     "r.id = e.reply WHERE r.text = '451 4.7.1 "
			     "collide'"),
	    2);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM reply"), 3);
	sqlite3_close(db);
	store_close(st);
}

/*
 * Relay IPv4 addresses in canonical form are stored in the event row, not
 * interned; anything else is a name as before; event_v shows each as it
 * came, and its flags column without the storage bit.
 */
static void
store_add__relay_addresses__v4_inline_others_named(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_rw(fx);
	static const char *const ips[] = { "192.0.2.25", "255.255.255.255",
		"0.0.0.0", "10.200.3.4", "128.0.0.1", "01.2.3.4", "1.2.3",
		"256.1.1.1", "1.2.3.4.5", "1.2.3.4 ", "2001:db8::1", "" };
	const size_t n = sizeof(ips) / sizeof(ips[0]);
	char sql[200];
	sqlite3 *db;
	size_t i;

	assert_int_equal(store_begin(st), 0);
	for (i = 0; i < n; i++) {
		relay_ip = ips[i];
		addv(st, deferred(T0 + (int64_t)i, "c.example", "451 later"));
	}
	relay_ip = "192.0.2.25";
	assert_int_equal(store_commit(st), 0);
	store_close(st);

	db = raw_open_path(fx->path);
	for (i = 0; i < n; i++) {
		snprintf(sql, sizeof(sql),
		    "SELECT count(*) FROM event_v WHERE time = "
		    "datetime(%d + %zu, 'unixepoch') AND relay_ip = '%s' "
		    "AND flags = 0",
		    T0, i, ips[i]);
		assert_int_equal(raw_int(db, sql), 1);
	}
	assert_int_equal(raw_int(db, "SELECT count(*) FROM event"), (int)n);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM event WHERE "
			     "flags & 8 <> 0"),
	    5);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM name WHERE s IN "
			     "('192.0.2.25', '0.0.0.0', '128.0.0.1', "
			     "'01.2.3.4', '2001:db8::1')"),
	    2);
	sqlite3_close(db);
}

/*
 * A dsn= equal to the enhanced status is stored once (event.dsn 0, flags
 * bit 16, migration 0009); another dsn, or none, keeps its own id; event_v
 * shows each event's own dsn and flags without the bit.
 */
static void
store_add__dsn_same_as_enhanced__stored_once(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_rw(fx);
	struct rec r;
	sqlite3 *db;

	assert_int_equal(store_begin(st), 0);
	addv(st, deferred(T0, "c.example", "451 4.7.0 later"));
	r = deferred(T0 + 1, "c.example", "451 4.7.0 later");
	r.dsn = "4.7.1";
	add(st, &r);
	r = deferred(T0 + 2, "c.example", "451 later");
	r.enhanced = "";
	r.dsn = "";
	add(st, &r);
	r = deferred(T0 + 3, "c.example", "451 later");
	r.enhanced = "";
	r.dsn = "4.7.0";
	add(st, &r);
	assert_int_equal(store_commit(st), 0);
	store_close(st);

	db = raw_open_path(fx->path);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM event WHERE dsn = 0 AND "
			     "flags & 16 <> 0 AND t = " STORE_STR(T0)),
	    1);
	assert_int_equal(
	    raw_int(db, "SELECT count(*) FROM event WHERE flags & 16 <> 0"), 1);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM event_v WHERE "
			     "(dsn, enhanced, flags) IN (VALUES "
			     "('4.7.0', '4.7.0', 0), ('4.7.1', '4.7.0', 0), "
			     "('', '', 0), ('4.7.0', '', 0))"),
	    4);
	assert_int_equal(raw_int(db,
			     "SELECT count(DISTINCT dsn || '/' || enhanced) "
			     "FROM event_v"),
	    4);
	sqlite3_close(db);
}

/*
 * Replies differing only by numbers and ids (the same template) keep 8
 * sample texts per code, enhanced status and class; the other events
 * point to the newest sample; a stored text is found again exactly; a
 * reply with another class, or unclassified with another normalized
 * text, gets rows of its own.
 */
static void
store_add__replies_one_template__bounded_samples(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_rw(fx);
	char reply[64];
	struct rec r;
	sqlite3 *db;
	int i;

	assert_int_equal(store_begin(st), 0);
	for (i = 0; i < 20; i++) {
		snprintf(reply, sizeof(reply),
		    "421 4.7.0 <u%d@example.org> try again in %d s", i, i * 7);
		addv(st, deferred(T0 + i, "c.example", reply));
	}
	addv(st,
	    deferred(T0 + 30, "c.example",
		"421 4.7.0 <u3@example.org> try again in 21 s"));
	r = deferred(T0 + 31, "c.example",
	    "421 4.7.0 <u99@example.org> try again in 1 s");
	r.cls = BS_CLASS_GREYLISTED;
	add(st, &r);
	r.cls = BS_CLASS_UNKNOWN;
	add(st, &r);
	r.reply = "421 4.7.0 <u98@example.org> try again in 2 s";
	add(st, &r);
	r.reply = "421 4.7.0 <u98@example.org> try again in 2 min";
	add(st, &r);
	assert_int_equal(store_commit(st), 0);
	store_close(st);

	db = raw_open_path(fx->path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM event"), 25);
	/* '', 8 samples, 1 greylisted, 3 unknown (each stored: below 8). */
	assert_int_equal(raw_int(db, "SELECT count(*) FROM reply"), 1 + 12);
	assert_int_equal(raw_int(db,
			     "SELECT count(DISTINCT e.reply) FROM event e "
			     "WHERE e.t < 1763805600 + 30"),
	    8);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM event e WHERE e.t >= "
			     "1763805600 + 8 AND e.t < 1763805600 + 30 AND "
			     "e.reply = (SELECT max(id) FROM reply WHERE "
			     "text LIKE '%try again in % s' AND "
			     "text NOT LIKE '%<u9_@%')"),
	    12);
	assert_int_equal(
	    raw_int(db,
		"SELECT count(*) FROM event_v WHERE time = "
		"datetime(1763805600 + 30, 'unixepoch') AND reply "
		"= '421 4.7.0 <u3@example.org> try again in 21 s'"),
	    1);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM event_v WHERE reply LIKE "
			     "'%<u99@%' OR reply LIKE '%in 2 min'"),
	    3);
	sqlite3_close(db);
}

/*
 * More rows than one multi-row statement holds, in a count not a multiple
 * of it (64 count rows, 32 event rows per statement): every row lands
 * whole, with its own values in its own columns.
 */
static void
store_commit__many_rows__each_row_whole(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_rw(fx);
	char domain[32], reply[64];
	struct rec r;
	sqlite3 *db;
	int i, n = 1001;

	assert_int_equal(store_begin(st), 0);
	for (i = 0; i < n; i++) {
		/* A minute each; the domain and reply follow i (in letters:
		 * replies differing by a number share 8 sample rows). */
		snprintf(domain, sizeof(domain), "d%d.example", i % 37);
		snprintf(reply, sizeof(reply), "451 4.7.1 try later %c%c%c",
		    'a' + i % 26, 'a' + i / 26 % 26, 'a' + i / 676 % 26);
		r = deferred(T0 + (int64_t)i * 61, domain, reply);
		r.code = 400 + i % 100;
		add(st, &r);
	}
	assert_int_equal(store_commit(st), 0);

	db = raw_open_path(fx->path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM event"), n);
	assert_int_equal(
	    raw_int(db,
		"SELECT count(*) FROM event_v e WHERE e.domain = "
		"'d' || ((e.id - 1) % 37) || '.example' AND "
		"e.reply = '451 4.7.1 try later ' || "
		"char(97 + (e.id - 1) % 26, "
		"97 + (e.id - 1) / 26 % 26, "
		"97 + (e.id - 1) / 676 % 26) AND e.code = 400 + (e.id - 1) % 100 AND "
		"e.time = datetime(1763805600 + (e.id - 1) * 61, "
		"'unixepoch')"),
	    n);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM count_minute"), n);
	assert_int_equal(raw_int(db, "SELECT sum(n) FROM count_minute"), n);
	assert_int_equal(raw_int(db, "SELECT max(n) FROM count_minute"), 1);
	assert_int_equal(raw_int(db, "SELECT sum(n) FROM count_hour"), n);
	/* One hour row per (hour, domain, code) seen: as grouped by SQL. */
	assert_int_equal(raw_int(db, "SELECT count(*) FROM count_hour"),
	    raw_int(db,
		"SELECT count(*) FROM (SELECT DISTINCT e.t - e.t % 3600, "
		"e.domain, e.code FROM event e)"));
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM count_hour h WHERE n <> "
			     "(SELECT count(*) FROM event e WHERE e.t - e.t "
			     "% 3600 = h.bucket AND e.domain = h.domain AND "
			     "e.code = h.code)"),
	    0);
	sqlite3_close(db);
	store_close(st);
}

/*
 * More distinct keys in one batch than a count table holds: the full
 * table is written out inside the batch, and keys seen again afterwards
 * add to the rows already written.
 */
static void
store_add__count_table_full__written_early_and_added_to(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_rw(fx);
	sqlite3 *db;
	int i, round, n = 40000;

	assert_int_equal(store_begin(st), 0);
	for (round = 0; round < 2; round++)
		for (i = 0; i < n; i++)
			addv(st, sent(T0 + (int64_t)i * 60, "qq.com"));
	assert_int_equal(store_commit(st), 0);

	db = raw_open_path(fx->path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM count_minute"), n);
	assert_int_equal(raw_int(db, "SELECT min(n) FROM count_minute"), 2);
	assert_int_equal(raw_int(db, "SELECT max(n) FROM count_minute"), 2);
	assert_int_equal(
	    raw_int(db, "SELECT count(*) FROM count_hour"), (n + 59) / 60);
	assert_int_equal(raw_int(db, "SELECT sum(n) FROM count_hour"), 2 * n);
	sqlite3_close(db);
	store_close(st);
}

/*
 * Issue 14: a full count table is set aside and its rows are written by
 * store_work() a few at a time, the rest before the next table is set
 * aside and at COMMIT; rolled back, none of them stays.
 */
static void
store_work__set_aside_rows__written_in_steps_or_rolled_back(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_rw(fx);
	sqlite3 *db;
	int i, round, steps = 0, n = 40000;

	store_work_enable(st, true);
	assert_int_equal(store_work(st, 1000), 0); /* no transaction */
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_work(st, 1000), 0); /* nothing set aside */
	for (round = 0; round < 3; round++) {
		for (i = 0; i < n; i++)
			addv(st, sent(T0 + (int64_t)i * 60, "qq.com"));
		/* 40,000 minute keys: a table of them was set aside. */
		if (round == 0) {
			assert_int_equal(store_work(st, 100), 1);
			while (store_work(st, 100) == 1)
				steps++;
			assert_true(steps > 10);
		} else if (round == 1)
			assert_int_equal(store_work(st, 64), 1);
	}
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_work(st, 1000), 0);

	/* Set aside, partly written, rolled back. */
	assert_int_equal(store_begin(st), 0);
	for (i = 0; i < n; i++)
		addv(st, sent(T0 + (int64_t)(n + i) * 60, "qq.com"));
	assert_int_equal(store_work(st, 256), 1);
	assert_int_equal(store_rollback(st), 0);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_work(st, 1000), 0);
	addv(st, sent(T0, "qq.com"));
	assert_int_equal(store_commit(st), 0);

	db = raw_open_path(fx->path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM count_minute"), n);
	assert_int_equal(
	    raw_int(db, "SELECT sum(n) FROM count_minute"), 3 * n + 1);
	assert_int_equal(raw_int(db, "SELECT min(n) FROM count_minute"), 3);
	assert_int_equal(
	    raw_int(db, "SELECT count(*) FROM count_hour"), (n + 59) / 60);
	assert_int_equal(
	    raw_int(db, "SELECT sum(n) FROM count_hour"), 3 * n + 1);
	/* The newest hour (40 minutes of 3 sent) is not rolled yet: it is
	 * at the roll mark (migration 0015). */
	assert_int_equal(raw_int(db, "SELECT sum(n) FROM count_day"),
	    3 * n + 1 - 3 * (n % 60));
	assert_int_equal(raw_int(db,
			     "SELECT CAST(value AS INTEGER) FROM meta WHERE "
			     "key = 'roll_mark'"),
	    T0 + (int64_t)(n / 60) * 3600);
	sqlite3_close(db);
	store_close(st);
}

/*
 * Events not yet written when events are pruned in the same transaction:
 * written first, so that their replies are not taken for unused ones.
 */
static void
store_prune_events__buffered_events__replies_kept(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_rw(fx);
	sqlite3 *db;

	assert_int_equal(store_begin(st), 0);
	addv(st, deferred(T0, "a.example", "451 old"));
	addv(st, deferred(T0 + 7200, "a.example", "451 pending"));
	assert_int_equal(store_prune_events(st, T0 + 3600), 0);
	assert_int_equal(store_commit(st), 0);

	db = raw_open_path(fx->path);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM event"), 1);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM event e JOIN reply r ON "
			     "r.id = e.reply WHERE r.text = '451 pending'"),
	    1);
	sqlite3_close(db);
	store_close(st);
}

/*
 * A failing statement (its table dropped behind the store's back) leaves
 * the statement's name, SQLite's message and the extended code in
 * store_errmsg() (schema/sql.c), and the store stays usable.
 */
static void
store_get_position__table_gone__error_names_statement_and_code(void **state)
{
	struct fixture *fx = *state;
	struct store *st = open_rw(fx);
	struct store_position pos;
	char buf[256], val[16];
	sqlite3 *db = raw_open_path(fx->path);

	assert_int_equal(
	    sqlite3_exec(db, "DROP TABLE position", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(
	    store_get_position(st, "file:/x", &pos, buf, sizeof(buf)), -1);
	assert_non_null(strstr(store_errmsg(st), "position_get: "));
	assert_non_null(strstr(store_errmsg(st), "no such table: position"));
	assert_non_null(strstr(store_errmsg(st), "(extended code 1)"));
	/* Other statements still work. */
	assert_int_equal(store_meta_set(st, "k", "v"), 0);
	assert_int_equal(store_meta_get(st, "k", val, sizeof(val)), 1);
	assert_string_equal(val, "v");
	store_close(st);
}

/*
 * Issue 14: every writer, the import's too, checkpoints its WAL every
 * 2,048 pages (not SQLite's 1,000: fewer fdatasync() calls on the
 * writer thread) and runs in synchronous NORMAL; a reader sets neither.
 */
static void
store_open__writers__wal_checkpoint_every_2048_pages(void **state)
{
	struct fixture *fx = *state;
	char err[BS_ERRLEN] = "", mode[16];
	struct store *st;
	int flags[] = { 0, STORE_BULK };
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if ((st = store_open(fx->path, flags[i], err)) == NULL)
			fail_msg("store_open: %s", err);
		assert_int_equal(
		    raw_int(store_db(st), "PRAGMA wal_autocheckpoint"), 2048);
		assert_int_equal(
		    raw_int(store_db(st), "PRAGMA synchronous"), 1);
		assert_string_equal(
		    raw_text(store_db(st), "PRAGMA journal_mode", mode,
			sizeof(mode)),
		    "wal");
		store_close(st);
	}
	if ((st = store_open(fx->path, STORE_READONLY, err)) == NULL)
		fail_msg("store_open: %s", err);
	assert_int_equal(
	    raw_int(store_db(st), "PRAGMA wal_autocheckpoint"), 1000);
	store_close(st);
}

/*
 * Issue 14: a bulk store (import) syncs its WAL while it is written
 * and copies committed frames into the database (store_walsync.c), so
 * that the last COMMIT's checkpoint does not wait for all of it; no
 * other store starts that thread. The WAL grows here by
 * about 2 MiB; the thread looks at it every 50 ms (waited for up to 20 s).
 */
static void
store_open__bulk__wal_synced_while_written(void **state)
{
	struct fixture *fx = *state;
	char err[BS_ERRLEN] = "";
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	struct stat sb;
	struct store *st;
	int flags[] = { 0, STORE_BULK }, i, k;

	for (i = 0; i < 2; i++) {
		if ((st = store_open(fx->path, flags[i], err)) == NULL)
			fail_msg("store_open: %s", err);
		assert_int_equal(sqlite3_exec(store_db(st),
				     "CREATE TABLE IF NOT EXISTS w(x);"
				     "WITH RECURSIVE n(i) AS (SELECT 1 UNION "
				     "ALL SELECT i + 1 FROM n WHERE i < 2000) "
				     "INSERT INTO w SELECT randomblob(1000) "
				     "FROM n",
				     NULL, NULL, NULL),
		    SQLITE_OK);
		for (k = 0; flags[i] == STORE_BULK && k < 2000 &&
		     (store_walsync_count(st) == 0 ||
			 store_walsync_ckpts(st) == 0);
		     k++)
			nanosleep(&ts, NULL);
		if (flags[i] == STORE_BULK) {
			assert_true(store_walsync_count(st) > 0);
			/* the 2 MiB committed, under the 2,048 pages of
			 * SQLite's own checkpoint, copied into the file */
			assert_true(store_walsync_ckpts(st) > 0);
			assert_true(stat(fx->path, &sb) == 0);
			assert_true(sb.st_size > 2000 * 1000);
		} else {
			assert_int_equal(store_walsync_count(st), 0);
			assert_int_equal(store_walsync_ckpts(st), 0);
		}
		store_close(st);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    store_open__new_file__schema_at_latest_version_in_wal,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    store_open__new_file__message_qid_indexes_open_messages_only,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    store_open__reopen__idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    store_open__bulk__wal_synced_while_written, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    store_open__readonly_missing_file__fails_without_creating,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    store_open__foreign_database__refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    store_open__newer_schema__refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    store_add__no_transaction__fails, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    store_commit__mixed_records__minute_and_hour_counts_and_failure_events,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    store_rollback__after_adds__leaves_nothing_and_ids_stay_sound,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    store_position__put_then_get__roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    store_meta__set_get__roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    store_prune_events__old_events__gone_counts_stay, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    store_prune_events__by_other_writer__reply_cache_dropped,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    store_prune_minutes__old__hours_stay_and_floor_recorded,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    store_open_readonly__writer_in_transaction__sees_last_commit,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    store_add__repeated_strings__interned_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    store_add__hostile_reply__stored_byte_exact, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    store_add__reply_hash_collision__distinct_rows, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    store_commit__many_rows__each_row_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    store_add__replies_one_template__bounded_samples, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    store_add__dsn_same_as_enhanced__stored_once, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    store_add__relay_addresses__v4_inline_others_named, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    store_add__count_table_full__written_early_and_added_to,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    store_work__set_aside_rows__written_in_steps_or_rolled_back,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    store_prune_events__buffered_events__replies_kept, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    store_get_position__table_gone__error_names_statement_and_code,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    store_open__writers__wal_checkpoint_every_2048_pages, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
