/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Read-only queries (see query.h). Each query is one constant SQL text,
 * prepared per call (reports run them once), bound by named parameter:
 * the range bounds, the name ids of the status vocabulary and the optional
 * domain, class and host filters. Ids are looked up first; a name the
 * database never stored becomes id -1, which matches nothing. Totals and
 * the groupings by class, domain, provider, host and code come from one
 * pass over the range's count rows, summed in C (query_scan(): each row
 * handed to an aggregate SQL function, bs_keys(), that adds it to a table
 * of keys; then hash tables and a sort of the groups; SQLite sorts every
 * row for a GROUP BY) and kept in the store while the range and the
 * database stay the same.
 *
 * Ranges are whole hours (query_range()). Each side of a range is read
 * from count_hour, count_day or count_month, whichever reads fewest rows
 * where the data is (query_range_split(): a report that ends now reads
 * the current month whole rather than its days); the answer is the same
 * as from count_hour alone (query_filter.finest;
 * tests/unit/test_query_rollup.c). The rollups hold the hours before the
 * roll mark only (migration 0015, store_roll_mark(), read in the same
 * read transaction as the counts: reports run inside store_read_begin()):
 * the part of a range from the mark on, the writer's open hour, is read
 * from count_hour (QUERY_HOURS_LIVE; the hourly series from count_hour
 * there too). The event rows for samples are read
 * over the same widened range. A year of a busy server (16M hour rows)
 * reads 121,000 count rows and 310,000 rows of count_hour_class, 13 MiB;
 * its last 30 days 86,000 count rows and 25,000 of count_hour_class.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "sql.h"
#include "store_priv.h"
#include "template.h"

#define NORM_MAX 512 /* bytes of a normalized reply */

/* The filters of a count row. */
#define COUNT_FILTER                                                           \
	"(:dom IS NULL OR domain = :dom OR provider = :dom) AND "              \
	"(:host IS NULL OR host = :host) AND "                                 \
	"(:cls IS NULL OR class = :cls)"

/*
 * One part of a range (query_range_split()), read from one count table: the
 * three have the same columns. query_scan() runs one statement a part
 * and applies the part's sign in C: a UNION ALL of the five parts in one
 * statement, with the sign and every filter in SQL, cost 2,000 to 2,500
 * instructions a row; this, without the filters when there are none,
 * about half. Each row goes to bs_keys() (query_fns()): one step a part
 * instead of one a row and nine column reads, 2,600 -> 2,000
 * instructions a row with the key table (tests/bench/README.md).
 */
#define ARM_SQL(table)                                                         \
	"SELECT bs_keys(:sink, domain, provider, class, status, code, "        \
	"enhanced, kind, host, n) FROM " table                                 \
	" WHERE bucket >= :lo AND bucket < :hi"
#define ARM_FILTER                                                             \
	" AND (:dom IS NULL OR domain = :dom OR provider = :dom) AND "         \
	"(:host IS NULL OR host = :host)"

#define EVENT_FILTER                                                           \
	"e.t >= :since AND e.t < :until AND e.status <> :sent AND "            \
	"(:dom IS NULL OR e.domain = :dom OR e.provider = :dom) AND "          \
	"(:host IS NULL OR e.host = :host) "

static const char sql_name_of[] = "SELECT s FROM name WHERE id = :id";
static const char sql_data_version[] = "PRAGMA data_version";

static const char sql_by_code_events[] =
    "SELECT e.code, e.enhanced, e.class, e.id, "
    "e.flags & " STORE_STR(
	BS_EVENT_SUSPENDED) " FROM event e "
			    "WHERE " EVENT_FILTER
			    "AND (:cls IS NULL OR e.class = :cls) "
			    "ORDER BY e.t DESC, e.id DESC";
static const char sql_reply_of[] =
    "SELECT r.text FROM event e JOIN reply r ON r.id = e.reply "
    "WHERE e.id = :id";

/*
 * The hourly series: the range's rows in key order, bucket first, summed
 * per hour in C (query_hourly()); the class is read only for the series
 * per class (a column less, about 90 instructions a row: a year of a
 * busy server 669 -> 641 M). With a domain or host filter (or the finest
 * reading) from count_hour: */
#define HOURLY_SQL(cls, table)                                                 \
	"SELECT bs_hours(:sink, bucket, " cls ", status, kind, n) FROM " table \
	" WHERE bucket >= :since AND bucket < :until AND "
static const char *const sql_hourly[2] = {
	HOURLY_SQL("0", "count_hour") COUNT_FILTER,
	HOURLY_SQL("class", "count_hour") COUNT_FILTER,
};
/* Without: count_hour_class, a few rows per hour instead of every
 * domain's (a year of a busy server: 310,000 rows instead of 16
 * million). GROUP BY bucket with seven FILTER sums cost 2,200
 * instructions a row; reading the four columns and adding in C about a
 * third of that (a year of a busy server: 694 -> 236 M). */
static const char *const sql_hourly_class[2] = {
	HOURLY_SQL("0", "count_hour_class") "(:cls IS NULL OR class = :cls)",
	HOURLY_SQL(
	    "class", "count_hour_class") "(:cls IS NULL OR class = :cls)",
};

static const char sql_unknown[] =
    "SELECT bs_normalize(r.text) AS k, count(*) AS cnt, max(e.t), r.text "
    "FROM event e JOIN reply r ON r.id = e.reply "
    "WHERE " EVENT_FILTER "AND e.class = :unknown AND "
    "e.flags & (" STORE_STR(BS_EVENT_SUSPENDED) " | " STORE_STR(
	BS_EVENT_LOCAL) ") = 0 "
			"GROUP BY k ORDER BY cnt DESC, k LIMIT :top";

/* Each part's rows, unfiltered and with the domain and host filters. */
static const char *const part_sql[QUERY_PARTS][2] = {
	{ ARM_SQL("count_hour"), ARM_SQL("count_hour") ARM_FILTER },
	{ ARM_SQL("count_hour"), ARM_SQL("count_hour") ARM_FILTER },
	{ ARM_SQL("count_day"), ARM_SQL("count_day") ARM_FILTER },
	{ ARM_SQL("count_day"), ARM_SQL("count_day") ARM_FILTER },
	{ ARM_SQL("count_month"), ARM_SQL("count_month") ARM_FILTER },
	{ ARM_SQL("count_hour"), ARM_SQL("count_hour") ARM_FILTER },
};

/* Everything a query binds. */
struct params {
	int64_t since, until;        /* widened to whole hours */
	int64_t arm[QUERY_PARTS][3]; /* query_range_split() */
	int64_t mark;                /* the roll mark (store_roll_mark()) */
	int64_t sent, deferred, bounced, expired, attempt, unknown;
	int64_t dom, cls; /* -1 when the name is unknown */
	int64_t host;     /* -1 when the name is unknown */
	bool has_dom, has_cls, has_host, finest;
	int64_t top;
};

static int64_t
ceil_to(int64_t t, int64_t unit)
{
	int64_t f = store_floor(t, unit);

	return f == t ? t : f + unit;
}

/*
 * Widens [f->since, f->until) to whole hours, the resolution of the counts
 * reports read: [floor(since), ceil(until)).
 */
void
query_range(const struct query_filter *f, int64_t *since, int64_t *until)
{
	*since = store_floor(f->since, 3600);
	*until = ceil_to(f->until, 3600);
}

/*
 * What reading a bucket of each table costs, in rows of an hour: a day
 * of the busy benchmark has 5 hours' rows, a month 7; months of real
 * servers have more of the long tail, hence 12. Buckets outside the
 * data's extent (query_extent()) have no rows and cost nothing: the
 * days after the last hour of a report that ends now, the days before a
 * database's first.
 */
#define COST_HOUR  1
#define COST_DAY   5
#define COST_MONTH 12

/* The data's extent [lo, hi), whole hours; lo == hi when empty. */
struct extent {
	int64_t lo, hi;
};

/* What reading the buckets of [a, b) costs, of unit seconds each. */
static int64_t
cost(const struct extent *x, int64_t a, int64_t b, int64_t unit, int64_t per)
{
	if (a < x->lo)
		a = x->lo;
	if (b > x->hi)
		b = x->hi;
	return b > a ? (b - a + unit - 1) / unit * per : 0;
}

