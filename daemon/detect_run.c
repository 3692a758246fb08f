/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * detect_run(): the detector over the store (see detect.h). For each
 * chunk of window ends (from, to] and each incident kind it loads the
 * per-minute series of every key over the ranges detect_ranges() names
 * (the windows and the same windows on the baseline days), takes the open
 * incidents of that kind as the keys' tracks, steps every track through
 * the window ends, and writes what changed, in one transaction with the
 * new meta 'detect.until'. In the steady state (the daemon's timer, once a
 * minute) a chunk is one window end and eight ten-minute ranges.
 *
 * Which counts feed which kind, and the keys (schema/incident.c leaves out
 * suspended repeats and local decisions of our MTA):
 *   rate_limited, greylisted, auth_failed  event rows of that class, by
 *                                          provider, else recipient domain
 *   blacklisted    event rows of class blacklisted that name no DNSBL
 *   dnsbl          event rows naming a DNSBL, by DNSBL and listed IP
 *   deferral_rate, bounce_rate  final results per minute and provider;
 *                  deferrals (bounces) of the classes above are left out
 *                  of the numerator, so that a throttle is one incident,
 *                  not also a deferral rate jump
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "detect.h"
#include "incident.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define SAMPLE_MAX    1024 /* bytes of a sample reply kept */
#define PROVIDERS_MAX 512  /* bytes of a DNSBL's receiver list */
#define META_UNTIL    "detect.until"

/* One key of one kind during a chunk. */
struct key {
	char *key;
	char *ip;
	uint64_t hash;
	size_t first, n; /* its points in run.pts, after sorting */
	struct detect_track t;
	int64_t id; /* incident row, 0 when none is open */
	char *sample, *rule, *action, *providers;
	int sample_code;
};

struct row {
	size_t key;
	struct detect_point pt;
};

struct run {
	struct store *st;
	const struct detect_params *p;
	struct classifier *cl;
	enum detect_kind kind;
	struct incident_source_spec src;
	struct key *keys;
	size_t nkeys, capkeys;
	size_t *index; /* open addressing over keys, SIZE_MAX = empty */
	size_t capindex;
	struct row *rows;
	size_t nrows, caprows;
	struct detect_point *pts;
	struct detect_run_stats *stats;
	char *errbuf;
};

