/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Incidents in the store (see incident.h). Each function runs constant SQL
 * texts through the SQL helper (sql.h), prepared per call and bound by
 * named parameter; ids of the vocabulary (class and status names, keys) are
 * looked up first, and a name the database never stored becomes id -1,
 * which matches nothing. Every statement is finalized on every path, and
 * every error names the statement.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident.h"
#include "incident_row.h"
#include "sql.h"
#include "store_priv.h"

/* Rows of the event table that may open an incident: no suspended repeat,
 * no local decision of our MTA (event.h's flags, stored as they are). */
#define EVENT_LIVE                                                             \
	"e.flags & (" STORE_STR(BS_EVENT_SUSPENDED) " | " STORE_STR(           \
	    BS_EVENT_LOCAL) ") = 0 "
/* The key of an event row: its provider, else its recipient domain. */
#define EVENT_KEY "CASE WHEN e.provider <> 0 THEN e.provider ELSE e.domain END"

static const char sql_series_class[] =
    "SELECT kn.s, '', x.m, x.c, 0 FROM (SELECT " EVENT_KEY " AS k, "
    "e.t - e.t % 60 AS m, count(*) AS c FROM event e "
    "WHERE e.t >= :lo AND e.t < :hi AND e.class = :cls AND " EVENT_LIVE
    "AND (:no_dnsbl = 0 OR e.dnsbl = 0) GROUP BY k, m) x "
    "JOIN name kn ON kn.id = x.k ORDER BY kn.s, x.m";

static const char sql_series_dnsbl[] =
    "SELECT bn.s, ln.s, x.m, x.c, 0 FROM (SELECT e.dnsbl AS b, "
    "e.listed_ip AS l, e.t - e.t % 60 AS m, count(*) AS c FROM event e "
    "WHERE e.t >= :lo AND e.t < :hi AND e.dnsbl <> 0 AND " EVENT_LIVE
    "GROUP BY b, l, m) x JOIN name bn ON bn.id = x.b "
    "JOIN name ln ON ln.id = x.l ORDER BY bn.s, ln.s, x.m";

/* Classes left out of a rate's numerator (-1 binds nothing). */
#define EXCEPT "class NOT IN (:x1, :x2, :x3, :x4)"

static const char sql_series_rate[] =
    "SELECT pn.s, '', x.m, x.n, x.d FROM (SELECT provider AS p, "
    "bucket AS m, coalesce(sum(n) FILTER (WHERE status = :num AND " EXCEPT
    "), 0) AS n, "
    "sum(n) AS d FROM count_minute WHERE bucket >= :lo AND bucket < :hi "
    "AND kind = " STORE_STR(
	STORE_KIND_FINAL) " AND provider <> 0 AND status IN "
			  "(:sent, :deferred, :bounced, :expired) GROUP BY p, m) x "
			  "JOIN name pn ON pn.id = x.p ORDER BY pn.s, x.m";

/*
 * Issue 14, migration 0012: the rate series (sql_series_rate's rows) read
 * from the packed minutes and summed in C (series_rate()); through the
 * count_minute view, which parses each minute's JSON three times, an
 * `incidents --replay` of a busy server's 3 hours took 1.46 times the
 * instructions of schema 11's.
 */
static const char sql_series_pk[] =
    "SELECT bucket, counts FROM count_minute_pk "
    "WHERE bucket >= :lo AND bucket < :hi ORDER BY bucket";
static const char sql_provider_name[] = "SELECT s FROM name WHERE id = :id";

static const char sql_history_event[] = "SELECT min(t) FROM event";
/* A count_minute_pk row is never empty (migration 0012): its first bucket
 * is count_minute's, read from the primary key. */
static const char sql_history_minute[] =
    "SELECT min(bucket) FROM count_minute_pk";

#define SAMPLE_HEAD                                                            \
	"SELECT r.text, e.code, ru.s FROM event e "                            \
	"JOIN reply r ON r.id = e.reply JOIN name ru ON ru.id = e.rule "       \
	"WHERE e.t >= :lo AND e.t < :hi AND " EVENT_LIVE
