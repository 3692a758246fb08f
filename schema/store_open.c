/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Opening the store (see store.h): the connection and its pragmas, the
 * schema checked or migrated by PRAGMA user_version from the embedded
 * migrations (schema/migrations/NNNN_*.sql, one IMMEDIATE transaction),
 * and the store's statements, prepared once (persistent) and finalized at
 * close. Hot statements have their parameter indexes resolved here; the
 * multi-row ones are built from constants (many_sql()) and prepared on
 * first use (store_prepare_many()).
 *
 * Not here: SQL built from input text (only integers we own are
 * formatted into SQL: user_version), logging.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "blob.h"
#include "store_impl.h"

extern const struct bs_blob bs_migrations[];
/* The schema of the latest version in one script, generated at build time
 * from the migrations (schema/gen/schema_gen.c): used for new databases. */
extern const struct bs_blob bs_schema_fresh[];

/*
 * The writes of every batch are INSERT OR FAIL: with the default (ABORT)
 * SQLite keeps a statement journal for each multi-row statement (a copy
 * of every page the statement changes, to undo it alone), and OR FAIL
 * with count columns n that may be NULL (migration 0009) needs none. A
 * failed statement fails its whole batch anyway (writer.c rolls back).
 */
#define HOUR_KEY                                                               \
	"bucket, domain, provider, class, status, code, enhanced, kind, host"
#define EVENT_COLS                                                             \
	"t, host, queue_id, domain, relay, relay_ip, provider, mta, status, "  \
	"code, enhanced, dsn, class, rule, dnsbl, listed_ip, stage, flags, "   \
	"reply, instance"
#define HOUR_UPSERT                                                            \
	"INSERT OR FAIL INTO count_hour (" HOUR_KEY                            \
	", n) VALUES (:bucket, :domain, "                                      \
	":provider, :class, :status, :code, :enhanced, :kind, :host, :n) "     \
	"ON CONFLICT (" HOUR_KEY ") DO UPDATE SET n = n + excluded.n"
#define ROLL_UPSERT(table, key, params)                                        \
	"INSERT OR FAIL INTO " table " (" key ", n) VALUES (" params ") "      \
	"ON CONFLICT (" key ") DO UPDATE SET n = n + excluded.n"
#define HOUR_PARAMS                                                            \
	":bucket, :domain, :provider, :class, :status, :code, :enhanced, "     \
	":kind, :host, :n"
#define HCLASS_KEY "bucket, class, status, kind"
/*
 * count_minute_pk (0012): one row per minute, its counts packed
 * (store_count.c); a minute written again is merged (store_minute.c).
 */
#define MINUTE_HEAD                                                            \
	"INSERT OR FAIL INTO count_minute_pk (bucket, counts) VALUES "
#define MINUTE_TAIL                                                            \
	" ON CONFLICT (bucket) DO UPDATE SET "                                 \
	"counts = bs_minute_merge(counts, excluded.counts)"
#define MINUTE_UPSERT MINUTE_HEAD "(:bucket, :counts)" MINUTE_TAIL

