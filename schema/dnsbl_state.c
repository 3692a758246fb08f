/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See dnsbl_state.h. No SQL is built from input: every value is bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsbl_state.h"
#include "sql.h"
#include "store_priv.h"

static const char sql_put[] =
    "INSERT INTO dnsbl_state (ip, zone, verdict, answer, meaning, "
    "actionable, checked, since) VALUES (:ip, :zone, :verdict, :answer, "
    ":meaning, :act, :checked, :checked) ON CONFLICT (ip, zone) DO UPDATE "
    "SET since = CASE WHEN verdict = excluded.verdict THEN since ELSE "
    "excluded.checked END, verdict = excluded.verdict, answer = "
    "excluded.answer, meaning = excluded.meaning, actionable = "
    "excluded.actionable, checked = excluded.checked";

static const char sql_get[] =
    "SELECT verdict FROM dnsbl_state WHERE ip = :ip AND zone = :zone";

static const char sql_each[] =
    "SELECT ip, zone, verdict, answer, meaning, actionable, checked, since "
    "FROM dnsbl_state ORDER BY ip, zone";

static const char sql_del_ip[] = "DELETE FROM dnsbl_state WHERE ip = :ip";

static const char sql_ips[] = "SELECT DISTINCT ip FROM dnsbl_state";

static const char sql_named[] =
    "SELECT DISTINCT ln.s FROM event e JOIN name ln ON ln.id = e.listed_ip "
    "WHERE e.t >= :since AND e.dnsbl <> 0 AND e.listed_ip <> 0 AND "
    "ln.s <> '' ORDER BY ln.s";

static int
text(struct store *st, struct sql_stmt *s, const char *p, const char *v)
{
	if (v == NULL)
		v = "";
	return sql_bind_text(st, s, p, v, strlen(v));
}

static int
get_verdict(struct store *st, const char *zone, const char *ip, char *out,
    size_t outlen)
{
	struct sql_stmt s = { NULL, NULL };
	int rc;

	out[0] = '\0';
	if (sql_prepare(st, &s, "dnsbl state get", sql_get, false) == -1)
		return -1;
	if (text(st, &s, ":ip", ip) == -1 ||
	    text(st, &s, ":zone", zone) == -1) {
		sql_finalize(&s);
		return -1;
	}
	rc = sql_step(st, &s);
	if (rc == SQL_ROW) {
		const char *v = sql_text(&s, 0, NULL);

		snprintf(out, outlen, "%s", v != NULL ? v : "");
	}
	sql_finalize(&s);
	return rc == -1 ? -1 : rc == SQL_ROW;
}

int
dnsbl_state_put(
    struct store *st, const struct dnsbl_state_row *r, bool *changed)
{
	struct sql_stmt s = { NULL, NULL };
	char old[32];
	int rc;

	if ((rc = get_verdict(st, r->zone, r->ip, old, sizeof(old))) == -1)
		return -1;
	if (changed != NULL)
		*changed = rc == 0 || strcmp(old, r->verdict) != 0;
	if (sql_prepare(st, &s, "dnsbl state put", sql_put, false) == -1)
		return -1;
	if (text(st, &s, ":ip", r->ip) == -1 ||
	    text(st, &s, ":zone", r->zone) == -1 ||
	    text(st, &s, ":verdict", r->verdict) == -1 ||
	    text(st, &s, ":answer", r->answer) == -1 ||
	    text(st, &s, ":meaning", r->meaning) == -1 ||
	    sql_bind_int64(st, &s, ":act", r->actionable ? 1 : 0) == -1 ||
	    sql_bind_int64(st, &s, ":checked", r->checked) == -1 ||
	    sql_exec(st, &s) == -1) {
		sql_finalize(&s);
		return -1;
	}
	sql_finalize(&s);
	return 0;
}

int
dnsbl_state_each(struct store *st, dnsbl_state_fn *fn, void *arg)
{
	struct sql_stmt s = { NULL, NULL };
	struct dnsbl_state_row r;
	int rc;

	if (sql_prepare(st, &s, "dnsbl state each", sql_each, false) == -1)
		return -1;
	while ((rc = sql_step(st, &s)) == SQL_ROW) {
		memset(&r, 0, sizeof(r));
		r.ip = sql_text(&s, 0, NULL);
		r.zone = sql_text(&s, 1, NULL);
		r.verdict = sql_text(&s, 2, NULL);
		r.answer = sql_text(&s, 3, NULL);
		r.meaning = sql_text(&s, 4, NULL);
		r.actionable = sql_int64(&s, 5) != 0;
		r.checked = sql_int64(&s, 6);
		r.since = sql_int64(&s, 7);
		if ((rc = fn(&r, arg)) != 0) {
			sql_finalize(&s);
			return rc;
		}
	}
	sql_finalize(&s);
	return rc == -1 ? -1 : 0;
}

int
dnsbl_state_listed(struct store *st, const char *zone, const char *ip)
{
	char v[32];
	int rc;

	if ((rc = get_verdict(st, zone, ip, v, sizeof(v))) != 1)
		return rc;
	return strcmp(v, "listed") == 0;
}

int
dnsbl_state_keep(struct store *st, const char *const *ips, size_t n)
{
	struct sql_stmt s = { NULL, NULL }, d = { NULL, NULL };
	char **gone = NULL;
	size_t ngone = 0, i;
	int rc, ret = -1;
	bool keep;

	if (sql_prepare(st, &s, "dnsbl state ips", sql_ips, false) == -1)
		return -1;
	while ((rc = sql_step(st, &s)) == SQL_ROW) {
		const char *ip = sql_text(&s, 0, NULL);

		keep = false;
		for (i = 0; i < n && ip != NULL; i++)
			if (strcmp(ips[i], ip) == 0)
				keep = true;
		if (keep || ip == NULL)
			continue;
		gone = realloc(gone, (ngone + 1) * sizeof(*gone));
		if (gone == NULL || (gone[ngone] = strdup(ip)) == NULL) {
			rc = store_failx(st, "dnsbl state: out of memory");
			break;
		}
		ngone++;
	}
	sql_finalize(&s);
	if (rc == -1)
		goto out;
	if (sql_prepare(st, &d, "dnsbl state delete", sql_del_ip, false) == -1)
		goto out;
	for (i = 0; i < ngone; i++)
		if (text(st, &d, ":ip", gone[i]) == -1 ||
		    sql_exec(st, &d) == -1)
			goto out;
	ret = 0;
out:
	sql_finalize(&d);
	for (i = 0; i < ngone; i++)
		free(gone[i]);
	free(gone);
	return ret;
}

int
dnsbl_state_named_ips(
    struct store *st, int64_t since, dnsbl_ip_fn *fn, void *arg)
{
	struct sql_stmt s = { NULL, NULL };
	int rc;

	if (sql_prepare(st, &s, "dnsbl named ips", sql_named, false) == -1)
		return -1;
	if (sql_bind_int64(st, &s, ":since", since) == -1) {
		sql_finalize(&s);
		return -1;
	}
	while ((rc = sql_step(st, &s)) == SQL_ROW)
		if ((rc = fn(sql_text(&s, 0, NULL), arg)) != 0) {
			sql_finalize(&s);
			return rc;
		}
	sql_finalize(&s);
	return rc == -1 ? -1 : 0;
}