/* The same for a whole month or months (28 to 31 days). */
#define MONTH_UNIT (31 * 86400)

static void
arm_set(int64_t (*arm)[3], int i, int64_t lo, int64_t hi, int sign)
{
	arm[i][0] = lo;
	arm[i][1] = hi;
	arm[i][2] = sign;
}

static int64_t
month_ceil(int64_t t)
{
	int64_t m = store_month_floor(t);

	/* The next month's first day: months are 28 to 31 days. */
	return m == t ? t : store_month_floor(m + 32 * 86400);
}

/*
 * Splits the whole hours [since, until) into parts (arm: low bound, high
 * bound, sign), each read from the coarsest table that serves it
 * cheapest for the data in x: the whole months inside from count_month;
 * on each side, the days up to the first month either added one by one
 * or, when cheaper, the month read whole and the days outside the range
 * subtracted; the hours up to the first day in the same way, from
 * count_day and count_hour. A day is the sum of its hours and a month of
 * its days (store_count.c), so the sum is exact whatever the choice;
 * within one UTC day, all of it is read from hours. Here until <= mark
 * (the roll mark, migration 0015): days and months hold the hours before
 * mark only, so hours subtracted from a day read whole stop at mark.
 */
static void
split_rolled(int64_t since, int64_t until, int64_t mark, const struct extent *x,
    int64_t (*arm)[3])
{
	int64_t ds, de, dl, dr, ml, mr, mf, mc, add, sub;

	arm_set(arm, QUERY_HOURS_HEAD, since, until, 1);
	ds = ceil_to(since, 86400);
	de = store_floor(until, 86400);
	if (ds > de)
		return;
	/* Hours: from since to the first midnight, or a day minus hours. */
	dl = ds;
	add = cost(x, since, ds, 3600, COST_HOUR);
	sub = cost(x, ds - 86400, ds, 86400, COST_DAY) +
	    cost(x, ds - 86400, since, 3600, COST_HOUR);
	if (since == ds)
		arm_set(arm, QUERY_HOURS_HEAD, 0, 0, 1);
	else if (sub < add) {
		dl = ds - 86400;
		arm_set(arm, QUERY_HOURS_HEAD, dl, since, -1);
	} else
		arm_set(arm, QUERY_HOURS_HEAD, since, ds, 1);
	dr = de;
	add = cost(x, de, until, 3600, COST_HOUR);
	sub = cost(x, de, de + 86400, 86400, COST_DAY) +
	    cost(x, until, de + 86400, 3600, COST_HOUR);
	if (until == de)
		;
	else if (sub < add) {
		dr = de + 86400;
		/* count_day's day holds its hours before mark only */
		arm_set(
		    arm, QUERY_HOURS_TAIL, until, dr < mark ? dr : mark, -1);
	} else
		arm_set(arm, QUERY_HOURS_TAIL, de, until, 1);
	if (dl >= dr)
		return;
	/* Days [dl, dr): the same with months. */
	ml = month_ceil(dl);
	mr = store_month_floor(dr);
	if (ml > mr) {
		arm_set(arm, QUERY_DAYS_HEAD, dl, dr, 1);
		return;
	}
	mf = store_month_floor(dl);
	add = cost(x, dl, ml, 86400, COST_DAY);
	sub = cost(x, mf, ml, MONTH_UNIT, COST_MONTH) +
	    cost(x, mf, dl, 86400, COST_DAY);
	if (dl != ml && sub < add) {
		arm_set(arm, QUERY_DAYS_HEAD, mf, dl, -1);
		ml = mf;
	} else if (dl != ml)
		arm_set(arm, QUERY_DAYS_HEAD, dl, ml, 1);
	mc = month_ceil(dr);
	add = cost(x, mr, dr, 86400, COST_DAY);
	sub = cost(x, mr, mc, MONTH_UNIT, COST_MONTH) +
	    cost(x, dr, mc, 86400, COST_DAY);
	if (dr != mr && sub < add) {
		arm_set(arm, QUERY_DAYS_TAIL, dr, mc, -1);
		mr = mc;
	} else if (dr != mr)
		arm_set(arm, QUERY_DAYS_TAIL, mr, dr, 1);
	if (ml < mr)
		arm_set(arm, QUERY_MONTHS, ml, mr, 1);
}

/*
 * See query.h. The hours from the roll mark on are in count_hour only
 * (migration 0015): [max(since, mark), until) is read from there, the
 * rest split as before (split_rolled()). A report that ends now reads
 * the open hour (the writer's newest) from count_hour.
 */
void
query_range_split(int64_t since, int64_t until, bool finest, int64_t mark,
    int64_t lo, int64_t hi, int64_t (*arm)[3])
{
	const struct extent xs = { lo, hi };
	int64_t u;

	memset(arm, 0, QUERY_PARTS * sizeof(*arm));
	if (finest) {
		arm_set(arm, QUERY_HOURS_HEAD, since, until, 1);
		return;
	}
	u = mark < since ? since : mark < until ? mark : until;
	if (u < until)
		arm_set(arm, QUERY_HOURS_LIVE, u, until, 1);
	split_rolled(since, u, mark, &xs, arm);
}

static int
params_init(struct store *st, const struct query_filter *f, struct params *p)
{
	int64_t lo = 0, hi = 0;

	memset(p, 0, sizeof(*p));
	if (f->until <= f->since)
		return store_failx(st, "query: empty time range");
	query_range(f, &p->since, &p->until);
	p->mark = INT64_MIN;
	if (!f->finest) {
		if (query_extent(st, &lo, &hi) == -1 ||
		    store_roll_mark(st, &p->mark) == -1)
			return -1;
		if (hi <= lo)
			lo = hi = p->since; /* no data: every part is empty */
	}
	query_range_split(
	    p->since, p->until, f->finest, p->mark, lo, hi, p->arm);
	p->finest = f->finest;
	p->top = f->top > 0 ? f->top : -1;
	if (store_name_id(st, "sent", &p->sent) == -1 ||
	    store_name_id(st, "deferred", &p->deferred) == -1 ||
	    store_name_id(st, "bounced", &p->bounced) == -1 ||
	    store_name_id(st, "expired", &p->expired) == -1 ||
	    store_name_id(st, "attempt", &p->attempt) == -1 ||
	    store_name_id(st, "unknown", &p->unknown) == -1)
		return -1;
	if ((p->has_dom = f->domain != NULL) &&
	    store_name_id(st, f->domain, &p->dom) == -1)
		return -1;
	if ((p->has_cls = f->cls != NULL) &&
	    store_name_id(st, f->cls, &p->cls) == -1)
		return -1;
	if ((p->has_host = f->host != NULL) &&
	    store_name_id(st, f->host, &p->host) == -1)
		return -1;
	return 0;
}

/* Prepares sql into q and binds every parameter of p it names. 0 or -1. */
static int
prepare(struct store *st, struct sql_stmt *q, const char *what, const char *sql,
    const struct params *p)
{
	if (sql_prepare(st, q, what, sql, false) == -1)
		return -1;
	if (sql_bind_opt_int64(st, q, ":since", p->since, false) == -1 ||
	    sql_bind_opt_int64(st, q, ":until", p->until, false) == -1 ||
	    sql_bind_opt_int64(st, q, ":sent", p->sent, false) == -1 ||
	    sql_bind_opt_int64(st, q, ":deferred", p->deferred, false) == -1 ||
	    sql_bind_opt_int64(st, q, ":bounced", p->bounced, false) == -1 ||
	    sql_bind_opt_int64(st, q, ":expired", p->expired, false) == -1 ||
	    sql_bind_opt_int64(st, q, ":attempt", p->attempt, false) == -1 ||
	    sql_bind_opt_int64(st, q, ":unknown", p->unknown, false) == -1 ||
	    sql_bind_opt_int64(st, q, ":dom", p->dom, !p->has_dom) == -1 ||
	    sql_bind_opt_int64(st, q, ":host", p->host, !p->has_host) == -1 ||
	    sql_bind_opt_int64(st, q, ":cls", p->cls, !p->has_cls) == -1 ||
	    sql_bind_opt_int64(st, q, ":top", p->top, false) == -1) {
		sql_finalize(q);
		return -1;
	}
	return 0;
}

