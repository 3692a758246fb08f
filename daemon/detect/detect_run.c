/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * detect_run() and detect_replay(): the detector over the store (see
 * detect.h). For each chunk of window ends (from, to] and each incident
 * kind a pass loads the per-minute series of every key over the ranges
 * detect_ranges() names (the windows and the same windows on the baseline
 * days), takes each key's latest incident (an open one is the key's track;
 * a resolved one marks how far the key was already judged), steps every
 * track through the window ends the key has not been judged for, and
 * writes what changed. Live, a chunk is one transaction together with the
 * new resume point; in the steady state (the daemon's timer, once a
 * minute) it is one window end and eight ten-minute ranges. A replay keeps
 * its incidents in memory and writes nothing.
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
 *
 * Invariants: a key is stepped over a window end at most once (from the
 * later of the chunk start and its latest incident's last window end), so
 * a second look at old minutes never duplicates an incident; at most one
 * incident per kind and key is open (the store's unique index enforces it
 * live). Keys live in one growable array and are referred to by index,
 * never by a pointer held across a call that may add a key.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "detect.h"
#include "dnsbl_state.h"
#include "inactive.h"
#include "incident.h"
#include "store.h"
#include "util.h"

#define SAMPLE_MAX    1024 /* bytes of a sample reply kept */
#define PROVIDERS_MAX 512  /* bytes of a DNSBL's receiver list */
#define MEM_STRS      8    /* owned strings of an in-memory incident */

/* One key of one kind during a pass. */
struct key {
	char *key;
	char *ip;
	uint64_t hash;
	size_t first, n; /* its points in run.pts, after sorting */
	struct detect_track t;
	int64_t id;     /* incident row, 0 when none is open */
	int64_t judged; /* window ends up to here are judged already */
	char *sample, *rule, *action, *providers;
	int sample_code;
};

struct row {
	size_t key;
	struct detect_point pt;
};

/* A replay's incident, with its strings owned. */
struct memrow {
	struct incident inc;
	char *s[MEM_STRS];
};

struct memtab {
	struct memrow *v;
	size_t n, cap;
};

struct run {
	struct store *st;
	const struct detect_params *p;
	struct classifier *cl;
	const struct detect_run_opts *o;
	struct memtab *mem; /* a replay's incidents; NULL: the store's */
	enum detect_kind kind;
	struct incident_source_spec src;
	struct key *keys;
	size_t nkeys, capkeys;
	size_t *index; /* open addressing over keys, SIZE_MAX = empty */
	size_t capindex;
	struct row *rows;
	size_t nrows, caprows;
	struct detect_point *pts;
	int64_t from; /* the pass: window ends in (from, to] */
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

/*
 * The index of (key, ip) in r->keys, added when new. Adding may move
 * r->keys: callers take &r->keys[i] only after this returns.
 */
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
	size_t i = key_get(r, key, ip);

	if (r->nrows == r->caprows) {
		r->caprows = r->caprows == 0 ? 1024 : r->caprows * 2;
		r->rows = xrealloc(r->rows, r->caprows * sizeof(*r->rows));
	}
	row = &r->rows[r->nrows++];
	memset(row, 0, sizeof(*row));
	row->key = i;
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

/*
 * Takes one of a key's incidents: an open one becomes the key's track;
 * any one marks the window ends it covered as judged.
 */
static int
take_incident(const struct incident *inc, void *arg)
{
	struct run *r = arg;
	size_t i = key_get(r, inc->key, inc->listed_ip);
	struct key *k = &r->keys[i];
	int64_t covered = inc->open ? inc->until : inc->resolved;

	if (covered > k->judged)
		k->judged = covered;
	if (!inc->open)
		return 0;
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
	free(k->sample);
	free(k->rule);
	free(k->action);
	free(k->providers);
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
		/* A listing only the self-check saw keeps its "self-check". */
		if (prov[0] != '\0' || k->providers == NULL) {
			free(k->providers);
			k->providers = xstrdup(prov);
		}
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

/* A replay's incidents: the same reads and writes as the store's. */

static char *
mem_str(struct memrow *m, size_t i, const char *s)
{
	free(m->s[i]);
	m->s[i] = xstrdup(s != NULL ? s : "");
	return m->s[i];
}

/* Writes inc into row m (strings copied). */
static void
mem_put(struct memrow *m, const struct incident *inc)
{
	char *s[MEM_STRS];

	memcpy(s, m->s, sizeof(s));
	m->inc = *inc;
	memcpy(m->s, s, sizeof(s));
	m->inc.kind = mem_str(m, 0, inc->kind);
	m->inc.key = mem_str(m, 1, inc->key);
	m->inc.listed_ip = mem_str(m, 2, inc->listed_ip);
	m->inc.providers = mem_str(m, 3, inc->providers);
	m->inc.sample = mem_str(m, 4, inc->sample);
	m->inc.rule = mem_str(m, 5, inc->rule);
	m->inc.action = mem_str(m, 6, inc->action);
}

static void
mem_free(struct memtab *t)
{
	size_t i, j;

	for (i = 0; i < t->n; i++)
		for (j = 0; j < MEM_STRS; j++)
			free(t->v[i].s[j]);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* Takes the incidents of r->kind that may bear on the pass. */
static int
load_incidents(struct run *r)
{
	struct incident_filter f;
	size_t i;

	if (r->mem == NULL) {
		memset(&f, 0, sizeof(f));
		f.kind = detect_kind_name(r->kind);
		f.since = r->from; /* open, or resolved since */
		/* Each pass lists them: reading every incident's events for
		 * its hosts made a catch-up's passes hold up reading. */
		f.no_hosts = true;
		return incident_list(r->st, &f, take_incident, r);
	}
	for (i = 0; i < r->mem->n; i++)
		if (strcmp(r->mem->v[i].inc.kind, detect_kind_name(r->kind)) ==
		    0)
			take_incident(&r->mem->v[i].inc, r);
	return 0;
}

/* Writes k's incident (insert when new). */
static int
save(struct run *r, struct key *k, bool fetch_sample)
{
	struct incident inc;
	struct memtab *t = r->mem;

	if (describe(r, k, fetch_sample) == -1)
		return -1;
	to_incident(r, k, &inc);
	if (t == NULL) {
		if (k->id == 0)
			return incident_insert(r->st, &inc, &k->id);
		return incident_update(r->st, &inc);
	}
	if (k->id == 0) {
		if (t->n == t->cap) {
			t->cap = t->cap == 0 ? 16 : t->cap * 2;
			t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
		}
		memset(&t->v[t->n], 0, sizeof(t->v[t->n]));
		k->id = (int64_t)++t->n;
		inc.id = k->id;
	}
	mem_put(&t->v[k->id - 1], &inc);
	return 0;
}

static void
report(struct run *r, const struct key *k, enum detect_change what)
{
	struct incident inc;

	if (what == DETECT_OPENED)
		r->stats->opened++;
	else
		r->stats->resolved++;
	if (r->o->on_change == NULL)
		return;
	to_incident(r, k, &inc);
	r->o->on_change(what, &inc, r->o->arg);
}

/* Sorts the collected rows by key and time into r->pts. */
static void
arrange(struct run *r)
{
	struct key *k;
	size_t i;

	if (r->nrows > 1)
		qsort(r->rows, r->nrows, sizeof(*r->rows), row_cmp);
	r->pts = xcalloc(r->nrows + 1, sizeof(*r->pts));
	for (i = 0; i < r->nrows; i++) {
		r->pts[i] = r->rows[i].pt;
		k = &r->keys[r->rows[i].key];
		if (k->n++ == 0)
			k->first = i;
	}
}

/* Steps key k through the window ends (start, to]. */
static int
step_key(struct run *r, struct key *k, const struct detect_series *s,
    int64_t start, int64_t to)
{
	struct detect_track before;
	int64_t e;
	int held = 0;

	/* A listing the self-check sees now stays open while replies are
	 * quiet (daemon/dnsbl/selfcheck.c resolves it on delisting). */
	if (r->kind == DETECT_DNSBL && r->mem == NULL && k->t.open &&
	    (held = dnsbl_state_listed(r->st, k->key, k->ip)) == -1)
		return -1;
	for (e = start + DETECT_STEP; e <= to; e += DETECT_STEP) {
		before = k->t;
		switch (detect_step(r->p, r->kind, s, e, &k->t)) {
		case DETECT_OPENED:
			k->id = 0;
			free(k->sample);
			k->sample = NULL;
			if (save(r, k, true) == -1)
				return -1;
			report(r, k, DETECT_OPENED);
			break;
		case DETECT_RESOLVED:
			if (held == 1) {
				k->t = before;
				k->t.until = e;
				break;
			}
			if (save(r, k, false) == -1)
				return -1;
			report(r, k, DETECT_RESOLVED);
			k->id = 0;
			break;
		default:
			break;
		}
	}
	if (k->t.open && k->id != 0 && save(r, k, false) == -1)
		return -1;
	return 0;
}

/* Steps every key of r->kind through the window ends (r->from, to]. */
static int
run_kind(struct run *r, int64_t to)
{
	struct detect_range ranges[DETECT_RANGES_MAX];
	struct detect_series s;
	struct key *k;
	size_t nr, i;
	int64_t hist, start, n, d;
	int rc;

	nr = detect_ranges(r->p, r->from, to, ranges);
	for (i = 0; i < nr; i++)
		if (incident_series(r->st, &r->src, ranges[i].lo, ranges[i].hi,
			collect, r) == -1)
			goto dberr;
	if (load_incidents(r) == -1)
		goto dberr;
	if ((rc = incident_history(r->st, &r->src, &hist)) == -1)
		goto dberr;
	if (rc == 0)
		hist = to;
	arrange(r);
	for (i = 0; i < r->nkeys; i++) {
		k = &r->keys[i];
		s.pts = r->pts + k->first;
		s.npts = k->n;
		s.history = hist;
		if (detect_series_prepare(&s, r->errbuf) == -1)
			return -1;
		start = k->judged > r->from ? k->judged : r->from;
		if (start >= to)
			continue; /* judged already (an open one: counted) */
		if (!k->t.open) {
			/* Nothing in the evaluated windows: cannot open. */
			detect_sum(
			    &s, start + DETECT_STEP - r->p->window, to, &n, &d);
			if (n == 0)
				continue;
		}
		if (step_key(r, k, &s, start, to) == -1)
			goto dberr;
	}
	for (i = 0; i < r->nkeys; i++)
		r->stats->open += r->keys[i].t.open;
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

/* See detect.h. */
void
detect_source(enum detect_kind kind, struct incident_source_spec *src)
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

/* One pass over the window ends (from, to] for every kind. */
static int
run_pass(struct store *st, const struct detect_params *p, struct classifier *cl,
    const struct detect_run_opts *o, struct memtab *mem, int64_t from,
    int64_t to, struct detect_run_stats *stats, char *errbuf)
{
	struct run r;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	r.st = st;
	r.p = p;
	r.cl = cl;
	r.o = o;
	r.mem = mem;
	r.from = from;
	r.stats = stats;
	r.errbuf = errbuf;
	stats->open = 0; /* the last pass's count stands */
	stats->chunks++;
	for (r.kind = 0; r.kind < DETECT_KIND_COUNT && rc == 0; r.kind++) {
		if (r.kind == DETECT_INACTIVE)
			continue; /* inactive.c, at the run's end */
		detect_source(r.kind, &r.src);
		rc = run_kind(&r, to);
		run_clear(&r);
	}
	return rc;
}

/* The oldest data, rounded down to a minute; to when there is none. */
static int
oldest_data(struct store *st, int64_t to, int64_t *from)
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
	*from = oldest - (oldest % DETECT_STEP + DETECT_STEP) % DETECT_STEP;
	return 0;
}

/* A meta value as epoch seconds: 1 and *v, 0 when unset or unusable. */
static int
meta_time(struct store *st, const char *key, int64_t *v)
{
	char buf[32], *end;
	long long x;
	int rc;

	if ((rc = store_meta_get(st, key, buf, sizeof(buf))) != 1)
		return rc;
	x = strtoll(buf, &end, 10);
	if (end == buf || *end != '\0' || x <= 0)
		return 0;
	*v = (int64_t)x;
	return 1;
}

static int
meta_put_time(struct store *st, const char *key, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return store_meta_set(st, key, buf);
}

/* Where the live detector stands (inside its transaction). */
struct cursor {
	int64_t until; /* window ends up to here are evaluated */
	int64_t redo;  /* late results: (redo, until] to step again; 0 none */
};

/*
 * Reads the cursor, folding newly recorded late results into the redo
 * range (bounded by p->late). to: now, rounded down to a minute.
 */
static int
read_cursor(struct store *st, const struct detect_params *p, int64_t to,
    struct cursor *c, struct detect_run_stats *stats)
{
	int64_t late, bound;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = meta_time(st, STORE_META_DETECT_UNTIL, &c->until)) == -1)
		return -1;
	if (rc == 0) {
		/* The first run: from the oldest data. */
		if (oldest_data(st, to, &c->until) == -1)
			return -1;
	}
	if (c->until < to - DETECT_CATCHUP_MAX)
		c->until = to - DETECT_CATCHUP_MAX;
	if (meta_time(st, STORE_META_DETECT_REDO, &c->redo) == -1)
		return -1;
	if ((rc = meta_time(st, STORE_META_DETECT_LATE, &late)) == -1)
		return -1;
	if (rc == 1) {
		if (store_meta_del(st, STORE_META_DETECT_LATE) == -1)
			return -1;
		late -= (late % DETECT_STEP + DETECT_STEP) % DETECT_STEP;
		bound = c->until - p->late;
		bound -= (bound % DETECT_STEP + DETECT_STEP) % DETECT_STEP;
		if (late < bound) {
			if (stats->late_older == 0 || late < stats->late_older)
				stats->late_older = late;
			late = bound;
		}
		if (late < c->until && (c->redo == 0 || late < c->redo))
			c->redo = late;
	}
	if (c->redo != 0 &&
	    (stats->late_from == 0 || c->redo + DETECT_STEP < stats->late_from))
		stats->late_from = c->redo + DETECT_STEP;
	return 0;
}

/*
 * What a run or a replay starts with: the stats zeroed (dummy when the
 * caller gave none), the parameters checked, the chunk (a whole number of
 * minutes, at least one) and the last window end (now, rounded down to a
 * minute). 0, or -1 with errbuf set.
 */
static int
start(const struct detect_params *p, const struct detect_run_opts *o,
    struct detect_run_stats **stats, struct detect_run_stats *dummy,
    int64_t *chunk, int64_t *to, char *errbuf)
{
	if (*stats == NULL)
		*stats = dummy;
	memset(*stats, 0, sizeof(**stats));
	if (detect_params_check(p, errbuf) == -1)
		return -1;
	*chunk =
	    o->chunk > 0 ? o->chunk - o->chunk % DETECT_STEP : DETECT_CHUNK;
	if (*chunk < DETECT_STEP)
		*chunk = DETECT_STEP;
	*to = o->now - (o->now % DETECT_STEP + DETECT_STEP) % DETECT_STEP;
	return 0;
}

/* See detect.h. */
int
detect_run(struct store *st, const struct detect_params *p,
    struct classifier *cl, const struct detect_run_opts *o,
    struct detect_run_stats *stats, char *errbuf)
{
	struct detect_run_stats dummy;
	struct cursor c;
	int64_t to, chunk, from, cto;
	unsigned done = 0;
	bool first = true;

	if (start(p, o, &stats, &dummy, &chunk, &to, errbuf) == -1)
		return -1;
	stats->from = stats->to = to;
	for (;;) {
		if (o->max_chunks != 0 && done == o->max_chunks)
			return 1;
		if (store_begin(st) == -1)
			goto dberr;
		if (read_cursor(st, p, to, &c, stats) == -1)
			goto fail;
		if (first) {
			stats->from = c.redo != 0 ? c.redo
			    : c.until < to        ? c.until
						  : to;
			first = false;
		}
		if (c.redo != 0 && c.redo < c.until) {
			/* Late results first: their windows again. */
			from = c.redo;
			cto = c.until - from > chunk ? from + chunk : c.until;
		} else if (c.until < to) {
			from = c.until;
			cto = to - from > chunk ? from + chunk : to;
		} else {
			if (c.redo != 0 &&
			    store_meta_del(st, STORE_META_DETECT_REDO) == -1)
				goto fail;
			if (inactive_judge(st, p, to, o->on_change, o->arg,
				&stats->opened, &stats->resolved) == -1)
				goto fail;
			break;
		}
		if (run_pass(st, p, cl, o, NULL, from, cto, stats, errbuf) ==
		    -1) {
			store_rollback(st);
			return -1;
		}
		if (c.redo != 0 && c.redo < c.until) {
			if ((cto < c.until ? meta_put_time(st,
						 STORE_META_DETECT_REDO, cto)
					   : store_meta_del(st,
						 STORE_META_DETECT_REDO)) == -1)
				goto fail;
		} else if (meta_put_time(st, STORE_META_DETECT_UNTIL, cto) ==
		    -1)
			goto fail;
		if (store_commit(st) == -1)
			goto fail;
		done++;
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

static int
mem_cmp(const void *va, const void *vb)
{
	const struct memrow *a = va, *b = vb;

	if (a->inc.open != b->inc.open)
		return a->inc.open ? -1 : 1;
	if (a->inc.start != b->inc.start)
		return a->inc.start > b->inc.start ? -1 : 1;
	return a->inc.id > b->inc.id ? -1 : a->inc.id < b->inc.id;
}

/* See detect.h. */
int
detect_replay(struct store *st, const struct detect_params *p,
    struct classifier *cl, int64_t from, const struct detect_run_opts *o,
    detect_incident_fn *each, void *each_arg, struct detect_run_stats *stats,
    char *errbuf)
{
	struct detect_run_stats dummy;
	struct memtab mem = { 0 };
	int64_t to, oldest, chunk, cto;
	size_t i;
	int rc = 0;

	if (start(p, o, &stats, &dummy, &chunk, &to, errbuf) == -1)
		return -1;
	if (oldest_data(st, to, &oldest) == -1) {
		snprintf(errbuf, BS_ERRLEN, "%s", store_errmsg(st));
		return -1;
	}
	from -= (from % DETECT_STEP + DETECT_STEP) % DETECT_STEP;
	if (from < oldest)
		from = oldest;
	stats->from = from < to ? from : to;
	stats->to = to;
	for (; from < to && rc == 0; from = cto) {
		cto = to - from > chunk ? from + chunk : to;
		rc = run_pass(st, p, cl, o, &mem, from, cto, stats, errbuf);
	}
	if (rc == 0 && mem.n > 1)
		qsort(mem.v, mem.n, sizeof(*mem.v), mem_cmp);
	for (i = 0; rc == 0 && i < mem.n && each != NULL; i++)
		if (each(&mem.v[i].inc, each_arg) != 0)
			break;
	mem_free(&mem);
	return rc;
}