#define SAMPLE_TAIL " ORDER BY e.t DESC, e.id DESC LIMIT 1"

static const char sql_sample_class[] = SAMPLE_HEAD
    "AND e.class = :cls AND (:no_dnsbl = 0 OR e.dnsbl = 0) AND "
    "(e.provider = :key OR (e.provider = 0 AND e.domain = :key))" SAMPLE_TAIL;

/* `e.dnsbl <> 0`: lets SQLite use the partial index event_dnsbl. */
static const char sql_sample_dnsbl[] = SAMPLE_HEAD
    "AND e.dnsbl <> 0 AND e.dnsbl = :key AND e.listed_ip = :ip" SAMPLE_TAIL;

static const char sql_sample_rate[] = SAMPLE_HEAD
    "AND e.status = :num AND e.provider = :key AND e." EXCEPT SAMPLE_TAIL;

static const char sql_providers[] =
    "SELECT DISTINCT kn.s FROM event e JOIN name kn ON kn.id = " EVENT_KEY
    " WHERE e.t >= :lo AND e.t < :hi AND e.dnsbl <> 0 AND e.dnsbl = :key AND "
    "e.listed_ip = :ip AND " EVENT_LIVE "ORDER BY kn.s";

/*
 * The logging hosts of an incident's events (issue 15: a fleet): its key's
 * failures in its time, of its class, status or DNSBL listing; among the
 * first 10,000 of them, so that a long incident costs a bounded read.
 */
static const char sql_hosts[] =
    "SELECT DISTINCT hn.s FROM (SELECT e.host AS h FROM event e "
    "WHERE e.t >= :lo AND e.t < :hi AND e.status <> :sent AND " EVENT_LIVE
    "AND (CASE WHEN :dnsbl THEN e.dnsbl = :key AND e.listed_ip = :ip "
    "ELSE " EVENT_KEY " = :key END) AND (:cls IS NULL OR e.class = :cls) "
    "AND (:st IS NULL OR e.status = :st) LIMIT 10000) x "
    "JOIN name hn ON hn.id = x.h WHERE hn.s <> '' ORDER BY hn.s";

#define INCIDENT_COLS                                                          \
	"id, kind, key, listed_ip, providers, state, start, detected, "        \
	"last_seen, resolved, until_t, calm_since, calm_total, calm_seen, "    \
	"win, peak, peak_total, baseline, total, sample, sample_code, rule, "  \
	"action, notified, notified_at"

static const char sql_list[] =
    "SELECT " INCIDENT_COLS " FROM incident "
    "WHERE (state = 'open' OR last_seen >= :since OR resolved >= :since) "
    "AND (:open_only = 0 OR state = 'open') "
    "AND (:pending = 0 OR (state = 'open' AND notified = 0) OR "
    "(state = 'resolved' AND notified < 2 AND resolved >= :since)) "
    "AND (:kind IS NULL OR kind = :kind) AND (:key IS NULL OR key = :key) "
    "ORDER BY state = 'open' DESC, start DESC, id DESC";

void
incident_read_row(const struct sql_stmt *q, struct incident *inc)
{
	memset(inc, 0, sizeof(*inc));
	inc->id = sql_int64(q, 0);
	inc->kind = sql_text(q, 1, NULL);
	inc->key = sql_text(q, 2, NULL);
	inc->listed_ip = sql_text(q, 3, NULL);
	inc->providers = sql_text(q, 4, NULL);
	inc->open = strcmp(sql_text(q, 5, NULL), "open") == 0;
	inc->start = sql_int64(q, 6);
	inc->detected = sql_int64(q, 7);
	inc->last_seen = sql_int64(q, 8);
	inc->resolved = sql_int64(q, 9);
	inc->until = sql_int64(q, 10);
	inc->calm_since = sql_int64(q, 11);
	inc->calm_total = sql_int64(q, 12);
	inc->calm_seen = sql_int64(q, 13);
	inc->window = sql_int64(q, 14);
	inc->peak = sql_int64(q, 15);
	inc->peak_total = sql_int64(q, 16);
	inc->baseline = sql_double(q, 17);
	inc->total = sql_int64(q, 18);
	inc->sample = sql_text(q, 19, NULL);
	inc->sample_code = sql_int(q, 20);
	inc->rule = sql_text(q, 21, NULL);
	inc->action = sql_text(q, 22, NULL);
	inc->notified = sql_int(q, 23);
	inc->notified_at = sql_int64(q, 24);
}

