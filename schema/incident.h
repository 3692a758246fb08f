/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Incidents in the store (table `incident`, migration 0002): reading the
 * per-minute series the detector needs, and reading and writing incident
 * rows and their notification state. The detector itself (daemon/detect.c)
 * knows nothing of SQL; this module knows nothing of thresholds.
 *
 * Series leave out what must never open an incident: suspended repeats
 * (kind 2 / event flag 1: no new contact with the receiver) and results
 * our own MTA decided (kind 3 / flag 2). Keys are the receiver's provider,
 * or the recipient domain when the provider is unknown; DNSBL series are
 * keyed by the DNSBL and the listed IP, across providers.
 *
 * As in query.c, statements are prepared per call (the detector runs once
 * a minute) and bound by named parameter; strings handed to callbacks are
 * valid only during the call. Errors return -1 with the message in
 * store_errmsg(). Writes must run inside the caller's transaction
 * (store_begin()/store_commit()).
 */
#ifndef BS_SCHEMA_INCIDENT_H
#define BS_SCHEMA_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Where a series comes from. */
enum incident_source {
	/* event rows of one class (final results and per-MX attempts),
	 * keyed by provider, else recipient domain */
	INCIDENT_SRC_CLASS,
	/* event rows naming a DNSBL, keyed by DNSBL and listed IP */
	INCIDENT_SRC_DNSBL,
	/* count_minute final results per provider: n of one status, d all
	 * (sent, deferred, bounced, expired); providers only, since the
	 * minute counts carry no domain */
	INCIDENT_SRC_RATE
};

struct incident_source_spec {
	enum incident_source source;
	const char *cls;    /* SRC_CLASS: class name, e.g. "rate_limited" */
	bool no_dnsbl;      /* SRC_CLASS: leave out replies naming a DNSBL */
	const char *status; /* SRC_RATE: "deferred" or "bounced" */
	/* SRC_RATE: up to INCIDENT_EXCEPT_MAX classes left out of the
	 * numerator (those watched by kinds of their own), NULL-ended */
	const char *const *except;
};

#define INCIDENT_EXCEPT_MAX 4

/* One minute of one key; for SRC_DNSBL ip is the listed IP, else "". */
typedef int incident_point_fn(const char *key, const char *ip, int64_t t,
    int64_t n, int64_t d, void *arg);

/*
 * Calls fn for every minute in [lo, hi) with counts from src, ordered by
 * key, ip and time. A nonzero return from fn stops and is returned.
 */
int incident_series(struct store *, const struct incident_source_spec *src,
    int64_t lo, int64_t hi, incident_point_fn *fn, void *arg);

/*
 * The first time src has any data for (the oldest event row, or the oldest
 * minute count). Returns 1 and *t, 0 when there is none, -1 on error.
 */
int incident_history(
    struct store *, const struct incident_source_spec *src, int64_t *t);

/*
 * The latest reply of src for key (and ip) in [lo, hi): its text (cut to
 * textlen - 1 bytes), SMTP code and the rule that classified it. Returns 1,
 * 0 when there is none (events pruned), -1 on error.
 */
int incident_sample(struct store *, const struct incident_source_spec *src,
    const char *key, const char *ip, int64_t lo, int64_t hi, char *text,
    size_t textlen, int *code, char *rule, size_t rulelen);

/*
 * The receivers (provider, else domain) whose replies named dnsbl and ip
 * in [lo, hi), sorted, ", "-separated into out (at most outlen - 1 bytes,
 * whole names only). Returns the number of names, -1 on error.
 */
int incident_providers(struct store *, const char *dnsbl, const char *ip,
    int64_t lo, int64_t hi, char *out, size_t outlen);

/* What was mailed last about an incident. */
#define INCIDENT_NOTIFIED_NONE     0
#define INCIDENT_NOTIFIED_OPEN     1
#define INCIDENT_NOTIFIED_RESOLVED 2

/* One incident row; strings borrowed (from the caller, or the query). */
struct incident {
	int64_t id;
	const char *kind;      /* detect_kind_name() */
	const char *key;       /* provider or domain; DNSBL for "dnsbl" */
	const char *listed_ip; /* "dnsbl": the listed IP, else "" */
	const char *providers; /* "dnsbl": receivers that said so */
	bool open;             /* state: open, else resolved */
	int64_t start;         /* first anomalous minute */
	int64_t detected;      /* window end that opened it */
	int64_t last_seen;     /* end of the last minute with an event */
	int64_t resolved;      /* window end that resolved it, 0 if open */
	/* the detector's state (struct detect_track) */
	int64_t until;
	int64_t calm_since;
	int64_t calm_total;
	int64_t calm_seen;
	int64_t window; /* seconds of the detection window */
	int64_t peak;
	int64_t peak_total;
	double baseline;
	int64_t total;
	const char *sample; /* a sample reply, "" when none */
	int sample_code;
	const char *rule;   /* the rule that classified the sample */
	const char *action; /* that rule's suggested action, "" if none */
	int notified;       /* INCIDENT_NOTIFIED_* */
	int64_t notified_at;
	const char *hosts; /* logging hosts of its events, ", "-separated
			      (incident_list() without no_hosts only; NULL
			      or "" when none) */
};

#define INCIDENT_HOSTS_MAX 512 /* bytes of incident.hosts */

struct incident_filter {
	int64_t since;    /* open, or last seen at or after since */
	bool open_only;   /* state open */
	bool pending;     /* state changed since the last notification */
	const char *kind; /* NULL: all kinds */
	const char *key;  /* NULL: all keys */
	bool no_hosts;    /* leave incident.hosts NULL: no event read */
};

/*
 * The logging hosts of inc's events, ", "-separated, into out (outlen
 * bytes; whole names only), as incident_list() fills incident.hosts:
 * for incidents that were not listed from the store (the replay's).
 * 0 or -1 (store_errmsg()).
 */
int incident_hosts(
    struct store *, const struct incident *inc, char *out, size_t outlen);

typedef int incident_fn(const struct incident *, void *arg);

/*
 * Calls fn for each incident matching f: open ones first, then by start,
 * newest first. A nonzero return from fn stops and is returned.
 */
int incident_list(struct store *, const struct incident_filter *f,
    incident_fn *fn, void *arg);

/* Inside a transaction: inserts inc (its id is ignored); *id gets the new
 * id. 0 or -1. At most one incident per kind, key and ip may be open. */
int incident_insert(struct store *, const struct incident *inc, int64_t *id);

/* Inside a transaction: writes every field of inc to row inc->id except
 * the notification state. 0 or -1. */
int incident_update(struct store *, const struct incident *inc);

/*
 * Inside a transaction or not: records that the state `notified`
 * (INCIDENT_NOTIFIED_OPEN or _RESOLVED) of incident id was mailed at
 * `when`. Only moves forward (never from resolved back to open). 0 or -1.
 */
int incident_mark_notified(
    struct store *, int64_t id, int notified, int64_t when);

#endif