/*
 * Adds n results of status and kind to c: deferrals of a local decision
 * apart from the receivers' (kind local), suspended repeats counted among
 * the deferrals and apart.
 */
static void
counts_add(struct query_counts *c, const struct params *p, int64_t status,
    int64_t kind, int64_t n)
{
	if (status == p->sent)
		c->sent += n;
	else if (status == p->deferred) {
		/* A local decision of our MTA is no result (README). */
		if (kind == STORE_KIND_LOCAL)
			c->local += n;
		else
			c->deferred += n;
		if (kind == STORE_KIND_SUSPENDED)
			c->suspended += n;
	} else if (status == p->bounced)
		c->bounced += n;
	else if (status == p->expired)
		c->expired += n;
	else if (status == p->attempt)
		c->attempts += n;
}

/*
 * Grouping by domain or provider, done in C. The same in SQL (two GROUP
 * BYs, by name and by (name, class), of the range's count_hour rows) spent
 * 65 ms each, most of it sorting, in a 30-day report over 90 days of a
 * busy server (70,000 rows); reading the rows into two hash tables takes
 * a fraction of it. The result is that of BY_NAME(col) in git history:
 * per name its counts and the class of most final failures (the lowest
 * class id on a tie), ordered by final failures, attempts and sent,
 * descending, then by name (bytes).
 */
struct grp {
	int64_t k, cls; /* name id; class id, or -1 for the name's total */
	struct query_counts c;
	int64_t fn;                 /* final failures */
	int64_t top, top_fn;        /* totals: class of most final failures */
	int64_t code, eid, eid_any; /* by_code: latest event not suspended,
				     latest event */
	char *name, *top_name, *text;
	size_t name_len, text_len;
};

struct grp_table {
	struct grp *g; /* dense, in order of first sight */
	size_t n, cap;
	size_t *slot; /* index + 1 into g, 0 = empty */
	size_t mask;
};

static uint64_t
grp_hash(int64_t k, int64_t cls)
{
	uint64_t h = (uint64_t)k * UINT64_C(0x9e3779b97f4a7c15) ^
	    (uint64_t)cls * UINT64_C(0xc2b2ae3d27d4eb4f);

	/* Mixed down: by_code keys differ in their high bits (code << 40),
	 * which a bare product leaves out of the slot index. */
	h ^= h >> 32;
	h *= UINT64_C(0xd6e8feb86659fd93);
	return h ^ (h >> 29);
}

static int
grp_grow(struct grp_table *t)
{
	size_t i, j, nmask = t->mask != 0 ? t->mask * 2 + 1 : 1023, *ns;
	struct grp *ng;

	if (t->n == t->cap) {
		t->cap = t->cap != 0 ? t->cap * 2 : 256;
		if ((ng = realloc(t->g, t->cap * sizeof(*ng))) == NULL)
			return -1;
		t->g = ng;
	}
	if (t->slot != NULL && (t->n + 1) * 2 <= t->mask + 1)
		return 0;
	if ((ns = calloc(nmask + 1, sizeof(*ns))) == NULL)
		return -1;
	for (i = 0; i < t->n; i++) {
		j = grp_hash(t->g[i].k, t->g[i].cls) & nmask;
		while (ns[j] != 0)
			j = (j + 1) & nmask;
		ns[j] = i + 1;
	}
	free(t->slot);
	t->slot = ns;
	t->mask = nmask;
	return 0;
}

/* The group of (k, cls), added zeroed when new; NULL on ENOMEM. */
static struct grp *
grp_get(struct grp_table *t, int64_t k, int64_t cls)
{
	size_t j;
	struct grp *g;

	if (t->slot != NULL) {
		for (j = grp_hash(k, cls) & t->mask; t->slot[j] != 0;
		     j = (j + 1) & t->mask) {
			g = &t->g[t->slot[j] - 1];
			if (g->k == k && g->cls == cls)
				return g;
		}
	}
	if (grp_grow(t) == -1)
		return NULL;
	for (j = grp_hash(k, cls) & t->mask; t->slot[j] != 0;
	     j = (j + 1) & t->mask)
		;
	t->slot[j] = t->n + 1;
	g = &t->g[t->n++];
	memset(g, 0, sizeof(*g));
	g->k = k;
	g->cls = cls;
	g->top = -1;
	return g;
}

static void
grp_free(struct grp_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->g[i].name);
		free(t->g[i].top_name);
		free(t->g[i].text);
	}
	free(t->g);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

static void
counts_sum(struct query_counts *to, const struct query_counts *c)
{
	to->sent += c->sent;
	to->deferred += c->deferred;
	to->bounced += c->bounced;
	to->expired += c->expired;
	to->attempts += c->attempts;
	to->suspended += c->suspended;
	to->local += c->local;
}

/*
 * A copy of the name of id into *out (NULL when none; caller frees), its
 * length in *len when len is not NULL. s is sql_name_of, reset here. 0 or
 * -1.
 */
static int
name_of(
    struct store *st, struct sql_stmt *s, int64_t id, char **out, size_t *len)
{
	const void *v;
	size_t n;
	int rc;

	*out = NULL;
	if ((rc = sql_first_int64(st, s, ":id", id)) != SQL_ROW)
		return rc;
	v = sql_blob(s, 0, &n);
	if ((*out = malloc(n + 1)) == NULL) {
		sql_reset(s);
		return store_failx(st, "name: out of memory");
	}
	if (n > 0)
		memcpy(*out, v, n);
	(*out)[n] = '\0';
	if (len != NULL)
		*len = n;
	sql_reset(s);
	return 0;
}

/*
 * The range's rows summed by their key (domain, provider, class, status,
 * code, enhanced, kind, host) before they are grouped: the days or months
 * of a range repeat mostly the same keys, so the groupings then look up
 * each distinct key once instead of each row (30-day report of a busy
 * server: 86,000 rows, 9,200 keys). The keys are kept dense, in order of
 * first sight, with an index of their positions; each remembers the key
 * that followed it the last time (next), because every bucket of a
 * table lists its keys in the same (primary key) order: a row is first
 * compared with the key that followed the row before, which is the one
 * nearly always, and read in sequence, where a hash probe into a table
 * of 2.6 MiB missed the caches on every row.
 */
#define KEY_NONE UINT32_MAX

struct kent {
	int64_t v[8];  /* the key, in ARM_SQL's column order */
	int64_t n;     /* may be 0 or less while parts are subtracted */
	uint32_t next; /* the key read after this one last, or KEY_NONE */
};

struct ktable {
	struct kent *e; /* dense, in order of first sight */
	size_t n, cap;
	uint32_t *slot; /* index + 1 into e, 0 = empty */
	size_t mask;
	uint32_t last; /* the key of the row before, or KEY_NONE */
};

static uint64_t
kent_hash(const int64_t *v)
{
	uint64_t h = 0;
	int i;

	for (i = 0; i < 8; i++)
		h = (h ^ (uint64_t)v[i]) * UINT64_C(0x9e3779b97f4a7c15);
	return h ^ (h >> 31);
}

static void
ktable_free(struct ktable *t)
{
	free(t->e);
	free(t->slot);
	memset(t, 0, sizeof(*t));
	t->last = KEY_NONE;
}

/* Room for one more key, in e and in the index. 0, or -1 on ENOMEM. */
static int
ktable_grow(struct ktable *t)
{
	struct kent *ne;
	uint32_t *ns;
	size_t i, j, nmask;

	if (t->n >= KEY_NONE - 1)
		return -1;
	if (t->n == t->cap) {
		t->cap = t->cap != 0 ? t->cap * 2 : 1024;
		if ((ne = realloc(t->e, t->cap * sizeof(*ne))) == NULL)
			return -1;
		t->e = ne;
	}
	if (t->slot != NULL && (t->n + 1) * 2 <= t->mask + 1)
		return 0;
	nmask = t->slot != NULL ? t->mask * 2 + 1 : 4095;
	if ((ns = calloc(nmask + 1, sizeof(*ns))) == NULL)
		return -1;
	for (i = 0; i < t->n; i++) {
		for (j = kent_hash(t->e[i].v) & nmask; ns[j] != 0;
		     j = (j + 1) & nmask)
			;
		ns[j] = (uint32_t)i + 1;
	}
	free(t->slot);
	t->slot = ns;
	t->mask = nmask;
	return 0;
}

