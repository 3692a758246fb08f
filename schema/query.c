/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Read-only queries (see query.h). Each query is one constant SQL text,
 * prepared per call (reports run them once), bound by named parameter:
 * the range bounds, the name ids of the status vocabulary and the optional
 * domain and class filters. Ids are looked up first; a name the database
 * never stored becomes id -1, which matches nothing.
 *
 * Ranges are whole hours (query_range()): count_hour answers them, and
 * the event rows for samples are read over the same widened range.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "query.h"
#include "store_priv.h"

#define NORM_MAX 512 /* bytes of a normalized reply */

#define RANGE_CTE                                                              \
	"WITH f AS (SELECT * FROM count_hour "                                 \
	"WHERE bucket >= :since AND bucket < :until AND "                      \
	"(:dom IS NULL OR domain = :dom OR provider = :dom) AND "              \
	"(:cls IS NULL OR class = :cls)) "

#define COUNT_COLS                                                             \
	"coalesce(sum(n) FILTER (WHERE status = :sent), 0) AS sent, "          \
	"coalesce(sum(n) FILTER (WHERE status = :deferred), 0) AS deferred, "  \
	"coalesce(sum(n) FILTER (WHERE status = :bounced), 0) AS bounced, "    \
	"coalesce(sum(n) FILTER (WHERE status = :expired), 0) AS expired, "    \
	"coalesce(sum(n) FILTER (WHERE status = :attempt), 0) AS attempts, "   \
	"coalesce(sum(n) FILTER (WHERE status = :deferred AND kind = 2), 0) "  \
	"AS suspended, "                                                       \
	"coalesce(sum(n) FILTER (WHERE status = :deferred AND kind = 3), 0) "  \
	"AS local "

#define EVENT_FILTER                                                           \
	"e.t >= :since AND e.t < :until AND e.status <> :sent AND "            \
	"(:dom IS NULL OR e.domain = :dom OR e.provider = :dom) "

static const char sql_totals[] = RANGE_CTE "SELECT " COUNT_COLS "FROM f";

static const char sql_by_class[] = RANGE_CTE
    "SELECT cn.s, " COUNT_COLS "FROM f JOIN name cn ON cn.id = f.class "
    "WHERE f.status <> :sent GROUP BY f.class "
    "ORDER BY deferred + bounced + expired DESC, attempts DESC, cn.s";

#define BY_NAME(col)                                                           \
	RANGE_CTE                                                              \
	", d AS (SELECT " col " AS k, " COUNT_COLS "FROM f GROUP BY " col      \
	"), dc AS (SELECT " col " AS k, class, sum(n) AS fn FROM f "           \
	"WHERE status IN (:deferred, :bounced, :expired) "                     \
	"GROUP BY " col ", class), "                                           \
	"tc AS (SELECT k, class, max(fn) FROM dc GROUP BY k) "                 \
	"SELECT dn.s, d.sent, d.deferred, d.bounced, d.expired, d.attempts, "  \
	"d.suspended, d.local, coalesce(tn.s, '') FROM d "                     \
	"JOIN name dn ON dn.id = d.k "                                         \
	"LEFT JOIN tc ON tc.k = d.k "                                          \
	"LEFT JOIN name tn ON tn.id = tc.class "                               \
	"ORDER BY d.deferred + d.bounced + d.expired DESC, d.attempts DESC, "  \
	"d.sent DESC, dn.s LIMIT :top"

static const char sql_by_domain[] = BY_NAME("domain");
static const char sql_by_provider[] = BY_NAME("provider");

static const char sql_by_code[] = RANGE_CTE
    ", k AS (SELECT code, enhanced, class, " COUNT_COLS "FROM f "
    "WHERE status <> :sent GROUP BY code, enhanced, class), "
    "s AS (SELECT e.code, e.enhanced, e.class, "
    "coalesce(max(e.id) FILTER (WHERE e.flags & 1 = 0), max(e.id)) AS eid "
    "FROM event e WHERE " EVENT_FILTER "AND (:cls IS NULL OR e.class = :cls) "
    "GROUP BY e.code, e.enhanced, e.class) "
    "SELECT k.code, en.s, cn.s, k.sent, k.deferred, k.bounced, k.expired, "
    "k.attempts, k.suspended, k.local, coalesce(r.text, '') FROM k "
    "JOIN name en ON en.id = k.enhanced "
    "JOIN name cn ON cn.id = k.class "
    "LEFT JOIN s ON s.code = k.code AND s.enhanced = k.enhanced "
    "AND s.class = k.class "
    "LEFT JOIN event ev ON ev.id = s.eid "
    "LEFT JOIN reply r ON r.id = ev.reply "
    "ORDER BY k.deferred + k.bounced + k.expired DESC, k.attempts DESC, "
    "k.code, en.s LIMIT :top";