static const char sql_insert[] =
    "INSERT INTO incident (kind, key, listed_ip, providers, state, start, "
    "detected, last_seen, resolved, until_t, calm_since, calm_total, "
    "calm_seen, win, peak, peak_total, baseline, total, sample, "
    "sample_code, rule, action) VALUES (:kind, :key, :ip, :providers, "
    ":state, :start, :detected, :last_seen, :resolved, :until, "
    ":calm_since, :calm_total, :calm_seen, :win, :peak, :peak_total, "
    ":baseline, :total, :sample, :sample_code, :rule, :action)";

static const char sql_update[] =
    "UPDATE incident SET providers = :providers, state = :state, "
    "start = :start, detected = :detected, last_seen = :last_seen, "
    "resolved = :resolved, until_t = :until, calm_since = :calm_since, "
    "calm_total = :calm_total, calm_seen = :calm_seen, win = :win, "
    "peak = :peak, peak_total = :peak_total, baseline = :baseline, "
    "total = :total, sample = :sample, sample_code = :sample_code, "
    "rule = :rule, action = :action WHERE id = :id";

static const char sql_notified[] =
    "UPDATE incident SET notified = :notified, notified_at = :at "
    "WHERE id = :id AND notified < :notified";

/* Binds v to the parameter called name when s has one. 0 or -1. */
static int
bind_int(struct store *st, struct sql_stmt *s, const char *name, int64_t v)
{
	return sql_bind_opt_int64(st, s, name, v, false);
}

/* Name ids a source's statements bind. */
struct ids {
	int64_t cls, num, sent, deferred, bounced, expired;
	int64_t except[INCIDENT_EXCEPT_MAX];
};

static int
source_ids(
    struct store *st, const struct incident_source_spec *src, struct ids *ids)
{
	size_t i;

	memset(ids, 0, sizeof(*ids));
	switch (src->source) {
	case INCIDENT_SRC_CLASS:
		return store_name_id(st, src->cls, &ids->cls);
	case INCIDENT_SRC_DNSBL:
		return 0;
	case INCIDENT_SRC_RATE:
		for (i = 0; i < INCIDENT_EXCEPT_MAX; i++) {
			ids->except[i] = -1;
			if (src->except != NULL && src->except[i] != NULL &&
			    store_name_id(
				st, src->except[i], &ids->except[i]) == -1)
				return -1;
			if (src->except == NULL || src->except[i] == NULL)
				break;
		}
		for (; i < INCIDENT_EXCEPT_MAX; i++)
			ids->except[i] = -1;
		if (store_name_id(st, src->status, &ids->num) == -1 ||
		    store_name_id(st, "sent", &ids->sent) == -1 ||
		    store_name_id(st, "deferred", &ids->deferred) == -1 ||
		    store_name_id(st, "bounced", &ids->bounced) == -1 ||
		    store_name_id(st, "expired", &ids->expired) == -1)
			return -1;
		return 0;
	}
	return store_failx(st, "incident: unknown source %d", (int)src->source);
}

/* Binds the ids of a source to the parameters s has of them. 0 or -1. */
static int
bind_source(struct store *st, struct sql_stmt *s,
    const struct incident_source_spec *src, const struct ids *ids)
{
	static const char *const except[INCIDENT_EXCEPT_MAX] = { ":x1", ":x2",
		":x3", ":x4" };
	size_t i;

	if (bind_int(st, s, ":cls", ids->cls) == -1 ||
	    bind_int(st, s, ":no_dnsbl", src->no_dnsbl ? 1 : 0) == -1 ||
	    bind_int(st, s, ":num", ids->num) == -1 ||
	    bind_int(st, s, ":sent", ids->sent) == -1 ||
	    bind_int(st, s, ":deferred", ids->deferred) == -1 ||
	    bind_int(st, s, ":bounced", ids->bounced) == -1 ||
	    bind_int(st, s, ":expired", ids->expired) == -1)
		return -1;
	for (i = 0; i < INCIDENT_EXCEPT_MAX; i++)
		if (bind_int(st, s, except[i], ids->except[i]) == -1)
			return -1;
	return 0;
}