/* The index of key v, added with n 0 when new; KEY_NONE on ENOMEM. */
static uint32_t
ktable_find(struct ktable *t, const int64_t *v)
{
	struct kent *e;
	size_t j;

	if (t->slot != NULL) {
		for (j = kent_hash(v) & t->mask; t->slot[j] != 0;
		     j = (j + 1) & t->mask)
			if (memcmp(t->e[t->slot[j] - 1].v, v,
				sizeof(t->e[0].v)) == 0)
				return t->slot[j] - 1;
	}
	if (ktable_grow(t) == -1)
		return KEY_NONE;
	for (j = kent_hash(v) & t->mask; t->slot[j] != 0; j = (j + 1) & t->mask)
		;
	t->slot[j] = (uint32_t)t->n + 1;
	e = &t->e[t->n];
	memcpy(e->v, v, sizeof(e->v));
	e->n = 0;
	e->next = KEY_NONE;
	return (uint32_t)t->n++;
}

/* Adds n to key v. 0, or -1 on ENOMEM. */
static int
ktable_add(struct ktable *t, const int64_t *v, int64_t n)
{
	uint32_t i = KEY_NONE;

	if (t->last != KEY_NONE)
		i = t->e[t->last].next;
	if (i == KEY_NONE || memcmp(t->e[i].v, v, sizeof(t->e[i].v)) != 0) {
		if ((i = ktable_find(t, v)) == KEY_NONE)
			return -1;
		if (t->last != KEY_NONE)
			t->e[t->last].next = i;
	}
	t->e[i].n += n;
	t->last = i;
	return 0;
}

/*
 * The memo of one pass over a range's count rows. A report asks for
 * totals (twice: with and without its class filter), classes, domains,
 * providers and codes over the same range: each used to read every row
 * of it again (six passes). query_scan() reads them once, without the
 * class filter, into groups that keep the class apart, and keeps the
 * result in the store until the range, the domain filter or the database
 * changes (PRAGMA data_version and the connection's own changes), so
 * that each query sums a few thousand groups instead. The memo itself
 * stays with the store from the first query to store_close(): it also
 * says that the SQL functions of the queries (query_fns()) are
 * registered on the connection.
 */
struct query_cache {
	bool valid; /* the groupings below are of the range below */
	bool fns;   /* query_fns() registered the functions */
	int64_t since, until, dom, host;
	bool has_dom, has_host, finest;
	int64_t version, changes;
	struct grp_table cls;   /* (class, 0): every row; (class, 1): failures
				   and attempts, local decisions apart */
	struct grp_table name;  /* (domain, class) */
	struct grp_table prov;  /* (provider, class) */
	struct grp_table hosts; /* (host, class) */
	struct grp_table code;  /* (code << 40 | enhanced, class): not sent */
	struct ktable keys;     /* the summed keys (query_by_class_each()) */
};

/* Empties a memo's groupings (it stays the store's). */
static void
query_cache_clear(struct query_cache *c)
{
	grp_free(&c->cls);
	grp_free(&c->name);
	grp_free(&c->prov);
	grp_free(&c->hosts);
	grp_free(&c->code);
	ktable_free(&c->keys);
	c->valid = false;
}

/* Frees a memo (store_close()); accepts NULL. */
void
query_cache_free(struct query_cache *c)
{
	if (c == NULL)
		return;
	query_cache_clear(c);
	free(c);
}

/*
 * grp_get() through a memo of the last group found (*last: its index):
 * rows come in key order, so a domain's, a provider's or a class's rows
 * are mostly consecutive.
 */
static struct grp *
grp_get_last(struct grp_table *t, int64_t k, int64_t cls, size_t *last)
{
	struct grp *g;

	if (*last < t->n && t->g[*last].k == k && t->g[*last].cls == cls)
		return &t->g[*last];
	if ((g = grp_get(t, k, cls)) != NULL)
		*last = (size_t)(g - t->g);
	return g;
}

/* Adds one count row to a (k, cls) group of a name table. */
static int
scan_name(struct grp_table *t, const struct params *p, int64_t k, int64_t cls,
    int64_t status, int64_t kind, int64_t n, size_t *last)
{
	struct grp *g;

	if ((g = grp_get_last(t, k, cls, last)) == NULL)
		return -1;
	counts_add(&g->c, p, status, kind, n);
	/* Local decisions are no failure: they never make the top class. */
	if ((status == p->deferred || status == p->bounced ||
		status == p->expired) &&
	    kind != STORE_KIND_LOCAL)
		g->fn += n;
	return 0;
}

/* Adds one summed key (ARM_SQL's columns) to the memo's groupings. */
static int
scan_key(struct query_cache *c, const struct params *p, const int64_t *v,
    int64_t n, size_t *last)
{
	int64_t cls = v[2], status = v[3], kind = v[6];
	struct grp *g;

	if ((g = grp_get_last(&c->cls, cls, 0, &last[0])) == NULL)
		return -1;
	counts_add(&g->c, p, status, kind, n);
	if (status != p->sent && kind != STORE_KIND_LOCAL) {
		if ((g = grp_get_last(&c->cls, cls, 1, &last[1])) == NULL)
			return -1;
		counts_add(&g->c, p, status, kind, n);
	}
	if (scan_name(&c->name, p, v[0], cls, status, kind, n, &last[2]) ==
		-1 ||
	    scan_name(&c->prov, p, v[1], cls, status, kind, n, &last[3]) ==
		-1 ||
	    scan_name(&c->hosts, p, v[7], cls, status, kind, n, &last[5]) == -1)
		return -1;
	if (status == p->sent)
		return 0;
	if ((g = grp_get_last(&c->code, v[4] * ((int64_t)1 << 40) + v[5], cls,
		 &last[4])) == NULL)
		return -1;
	g->code = v[4];
	g->top = v[5]; /* enhanced id */
	counts_add(&g->c, p, status, kind, n);
	return 0;
}

/*
 * The SQL functions of the queries, registered once per connection
 * (query_fns()). bs_keys() and bs_hours() are aggregates whose first
 * argument is a pointer (sqlite3_bind_pointer()) to where they add each
 * row: the rows of a part are read by one step of one statement instead
 * of a step and nine sqlite3_column_int64() calls a row, which cost
 * about 600 instructions a row of the 2,400 that SQLite spent on each
 * (tests/bench/README.md).
 */
#define KEYS_PTR  "bs_keys"
#define HOURS_PTR "bs_hours"

/*
 * The sink of an aggregate's statement, its pointer argument v of type:
 * read once a statement and kept in the aggregate's context (reading the
 * pointer compares its type's name). NULL after setting the error.
 */
static void *
sink_of(sqlite3_context *ctx, sqlite3_value *v, const char *type)
{
	void **k = sqlite3_aggregate_context(ctx, sizeof(*k));

	if (k == NULL) {
		sqlite3_result_error_nomem(ctx);
		return NULL;
	}
	if (*k == NULL && (*k = sqlite3_value_pointer(v, type)) == NULL)
		sqlite3_result_error(ctx, "report: no sink bound", -1);
	return *k;
}

/* Where bs_keys() adds a part's rows: to kt, times sign. */
struct key_sink {
	struct ktable *kt;
	int64_t sign;
};

/* bs_keys(sink, domain, provider, class, status, code, enhanced, kind,
 * host, n): ARM_SQL's columns. */
static void
keys_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct key_sink *k = sink_of(ctx, argv[0], KEYS_PTR);
	int64_t v[8];
	int i;

	if (k == NULL || argc != 10)
		return;
	for (i = 0; i < 8; i++)
		v[i] = sqlite3_value_int64(argv[i + 1]);
	if (ktable_add(k->kt, v, sqlite3_value_int64(argv[9]) * k->sign) == -1)
		sqlite3_result_error_nomem(ctx);
}

