/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Incidents in the store (see incident.h). Each function runs constant SQL
 * texts, prepared per call (sqlite3_prepare_v3) and bound by named
 * parameter; ids of the vocabulary (class and status names, keys) are
 * looked up first, and a name the database never stored becomes id -1,
 * which matches nothing. Every statement is finalized on every path, and
 * every error names the statement.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "incident.h"
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

static const char sql_history_event[] = "SELECT min(t) FROM event";
static const char sql_history_minute[] = "SELECT min(bucket) FROM count_minute";

#define SAMPLE_HEAD                                                            \
	"SELECT r.text, e.code, ru.s FROM event e "                            \
	"JOIN reply r ON r.id = e.reply JOIN name ru ON ru.id = e.rule "       \
	"WHERE e.t >= :lo AND e.t < :hi AND " EVENT_LIVE
#define SAMPLE_TAIL " ORDER BY e.t DESC, e.id DESC LIMIT 1"

static const char sql_sample_class[] = SAMPLE_HEAD
    "AND e.class = :cls AND (:no_dnsbl = 0 OR e.dnsbl = 0) AND "
    "(e.provider = :key OR (e.provider = 0 AND e.domain = :key))" SAMPLE_TAIL;

static const char sql_sample_dnsbl[] =
    SAMPLE_HEAD "AND e.dnsbl = :key AND e.listed_ip = :ip" SAMPLE_TAIL;

static const char sql_sample_rate[] = SAMPLE_HEAD
    "AND e.status = :num AND e.provider = :key AND e." EXCEPT SAMPLE_TAIL;

static const char sql_providers[] =
    "SELECT DISTINCT kn.s FROM event e JOIN name kn ON kn.id = " EVENT_KEY
    " WHERE e.t >= :lo AND e.t < :hi AND e.dnsbl = :key AND "
    "e.listed_ip = :ip AND " EVENT_LIVE "ORDER BY kn.s";

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

/* The id of name, or -1 when the database never stored it. */
static int
name_id(struct store *st, const char *name, int64_t *id)
{
	int rc;

	if (name == NULL)
		name = "";
	if ((rc = store_name_lookup(st, name, strlen(name), id)) == -1)
		return -1;
	if (rc == 0)
		*id = -1;
	return 0;
}

static sqlite3_stmt *
prepare(struct store *st, const char *what, const char *sql)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v3(store_db(st), sql, -1, 0, &s, NULL) !=
	    SQLITE_OK) {
		store_fail(st, what);
		return NULL;
	}
	return s;
}

/* Binds v to the parameter called name when the statement has one. */
static int
bind_int(sqlite3_stmt *s, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(s, name);

	return i == 0 ? SQLITE_OK : sqlite3_bind_int64(s, i, v);
}

static int
bind_real(sqlite3_stmt *s, const char *name, double v)
{
	int i = sqlite3_bind_parameter_index(s, name);

	return i == 0 ? SQLITE_OK : sqlite3_bind_double(s, i, v);
}

/* Binds text (NULL binds SQL NULL) to the parameter called name. */
static int
bind_str(sqlite3_stmt *s, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(s, name);

	if (i == 0)
		return SQLITE_OK;
	if (v == NULL)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

static const char *
column_str(sqlite3_stmt *s, int col)
{
	const unsigned char *v = sqlite3_column_text(s, col);

	return v != NULL ? (const char *)v : "";
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
		return name_id(st, src->cls, &ids->cls);
	case INCIDENT_SRC_DNSBL:
		return 0;
	case INCIDENT_SRC_RATE:
		for (i = 0; i < INCIDENT_EXCEPT_MAX; i++) {
			ids->except[i] = -1;
			if (src->except != NULL && src->except[i] != NULL &&
			    name_id(st, src->except[i], &ids->except[i]) == -1)
				return -1;
			if (src->except == NULL || src->except[i] == NULL)
				break;
		}
		for (; i < INCIDENT_EXCEPT_MAX; i++)
			ids->except[i] = -1;
		if (name_id(st, src->status, &ids->num) == -1 ||
		    name_id(st, "sent", &ids->sent) == -1 ||
		    name_id(st, "deferred", &ids->deferred) == -1 ||
		    name_id(st, "bounced", &ids->bounced) == -1 ||
		    name_id(st, "expired", &ids->expired) == -1)
			return -1;
		return 0;
	}
	return store_failx(st, "incident: unknown source %d", (int)src->source);
}