static uint64_t
hash_key(const char *key, const char *ip)
{
	uint64_t h = 1469598103934665603ULL;
	const char *s;

	for (s = key; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (s = ip; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void
index_rebuild(struct run *r)
{
	size_t i, j;

	free(r->index);
	r->capindex = r->capindex == 0 ? 64 : r->capindex * 2;
	r->index = xcalloc(r->capindex, sizeof(*r->index));
	for (i = 0; i < r->capindex; i++)
		r->index[i] = SIZE_MAX;
	for (i = 0; i < r->nkeys; i++) {
		j = r->keys[i].hash & (r->capindex - 1);
		while (r->index[j] != SIZE_MAX)
			j = (j + 1) & (r->capindex - 1);
		r->index[j] = i;
	}
}

/* The index of (key, ip) in r->keys, added when new. */
static size_t
key_get(struct run *r, const char *key, const char *ip)
{
	uint64_t h = hash_key(key, ip);
	struct key *k;
	size_t j;

	if (r->nkeys * 2 >= r->capindex)
		index_rebuild(r);
	for (j = h & (r->capindex - 1); r->index[j] != SIZE_MAX;
	     j = (j + 1) & (r->capindex - 1)) {
		k = &r->keys[r->index[j]];
		if (k->hash == h && strcmp(k->key, key) == 0 &&
		    strcmp(k->ip, ip) == 0)
			return r->index[j];
	}
	if (r->nkeys == r->capkeys) {
		r->capkeys = r->capkeys == 0 ? 64 : r->capkeys * 2;
		r->keys = xrealloc(r->keys, r->capkeys * sizeof(*r->keys));
	}
	k = &r->keys[r->nkeys];
	memset(k, 0, sizeof(*k));
	k->key = xstrdup(key);
	k->ip = xstrdup(ip);
	k->hash = h;
	r->index[j] = r->nkeys;
	return r->nkeys++;
}

static void
run_clear(struct run *r)
{
	size_t i;

	for (i = 0; i < r->nkeys; i++) {
		free(r->keys[i].key);
		free(r->keys[i].ip);
		free(r->keys[i].sample);
		free(r->keys[i].rule);
		free(r->keys[i].action);
		free(r->keys[i].providers);
	}
	free(r->keys);
	free(r->index);
	free(r->rows);
	free(r->pts);
	r->keys = NULL;
	r->index = NULL;
	r->rows = NULL;
	r->pts = NULL;
	r->nkeys = r->capkeys = r->capindex = r->nrows = r->caprows = 0;
}

static int
collect(
    const char *key, const char *ip, int64_t t, int64_t n, int64_t d, void *arg)
{
	struct run *r = arg;
	struct row *row;

	if (r->nrows == r->caprows) {
		r->caprows = r->caprows == 0 ? 1024 : r->caprows * 2;
		r->rows = xrealloc(r->rows, r->caprows * sizeof(*r->rows));
	}
	row = &r->rows[r->nrows++];
	memset(row, 0, sizeof(*row));
	row->key = key_get(r, key, ip);
	row->pt.t = t;
	row->pt.n = n;
	row->pt.d = d;
	return 0;
}

static int
row_cmp(const void *va, const void *vb)
{
	const struct row *a = va, *b = vb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->pt.t < b->pt.t ? -1 : a->pt.t > b->pt.t;
}

/* Adopts an open incident as its key's track. */
static int
take_open(const struct incident *inc, void *arg)
{
	struct run *r = arg;
	struct key *k = &r->keys[key_get(r, inc->key, inc->listed_ip)];

	k->id = inc->id;
	k->t.open = true;
	k->t.start = inc->start;
	k->t.detected = inc->detected;
	k->t.last_seen = inc->last_seen;
	k->t.calm_since = inc->calm_since;
	k->t.calm_total = inc->calm_total;
	k->t.calm_seen = inc->calm_seen;
	k->t.resolved = 0;
	k->t.until = inc->until;
	k->t.peak = inc->peak;
	k->t.peak_total = inc->peak_total;
	k->t.baseline = inc->baseline;
	k->t.total = inc->total;
	k->sample = xstrdup(inc->sample);
	k->sample_code = inc->sample_code;
	k->rule = xstrdup(inc->rule);
	k->action = xstrdup(inc->action);
	k->providers = xstrdup(inc->providers);
	return 0;
}

/* The suggested action of rule name, from the classifier (or ""). */
static const char *
rule_action(struct classifier *cl, const char *name)
{
	struct classify_rule_info info;
	size_t i, n;

	if (cl == NULL || name == NULL || *name == '\0')
		return "";
	n = classify_rule_count(cl);
	for (i = 0; i < n; i++)
		if (classify_rule_get(cl, i, &info) == 0 &&
		    strcmp(info.name, name) == 0)
			return info.action != NULL ? info.action : "";
	return "";
}

/* Fills the sample, rule, action and (DNSBL) receivers of k. */
static int
describe(struct run *r, struct key *k, bool fetch_sample)
{
	char text[SAMPLE_MAX], rule[256], prov[PROVIDERS_MAX];
	int code = 0, rc;

	if (fetch_sample || k->sample == NULL || k->sample[0] == '\0') {
		rc = incident_sample(r->st, &r->src, k->key, k->ip, k->t.start,
		    k->t.until, text, sizeof(text), &code, rule, sizeof(rule));
		if (rc == -1)
			return -1;
		if (rc == 1) {
			free(k->sample);
			free(k->rule);
			free(k->action);
			k->sample = xstrdup(text);
			k->sample_code = code;
			k->rule = xstrdup(rule);
			k->action = xstrdup(rule_action(r->cl, rule));
		}
	}
	if (r->kind == DETECT_DNSBL) {
		if (incident_providers(r->st, k->key, k->ip, k->t.start,
			k->t.until, prov, sizeof(prov)) == -1)
			return -1;
		free(k->providers);
		k->providers = xstrdup(prov);
	}
	return 0;
}

static void
to_incident(const struct run *r, const struct key *k, struct incident *inc)
{
	memset(inc, 0, sizeof(*inc));
	inc->id = k->id;
	inc->kind = detect_kind_name(r->kind);
	inc->key = k->key;
	inc->listed_ip = k->ip;
	inc->providers = k->providers != NULL ? k->providers : "";
	inc->open = k->t.open;
	inc->start = k->t.start;
	inc->detected = k->t.detected;
	inc->last_seen = k->t.last_seen;
	inc->resolved = k->t.resolved;
	inc->until = k->t.until;
	inc->calm_since = k->t.calm_since;
	inc->calm_total = k->t.calm_total;
	inc->calm_seen = k->t.calm_seen;
	inc->window = r->p->window;
	inc->peak = k->t.peak;
	inc->peak_total = k->t.peak_total;
	inc->baseline = k->t.baseline;
	inc->total = k->t.total;
	inc->sample = k->sample != NULL ? k->sample : "";
	inc->sample_code = k->sample_code;
	inc->rule = k->rule != NULL ? k->rule : "";
	inc->action = k->action != NULL ? k->action : "";
}

/* Writes k's incident (insert when new). */
static int
save(struct run *r, struct key *k, bool fetch_sample)
{
	struct incident inc;

	if (describe(r, k, fetch_sample) == -1)
		return -1;
	to_incident(r, k, &inc);
	if (k->id == 0)
		return incident_insert(r->st, &inc, &k->id);
	return incident_update(r->st, &inc);
}

static void
log_change(const struct run *r, const struct key *k, const char *what)
{
	log_info("detect: incident %s: id=%" PRId64 " kind=%s key=%s%s%s "
		 "peak=%" PRId64 " baseline=%.2f total=%" PRId64,
	    what, k->id, detect_kind_name(r->kind), k->key,
	    k->ip[0] != '\0' ? " ip=" : "", k->ip, k->t.peak, k->t.baseline,
	    k->t.total);
}

/* Steps every key of r->kind through the window ends (from, to]. */
static int
run_kind(struct run *r, int64_t from, int64_t to)
{
	struct detect_range ranges[DETECT_RANGES_MAX];
	struct incident_filter f;
	struct detect_series s;
	struct key *k;
	size_t nr, i, j;
	int64_t hist, e, n, d;
	int rc;

	nr = detect_ranges(r->p, from, to, ranges);
	for (i = 0; i < nr; i++)
		if (incident_series(r->st, &r->src, ranges[i].lo, ranges[i].hi,
			collect, r) == -1)
			goto dberr;
	memset(&f, 0, sizeof(f));
	f.open_only = true;
	f.kind = detect_kind_name(r->kind);
	if (incident_list(r->st, &f, take_open, r) == -1)
		goto dberr;
	if ((rc = incident_history(r->st, &r->src, &hist)) == -1)
		goto dberr;
	if (rc == 0)
		hist = to;

	if (r->nrows > 1)
		qsort(r->rows, r->nrows, sizeof(*r->rows), row_cmp);
	r->pts = xcalloc(r->nrows, sizeof(*r->pts));
	for (i = 0; i < r->nrows; i++) {
		r->pts[i] = r->rows[i].pt;
		k = &r->keys[r->rows[i].key];
		if (k->n++ == 0)
			k->first = i;
	}
	for (i = 0; i < r->nkeys; i++) {
		k = &r->keys[i];
		s.pts = r->pts + k->first;
		s.npts = k->n;
		s.history = hist;
		if (detect_series_prepare(&s, r->errbuf) == -1)
			return -1;
		if (!k->t.open) {
			/* Nothing in the evaluated windows: cannot open. */
			detect_sum(
			    &s, from + DETECT_STEP - r->p->window, to, &n, &d);
			if (n == 0)
				continue;
		}
		for (e = from + DETECT_STEP; e <= to; e += DETECT_STEP) {
			switch (detect_step(r->p, r->kind, &s, e, &k->t)) {
			case DETECT_OPENED:
				k->id = 0;
				free(k->sample);
				k->sample = NULL;
				if (save(r, k, true) == -1)
					goto dberr;
				log_change(r, k, "opened");
				r->stats->opened++;
				break;
			case DETECT_RESOLVED:
				if (save(r, k, false) == -1)
					goto dberr;
				log_change(r, k, "resolved");
				r->stats->resolved++;
				k->id = 0;
				break;
			default:
				break;
			}
		}
		if (k->t.open && k->id != 0 && save(r, k, false) == -1)
			goto dberr;
	}
	for (j = 0; j < r->nkeys; j++)
		r->stats->open += r->keys[j].t.open;
	return 0;
dberr:
	snprintf(r->errbuf, BS_ERRLEN, "%s", store_errmsg(r->st));
	return -1;
}

/*
 * Classes with kinds of their own: a throttle raises the deferral rate
 * too, and one cause should make one incident, so the rate kinds count
 * only the deferrals and bounces of other classes.
 */
static const char *const watched[] = { "rate_limited", "blacklisted",
	"greylisted", "auth_failed", NULL };

static void
source_of(enum detect_kind kind, struct incident_source_spec *src)
{
	memset(src, 0, sizeof(*src));
	src->source = INCIDENT_SRC_CLASS;
	switch (kind) {
	case DETECT_RATE_LIMITED:
		src->cls = "rate_limited";
		break;
	case DETECT_BLACKLISTED:
		src->cls = "blacklisted";
		src->no_dnsbl = true;
		break;
	case DETECT_DNSBL:
		src->source = INCIDENT_SRC_DNSBL;
		break;
	case DETECT_GREYLISTED:
		src->cls = "greylisted";
		break;
	case DETECT_DEFERRAL_RATE:
		src->source = INCIDENT_SRC_RATE;
		src->status = "deferred";
		src->except = watched;
		break;
	case DETECT_BOUNCE_RATE:
		src->source = INCIDENT_SRC_RATE;
		src->status = "bounced";
		src->except = watched;
		break;
	case DETECT_AUTH_FAILED:
	default:
		src->cls = "auth_failed";
		break;
	}
}

/* Where the first run starts: the oldest data, at most the catch-up. */
static int
first_from(struct store *st, int64_t to, int64_t *from)
{
	struct incident_source_spec src;
	int64_t t, oldest = to;
	int rc;

	memset(&src, 0, sizeof(src));
	src.source = INCIDENT_SRC_CLASS;
	if ((rc = incident_history(st, &src, &t)) == -1)
		return -1;
	if (rc == 1 && t < oldest)
		oldest = t;
	src.source = INCIDENT_SRC_RATE;
	if ((rc = incident_history(st, &src, &t)) == -1)
		return -1;
	if (rc == 1 && t < oldest)
		oldest = t;
	oldest -= oldest % DETECT_STEP;
	*from = oldest;
	return 0;
}

/*
 * Reads where the last run stopped (meta 'detect.until'), or where the
 * first run starts. Inside the transaction, so that two processes running
 * the detector (the daemon, `alert`) never evaluate a window twice.
 */
static int
read_until(struct store *st, int64_t to, int64_t *from)
{
	char buf[32], *end;
	long long v;
	int rc;

	if ((rc = store_meta_get(st, META_UNTIL, buf, sizeof(buf))) == -1)
		return -1;
	v = rc == 1 ? strtoll(buf, &end, 10) : 0;
	if (rc == 1 && *end == '\0' && v > 0)
		*from = (int64_t)v;
	else if (first_from(st, to, from) == -1)
		return -1;
	if (*from < to - DETECT_CATCHUP_MAX)
		*from = to - DETECT_CATCHUP_MAX;
	return 0;
}

/* See detect.h. */
int
detect_run(struct store *st, const struct detect_params *p,
    struct classifier *cl, int64_t now, struct detect_run_stats *stats,
    char *errbuf)
{
	struct detect_run_stats dummy;
	struct run r;
	char buf[32];
	int64_t from, to, cto;
	bool first = true;
	int rc;

	if (stats == NULL)
		stats = &dummy;
	memset(stats, 0, sizeof(*stats));
	if (detect_params_check(p, errbuf) == -1)
		return -1;
	to = now - now % DETECT_STEP;
	stats->from = stats->to = to;
	for (;;) {
		if (store_begin(st) == -1)
			goto dberr;
		if (read_until(st, to, &from) == -1)
			goto fail;
		if (first) {
			stats->from = from < to ? from : to;
			first = false;
		}
		if (from >= to)
			break;
		cto = to - from > DETECT_CHUNK ? from + DETECT_CHUNK : to;
		memset(&r, 0, sizeof(r));
		r.st = st;
		r.p = p;
		r.cl = cl;
		r.stats = stats;
		r.errbuf = errbuf;
		stats->open = 0; /* the last chunk's count stands */
		for (r.kind = 0; r.kind < DETECT_KIND_COUNT; r.kind++) {
			source_of(r.kind, &r.src);
			rc = run_kind(&r, from, cto);
			run_clear(&r);
			if (rc == -1) {
				store_rollback(st);
				return -1;
			}
		}
		snprintf(buf, sizeof(buf), "%lld", (long long)cto);
		if (store_meta_set(st, META_UNTIL, buf) == -1 ||
		    store_commit(st) == -1)
			goto fail;
	}
	if (store_commit(st) == -1)
		goto fail;
	return 0;
fail:
	snprintf(errbuf, BS_ERRLEN, "%s", store_errmsg(st));
	store_rollback(st);
	return -1;
dberr:
	snprintf(errbuf, BS_ERRLEN, "%s", store_errmsg(st));
	return -1;
}
