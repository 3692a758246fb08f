/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See notification.h. The incident columns are read by incident.c's
 * incident_read_row() (incident_row.h); the state reported is the
 * destination's, from its row (none: 0).
 */
#include <stdbool.h>
#include <string.h>

#include "incident_row.h"
#include "notification.h"
#include "sql.h"
#include "store_priv.h"

static const char sql_pending[] =
    "SELECT i.id, i.kind, i.key, i.listed_ip, i.providers, i.state, "
    "i.start, i.detected, i.last_seen, i.resolved, i.until_t, "
    "i.calm_since, i.calm_total, i.calm_seen, i.win, i.peak, "
    "i.peak_total, i.baseline, i.total, i.sample, i.sample_code, i.rule, "
    "i.action, coalesce(n.notified, 0), coalesce(n.at, 0) "
    "FROM incident i LEFT JOIN notification n "
    "ON n.incident = i.id AND n.dest = :dest "
    "WHERE (i.state = 'open' AND n.notified IS NULL) OR "
    "(i.state = 'resolved' AND coalesce(n.notified, 0) < 2 AND "
    "i.resolved >= :since) "
    "ORDER BY i.state = 'open' DESC, i.start DESC, i.id DESC";

static const char sql_mark[] =
    "INSERT INTO notification (incident, dest, notified, at) "
    "VALUES (:id, :dest, :notified, :at) "
    "ON CONFLICT (incident, dest) DO UPDATE SET notified = :notified, "
    "at = :at WHERE notified < :notified";

/* The incidents dest was not told about (see notification.h). */
int
notification_pending(struct store *st, const char *dest, int64_t since,
    incident_fn *fn, void *arg)
{
	struct incident inc;
	struct sql_stmt s;
	int rc;

	if (sql_prepare(st, &s, "notification pending", sql_pending, false) ==
	    -1)
		return -1;
	if (sql_bind_text(st, &s, ":dest", dest, strlen(dest)) == -1 ||
	    sql_bind_int64(st, &s, ":since", since) == -1) {
		sql_finalize(&s);
		return -1;
	}
	while ((rc = sql_step(st, &s)) == SQL_ROW) {
		incident_read_row(&s, &inc);
		if ((rc = fn(&inc, arg)) != 0) {
			sql_finalize(&s);
			return rc;
		}
	}
	sql_finalize(&s);
	return rc == -1 ? -1 : 0;
}

/* Records that dest was told (see notification.h). 0 or -1. */
int
notification_mark(
    struct store *st, int64_t id, const char *dest, int notified, int64_t when)
{
	struct sql_stmt s;
	int rc;

	if (notified != INCIDENT_NOTIFIED_OPEN &&
	    notified != INCIDENT_NOTIFIED_RESOLVED)
		return store_failx(st, "notification: bad state %d", notified);
	if (sql_prepare(st, &s, "notification mark", sql_mark, false) == -1)
		return -1;
	if (sql_bind_int64(st, &s, ":id", id) == -1 ||
	    sql_bind_text(st, &s, ":dest", dest, strlen(dest)) == -1 ||
	    sql_bind_int64(st, &s, ":notified", notified) == -1 ||
	    sql_bind_int64(st, &s, ":at", when) == -1) {
		sql_finalize(&s);
		return -1;
	}
	rc = sql_exec(st, &s);
	sql_finalize(&s);
	return rc;
}
