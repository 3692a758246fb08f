/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The storage layer (see store.h): one SQLite connection per store, its
 * statements prepared once (sqlite3_prepare_v3, persistent) and finalized
 * at close, every statement reset and its bindings cleared after each use.
 *
 * Speed comes from doing little per record. store_add() adds the record to
 * two bounded in-memory tables of counts, keyed like count_hour (hour,
 * domain, provider, class, status, code, enhanced, kind) and like
 * count_minute (minute, provider, class, status, kind); a full table, and
 * both at store_commit(), are UPSERTed sorted by key, 64 rows per
 * statement, before COMMIT. Only failures (status != sent) become event
 * rows, buffered and inserted 32 per statement (at the latest before
 * COMMIT or a prune); their strings are interned through bounded
 * in-memory caches in front of the `name` and `reply` tables; `reply`
 * keeps a bounded sample of texts per normalized reply (intern_reply()). Hot
 * statements have their parameter indexes resolved once at prepare time;
 * cold ones bind by name on each use. What each trick gained, measured on
 * a 2M-line Postfix log, is noted where it is done.
 *
 * Invariants: a cached id is known to be committed or to belong to the
 * open transaction, so every rollback clears the caches (SQLite may hand a
 * rolled-back id to a different string). Names are never deleted; replies
 * are deleted only by store_prune_events(), which bumps meta 'reply_gen' so
 * that every other writer drops its reply cache at its next store_begin().
 *
 * Not here: logging, exiting, clocks (callers pass times), SQL built from
 * input text (only integers we own are formatted into SQL: user_version).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "blob.h"
#include "hash.h"
#include "store.h"
#include "store_priv.h"
#include "template.h"

extern const struct bs_blob bs_migrations[];

#define STORE_APPLICATION_ID 1651733620 /* 0x62737474 "bstt" */
#define STORE_BUSY_MS        5000
#define STORE_NAME_MAX       255  /* longer names are cut */
#define STORE_REPLY_MAX      4096 /* longer replies are cut */
#define STORE_QUEUE_ID_MAX   64
#define STORE_COUNT_MAX      (1 << 15) /* keys per count table before a flush */
#define STORE_FLUSH_ROWS     64        /* count rows per multi-row UPSERT */
#define STORE_EVENT_ROWS     32        /* event rows per multi-row INSERT */
#define NAME_CACHE_MAX       16384
#define NAME_CACHE_BYTES     (2 << 20)
#define ADDR_CACHE_MAX       8192
#define ADDR_CACHE_BYTES     (256 << 10)
#define REPLY_CACHE_MAX      8192
#define REPLY_CACHE_BYTES    (4 << 20)
#define STORE_EV_RELAY_V4    8    /* event.flags: relay_ip is a packed IPv4 */
#define REPLY_SAMPLES        8    /* reply rows per sample key */
#define STORE_PAGE_CACHE_KIB 8192 /* PRAGMA cache_size, in KiB */

/*
 * Memory of a writer, whatever it is fed: the page cache (8 MiB), the
 * name cache (2 MiB of strings, 1 MiB of slots), the address cache (256
 * KiB, 0.5 MiB), the reply cache (4 MiB, 0.5 MiB) and the two count
 * tables (2 MiB each): an import peaked at 23.5 MiB on a log made to fill
 * them all (600,000 bounces, every domain, address and reply new). A
 * larger page cache did not make imports faster (inserts touch the right
 * edge of the time-ordered tables); larger count tables help only logs
 * whose keys recur after more than 2^15 others.
 */

enum stmt_id {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_NAME_GET,
	S_NAME_PUT,
	S_REPLY_GET,
	S_REPLY_PUT,
	S_EVENT_PUT,
	S_MINUTE_ADD,
	S_HOUR_ADD,
	S_MINUTE_ADD_MANY,
	S_HOUR_ADD_MANY,
	S_EVENT_PUT_MANY,
	S_POS_PUT,
	S_POS_GET,
	S_META_SET,
	S_META_GET,
	S_META_DEL,
	S_PRUNE_EVENTS,
	S_PRUNE_REPLIES,
	S_PRUNE_MINUTES,
	S_LATE_MARK,
	S_COUNT
};

#define HOUR_KEY   "bucket, domain, provider, class, status, code, enhanced, kind"
#define MINUTE_KEY "bucket, provider, class, status, kind"
#define EVENT_COLS                                                             \
	"t, host, queue_id, domain, relay, relay_ip, provider, mta, status, "  \
	"code, enhanced, dsn, class, rule, dnsbl, listed_ip, stage, flags, "   \
	"reply"
#define HOUR_UPSERT                                                            \
	"INSERT INTO count_hour (" HOUR_KEY ", n) VALUES (:bucket, :domain, "  \
	":provider, :class, :status, :code, :enhanced, :kind, :n) "            \
	"ON CONFLICT (" HOUR_KEY ") DO UPDATE SET n = n + excluded.n"
#define MINUTE_UPSERT                                                          \
	"INSERT INTO count_minute (" MINUTE_KEY ", n) VALUES (:bucket, "       \
	":provider, :class, :status, :kind, :n) "                              \
	"ON CONFLICT (" MINUTE_KEY ") DO UPDATE SET n = n + excluded.n"

static const struct stmt_def {
	const char *name; /* for error messages */
	const char *sql;
	bool write; /* not prepared on read-only stores */
} stmt_defs[S_COUNT] = {
	[S_BEGIN] = { "begin", "BEGIN IMMEDIATE", true },
	[S_COMMIT] = { "commit", "COMMIT", true },
	[S_ROLLBACK] = { "rollback", "ROLLBACK", true },
	[S_NAME_GET] = { "name_get", "SELECT id FROM name WHERE s = :s",
	    false },
	[S_NAME_PUT] = { "name_put",
	    "INSERT INTO name (s) VALUES (:s) ON CONFLICT (s) DO NOTHING",
	    true },
	[S_REPLY_GET] = { "reply_get",
	    "SELECT id, text FROM reply WHERE h = :h", false },
	[S_REPLY_PUT] = { "reply_put",
	    "INSERT INTO reply (h, text) VALUES (:h, :text)", true },
	[S_EVENT_PUT] = { "event_put",
	    "INSERT INTO event (" EVENT_COLS ") VALUES (:t, :host, "
	    ":queue_id, :domain, :relay, :relay_ip, :provider, :mta, :status, "
	    ":code, :enhanced, :dsn, :class, :rule, :dnsbl, :listed_ip, "
	    ":stage, :flags, :reply)",
	    true },
	[S_MINUTE_ADD] = { "count_minute_add", MINUTE_UPSERT, true },
	[S_HOUR_ADD] = { "count_hour_add", HOUR_UPSERT, true },
	/* Built by many_sql() from many_defs[]. */
	[S_MINUTE_ADD_MANY] = { "count_minute_add_many", NULL, true },
	[S_HOUR_ADD_MANY] = { "count_hour_add_many", NULL, true },
	[S_EVENT_PUT_MANY] = { "event_put_many", NULL, true },
	[S_POS_PUT] = { "position_put",
	    "INSERT INTO position (key, path, dev, ino, off, size, fp_head, "
	    "fp_head_len, fp_tail, fp_tail_len, last_event, updated) VALUES "
	    "(:key, :path, :dev, :ino, :off, :size, :fp_head, :fp_head_len, "
	    ":fp_tail, :fp_tail_len, :last_event, :updated) "
	    "ON CONFLICT (key) DO UPDATE SET path = excluded.path, "
	    "dev = excluded.dev, ino = excluded.ino, off = excluded.off, "
	    "size = excluded.size, fp_head = excluded.fp_head, "
	    "fp_head_len = excluded.fp_head_len, fp_tail = excluded.fp_tail, "
	    "fp_tail_len = excluded.fp_tail_len, "
	    "last_event = excluded.last_event, updated = excluded.updated",
	    true },
	[S_POS_GET] = { "position_get",
	    "SELECT key, path, dev, ino, off, size, fp_head, fp_head_len, "
	    "fp_tail, fp_tail_len, last_event, updated FROM position "
	    "WHERE key = :key",
	    false },
	[S_META_SET] = { "meta_set",
	    "INSERT INTO meta (key, value) VALUES (:key, :value) "
	    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	    true },
	[S_META_GET] = { "meta_get", "SELECT value FROM meta WHERE key = :key",
	    false },
	[S_META_DEL] = { "meta_del", "DELETE FROM meta WHERE key = :key",
	    true },
	[S_PRUNE_EVENTS] = { "prune_events",
	    "DELETE FROM event WHERE t < :before", true },
	[S_PRUNE_REPLIES] = { "prune_replies",
	    "DELETE FROM reply WHERE id <> 0 AND id NOT IN "
	    "(SELECT reply FROM event)",
	    true },
	[S_PRUNE_MINUTES] = { "prune_minutes",
	    "DELETE FROM count_minute WHERE bucket < :before", true },
	/*
	 * Results for minutes the detector has already passed (meta
	 * STORE_META_DETECT_UNTIL): remember the oldest in
	 * STORE_META_DETECT_LATE, so that its windows are examined again.
	 */
	[S_LATE_MARK] = { "late_mark",
	    "INSERT INTO meta (key, value) SELECT '" STORE_META_DETECT_LATE
	    "', CAST(:t AS TEXT) WHERE :t < (SELECT CAST(value AS INTEGER) "
	    "FROM meta WHERE key = '" STORE_META_DETECT_UNTIL "') "
	    "ON CONFLICT (key) DO UPDATE SET value = CAST(min(CAST(value AS "
	    "INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)",
	    true },
};

