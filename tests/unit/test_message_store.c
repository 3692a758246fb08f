/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of schema/message.c's writer side against a real SQLite
 * file: a message's recipients packed in its row (message.rcpts, schema
 * version 11) sorted by stored address and JSON-escaped, read back by
 * the store (the join's reload) and through the message_rcpt view;
 * the client stored as text; store_addresses domain keeping the later
 * of two recipients stored
 * alike; message_records failed deleting a written message that ended
 * well; and migration 0011 turning version 10's recipient rows into the
 * packed column and its client name ids into text. The database is inspected
 * through a second, plain SQLite connection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db_fixture.h"
#include "db_raw.h"
#include <sqlite3.h>

#include "message.h"

#define T0 1763805600 /* 2025-11-22 10:00:00 UTC */

static int
setup(void **state)
{
	return db_fixture_setup(state, "msgstore");
}

static int
teardown(void **state)
{
	return db_fixture_teardown(state);
}

static void
rcpt(struct lc_rcpt *r, const char *addr, const char *prov, enum bs_status st,
    enum bs_class cls, int code, int64_t first, int64_t last)
{
	memset(r, 0, sizeof(*r));
	/* bounded: gcc -O2 sees want[105][LC_ADDR_MAX] rows as one buffer */
	snprintf(
	    r->addr, sizeof(r->addr), "%.*s", (int)sizeof(r->addr) - 1, addr);
	snprintf(r->provider, sizeof(r->provider), "%s", prov);
	snprintf(r->relay, sizeof(r->relay), "mx.%s", prov);
	snprintf(r->transport, sizeof(r->transport), "smtp");
	r->status = (uint8_t)st;
	r->cls = (uint8_t)cls;
	r->code = (int16_t)code;
	r->attempts = 2;
	r->first = first;
	r->last = last;
}

/* An open Postfix message with n recipients from rs (copied). */
static void
msg(struct lc_msg *m, const struct lc_rcpt *rs, size_t n)
{
	memset(m, 0, sizeof(*m));
	m->mta = BS_MTA_POSTFIX;
	snprintf(m->host, sizeof(m->host), "mx1");
	snprintf(m->qid, sizeof(m->qid), "4Q1B2C3D4E");
	m->first = T0;
	m->last = T0 + 100;
	m->state = LC_S_DEFERRED;
	m->has_start = m->has_sender = true;
	snprintf(m->sender, sizeof(m->sender), "news@shop.example");
	snprintf(m->client, sizeof(m->client), "a.example[192.0.2.1]");
	m->size = 1234;
	m->nrcpt = (int64_t)n;
	m->failed = 1;
	m->r = calloc(n > 0 ? n : 1, sizeof(*m->r));
	assert_non_null(m->r);
	memcpy(m->r, rs, n * sizeof(*rs));
	m->nr = m->cap = n;
}

/* Writes m (ops.put) in one transaction. */
static void
put(struct store *st, struct message_store *ms, struct lc_msg *m)
{
	struct lc_ops ops;

	message_store_ops(ms, &ops);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(ops.put(ops.arg, m), 0);
	assert_int_equal(message_store_sync(ms), 0);
	assert_int_equal(store_commit(st), 0);
}

struct loaded {
	size_t n;
	struct lc_msg m; /* the last one, its recipients taken */
};

static int
take(void *arg, struct lc_msg *m)
{
	struct loaded *l = arg;

	l->n++;
	lc_msg_clear(&l->m);
	l->m = *m;
	m->r = NULL;
	m->nr = m->cap = 0;
	return 0;
}

/* The view's recipients (message id) in scan order, names resolved. */
#define RCPTS_OF(id)                                                           \
	"SELECT group_concat(r.rcpt || '|' || d.s || '|' || p.s || '|' ||"     \
	" rl.s || '|' || t.s || '|' || r.status || '|' || r.class || '|' ||"   \
	" r.code || '|' || r.attempts || '|' || (r.first - 1763805600) ||"     \
	" '|' || (r.last - 1763805600), ';') FROM message_rcpt r"              \
	" JOIN name d ON d.id = r.domain JOIN name p ON p.id = r.provider"     \
	" JOIN name rl ON rl.id = r.relay JOIN name t ON t.id = r.transport"   \
	" WHERE r.message = " #id

static void
message_store__three_rcpts__one_row_sorted_escaped_and_read_back(void **state)
{
	struct db_fixture *fx = *state;
	char err[BS_ERRLEN], buf[1024];
	struct message_store *ms;
	struct lc_rcpt rs[3];
	struct loaded l;
	struct lc_msg m;
	sqlite3 *db;

	rcpt(&rs[0], "zed@b.example", "b.example", BS_STATUS_SENT,
	    BS_CLASS_NONE, 250, T0 + 5, T0 + 5);
	rcpt(&rs[1], "a\"q\\\x01@a.example", "gmail", BS_STATUS_DEFERRED,
	    BS_CLASS_RATE_LIMITED, 421, T0 + 10, T0 + 90);
	rcpt(&rs[2], "mid@a.example", "gmail", BS_STATUS_BOUNCED,
	    BS_CLASS_USER_UNKNOWN, 550, T0 - 3, T0 + 20);
	msg(&m, rs, 3);
	ms = message_store_new(fx->st, MSG_ADDR_YES, MSG_RECORDS_ALL, err);
	assert_non_null(ms);
	put(fx->st, ms, &m);
	assert_int_equal(m.id, 1);
	lc_msg_clear(&m);

	db = raw_open_path(fx->path);
	assert_string_equal(raw_text(db,
				"SELECT type FROM sqlite_schema WHERE name ="
				" 'message_rcpt'",
				buf, sizeof(buf)),
	    "view");
	/* one row; in address order, whatever the join's; escaped; the
	 * times relative to the message's first line */
	assert_string_equal(
	    raw_text(db, "SELECT count(*) FROM message", buf, sizeof(buf)),
	    "1");
	assert_string_equal(raw_text(db,
				"SELECT instr(rcpts, '[\"a\\\"q\\\\\\u0001"
				"@a.example\",') = 2 AND json_valid(rcpts)"
				" AND instr(rcpts, ',-3,20]') > 0"
				" FROM message",
				buf, sizeof(buf)),
	    "1");
	assert_string_equal(raw_text(db, RCPTS_OF(1), buf, sizeof(buf)),
	    "a\"q\\\x01@a.example|a.example|gmail|mx.gmail|smtp|deferred|"
	    "rate_limited|421|2|10|90;"
	    "mid@a.example|a.example|gmail|mx.gmail|smtp|bounced|"
	    "user_unknown|550|2|-3|20;"
	    "zed@b.example|b.example|b.example|mx.b.example|smtp|sent|none|"
	    "250|2|5|5");

	/* the client as text, not a name */
	assert_string_equal(raw_text(db,
				"SELECT client || ' ' || (SELECT count(*) FROM"
				" name WHERE s = 'a.example[192.0.2.1]')"
				" FROM message",
				buf, sizeof(buf)),
	    "a.example[192.0.2.1] 0");

	/* the join's reload */
	memset(&l, 0, sizeof(l));
	assert_int_equal(message_store_load_open(ms, 10, take, &l), 1);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.m.id, 1);
	assert_string_equal(l.m.client, "a.example[192.0.2.1]");
	assert_int_equal(l.m.nr, 3);
	assert_string_equal(l.m.r[0].addr, "a\"q\\\x01@a.example");
	assert_string_equal(l.m.r[0].provider, "gmail");
	assert_string_equal(l.m.r[0].relay, "mx.gmail");
	assert_string_equal(l.m.r[0].transport, "smtp");
	assert_int_equal(l.m.r[0].status, BS_STATUS_DEFERRED);
	assert_int_equal(l.m.r[0].cls, BS_CLASS_RATE_LIMITED);
	assert_int_equal(l.m.r[0].code, 421);
	assert_int_equal(l.m.r[0].attempts, 2);
	assert_int_equal(l.m.r[0].first, T0 + 10);
	assert_int_equal(l.m.r[0].last, T0 + 90);
	assert_int_equal(l.m.r[1].first, T0 - 3);
	assert_int_equal(l.m.r[1].cls, BS_CLASS_USER_UNKNOWN);
	assert_string_equal(l.m.r[2].addr, "zed@b.example");
	assert_int_equal(l.m.r[2].status, BS_STATUS_SENT);

	/* an update rewrites the row: the message's first moves, the
	 * recipients' times stay */
	l.m.r[0].status = BS_STATUS_SENT;
	l.m.r[0].code = 250;
	l.m.first = T0 - 10;
	put(fx->st, ms, &l.m);
	assert_string_equal(raw_text(db,
				"SELECT count(*) || ' ' || (first - 1763805600)"
				" FROM message",
				buf, sizeof(buf)),
	    "1 -10");
	assert_string_equal(raw_text(db, RCPTS_OF(1), buf, sizeof(buf)),
	    "a\"q\\\x01@a.example|a.example|gmail|mx.gmail|smtp|sent|"
	    "rate_limited|250|2|10|90;"
	    "mid@a.example|a.example|gmail|mx.gmail|smtp|bounced|"
	    "user_unknown|550|2|-3|20;"
	    "zed@b.example|b.example|b.example|mx.b.example|smtp|sent|none|"
	    "250|2|5|5");
	message_store_free(ms);

	/* message_records failed: it ended with no failure, it goes */
	ms = message_store_new(fx->st, MSG_ADDR_YES, MSG_RECORDS_FAILED, err);
	assert_non_null(ms);
	l.m.final = T0 + 200;
	l.m.failed = 0;
	put(fx->st, ms, &l.m);
	assert_int_equal(l.m.id, 0);
	assert_string_equal(
	    raw_text(db, "SELECT count(*) FROM message", buf, sizeof(buf)),
	    "0");
	assert_string_equal(
	    raw_text(db, "SELECT count(*) FROM message_rcpt", buf, sizeof(buf)),
	    "0");
	sqlite3_close(db);
	lc_msg_clear(&l.m);
	message_store_free(ms);
}