/* One row of the rate series: provider p's sums in minute m. */
struct rate_pt {
	int64_t p, m, n, d;
	const char *name; /* p's (series_rate()), NULL before */
};

struct rate_acc {
	const struct ids *ids;
	struct rate_pt *v;
	size_t n, cap;
	int64_t m; /* the minute being read */
};

/*
 * store_minute_each() callback: one count of minute a->m, kept as
 * sql_series_rate's WHERE and FILTER keep it. 0, or 1 (out of memory).
 */
static int
rate_add(const struct store_ment *e, void *arg)
{
	struct rate_acc *a = arg;
	const struct ids *ids = a->ids;
	int64_t status = e->k[1] >> 2, cls = e->k[0];
	struct rate_pt *grown;
	size_t i, cap;
	bool num;

	if ((e->k[1] & 3) != STORE_KIND_FINAL || e->k[2] == 0 ||
	    (status != ids->sent && status != ids->deferred &&
		status != ids->bounced && status != ids->expired))
		return 0;
	if (a->n == a->cap) {
		cap = a->cap == 0 ? 256 : a->cap * 2;
		if ((grown = realloc(a->v, cap * sizeof(*grown))) == NULL)
			return 1;
		a->v = grown;
		a->cap = cap;
	}
	num = status == ids->num;
	for (i = 0; i < INCIDENT_EXCEPT_MAX; i++)
		num = num && cls != ids->except[i];
	a->v[a->n++] =
	    (struct rate_pt){ e->k[2], a->m, num ? e->n : 0, e->n, NULL };
	return 0;
}

static int
pt_by_provider(const void *x, const void *y)
{
	const struct rate_pt *a = x, *b = y;

	if (a->p != b->p)
		return a->p < b->p ? -1 : 1;
	return a->m < b->m ? -1 : a->m > b->m;
}

/* ORDER BY pn.s, x.m; names are distinct. */
static int
pt_by_name(const void *x, const void *y)
{
	const struct rate_pt *a = x, *b = y;
	int c = strcmp(a->name, b->name);

	if (c != 0)
		return c;
	return a->m < b->m ? -1 : a->m > b->m;
}

/*
 * Sums v[0..n) by (p, m), sorted by provider and minute; returns the
 * number of rows left.
 */
static size_t
rate_sum(struct rate_pt *v, size_t n)
{
	size_t i, o = 0;

	if (n < 2)
		return n;
	qsort(v, n, sizeof(*v), pt_by_provider);
	for (i = 0; i < n; i++)
		if (o > 0 && v[o - 1].p == v[i].p && v[o - 1].m == v[i].m) {
			v[o - 1].n += v[i].n;
			v[o - 1].d += v[i].d;
		} else
			v[o++] = v[i];
	return o;
}

/*
 * The rows of sql_series_rate, in its order, from count_minute_pk: the
 * packed minutes of [lo, hi) parsed in C, summed per provider and minute,
 * joined with the providers' names. 0, fn's nonzero return, or -1.
 */
