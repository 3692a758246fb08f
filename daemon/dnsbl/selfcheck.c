/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See selfcheck.h. One check run at a time (a run still asking when the
 * next is due makes the next wait); the list set is replaced only between
 * runs (a reload during a run drops the run and starts a new one). The
 * stall watch keeps, per followed path, the size and inode last seen and
 * when (monotonic) they last changed.
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "dnsbl_check.h"
#include "dnsbl_list.h"
#include "dnsbl_state.h"
#include "incident.h"
#include "log.h"
#include "selfcheck.h"
#include "store.h"
#include "util.h"

#define SELFCHECK_FIRST     3.0   /* seconds after start-up or reload */
#define SELFCHECK_RETRY     60.0  /* when a run could not start */
#define SELFCHECK_IPS_MAX   256   /* IPs checked per run */
#define SELFCHECK_TRIES     2     /* per query */
#define SELFCHECK_FILES_MAX 65536 /* bytes of meta daemon.files */
#define SELFCHECK_WATCH_MAX 60.0  /* seconds between stall checks */
#define SELFCHECK_DETAIL    512

/* The MTAs' pid files tried when mta_pid_file is empty. */
static const char *const mta_pid_files[] = {
	"/var/spool/postfix/pid/master.pid",
	"/run/exim4/exim.pid",
	"/run/sendmail/mta/sendmail.pid",
	"/run/smtpd.pid",
	NULL,
};

struct fstate {
	char *path;
	int64_t ino, size;
	ev_tstamp changed;
	bool seen; /* in the latest list */
};

struct selfcheck {
	struct ev_loop *ev;
	struct store *st;
	const struct conf *conf;
	struct dnsbl_lists *lists; /* NULL: the list files have errors */
	struct dnsbl_check *run;
	char **ips;
	size_t nips;
	ev_timer check_w;
	ev_timer watch_w;
	struct fstate *fs;
	size_t nfs;
	char stalled[SELFCHECK_DETAIL]; /* the meta value last written */
	bool stalled_known;
	unsigned seed;              /* rand_r(): the jitter */
	void (*store_wait)(void *); /* selfcheck_set_store_wait() */
	void *store_wait_arg;
};

static void schedule(struct selfcheck *sc, double after);

/* Before each use of the store: the caller's hook makes it idle. */
static void
store_wait(struct selfcheck *sc)
{
	if (sc->store_wait != NULL)
		sc->store_wait(sc->store_wait_arg);
}

static void
load_lists(struct selfcheck *sc)
{
	char errbuf[BS_ERRLEN];
	struct dnsbl_lists *l;
	const char *dir =
	    sc->conf->dnsbl_dir[0] != '\0' ? sc->conf->dnsbl_dir : NULL;

	if ((l = dnsbl_lists_load(dir, errbuf)) == NULL) {
		log_warnx("dnsbl: lists: %s; %s", errbuf,
		    sc->lists != NULL ? "keeping the lists loaded before"
				      : "the self-check is off");
		return;
	}
	dnsbl_lists_free(sc->lists);
	sc->lists = l;
}

static void
free_ips(struct selfcheck *sc)
{
	size_t i;

	for (i = 0; i < sc->nips; i++)
		free(sc->ips[i]);
	free(sc->ips);
	sc->ips = NULL;
	sc->nips = 0;
}

static void
add_ip(struct selfcheck *sc, const char *ip)
{
	size_t i;

	if (ip == NULL || *ip == '\0' || sc->nips >= SELFCHECK_IPS_MAX)
		return;
	for (i = 0; i < sc->nips; i++)
		if (strcmp(sc->ips[i], ip) == 0)
			return;
	sc->ips = xrealloc(sc->ips, (sc->nips + 1) * sizeof(*sc->ips));
	sc->ips[sc->nips++] = xstrdup(ip);
}

static int
named_ip(const char *ip, void *arg)
{
	char qname[512];

	/* Only addresses: a reply may name a host or garbage. */
	if (ip != NULL &&
	    dnsbl_query_name(ip, "x.invalid", qname, sizeof(qname)) != 0)
		add_ip(arg, ip);
	return 0;
}