static const struct stmt_def {
	const char *name; /* for error messages */
	const char *sql;
	bool write; /* not prepared on read-only stores */
} stmt_defs[S_COUNT] = {
	[S_BEGIN] = { "begin", "BEGIN IMMEDIATE", true },
	[S_COMMIT] = { "commit", "COMMIT", true },
	[S_ROLLBACK] = { "rollback", "ROLLBACK", true },
	[S_DATA_VERSION] = { "data_version", "PRAGMA data_version", true },
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
	    "INSERT OR FAIL INTO event (" EVENT_COLS ") VALUES (:t, :host, "
	    ":queue_id, :domain, :relay, :relay_ip, :provider, :mta, :status, "
	    ":code, :enhanced, :dsn, :class, :rule, :dnsbl, :listed_ip, "
	    ":stage, :flags, :reply, :instance)",
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
	[S_POS_FILE_INO] = { "position_file_ino",
	    "SELECT key, path, dev, ino, off, size, fp_head, fp_head_len, "
	    "fp_tail, fp_tail_len, last_event, updated FROM position "
	    "WHERE dev = :dev AND ino = :ino AND ((key >= 'file:' AND "
	    "key < 'file;') OR (key >= 'rotated:' AND key < 'rotated;')) "
	    "ORDER BY updated DESC LIMIT 1",
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
	    "DELETE FROM count_minute_pk WHERE bucket < :before", true },
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
	[S_DAY_ADD] = { "count_day_add",
	    ROLL_UPSERT("count_day", HOUR_KEY, HOUR_PARAMS), true },
	[S_MONTH_ADD] = { "count_month_add",
	    ROLL_UPSERT("count_month", HOUR_KEY, HOUR_PARAMS), true },
	[S_HCLASS_ADD] = { "count_hour_class_add",
	    ROLL_UPSERT("count_hour_class", HCLASS_KEY,
		":bucket, :class, :status, :kind, :n"),
	    true },
	[S_DAY_ADD_MANY] = { "count_day_add_many", NULL, true },
	[S_MONTH_ADD_MANY] = { "count_month_add_many", NULL, true },
	[S_HCLASS_ADD_MANY] = { "count_hour_class_add_many", NULL, true },
	/* 0015: the hour rows the roll mark passes (store_count.c) */
	[S_HOUR_FOLD] = { "count_hour_fold",
	    "SELECT " HOUR_KEY ", n FROM count_hour "
	    "WHERE bucket >= :lo AND bucket < :hi ORDER BY bucket",
	    true },
};

static const char *const ev_params[EV_NPARAM] = { ":t", ":host", ":queue_id",
	":domain", ":relay", ":relay_ip", ":provider", ":mta", ":status",
	":code", ":enhanced", ":dsn", ":class", ":rule", ":dnsbl", ":listed_ip",
	":stage", ":flags", ":reply", ":instance" };
static const char *const cn_params[CN_NPARAM] = { ":bucket", ":domain",
	":provider", ":class", ":status", ":code", ":enhanced", ":kind",
	":host", ":n" };
/* count_minute_pk: the minute, and its packed counts at CN_N. */
static const char *const cn_minute_params[CN_NPARAM] = { ":bucket", NULL, NULL,
	NULL, NULL, NULL, NULL, NULL, NULL, ":counts" };
/* count_hour_class has no domain, provider, code or enhanced status. */
static const char *const cn_hclass_params[CN_NPARAM] = { ":bucket", NULL, NULL,
	":class", ":status", NULL, NULL, ":kind", NULL, ":n" };

/* A message into a caller's BS_ERRLEN buffer, silently truncated. */
static void
errbuf_set(char *errbuf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, BS_ERRLEN, fmt, ap);
	va_end(ap);
}

/* Statements. */

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
		else if ((idx[i] = sql_param(st, &st->stmt[id], names[i])) == 0)
			return -1;
	return 0;
}

/*
 * Multi-row statements: the single-row statement's rows repeated, with
 * anonymous parameters ("?": row r's column k is r * stride + k + 1).
 * One statement per 64 count rows instead of per row halves the cost of
 * writing counts (2M-line log: 320k rows, 0.28 s -> 0.15 s), one per 32
 * events takes 40% off inserting them (micro-benchmark): the per-statement
 * work (reset, halt, bindings cleared) is paid once per batch. Named
 * parameters (":bucket_0", ...) made SQLite look each up among those
 * before it: 37 of the 54 M instructions of preparing at every open.
 */
