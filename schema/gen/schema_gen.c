/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Build-time tool (startcut, issue 14): the schema a new database gets,
 * as one script generated from the migrations. Running the twelve
 * migrations one by one on a fresh database (table rebuilds, renames,
 * writable_schema) was 40 M instructions of every first open; creating
 * the end result directly is a fraction of that. The migrations stay the
 * one source of truth: this tool applies them as store_open.c's migrate()
 * does, dumps the resulting schema (sqlite_schema's statements in rowid
 * order, then every table's rows and application_id), applies that dump
 * to a second fresh database and compares the two (every sqlite_schema
 * row but rootpage, every row of every table with its rowid, user_version
 * and application_id); any difference fails the build.
 *
 *   schema_gen --c OUT.c VAR MIGRATION.sql...   the script as a C blob
 *   schema_gen --stepwise OUT.db MIGRATION.sql... a database built by the
 *                                               migrations one by one
 *   schema_gen --compare A.db B.db               exit 1 when they differ
 *
 * The blob's name is "NNNN_fresh.sql", NNNN the last migration's number:
 * store_open.c uses it only for a database at version 0 and only when NNNN
 * is its latest version.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("schema_gen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* A growing string. */
struct buf {
	char *p;
	size_t len, cap;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap ? b->cap * 2 : 4096;
		if ((b->p = realloc(b->p, b->cap)) == NULL)
			die("out of memory");
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_fmt(struct buf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		die("format overflow");
	buf_add(b, tmp, (size_t)n);
}

static char *
read_file(const char *path)
{
	struct buf b = { 0 };
	char chunk[8192];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		die("%s: cannot open", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);
	if (b.p == NULL)
		buf_str(&b, "");
	return b.p;
}

static void
exec(sqlite3 *db, const char *what, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		die("%s: %s", what, msg != NULL ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
}

static sqlite3_stmt *
prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return NULL;
	return s;
}

static long long
pragma_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s = prepare(db, sql);
	long long v = 0;

	if (s == NULL)
		die("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static sqlite3 *
open_db(const char *path)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		die("%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
	return db;
}

/* The migrations applied one by one, in one transaction, as migrate(). */
static void
migrate(sqlite3 *db, int n, char **files)
{
	char sql[64];
	char *text;
	int i;

	exec(db, "begin", "BEGIN IMMEDIATE");
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 0, NULL);
	for (i = 0; i < n; i++) {
		text = read_file(files[i]);
		exec(db, files[i], text);
		free(text);
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", n);
	exec(db, "user_version", sql);
	exec(db, "commit", "COMMIT");
}

/* Value c of row s as an SQL literal (exact: no REAL values). */
static void
literal(struct buf *b, sqlite3_stmt *s, int c, const char *table)
{
	const unsigned char *p;
	int i, n;

	switch (sqlite3_column_type(s, c)) {
	case SQLITE_NULL:
		buf_str(b, "NULL");
		break;
	case SQLITE_INTEGER:
		buf_fmt(b, "%lld", (long long)sqlite3_column_int64(s, c));
		break;
	case SQLITE_TEXT:
		p = sqlite3_column_text(s, c);
		n = sqlite3_column_bytes(s, c);
		buf_str(b, "'");
		for (i = 0; i < n; i++) {
			if (p[i] == '\0')
				die("%s: text with NUL: not supported", table);
			buf_add(b, (const char *)p + i, 1);
			if (p[i] == '\'')
				buf_str(b, "'");
		}
		buf_str(b, "'");
		break;
	case SQLITE_BLOB:
		p = sqlite3_column_blob(s, c);
		n = sqlite3_column_bytes(s, c);
		buf_str(b, "X'");
		for (i = 0; i < n; i++)
			buf_fmt(b, "%02x", p[i]);
		buf_str(b, "'");
		break;
	default:
		die("%s: REAL value: not supported", table);
	}
}

/* The rows of a table, rowid first when it has one, in its order. */
static sqlite3_stmt *
table_rows(sqlite3 *db, const char *table, int with_rowid)
{
	char *sql;
	sqlite3_stmt *s;

	sql = sqlite3_mprintf(with_rowid
		? "SELECT rowid, * FROM main.\"%w\" ORDER BY rowid"
		: "SELECT * FROM main.\"%w\"",
	    table);
	if (sql == NULL)
		die("out of memory");
	s = prepare(db, sql);
	sqlite3_free(sql);
	return s;
}

static sqlite3_stmt *
schema_rows(sqlite3 *db)
{
	sqlite3_stmt *s = prepare(db,
	    "SELECT type, name, tbl_name, sql FROM main.sqlite_schema "
	    "ORDER BY rowid");

	if (s == NULL)
		die("sqlite_schema: %s", sqlite3_errmsg(db));
	return s;
}

/* The rows of table name, with its rowid when it has one (*with_rowid). */
static sqlite3_stmt *
rows_of(sqlite3 *db, const char *name, int *with_rowid)
{
	sqlite3_stmt *r;

	*with_rowid = 1;
	if ((r = table_rows(db, name, 1)) == NULL) {
		*with_rowid = 0;
		if ((r = table_rows(db, name, 0)) == NULL)
			die("%s: %s", name, sqlite3_errmsg(db));
	}
	return r;
}

/*
 * A canonical text of a database: versions, sqlite_schema's rows in
 * order (without rootpage), and every table's rows with their rowids.
 */
static char *
canon(sqlite3 *db)
{
	struct buf b = { 0 };
	sqlite3_stmt *s = schema_rows(db), *r;
	int c, n, with_rowid;

	buf_fmt(
	    &b, "user_version %lld\n", pragma_int(db, "PRAGMA user_version"));
	buf_fmt(&b, "application_id %lld\n",
	    pragma_int(db, "PRAGMA application_id"));
	while (sqlite3_step(s) == SQLITE_ROW) {
		for (c = 0; c < 4; c++) {
			literal(&b, s, c, "sqlite_schema");
			buf_str(&b, c < 3 ? "|" : "\n");
		}
	}
	sqlite3_reset(s);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 1);

		if (strcmp((const char *)sqlite3_column_text(s, 0), "table"))
			continue;
		r = rows_of(db, name, &with_rowid);
		buf_str(&b, "table ");
		buf_str(&b, name);
		buf_str(&b, with_rowid ? " rowid\n" : "\n");
		n = sqlite3_column_count(r);
		while (sqlite3_step(r) == SQLITE_ROW)
			for (c = 0; c < n; c++) {
				literal(&b, r, c, name);
				buf_str(&b, c < n - 1 ? "|" : "\n");
			}
		sqlite3_finalize(r);
	}
	sqlite3_finalize(s);
	return b.p;
}

/*
 * The script that makes a fresh database equal to db: application_id,
 * the statements of sqlite_schema in order (SQLite's own objects, such as
 * automatic indexes, come with their tables), then the rows of each table.
 */
static char *
script(sqlite3 *db)
{
	struct buf b = { 0 };
	sqlite3_stmt *s = schema_rows(db), *r;
	int c, n, with_rowid;

	buf_fmt(&b, "PRAGMA application_id = %lld;\n",
	    pragma_int(db, "PRAGMA application_id"));
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 1);

		if (strncmp(name, "sqlite_", 7) == 0) {
			if (strncmp(name, "sqlite_autoindex_", 17) != 0)
				die("%s: not supported", name);
			continue;
		}
		if (sqlite3_column_type(s, 3) != SQLITE_TEXT)
			die("%s: no SQL", name);
		buf_str(&b, (const char *)sqlite3_column_text(s, 3));
		buf_str(&b, ";\n");
	}
	sqlite3_reset(s);
	while (sqlite3_step(s) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 1);

		if (strcmp((const char *)sqlite3_column_text(s, 0), "table"))
			continue;
		r = rows_of(db, name, &with_rowid);
		n = sqlite3_column_count(r);
		while (sqlite3_step(r) == SQLITE_ROW) {
			/* rowid tables: column 0 is the rowid, kept by
			 * their INTEGER PRIMARY KEY (checked by canon()) */
			buf_str(&b, "INSERT INTO \"");
			buf_str(&b, name); /* checked below: no quote */
			buf_str(&b, "\" VALUES (");
			for (c = with_rowid; c < n; c++) {
				literal(&b, r, c, name);
				buf_str(&b, c < n - 1 ? ", " : ");\n");
			}
		}
		if (strchr(name, '"') != NULL)
			die("%s: quote in a table name", name);
		sqlite3_finalize(r);
	}
	sqlite3_finalize(s);
	return b.p;
}