static int
bind_source(sqlite3_stmt *s, const struct incident_source_spec *src,
    const struct ids *ids)
{
	int rc = SQLITE_OK;

	rc |= bind_int(s, ":cls", ids->cls);
	rc |= bind_int(s, ":no_dnsbl", src->no_dnsbl ? 1 : 0);
	rc |= bind_int(s, ":num", ids->num);
	rc |= bind_int(s, ":sent", ids->sent);
	rc |= bind_int(s, ":deferred", ids->deferred);
	rc |= bind_int(s, ":bounced", ids->bounced);
	rc |= bind_int(s, ":expired", ids->expired);
	rc |= bind_int(s, ":x1", ids->except[0]);
	rc |= bind_int(s, ":x2", ids->except[1]);
	rc |= bind_int(s, ":x3", ids->except[2]);
	rc |= bind_int(s, ":x4", ids->except[3]);
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
	static const char what[] = "incident series";
	const char *sql;
	sqlite3_stmt *s;
	struct ids ids;
	int rc;

	if (source_ids(st, src, &ids) == -1)
		return -1;
	sql = src->source == INCIDENT_SRC_CLASS ? sql_series_class
	    : src->source == INCIDENT_SRC_DNSBL ? sql_series_dnsbl
						: sql_series_rate;
	if ((s = prepare(st, what, sql)) == NULL)
		return -1;
	if ((bind_source(s, src, &ids) | bind_int(s, ":lo", lo) |
		bind_int(s, ":hi", hi)) != SQLITE_OK) {
		store_fail(st, what);
		sqlite3_finalize(s);
		return -1;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		rc = fn(column_str(s, 0), column_str(s, 1),
		    sqlite3_column_int64(s, 2), sqlite3_column_int64(s, 3),
		    sqlite3_column_int64(s, 4), arg);
		if (rc != 0) {
			sqlite3_finalize(s);
			return rc;
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

/* The oldest time src has data for (see incident.h). 1, 0 or -1. */
int
incident_history(
    struct store *st, const struct incident_source_spec *src, int64_t *t)
{
	static const char what[] = "incident history";
	sqlite3_stmt *s;
	int rc, found = 0;

	s = prepare(st, what,
	    src->source == INCIDENT_SRC_RATE ? sql_history_minute
					     : sql_history_event);
	if (s == NULL)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL) {
		*t = sqlite3_column_int64(s, 0);
		found = 1;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(st, what);
		found = -1;
	}
	sqlite3_finalize(s);
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
	static const char what[] = "incident sample";
	const char *sql;
	sqlite3_stmt *s;
	struct ids ids;
	int64_t kid, iid = 0;
	int rc, found = 0;

	if (source_ids(st, src, &ids) == -1 || name_id(st, key, &kid) == -1)
		return -1;
	if (src->source == INCIDENT_SRC_DNSBL && name_id(st, ip, &iid) == -1)
		return -1;
	sql = src->source == INCIDENT_SRC_CLASS ? sql_sample_class
	    : src->source == INCIDENT_SRC_DNSBL ? sql_sample_dnsbl
						: sql_sample_rate;
	if ((s = prepare(st, what, sql)) == NULL)
		return -1;
	if ((bind_source(s, src, &ids) | bind_int(s, ":lo", lo) |
		bind_int(s, ":hi", hi) | bind_int(s, ":key", kid) |
		bind_int(s, ":ip", iid)) != SQLITE_OK) {
		store_fail(st, what);
		sqlite3_finalize(s);
		return -1;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		copy_out(text, textlen, (const char *)sqlite3_column_blob(s, 0),
		    (size_t)sqlite3_column_bytes(s, 0));
		*code = sqlite3_column_int(s, 1);
		copy_out(
		    rule, rulelen, column_str(s, 2), strlen(column_str(s, 2)));
		found = 1;
	} else if (rc != SQLITE_DONE) {
		store_fail(st, what);
		found = -1;
	}
	sqlite3_finalize(s);
	return found;
}

/* The receivers that named dnsbl and ip (see incident.h). */
int
incident_providers(struct store *st, const char *dnsbl, const char *ip,
    int64_t lo, int64_t hi, char *out, size_t outlen)
{
	static const char what[] = "incident providers";
	sqlite3_stmt *s;
	const char *name;
	size_t used = 0, len;
	int64_t bid, iid;
	int rc, n = 0;

	if (outlen > 0)
		out[0] = '\0';
	if (name_id(st, dnsbl, &bid) == -1 || name_id(st, ip, &iid) == -1)
		return -1;
	if ((s = prepare(st, what, sql_providers)) == NULL)
		return -1;
	if ((bind_int(s, ":lo", lo) | bind_int(s, ":hi", hi) |
		bind_int(s, ":key", bid) | bind_int(s, ":ip", iid)) !=
	    SQLITE_OK) {
		store_fail(st, what);
		sqlite3_finalize(s);
		return -1;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		name = column_str(s, 0);
		len = strlen(name);
		if (len == 0)
			continue;
		if (used + (n > 0 ? 2 : 0) + len + 1 > outlen)
			continue; /* whole names only */
		if (n > 0) {
			memcpy(out + used, ", ", 2);
			used += 2;
		}
		memcpy(out + used, name, len);
		used += len;
		out[used] = '\0';
		n++;
	}
	if (rc != SQLITE_DONE) {
		store_fail(st, what);
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return n;
}

/* Calls fn for each incident matching f (see incident.h). */
int
incident_list(struct store *st, const struct incident_filter *f,
    incident_fn *fn, void *arg)
{
	static const char what[] = "incident list";
	struct incident inc;
	sqlite3_stmt *s;
	int rc;

	if ((s = prepare(st, what, sql_list)) == NULL)
		return -1;
	if ((bind_int(s, ":since", f->since) |
		bind_int(s, ":open_only", f->open_only ? 1 : 0) |
		bind_int(s, ":pending", f->pending ? 1 : 0) |
		bind_str(s, ":kind", f->kind) | bind_str(s, ":key", f->key)) !=
	    SQLITE_OK) {
		store_fail(st, what);
		sqlite3_finalize(s);
		return -1;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&inc, 0, sizeof(inc));
		inc.id = sqlite3_column_int64(s, 0);
		inc.kind = column_str(s, 1);
		inc.key = column_str(s, 2);
		inc.listed_ip = column_str(s, 3);
		inc.providers = column_str(s, 4);
		inc.open = strcmp(column_str(s, 5), "open") == 0;
		inc.start = sqlite3_column_int64(s, 6);
		inc.detected = sqlite3_column_int64(s, 7);
		inc.last_seen = sqlite3_column_int64(s, 8);
		inc.resolved = sqlite3_column_int64(s, 9);
		inc.until = sqlite3_column_int64(s, 10);
		inc.calm_since = sqlite3_column_int64(s, 11);
		inc.calm_total = sqlite3_column_int64(s, 12);
		inc.calm_seen = sqlite3_column_int64(s, 13);
		inc.window = sqlite3_column_int64(s, 14);
		inc.peak = sqlite3_column_int64(s, 15);
		inc.peak_total = sqlite3_column_int64(s, 16);
		inc.baseline = sqlite3_column_double(s, 17);
		inc.total = sqlite3_column_int64(s, 18);
		inc.sample = column_str(s, 19);
		inc.sample_code = sqlite3_column_int(s, 20);
		inc.rule = column_str(s, 21);
		inc.action = column_str(s, 22);
		inc.notified = sqlite3_column_int(s, 23);
		inc.notified_at = sqlite3_column_int64(s, 24);
		if ((rc = fn(&inc, arg)) != 0) {
			sqlite3_finalize(s);
			return rc;
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
bind_incident(sqlite3_stmt *s, const struct incident *inc)
{
	int rc = SQLITE_OK;

	rc |= bind_int(s, ":id", inc->id);
	rc |= bind_str(s, ":kind", inc->kind != NULL ? inc->kind : "");
	rc |= bind_str(s, ":key", inc->key != NULL ? inc->key : "");
	rc |= bind_str(s, ":ip", inc->listed_ip != NULL ? inc->listed_ip : "");
	rc |= bind_str(
	    s, ":providers", inc->providers != NULL ? inc->providers : "");
	rc |= bind_str(s, ":state", inc->open ? "open" : "resolved");
	rc |= bind_int(s, ":start", inc->start);
	rc |= bind_int(s, ":detected", inc->detected);
	rc |= bind_int(s, ":last_seen", inc->last_seen);
	rc |= bind_int(s, ":resolved", inc->open ? 0 : inc->resolved);
	rc |= bind_int(s, ":until", inc->until);
	rc |= bind_int(s, ":calm_since", inc->calm_since);
	rc |= bind_int(s, ":calm_total", inc->calm_total);
	rc |= bind_int(s, ":calm_seen", inc->calm_seen);
	rc |= bind_int(s, ":win", inc->window);
	rc |= bind_int(s, ":peak", inc->peak);
	rc |= bind_int(s, ":peak_total", inc->peak_total);
	rc |= bind_real(s, ":baseline", inc->baseline);
	rc |= bind_int(s, ":total", inc->total);
	rc |= bind_str(s, ":sample", inc->sample != NULL ? inc->sample : "");
	rc |= bind_int(s, ":sample_code", inc->sample_code);
	rc |= bind_str(s, ":rule", inc->rule != NULL ? inc->rule : "");
	rc |= bind_str(s, ":action", inc->action != NULL ? inc->action : "");
	return rc;
}

/* Runs a write statement once; 0 or -1. */
static int
run_write(struct store *st, const char *what, const char *sql,
    const struct incident *inc, int64_t notified, int64_t at, int64_t id)
{
	sqlite3_stmt *s;
	int rc;

	if ((s = prepare(st, what, sql)) == NULL)
		return -1;
	rc = inc != NULL ? bind_incident(s, inc) : SQLITE_OK;
	if (inc == NULL)
		rc |= bind_int(s, ":id", id) |
		    bind_int(s, ":notified", notified) | bind_int(s, ":at", at);
	if (rc != SQLITE_OK || sqlite3_step(s) != SQLITE_DONE) {
		store_fail(st, what);
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return 0;
}

/* Inserts inc; *id gets its id (see incident.h). */
int
incident_insert(struct store *st, const struct incident *inc, int64_t *id)
{
	if (run_write(st, "incident insert", sql_insert, inc, 0, 0, 0) == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(store_db(st));
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