/*
 * Issue 14: addresses are JSON-escaped with their plain bytes copied 8
 * at a time: each byte that needs escaping ('"', '\\', a control byte,
 * 0x7f) at every place of a 8-byte step, and bytes from 0x80 on (UTF-8,
 * plain), come back as they were and the array stays valid JSON.
 */
static void
message_store__escapes_at_every_offset__read_back_as_written(void **state)
{
	static const char special[] = { '"', '\\', 0x01, 0x1f, 0x7f };
	struct db_fixture *fx = *state;
	char err[BS_ERRLEN], buf[64], want[105][LC_ADDR_MAX];
	struct message_store *ms;
	struct lc_rcpt rs[105];
	struct loaded l;
	struct lc_msg m;
	sqlite3 *db;
	size_t i, j, n = 0;

	for (i = 0; i < sizeof(special); i++)
		for (j = 0; j < 21; j++, n++) {
			/* 21 letters, then a domain with a UTF-8 letter;
			 * letter j is the special byte */
			snprintf(want[n], sizeof(want[n]),
			    "%02zu%019d@\xc3\xa9.example", n, 0);
			memset(want[n] + 2, 'a', 19);
			want[n][j] = special[i];
			rcpt(&rs[n], want[n], "gmail", BS_STATUS_DEFERRED,
			    BS_CLASS_RATE_LIMITED, 421, T0, T0);
		}
	msg(&m, rs, n);
	ms = message_store_new(fx->st, MSG_ADDR_YES, MSG_RECORDS_ALL, err);
	assert_non_null(ms);
	put(fx->st, ms, &m);
	lc_msg_clear(&m);
	db = raw_open_path(fx->path);
	assert_string_equal(raw_text(db,
				"SELECT json_valid(rcpts) || ' ' ||"
				" json_array_length(rcpts) FROM message",
				buf, sizeof(buf)),
	    "1 105");
	sqlite3_close(db);
	memset(&l, 0, sizeof(l));
	assert_int_equal(message_store_load_open(ms, 10, take, &l), 1);
	assert_int_equal(l.m.nr, n);
	/* stored in address order: find each */
	for (i = 0; i < n; i++) {
		for (j = 0; j < l.m.nr; j++)
			if (strcmp(l.m.r[j].addr, want[i]) == 0)
				break;
		assert_true(j < l.m.nr);
	}
	lc_msg_clear(&l.m);
	message_store_free(ms);
}