static void
agg_final(sqlite3_context *ctx)
{
	sqlite3_result_null(ctx);
}

static void hours_step(sqlite3_context *, int, sqlite3_value **);
static void normalize_fn(sqlite3_context *, int, sqlite3_value **);

/*
 * The store's memo (allocated on first use) into *out, with the queries'
 * SQL functions registered on its connection. 0, or -1 (store_errmsg()).
 */
static int
query_fns(struct store *st, struct query_cache **out)
{
	struct query_cache **cp = store_query_cache(st), *c = *cp;
	sqlite3 *db = store_db(st);
	const int flags = SQLITE_UTF8 | SQLITE_DIRECTONLY;

	if (c == NULL) {
		if ((c = calloc(1, sizeof(*c))) == NULL)
			return store_failx(st, "report: out of memory");
		c->keys.last = KEY_NONE;
		*cp = c;
	}
	if (!c->fns) {
		if (sqlite3_create_function_v2(db, KEYS_PTR, 10, flags, NULL,
			NULL, keys_step, agg_final, NULL) != SQLITE_OK ||
		    sqlite3_create_function_v2(db, HOURS_PTR, 6, flags, NULL,
			NULL, hours_step, agg_final, NULL) != SQLITE_OK ||
		    sqlite3_create_function_v2(db, "bs_normalize", 1,
			flags | SQLITE_DETERMINISTIC, NULL, normalize_fn, NULL,
			NULL, NULL) != SQLITE_OK)
			return store_fail(st, "query: functions");
		c->fns = true;
	}
	*out = c;
	return 0;
}

/* Binds sink to q's :sink as a pointer of type (KEYS_PTR, HOURS_PTR). */
static int
bind_sink(struct store *st, struct sql_stmt *q, void *sink, const char *type)
{
	int i;

	if ((i = sql_param(st, q, ":sink")) == 0)
		return -1;
	if (sqlite3_bind_pointer(q->s, i, sink, type, NULL) != SQLITE_OK)
		return sql_fail(st, q);
	return 0;
}

/*
 * Adds the rows of part i of p's range (query_range_split()), times its
 * sign, to kt. 0, or -1 (store_errmsg()).
 */
static int
scan_part(struct store *st, const struct params *p, size_t i, struct ktable *kt)
{
	struct key_sink sink = { kt, p->arm[i][2] };
	struct sql_stmt s;
	int rc;

	if (prepare(st, &s, "report",
		part_sql[i][p->has_dom || p->has_host ? 1 : 0], p) == -1)
		return -1;
	if (sql_bind_int64(st, &s, ":lo", p->arm[i][0]) == -1 ||
	    sql_bind_int64(st, &s, ":hi", p->arm[i][1]) == -1 ||
	    bind_sink(st, &s, &sink, KEYS_PTR) == -1) {
		sql_finalize(&s);
		return -1;
	}
	rc = sql_step(st, &s); /* one row, the aggregate's NULL */
	sql_finalize(&s);
	return rc == -1 ? -1 : 0;
}

/*
 * The memo of p's range and domain filter (see struct query_cache), read
 * now unless the store's is still valid; NULL on error (store_errmsg()).
 * Owned by the store.
 */
static struct query_cache *
query_scan(struct store *st, const struct params *p)
{
	struct query_cache *c;
	struct sql_stmt s = { NULL, NULL };
	struct ktable kt = { NULL, 0, 0, NULL, 0, KEY_NONE };
	int64_t version = 0, changes;
	size_t i,
	    last[6] = { SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX,
		    SIZE_MAX };
	int rc;

	if (query_fns(st, &c) == -1)
		return NULL;
	if (sql_prepare(st, &s, "data_version", sql_data_version, false) == -1)
		return NULL;
	if ((rc = sql_step(st, &s)) == SQL_ROW)
		version = sql_int64(&s, 0);
	sql_finalize(&s);
	if (rc == -1)
		return NULL;
	changes = (int64_t)sqlite3_total_changes64(store_db(st));
	if (c->valid && c->since == p->since && c->until == p->until &&
	    c->finest == p->finest && c->has_dom == p->has_dom &&
	    (!p->has_dom || c->dom == p->dom) && c->has_host == p->has_host &&
	    (!p->has_host || c->host == p->host) && c->version == version &&
	    c->changes == changes)
		return c;
	query_cache_clear(c);
	c->since = p->since;
	c->until = p->until;
	c->dom = p->dom;
	c->has_dom = p->has_dom;
	c->host = p->host;
	c->has_host = p->has_host;
	c->finest = p->finest;
	c->version = version;
	c->changes = changes;
	for (i = 0; i < QUERY_PARTS; i++)
		if (p->arm[i][0] < p->arm[i][1] &&
		    scan_part(st, p, i, &kt) == -1)
			goto fail;
	/* Keys whose parts cancel out are not in the range (as none). */
	for (i = 0; i < kt.n; i++)
		if (kt.e[i].n != 0 &&
		    scan_key(c, p, kt.e[i].v, kt.e[i].n, last) == -1) {
			store_failx(st, "report: out of memory");
			goto fail;
		}
	c->keys = kt;
	c->valid = true;
	return c;
fail:
	ktable_free(&kt);
	query_cache_clear(c);
	return NULL;
}

/*
 * Fills *out with the final results, attempts and suspended repeats in
 * f's range and filters. 0, or -1 with the message in store_errmsg().
 */
int
query_totals(
    struct store *st, const struct query_filter *f, struct query_counts *out)
{
	struct query_cache *c;
	struct params p;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (params_init(st, f, &p) == -1 || (c = query_scan(st, &p)) == NULL)
		return -1;
	for (i = 0; i < c->cls.n; i++)
		if (c->cls.g[i].cls == 0 &&
		    (!p.has_cls || c->cls.g[i].k == p.cls))
			counts_sum(out, &c->cls.g[i].c);
	return 0;
}

/* The orders' common head: more final failures first, then attempts. */
static int
fail_cmp(const struct grp *x, const struct grp *y)
{
	int64_t fx = x->c.deferred + x->c.bounced + x->c.expired;
	int64_t fy = y->c.deferred + y->c.bounced + y->c.expired;

	if (fx != fy)
		return fx > fy ? -1 : 1;
	if (x->c.attempts != y->c.attempts)
		return x->c.attempts > y->c.attempts ? -1 : 1;
	return 0;
}

/* by_class order: final failures, attempts, then the class name. */
static int
class_cmp(const void *a, const void *b)
{
	const struct grp *x = *(const struct grp *const *)a;
	const struct grp *y = *(const struct grp *const *)b;
	int d;

	if ((d = fail_cmp(x, y)) != 0)
		return d;
	return strcmp(x->name, y->name);
}

/*
 * Names, sorts and passes to fn the class groups of t (keys: class ids),
 * as query_by_class() gives them; frees t. 0, or -1 (store_errmsg()).
 */
static int
classes_emit(struct store *st, struct grp_table *t, query_row_fn *fn, void *arg)
{
	struct grp **order = NULL;
	struct query_row r;
	struct sql_stmt ns = { NULL, NULL };
	size_t i, m = 0;
	int ret = -1;

	if (sql_prepare(st, &ns, "by_class", sql_name_of, false) == -1)
		goto fail;
	if ((order = malloc((t->n + 1) * sizeof(*order))) == NULL) {
		store_failx(st, "by_class: out of memory");
		goto fail;
	}
	for (i = 0; i < t->n; i++) {
		if (name_of(st, &ns, t->g[i].k, &t->g[i].name, NULL) == -1)
			goto fail;
		if (t->g[i].name != NULL) /* as the JOIN on name did */
			order[m++] = &t->g[i];
	}
	qsort(order, m, sizeof(*order), class_cmp);
	for (i = 0; i < m; i++) {
		memset(&r, 0, sizeof(r));
		r.name = order[i]->name;
		r.top_class = r.enhanced = r.cls = r.text = r.sample = "";
		r.c = order[i]->c;
		if (fn(&r, arg) != 0) {
			store_failx(st, "by_class: stopped by the caller");
			goto fail;
		}
	}
	ret = 0;
fail:
	sql_finalize(&ns);
	free(order);
	grp_free(t);
	return ret;
}