static int
series_rate(struct store *st, const struct ids *ids, int64_t lo, int64_t hi,
    incident_point_fn *fn, void *arg)
{
	struct rate_acc a = { ids, NULL, 0, 0, 0 };
	struct sql_stmt s, q;
	const char *text;
	size_t len, n, i, j, mark;
	char **names = NULL, **grown;
	size_t nnames = 0;
	int rc;

	if (sql_prepare(st, &s, "incident series", sql_series_pk, false) == -1)
		return -1;
	if (bind_int(st, &s, ":lo", lo) == -1 ||
	    bind_int(st, &s, ":hi", hi) == -1) {
		sql_finalize(&s);
		return -1;
	}
	while ((rc = sql_step(st, &s)) == SQL_ROW) {
		a.m = sql_int64(&s, 0);
		text = sql_text(&s, 1, &len);
		mark = a.n;
		if ((rc = store_minute_each(text, len, rate_add, &a)) != 0) {
			rc = rc == 1 ? store_failx(st,
					   "incident series: "
					   "out of memory")
				     : store_failx(st,
					   "incident series: minute %lld: "
					   "not packed minute counts",
					   (long long)a.m);
			break;
		}
		/* Sum the minute now: a long range stays small. */
		a.n = mark + rate_sum(a.v + mark, a.n - mark);
	}
	sql_finalize(&s);
	if (rc == -1) {
		free(a.v);
		return -1;
	}
	n = rate_sum(a.v, a.n);
	/* Each provider's name, once (JOIN name: none, no rows). */
	if (n > 0 &&
	    sql_prepare(st, &q, "incident series: provider", sql_provider_name,
		false) == -1) {
		free(a.v);
		return -1;
	}
	for (i = 0, j = 0; i < n && rc != -1; i = j) {
		for (j = i; j < n && a.v[j].p == a.v[i].p; j++)
			;
		grown = realloc(names, (nnames + 1) * sizeof(*names));
		if (grown == NULL) {
			rc = store_failx(st, "incident series: out of memory");
			break;
		}
		names = grown;
		sql_reset(&q);
		if (bind_int(st, &q, ":id", a.v[i].p) == -1) {
			rc = -1;
			break;
		}
		if ((rc = sql_step(st, &q)) == -1)
			break;
		if (rc != SQL_ROW)
			continue;
		if ((names[nnames] = strdup(sql_text(&q, 0, NULL))) == NULL) {
			rc = store_failx(st, "incident series: out of memory");
			break;
		}
		for (; i < j; i++)
			a.v[i].name = names[nnames];
		nnames++;
	}
	if (n > 0)
		sql_finalize(&q);
	if (rc != -1) {
		rc = 0;
		for (i = 0, j = 0; i < n; i++) /* providers without a name */
			if (a.v[i].name != NULL)
				a.v[j++] = a.v[i];
		if (j > 1)
			qsort(a.v, j, sizeof(*a.v), pt_by_name);
		for (i = 0; i < j && rc == 0; i++)
			rc = fn(
			    a.v[i].name, "", a.v[i].m, a.v[i].n, a.v[i].d, arg);
	}
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	free(a.v);
	return rc;
}

/*
 * Calls fn for every minute of src in [lo, hi) (see incident.h). 0, fn's
 * nonzero return, or -1 with store_errmsg() set.
 */
int
incident_series(struct store *st, const struct incident_source_spec *src,
    int64_t lo, int64_t hi, incident_point_fn *fn, void *arg)
{
	const char *sql;
	struct sql_stmt s;
	struct ids ids;
	int rc;

	if (source_ids(st, src, &ids) == -1)
		return -1;
	if (src->source == INCIDENT_SRC_RATE)
		return series_rate(st, &ids, lo, hi, fn, arg);
	sql = src->source == INCIDENT_SRC_CLASS ? sql_series_class
	    : src->source == INCIDENT_SRC_DNSBL ? sql_series_dnsbl
						: sql_series_rate;
	if (sql_prepare(st, &s, "incident series", sql, false) == -1)
		return -1;
	if (bind_source(st, &s, src, &ids) == -1 ||
	    bind_int(st, &s, ":lo", lo) == -1 ||
	    bind_int(st, &s, ":hi", hi) == -1) {
		sql_finalize(&s);
		return -1;
	}
	while ((rc = sql_step(st, &s)) == SQL_ROW) {
		rc = fn(sql_text(&s, 0, NULL), sql_text(&s, 1, NULL),
		    sql_int64(&s, 2), sql_int64(&s, 3), sql_int64(&s, 4), arg);
		if (rc != 0) {
			sql_finalize(&s);
			return rc;
		}
	}
	sql_finalize(&s);
	return rc == -1 ? -1 : 0;
}