/*
 * Issue 14: the 16-row INSERT binds a row's state only when it differs
 * from the one bound at that place before, and the texts with their
 * lengths: 40 messages (two full statements and 8 single rows) of
 * states in a pattern that both repeats and changes at each place, and
 * senders, clients and message-ids of every length, are stored as given.
 */
static void
message_store__many_rows__states_and_texts_as_given(void **state)
{
	static const enum lc_state st[] = { LC_S_QUEUED, LC_S_DEFERRED,
		LC_S_BOUNCED, LC_S_DEFERRED, LC_S_EXPIRED };
	struct db_fixture *fx = *state;
	char err[BS_ERRLEN], buf[4096], want[4096], one[512];
	struct message_store *ms;
	struct lc_ops ops;
	struct lc_rcpt r;
	struct lc_msg m;
	sqlite3 *db;
	size_t i, w = 0;

	ms = message_store_new(fx->st, MSG_ADDR_YES, MSG_RECORDS_ALL, err);
	assert_non_null(ms);
	message_store_ops(ms, &ops);
	rcpt(&r, "u@a.example", "gmail", BS_STATUS_DEFERRED,
	    BS_CLASS_RATE_LIMITED, 421, T0, T0);
	assert_int_equal(store_begin(fx->st), 0);
	want[0] = '\0';
	for (i = 0; i < 40; i++) {
		msg(&m, &r, 1);
		m.state = (uint8_t)st[(i / 3 + i) % 5];
		snprintf(m.sender, sizeof(m.sender), "%.*s@s.example",
		    (int)(i % 23), "abcdefghijklmnopqrstuvw");
		snprintf(m.client, sizeof(m.client), "c%zu.example[%.*s]", i,
		    (int)(i % 9), "192.0.2.9");
		snprintf(m.message_id, sizeof(m.message_id), "<%zu.%.*s>", i,
		    (int)(i % 31), "0123456789012345678901234567890");
		assert_int_equal(ops.put(ops.arg, &m), 0);
		snprintf(one, sizeof(one), "%s%s %s %s %s", i > 0 ? ";" : "",
		    lc_state_name((enum lc_state)m.state), m.sender, m.client,
		    m.message_id);
		memcpy(want + w, one, strlen(one) + 1);
		w += strlen(one);
		lc_msg_clear(&m);
	}
	assert_int_equal(message_store_sync(ms), 0);
	assert_int_equal(store_commit(fx->st), 0);
	db = raw_open_path(fx->path);
	assert_string_equal(raw_text(db,
				"SELECT group_concat(state || ' ' || sender ||"
				" ' ' || client || ' ' || message_id, ';')"
				" FROM (SELECT * FROM message ORDER BY id)",
				buf, sizeof(buf)),
	    want);
	sqlite3_close(db);
	message_store_free(ms);
}