static const struct many_def {
	enum stmt_id id;
	const char *head;          /* up to VALUES */
	const char *tail;          /* after the rows */
	const char *const *params; /* of one row; NULL: no such column */
	int nparams;
	int rows;
} many_defs[] = {
	{ S_MINUTE_ADD_MANY, MINUTE_HEAD, MINUTE_TAIL, cn_minute_params,
	    CN_NPARAM, STORE_FLUSH_ROWS },
	{ S_HOUR_ADD_MANY,
	    "INSERT OR FAIL INTO count_hour (" HOUR_KEY ", n) VALUES ",
	    " ON CONFLICT (" HOUR_KEY ") DO UPDATE SET n = n + excluded.n",
	    cn_params, CN_NPARAM, STORE_FLUSH_ROWS },
	{ S_EVENT_PUT_MANY,
	    "INSERT OR FAIL INTO event (" EVENT_COLS ") VALUES ", "", ev_params,
	    EV_NPARAM, STORE_EVENT_ROWS },
	{ S_DAY_ADD_MANY,
	    "INSERT OR FAIL INTO count_day (" HOUR_KEY ", n) VALUES ",
	    " ON CONFLICT (" HOUR_KEY ") DO UPDATE SET n = n + excluded.n",
	    cn_params, CN_NPARAM, STORE_FLUSH_ROWS },
	{ S_MONTH_ADD_MANY,
	    "INSERT OR FAIL INTO count_month (" HOUR_KEY ", n) VALUES ",
	    " ON CONFLICT (" HOUR_KEY ") DO UPDATE SET n = n + excluded.n",
	    cn_params, CN_NPARAM, STORE_FLUSH_ROWS },
	{ S_HCLASS_ADD_MANY,
	    "INSERT OR FAIL INTO count_hour_class (" HCLASS_KEY ", n) VALUES ",
	    " ON CONFLICT (" HCLASS_KEY ") DO UPDATE SET n = n + excluded.n",
	    cn_hclass_params, CN_NPARAM, STORE_FLUSH_ROWS },
};

