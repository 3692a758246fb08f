/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The storage layer (see store.h): one SQLite connection per store, its
 * statements prepared once and finalized at close (store_open.c), every
 * statement reset and its bindings cleared after each use (sql.c). This
 * file holds the store's errors, its transactions and its records;
 * interning is in store_intern.c, the in-memory counts in store_count.c,
 * positions and meta in store_pos.c.
 *
 * Speed comes from doing little per record. store_add() interns the
 * record's three key names through in-memory caches, counts it in two
 * bounded in-memory tables (store_count.c), and only for a failure
 * (status != sent) buffers an event row, inserted 32 per statement (at
 * the latest before COMMIT or a prune).
 *
 * Invariants: every rollback, and every transaction SQLite ends by
 * itself (store_txn_check()), forgets the uncommitted counts, buffered
 * events and cached ids (SQLite may hand a rolled-back id to a different
 * string).
 *
 * Not here: logging, exiting, clocks (callers pass times), SQL built from
 * input text.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle.h"
#include "store_impl.h"

/* Errors. */

/* printf-style message into the store's error buffer. Returns -1. */
int
store_failx(struct store *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* See store_priv.h. */
const char *
store_code_hint(int code)
{
	switch (code & 0xff) {
	case SQLITE_CORRUPT:
		return " (a corrupt database is rebuilt from the logs on disk "
		       "by 'bouncestat rebuild')";
	case SQLITE_NOTADB:
		/* Also a mail log named where the database goes: the path
		 * first (rebuild refuses a file that holds text). */
		return " (is that the database's path? a corrupt database is "
		       "rebuilt from the logs on disk by 'bouncestat rebuild')";
	default:
		return "";
	}
}

/*
 * "what: sqlite3_errmsg (extended code N)" from the connection's last
 * error into the store's error buffer, with store_code_hint(). Returns -1.
 */
int
store_fail(struct store *st, const char *what)
{
	int code;

	if (st->db == NULL)
		return store_failx(st, "%s: out of memory", what);
	code = sqlite3_extended_errcode(st->db);
	return store_failx(st, "%s: %s (extended code %d)%s", what,
	    sqlite3_errmsg(st->db), code, store_code_hint(code));
}

/*
 * Returns the message of the last failing call on st: the statement or step
 * that failed, SQLite's message and extended result code. The string is
 * owned by st and valid until its next call.
 */
const char *
store_errmsg(const struct store *st)
{
	if (st == NULL)
		return "no store";
	return st->err;
}

/* The connection of the store (sql.c, query.c, incident.c). */
sqlite3 *
store_db(struct store *st)
{
	return st->db;
}

/* Transactions. */

static int flush_events(struct store *);

static void
forget_uncommitted(struct store *st)
{
	st->n_ev_rows = 0;
	st->txn_oldest = INT64_MAX;
	store_count_forget(st);
	store_intern_forget(st);
}

/*
 * Called after a failed statement (sql_fail()): when SQLite rolled the
 * open transaction back by itself (SQLITE_FULL, IOERR, NOMEM), the
 * store's transaction is over too, so that later adds fail instead of
 * autocommitting one by one.
 */
void
store_txn_check(struct store *st)
{
	if (st->in_txn && sqlite3_get_autocommit(st->db)) {
		st->in_txn = false;
		forget_uncommitted(st);
	}
}

/* The meta 'reply_gen' (0 when not set) into *gen. 0 or -1. */
int
store_read_reply_gen(struct store *st, int64_t *gen)
{
	char buf[32];
	int rc;

	if ((rc = store_meta_get(st, "reply_gen", buf, sizeof(buf))) == -1)
		return -1;
	*gen = rc == 1 ? strtoll(buf, NULL, 10) : 0;
	return 0;
}

/* PRAGMA data_version into *v: it moves when another connection commits
 * (never for this one's own commits). 0 or -1. */
int
store_read_data_version(struct store *st, int64_t *v)
{
	struct sql_stmt *q = &st->stmt[S_DATA_VERSION];

	int rc = sql_step(st, q);

	if (rc != SQL_ROW) {
		sql_reset(q);
		return rc == -1 ? -1 : store_failx(st, "data_version: no row");
	}
	*v = sql_int64(q, 0);
	sql_reset(q);
	return 0;
}

/*
 * Starts a write transaction (BEGIN IMMEDIATE: takes the write lock now,
 * waiting up to the busy timeout). 0, or -1 (message in store_errmsg()),
 * e.g. SQLITE_BUSY when another writer holds the lock that long.
 */
int
store_begin(struct store *st)
{
	int64_t gen, v = 0;

	if (st->readonly)
		return store_failx(st, "begin: read-only store");
	if (st->in_txn)
		return store_failx(st, "begin: transaction already open");
	if (sql_exec(st, &st->stmt[S_BEGIN]) == -1)
		return -1;
	st->in_txn = true;
	st->txn_oldest = INT64_MAX;
	st->mark_known = false; /* the roll mark: read in this transaction */
	if (store_read_data_version(st, &v) == -1 ||
	    store_read_reply_gen(st, &gen) == -1) {
		store_rollback(st);
		return -1;
	}
	if (gen != st->reply_gen) {
		store_intern_forget_replies(st);
		st->reply_gen = gen;
	}
	/* review13: kept until its reader has seen it (store.h), also
	 * across the begins of other uses of this connection between */
	if (v != st->data_version)
		st->elsewhere = true;
	st->data_version = v;
	return 0;
}

/* See store.h. The snapshot is taken by the first read after BEGIN. */
int
store_read_begin(struct store *st)
{
	if (st->in_txn)
		return store_failx(st, "read: transaction already open");
	return sql_run(st, "read begin", "BEGIN DEFERRED");
}

/* See store.h. */
int
store_read_end(struct store *st)
{
	if (st->in_txn || sqlite3_get_autocommit(st->db))
		return 0; /* none open (SQLite may have ended it on an error) */
	return sql_run(st, "read end", "COMMIT");
}

/* See store.h. */
bool
store_changed_elsewhere(const struct store *st)
{
	return st->elsewhere;
}

/* See store.h. */
void
store_elsewhere_seen(struct store *st)
{
	st->elsewhere = false;
}

/*
 * Inside the transaction, before COMMIT: when results of this transaction
 * are older than the detector's resume point, lowers meta
 * STORE_META_DETECT_LATE to the oldest of them (one statement; no row is
 * written when nothing is late). 0 or -1.
 */
static int
mark_late(struct store *st)
{
	int64_t t = st->txn_oldest;

	st->txn_oldest = INT64_MAX;
	if (t == INT64_MAX)
		return 0;
	if (sql_bind_int64(st, &st->stmt[S_LATE_MARK], ":t", t) == -1)
		return -1;
	return sql_exec(st, &st->stmt[S_LATE_MARK]);
}

/*
 * Writes the counts gathered since store_begin() and commits. On failure
 * the whole transaction is rolled back (counts, events, positions: the
 * caller re-reads its input from the last committed position) and -1 is
 * returned with the first error in store_errmsg().
 */
int
store_commit(struct store *st)
{
	char err[BS_ERRLEN];

	if (!st->in_txn)
		return store_failx(st, "commit: no transaction");
	if (flush_events(st) == -1 || store_count_flush(st) == -1 ||
	    mark_late(st) == -1 || sql_exec(st, &st->stmt[S_COMMIT]) == -1) {
		memcpy(err, st->err, sizeof(err));
		store_rollback(st);
		memcpy(st->err, err, sizeof(err));
		return -1;
	}
	st->in_txn = false;
	return 0;
}

/*
 * Rolls the open transaction back and forgets the counts and cached ids it
 * produced. 0, or -1 when ROLLBACK itself failed (the connection then
 * holds no transaction either way once SQLite gives up).
 */
int
store_rollback(struct store *st)
{
	int rc = 0;

	if (st->readonly)
		return store_failx(st, "rollback: read-only store");
	if (!sqlite3_get_autocommit(st->db))
		rc = sql_exec(st, &st->stmt[S_ROLLBACK]);
	st->in_txn = false;
	forget_uncommitted(st);
	return rc;
}

/* Records. */

/*
 * Binds event row e at parameter indexes idx[] + off (resolved and
 * checked at prepare time; the queue ID stays in e until the step).
 */
static void
bind_event(sqlite3_stmt *s, const int *idx, int off, const struct evrow *e)
{
	int c;

	for (c = 0; c < EV_NPARAM; c++)
		if (c == EV_QUEUE_ID)
			sqlite3_bind_text(s, idx[c] + off, e->qid, (int)e->qlen,
			    SQLITE_STATIC);
		else
			sqlite3_bind_int64(s, idx[c] + off, e->v[c]);
}

/*
 * Issue 14: as bind_event() for row r of S_EVENT_PUT_MANY, binding a
 * value only when it differs from the one bound at that parameter
 * before (bindings stay between runs: exec_bound()). Many do (host,
 * mta, status, class, code, dnsbl, stage, flags, ... of the row at the
 * same place in the next statement); a bind costs about 85
 * instructions. The queue ID, bound from e's buffer, is bound always.
 */
static void
bind_event_many(struct store *st, int r, const struct evrow *e)
{
	sqlite3_stmt *s = st->stmt[S_EVENT_PUT_MANY].s;
	int64_t *memo = st->ev_memo + r * EV_NPARAM;
	int c, off = r * EV_NPARAM;

	if (!st->ev_memo_ok) {
		for (c = 0; c < STORE_EVENT_ROWS * EV_NPARAM; c++)
			st->ev_memo[c] = INT64_MIN;
		st->ev_memo_ok = true;
	}
	for (c = 0; c < EV_NPARAM; c++)
		if (c == EV_QUEUE_ID)
			sqlite3_bind_text(s, st->ev_many_idx[c] + off, e->qid,
			    (int)e->qlen, SQLITE_STATIC);
		else if (memo[c] != e->v[c]) {
			memo[c] = e->v[c];
			sqlite3_bind_int64(
			    s, st->ev_many_idx[c] + off, e->v[c]);
		}
}

/*
 * Runs q, whose every parameter bind_event() has bound: reset, bindings
 * not cleared (sqlite3_clear_bindings() walks all 608 of the 32-row
 * statement's). 0 or -1.
 */
static int
exec_bound(struct store *st, struct sql_stmt *q)
{
	if (sqlite3_step(q->s) != SQLITE_DONE)
		return sql_fail(st, q);
	sqlite3_reset(q->s);
	return 0;
}

/*
 * Writes the buffered event rows: one multi-row INSERT when the buffer is
 * full, else row by row. Must run before COMMIT and before anything reads
 * or deletes events or replies in the open transaction.
 */
static int
flush_events(struct store *st)
{
	size_t r, n = st->n_ev_rows;
	int rc = 0;

	st->n_ev_rows = 0;
	if (n == STORE_EVENT_ROWS) {
		if (store_prepare_many(st, S_EVENT_PUT_MANY) == -1)
			return -1;
		for (r = 0; r < n; r++)
			bind_event_many(st, (int)r, &st->ev_rows[r]);
		if (exec_bound(st, &st->stmt[S_EVENT_PUT_MANY]) == -1) {
			st->ev_memo_ok = false; /* bindings cleared */
			return -1;
		}
		return 0;
	}
	for (r = 0; r < n && rc == 0; r++) {
		bind_event(
		    st->stmt[S_EVENT_PUT].s, st->ev_idx, 0, &st->ev_rows[r]);
		rc = exec_bound(st, &st->stmt[S_EVENT_PUT]);
	}
	return rc;
}

/*
 * A relay IPv4 address in canonical dotted-quad form (no leading zeros,
 * so that the view prints it back byte-exact) packed into *v as a signed
 * 32-bit value. 1, or 0 for anything else. Relay addresses were 45,000 of
 * the 49,000 names of a 2M-line log and 2 MB of its 15 MB database; in
 * the event row they cost one byte more than a name id.
 */
static int
relay_v4(struct bs_span sp, int64_t *v)
{
	uint32_t ip = 0, oct;
	size_t i = 0, start;
	int dots;

	if (sp.ptr == NULL || sp.len < 7 || sp.len > 15)
		return 0;
	for (dots = 0; dots < 4; dots++) {
		if (dots > 0) {
			if (i >= sp.len || sp.ptr[i] != '.')
				return 0;
			i++;
		}
		for (start = i, oct = 0;
		     i < sp.len && sp.ptr[i] >= '0' && sp.ptr[i] <= '9'; i++)
			oct = oct * 10 + (uint32_t)(sp.ptr[i] - '0');
		if (i == start || i - start > 3 || oct > 255 ||
		    (i - start > 1 && sp.ptr[start] == '0'))
			return 0;
		ip = ip << 8 | oct;
	}
	if (i != sp.len)
		return 0;
	*v = (int64_t)(int32_t)ip;
	return 1;
}

/*
 * trial12: the event's Postfix instance, the syslog name before '/'
 * (lifecycle_instance()), interned into *id; 0 for the other MTAs and a
 * line without a program. The default "postfix" is the MTA's name id,
 * known without a lookup.
 */
static int
event_instance(struct store *st, const struct bs_event *ev, int64_t *id)
{
	struct bs_span in;

	*id = 0;
	if (ev->mta != BS_MTA_POSTFIX || ev->program.ptr == NULL ||
	    ev->program.len == 0)
		return 0;
	in = lifecycle_instance(ev->mta, ev->program);
	if (in.len == 7 && memcmp(in.ptr, "postfix", 7) == 0) {
		*id = st->mta_id[BS_MTA_POSTFIX];
		return 0;
	}
	return store_intern_span(st, in, id);
}

/*
 * Adds the event row of a failure to the buffer (written by
 * flush_events() when full or at commit), its strings interned now.
 */
static int
insert_event(struct store *st, const struct bs_event *ev,
    const struct classify_result *cr, enum bs_status status, enum bs_class cls,
    int64_t domain, int64_t provider, int64_t enhanced, const char *tmpl,
    size_t tmpl_len)
{
	struct evrow *e = &st->ev_rows[st->n_ev_rows];
	int64_t *v = e->v;
	bool v4;

	v4 = relay_v4(ev->relay_ip, &v[EV_RELAY_IP]) == 1;
	if (store_intern_host(st, ev->host, &v[EV_HOST]) == -1 ||
	    store_intern_span(st, ev->relay_host, &v[EV_RELAY]) == -1 ||
	    (!v4 &&
		store_intern_addr(st, ev->relay_ip, &v[EV_RELAY_IP]) == -1) ||
	    store_intern_span(st, ev->dsn, &v[EV_DSN]) == -1 ||
	    store_intern_span(st, ev->stage, &v[EV_STAGE]) == -1 ||
	    event_instance(st, ev, &v[EV_INSTANCE]) == -1 ||
	    store_intern_reply(st, ev->reply.ptr, ev->reply.len, ev->smtp_code,
		enhanced, st->class_id[cls], tmpl, tmpl_len,
		&v[EV_REPLY]) == -1)
		return -1;
	if (cr != NULL) {
		if (store_intern_name(st, cr->rule,
			cr->rule ? strlen(cr->rule) : 0, &v[EV_RULE]) == -1 ||
		    store_intern_span(st, cr->dnsbl, &v[EV_DNSBL]) == -1 ||
		    store_intern_addr(st, cr->listed_ip, &v[EV_LISTED_IP]) ==
			-1)
			return -1;
	} else
		v[EV_RULE] = v[EV_DNSBL] = v[EV_LISTED_IP] = 0;
	e->qlen = ev->queue_id.ptr != NULL ? ev->queue_id.len : 0;
	if (e->qlen > STORE_QUEUE_ID_MAX)
		e->qlen = STORE_QUEUE_ID_MAX;
	if (e->qlen > 0)
		memcpy(e->qid, ev->queue_id.ptr, e->qlen);
	v[EV_T] = ev->time;
	v[EV_DOMAIN] = domain;
	v[EV_PROVIDER] = provider;
	v[EV_MTA] = st->mta_id[(unsigned)ev->mta < BS_MTA_COUNT ? ev->mta : 0];
	v[EV_STATUS] = st->status_id[status];
	v[EV_CODE] = ev->smtp_code;
	v[EV_ENHANCED] = enhanced;
	v[EV_CLASS] = st->class_id[cls];
	v[EV_FLAGS] =
	    (int64_t)(ev->flags &
		(BS_EVENT_SUSPENDED | BS_EVENT_LOCAL | BS_EVENT_CONNECT)) |
	    (v4 ? STORE_EV_RELAY_V4 : 0);
	/* The usual dsn= is the enhanced status: stored once (0009). */
	if (v[EV_DSN] == enhanced && enhanced != 0) {
		v[EV_DSN] = 0;
		v[EV_FLAGS] |= STORE_EV_DSN_ENH;
	}
	v[EV_QUEUE_ID] = 0;
	if (++st->n_ev_rows == STORE_EVENT_ROWS)
		return flush_events(st);
	return 0;
}

/*
 * Inside a transaction: counts rec in memory (per hour: recipient domain,
 * lower-cased, provider, class, status, code, enhanced status, kind and
 * logging host;
 * per minute: provider, class, status and kind), and
 * for a failure (any status but sent) inserts an event row with its
 * strings interned. The record's spans are copied; nothing of rec is kept.
 * Out-of-range enum values count as unknown/none. 0, or -1 with the
 * message in store_errmsg() (the caller should roll back).
 */
int
store_add(struct store *st, const struct store_record *rec)
{
	return store_add_tmpl(st, rec, NULL, 0);
}

/*
 * store_add_tmpl() with the record's key names through slot (see
 * store_add_slot()), or through the store's own memo (own).
 */
static int
add_rec(struct store *st, const struct store_record *rec, const char *tmpl,
    size_t tmpl_len, bool own, uint32_t slot)
{
	const struct bs_event *ev = rec->ev;
	const struct classify_result *cr = rec->cr;
	const char *prov = rec->provider != NULL ? rec->provider : "";
	enum bs_status status;
	enum bs_class cls;
	int64_t domain, provider, enhanced, host;
	int kind;

	if (!st->in_txn)
		return store_failx(st, "add: no transaction");
	status = (unsigned)ev->status < BS_STATUS_COUNT ? ev->status
							: BS_STATUS_NONE;
	if (cr != NULL && (unsigned)cr->cls < BS_CLASS_COUNT)
		cls = cr->cls;
	else
		cls =
		    status == BS_STATUS_SENT ? BS_CLASS_NONE : BS_CLASS_UNKNOWN;
	if ((own ? store_intern_keys(st, ev->rcpt_domain, prov, ev->enhanced,
		       &domain, &provider, &enhanced)
		 : store_intern_keys_slot(st, slot, ev->rcpt_domain, prov,
		       ev->enhanced, &domain, &provider, &enhanced)) == -1 ||
	    store_intern_host(st, ev->host, &host) == -1)
		return -1;
	/* Four billion names would be needed to break the count keys. */
	if ((uint64_t)domain > UINT32_MAX || (uint64_t)provider > UINT32_MAX ||
	    (uint64_t)enhanced > UINT32_MAX)
		return store_failx(st, "add: name id out of range");
	if (status == BS_STATUS_ATTEMPT)
		kind = STORE_KIND_ATTEMPT;
	else if (ev->flags & BS_EVENT_SUSPENDED)
		kind = STORE_KIND_SUSPENDED;
	else if (ev->flags & BS_EVENT_LOCAL)
		kind = STORE_KIND_LOCAL;
	else
		kind = STORE_KIND_FINAL;
	if (ev->time < st->txn_oldest)
		st->txn_oldest = ev->time;
	if (store_count_add(st, ev->time, cls, status, ev->smtp_code, domain,
		provider, enhanced, kind, host) == -1)
		return -1;
	if (status == BS_STATUS_SENT)
		return 0;
	return insert_event(st, ev, cr, status, cls, domain, provider, enhanced,
	    tmpl, tmpl_len);
}

/* See store.h. */
int
store_add_tmpl(struct store *st, const struct store_record *rec,
    const char *tmpl, size_t tmpl_len)
{
	return add_rec(st, rec, tmpl, tmpl_len, true, 0);
}

/* See store.h. */
int
store_add_slot(struct store *st, const struct store_record *rec,
    const char *tmpl, size_t tmpl_len, uint32_t slot)
{
	return add_rec(st, rec, tmpl, tmpl_len, false, slot);
}

/* Pruning. */

/* Runs fn inside the open transaction, or in one of its own. */
static int
in_transaction(
    struct store *st, int (*fn)(struct store *, int64_t), int64_t arg)
{
	if (st->in_txn)
		return fn(st, arg);
	if (store_begin(st) == -1)
		return -1;
	if (fn(st, arg) == -1) {
		char err[BS_ERRLEN];

		memcpy(err, st->err, sizeof(err));
		store_rollback(st);
		memcpy(st->err, err, sizeof(err));
		return -1;
	}
	return store_commit(st);
}

static int
prune_events(struct store *st, int64_t before)
{
	char buf[32];

	/* Buffered events keep their replies from being pruned. */
	if (flush_events(st) == -1 ||
	    sql_bind_int64(st, &st->stmt[S_PRUNE_EVENTS], ":before", before) ==
		-1 ||
	    sql_exec(st, &st->stmt[S_PRUNE_EVENTS]) == -1 ||
	    sql_exec(st, &st->stmt[S_PRUNE_REPLIES]) == -1)
		return -1;
	if (sql_changes(st) == 0)
		return 0;
	/* Replies were deleted: every writer's cached reply ids may dangle. */
	snprintf(buf, sizeof(buf), "%lld", (long long)st->reply_gen + 1);
	if (store_meta_set(st, "reply_gen", buf) == -1)
		return -1;
	st->reply_gen++;
	store_intern_forget_replies(st);
	return 0;
}

/*
 * Deletes the events older than before (UTC epoch seconds) and the reply
 * texts no remaining event refers to; counts stay. Runs in the open
 * transaction, or in one of its own. 0 or -1.
 */
int
store_prune_events(struct store *st, int64_t before)
{
	if (st->readonly)
		return store_failx(st, "prune: read-only store");
	return in_transaction(st, prune_events, before);
}

static int
prune_minutes(struct store *st, int64_t before)
{
	char buf[32];
	int64_t floor = store_floor(before, 60), old = 0;
	int rc;

	if ((rc = store_meta_get(st, "minute_floor", buf, sizeof(buf))) == -1)
		return -1;
	if (rc == 1)
		old = strtoll(buf, NULL, 10);
	if (floor <= old)
		return 0;
	/* Rows of a full table set aside were written before (issue 14). */
	if (store_count_settle(st) == -1)
		return -1;
	snprintf(buf, sizeof(buf), "%lld", (long long)floor);
	if (sql_bind_int64(st, &st->stmt[S_PRUNE_MINUTES], ":before", floor) ==
		-1 ||
	    sql_exec(st, &st->stmt[S_PRUNE_MINUTES]) == -1 ||
	    store_meta_set(st, "minute_floor", buf) == -1)
		return -1;
	return 0;
}

/*
 * Deletes the per-minute counts older than before (rounded down to a
 * minute); hourly counts stay. Records the new floor in meta
 * 'minute_floor', so that queries use hourly counts before it. Runs in the
 * open transaction, or in one of its own. 0 or -1.
 */
int
store_prune_minutes(struct store *st, int64_t before)
{
	if (st->readonly)
		return store_failx(st, "prune: read-only store");
	return in_transaction(st, prune_minutes, before);
}