/*
 * Issue 14: put in two halves (message_store_plan() on the join's
 * thread, message_store_write() on the writer's, each with a store of
 * its own): new messages get handles, then row ids as put gives them
 * (the table's largest + 1, again after a delete of the largest);
 * later puts by handle update or delete those rows, through the
 * writer's map of handles (grown past its first 256 slots, emptied of
 * final messages, so that a handle of one is unknown after).
 */
static void
message_store__plan_and_write__handles_map_to_row_ids(void **state)
{
	struct db_fixture *fx = *state;
	char err[BS_ERRLEN], buf[256];
	struct message_store *rs, *ws;
	static struct lc_msg m[600];
	struct lc_rcpt r;
	enum msg_act act;
	int64_t id;
	sqlite3 *db;
	size_t i;

	rs = message_store_new(fx->st, MSG_ADDR_YES, MSG_RECORDS_FAILED, err);
	ws = message_store_new(fx->st, MSG_ADDR_YES, MSG_RECORDS_FAILED, err);
	assert_non_null(rs);
	assert_non_null(ws);
	rcpt(&r, "u@a.example", "gmail", BS_STATUS_DEFERRED,
	    BS_CLASS_RATE_LIMITED, 421, T0, T0);
	assert_int_equal(store_begin(fx->st), 0);
	for (i = 0; i < 600; i++) {
		msg(&m[i], &r, 1);
		m[i].size = (int64_t)i;
		assert_int_equal(message_store_plan(rs, &m[i], &act, &id), 0);
		assert_int_equal(act, MSG_ACT_INSERT);
		assert_true(id < 0);
		assert_int_equal(m[i].id, id);
		assert_int_equal(message_store_write(ws, &m[i], act, id), 0);
	}
	assert_int_equal(message_store_sync(ws), 0);
	assert_int_equal(store_commit(fx->st), 0);

	assert_int_equal(store_begin(fx->st), 0);
	for (i = 0; i < 600; i++) {
		if (i % 3 == 0) /* ends well: deleted */
			m[i].final = T0 + 50, m[i].failed = 0;
		else if (i % 3 == 1) /* ends failed: updated, final */
			m[i].final = T0 + 60, m[i].state = LC_S_BOUNCED;
		else /* open, updated */
			m[i].size = (int64_t)i + 1000;
		assert_int_equal(message_store_plan(rs, &m[i], &act, &id), 0);
		assert_int_equal(
		    act, i % 3 == 0 ? MSG_ACT_DELETE : MSG_ACT_UPDATE);
		assert_int_equal(message_store_write(ws, &m[i], act, id), 0);
	}
	/* message 599 (row 600, the largest) ends well too: a new message
	 * then gets row 600 again, as put gives it */
	m[599].final = T0 + 70;
	m[599].failed = 0;
	assert_int_equal(message_store_plan(rs, &m[599], &act, &id), 0);
	assert_int_equal(act, MSG_ACT_DELETE);
	assert_int_equal(message_store_write(ws, &m[599], act, id), 0);
	lc_msg_clear(&m[0]);
	msg(&m[0], &r, 1);
	m[0].size = 5;
	assert_int_equal(message_store_plan(rs, &m[0], &act, &id), 0);
	assert_int_equal(message_store_write(ws, &m[0], act, id), 0);
	assert_int_equal(message_store_sync(ws), 0);
	assert_int_equal(store_commit(fx->st), 0);
	db = raw_open_path(fx->path);
	assert_string_equal(raw_text(db,
				"SELECT count(*) || ' ' || sum(final != 0) ||"
				" ' ' || sum(size >= 1000) || ' ' || max(id) ||"
				" ' ' || sum(id % 3 = 1) || ' ' ||"
				" (SELECT size FROM message WHERE id = 600)"
				" FROM message",
				buf, sizeof(buf)),
	    "400 200 199 600 0 5");
	sqlite3_close(db);

	/* a final message's handle is forgotten */
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(
	    message_store_write(ws, &m[1], MSG_ACT_UPDATE, -2), -1);
	assert_int_equal(store_rollback(fx->st), 0);
	for (i = 0; i < 600; i++)
		lc_msg_clear(&m[i]);
	message_store_free(rs);
	message_store_free(ws);
}