/* The single-row and multi-row UPSERTs of each rollup, and their columns. */
static const struct {
	enum stmt_id one, many;
	const char *const *params;
} roll_defs[ROLL_COUNT] = {
	[ROLL_DAY] = { S_DAY_ADD, S_DAY_ADD_MANY, cn_params },
	[ROLL_MONTH] = { S_MONTH_ADD, S_MONTH_ADD_MANY, cn_params },
	[ROLL_HCLASS] = { S_HCLASS_ADD, S_HCLASS_ADD_MANY, cn_hclass_params },
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
			sqlite3_str_appendf(q, "%s?", sep);
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
 * further, stride being the number of columns, in the order many_sql()
 * writes them (store_prepare_many() checks their count). Returns the
 * stride.
 */
static int
resolve_many(const struct many_def *d, int *idx)
{
	int c, i = 0;

	for (c = 0; c < d->nparams; c++)
		idx[c] = d->params[c] != NULL ? ++i : 0;
	return i;
}

/*
 * Prepares the multi-row statement id on its first use (a batch to
 * write): most opens (an import of a few lines, a daemon with nothing
 * new, alert, incidents) never fill a batch, and preparing the six of
 * them was 6.6 of the 9.8 M instructions of opening the store. 0, or -1
 * with store_errmsg() set.
 */
int
store_prepare_many(struct store *st, enum stmt_id id)
{
	const struct many_def *d = many_def(id);
	char *sql;
	int rc, c, n = 0;

	if (st->stmt[id].s != NULL)
		return 0;
	if (d == NULL || st->readonly)
		return store_failx(
		    st, "%s: not a multi-row statement", stmt_defs[id].name);
	if ((sql = many_sql(d)) == NULL)
		return store_failx(st, "%s: out of memory", stmt_defs[id].name);
	rc = sql_prepare(st, &st->stmt[id], stmt_defs[id].name, sql, true);
	sqlite3_free(sql);
	if (rc == -1)
		return -1;
	for (c = 0; c < d->nparams; c++)
		n += d->params[c] != NULL;
	if (sqlite3_bind_parameter_count(st->stmt[id].s) != n * d->rows) {
		store_failx(st, "%s: %d parameters, expected %d",
		    stmt_defs[id].name,
		    sqlite3_bind_parameter_count(st->stmt[id].s), n * d->rows);
		sql_finalize(&st->stmt[id]);
		return -1;
	}
	return 0;
}

/* Prepares the store's statements (not the writing ones when read-only). */
static int
prepare_all(struct store *st)
{
	const struct stmt_def *d;
	int i;

	for (i = 0; i < S_COUNT; i++) {
		d = &stmt_defs[i];
		st->stmt[i].name = d->name;
		if (st->readonly && d->write)
			continue;
		/* multi-row ones on first use: store_prepare_many() */
		if (d->sql != NULL &&
		    sql_prepare(st, &st->stmt[i], d->name, d->sql, true) == -1)
			return -1;
	}
	if (st->readonly)
		return 0;
	if (resolve_params(st, S_EVENT_PUT, ev_params, st->ev_idx, EV_NPARAM) ==
		-1 ||
	    resolve_params(st, S_MINUTE_ADD, cn_minute_params, st->minute_idx,
		CN_NPARAM) == -1 ||
	    resolve_params(
		st, S_HOUR_ADD, cn_params, st->hour_idx, CN_NPARAM) == -1 ||
	    (st->minute_stride = resolve_many(
		 many_def(S_MINUTE_ADD_MANY), st->minute_many_idx)) == -1 ||
	    (st->hour_stride = resolve_many(
		 many_def(S_HOUR_ADD_MANY), st->hour_many_idx)) == -1 ||
	    resolve_many(many_def(S_EVENT_PUT_MANY), st->ev_many_idx) !=
		EV_NPARAM)
		return -1;
	for (i = 0; i < ROLL_COUNT; i++)
		if (resolve_params(st, roll_defs[i].one, roll_defs[i].params,
			st->roll_idx[i], CN_NPARAM) == -1 ||
		    (st->roll_stride[i] = resolve_many(
			 many_def(roll_defs[i].many), st->roll_many_idx[i])) ==
			-1)
			return -1;
	return 0;
}

/* Runs one constant statement (a PRAGMA) and reads its first column. */
static int
pragma_get(
    struct store *st, const char *sql, char *buf, size_t len, int64_t *num)
{
	struct sql_stmt q;
	int rc;

	if (sql_prepare(st, &q, sql, sql, false) == -1)
		return -1;
	if ((rc = sql_step(st, &q)) == SQL_ROW) {
		if (num != NULL)
			*num = sql_int64(&q, 0);
		if (buf != NULL)
			snprintf(buf, len, "%s", sql_text(&q, 0, NULL));
	} else if (rc == SQL_DONE) {
		if (num != NULL)
			*num = 0;
		if (buf != NULL && len > 0)
			buf[0] = '\0';
	}
	sql_finalize(&q);
	return rc == -1 ? -1 : 0;
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
	int64_t version = 0;
	int latest, i;

	if ((latest = migrations_latest(st)) == -1)
		return -1;
	if (pragma_get(st, "PRAGMA user_version", NULL, 0, &version) == -1)
		return -1;
	/*
	 * Version 0 is checked only inside the transaction below: out here
	 * the version and the tables are two reads, and another process
	 * creating the database may commit between them (tables but no
	 * version: two imports into a new database at once, fixes6_cli).
	 */
	if (version != 0 && check_identity(st, version, latest) == -1)
		return -1;
	if (version == latest)
		return 0;
	if (sql_run(st, "migrate: begin", "BEGIN IMMEDIATE") == -1)
		return -1;
	if (pragma_get(st, "PRAGMA user_version", NULL, 0, &version) == -1 ||
	    check_identity(st, version, latest) == -1)
		goto fail;
	/* 0009 edits sqlite_schema (writable_schema): not when defensive */
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 0, NULL);
	/*
	 * A new database gets the latest schema in one script: opening it
	 * took 40.5 M instructions with the migrations run one by one, 9.4
	 * M so (startcut, issue 14). The build checked that the script
	 * makes the same schema and rows (golden_schema_fresh too). An older
	 * database is migrated step by step.
	 */
	if (version == 0 && bs_schema_fresh[0].name != NULL &&
	    migration_version(bs_schema_fresh[0].name) == latest) {
		if (sql_run(st, bs_schema_fresh[0].name,
			bs_schema_fresh[0].data) == -1)
			goto fail;
	} else
		for (i = (int)version; i < latest; i++)
			if (sql_run(st, bs_migrations[i].name,
				bs_migrations[i].data) == -1)
				goto fail;
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", latest);
	if (sql_run(st, "migrate: user_version", sql) == -1 ||
	    sql_run(st, "migrate: commit", "COMMIT") == -1)
		goto fail;
	return 0;
fail:
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* A read-only store must find the schema this program was built for. */
static int
check_version(struct store *st)
{
	int64_t version = 0;
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

/*
 * Before anything is written to the file (page size, WAL): a file that
 * is not ours (another program's tables, application_id or a newer
 * schema) is refused unchanged, and with STORE_NO_CREATE one without a
 * schema yet (check_version()'s message). The reads are one read
 * transaction, so a database another process is creating is seen
 * either empty or migrated, never half (migrate() checks again inside
 * its own transaction).
 */
static int
identify(struct store *st)
{
	int64_t version = 0, tables = 0;
	int latest, rc;

	if ((latest = migrations_latest(st)) == -1 ||
	    sql_run(st, "identify: begin", "BEGIN") == -1)
		return -1;
	if (pragma_get(st, "SELECT count(*) FROM sqlite_schema", NULL, 0,
		&tables) == -1 ||
	    pragma_get(st, "PRAGMA user_version", NULL, 0, &version) == -1)
		rc = -1;
	else if (st->no_create && version == 0 && tables == 0)
		rc = store_failx(st, "empty database (no schema yet)");
	else
		rc = check_identity(st, version, latest);
	(void)sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

/*
 * PRAGMA journal_mode = WAL, tried again for up to STORE_BUSY_MS while
 * another process holds the database (SQLite answers BUSY at once here,
 * without the busy handler: two imports creating one new database at
 * once failed with "database is locked").
 */
static int
journal_wal(struct store *st, char *mode, size_t len)
{
	const struct timespec pause = { 0, 10 * 1000 * 1000 };
	int waited;

	for (waited = 0;; waited += 10) {
		if (pragma_get(
			st, "PRAGMA journal_mode = WAL", mode, len, NULL) == 0)
			return 0;
		if ((sqlite3_errcode(st->db) & 0xff) != SQLITE_BUSY ||
		    waited >= STORE_BUSY_MS)
			return -1;
		(void)nanosleep(&pause, NULL);
	}
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
	if (sql_run(st, "pragma", "PRAGMA foreign_keys = ON") == -1 ||
	    sql_run(st, "pragma", "PRAGMA temp_store = MEMORY") == -1)
		return -1;
	if (st->readonly)
		return 0;
	/* Before WAL (which would write to the file and make -wal, -shm). */
	if (identify(st) == -1)
		return -1;
	/*
	 * Only a new database takes it (before its first table and WAL):
	 * 8 KiB pages halve the system calls of writing a batch and of
	 * checkpoints; imports ran 5% faster than with 4 KiB, for the same
	 * file size.
	 */
	if (sql_run(st, "pragma", "PRAGMA page_size = 8192") == -1)
		return -1;
	/* Issue 14: NORMAL already for the switch to WAL, which writes a
	 * new database's first page through a rollback journal (one
	 * fdatasync() less than FULL, SQLite's default). */
	if (sql_run(st, "pragma", "PRAGMA synchronous = NORMAL") == -1)
		return -1;
	if (journal_wal(st, mode, sizeof(mode)) == -1)
		return -1;
	if (strcmp(mode, "wal") != 0)
		return store_failx(
		    st, "journal_mode: WAL refused (mode %s)", mode);
	/* Keep -wal and -shm after the last close, so that readers without
	 * write access to the directory can still open the database. */
	if (sqlite3_file_control(
		st->db, "main", SQLITE_FCNTL_PERSIST_WAL, &on) != SQLITE_OK)
		return store_fail(st, "persist_wal");
	if (sql_run(st, "pragma", "PRAGMA journal_size_limit = 67108864") ==
		-1 ||
	    sql_run(st, "pragma",
		st->bulk
		    ? "PRAGMA cache_size = -" STORE_STR(STORE_BULK_CACHE_KIB)
		    : "PRAGMA cache_size = -" STORE_STR(
			  STORE_PAGE_CACHE_KIB)) == -1)
		return -1;
	/* Issue 14: fewer checkpoints (STORE_CKPT_PAGES); the last close
	 * checkpoints the rest, and journal_size_limit bounds the WAL
	 * file that stays. What is committed, and when, does not change. */
	if (sqlite3_wal_autocheckpoint(st->db, STORE_CKPT_PAGES) != SQLITE_OK)
		return store_fail(st, "wal_autocheckpoint");
	return 0;
}

static struct store *open_store(const char *, int, char *);
#define STORE_OPEN_URI   0x4000 /* private: path is an SQLite URI */
/* The oldest SQLite the queries run on (the JSON operator ->>). */
#define STORE_SQLITE_MIN 3038000

/*
 * The URI of path opened immutable ("file:PATH?immutable=1", the path's
 * '%', '?' and '#' escaped) into buf. 0, or -1 when it does not fit.
 */
static int
immutable_uri(char *buf, size_t len, const char *path)
{
	size_t o = 0;
	int n;

	if ((n = snprintf(buf, len, "file:")) < 0 || (size_t)n >= len)
		return -1;
	for (o = (size_t)n; *path != '\0'; path++) {
		if (o + 4 >= len)
			return -1;
		if (*path == '%' || *path == '?' || *path == '#')
			o += (size_t)snprintf(
			    buf + o, len - o, "%%%02x", (unsigned char)*path);
		else
			buf[o++] = *path;
	}
	if ((n = snprintf(buf + o, len - o, "?immutable=1")) < 0 ||
	    (size_t)n >= len - o)
		return -1;
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
 * with a message in errbuf (BS_ERRLEN bytes). A read-only open that SQLite
 * refuses because the -shm file cannot be made is retried immutable.
 */
struct store *
store_open(const char *path, int flags, char *errbuf)
{
	struct store *st;
	char uri[4200];

	st = open_store(path, flags, errbuf);
	/*
	 * A reader of a WAL database in a directory it cannot write (the
	 * daemon's, read by an admin in group adm while the daemon is
	 * stopped): SQLite cannot create the -shm file and refuses. Such a
	 * reader sees a database nobody writes, so it opens it immutable.
	 */
	if (st == NULL && (flags & STORE_READONLY) &&
	    (strstr(errbuf, "readonly") != NULL ||
		strstr(errbuf, "unable to open") != NULL) &&
	    access(path, R_OK) == 0 &&
	    immutable_uri(uri, sizeof(uri), path) == 0)
		st = open_store(uri, flags | STORE_OPEN_URI, errbuf);
	return st;
}

/* One attempt of store_open(); flags may add STORE_OPEN_URI. */
static struct store *
open_store(const char *path, int flags, char *errbuf)
{
	struct store *st;
	int oflags, rc;

	/*
	 * The message queries read packed recipients with '->>' (schema 11),
	 * which SQLite has from 3.38 on (Debian 12: 3.40.1); CMake asks for
	 * it at build time, this for the library found at run time.
	 */
	if (sqlite3_libversion_number() < STORE_SQLITE_MIN) {
		errbuf_set(errbuf, "SQLite %s is too old (3.38 or later)",
		    sqlite3_libversion());
		return NULL;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		errbuf_set(errbuf, "%s: out of memory", path);
		return NULL;
	}
	st->readonly = (flags & STORE_READONLY) != 0;
	st->bulk = (flags & STORE_BULK) != 0;
	st->no_create = (flags & STORE_NO_CREATE) != 0;
	st->host_id = -1;
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
	if (flags & STORE_OPEN_URI)
		oflags |= SQLITE_OPEN_URI;
	rc = sqlite3_open_v2(path, &st->db, oflags, NULL);
	if (rc != SQLITE_OK) {
		if (st->db != NULL)
			errbuf_set(errbuf, "%s: %s (extended code %d)%s", path,
			    sqlite3_errmsg(st->db),
			    sqlite3_extended_errcode(st->db),
			    store_code_hint(sqlite3_extended_errcode(st->db)));
		else
			errbuf_set(errbuf, "%s: %s", path, sqlite3_errstr(rc));
		goto fail;
	}
	if (configure(st) == -1 ||
	    (st->readonly ? check_version(st) : migrate(st)) == -1 ||
	    (!st->readonly && store_minute_register(st) == -1) ||
	    prepare_all(st) == -1)
		goto fail_msg;
	if (!st->readonly &&
	    (store_intern_open(st) == -1 ||
		store_read_reply_gen(st, &st->reply_gen) == -1 ||
		store_read_data_version(st, &st->data_version) == -1))
		goto fail_msg;
	if (st->bulk && !st->readonly && store_walsync_start(st) == -1)
		goto fail_msg;
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
	store_walsync_stop(st);
	for (i = 0; i < S_COUNT; i++)
		sql_finalize(&st->stmt[i]);
	sqlite3_close(st->db);
	store_intern_close(st);
	store_count_close(st);
	query_cache_free(st->qcache);
	free(st);
}

/* query.c's memo slot (store_priv.h): NULL until a report reads. */
struct query_cache **
store_query_cache(struct store *st)
{
	return &st->qcache;
}