/* Parameters of the hot statements, resolved by name at prepare time. */
enum {
	EV_T,
	EV_HOST,
	EV_QUEUE_ID,
	EV_DOMAIN,
	EV_RELAY,
	EV_RELAY_IP,
	EV_PROVIDER,
	EV_MTA,
	EV_STATUS,
	EV_CODE,
	EV_ENHANCED,
	EV_DSN,
	EV_CLASS,
	EV_RULE,
	EV_DNSBL,
	EV_LISTED_IP,
	EV_STAGE,
	EV_FLAGS,
	EV_REPLY,
	EV_NPARAM
};
static const char *const ev_params[EV_NPARAM] = { ":t", ":host", ":queue_id",
	":domain", ":relay", ":relay_ip", ":provider", ":mta", ":status",
	":code", ":enhanced", ":dsn", ":class", ":rule", ":dnsbl", ":listed_ip",
	":stage", ":flags", ":reply" };

enum {
	CN_BUCKET,
	CN_DOMAIN,
	CN_PROVIDER,
	CN_CLASS,
	CN_STATUS,
	CN_CODE,
	CN_ENHANCED,
	CN_KIND,
	CN_N,
	CN_NPARAM
};
static const char *const cn_params[CN_NPARAM] = { ":bucket", ":domain",
	":provider", ":class", ":status", ":code", ":enhanced", ":kind", ":n" };
/* count_minute has no domain, code or enhanced status. */
static const char *const cn_minute_params[CN_NPARAM] = { ":bucket", NULL,
	":provider", ":class", ":status", NULL, NULL, ":kind", ":n" };

/* A bounded cache of interned strings: bytes -> id. */
struct icache_slot {
	uint64_t h;
	int64_t id;
	char *s; /* NULL: empty slot */
	size_t len;
};

struct icache {
	struct icache_slot *slot;
	size_t mask; /* slots - 1, a power of two minus one */
	size_t n, bytes;
	size_t max_n, max_bytes;
};

/*
 * The key of a count row, packed into three words so that hashing,
 * comparing and sorting it are a few integer operations (ctable_find was
 * 6-9% of an import with the former 48-byte key of eight fields):
 *
 *	bucket	epoch seconds of the minute or hour
 *	names	domain id << 32 | provider id
 *	rest	class << 56 | status << 52 | code << 36 | enhanced id << 4 |
 *		kind
 *
 * class and status are enum values (mapped to their name ids when
 * written), code is 0-999, kind 0-3; name ids are below 2^32 (checked by
 * store_add()). Minute keys leave domain, code and enhanced at 0. The
 * word order follows the tables' primary keys, so sorting keys sorts
 * rows nearly in primary-key order (class and status by enum, not id:
 * only B-tree locality depends on it).
 */
struct ckey {
	int64_t bucket;
	uint64_t names;
	uint64_t rest;
};
_Static_assert(BS_CLASS_COUNT <= 256 && BS_STATUS_COUNT <= 16,
    "struct ckey: class or status does not fit");

#define CKEY_CLS(k)      ((enum bs_class)((k)->rest >> 56))
#define CKEY_STATUS(k)   ((enum bs_status)(((k)->rest >> 52) & 0xf))
#define CKEY_CODE(k)     ((int)(((k)->rest >> 36) & 0x3ff))
#define CKEY_ENHANCED(k) ((int64_t)(((k)->rest >> 4) & 0xffffffff))
#define CKEY_KIND(k)     ((int)((k)->rest & 0xf))
#define CKEY_DOMAIN(k)   ((int64_t)((k)->names >> 32))
#define CKEY_PROVIDER(k) ((int64_t)((k)->names & 0xffffffff))

struct cslot {
	struct ckey k;
	int64_t n; /* 0: empty slot */
};

struct ctable {
	struct cslot *slot;
	size_t cap; /* a power of two */
	size_t n;
};

/*
 * An event row waiting for its multi-row INSERT: the values of the
 * statement's parameters by EV_* index (v[EV_QUEUE_ID] unused; the queue
 * ID is text).
 */
struct evrow {
	int64_t v[EV_NPARAM];
	size_t qlen;
	char qid[STORE_QUEUE_ID_MAX];
};

struct store {
	sqlite3 *db;
	bool readonly;
	bool in_txn;
	sqlite3_stmt *stmt[S_COUNT];
	int ev_idx[EV_NPARAM];
	int minute_idx[CN_NPARAM];
	int hour_idx[CN_NPARAM];
	int minute_many_idx[CN_NPARAM]; /* of row 0; row r: + r * stride */
	int hour_many_idx[CN_NPARAM];
	int ev_many_idx[EV_NPARAM];
	struct evrow ev_rows[STORE_EVENT_ROWS]; /* events not yet written */
	size_t n_ev_rows;
	int64_t status_id[BS_STATUS_COUNT];
	int64_t class_id[BS_CLASS_COUNT];
	int64_t mta_id[BS_MTA_COUNT];
	int64_t reply_gen; /* meta 'reply_gen' when the reply cache was valid */
	struct icache names;
	struct icache addrs; /* names that are IP addresses */
	struct icache replies;
	struct ctable hours;   /* counts of the open transaction, */
	struct ctable minutes; /* not yet written */
	int64_t txn_oldest;    /* oldest result of the open transaction,
				  INT64_MAX when none */
	char err[BS_ERRLEN];
};

/* Error reporting. */

static void errbuf_set(char *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* A message into a caller's BS_ERRLEN buffer, silently truncated. */
static void
errbuf_set(char *errbuf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, BS_ERRLEN, fmt, ap);
	va_end(ap);
}

int
store_failx(struct store *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
	return -1;
}