static void
message_store__domain_form__two_rcpts_alike_the_later_kept(void **state)
{
	struct db_fixture *fx = *state;
	char err[BS_ERRLEN], buf[1024];
	struct message_store *ms;
	struct lc_rcpt rs[3];
	struct lc_msg m;
	sqlite3 *db;

	rcpt(&rs[0], "x@a.example", "gmail", BS_STATUS_DEFERRED,
	    BS_CLASS_RATE_LIMITED, 421, T0 + 1, T0 + 1);
	rcpt(&rs[1], "z@b.example", "b.example", BS_STATUS_BOUNCED,
	    BS_CLASS_USER_UNKNOWN, 550, T0 + 2, T0 + 2);
	rcpt(&rs[2], "y@a.example", "gmail", BS_STATUS_SENT, BS_CLASS_NONE, 250,
	    T0 + 3, T0 + 3);
	msg(&m, rs, 3);
	ms = message_store_new(fx->st, MSG_ADDR_DOMAIN, MSG_RECORDS_ALL, err);
	assert_non_null(ms);
	put(fx->st, ms, &m);
	db = raw_open_path(fx->path);
	assert_string_equal(raw_text(db, RCPTS_OF(1), buf, sizeof(buf)),
	    "@a.example|a.example|gmail|mx.gmail|smtp|sent|none|250|2|3|3;"
	    "@b.example|b.example|b.example|mx.b.example|smtp|bounced|"
	    "user_unknown|550|2|2|2");
	assert_string_equal(
	    raw_text(db, "SELECT sender FROM message", buf, sizeof(buf)),
	    "@shop.example");
	sqlite3_close(db);
	lc_msg_clear(&m);
	message_store_free(ms);
}