/* An open dnsbl incident of (zone, ip), copied out of the query. */
struct open_inc {
	const char *ip;
	bool have;
	struct incident inc;
	char *s[6];
};

static int
find_open(const struct incident *inc, void *arg)
{
	struct open_inc *o = arg;

	if (o->have || strcmp(inc->listed_ip, o->ip) != 0)
		return 0;
	o->have = true;
	o->inc = *inc;
	o->inc.kind = o->s[0] = xstrdup(inc->kind);
	o->inc.key = o->s[1] = xstrdup(inc->key);
	o->inc.listed_ip = o->s[2] = xstrdup(inc->listed_ip);
	o->inc.providers = o->s[3] = xstrdup(inc->providers);
	o->inc.sample = o->s[4] = xstrdup(inc->sample);
	o->inc.rule = o->s[5] = xstrdup(inc->rule);
	o->inc.action = ""; /* set below when needed */
	return 0;
}

static void
open_free(struct open_inc *o)
{
	size_t i;

	for (i = 0; i < sizeof(o->s) / sizeof(o->s[0]); i++)
		free(o->s[i]);
}

static int
lookup_open(
    struct store *st, const char *zone, const char *ip, struct open_inc *o)
{
	struct incident_filter f;

	memset(o, 0, sizeof(*o));
	o->ip = ip;
	memset(&f, 0, sizeof(f));
	f.open_only = true;
	f.kind = "dnsbl";
	f.key = zone;
	f.no_hosts = true;
	return incident_list(st, &f, find_open, o);
}

/* Opens or resolves the incident of one result. 0 or -1. */
static int
incident_of(struct store *st, const struct dnsbl_result *r, int64_t now,
    unsigned *opened, unsigned *resolved)
{
	struct open_inc o;
	struct incident inc;
	char sample[DNSBL_MEANING_MAX + 80];
	int rc = 0;

	if (lookup_open(st, r->zone, r->ip, &o) == -1)
		return -1;
	if (r->verdict == DNSBL_LISTED && r->actionable && !o.have) {
		snprintf(
		    sample, sizeof(sample), "%s: %s", r->answer, r->meaning);
		memset(&inc, 0, sizeof(inc));
		inc.kind = "dnsbl";
		inc.key = r->zone;
		inc.listed_ip = r->ip;
		inc.providers = "self-check";
		inc.open = true;
		inc.start = inc.detected = inc.last_seen = now;
		inc.until = now - now % 60;
		inc.window = 600;
		inc.sample = sample;
		inc.rule = "dnsbl-check";
		inc.action = r->delist;
		if ((rc = incident_insert(st, &inc, &inc.id)) == 0) {
			(*opened)++;
			log_info("dnsbl: incident opened: id=%" PRId64 " %s "
				 "lists %s: %s (%s)%s%s",
			    inc.id, r->zone, r->ip, r->answer, r->meaning,
			    r->delist[0] != '\0' ? " delist: " : "", r->delist);
		}
	} else if ((r->verdict == DNSBL_NOT_LISTED ||
		       r->verdict == DNSBL_PASS) &&
	    o.have && (o.inc.calm_since != 0 || o.inc.total == 0)) {
		/* Delisted, and no reply names it at the moment. */
		o.inc.open = false;
		o.inc.resolved = now;
		if (o.inc.last_seen < o.inc.start)
			o.inc.last_seen = o.inc.start;
		o.inc.action = r->delist;
		if ((rc = incident_update(st, &o.inc)) == 0) {
			(*resolved)++;
			log_info("dnsbl: incident resolved: id=%" PRId64
				 " %s no longer lists %s",
			    o.inc.id, r->zone, r->ip);
		}
	}
	open_free(&o);
	return rc;
}