static const char sql_hourly[] =
    RANGE_CTE "SELECT bucket - bucket % 3600 AS hr, " COUNT_COLS "FROM f "
	      "GROUP BY hr ORDER BY hr";

static const char sql_unknown[] =
    "SELECT bs_normalize(r.text) AS k, count(*) AS cnt, max(e.t), r.text "
    "FROM event e JOIN reply r ON r.id = e.reply "
    "WHERE " EVENT_FILTER "AND e.class = :unknown AND e.flags & 1 = 0 "
    "GROUP BY k ORDER BY cnt DESC, k LIMIT :top";

/* Everything a query binds. */
struct params {
	int64_t since, until; /* widened to whole hours */
	int64_t sent, deferred, bounced, expired, attempt, unknown;
	int64_t dom, cls; /* -1 when the name is unknown */
	bool has_dom, has_cls;
	int64_t top;
};

static int64_t
floor_to(int64_t t, int64_t unit)
{
	int64_t r = t % unit;

	return r < 0 ? t - r - unit : t - r;
}

static int64_t
ceil_to(int64_t t, int64_t unit)
{
	int64_t f = floor_to(t, unit);

	return f == t ? t : f + unit;
}

/* The id of name, or -1 when the database never stored it. */
static int
name_id(struct store *st, const char *name, int64_t *id)
{
	int rc;

	if ((rc = store_name_lookup(st, name, strlen(name), id)) == -1)
		return -1;
	if (rc == 0)
		*id = -1;
	return 0;
}

/*
 * Widens [f->since, f->until) to whole hours, the resolution of the counts
 * reports read: [floor(since), ceil(until)).
 */
void
query_range(const struct query_filter *f, int64_t *since, int64_t *until)
{
	*since = floor_to(f->since, 3600);
	*until = ceil_to(f->until, 3600);
}

static int
params_init(struct store *st, const struct query_filter *f, struct params *p)
{
	memset(p, 0, sizeof(*p));
	if (f->until <= f->since)
		return store_failx(st, "query: empty time range");
	query_range(f, &p->since, &p->until);
	p->top = f->top > 0 ? f->top : -1;
	if (name_id(st, "sent", &p->sent) == -1 ||
	    name_id(st, "deferred", &p->deferred) == -1 ||
	    name_id(st, "bounced", &p->bounced) == -1 ||
	    name_id(st, "expired", &p->expired) == -1 ||
	    name_id(st, "attempt", &p->attempt) == -1 ||
	    name_id(st, "unknown", &p->unknown) == -1)
		return -1;
	if ((p->has_dom = f->domain != NULL) &&
	    name_id(st, f->domain, &p->dom) == -1)
		return -1;
	if ((p->has_cls = f->cls != NULL) && name_id(st, f->cls, &p->cls) == -1)
		return -1;
	return 0;
}

static int
bind_opt(sqlite3_stmt *s, const char *name, int64_t v, bool null)
{
	int i;

	if ((i = sqlite3_bind_parameter_index(s, name)) == 0)
		return SQLITE_OK;
	return null ? sqlite3_bind_null(s, i) : sqlite3_bind_int64(s, i, v);
}

/* Prepares sql and binds every parameter it names. */
static sqlite3_stmt *
prepare(
    struct store *st, const char *what, const char *sql, const struct params *p)
{
	sqlite3_stmt *s;
	int rc = SQLITE_OK;