int
store_fail(struct store *st, const char *what)
{
	if (st->db == NULL)
		return store_failx(st, "%s: out of memory", what);
	return store_failx(st, "%s: %s (extended code %d)", what,
	    sqlite3_errmsg(st->db), sqlite3_extended_errcode(st->db));
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

sqlite3 *
store_db(struct store *st)
{
	return st->db;
}

/* Statements. */

static void
stmt_clear(struct store *st, enum stmt_id id)
{
	sqlite3_reset(st->stmt[id]);
	sqlite3_clear_bindings(st->stmt[id]);
}

static void forget_uncommitted(struct store *);
static int flush_events(struct store *);

/*
 * Records the failure of statement id, then resets it. Some errors
 * (SQLITE_FULL, IOERR, NOMEM) make SQLite roll the whole transaction back
 * by itself: then the store's transaction is over too, so that later adds
 * fail instead of autocommitting one by one. Returns -1.
 */
static int
stmt_fail(struct store *st, enum stmt_id id)
{
	store_fail(st, stmt_defs[id].name);
	stmt_clear(st, id);
	if (st->in_txn && sqlite3_get_autocommit(st->db)) {
		st->in_txn = false;
		forget_uncommitted(st);
	}
	return -1;
}

/* Steps a statement that returns no row; resets it. 0 or -1. */
static int
stmt_exec(struct store *st, enum stmt_id id)
{
	if (sqlite3_step(st->stmt[id]) != SQLITE_DONE)
		return stmt_fail(st, id);
	stmt_clear(st, id);
	return 0;
}

/* Cold-path binding by parameter name; a missing name is a bug. */
static int
bind_index(struct store *st, enum stmt_id id, const char *param)
{
	int i;

	i = sqlite3_bind_parameter_index(st->stmt[id], param);
	if (i == 0)
		store_failx(
		    st, "%s: no parameter %s", stmt_defs[id].name, param);
	return i;
}

static int
bind_int64(struct store *st, enum stmt_id id, const char *param, int64_t v)
{
	int i;

	if ((i = bind_index(st, id, param)) == 0)
		return -1;
	if (sqlite3_bind_int64(st->stmt[id], i, v) != SQLITE_OK)
		return stmt_fail(st, id);
	return 0;
}

static int
bind_text(struct store *st, enum stmt_id id, const char *param, const char *s,
    size_t len)
{
	int i;

	if ((i = bind_index(st, id, param)) == 0)
		return -1;
	if (len > INT_MAX)
		len = INT_MAX;
	if (sqlite3_bind_text(st->stmt[id], i, s != NULL ? s : "", (int)len,
		SQLITE_TRANSIENT) != SQLITE_OK)
		return stmt_fail(st, id);
	return 0;
}

/*
 * Resolves the named parameters of a hot statement into idx[]; a NULL name
 * (a column the statement does not have) gets index 0, never bound.
 */
static int
resolve_params(struct store *st, enum stmt_id id, const char *const *names,
    int *idx, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (names[i] == NULL)
			idx[i] = 0;
		else if ((idx[i] = bind_index(st, id, names[i])) == 0)
			return -1;
	return 0;
}

/*
 * Multi-row statements: the single-row statement's rows repeated, with
 * parameters named ":column_row" (":bucket_0", ...). One statement per 64
 * count rows instead of per row halves the cost of writing counts (2M-line
 * log: 320k rows, 0.28 s -> 0.15 s), one per 32 events takes 40% off
 * inserting them (micro-benchmark): the per-statement work (reset, halt,
 * bindings cleared) is paid once per batch.
 */
static const struct many_def {
	enum stmt_id id;
	const char *head;          /* up to VALUES */
	const char *tail;          /* after the rows */
	const char *const *params; /* of one row; NULL: no such column */
	int nparams;
	int rows;
} many_defs[] = {
	{ S_MINUTE_ADD_MANY,
	    "INSERT INTO count_minute (" MINUTE_KEY ", n) VALUES ",
	    " ON CONFLICT (" MINUTE_KEY ") DO UPDATE SET n = n + excluded.n",
	    cn_minute_params, CN_NPARAM, STORE_FLUSH_ROWS },
	{ S_HOUR_ADD_MANY, "INSERT INTO count_hour (" HOUR_KEY ", n) VALUES ",
	    " ON CONFLICT (" HOUR_KEY ") DO UPDATE SET n = n + excluded.n",
	    cn_params, CN_NPARAM, STORE_FLUSH_ROWS },
	{ S_EVENT_PUT_MANY, "INSERT INTO event (" EVENT_COLS ") VALUES ", "",
	    ev_params, EV_NPARAM, STORE_EVENT_ROWS },
};

static const struct many_def *
many_def(enum stmt_id id)
{
	size_t i;

	for (i = 0; i < sizeof(many_defs) / sizeof(many_defs[0]); i++)
		if (many_defs[i].id == id)
			return &many_defs[i];
	return NULL;
}

/*
 * The SQL of a multi-row statement, built from constants only. Returns a
 * string to free with sqlite3_free(), or NULL when out of memory.
 */
static char *
many_sql(const struct many_def *d)
{
	const char *sep;
	sqlite3_str *q;
	int r, c;

	if ((q = sqlite3_str_new(NULL)) == NULL)
		return NULL;
	sqlite3_str_appendall(q, d->head);
	for (r = 0; r < d->rows; r++) {
		sqlite3_str_appendall(q, r == 0 ? "(" : ", (");
		sep = "";
		for (c = 0; c < d->nparams; c++) {
			if (d->params[c] == NULL)
				continue;
			sqlite3_str_appendf(q, "%s%s_%d", sep, d->params[c], r);
			sep = ", ";
		}
		sqlite3_str_appendall(q, ")");
	}
	sqlite3_str_appendall(q, d->tail);
	return sqlite3_str_finish(q);
}

/*
 * Resolves the parameters of a multi-row statement: idx[c] gets the index
 * of column c in row 0 (0: no such column); row r's are r * stride
 * further, stride being the number of columns. SQLite numbers named
 * parameters in order of first appearance; each expected number is
 * checked against its name (a lookup by name scans them all: 3 ms per
 * open for 1152 of them).
 */
static int
resolve_many(struct store *st, const struct many_def *d, int *idx)
{
	const char *got;
	char name[32];
	int r, c, i = 0;

	for (r = 0; r < d->rows; r++)
		for (c = 0; c < d->nparams; c++) {
			if (r == 0)
				idx[c] = 0;
			if (d->params[c] == NULL)
				continue;
			snprintf(name, sizeof(name), "%s_%d", d->params[c], r);
			got = sqlite3_bind_parameter_name(st->stmt[d->id], ++i);
			if (got == NULL || strcmp(got, name) != 0)
				return store_failx(st, "%s: no parameter %s",
				    stmt_defs[d->id].name, name);
			if (r == 0)
				idx[c] = i;
		}
	return 0;
}

static int
prepare_all(struct store *st)
{
	char *sql;
	int i, rc;

	for (i = 0; i < S_COUNT; i++) {
		if (st->readonly && stmt_defs[i].write)
			continue;
		if (stmt_defs[i].sql != NULL)
			rc = sqlite3_prepare_v3(st->db, stmt_defs[i].sql, -1,
			    SQLITE_PREPARE_PERSISTENT, &st->stmt[i], NULL);
		else if ((sql = many_sql(many_def((enum stmt_id)i))) == NULL)
			return store_failx(
			    st, "%s: out of memory", stmt_defs[i].name);
		else {
			rc = sqlite3_prepare_v3(st->db, sql, -1,
			    SQLITE_PREPARE_PERSISTENT, &st->stmt[i], NULL);
			sqlite3_free(sql);
		}
		if (rc != SQLITE_OK)
			return store_fail(st, stmt_defs[i].name);
	}
	if (st->readonly)
		return 0;
	if (resolve_params(st, S_EVENT_PUT, ev_params, st->ev_idx, EV_NPARAM) ==
		-1 ||
	    resolve_params(st, S_MINUTE_ADD, cn_minute_params, st->minute_idx,
		CN_NPARAM) == -1 ||
	    resolve_params(
		st, S_HOUR_ADD, cn_params, st->hour_idx, CN_NPARAM) == -1 ||
	    resolve_many(
		st, many_def(S_MINUTE_ADD_MANY), st->minute_many_idx) == -1 ||
	    resolve_many(st, many_def(S_HOUR_ADD_MANY), st->hour_many_idx) ==
		-1 ||
	    resolve_many(st, many_def(S_EVENT_PUT_MANY), st->ev_many_idx) == -1)
		return -1;
	return 0;
}

/* Runs one constant statement (a PRAGMA) and reads its first column. */
static int
pragma_get(
    struct store *st, const char *sql, char *buf, size_t len, int64_t *num)
{
	sqlite3_stmt *s;
	const unsigned char *v;
	int rc;

	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		return store_fail(st, sql);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (num != NULL)
			*num = sqlite3_column_int64(s, 0);
		if (buf != NULL) {
			v = sqlite3_column_text(s, 0);
			snprintf(
			    buf, len, "%s", v != NULL ? (const char *)v : "");
		}
	} else if (rc != SQLITE_DONE) {
		store_fail(st, sql);
		sqlite3_finalize(s);
		return -1;
	} else {
		if (num != NULL)
			*num = 0;
		if (buf != NULL && len > 0)
			buf[0] = '\0';
	}
	sqlite3_finalize(s);
	return 0;
}