/* The oldest time src has data for (see incident.h). 1, 0 or -1. */
int
incident_history(
    struct store *st, const struct incident_source_spec *src, int64_t *t)
{
	struct sql_stmt s;
	int rc, found = 0;

	if (sql_prepare(st, &s, "incident history",
		src->source == INCIDENT_SRC_RATE ? sql_history_minute
						 : sql_history_event,
		false) == -1)
		return -1;
	if ((rc = sql_step(st, &s)) == SQL_ROW && !sql_is_null(&s, 0)) {
		*t = sql_int64(&s, 0);
		found = 1;
	} else if (rc == -1)
		found = -1;
	sql_finalize(&s);
	return found;
}

/* Copies at most outlen - 1 bytes of s and a NUL. */
static void
copy_out(char *out, size_t outlen, const char *s, size_t len)
{
	if (outlen == 0)
		return;
	if (len >= outlen)
		len = outlen - 1;
	memcpy(out, s, len);
	out[len] = '\0';
}

/* The latest reply of src for key in [lo, hi) (see incident.h). */
int
incident_sample(struct store *st, const struct incident_source_spec *src,
    const char *key, const char *ip, int64_t lo, int64_t hi, char *text,
    size_t textlen, int *code, char *rule, size_t rulelen)
{
	const char *sql, *v;
	struct sql_stmt s;
	struct ids ids;
	int64_t kid, iid = 0;
	size_t n;
	int rc, found = 0;

	if (source_ids(st, src, &ids) == -1 ||
	    store_name_id(st, key, &kid) == -1)
		return -1;
	if (src->source == INCIDENT_SRC_DNSBL &&
	    store_name_id(st, ip, &iid) == -1)
		return -1;
	sql = src->source == INCIDENT_SRC_CLASS ? sql_sample_class
	    : src->source == INCIDENT_SRC_DNSBL ? sql_sample_dnsbl
						: sql_sample_rate;
	if (sql_prepare(st, &s, "incident sample", sql, false) == -1)
		return -1;
	if (bind_source(st, &s, src, &ids) == -1 ||
	    bind_int(st, &s, ":lo", lo) == -1 ||
	    bind_int(st, &s, ":hi", hi) == -1 ||
	    bind_int(st, &s, ":key", kid) == -1 ||
	    bind_int(st, &s, ":ip", iid) == -1) {
		sql_finalize(&s);
		return -1;
	}
	if ((rc = sql_step(st, &s)) == SQL_ROW) {
		v = sql_blob(&s, 0, &n);
		copy_out(text, textlen, v != NULL ? v : "", n);
		*code = sql_int(&s, 1);
		v = sql_text(&s, 2, NULL);
		copy_out(rule, rulelen, v, strlen(v));
		found = 1;
	} else if (rc == -1)
		found = -1;
	sql_finalize(&s);
	return found;
}

/*
 * Appends name to the ", "-separated list of *used bytes in out (outlen
 * bytes, NUL-terminated): whole names only, so false when it does not fit.
 */
static bool
list_add(char *out, size_t outlen, size_t *used, const char *name)
{
	size_t len = strlen(name);

	if (*used + (*used > 0 ? 2 : 0) + len + 1 > outlen)
		return false;
	if (*used > 0) {
		memcpy(out + *used, ", ", 2);
		*used += 2;
	}
	memcpy(out + *used, name, len);
	*used += len;
	out[*used] = '\0';
	return true;
}

/* The receivers that named dnsbl and ip (see incident.h). */
int
incident_providers(struct store *st, const char *dnsbl, const char *ip,
    int64_t lo, int64_t hi, char *out, size_t outlen)
{
	struct sql_stmt s;
	const char *name;
	size_t used = 0;
	int64_t bid, iid;
	int rc, n = 0;

	if (outlen > 0)
		out[0] = '\0';
	if (store_name_id(st, dnsbl, &bid) == -1 ||
	    store_name_id(st, ip, &iid) == -1)
		return -1;
	if (sql_prepare(st, &s, "incident providers", sql_providers, false) ==
	    -1)
		return -1;
	if (bind_int(st, &s, ":lo", lo) == -1 ||
	    bind_int(st, &s, ":hi", hi) == -1 ||
	    bind_int(st, &s, ":key", bid) == -1 ||
	    bind_int(st, &s, ":ip", iid) == -1) {
		sql_finalize(&s);
		return -1;
	}
	while ((rc = sql_step(st, &s)) == SQL_ROW) {
		name = sql_text(&s, 0, NULL);
		if (name[0] != '\0' && list_add(out, outlen, &used, name))
			n++;
	}
	sql_finalize(&s);
	return rc == -1 ? -1 : n;
}