static void
put_meta(struct selfcheck *sc, size_t nq, int64_t now)
{
	char buf[64], *list;
	size_t i, len = 1, off = 0;

	snprintf(buf, sizeof(buf), "%lld %zu", (long long)now, nq);
	if (store_meta_set(sc->st, SELFCHECK_META_LAST, buf) == -1)
		log_warnx("dnsbl: store: %s", store_errmsg(sc->st));
	for (i = 0; i < sc->nips; i++)
		len += strlen(sc->ips[i]) + 1;
	list = xmalloc(len);
	list[0] = '\0';
	for (i = 0; i < sc->nips; i++)
		off += (size_t)snprintf(list + off, len - off, "%s%s",
		    i > 0 ? "\n" : "", sc->ips[i]);
	if (store_meta_set(sc->st, SELFCHECK_META_IPS, list) == -1)
		log_warnx("dnsbl: store: %s", store_errmsg(sc->st));
	free(list);
}

static void
on_done(void *arg, const struct dnsbl_result *res, size_t n)
{
	struct selfcheck *sc = arg;
	struct dnsbl_state_row row;
	int64_t now = clock_now();
	unsigned opened = 0, resolved = 0, listed = 0, errors = 0;
	size_t i;

	store_wait(sc);
	if (store_begin(sc->st) == -1)
		goto dberr;
	for (i = 0; i < n; i++) {
		const struct dnsbl_result *r = &res[i];

		memset(&row, 0, sizeof(row));
		row.ip = r->ip;
		row.zone = r->zone;
		row.verdict = dnsbl_verdict_name(r->verdict);
		row.answer = r->answer;
		row.meaning = r->meaning;
		row.actionable = r->actionable;
		row.checked = now;
		if (dnsbl_state_put(sc->st, &row, NULL) == -1)
			goto fail;
		if (r->verdict == DNSBL_LISTED)
			listed++;
		if (r->verdict == DNSBL_ERROR) {
			errors++;
			log_warnx("dnsbl: %s: no verdict for %s: %s: %s "
				  "(an error, not 'not listed')",
			    r->zone, r->ip, r->answer, r->meaning);
		}
		if (incident_of(sc->st, r, now, &opened, &resolved) == -1)
			goto fail;
	}
	if (dnsbl_state_keep(sc->st, (const char *const *)sc->ips, sc->nips) ==
	    -1)
		goto fail;
	put_meta(sc, n, now);
	if (store_commit(sc->st) == -1)
		goto fail;
	log_info("dnsbl: checked %zu IPs, %zu queries: listed=%u errors=%u "
		 "opened=%u resolved=%u",
	    sc->nips, n, listed, errors, opened, resolved);
	goto done;
fail:
	log_warnx(
	    "dnsbl: store: %s (answers not recorded)", store_errmsg(sc->st));
	store_rollback(sc->st);
	goto done;
dberr:
	log_warnx(
	    "dnsbl: store: %s (answers not recorded)", store_errmsg(sc->st));
done:
	dnsbl_check_free(sc->run);
	sc->run = NULL;
	schedule(sc, -1);
}

static void
start_run(struct selfcheck *sc)
{
	struct dnsbl_check_opts o;
	char errbuf[BS_ERRLEN];
	const struct conf *c = sc->conf;
	size_t i;

	if (sc->run != NULL)
		return;
	if (c->dnsbl_check == CONF_DNSBL_OFF || sc->lists == NULL ||
	    (c->dnsbl_check == CONF_DNSBL_AUTO && c->ncheck_ip == 0)) {
		schedule(sc, -1);
		return;
	}
	free_ips(sc);
	for (i = 0; i < c->ncheck_ip; i++)
		add_ip(sc, c->check_ip[i]);
	if (c->dnsbl_named_ms > 0)
		store_wait(sc);
	if (c->dnsbl_named_ms > 0 &&
	    dnsbl_state_named_ips(sc->st,
		clock_now() - c->dnsbl_named_ms / 1000, named_ip, sc) == -1)
		log_warnx("dnsbl: store: %s", store_errmsg(sc->st));
	if (sc->nips == 0) {
		log_debug("dnsbl: no IP to check (check_ip, or a reply "
			  "naming one as listed)");
		schedule(sc, -1);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.servers = c->dnsbl_resolver[0] != '\0' ? c->dnsbl_resolver : NULL;
	o.timeout_ms = (int)c->dnsbl_timeout_ms;
	o.tries = SELFCHECK_TRIES;
	sc->run = dnsbl_check_start(sc->ev, sc->lists,
	    (const char *const *)sc->ips, sc->nips, &o, on_done, sc, errbuf);
	if (sc->run == NULL) {
		log_warnx("dnsbl: %s", errbuf);
		schedule(sc, SELFCHECK_RETRY);
		return;
	}
	log_info("dnsbl: checking %zu IPs against %zu lists (%zu queries)",
	    sc->nips, dnsbl_lists_count(sc->lists),
	    dnsbl_check_pending(sc->run));
}

static void
check_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	start_run(w->data);
}