	if (sqlite3_prepare_v3(store_db(st), sql, -1, 0, &s, NULL) !=
	    SQLITE_OK) {
		store_fail(st, what);
		return NULL;
	}
	rc |= bind_opt(s, ":since", p->since, false);
	rc |= bind_opt(s, ":until", p->until, false);
	rc |= bind_opt(s, ":sent", p->sent, false);
	rc |= bind_opt(s, ":deferred", p->deferred, false);
	rc |= bind_opt(s, ":bounced", p->bounced, false);
	rc |= bind_opt(s, ":expired", p->expired, false);
	rc |= bind_opt(s, ":attempt", p->attempt, false);
	rc |= bind_opt(s, ":unknown", p->unknown, false);
	rc |= bind_opt(s, ":dom", p->dom, !p->has_dom);
	rc |= bind_opt(s, ":cls", p->cls, !p->has_cls);
	rc |= bind_opt(s, ":top", p->top, false);
	if (rc != SQLITE_OK) {
		store_fail(st, what);
		sqlite3_finalize(s);
		return NULL;
	}
	return s;
}

static void
read_counts(sqlite3_stmt *s, int col, struct query_counts *c)
{
	c->sent = sqlite3_column_int64(s, col);
	c->deferred = sqlite3_column_int64(s, col + 1);
	c->bounced = sqlite3_column_int64(s, col + 2);
	c->expired = sqlite3_column_int64(s, col + 3);
	c->attempts = sqlite3_column_int64(s, col + 4);
	c->suspended = sqlite3_column_int64(s, col + 5);
	c->local = sqlite3_column_int64(s, col + 6);
}

static const char *
column_str(sqlite3_stmt *s, int col, size_t *len)
{
	const unsigned char *v = sqlite3_column_text(s, col);

	if (len != NULL)
		*len = (size_t)sqlite3_column_bytes(s, col);
	return v != NULL ? (const char *)v : "";
}

enum row_kind {
	ROW_CLASS,
	ROW_NAME,
	ROW_CODE,
	ROW_HOUR,
	ROW_UNKNOWN
};

/* Steps s to the end, turning each result row into a query_row for fn. */
static int
run_rows(struct store *st, const char *what, sqlite3_stmt *s,
    enum row_kind kind, query_row_fn *fn, void *arg)
{
	struct query_row r;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.name = r.top_class = r.enhanced = r.cls = r.text = r.sample =
		    "";
		switch (kind) {
		case ROW_CLASS:
			r.name = column_str(s, 0, NULL);
			read_counts(s, 1, &r.c);
			break;
		case ROW_NAME:
			r.name = column_str(s, 0, NULL);
			read_counts(s, 1, &r.c);
			r.top_class = column_str(s, 8, NULL);
			break;
		case ROW_CODE:
			r.code = sqlite3_column_int(s, 0);
			r.enhanced = column_str(s, 1, NULL);
			r.cls = column_str(s, 2, NULL);
			read_counts(s, 3, &r.c);
			r.text = column_str(s, 10, &r.text_len);
			break;
		case ROW_HOUR:
			r.time = sqlite3_column_int64(s, 0);
			read_counts(s, 1, &r.c);
			break;
		case ROW_UNKNOWN:
			r.text = column_str(s, 0, &r.text_len);
			r.n = sqlite3_column_int64(s, 1);
			r.time = sqlite3_column_int64(s, 2);
			r.sample = column_str(s, 3, &r.sample_len);
			break;
		}
		if (fn(&r, arg) != 0) {
			sqlite3_finalize(s);
			return store_failx(
			    st, "%s: stopped by the caller", what);
		}
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, what);
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return 0;
}

static int
run_query(struct store *st, const char *what, const char *sql,
    enum row_kind kind, const struct query_filter *f, query_row_fn *fn,
    void *arg)
{
	struct params p;
	sqlite3_stmt *s;

	if (params_init(st, f, &p) == -1 ||
	    (s = prepare(st, what, sql, &p)) == NULL)
		return -1;
	return run_rows(st, what, s, kind, fn, arg);
}

/*
 * Fills *out with the final results, attempts and suspended repeats in
 * f's range and filters. 0, or -1 with the message in store_errmsg().
 */
int
query_totals(
    struct store *st, const struct query_filter *f, struct query_counts *out)
{
	struct params p;
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if (params_init(st, f, &p) == -1 ||
	    (s = prepare(st, "totals", sql_totals, &p)) == NULL)
		return -1;
	if ((rc = sqlite3_step(s)) == SQLITE_ROW)
		read_counts(s, 0, out);
	else if (rc != SQLITE_DONE) {
		store_fail(st, "totals");
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return 0;
}

/*
 * Calls fn once per failure class present in the range (name, counts),
 * most final failures first. 0, or -1 (store_errmsg()), also when fn
 * returns non-zero.
 */
int
query_by_class(
    struct store *st, const struct query_filter *f, query_row_fn *fn, void *arg)
{
	struct query_filter all = *f;