/* See query.h. */
int
query_by_class(
    struct store *st, const struct query_filter *f, query_row_fn *fn, void *arg)
{
	struct grp_table t = { 0 };
	struct grp *g;
	struct query_cache *c;
	struct params p;
	size_t i;

	if (params_init(st, f, &p) == -1 || (c = query_scan(st, &p)) == NULL)
		return -1;
	for (i = 0; i < c->cls.n; i++) {
		if (c->cls.g[i].cls != 1 ||
		    (p.has_cls && c->cls.g[i].k != p.cls))
			continue;
		if ((g = grp_get(&t, c->cls.g[i].k, 1)) == NULL) {
			grp_free(&t);
			return store_failx(st, "by_class: out of memory");
		}
		g->c = c->cls.g[i].c;
	}
	return classes_emit(st, &t, fn, arg);
}

/*
 * See query.h. From the summed keys of one pass without the domain
 * filter: a key is the domain's (domain = name OR provider = name, as
 * COUNT_FILTER) and counts as scan_key() counts the (class, 1) groups.
 */
int
query_by_class_each(struct store *st, const struct query_filter *f,
    const char *const *names, size_t n, query_row_fn *fn, void *const *args)
{
	struct query_filter nf = *f;
	struct grp_table t;
	struct grp *g;
	struct query_cache *c;
	struct params p;
	const int64_t *v;
	int64_t id;
	size_t i, j;

	if (f->domain != NULL) {
		/* A domain's report has a provider or two, and the memo of
		 * that domain serves the one of the same name. */
		for (i = 0; i < n; i++) {
			nf.domain = names[i];
			if (query_by_class(st, &nf, fn, args[i]) == -1)
				return -1;
		}
		return 0;
	}
	if (params_init(st, &nf, &p) == -1 || (c = query_scan(st, &p)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (store_name_id(st, names[i], &id) == -1)
			return -1;
		memset(&t, 0, sizeof(t));
		for (j = 0; j < c->keys.n; j++) {
			v = c->keys.e[j].v;
			if (c->keys.e[j].n == 0 || (v[0] != id && v[1] != id) ||
			    v[3] == p.sent || v[6] == STORE_KIND_LOCAL ||
			    (p.has_cls && v[2] != p.cls))
				continue;
			if ((g = grp_get(&t, v[2], 1)) == NULL) {
				grp_free(&t);
				return store_failx(
				    st, "by_class: out of memory");
			}
			counts_add(&g->c, &p, v[3], v[6], c->keys.e[j].n);
		}
		if (classes_emit(st, &t, fn, args[i]) == -1)
			return -1;
	}
	return 0;
}

/* The report's order without the names: final failures, attempts, sent. */
static int
grp_cmp_counts(const void *a, const void *b)
{
	const struct grp *x = *(const struct grp *const *)a;
	const struct grp *y = *(const struct grp *const *)b;
	int d;

	if ((d = fail_cmp(x, y)) != 0)
		return d;
	if (x->c.sent != y->c.sent)
		return x->c.sent > y->c.sent ? -1 : 1;
	return 0;
}

/* The report's order: grp_cmp_counts(), then the names' bytes. */
static int
grp_cmp(const void *a, const void *b)
{
	const struct grp *x = *(const struct grp *const *)a;
	const struct grp *y = *(const struct grp *const *)b;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int d;

	if ((d = grp_cmp_counts(a, b)) != 0)
		return d;
	if ((d = memcmp(x->name, y->name, n)) != 0)
		return d;
	return x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
}

static int
query_by_name(struct store *st, const char *what, int col,
    const struct query_filter *f, query_row_fn *fn, void *arg)
{
	struct grp_table byk = { 0 }, *bykc;
	struct grp *g, *t, **order = NULL;
	struct query_cache *c;
	struct query_row r;
	struct params p;
	struct sql_stmt ns = { NULL, NULL };
	size_t i, j, m;
	int ret = -1;

	if (params_init(st, f, &p) == -1 || (c = query_scan(st, &p)) == NULL)
		return -1;
	bykc = col == 1 ? &c->prov : col == 7 ? &c->hosts : &c->name;
	for (i = 0; i < bykc->n; i++) {
		g = &bykc->g[i];
		if (p.has_cls && g->cls != p.cls)
			continue;
		if ((t = grp_get(&byk, g->k, -1)) == NULL)
			goto nomem;
		counts_sum(&t->c, &g->c);
		if (g->fn > 0 &&
		    (g->fn > t->top_fn ||
			(g->fn == t->top_fn && g->cls < t->top))) {
			t->top = g->cls;
			t->top_fn = g->fn;
		}
	}
	if (sql_prepare(st, &ns, what, sql_name_of, false) == -1)
		goto fail;
	if ((order = malloc((byk.n + 1) * sizeof(*order))) == NULL)
		goto nomem;
	for (i = 0; i < byk.n; i++)
		order[i] = &byk.g[i];
	/*
	 * Names are read only for the top rows and those tied with the
	 * last of them (3,000 domain names took 15 ms): sorted first by
	 * counts alone, then again with the names.
	 */
	qsort(order, byk.n, sizeof(*order), grp_cmp_counts);
	m = byk.n;
	if (p.top >= 0 && (size_t)p.top < m) {
		for (m = (size_t)p.top; m > 0 && m < byk.n &&
		     grp_cmp_counts(&order[m - 1], &order[m]) == 0;
		     m++)
			;
	}
	for (i = 0, j = 0; i < m; i++) {
		g = order[i];
		if (name_of(st, &ns, g->k, &g->name, &g->name_len) == -1 ||
		    (g->top >= 0 &&
			name_of(st, &ns, g->top, &g->top_name, NULL) == -1))
			goto fail;
		if (g->name != NULL) /* as the JOIN on name did */
			order[j++] = g;
	}
	/* A name missing (never: ids come from it) takes a place: read all. */
	if (j < m && m < byk.n) {
		for (i = m; i < byk.n; i++) {
			g = order[i];
			if (name_of(st, &ns, g->k, &g->name, &g->name_len) ==
				-1 ||
			    (g->top >= 0 &&
				name_of(st, &ns, g->top, &g->top_name, NULL) ==
				    -1))
				goto fail;
			if (g->name != NULL)
				order[j++] = g;
		}
	}
	m = j;
	qsort(order, m, sizeof(*order), grp_cmp);
	if (p.top >= 0 && (size_t)p.top < m)
		m = (size_t)p.top;
	for (i = 0; i < m; i++) {
		memset(&r, 0, sizeof(r));
		r.name = order[i]->name;
		r.top_class =
		    order[i]->top_name != NULL ? order[i]->top_name : "";
		r.enhanced = r.cls = r.text = r.sample = "";
		r.c = order[i]->c;
		if (fn(&r, arg) != 0) {
			store_failx(st, "%s: stopped by the caller", what);
			goto fail;
		}
	}
	ret = 0;
	goto fail;
nomem:
	store_failx(st, "%s: out of memory", what);
fail:
	sql_finalize(&ns);
	free(order);
	grp_free(&byk);
	return ret;
}

/*
 * Calls fn for the top f->top recipient domains (name, counts, top_class),
 * most final failures first, then most attempts, then most sent.
 */
int
query_by_domain(
    struct store *st, const struct query_filter *f, query_row_fn *fn, void *arg)
{
	return query_by_name(st, "by_domain", 0, f, fn, arg);
}

/* As query_by_domain(), grouped by provider ("" = not recognised). */
int
query_by_provider(
    struct store *st, const struct query_filter *f, query_row_fn *fn, void *arg)
{
	return query_by_name(st, "by_provider", 1, f, fn, arg);
}

/* As query_by_domain(), grouped by logging host ("" = none). */
int
query_by_host(
    struct store *st, const struct query_filter *f, query_row_fn *fn, void *arg)
{
	return query_by_name(st, "by_host", 7, f, fn, arg);
}

/* The by_code order: final failures, attempts, code, enhanced, class. */
static int
code_cmp(const void *a, const void *b)
{
	const struct grp *x = *(const struct grp *const *)a;
	const struct grp *y = *(const struct grp *const *)b;
	int64_t fx = x->c.deferred + x->c.bounced + x->c.expired;
	int64_t fy = y->c.deferred + y->c.bounced + y->c.expired;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int d;

	if (fx != fy)
		return fx > fy ? -1 : 1;
	if (x->c.attempts != y->c.attempts)
		return x->c.attempts > y->c.attempts ? -1 : 1;
	if (x->code != y->code)
		return x->code < y->code ? -1 : 1;
	if ((d = memcmp(x->name, y->name, n)) != 0)
		return d;
	if (x->name_len != y->name_len)
		return x->name_len < y->name_len ? -1 : 1;
	return x->cls < y->cls ? -1 : x->cls > y->cls;
}

/*
 * A copy of the reply text of event id into g->text ("" when none). s is
 * sql_reply_of, reset here. 0 or -1.
 */
static int
reply_of(struct store *st, struct sql_stmt *s, int64_t id, struct grp *g)
{
	const void *v = NULL;
	size_t n = 0;
	int rc;

	if ((rc = sql_first_int64(st, s, ":id", id)) == -1)
		return -1;
	if (rc == SQL_ROW)
		v = sql_blob(s, 0, &n);
	if ((g->text = malloc(n + 1)) == NULL) {
		sql_reset(s);
		return store_failx(st, "reply: out of memory");
	}
	if (n > 0)
		memcpy(g->text, v, n);
	g->text[n] = '\0';
	g->text_len = n;
	sql_reset(s);
	return 0;
}

/* The group of (k, cls) in t, or NULL. */
static struct grp *
grp_find(const struct grp_table *t, int64_t k, int64_t cls)
{
	size_t j;
	struct grp *g;

	if (t->slot == NULL)
		return NULL;
	for (j = grp_hash(k, cls) & t->mask; t->slot[j] != 0;
	     j = (j + 1) & t->mask) {
		g = &t->g[t->slot[j] - 1];
		if (g->k == k && g->cls == cls)
			return g;
	}
	return NULL;
}

/*
 * Finds the sample event of each of the m groups of order[] (g->eid: the
 * latest not a suspended repeat; g->eid_any: the latest) in one pass over
 * the range's failure events, newest first, which stops as soon as every
 * group has its sample: the top groups are the frequent ones, so a report
 * reads a few recent events instead of 90 days of them (a year of a busy
 * server: 3.6M events). Marks the groups with g->fn = 1 while looking.
 */
static int
code_samples(struct store *st, const struct params *p, struct grp_table *t,
    struct grp **order, size_t m)
{
	struct sql_stmt s;
	struct grp *g;
	size_t i, left = m;
	int64_t id;
	int rc = 0;

	if (m == 0)
		return 0;
	for (i = 0; i < m; i++)
		order[i]->fn = 1;
	if (prepare(st, &s, "by_code", sql_by_code_events, p) == -1)
		return -1;
	while (left > 0 && (rc = sql_step(st, &s)) == SQL_ROW) {
		g = grp_find(t,
		    sql_int64(&s, 0) * ((int64_t)1 << 40) + sql_int64(&s, 1),
		    sql_int64(&s, 2));
		if (g == NULL || g->fn != 1)
			continue;
		id = sql_int64(&s, 3);
		if (g->eid_any == 0)
			g->eid_any = id;
		if (sql_int64(&s, 4) == 0) {
			g->eid = id;
			g->fn = 0;
			left--;
		}
	}
	sql_finalize(&s);
	return left > 0 && rc == -1 ? -1 : 0;
}

/*
 * Calls fn for the top f->top (code, enhanced, class) groups of failures
 * with their counts and, in text, the reply of the latest matching event
 * that is not a suspended repeat (any, if all are; latest by time, then
 * by id). Grouped in C (33 -> 10 ms in a 30-day report over 90 days of a
 * busy server): what the SQL of git history did, ties between classes
 * broken by class id.
 */
int
query_by_code(
    struct store *st, const struct query_filter *f, query_row_fn *fn, void *arg)
{
	struct grp_table t = { 0 };
	struct grp *g, **order = NULL;
	struct query_cache *c;
	struct query_row r;
	struct params p;
	struct sql_stmt ns = { NULL, NULL }, rs = { NULL, NULL };
	int64_t id;
	size_t i, m;
	int ret = -1;

	if (params_init(st, f, &p) == -1 || (c = query_scan(st, &p)) == NULL)
		return -1;
	for (i = 0; i < c->code.n; i++) {
		if (p.has_cls && c->code.g[i].cls != p.cls)
			continue;
		if ((g = grp_get(&t, c->code.g[i].k, c->code.g[i].cls)) == NULL)
			goto nomem;
		g->code = c->code.g[i].code;
		g->top = c->code.g[i].top;
		g->c = c->code.g[i].c;
	}
	if (sql_prepare(st, &ns, "by_code", sql_name_of, false) == -1 ||
	    sql_prepare(st, &rs, "by_code", sql_reply_of, false) == -1)
		goto fail;
	if ((order = malloc((t.n + 1) * sizeof(*order))) == NULL)
		goto nomem;
	for (i = 0, m = 0; i < t.n; i++) {
		g = &t.g[i];
		if (name_of(st, &ns, g->top, &g->name, &g->name_len) == -1 ||
		    name_of(st, &ns, g->cls, &g->top_name, NULL) == -1)
			goto fail;
		if (g->name != NULL && g->top_name != NULL)
			order[m++] = g;
	}
	qsort(order, m, sizeof(*order), code_cmp);
	if (p.top >= 0 && (size_t)p.top < m)
		m = (size_t)p.top;
	if (code_samples(st, &p, &t, order, m) == -1)
		goto fail;
	for (i = 0; i < m; i++) {
		g = order[i];
		id = g->eid != 0 ? g->eid : g->eid_any;
		if (reply_of(st, &rs, id, g) == -1)
			goto fail;
		memset(&r, 0, sizeof(r));
		r.name = r.top_class = r.sample = "";
		r.code = (int)g->code;
		r.enhanced = g->name;
		r.cls = g->top_name;
		r.c = g->c;
		r.text = g->text;
		r.text_len = g->text_len;
		if (fn(&r, arg) != 0) {
			store_failx(st, "by_code: stopped by the caller");
			goto fail;
		}
	}
	ret = 0;
	goto fail;
nomem:
	store_failx(st, "by_code: out of memory");
fail:
	sql_finalize(&ns);
	sql_finalize(&rs);
	free(order);
	grp_free(&t);
	return ret;
}

/* One class's counts in the hour being summed (hourly_scan()). */
struct hslot {
	int64_t cls; /* class name id */
	char *name;  /* its name, read on first sight */
	struct query_counts c;
	bool seen; /* rows in this hour */
};

struct hslots {
	struct hslot *v;
	size_t n;
};

static void
hslots_free(struct hslots *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
}

/* The slot of class cls (a new one named through ns). NULL on error. */
static struct hslot *
hslot_get(struct store *st, struct sql_stmt *ns, struct hslots *t, int64_t cls)
{
	struct hslot *v;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].cls == cls)
			return &t->v[i];
	if ((v = realloc(t->v, (t->n + 1) * sizeof(*v))) == NULL) {
		store_failx(st, "hourly: out of memory");
		return NULL;
	}
	t->v = v;
	v = &t->v[t->n];
	memset(v, 0, sizeof(*v));
	v->cls = cls;
	if (ns != NULL && name_of(st, ns, cls, &v->name, NULL) == -1)
		return NULL;
	if (ns != NULL && v->name == NULL && (v->name = strdup("")) == NULL) {
		store_failx(st, "hourly: out of memory");
		return NULL;
	}
	t->n++;
	return v;
}