/* Arms the check timer: after seconds, or (after < 0) the interval with
 * its jitter. */
static void
schedule(struct selfcheck *sc, double after)
{
	char buf[32];
	double iv = (double)sc->conf->dnsbl_interval_ms / 1000.0;

	if (after < 0)
		after = iv *
		    (0.9 +
			0.2 * ((double)rand_r(&sc->seed) / (double)RAND_MAX));
	ev_timer_stop(sc->ev, &sc->check_w);
	ev_timer_set(&sc->check_w, after, 0.);
	ev_timer_start(sc->ev, &sc->check_w);
	snprintf(buf, sizeof(buf), "%lld",
	    (long long)(clock_now() + (int64_t)after));
	store_wait(sc);
	if (store_meta_set(sc->st, SELFCHECK_META_NEXT,
		sc->conf->dnsbl_check != CONF_DNSBL_OFF && sc->lists != NULL &&
			(sc->conf->ncheck_ip > 0 ||
			    sc->conf->dnsbl_check == CONF_DNSBL_ON)
		    ? buf
		    : "") == -1)
		log_debug("dnsbl: store: %s", store_errmsg(sc->st));
}

/* --- the stall watch --- */

/*
 * The pid of a live MTA; -1 when a pid file exists that we may not read
 * (Postfix's is root's, mode 0600 on some systems: the MTA is taken to
 * run); 0 when none names a live process.
 */
static long
mta_pid(const struct conf *c)
{
	const char *one[2] = { c->mta_pid_file, NULL };
	const char *const *v = c->mta_pid_file[0] != '\0' ? one : mta_pid_files;
	char buf[32];
	FILE *fp;
	long pid;

	for (; *v != NULL; v++) {
		if ((fp = fopen(*v, "r")) == NULL) {
			if (errno == EACCES)
				return -1;
			continue;
		}
		pid = 0;
		if (fgets(buf, sizeof(buf), fp) != NULL)
			pid = strtol(buf, NULL, 10);
		fclose(fp);
		if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
			return pid;
	}
	return 0;
}

static struct fstate *
fstate_get(struct selfcheck *sc, const char *path)
{
	size_t i;

	for (i = 0; i < sc->nfs; i++)
		if (strcmp(sc->fs[i].path, path) == 0)
			return &sc->fs[i];
	sc->fs = xrealloc(sc->fs, (sc->nfs + 1) * sizeof(*sc->fs));
	memset(&sc->fs[sc->nfs], 0, sizeof(sc->fs[0]));
	sc->fs[sc->nfs].path = xstrdup(path);
	sc->fs[sc->nfs].ino = -1;
	sc->fs[sc->nfs].changed = ev_now(sc->ev);
	return &sc->fs[sc->nfs++];
}