static void
migration_0011__version_10_rcpt_rows__packed_in_order(void **state)
{
	struct db_fixture *fx = *state;
	char err[BS_ERRLEN], buf[1024];
	struct message_store *ms;
	struct loaded l;
	sqlite3 *db;

	/* back to version 10: the recipient table, no rcpts column */
	store_close(fx->st);
	fx->st = NULL;
	db = raw_open_path(fx->path);
	raw_exec(db,
	    RAW_UNDO_0012
	    "DROP VIEW message_rcpt; DROP VIEW message_v; DROP TABLE message;"
	    "CREATE TABLE message (id INTEGER PRIMARY KEY,"
	    " mta INTEGER NOT NULL, host INTEGER NOT NULL,"
	    " instance INTEGER NOT NULL, queue_id TEXT NOT NULL,"
	    " first INTEGER NOT NULL, last INTEGER NOT NULL,"
	    " final INTEGER NOT NULL, state TEXT NOT NULL,"
	    " sender TEXT NOT NULL, sender_domain INTEGER NOT NULL,"
	    " sasl_user INTEGER NOT NULL, client INTEGER NOT NULL,"
	    " message_id TEXT NOT NULL, size INTEGER NOT NULL,"
	    " nrcpt INTEGER NOT NULL, failed INTEGER NOT NULL,"
	    " flags INTEGER NOT NULL) STRICT;"
	    "CREATE INDEX message_qid ON message (queue_id);"
	    "CREATE INDEX message_open ON message (final) WHERE final = 0;"
	    "CREATE VIEW message_v AS SELECT m.id, i.s AS instance,"
	    " c.s AS client FROM message m JOIN name i ON i.id = m.instance"
	    " JOIN name c ON c.id = m.client;"
	    "CREATE TABLE message_rcpt (message INTEGER NOT NULL,"
	    " rcpt TEXT NOT NULL, domain INTEGER NOT NULL,"
	    " provider INTEGER NOT NULL, relay INTEGER NOT NULL,"
	    " transport INTEGER NOT NULL, status TEXT NOT NULL,"
	    " class TEXT NOT NULL, code INTEGER NOT NULL,"
	    " attempts INTEGER NOT NULL, first INTEGER NOT NULL,"
	    " last INTEGER NOT NULL, PRIMARY KEY (message, rcpt))"
	    " STRICT, WITHOUT ROWID;"
	    "INSERT OR IGNORE INTO name (s) VALUES ('a.example'), ('gmail'),"
	    " ('mx.gmail'), ('smtp'), ('c.example[192.0.2.9]');"
	    "INSERT INTO message (id, mta, host, instance, queue_id, first,"
	    " last, final, state, sender, sender_domain, sasl_user, client,"
	    " message_id, size, nrcpt, failed, flags) VALUES"
	    " (7, 0, 0, 0, 'Q1', 1763805600, 1763805609, 0, 'deferred',"
	    " 's@x', 0, 0, (SELECT id FROM name WHERE s ="
	    " 'c.example[192.0.2.9]'), '', -1, 2, 1, 3),"
	    " (8, 0, 0, 0, 'Q2', 1763805600, 1763805600, 1763805600, 'sent',"
	    " 's@x', 0, 0, 0, '', -1, 0, 0, 3);"
	    "INSERT INTO message_rcpt SELECT 7, a, d.id, p.id, rl.id, t.id,"
	    " st, cl, code, att, f, l FROM (SELECT 'zz@a.example' AS a,"
	    " 'deferred' AS st, 'rate_limited' AS cl, 421 AS code, 3 AS att,"
	    " 1763805601 AS f, 1763805609 AS l UNION ALL SELECT"
	    " 'a\"b@a.example', 'sent', 'none', 250, 1, 1763805602,"
	    " 1763805602), name d, name p, name rl, name t"
	    " WHERE d.s = 'a.example' AND p.s = 'gmail' AND rl.s = 'mx.gmail'"
	    " AND t.s = 'smtp';" RAW_UNDO_0013 "PRAGMA user_version = 10;");
	sqlite3_close(db);

	fx->st = store_open(fx->path, 0, err);
	assert_non_null(fx->st);
	db = raw_open_path(fx->path);
	assert_string_equal(
	    raw_text(db, "PRAGMA user_version", buf, sizeof(buf)), "15");
	assert_string_equal(raw_text(db, RCPTS_OF(7), buf, sizeof(buf)),
	    "a\"b@a.example|a.example|gmail|mx.gmail|smtp|sent|none|250|1|2|2;"
	    "zz@a.example|a.example|gmail|mx.gmail|smtp|deferred|"
	    "rate_limited|421|3|1|9");
	assert_string_equal(raw_text(db,
				"SELECT rcpts FROM message WHERE"
				" id = 8",
				buf, sizeof(buf)),
	    "[]");
	assert_string_equal(raw_text(db,
				"SELECT group_concat(id || ':' || client ||"
				" ':' || instance, ' ') FROM message_v",
				buf, sizeof(buf)),
	    "7:c.example[192.0.2.9]: 8::");
	assert_string_equal(raw_text(db,
				"SELECT count(*) FROM sqlite_schema WHERE"
				" type = 'table' AND name = 'message_rcpt'",
				buf, sizeof(buf)),
	    "0");
	sqlite3_close(db);

	ms = message_store_new(fx->st, MSG_ADDR_YES, MSG_RECORDS_ALL, err);
	assert_non_null(ms);
	memset(&l, 0, sizeof(l));
	assert_int_equal(message_store_load_open(ms, 10, take, &l), 1);
	assert_int_equal(l.m.id, 7);
	assert_string_equal(l.m.client, "c.example[192.0.2.9]");
	assert_int_equal(l.m.nr, 2);
	assert_string_equal(l.m.r[0].addr, "a\"b@a.example");
	assert_int_equal(l.m.r[1].attempts, 3);
	assert_int_equal(l.m.r[1].last, 1763805609);
	lc_msg_clear(&l.m);
	message_store_free(ms);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    message_store__three_rcpts__one_row_sorted_escaped_and_read_back,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    message_store__domain_form__two_rcpts_alike_the_later_kept,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    message_store__escapes_at_every_offset__read_back_as_written,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    message_store__many_rows__states_and_texts_as_given, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    message_store__plan_and_write__handles_map_to_row_ids,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    migration_0011__version_10_rcpt_rows__packed_in_order,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