/* Calls fn for each slot with rows in hour t, then empties them. */
static int
hslots_emit(struct store *st, struct hslots *t, int64_t hour, query_row_fn *fn,
    void *arg)
{
	struct query_row r;
	size_t i;

	for (i = 0; i < t->n; i++) {
		if (!t->v[i].seen)
			continue;
		memset(&r, 0, sizeof(r));
		r.name = r.top_class = r.enhanced = r.text = r.sample = "";
		r.cls = t->v[i].name != NULL ? t->v[i].name : "";
		r.time = hour;
		r.c = t->v[i].c;
		memset(&t->v[i].c, 0, sizeof(t->v[i].c));
		t->v[i].seen = false;
		if (fn(&r, arg) != 0)
			return store_failx(st, "hourly: stopped by the caller");
	}
	return 0;
}

/* Where bs_hours() sums the rows of an hourly series (hourly_scan()). */
struct hour_sink {
	struct store *st;
	const struct params *p;
	struct sql_stmt *ns; /* names of classes (by_class), or NULL */
	struct hslots t;
	struct hslot *h; /* the slot of the row before */
	int64_t hour;    /* the hour being summed, when open */
	bool open, failed;
	query_row_fn *fn;
	void *arg;
};

/*
 * bs_hours(sink, bucket, class, status, kind, n): adds the row to its
 * hour's slot, first passing the hour before to the caller when this is
 * another. When that fails, the message is the store's (k->failed).
 */