static void
watch_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct selfcheck *sc = w->data;
	const struct conf *c = sc->conf;
	char *files, *p, *nl, val[SELFCHECK_DETAIL];
	double after = (double)c->stall_after_ms / 1000.0;
	ev_tstamp now = ev_now(loop), latest = 0;
	struct fstate *f;
	struct stat sb;
	size_t i, n = 0, off;
	long pid;

	(void)revents;
	val[0] = '\0';
	if (c->stall_after_ms > 0) {
		files = xmalloc(SELFCHECK_FILES_MAX);
		store_wait(sc);
		if (store_meta_get(sc->st, "daemon.files", files,
			SELFCHECK_FILES_MAX) != 1)
			files[0] = '\0';
		for (i = 0; i < sc->nfs; i++)
			sc->fs[i].seen = false;
		for (p = files; *p != '\0'; p = nl + 1) {
			if ((nl = strchr(p, '\n')) != NULL)
				*nl = '\0';
			f = fstate_get(sc, p);
			f->seen = true;
			n++;
			if (stat(p, &sb) == 0 &&
			    ((int64_t)sb.st_ino != f->ino ||
				(int64_t)sb.st_size != f->size)) {
				f->ino = (int64_t)sb.st_ino;
				f->size = (int64_t)sb.st_size;
				f->changed = now;
			}
			if (f->changed > latest)
				latest = f->changed;
			if (nl == NULL)
				break;
		}
		free(files);
		if (n > 0 && now - latest >= after && (pid = mta_pid(c)) != 0) {
			off = (size_t)snprintf(val, sizeof(val), "%lld %ld",
			    (long long)(clock_now() - (int64_t)(now - latest)),
			    pid);
			for (i = 0; i < sc->nfs && off < sizeof(val); i++)
				if (sc->fs[i].seen)
					off += (size_t)snprintf(val + off,
					    sizeof(val) - off, " %s",
					    sc->fs[i].path);
		}
	}
	if (!sc->stalled_known || strcmp(val, sc->stalled) != 0) {
		store_wait(sc);
		if (store_meta_set(sc->st, SELFCHECK_META_STALLED, val) == -1) {
			log_warnx("daemon: store: %s", store_errmsg(sc->st));
		} else {
			if (val[0] != '\0' &&
			    (!sc->stalled_known || sc->stalled[0] == '\0'))
				log_warnx("daemon: stalled: no followed file "
					  "grew for %.0f s while the MTA runs "
					  "(%s)",
				    now - latest, val);
			else if (val[0] == '\0' && sc->stalled_known &&
			    sc->stalled[0] != '\0')
				log_info("daemon: no longer stalled");
			snprintf(sc->stalled, sizeof(sc->stalled), "%s", val);
			sc->stalled_known = true;
		}
	}
	after = after > 0 && after / 2 < SELFCHECK_WATCH_MAX
	    ? (after / 2 < 0.5 ? 0.5 : after / 2)
	    : SELFCHECK_WATCH_MAX;
	ev_timer_set(w, after, 0.);
	ev_timer_start(loop, w);
}

/* --- lifetime --- */

struct selfcheck *
selfcheck_new(struct ev_loop *ev, struct store *st, const struct conf *conf)
{
	struct selfcheck *sc = xcalloc(1, sizeof(*sc));

	sc->ev = ev;
	sc->st = st;
	sc->conf = conf;
	sc->seed = (unsigned)getpid() ^ (unsigned)clock_now();
	load_lists(sc);
	ev_timer_init(&sc->check_w, check_cb, SELFCHECK_FIRST, 0.);
	sc->check_w.data = sc;
	ev_timer_init(&sc->watch_w, watch_cb, 1., 0.);
	sc->watch_w.data = sc;
	schedule(sc, SELFCHECK_FIRST);
	ev_timer_start(ev, &sc->watch_w);
	return sc;
}

void
selfcheck_set_store_wait(struct selfcheck *sc, void (*fn)(void *arg), void *arg)
{
	sc->store_wait = fn;
	sc->store_wait_arg = arg;
}

void
selfcheck_set_conf(struct selfcheck *sc, const struct conf *conf)
{
	if (sc == NULL)
		return;
	sc->conf = conf;
	dnsbl_check_free(sc->run);
	sc->run = NULL;
	load_lists(sc);
	schedule(sc, SELFCHECK_FIRST);
	ev_timer_stop(sc->ev, &sc->watch_w);
	ev_timer_set(&sc->watch_w, 1., 0.);
	ev_timer_start(sc->ev, &sc->watch_w);
}

void
selfcheck_free(struct selfcheck *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	dnsbl_check_free(sc->run);
	ev_timer_stop(sc->ev, &sc->check_w);
	ev_timer_stop(sc->ev, &sc->watch_w);
	dnsbl_lists_free(sc->lists);
	free_ips(sc);
	for (i = 0; i < sc->nfs; i++)
		free(sc->fs[i].path);
	free(sc->fs);
	free(sc);
}