	all.top = 0;
	return run_query(
	    st, "by_class", sql_by_class, ROW_CLASS, &all, fn, arg);
}

/*
 * Calls fn for the top f->top recipient domains (name, counts, top_class),
 * most final failures first, then most attempts, then most sent.
 */
int
query_by_domain(
    struct store *st, const struct query_filter *f, query_row_fn *fn, void *arg)
{
	return run_query(st, "by_domain", sql_by_domain, ROW_NAME, f, fn, arg);
}

/* As query_by_domain(), grouped by provider ("" = not recognised). */
int
query_by_provider(
    struct store *st, const struct query_filter *f, query_row_fn *fn, void *arg)
{
	return run_query(
	    st, "by_provider", sql_by_provider, ROW_NAME, f, fn, arg);
}

/*
 * Calls fn for the top f->top (code, enhanced, class) groups of failures
 * with their counts and, in text, the reply of the latest matching event
 * that is not a suspended repeat (any, if all are).
 */
int
query_by_code(
    struct store *st, const struct query_filter *f, query_row_fn *fn, void *arg)
{
	return run_query(st, "by_code", sql_by_code, ROW_CODE, f, fn, arg);
}

/* Calls fn per hour with counts in the range (time, counts), in order. */
int
query_hourly(
    struct store *st, const struct query_filter *f, query_row_fn *fn, void *arg)
{
	return run_query(st, "hourly", sql_hourly, ROW_HOUR, f, fn, arg);
}

static void
normalize_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	char out[NORM_MAX];
	size_t n;

	(void)argc;
	n = query_normalize(sqlite3_value_blob(argv[0]),
	    (size_t)sqlite3_value_bytes(argv[0]), out, sizeof(out));
	sqlite3_result_text(ctx, out, (int)n, SQLITE_TRANSIENT);
}

/*
 * Calls fn for the top f->top normalized unclassified replies (text, n,
 * time of the last, sample). Registers the SQL function bs_normalize() on
 * the store's connection.
 */
int
query_unknown(
    struct store *st, const struct query_filter *f, query_row_fn *fn, void *arg)
{
	struct query_filter nf = *f;