/* See incident.h. */
int
incident_hosts(
    struct store *st, const struct incident *inc, char *out, size_t outlen)
{
	struct sql_stmt s;
	enum bs_class cls;
	const char *stname = NULL;
	int64_t sent, key, ip = 0, cid = 0, sid = 0;
	bool dnsbl = strcmp(inc->kind, "dnsbl") == 0, has_cls;
	size_t used = 0;
	int rc;

	out[0] = '\0';
	has_cls = bs_class_from_name(inc->kind, strlen(inc->kind), &cls) == 0;
	if (strcmp(inc->kind, "deferral_rate") == 0)
		stname = "deferred";
	else if (strcmp(inc->kind, "bounce_rate") == 0)
		stname = "bounced";
	if (store_name_id(st, "sent", &sent) == -1 ||
	    store_name_id(st, inc->key, &key) == -1 ||
	    (dnsbl && store_name_id(st, inc->listed_ip, &ip) == -1) ||
	    (has_cls && store_name_id(st, inc->kind, &cid) == -1) ||
	    (stname != NULL && store_name_id(st, stname, &sid) == -1))
		return -1;
	if (sql_prepare(st, &s, "incident hosts", sql_hosts, false) == -1)
		return -1;
	if (bind_int(st, &s, ":lo", inc->start) == -1 ||
	    bind_int(st, &s, ":hi", inc->last_seen + 60) == -1 ||
	    bind_int(st, &s, ":sent", sent) == -1 ||
	    bind_int(st, &s, ":dnsbl", dnsbl ? 1 : 0) == -1 ||
	    bind_int(st, &s, ":key", key) == -1 ||
	    bind_int(st, &s, ":ip", ip) == -1 ||
	    sql_bind_opt_int64(st, &s, ":cls", cid, !has_cls) == -1 ||
	    sql_bind_opt_int64(st, &s, ":st", sid, stname == NULL) == -1) {
		sql_finalize(&s);
		return -1;
	}
	while ((rc = sql_step(st, &s)) == SQL_ROW)
		(void)list_add(out, outlen, &used, sql_text(&s, 0, NULL));
	sql_finalize(&s);
	return rc == -1 ? -1 : 0;
}

/* Calls fn for each incident matching f (see incident.h). */
int
incident_list(struct store *st, const struct incident_filter *f,
    incident_fn *fn, void *arg)
{
	struct incident inc;
	struct sql_stmt s;
	char hosts[INCIDENT_HOSTS_MAX];
	int rc;

	if (sql_prepare(st, &s, "incident list", sql_list, false) == -1)
		return -1;
	if (bind_int(st, &s, ":since", f->since) == -1 ||
	    bind_int(st, &s, ":open_only", f->open_only ? 1 : 0) == -1 ||
	    bind_int(st, &s, ":pending", f->pending ? 1 : 0) == -1 ||
	    sql_bind_opt_text(st, &s, ":kind", f->kind) == -1 ||
	    sql_bind_opt_text(st, &s, ":key", f->key) == -1) {
		sql_finalize(&s);
		return -1;
	}
	while ((rc = sql_step(st, &s)) == SQL_ROW) {
		incident_read_row(&s, &inc);
		if (!f->no_hosts) {
			if (incident_hosts(st, &inc, hosts, sizeof(hosts)) ==
			    -1) {
				sql_finalize(&s);
				return -1;
			}
			inc.hosts = hosts;
		}
		if ((rc = fn(&inc, arg)) != 0) {
			sql_finalize(&s);
			return rc;
		}
	}
	sql_finalize(&s);
	return rc == -1 ? -1 : 0;
}