static int
exec_sql(struct store *st, const char *what, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		store_failx(st, "%s: %s (extended code %d)", what,
		    msg != NULL ? msg : sqlite3_errmsg(st->db),
		    sqlite3_extended_errcode(st->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* The interned-string cache. */

static int
icache_init(struct icache *c, size_t max_n, size_t max_bytes)
{
	size_t slots = 16;

	while (slots < max_n * 2)
		slots <<= 1;
	if ((c->slot = calloc(slots, sizeof(*c->slot))) == NULL)
		return -1;
	c->mask = slots - 1;
	c->n = c->bytes = 0;
	c->max_n = max_n;
	c->max_bytes = max_bytes;
	return 0;
}

static void
icache_clear(struct icache *c)
{
	size_t i;

	if (c->slot == NULL || c->n == 0)
		return;
	for (i = 0; i <= c->mask; i++) {
		free(c->slot[i].s);
		c->slot[i].s = NULL;
	}
	c->n = c->bytes = 0;
}

static void
icache_free(struct icache *c)
{
	icache_clear(c);
	free(c->slot);
	c->slot = NULL;
}

/*
 * The hash of a cached string, 8 bytes per step. (bs_hash64() takes one
 * byte per step; as the cache hash it cost 1.5% of an import.) Reply
 * rows keep bs_hash64() in their h column: that one is computed only on
 * a cache miss.
 */
static uint64_t
icache_hash(const char *s, size_t len)
{
	uint64_t h = (uint64_t)len * UINT64_C(0x9e3779b97f4a7c15), v;

	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&v, s, 8);
		h = (h ^ v) * UINT64_C(0xbf58476d1ce4e5b9);
		h ^= h >> 31;
	}
	for (v = 0; len > 0; len--)
		v = v << 8 | (unsigned char)s[len - 1];
	h = (h ^ v) * UINT64_C(0x94d049bb133111eb);
	return h ^ (h >> 29);
}

/* Returns the id of s, or 0 when s is not cached. */
static int64_t
icache_get(const struct icache *c, uint64_t h, const char *s, size_t len)
{
	size_t i;

	for (i = h & c->mask; c->slot[i].s != NULL; i = (i + 1) & c->mask)
		if (c->slot[i].h == h && c->slot[i].len == len &&
		    memcmp(c->slot[i].s, s, len) == 0)
			return c->slot[i].id;
	return 0;
}

/* Caches s -> id; a full cache is emptied first. Fails only on ENOMEM. */
static int
icache_put(struct icache *c, uint64_t h, const char *s, size_t len, int64_t id)
{
	size_t i;
	char *copy;

	if (c->n + 1 > c->max_n || c->bytes + len > c->max_bytes)
		icache_clear(c);
	if ((copy = malloc(len > 0 ? len : 1)) == NULL)
		return -1;
	memcpy(copy, s, len);
	for (i = h & c->mask; c->slot[i].s != NULL; i = (i + 1) & c->mask)
		;
	c->slot[i].h = h;
	c->slot[i].id = id;
	c->slot[i].s = copy;
	c->slot[i].len = len;
	c->n++;
	c->bytes += len;
	return 0;
}

/* The in-memory count table. */

static uint64_t
ckey_hash(const struct ckey *k)
{
	uint64_t h;

	h = (uint64_t)k->bucket * UINT64_C(0x9e3779b97f4a7c15) ^
	    k->names * UINT64_C(0xc2b2ae3d27d4eb4f) ^
	    k->rest * UINT64_C(0x165667b19e3779f9);
	h ^= h >> 32;
	h *= UINT64_C(0xd6e8feb86659fd93);
	return h ^ (h >> 29);
}

static bool
ckey_eq(const struct ckey *a, const struct ckey *b)
{
	return a->bucket == b->bucket && a->names == b->names &&
	    a->rest == b->rest;
}

/* Key order (see struct ckey): nearly the tables' primary-key order. */
static inline bool
cslot_less(const struct cslot *a, const struct cslot *b)
{
	if (a->k.bucket != b->k.bucket)
		return a->k.bucket < b->k.bucket;
	if (a->k.names != b->k.names)
		return a->k.names < b->k.names;
	return a->k.rest < b->k.rest;
}

#define SORT_RUN 16

/*
 * Sorts a[0..n) by key, using tmp (n slots) as scratch: insertion-sorted
 * runs, then bottom-up merges. O(n log n) whatever the keys; with the
 * comparison inlined it takes 2.5 times fewer instructions than qsort()
 * (which took 3% of an import).
 */
static void
cslot_sort(struct cslot *a, struct cslot *tmp, size_t n)
{
	struct cslot *src = a, *dst = tmp, *t, x;
	size_t lo, i, j, k, mid, hi, w;

	for (lo = 0; lo < n; lo += SORT_RUN) {
		hi = lo + SORT_RUN < n ? lo + SORT_RUN : n;
		for (i = lo + 1; i < hi; i++) {
			x = a[i];
			for (j = i; j > lo && cslot_less(&x, &a[j - 1]); j--)
				a[j] = a[j - 1];
			a[j] = x;
		}
	}
	for (w = SORT_RUN; w < n; w *= 2) {
		for (lo = 0; lo < n; lo += 2 * w) {
			mid = lo + w < n ? lo + w : n;
			hi = lo + 2 * w < n ? lo + 2 * w : n;
			i = lo;
			j = mid;
			for (k = lo; k < hi; k++)
				dst[k] = j >= hi ||
					(i < mid &&
					    !cslot_less(&src[j], &src[i]))
				    ? src[i++]
				    : src[j++];
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

static void
ctable_clear(struct ctable *t)
{
	if (t->n > 0)
		memset(t->slot, 0, t->cap * sizeof(*t->slot));
	t->n = 0;
}

/* The slot of k (hash h) in slot[cap]: its own, or the empty one. */
static struct cslot *
ctable_find(struct cslot *slot, size_t cap, const struct ckey *k, uint64_t h)
{
	size_t i;

	for (i = h & (cap - 1); slot[i].n != 0; i = (i + 1) & (cap - 1))
		if (ckey_eq(&slot[i].k, k))
			break;
	return &slot[i];
}

/*
 * Fetches the slot of a key of hash h into the cache ahead of
 * ctable_add(): the count tables (2 MiB each) miss the CPU caches, and
 * with both prefetched the two misses per delivery overlap (2M-line
 * import: ctable_find 4.5% -> 3.2% of the time).
 */
static void
ctable_prefetch(const struct ctable *t, uint64_t h)
{
	if (t->slot != NULL)
		__builtin_prefetch(&t->slot[h & (t->cap - 1)], 1);
}

/*
 * Adds n to the count of k (hash h). The table holds at most
 * STORE_COUNT_MAX keys (the caller flushes it when full), so it never
 * grows past 2 * STORE_COUNT_MAX slots. Fails only on ENOMEM.
 */
static int
ctable_add(struct ctable *t, const struct ckey *k, uint64_t h, int64_t n)
{
	struct cslot *s, *grown;
	size_t i, cap;

	if (t->slot == NULL || (t->n + 1) * 2 > t->cap) {
		cap = t->cap == 0 ? 1024 : t->cap * 2;
		if ((grown = calloc(cap, sizeof(*grown))) == NULL)
			return -1;
		for (i = 0; i < t->cap; i++)
			if (t->slot[i].n != 0)
				*ctable_find(grown, cap, &t->slot[i].k,
				    ckey_hash(&t->slot[i].k)) = t->slot[i];
		free(t->slot);
		t->slot = grown;
		t->cap = cap;
	}
	s = ctable_find(t->slot, t->cap, k, h);
	if (s->n == 0) {
		s->k = *k;
		t->n++;
	}
	s->n += n;
	return 0;
}

/* Interning. */

/* Looks name s up in the table only. 1 found, 0 not, -1 error. */
static int
name_select(struct store *st, const char *s, size_t len, int64_t *id)
{
	int rc;

	if (bind_text(st, S_NAME_GET, ":s", s, len) == -1)
		return -1;
	rc = sqlite3_step(st->stmt[S_NAME_GET]);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st->stmt[S_NAME_GET], 0);
		stmt_clear(st, S_NAME_GET);
		return 1;
	}
	if (rc != SQLITE_DONE)
		return stmt_fail(st, S_NAME_GET);
	stmt_clear(st, S_NAME_GET);
	return 0;
}

/*
 * Looks up an interned name without creating it: 1 and *id when found
 * (id 0 is the empty string), 0 when never stored, -1 on error (message
 * in store_errmsg()). Works on read-only stores.
 */
int
store_name_lookup(struct store *st, const char *s, size_t len, int64_t *id)
{
	if (len == 0) {
		*id = 0;
		return 1;
	}
	if (len > STORE_NAME_MAX)
		len = STORE_NAME_MAX;
	return name_select(st, s, len, id);
}

/*
 * A name about to be interned: cut to STORE_NAME_MAX, hashed, and its
 * cache slot prefetched, so that the caller can prepare several names
 * and have their cache misses overlap (the three names of each delivery:
 * icache_get 3.9% -> 3.1% of a 2M-line import).
 */
struct name_key {
	const char *s;
	size_t len;
	uint64_t h;
};

static void
name_prep(const struct icache *c, const char *s, size_t len, struct name_key *k)
{
	if (s == NULL)
		len = 0;
	if (len > STORE_NAME_MAX)
		len = STORE_NAME_MAX;
	k->s = s;
	k->len = len;
	k->h = len > 0 ? icache_hash(s, len) : 0;
	if (len > 0)
		__builtin_prefetch(&c->slot[k->h & c->mask]);
}

/*
 * Returns in *id the id of name k (of name_prep() with the same c),
 * inserting it when new, through cache c (st->names or st->addrs). 0 or
 * -1.
 */
static int
intern_key(
    struct store *st, struct icache *c, const struct name_key *k, int64_t *id)
{
	const char *s = k->s;
	size_t len = k->len;
	uint64_t h = k->h;
	int rc;

	if (len == 0) {
		*id = 0;
		return 0;
	}
	if ((*id = icache_get(c, h, s, len)) != 0)
		return 0;
	/*
	 * Insert first, look up only when the name exists: a name missing
	 * from the cache is most often new (relay IPs), and then this is one
	 * statement instead of two.
	 */
	if (bind_text(st, S_NAME_PUT, ":s", s, len) == -1 ||
	    stmt_exec(st, S_NAME_PUT) == -1)
		return -1;
	if (sqlite3_changes(st->db) == 1)
		*id = sqlite3_last_insert_rowid(st->db);
	else if ((rc = name_select(st, s, len, id)) != 1)
		return rc == -1 ? -1
				: store_failx(st, "name_put: not inserted");
	if (icache_put(c, h, s, len, *id) == -1)
		return store_failx(st, "name cache: out of memory");
	return 0;
}

/*
 * Returns in *id the id of name s, inserting it when new, through cache c
 * (st->names or st->addrs). 0 or -1.
 */
static int
intern_in(
    struct store *st, struct icache *c, const char *s, size_t len, int64_t *id)
{
	struct name_key k;

	name_prep(c, s, len, &k);
	return intern_key(st, c, &k, id);
}

static int
intern_name(struct store *st, const char *s, size_t len, int64_t *id)
{
	return intern_in(st, &st->names, s, len, id);
}

static int
intern_span(struct store *st, struct bs_span sp, int64_t *id)
{
	return intern_in(
	    st, &st->names, sp.ptr, sp.ptr != NULL ? sp.len : 0, id);
}

/*
 * An IP address: interned through a cache of its own. Relay addresses
 * are many and seldom repeat; in the cache of the other names they
 * filled it every 20,000 failures, and each time it was emptied the
 * few thousand domains, providers and hosts of the log had to be looked
 * up again (14,000 lookups for a 2M-line log).
 */
static int
intern_addr(struct store *st, struct bs_span sp, int64_t *id)
{
	return intern_in(
	    st, &st->addrs, sp.ptr, sp.ptr != NULL ? sp.len : 0, id);
}

/*
 * The span lower-cased (ASCII) into buf of STORE_NAME_MAX bytes when it
 * has capitals: domain names compare without case (RFC 5321 2.4).
 */
static struct bs_span
lower_span(struct bs_span sp, char *buf)
{
	size_t i, n = sp.ptr != NULL ? sp.len : 0;

	if (n > STORE_NAME_MAX)
		n = STORE_NAME_MAX;
	for (i = 0; i < n; i++)
		if (sp.ptr[i] >= 'A' && sp.ptr[i] <= 'Z')
			break;
	if (i == n)
		return bs_span_make(sp.ptr, n);
	memcpy(buf, sp.ptr, n);
	for (; i < n; i++)
		if (buf[i] >= 'A' && buf[i] <= 'Z')
			buf[i] = (char)(buf[i] - 'A' + 'a');
	return bs_span_make(buf, n);
}

/*
 * The h of a reply row: a hash of its sample key, the
 * reply code, enhanced status and class ids and the text reduced to what
 * the reports group replies by: for unclassified replies the normalized
 * text (template_normalize(), the key of `report --unknown`), for the others
 * their template_reply(). Bit 62 is set, so that it never equals the h of
 * a row written by earlier versions (31 bits of the text's hash): those
 * rows stay valid, are not found again by text, and go with their events.
 */
static int64_t
reply_key(struct store *st, const char *s, size_t len, int code,
    int64_t enhanced, int64_t cls)
{
	char buf[STORE_REPLY_MAX + 1];
	int64_t head[3] = { code, enhanced, cls };
	uint64_t h;
	size_t n;

	if (cls == st->class_id[BS_CLASS_UNKNOWN])
		n = template_normalize(s, len, buf, sizeof(buf));
	else
		n = template_reply(s, len, buf, sizeof(buf));
	h = bs_hash64(BS_HASH_INIT, head, sizeof(head));
	h = bs_hash64(h, buf, n);
	return (int64_t)((h & 0x3fffffffffffffffULL) | (1ULL << 62));
}

/*
 * Returns in *id the id of a reply row for text s of an event with this
 * code, enhanced status and class (name ids): the row of the same text
 * when stored, else a new row while fewer than REPLY_SAMPLES rows share
 * its sample key (reply_key()), else the newest of those. So the table
 * keeps a bounded sample of exact texts per normalized reply instead of
 * every text that differs only by ids and numbers (2M-line log: 36,600
 * rows, 6.8 MB -> 3,500 rows, 0.4 MB): counts stay exact, and every
 * sample shown is a reply really received with the same code, status,
 * class and normalized text.
 */
static int
intern_reply(struct store *st, const char *s, size_t len, int code,
    int64_t enhanced, int64_t cls, int64_t *id)
{
	sqlite3_stmt *q = st->stmt[S_REPLY_GET];
	uint64_t h, kh, th;
	int64_t key, rid, newest = 0;
	size_t tlen;
	char kb[1 + sizeof(int64_t)];
	const void *text;
	int rc, same = 0;

	if (len == 0 || s == NULL) {
		*id = 0;
		return 0;
	}
	if (len > STORE_REPLY_MAX)
		len = STORE_REPLY_MAX;
	h = icache_hash(s, len);
	if ((*id = icache_get(&st->replies, h, s, len)) != 0)
		return 0;
	key = reply_key(st, s, len, code, enhanced, cls);
	/* A full sample key is cached as 0x00 and its 8 bytes (no reply
	 * text starts with a NUL) with the id of its newest sample: a text
	 * with a unique id then costs no SELECT of 8 rows (2M-line import:
	 * 1.08 -> 0.95 s). */
	kb[0] = '\0';
	memcpy(kb + 1, &key, sizeof(key));
	kh = icache_hash(kb, sizeof(kb));
	if ((*id = icache_get(&st->replies, kh, kb, sizeof(kb))) != 0)
		return 0;
	if (bind_int64(st, S_REPLY_GET, ":h", key) == -1)
		return -1;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		rid = sqlite3_column_int64(q, 0);
		text = sqlite3_column_blob(q, 1);
		if ((size_t)sqlite3_column_bytes(q, 1) == len &&
		    memcmp(text, s, len) == 0) {
			*id = rid;
			break;
		}
		/* Cached: once the key is full, they are found no other way. */
		tlen = (size_t)sqlite3_column_bytes(q, 1);
		th = icache_hash(text, tlen);
		if (icache_get(&st->replies, th, text, tlen) == 0 &&
		    icache_put(&st->replies, th, text, tlen, rid) == -1) {
			stmt_clear(st, S_REPLY_GET);
			return store_failx(st, "reply cache: out of memory");
		}
		same++;
		if (rid > newest)
			newest = rid;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return stmt_fail(st, S_REPLY_GET);
	stmt_clear(st, S_REPLY_GET);
	if (*id == 0 && same >= REPLY_SAMPLES) {
		*id = newest;
		if (icache_put(&st->replies, kh, kb, sizeof(kb), newest) == -1)
			return store_failx(st, "reply cache: out of memory");
		return 0;
	}
	if (*id == 0) {
		/* Not cached until seen again: replies carrying message ids
		 * are unique and would only push the repeating ones out. */
		if (bind_int64(st, S_REPLY_PUT, ":h", key) == -1 ||
		    bind_text(st, S_REPLY_PUT, ":text", s, len) == -1 ||
		    stmt_exec(st, S_REPLY_PUT) == -1)
			return -1;
		*id = sqlite3_last_insert_rowid(st->db);
		return 0;
	}
	if (icache_put(&st->replies, h, s, len, *id) == -1)
		return store_failx(st, "reply cache: out of memory");
	return 0;
}

/* Caches the ids of the public vocabularies (one transaction). */
static int
intern_vocab(struct store *st)
{
	const char *s;
	int i;

	if (store_begin(st) == -1)
		return -1;
	for (i = 0; i < BS_STATUS_COUNT; i++) {
		s = bs_status_name((enum bs_status)i);
		if (intern_name(st, s, strlen(s), &st->status_id[i]) == -1)
			goto fail;
	}
	for (i = 0; i < BS_CLASS_COUNT; i++) {
		s = bs_class_name((enum bs_class)i);
		if (intern_name(st, s, strlen(s), &st->class_id[i]) == -1)
			goto fail;
	}
	for (i = 0; i < BS_MTA_COUNT; i++) {
		s = bs_mta_name((enum bs_mta)i);
		if (intern_name(st, s, strlen(s), &st->mta_id[i]) == -1)
			goto fail;
	}
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
}

/* Migrations. */

/* The version of a migration file: its leading digits ("0001_x.sql"). */
static int
migration_version(const char *name)
{
	int v = 0;

	if (name[0] < '0' || name[0] > '9')
		return -1;
	for (; *name >= '0' && *name <= '9'; name++)
		if ((v = v * 10 + (*name - '0')) > 1000000)
			return -1;
	return *name == '_' ? v : -1;
}

/* The number of embedded migrations, checked to be 1..N in order. */
static int
migrations_latest(struct store *st)
{
	int i;

	for (i = 0; bs_migrations[i].name != NULL; i++)
		if (migration_version(bs_migrations[i].name) != i + 1)
			return store_failx(st,
			    "migration %s: expected number %d",
			    bs_migrations[i].name, i + 1);
	return i;
}

static int
check_identity(struct store *st, int64_t version, int latest)
{
	int64_t app = 0, tables = 0;

	if (pragma_get(st, "PRAGMA application_id", NULL, 0, &app) == -1)
		return -1;
	if (app != 0 && app != STORE_APPLICATION_ID)
		return store_failx(st,
		    "not a bouncestat database "
		    "(application_id %lld)",
		    (long long)app);
	if (version > latest)
		return store_failx(st,
		    "database schema version %lld is newer "
		    "than this program's (%d)",
		    (long long)version, latest);
	if (version == 0) {
		if (pragma_get(st, "SELECT count(*) FROM sqlite_schema", NULL,
			0, &tables) == -1)
			return -1;
		if (tables > 0)
			return store_failx(st,
			    "not a bouncestat database "
			    "(tables but no schema version)");
	}
	return 0;
}

/*
 * Applies the migrations newer than user_version in one IMMEDIATE
 * transaction; the version is read again inside it, so two processes
 * opening a new database at once migrate it once.
 */
static int
migrate(struct store *st)
{
	char sql[64];
	int64_t version;
	int latest, i;

	if ((latest = migrations_latest(st)) == -1)
		return -1;
	if (pragma_get(st, "PRAGMA user_version", NULL, 0, &version) == -1)
		return -1;
	if (check_identity(st, version, latest) == -1)
		return -1;
	if (version == latest)
		return 0;
	if (exec_sql(st, "migrate: begin", "BEGIN IMMEDIATE") == -1)
		return -1;
	if (pragma_get(st, "PRAGMA user_version", NULL, 0, &version) == -1 ||
	    check_identity(st, version, latest) == -1)
		goto fail;
	for (i = (int)version; i < latest; i++)
		if (exec_sql(
			st, bs_migrations[i].name, bs_migrations[i].data) == -1)
			goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", latest);
	if (exec_sql(st, "migrate: user_version", sql) == -1 ||
	    exec_sql(st, "migrate: commit", "COMMIT") == -1)
		goto fail;
	return 0;
fail:
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* A read-only store must find the schema this program was built for. */
static int
check_version(struct store *st)
{
	int64_t version;
	int latest;

	if ((latest = migrations_latest(st)) == -1)
		return -1;
	if (pragma_get(st, "PRAGMA user_version", NULL, 0, &version) == -1 ||
	    check_identity(st, version, latest) == -1)
		return -1;
	if (version == 0)
		return store_failx(st, "empty database (no schema yet)");
	if (version < latest)
		return store_failx(st,
		    "database schema version %lld is older "
		    "than this program's (%d): open it "
		    "read-write once (import or daemon) to "
		    "migrate",
		    (long long)version, latest);
	return 0;
}

/* Open and close. */

static int
configure(struct store *st)
{
	char mode[16];
	int on = 1;

	sqlite3_extended_result_codes(st->db, 1);
	if (sqlite3_busy_timeout(st->db, STORE_BUSY_MS) != SQLITE_OK ||
	    sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL) !=
		SQLITE_OK ||
	    sqlite3_db_config(st->db, SQLITE_DBCONFIG_DQS_DML, 0, NULL) !=
		SQLITE_OK ||
	    sqlite3_db_config(st->db, SQLITE_DBCONFIG_DQS_DDL, 0, NULL) !=
		SQLITE_OK ||
	    sqlite3_db_config(
		st->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL) != SQLITE_OK)
		return store_fail(st, "configure");
	if (exec_sql(st, "pragma", "PRAGMA foreign_keys = ON") == -1 ||
	    exec_sql(st, "pragma", "PRAGMA temp_store = MEMORY") == -1)
		return -1;
	if (st->readonly)
		return 0;
	/*
	 * Only a new database takes it (before its first table and WAL):
	 * 8 KiB pages halve the system calls of writing a batch and of
	 * checkpoints; imports ran 5% faster than with 4 KiB, for the same
	 * file size.
	 */
	if (exec_sql(st, "pragma", "PRAGMA page_size = 8192") == -1)
		return -1;
	if (pragma_get(st, "PRAGMA journal_mode = WAL", mode, sizeof(mode),
		NULL) == -1)
		return -1;
	if (strcmp(mode, "wal") != 0)
		return store_failx(
		    st, "journal_mode: WAL refused (mode %s)", mode);
	/* Keep -wal and -shm after the last close, so that readers without
	 * write access to the directory can still open the database. */
	if (sqlite3_file_control(
		st->db, "main", SQLITE_FCNTL_PERSIST_WAL, &on) != SQLITE_OK)
		return store_fail(st, "persist_wal");
	if (exec_sql(st, "pragma", "PRAGMA synchronous = NORMAL") == -1 ||
	    exec_sql(st, "pragma", "PRAGMA journal_size_limit = 67108864") ==
		-1 ||
	    exec_sql(st, "pragma",
		"PRAGMA cache_size = -" STORE_STR(STORE_PAGE_CACHE_KIB)) == -1)
		return -1;
	return 0;
}

static int
read_reply_gen(struct store *st, int64_t *gen)
{
	char buf[32];
	int rc;

	if ((rc = store_meta_get(st, "reply_gen", buf, sizeof(buf))) == -1)
		return -1;
	*gen = rc == 1 ? strtoll(buf, NULL, 10) : 0;
	return 0;
}

/*
 * Opens the database at path: read-write, creating the file if needed
 * (its directory must exist: creating it is the caller's job), or with
 * STORE_READONLY read-only (SQLITE_OPEN_READONLY; no migration, the schema
 * version must match; works while a writer is active thanks to WAL).
 * Sets the pragmas (WAL checked from the answer, synchronous NORMAL,
 * foreign keys, busy timeout, defensive, no double-quoted strings) and
 * migrates. Returns a store the caller frees with store_close(), or NULL
 * with a message in errbuf (BS_ERRLEN bytes).
 */
struct store *
store_open(const char *path, int flags, char *errbuf)
{
	struct store *st;
	int oflags, rc;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		errbuf_set(errbuf, "%s: out of memory", path);
		return NULL;
	}
	st->readonly = (flags & STORE_READONLY) != 0;
	/*
	 * SQLite's memory statistics take a global mutex and update counters
	 * on every allocation; nothing here reads them, and turning them off
	 * made inserting events 8% faster in a micro-benchmark. Process-wide,
	 * and only possible before SQLite initializes: later calls fail
	 * harmlessly.
	 */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	oflags = st->readonly ? SQLITE_OPEN_READONLY
			      : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	oflags |= SQLITE_OPEN_NOMUTEX;
#ifdef SQLITE_OPEN_EXRESCODE
	oflags |= SQLITE_OPEN_EXRESCODE;
#endif
	rc = sqlite3_open_v2(path, &st->db, oflags, NULL);
	if (rc != SQLITE_OK) {
		if (st->db != NULL)
			errbuf_set(errbuf, "%s: %s (extended code %d)", path,
			    sqlite3_errmsg(st->db),
			    sqlite3_extended_errcode(st->db));
		else
			errbuf_set(errbuf, "%s: %s", path, sqlite3_errstr(rc));
		goto fail;
	}
	if (configure(st) == -1 ||
	    (st->readonly ? check_version(st) : migrate(st)) == -1 ||
	    prepare_all(st) == -1)
		goto fail_msg;
	if (!st->readonly) {
		if (icache_init(&st->names, NAME_CACHE_MAX, NAME_CACHE_BYTES) ==
			-1 ||
		    icache_init(&st->addrs, ADDR_CACHE_MAX, ADDR_CACHE_BYTES) ==
			-1 ||
		    icache_init(&st->replies, REPLY_CACHE_MAX,
			REPLY_CACHE_BYTES) == -1) {
			store_failx(st, "out of memory");
			goto fail_msg;
		}
		if (intern_vocab(st) == -1 ||
		    read_reply_gen(st, &st->reply_gen) == -1)
			goto fail_msg;
	}
	return st;
fail_msg:
	errbuf_set(errbuf, "%s: %s", path, st->err);
fail:
	store_close(st);
	return NULL;
}

/*
 * Closes the store; an open transaction is rolled back (uncommitted counts
 * and events are lost, as after a crash). Accepts NULL.
 */
void
store_close(struct store *st)
{
	int i;

	if (st == NULL)
		return;
	if (st->in_txn)
		store_rollback(st);
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	icache_free(&st->names);
	icache_free(&st->addrs);
	icache_free(&st->replies);
	free(st->minutes.slot);
	free(st->hours.slot);
	free(st);
}

/* Transactions. */

static void
forget_uncommitted(struct store *st)
{
	st->n_ev_rows = 0;
	st->txn_oldest = INT64_MAX;
	ctable_clear(&st->minutes);
	ctable_clear(&st->hours);
	icache_clear(&st->names);
	icache_clear(&st->addrs);
	icache_clear(&st->replies);
}

/*
 * Starts a write transaction (BEGIN IMMEDIATE: takes the write lock now,
 * waiting up to the busy timeout). 0, or -1 (message in store_errmsg()),
 * e.g. SQLITE_BUSY when another writer holds the lock that long.
 */
int
store_begin(struct store *st)
{
	int64_t gen;

	if (st->readonly)
		return store_failx(st, "begin: read-only store");
	if (st->in_txn)
		return store_failx(st, "begin: transaction already open");
	if (stmt_exec(st, S_BEGIN) == -1)
		return -1;
	st->in_txn = true;
	st->txn_oldest = INT64_MAX;
	if (read_reply_gen(st, &gen) == -1) {
		store_rollback(st);
		return -1;
	}
	if (gen != st->reply_gen) {
		icache_clear(&st->replies);
		st->reply_gen = gen;
	}
	return 0;
}

/* The number of columns of a row of a multi-row statement. */
static int
many_stride(const struct many_def *d)
{
	int c, n = 0;

	for (c = 0; c < d->nparams; c++)
		n += d->params[c] != NULL;
	return n;
}

/* Binds count row c at parameter indexes idx[] + off. */
static void
bind_count(struct store *st, sqlite3_stmt *s, const int *idx, int off,
    const struct cslot *c)
{
	const struct ckey *k = &c->k;

	sqlite3_bind_int64(s, idx[CN_BUCKET] + off, k->bucket);
	sqlite3_bind_int64(s, idx[CN_PROVIDER] + off, CKEY_PROVIDER(k));
	sqlite3_bind_int64(s, idx[CN_CLASS] + off, st->class_id[CKEY_CLS(k)]);
	sqlite3_bind_int64(
	    s, idx[CN_STATUS] + off, st->status_id[CKEY_STATUS(k)]);
	sqlite3_bind_int(s, idx[CN_KIND] + off, CKEY_KIND(k));
	sqlite3_bind_int64(s, idx[CN_N] + off, c->n);
	if (idx[CN_DOMAIN] == 0)
		return;
	sqlite3_bind_int64(s, idx[CN_DOMAIN] + off, CKEY_DOMAIN(k));
	sqlite3_bind_int(s, idx[CN_CODE] + off, CKEY_CODE(k));
	sqlite3_bind_int64(s, idx[CN_ENHANCED] + off, CKEY_ENHANCED(k));
}

static int64_t
floor_to(int64_t t, int64_t unit)
{
	int64_t r = t % unit;

	return r < 0 ? t - r - unit : t - r;
}

/*
 * UPSERTs the rows of t, in key order (B-tree inserts then touch
 * neighbouring pages), STORE_FLUSH_ROWS at a time with statement many and
 * the rest one by one with one, and empties t. The sort compacts the
 * slots in place, so t is cleared whatever happens.
 */
static int
flush_table(struct store *st, struct ctable *t, enum stmt_id one,
    const int *one_idx, enum stmt_id many, const int *many_idx)
{
	const int stride = many_stride(many_def(many));
	size_t i, r, n = 0;
	int rc = 0;

	if (t->n == 0)
		return 0;
	for (i = 0; i < t->cap; i++)
		if (t->slot[i].n != 0)
			t->slot[n++] = t->slot[i];
	/* ctable_add() keeps n <= cap / 2: the upper half is free. */
	cslot_sort(t->slot, t->slot + n, n);
	for (i = 0; i + STORE_FLUSH_ROWS <= n && rc == 0;
	     i += STORE_FLUSH_ROWS) {
		for (r = 0; r < STORE_FLUSH_ROWS; r++)
			bind_count(st, st->stmt[many], many_idx,
			    (int)r * stride, &t->slot[i + r]);
		rc = stmt_exec(st, many);
	}
	for (; i < n && rc == 0; i++) {
		bind_count(st, st->stmt[one], one_idx, 0, &t->slot[i]);
		rc = stmt_exec(st, one);
	}
	memset(t->slot, 0, t->cap * sizeof(*t->slot));
	t->n = 0;
	return rc;
}

static int
flush_minutes(struct store *st)
{
	return flush_table(st, &st->minutes, S_MINUTE_ADD, st->minute_idx,
	    S_MINUTE_ADD_MANY, st->minute_many_idx);
}

static int
flush_hours(struct store *st)
{
	return flush_table(st, &st->hours, S_HOUR_ADD, st->hour_idx,
	    S_HOUR_ADD_MANY, st->hour_many_idx);
}

/* Writes the in-memory counts; inside the open transaction. */
static int
flush_counts(struct store *st)
{
	if (flush_minutes(st) == -1 || flush_hours(st) == -1) {
		ctable_clear(&st->minutes);
		ctable_clear(&st->hours);
		return -1;
	}
	return 0;
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
	if (bind_int64(st, S_LATE_MARK, ":t", t) == -1)
		return -1;
	return stmt_exec(st, S_LATE_MARK);
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
	if (flush_events(st) == -1 || flush_counts(st) == -1 ||
	    mark_late(st) == -1 || stmt_exec(st, S_COMMIT) == -1) {
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
		rc = stmt_exec(st, S_ROLLBACK);
	st->in_txn = false;
	forget_uncommitted(st);
	return rc;
}

/* Records. */

/* Binds event row e at parameter indexes idx[] + off. */
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
		for (r = 0; r < n; r++)
			bind_event(st->stmt[S_EVENT_PUT_MANY], st->ev_many_idx,
			    (int)r * EV_NPARAM, &st->ev_rows[r]);
		return stmt_exec(st, S_EVENT_PUT_MANY);
	}
	for (r = 0; r < n && rc == 0; r++) {
		bind_event(
		    st->stmt[S_EVENT_PUT], st->ev_idx, 0, &st->ev_rows[r]);
		rc = stmt_exec(st, S_EVENT_PUT);
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
 * Adds the event row of a failure to the buffer (written by
 * flush_events() when full or at commit), its strings interned now.
 */
static int
insert_event(struct store *st, const struct bs_event *ev,
    const struct classify_result *cr, enum bs_status status, enum bs_class cls,
    int64_t domain, int64_t provider, int64_t enhanced)
{
	struct evrow *e = &st->ev_rows[st->n_ev_rows];
	int64_t *v = e->v;
	bool v4;

	v4 = relay_v4(ev->relay_ip, &v[EV_RELAY_IP]) == 1;
	if (intern_span(st, ev->host, &v[EV_HOST]) == -1 ||
	    intern_span(st, ev->relay_host, &v[EV_RELAY]) == -1 ||
	    (!v4 && intern_addr(st, ev->relay_ip, &v[EV_RELAY_IP]) == -1) ||
	    intern_span(st, ev->dsn, &v[EV_DSN]) == -1 ||
	    intern_span(st, ev->stage, &v[EV_STAGE]) == -1 ||
	    intern_reply(st, ev->reply.ptr, ev->reply.len, ev->smtp_code,
		enhanced, st->class_id[cls], &v[EV_REPLY]) == -1)
		return -1;
	if (cr != NULL) {
		if (intern_name(st, cr->rule, cr->rule ? strlen(cr->rule) : 0,
			&v[EV_RULE]) == -1 ||
		    intern_span(st, cr->dnsbl, &v[EV_DNSBL]) == -1 ||
		    intern_addr(st, cr->listed_ip, &v[EV_LISTED_IP]) == -1)
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
	v[EV_QUEUE_ID] = 0;
	if (++st->n_ev_rows == STORE_EVENT_ROWS)
		return flush_events(st);
	return 0;
}

/*
 * Inside a transaction: counts rec in memory (per hour: recipient domain,
 * lower-cased, provider, class, status, code, enhanced status and kind;
 * per minute: provider, class, status and kind), and
 * for a failure (any status but sent) inserts an event row with its
 * strings interned. The record's spans are copied; nothing of rec is kept.
 * Out-of-range enum values count as unknown/none. 0, or -1 with the
 * message in store_errmsg() (the caller should roll back).
 */
int
store_add(struct store *st, const struct store_record *rec)
{
	const struct bs_event *ev = rec->ev;
	const struct classify_result *cr = rec->cr;
	const char *prov = rec->provider != NULL ? rec->provider : "";
	struct ckey kh, km;
	enum bs_status status;
	enum bs_class cls;
	struct name_key kd, kp, ke;
	uint64_t hh, hm;
	struct bs_span dom;
	int64_t domain, provider, enhanced;
	uint64_t code, kind;
	char lower[STORE_NAME_MAX];

	if (!st->in_txn)
		return store_failx(st, "add: no transaction");
	status = (unsigned)ev->status < BS_STATUS_COUNT ? ev->status
							: BS_STATUS_NONE;
	if (cr != NULL && (unsigned)cr->cls < BS_CLASS_COUNT)
		cls = cr->cls;
	else
		cls =
		    status == BS_STATUS_SENT ? BS_CLASS_NONE : BS_CLASS_UNKNOWN;

	dom = lower_span(ev->rcpt_domain, lower);
	name_prep(&st->names, dom.ptr, dom.len, &kd);
	name_prep(&st->names, prov, strlen(prov), &kp);
	name_prep(&st->names, ev->enhanced.ptr, ev->enhanced.len, &ke);
	if (intern_key(st, &st->names, &kd, &domain) == -1 ||
	    intern_key(st, &st->names, &kp, &provider) == -1 ||
	    intern_key(st, &st->names, &ke, &enhanced) == -1)
		return -1;
	/* Four billion names would be needed to break struct ckey. */
	if ((uint64_t)domain > UINT32_MAX || (uint64_t)provider > UINT32_MAX ||
	    (uint64_t)enhanced > UINT32_MAX)
		return store_failx(st, "add: name id out of range");
	code = ev->smtp_code >= 0 && ev->smtp_code <= 999
	    ? (uint64_t)ev->smtp_code
	    : 0;
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
	kh.bucket = floor_to(ev->time, 3600);
	kh.names = (uint64_t)domain << 32 | (uint64_t)provider;
	kh.rest = (uint64_t)cls << 56 | (uint64_t)status << 52 | code << 36 |
	    (uint64_t)enhanced << 4 | kind;
	km.bucket = floor_to(ev->time, 60);
	km.names = (uint64_t)provider;
	km.rest = (uint64_t)cls << 56 | (uint64_t)status << 52 | kind;
	hh = ckey_hash(&kh);
	hm = ckey_hash(&km);
	ctable_prefetch(&st->hours, hh);
	ctable_prefetch(&st->minutes, hm);
	if (ctable_add(&st->hours, &kh, hh, 1) == -1 ||
	    ctable_add(&st->minutes, &km, hm, 1) == -1)
		return store_failx(st, "count table: out of memory");
	/* Bounded tables: a full one is written out, inside the batch. */
	if (st->hours.n >= STORE_COUNT_MAX && flush_hours(st) == -1)
		return -1;
	if (st->minutes.n >= STORE_COUNT_MAX && flush_minutes(st) == -1)
		return -1;

	if (status == BS_STATUS_SENT)
		return 0;
	return insert_event(
	    st, ev, cr, status, cls, domain, provider, enhanced);
}

/* Positions. */

/*
 * Inside a transaction: stores (replaces) the position of pos->key. The
 * strings are copied. 0 or -1.
 */
int
store_put_position(struct store *st, const struct store_position *pos)
{
	const enum stmt_id id = S_POS_PUT;

	if (!st->in_txn)
		return store_failx(st, "put_position: no transaction");
	if (bind_text(st, id, ":key", pos->key, strlen(pos->key)) == -1 ||
	    bind_text(st, id, ":path", pos->path ? pos->path : "",
		pos->path ? strlen(pos->path) : 0) == -1 ||
	    bind_int64(st, id, ":dev", pos->dev) == -1 ||
	    bind_int64(st, id, ":ino", pos->ino) == -1 ||
	    bind_int64(st, id, ":off", pos->offset) == -1 ||
	    bind_int64(st, id, ":size", pos->size) == -1 ||
	    bind_int64(st, id, ":fp_head", (int64_t)pos->fp_head) == -1 ||
	    bind_int64(st, id, ":fp_head_len", pos->fp_head_len) == -1 ||
	    bind_int64(st, id, ":fp_tail", (int64_t)pos->fp_tail) == -1 ||
	    bind_int64(st, id, ":fp_tail_len", pos->fp_tail_len) == -1 ||
	    bind_int64(st, id, ":last_event", pos->last_event) == -1 ||
	    bind_int64(st, id, ":updated", pos->updated) == -1)
		return -1;
	return stmt_exec(st, id);
}

/* Copies column col as a string into *bufp, advancing it. */
static int
copy_column(
    sqlite3_stmt *s, int col, char **bufp, size_t *left, const char **out)
{
	const unsigned char *v = sqlite3_column_text(s, col);
	size_t len = (size_t)sqlite3_column_bytes(s, col);

	if (len + 1 > *left)
		return -1;
	if (len > 0)
		memcpy(*bufp, v, len);
	(*bufp)[len] = '\0';
	*out = *bufp;
	*bufp += len + 1;
	*left -= len + 1;
	return 0;
}

/*
 * Looks up the position of key. Returns 1 and fills *out, whose key and
 * path point into buf (buflen bytes, owned by the caller); 0 when there is
 * none; -1 on error, including a buf too small for the two strings.
 */
int
store_get_position(struct store *st, const char *key,
    struct store_position *out, char *buf, size_t buflen)
{
	const enum stmt_id id = S_POS_GET;
	sqlite3_stmt *s = st->stmt[id];
	int rc;

	if (bind_text(st, id, ":key", key, strlen(key)) == -1)
		return -1;
	if ((rc = sqlite3_step(s)) == SQLITE_DONE) {
		stmt_clear(st, id);
		return 0;
	}
	if (rc != SQLITE_ROW)
		return stmt_fail(st, id);
	memset(out, 0, sizeof(*out));
	if (copy_column(s, 0, &buf, &buflen, &out->key) == -1 ||
	    copy_column(s, 1, &buf, &buflen, &out->path) == -1) {
		stmt_clear(st, id);
		return store_failx(st, "get_position: buffer too small");
	}
	out->dev = sqlite3_column_int64(s, 2);
	out->ino = sqlite3_column_int64(s, 3);
	out->offset = sqlite3_column_int64(s, 4);
	out->size = sqlite3_column_int64(s, 5);
	out->fp_head = (uint64_t)sqlite3_column_int64(s, 6);
	out->fp_head_len = sqlite3_column_int64(s, 7);
	out->fp_tail = (uint64_t)sqlite3_column_int64(s, 8);
	out->fp_tail_len = sqlite3_column_int64(s, 9);
	out->last_event = sqlite3_column_int64(s, 10);
	out->updated = sqlite3_column_int64(s, 11);
	stmt_clear(st, id);
	return 1;
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
	    bind_int64(st, S_PRUNE_EVENTS, ":before", before) == -1 ||
	    stmt_exec(st, S_PRUNE_EVENTS) == -1 ||
	    stmt_exec(st, S_PRUNE_REPLIES) == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0)
		return 0;
	/* Replies were deleted: every writer's cached reply ids may dangle. */
	snprintf(buf, sizeof(buf), "%lld", (long long)st->reply_gen + 1);
	if (store_meta_set(st, "reply_gen", buf) == -1)
		return -1;
	st->reply_gen++;
	icache_clear(&st->replies);
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
	int64_t floor = floor_to(before, 60), old = 0;
	int rc;

	if ((rc = store_meta_get(st, "minute_floor", buf, sizeof(buf))) == -1)
		return -1;
	if (rc == 1)
		old = strtoll(buf, NULL, 10);
	if (floor <= old)
		return 0;
	snprintf(buf, sizeof(buf), "%lld", (long long)floor);
	if (bind_int64(st, S_PRUNE_MINUTES, ":before", floor) == -1 ||
	    stmt_exec(st, S_PRUNE_MINUTES) == -1 ||
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

/* Meta. */

/*
 * Sets key to value (both copied), in the open transaction or on its own
 * (autocommit). 0 or -1.
 */
int
store_meta_set(struct store *st, const char *key, const char *value)
{
	if (st->readonly)
		return store_failx(st, "meta_set: read-only store");
	if (bind_text(st, S_META_SET, ":key", key, strlen(key)) == -1 ||
	    bind_text(st, S_META_SET, ":value", value, strlen(value)) == -1)
		return -1;
	return stmt_exec(st, S_META_SET);
}

/* Deletes key (set or not), in the open transaction or on its own. 0 or
 * -1. */
int
store_meta_del(struct store *st, const char *key)
{
	if (st->readonly)
		return store_failx(st, "meta_del: read-only store");
	if (bind_text(st, S_META_DEL, ":key", key, strlen(key)) == -1)
		return -1;
	return stmt_exec(st, S_META_DEL);
}

/*
 * Copies the value of key into buf (len bytes, NUL-terminated). Returns 1
 * when found, 0 when the key is not set (buf empty), -1 on error or when
 * the value does not fit.
 */
int
store_meta_get(struct store *st, const char *key, char *buf, size_t len)
{
	sqlite3_stmt *s = st->stmt[S_META_GET];
	const unsigned char *v;
	size_t n;
	int rc;

	if (len > 0)
		buf[0] = '\0';
	if (bind_text(st, S_META_GET, ":key", key, strlen(key)) == -1)
		return -1;
	if ((rc = sqlite3_step(s)) == SQLITE_DONE) {
		stmt_clear(st, S_META_GET);
		return 0;
	}
	if (rc != SQLITE_ROW)
		return stmt_fail(st, S_META_GET);
	v = sqlite3_column_text(s, 0);
	n = (size_t)sqlite3_column_bytes(s, 0);
	if (n + 1 > len) {
		stmt_clear(st, S_META_GET);
		return store_failx(st, "meta_get: %s: value too long", key);
	}
	memcpy(buf, v, n);
	buf[n] = '\0';
	stmt_clear(st, S_META_GET);
	return 1;
}