static void
write_c(const char *out, const char *var, const char *text, int latest)
{
	FILE *f;
	size_t i, n = strlen(text);

	if ((f = fopen(out, "w")) == NULL)
		die("%s: cannot create", out);
	fprintf(f,
	    "/* generated by schema/gen/schema_gen.c from "
	    "schema/migrations: do not edit */\n"
	    "#include \"blob.h\"\n\nstatic const char %s_0[] = {\n",
	    var);
	for (i = 0; i < n; i++)
		fprintf(f, "0x%02x,%s", (unsigned char)text[i],
		    i % 16 == 15 ? "\n" : "");
	fprintf(f,
	    "0x00 };\n\nconst struct bs_blob %s[] = {\n"
	    "\t{ \"%04d_fresh.sql\", %s_0, %zu },\n\t{ NULL, NULL, 0 }\n};\n",
	    var, latest, var, n);
	if (fclose(f) != 0)
		die("%s: write error", out);
}

int
main(int argc, char **argv)
{
	sqlite3 *a, *b;
	char *text, *ca, *cb, uv[64];
	int rc;

	if (argc >= 4 && strcmp(argv[1], "--c") == 0) {
		a = open_db(":memory:");
		migrate(a, argc - 4, argv + 4);
		text = script(a);
		b = open_db(":memory:");
		exec(b, "begin", "BEGIN IMMEDIATE");
		exec(b, "generated script", text);
		snprintf(uv, sizeof(uv), "PRAGMA user_version = %d", argc - 4);
		exec(b, "user_version", uv);
		exec(b, "commit", "COMMIT");
		ca = canon(a);
		cb = canon(b);
		if (strcmp(ca, cb) != 0)
			die("the generated schema differs from the "
			    "migrations':\n--- migrations\n%s\n--- script\n%s",
			    ca, cb);
		write_c(argv[2], argv[3], text, argc - 4);
		free(ca);
		free(cb);
		free(text);
		sqlite3_close(a);
		sqlite3_close(b);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "--stepwise") == 0) {
		a = open_db(argv[2]);
		exec(a, "page_size", "PRAGMA page_size = 8192");
		migrate(a, argc - 3, argv + 3);
		sqlite3_close(a);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "--compare") == 0) {
		a = open_db(argv[2]);
		b = open_db(argv[3]);
		ca = canon(a);
		cb = canon(b);
		rc = strcmp(ca, cb) != 0;
		if (rc)
			fprintf(stderr, "--- %s\n%s\n--- %s\n%s\n", argv[2], ca,
			    argv[3], cb);
		free(ca);
		free(cb);
		sqlite3_close(a);
		sqlite3_close(b);
		return rc;
	}
	fprintf(stderr,
	    "usage: schema_gen --c OUT.c VAR MIGRATION...\n"
	    "       schema_gen --stepwise OUT.db MIGRATION...\n"
	    "       schema_gen --compare A.db B.db\n");
	return 2;
}