static void
hours_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct hour_sink *k = sink_of(ctx, argv[0], HOURS_PTR);
	int64_t bucket, cls;

	if (k == NULL || argc != 6)
		return;
	bucket = sqlite3_value_int64(argv[1]);
	if (k->open && bucket != k->hour) {
		if (hslots_emit(k->st, &k->t, k->hour, k->fn, k->arg) == -1)
			goto fail;
		k->open = false;
	}
	k->hour = bucket;
	k->open = true;
	cls = k->ns != NULL ? sqlite3_value_int64(argv[2]) : 0;
	if ((k->h == NULL || k->h->cls != cls) &&
	    (k->h = hslot_get(k->st, k->ns, &k->t, cls)) == NULL)
		goto fail;
	k->h->seen = true;
	counts_add(&k->h->c, k->p, sqlite3_value_int64(argv[3]),
	    sqlite3_value_int64(argv[4]), sqlite3_value_int64(argv[5]));
	return;
fail:
	k->failed = true;
	sqlite3_result_error(ctx, "hourly: failed", -1);
}

/*
 * Runs one statement of the hourly series, sql over [since, until) of
 * p, into k (its rows added to k's open hour and hours before). 0 or -1.
 */
static int
hourly_step(struct store *st, const struct params *p, const char *sql,
    int64_t since, int64_t until, struct hour_sink *k)
{
	struct params q = *p;
	struct sql_stmt s;
	int rc = -1;

	if (since >= until)
		return 0;
	q.since = since;
	q.until = until;
	if (prepare(st, &s, "hourly", sql, &q) == -1)
		return -1;
	if (bind_sink(st, &s, k, HOURS_PTR) == -1)
		goto done;
	/* One row, the aggregate's NULL. */
	switch (sqlite3_step(s.s)) {
	case SQLITE_ROW:
	case SQLITE_DONE:
		rc = 0;
		break;
	default:
		if (k->failed) /* the message is the store's */
			sql_reset(&s);
		else
			sql_fail(st, &s);
	}
done:
	sql_finalize(&s);
	return rc;
}

/*
 * The hourly series of f's range, one row per hour (by_class false) or
 * per hour and class (true, each row's cls its name), in time order: the
 * range's rows come in key order, bucket first, and are summed in C.
 * Without filters, the hours before the roll mark come from
 * count_hour_class and those from it on from count_hour (migration
 * 0015), which come later: the order holds.
 */
static int
hourly_scan(struct store *st, const struct query_filter *f, bool by_class,
    query_row_fn *fn, void *arg)
{
	struct params p;
	struct query_cache *c;
	struct sql_stmt ns = { NULL, NULL };
	struct hour_sink k;
	int64_t u;
	int rc = -1;

	if (query_fns(st, &c) == -1 || params_init(st, f, &p) == -1)
		return -1;
	memset(&k, 0, sizeof(k));
	k.st = st;
	k.p = &p;
	k.fn = fn;
	k.arg = arg;
	if (by_class) {
		if (sql_prepare(st, &ns, "hourly", sql_name_of, false) == -1)
			goto done;
		k.ns = &ns;
	}
	if (f->domain != NULL || f->host != NULL || f->finest) {
		if (hourly_step(st, &p, sql_hourly[by_class], p.since, p.until,
			&k) == -1)
			goto done;
	} else {
		u = p.mark < p.since   ? p.since
		    : p.mark < p.until ? p.mark
				       : p.until;
		if (hourly_step(st, &p, sql_hourly_class[by_class], p.since, u,
			&k) == -1 ||
		    hourly_step(st, &p, sql_hourly[by_class], u, p.until, &k) ==
			-1)
			goto done;
	}
	if (k.open && hslots_emit(st, &k.t, k.hour, fn, arg) == -1)
		goto done;
	rc = 0;
done:
	sql_finalize(&ns);
	hslots_free(&k.t);
	return rc;
}

/* Calls fn per hour with counts in the range (time, counts), in order. */
int
query_hourly(
    struct store *st, const struct query_filter *f, query_row_fn *fn, void *arg)
{
	return hourly_scan(st, f, false, fn, arg);
}

/* The same per hour and class (see query.h). */
int
query_hourly_classes(
    struct store *st, const struct query_filter *f, query_row_fn *fn, void *arg)
{
	return hourly_scan(st, f, true, fn, arg);
}

static void
normalize_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	char out[NORM_MAX];
	const void *v;
	size_t n;

	(void)argc;
	/* The pointer first, then its size (SQLite's documented order; as
	 * arguments of one call their order would be unspecified). */
	v = sqlite3_value_blob(argv[0]);
	n = (size_t)sqlite3_value_bytes(argv[0]);
	n = template_normalize(v, n, out, sizeof(out));
	sqlite3_result_text(ctx, out, (int)n, SQLITE_TRANSIENT);
}

/*
 * Calls fn for the top f->top normalized unclassified replies (text, n,
 * time of the last, sample), normalized by the SQL function
 * bs_normalize() (query_fns()).
 */
int
query_unknown(
    struct store *st, const struct query_filter *f, query_row_fn *fn, void *arg)
{
	struct query_filter nf = *f;
	struct query_cache *c;
	struct params p;
	struct sql_stmt s;
	struct query_row r;
	int rc;

	if (query_fns(st, &c) == -1)
		return -1;
	nf.cls = NULL;
	if (params_init(st, &nf, &p) == -1 ||
	    prepare(st, &s, "unknown", sql_unknown, &p) == -1)
		return -1;
	while ((rc = sql_step(st, &s)) == SQL_ROW) {
		memset(&r, 0, sizeof(r));
		r.name = r.top_class = r.enhanced = r.cls = "";
		r.text = sql_text(&s, 0, &r.text_len);
		r.n = sql_int64(&s, 1);
		r.time = sql_int64(&s, 2);
		r.sample = sql_text(&s, 3, &r.sample_len);
		if (fn(&r, arg) != 0) {
			sql_finalize(&s);
			return store_failx(
			    st, "unknown: stopped by the caller");
		}
	}
	sql_finalize(&s);
	return rc == -1 ? -1 : 0;
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
	struct sql_stmt s;
	int64_t prov = -1;
	int rc;

	if (provider != NULL && store_name_id(st, provider, &prov) == -1)
		return -1;
	if (sql_prepare(st, &s, "minutes", sql_minutes, false) == -1)
		return -1;
	if (sql_bind_int64(st, &s, ":since", since) == -1 ||
	    sql_bind_int64(st, &s, ":until", until) == -1 ||
	    sql_bind_opt_int64(st, &s, ":prov", prov, provider == NULL) == -1) {
		sql_finalize(&s);
		return -1;
	}
	while ((rc = sql_step(st, &s)) == SQL_ROW) {
		m.bucket = sql_int64(&s, 0);
		m.provider = sql_text(&s, 1, NULL);
		m.cls = sql_text(&s, 2, NULL);
		m.status = sql_text(&s, 3, NULL);
		m.kind = sql_int(&s, 4);
		m.n = sql_int64(&s, 5);
		if (fn(&m, arg) != 0) {
			sql_finalize(&s);
			return store_failx(
			    st, "minutes: stopped by the caller");
		}
	}
	sql_finalize(&s);
	return rc == -1 ? -1 : 0;
}