	if (sqlite3_create_function_v2(store_db(st), "bs_normalize", 1,
		SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, NULL,
		normalize_fn, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(st, "unknown: bs_normalize");
	nf.cls = NULL;
	return run_query(st, "unknown", sql_unknown, ROW_UNKNOWN, &nf, fn, arg);
}

static const char sql_minutes[] =
    "SELECT c.bucket, p.s, cn.s, sn.s, c.kind, c.n FROM count_minute c "
    "JOIN name p ON p.id = c.provider "
    "JOIN name cn ON cn.id = c.class "
    "JOIN name sn ON sn.id = c.status "
    "WHERE c.bucket >= :since AND c.bucket < :until "
    "AND (:prov IS NULL OR c.provider = :prov) "
    "ORDER BY c.bucket, p.s, cn.s, sn.s, c.kind";

/*
 * Calls fn for each count_minute row in [since, until) (see query.h); the
 * row's strings are valid during the call only.
 */
int
query_minutes(struct store *st, int64_t since, int64_t until,
    const char *provider, query_minute_fn *fn, void *arg)
{
	struct query_minute m;
	sqlite3_stmt *s;
	int64_t prov = -1;
	int rc;

	if (provider != NULL && name_id(st, provider, &prov) == -1)
		return -1;
	if (sqlite3_prepare_v3(store_db(st), sql_minutes, -1, 0, &s, NULL) !=
	    SQLITE_OK)
		return store_fail(st, "minutes");
	if (bind_opt(s, ":since", since, false) != SQLITE_OK ||
	    bind_opt(s, ":until", until, false) != SQLITE_OK ||
	    bind_opt(s, ":prov", prov, provider == NULL) != SQLITE_OK) {
		store_fail(st, "minutes");
		sqlite3_finalize(s);
		return -1;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		m.bucket = sqlite3_column_int64(s, 0);
		m.provider = column_str(s, 1, NULL);
		m.cls = column_str(s, 2, NULL);
		m.status = column_str(s, 3, NULL);
		m.kind = sqlite3_column_int(s, 4);
		m.n = sqlite3_column_int64(s, 5);
		if (fn(&m, arg) != 0) {
			sqlite3_finalize(s);
			return store_failx(
			    st, "minutes: stopped by the caller");
		}
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, "minutes");
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return 0;
}

/* Normalization. */

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f';
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alnum(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool
in_set(unsigned char c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

struct out {
	char *p;
	size_t len, cap; /* cap excludes the NUL */
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (n > o->cap - o->len)
		n = o->cap - o->len;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

/* Length of a leading "NNN" code or "d.ddd.ddd" status at s, else 0. */
static size_t
lead_code(const unsigned char *s, size_t len, bool enhanced)
{
	size_t i = 0, part, parts;

	if (!enhanced) {
		if (len >= 3 && is_digit(s[0]) && is_digit(s[1]) &&
		    is_digit(s[2]) && (len == 3 || !is_alnum(s[3])))
			return 3;
		return 0;
	}
	for (parts = 0; parts < 3; parts++) {
		if (parts > 0) {
			if (i >= len || s[i] != '.')
				return 0;
			i++;
		}
		for (part = 0; i < len && is_digit(s[i]) && part < 3; part++)
			i++;
		if (part == 0)
			return 0;
	}
	return i < len && is_alnum(s[i]) ? 0 : i;
}

/* Emits one whitespace-free word, rewritten (see query_normalize()). */
static void
put_word(struct out *o, const unsigned char *w, size_t n)
{
	size_t i, j, k;
	bool digit, hex;

	if (memchr(w, '@', n) != NULL) {
		for (i = 0; i < n && in_set(w[i], "<([\"'"); i++)
			;
		for (j = n; j > i && in_set(w[j - 1], ">)]\"':;,."); j--)
			;
		put(o, (const char *)w, i);
		put(o, "*@*", 3);
		put(o, (const char *)w + j, n - j);
		return;
	}
	for (i = 0; i < n; i = j) {
		if (!is_alnum(w[i])) {
			put(o, (const char *)w + i, 1);
			j = i + 1;
			continue;
		}
		digit = false;
		hex = true;
		for (j = i; j < n && is_alnum(w[j]); j++) {
			digit |= is_digit(w[j]);
			hex &= is_hex(w[j]);
		}
		if (digit && hex) {
			put(o, "#", 1);
			continue;
		}
		for (k = i; k < j; k++) {
			if (!is_digit(w[k])) {
				put(o, (const char *)w + k, 1);
				continue;
			}
			put(o, "#", 1);
			while (k + 1 < j && is_digit(w[k + 1]))
				k++;
		}
	}
}

/*
 * Writes the grouping key of reply s (len bytes, any bytes) to out: see
 * query.h. outlen 0 writes nothing. Returns the length, without the NUL.
 */
size_t
query_normalize(const char *str, size_t len, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)str;
	struct out o = { out, 0, outlen > 0 ? outlen - 1 : 0 };
	size_t i = 0, n, w;

	if (outlen == 0)
		return 0;
	if (s == NULL)
		len = 0;
	while (i < len && is_space(s[i]))
		i++;
	if ((n = lead_code(s + i, len - i, false)) > 0) {
		put(&o, (const char *)s + i, n);
		i += n;
		if (i < len && (s[i] == '-' || is_space(s[i]))) {
			put(&o, s[i] == '-' ? "-" : " ", 1); /* 421-4.7.0 */
			i++;
		}
		while (i < len && is_space(s[i]))
			i++;
	}
	if ((n = lead_code(s + i, len - i, true)) > 0) {
		put(&o, (const char *)s + i, n);
		i += n;
	}
	while (i < len) {
		while (i < len && is_space(s[i]))
			i++;
		for (w = i; w < len && !is_space(s[w]); w++)
			;
		if (w > i) {
			if (o.len > 0 && out[o.len - 1] != ' ')
				put(&o, " ", 1);
			put_word(&o, s + i, w - i);
		}
		i = w;
	}
	while (o.len > 0 && out[o.len - 1] == ' ')
		o.len--;
	out[o.len] = '\0';
	return o.len;
}