/* A string of an incident for binding: NULL binds "". */
static const char *
str(const char *s)
{
	return s != NULL ? s : "";
}

/* Binds the fields of inc to the parameters s has of them. 0 or -1. */
static int
bind_incident(struct store *st, struct sql_stmt *s, const struct incident *inc)
{
	if (bind_int(st, s, ":id", inc->id) == -1 ||
	    sql_bind_opt_text(st, s, ":kind", str(inc->kind)) == -1 ||
	    sql_bind_opt_text(st, s, ":key", str(inc->key)) == -1 ||
	    sql_bind_opt_text(st, s, ":ip", str(inc->listed_ip)) == -1 ||
	    sql_bind_opt_text(st, s, ":providers", str(inc->providers)) == -1 ||
	    sql_bind_opt_text(
		st, s, ":state", inc->open ? "open" : "resolved") == -1 ||
	    bind_int(st, s, ":start", inc->start) == -1 ||
	    bind_int(st, s, ":detected", inc->detected) == -1 ||
	    bind_int(st, s, ":last_seen", inc->last_seen) == -1 ||
	    bind_int(st, s, ":resolved", inc->open ? 0 : inc->resolved) == -1 ||
	    bind_int(st, s, ":until", inc->until) == -1 ||
	    bind_int(st, s, ":calm_since", inc->calm_since) == -1 ||
	    bind_int(st, s, ":calm_total", inc->calm_total) == -1 ||
	    bind_int(st, s, ":calm_seen", inc->calm_seen) == -1 ||
	    bind_int(st, s, ":win", inc->window) == -1 ||
	    bind_int(st, s, ":peak", inc->peak) == -1 ||
	    bind_int(st, s, ":peak_total", inc->peak_total) == -1 ||
	    sql_bind_opt_double(st, s, ":baseline", inc->baseline) == -1 ||
	    bind_int(st, s, ":total", inc->total) == -1 ||
	    sql_bind_opt_text(st, s, ":sample", str(inc->sample)) == -1 ||
	    bind_int(st, s, ":sample_code", inc->sample_code) == -1 ||
	    sql_bind_opt_text(st, s, ":rule", str(inc->rule)) == -1 ||
	    sql_bind_opt_text(st, s, ":action", str(inc->action)) == -1)
		return -1;
	return 0;
}

/* Runs a write statement once; 0 or -1. */
static int
run_write(struct store *st, const char *what, const char *sql,
    const struct incident *inc, int64_t notified, int64_t at, int64_t id)
{
	struct sql_stmt s;
	int rc;

	if (sql_prepare(st, &s, what, sql, false) == -1)
		return -1;
	if (inc != NULL)
		rc = bind_incident(st, &s, inc);
	else
		rc = bind_int(st, &s, ":id", id) == -1 ||
			bind_int(st, &s, ":notified", notified) == -1 ||
			bind_int(st, &s, ":at", at) == -1
		    ? -1
		    : 0;
	if (rc == 0)
		rc = sql_exec(st, &s);
	sql_finalize(&s);
	return rc;
}

/* Inserts inc; *id gets its id (see incident.h). */
int
incident_insert(struct store *st, const struct incident *inc, int64_t *id)
{
	if (run_write(st, "incident insert", sql_insert, inc, 0, 0, 0) == -1)
		return -1;
	*id = sql_last_id(st);
	return 0;
}

/* Writes inc to its row (see incident.h). */
int
incident_update(struct store *st, const struct incident *inc)
{
	return run_write(st, "incident update", sql_update, inc, 0, 0, 0);
}

/* Records a notification (see incident.h). */
int
incident_mark_notified(struct store *st, int64_t id, int notified, int64_t when)
{
	if (notified != INCIDENT_NOTIFIED_OPEN &&
	    notified != INCIDENT_NOTIFIED_RESOLVED)
		return store_failx(
		    st, "incident notified: bad state %d", notified);
	return run_write(
	    st, "incident notified", sql_notified, NULL, notified, when, id);
}
