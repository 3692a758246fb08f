/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * bouncestat incidents: lists the incidents the detector found (open ones
 * first, then newest first), as text or JSON.
 *
 * When the database is writable the detector is brought up to date first
 * (detect_run(), the same work the daemon's timer does), so that after an
 * import without a running daemon the incidents are there; --no-detect
 * only reads, and a database this user cannot write is only read.
 * Reply texts are hostile: text output sanitises them (no control
 * character reaches the terminal), JSON escapes them.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "cmd_names.h"
#include "conf.h"
#include "context.h"
#include "alert.h"
#include "classify.h"
#include "cmd.h"
#include "incidents.h"
#include "detect.h"
#include "incident.h"
#include "json.h"
#include "log.h"
#include "msg_render.h" /* issue 16 */
#include "rules.h"
#include "store.h"
#include "util.h"

static int cmd_incidents_exec(int, char **);

const struct cmd_entry cmd_incidents_entry = {
	"incidents",
	"[-c FILE] [--db PATH] [--since DUR] [--now WHEN] [--utc] [--open] [--kind KIND] "
	"[--format text|json] [--no-detect] [--replay] [--rules DIR] "
	"[--detect KEY=VALUE]...",
	"list throttling, blacklisting and other incidents",
	cmd_incidents_exec,
};

static void
help(void)
{
	printf("usage: bouncestat incidents %s\n\n"
	       "Lists incidents: a receiver throttling us (rate_limited), "
	       "blocking us\n(blacklisted), a DNSBL listing our IP (dnsbl), "
	       "a greylisting surge, a\njump of the deferral or bounce rate, "
	       "our relay refusing our credentials\n(auth_failed), no "
	       "delivery result at all where the hour usually has some\n"
	       "(inactive). Open incidents come first, then the newest.\n\n"
	       "  -c, --config FILE  configuration (its database, detect and "
	       "rules_dir)\n"
	       "  --db PATH          database (default: see 'bouncestat "
	       "--help')\n"
	       "  --since DUR        incidents open, or seen since then "
	       "(default 7d;\n"
	       "                     30m, 6h, 2d, a date, or 'all')\n"
	       "  --now WHEN         take WHEN as the present (a date, @EPOCH, "
	       "or a\n"
	       "                     duration ago): --since counts back from "
	       "it, incidents\n"
	       "                     opened after it are left out, the state "
	       "shown is\n"
	       "                     today's (--replay: what was open then)\n"
	       "  --utc              show and read times in UTC (default: "
	       "local time)\n"
	       "  --open             open incidents only (with --replay: "
	       "those open at\n"
	       "                     the end, and the timeline only their "
	       "openings)\n"
	       "  --kind KIND        one kind: rate_limited, blacklisted, "
	       "dnsbl,\n"
	       "                     greylisted, deferral_rate, bounce_rate, "
	       "auth_failed,\n"
	       "                     inactive\n"
	       "  --format FMT       text (default) or json\n"
	       "  --no-detect        do not run the detector first (it runs "
	       "when the\n"
	       "                     database is writable, as the daemon's "
	       "timer does)\n"
	       "  --replay           run the detector minute by minute over "
	       "the stored\n"
	       "                     history since --since as if live, with "
	       "the --detect\n"
	       "                     thresholds, and print what it would have "
	       "opened and\n"
	       "                     resolved; writes nothing; per-minute "
	       "counts are kept\n"
	       "                     for minute_retention: the text says when "
	       "those --since\n"
	       "                     asks for were pruned\n"
	       "  --rules DIR        rule files, for the suggested actions\n"
	       "  --detect KEY=VAL   a detector threshold, e.g. window=5m or\n"
	       "                     rate_limited.min_count=20 (see "
	       "'bouncestat alert --help')\n\n"
	       "Columns: when it started and was last seen (local time), "
	       "the kind, the\nreceiver (provider, else recipient domain; "
	       "for dnsbl the list and the\nlisted IP), the largest count "
	       "in one detection window against the usual\ncount of that "
	       "window (the median of the same window on the previous "
	       "days),\nand the total; then a sample reply. Rates show "
	       "percentages.\n\n"
	       "Exit status: 0 success (also when there are none), 1 "
	       "failure, 2 usage\nerror.\n",
	    cmd_incidents_entry.usage);
}

/* The replay's timeline: one line per opening and resolution. */
struct timeline {
	struct tl_event {
		int64_t when;
		bool opened;
		char kind[32];
		char key[400];
	} * v;
	size_t n, cap;
	const char *kind; /* --kind: only this kind's (NULL: every kind) */
	unsigned opened, resolved;
};

/* detect_change_fn: keeps an opening or resolution for the timeline
 * (the runner goes kind by kind; the timeline is sorted before print). */
static void
timeline_add(enum detect_change what, const struct incident *inc, void *arg)
{
	struct timeline *tl = arg;
	struct tl_event *e;

	if (tl->kind != NULL && strcmp(tl->kind, inc->kind) != 0)
		return;
	if (tl->n == tl->cap) {
		tl->cap = tl->cap == 0 ? 64 : tl->cap * 2;
		tl->v = xrealloc(tl->v, tl->cap * sizeof(*tl->v));
	}
	e = &tl->v[tl->n++];
	e->opened = what == DETECT_OPENED;
	if (e->opened)
		tl->opened++;
	else
		tl->resolved++;
	e->when = e->opened ? inc->detected : inc->resolved;
	snprintf(e->kind, sizeof(e->kind), "%s", inc->kind);
	incident_key_text(e->key, sizeof(e->key), inc);
}

static int
tl_cmp(const void *va, const void *vb)
{
	const struct tl_event *a = va, *b = vb;

	if (a->when != b->when)
		return a->when < b->when ? -1 : 1;
	return (int)b->opened - (int)a->opened; /* resolved after opened */
}

/* Prints the timeline in time order. */
static void
timeline_print(FILE *fp, struct timeline *tl)
{
	char when[64];
	size_t i;

	if (tl->n == 0)
		return;
	qsort(tl->v, tl->n, sizeof(*tl->v), tl_cmp);
	fprintf(fp, "%-16s  %-8s  %-13s  %s\n", "WINDOW END", "EVENT", "KIND",
	    "KEY");
	for (i = 0; i < tl->n; i++) {
		render_local_time(when, sizeof(when), tl->v[i].when, 0);
		fprintf(fp, "%-16s  %-8s  %-13s  %s\n", when,
		    tl->v[i].opened ? "opened" : "resolved", tl->v[i].kind,
		    tl->v[i].key);
	}
}

/*
 * incidents --replay --open: keeps only the openings of the incidents open
 * at the end (l, already filtered), as the table lists only those; an
 * opening is theirs when kind, key and window end are the same.
 */
static void
timeline_keep_open(struct timeline *tl, const struct incident_list *l)
{
	char key[sizeof(tl->v[0].key)];
	size_t i, j, n = 0;

	for (i = 0; i < tl->n; i++) {
		if (!tl->v[i].opened)
			continue;
		for (j = 0; j < l->n; j++) {
			if (!l->v[j].inc.open ||
			    l->v[j].inc.detected != tl->v[i].when ||
			    strcmp(l->v[j].inc.kind, tl->v[i].kind) != 0)
				continue;
			incident_key_text(key, sizeof(key), &l->v[j].inc);
			if (strcmp(key, tl->v[i].key) == 0)
				break;
		}
		if (j < l->n)
			tl->v[n++] = tl->v[i];
	}
	tl->n = n;
}

/* Keeps the replay's incidents that pass the listing filter. */
struct replay_keep {
	struct store *st; /* for the hosts of the events */
	bool failed;      /* reading the hosts failed (store_errmsg()) */
	const struct incident_filter *f;
	struct incident_list *l;
	unsigned open; /* open at the end, of --kind */
};

static int
replay_collect(const struct incident *inc, void *arg)
{
	struct replay_keep *rk = arg;
	struct incident copy;
	char hosts[INCIDENT_HOSTS_MAX];

	if (rk->f->kind != NULL && strcmp(rk->f->kind, inc->kind) != 0)
		return 0;
	if (inc->open)
		rk->open++;
	if (rk->f->open_only && !inc->open)
		return 0;
	/* The detector reads no hosts (no_hosts): filled like a live
	 * incident's, so that replay and live list the same. */
	copy = *inc;
	if (incident_hosts(rk->st, inc, hosts, sizeof(hosts)) == -1) {
		rk->failed = true;
		return -1;
	}
	copy.hosts = hosts;
	return incident_list_add(&copy, rk->l);
}

/*
 * Text: when since reaches before the daemon's last pruning of the
 * per-minute counts (meta 'minute_floor', store_prune_minutes()), the
 * replay, which reads only those, starts later than asked: say why
 * (trial11; as `messages` says that a range lacks pruned records). 0, or
 * -1 (store_errmsg()).
 */
static int
replay_pruned(FILE *fp, struct store *st, int64_t since)
{
	char buf[32], a[64], *end;
	long long floor;
	int rc;

	if ((rc = store_meta_get(st, "minute_floor", buf, sizeof(buf))) != 1)
		return rc;
	floor = strtoll(buf, &end, 10);
	if (end == buf || *end != '\0' || since >= floor)
		return 0;
	render_local_time(a, sizeof(a), floor, 0);
	fprintf(fp,
	    "The per-minute counts before %s were pruned (minute_retention):\n"
	    "no replay before then; their hourly counts are kept: bouncestat "
	    "report.\n",
	    a);
	return 0;
}

/*
 * incidents --replay: the detector over (since, now] as if live, in
 * memory. 0 or 1 (after logging).
 */
static int
replay(struct store *st, const struct detect_params *dp, struct classifier *cl,
    const struct incident_filter *f, int64_t now, bool json)
{
	struct detect_run_opts o;
	struct detect_run_stats ds;
	struct timeline tl = { NULL, 0, 0, NULL, 0, 0 };
	struct replay_keep rk;
	struct incident_list l = { 0 };
	char errbuf[BS_ERRLEN], a[64], b[64];

	memset(&o, 0, sizeof(o));
	o.now = now;
	o.on_change = timeline_add;
	o.arg = &tl;
	tl.kind = f->kind;
	rk.st = st;
	rk.failed = false;
	rk.f = f;
	rk.l = &l;
	rk.open = 0;
	if (detect_replay(st, dp, cl, f->since, &o, replay_collect, &rk, &ds,
		errbuf) == -1 ||
	    rk.failed) {
		cmd_error("incidents", "detect: %s",
		    rk.failed ? store_errmsg(st) : errbuf);
		incident_list_free(&l);
		free(tl.v);
		return 1;
	}
	if (f->open_only)
		timeline_keep_open(&tl, &l);
	if (!json)
		timeline_print(stdout, &tl);
	if (json)
		incident_table_json(stdout, &l);
	else {
		render_local_time(a, sizeof(a), ds.from, 0);
		render_local_time(b, sizeof(b), ds.to, 0);
		if (f->open_only)
			printf("%sReplay of the window ends after %s up to %s "
			       "(nothing written): %u open at the end "
			       "(--open: their openings only).\n",
			    tl.n > 0 ? "\n" : "", a, b, rk.open);
		else
			printf("%sReplay of the window ends after %s up to %s "
			       "(nothing written): %u opened, %u resolved, %u "
			       "open at the end.\n",
			    tl.n > 0 ? "\n" : "", a, b,
			    f->kind != NULL ? tl.opened : ds.opened,
			    f->kind != NULL ? tl.resolved : ds.resolved,
			    f->kind != NULL ? rk.open : ds.open);
		if (replay_pruned(stdout, st, f->since) == -1) {
			cmd_error("incidents", "%s", store_errmsg(st));
			incident_list_free(&l);
			free(tl.v);
			return 1;
		}
		if (l.n > 0) {
			putchar('\n');
			incident_table_text(stdout, &l, f->since, true);
		}
	}
	incident_list_free(&l);
	free(tl.v);
	return 0;
}

struct before_arg {
	int64_t now;
	struct incident_list *l;
};

/*
 * An incident_fn: incident_list_add() of those detected at or before the
 * present (--now in the past: an incident opened after it did not exist
 * yet).
 */
static int
add_before(const struct incident *inc, void *arg)
{
	struct before_arg *a = arg;

	if ((inc->detected != 0 ? inc->detected : inc->start) > a->now)
		return 0;
	return incident_list_add(inc, a->l);
}

/* The newest incident before the range (newuser18), for the hint. */
struct older_arg {
	int64_t now;
	int64_t last; /* its last_seen, 0: none */
};

static int
newest_older(const struct incident *inc, void *arg)
{
	struct older_arg *a = arg;

	if ((inc->detected != 0 ? inc->detected : inc->start) <= a->now &&
	    inc->last_seen > a->last)
		a->last = inc->last_seen;
	return 0;
}

/*
 * Text, no incident in the range: when the filters match older ones,
 * where the newest is and the --since that reaches it, as report and
 * messages say where their data is (the default 7d over an import of
 * older logs read as "no incidents"). 0 or -1.
 */
static int
incidents_where(struct store *st, const struct incident_filter *f, int64_t now)
{
	struct incident_filter all = *f;
	struct older_arg a = { now, 0 };
	char when[64];

	all.since = INT64_MIN;
	all.no_hosts = true;
	if (incident_list(st, &all, newest_older, &a) == -1)
		return -1;
	if (a.last == 0 || a.last >= f->since)
		return 0;
	render_local_time(when, sizeof(when), a.last, 0);
	printf("The newest was last seen %s; try --since %" PRId64
	       "d (or --since all).\n",
	    when, (now - a.last) / 86400 + 1);
	return 0;
}

static int
cmd_incidents_exec(int argc, char **argv)
{
	static const struct option own[] = {
		{ "since", required_argument, NULL, 's' },
		{ "open", no_argument, NULL, 'o' },
		{ "kind", required_argument, NULL, 'k' },
		{ "no-detect", no_argument, NULL, 'n' },
		{ "replay", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct option longopts[CTX_OPTIONS_MAX];
	struct cmd_ctx ctx;
	char errbuf[BS_ERRLEN], detect_err[BS_ERRLEN] = "";
	const char *db, *since = "7d";
	struct incident_filter f;
	struct detect_run_opts o;
	struct classifier *cl = NULL;
	struct store *st = NULL;
	struct incident_list l = { 0 };
	enum detect_kind kind;
	int64_t now;
	bool json = false, detect = true, replaying = false;
	int ch, rc = 1;

	memset(&f, 0, sizeof(f));
	cmd_ctx_init(&ctx, "incidents",
	    CTX_DB | CTX_RULES | CTX_DETECT | CTX_NOW | CTX_TZ | CTX_TEXT |
		CTX_JSON,
	    own, longopts);
	optind = 1;
	while ((ch = cmd_ctx_getopt(&ctx, argc, argv, "h", longopts)) != -1) {
		switch (ch) {
		case 's':
			since = optarg;
			break;
		case 'o':
			f.open_only = true;
			break;
		case 'k':
			if (detect_kind_from_name(
				optarg, strlen(optarg), &kind) == -1) {
				cmd_bad_kind(stderr, "incidents", optarg);
				return cmd_usage(&cmd_incidents_entry);
			}
			f.kind = detect_kind_name(kind);
			break;
		case 'n':
			detect = false;
			break;
		case 'R':
			replaying = true;
			break;
		case 'h':
			help();
			return 0;
		default:
			return cmd_usage(&cmd_incidents_entry);
		}
	}
	if (optind < argc)
		return cmd_usage(&cmd_incidents_entry);
	if ((rc = cmd_ctx_finish(&ctx, false, &cmd_incidents_entry)) != 0)
		return rc;
	json = ctx.format == CTX_FORMAT_JSON;
	rc = 1;
	now = ctx.now;
	db = ctx.db;
	if (cmd_ctx_since(&ctx, since, &f.since) == -1)
		return cmd_usage(&cmd_incidents_entry);
	if (cmd_ctx_need_db(&ctx) != 0) {
		cmd_ctx_free(&ctx);
		return 1;
	}
	if (replaying) {
		if ((st = store_open(db, STORE_READONLY, errbuf)) == NULL) {
			cmd_ctx_store_error(&ctx, errbuf);
			cmd_ctx_free(&ctx);
			return 1;
		}
		if ((cl = rules_load(ctx.rules, errbuf)) == NULL)
			log_warnx("rules: %s (no suggested actions)", errbuf);
		rc = replay(st, &ctx.dp, cl, &f, now, json);
		classify_free(cl);
		store_close(st);
		cmd_ctx_free(&ctx);
		return rc;
	}
	if (detect && access(db, W_OK) == 0 &&
	    (st = store_open(db, STORE_NO_CREATE, errbuf)) != NULL) {
		if ((cl = rules_load(ctx.rules, errbuf)) == NULL)
			log_warnx("rules: %s (no suggested actions)", errbuf);
		memset(&o, 0, sizeof(o));
		o.now = now;
		if (detect_run(st, &ctx.dp, cl, &o, NULL, errbuf) == -1)
			log_warnx("detect: %s", errbuf);
		classify_free(cl);
	} else if (detect && access(db, W_OK) == 0)
		snprintf(detect_err, sizeof(detect_err), "%s", errbuf);
	if (st == NULL &&
	    (st = store_open(db, STORE_READONLY, errbuf)) == NULL) {
		cmd_ctx_store_error(&ctx, errbuf);
		cmd_ctx_free(&ctx);
		return 1;
	}
	/* Writable, readable, but not opened for writing (a write lock
	 * held past the busy timeout): say the list may be behind. */
	if (detect_err[0] != '\0')
		log_warnx("detect: %s; listing the incidents stored, without "
			  "a detector pass",
		    detect_err);
	if (incident_list(
		st, &f, add_before, &(struct before_arg){ now, &l }) == -1) {
		cmd_ctx_error(&ctx, "database: %s", store_errmsg(st));
		goto done;
	}
	if (json) {
		msg_incidents_fill(st, &l, now, /* issue 16 */
		    ctx.conf->queue_lifetime_ms / 1000);
		incident_table_json(stdout, &l);
	} else {
		incident_table_text(stdout, &l, f.since, false);
		if (l.n == 0 && incidents_where(st, &f, now) == -1) {
			cmd_ctx_error(&ctx, "database: %s", store_errmsg(st));
			goto done;
		}
		msg_incidents_text(stdout, st, &l, now, /* issue 16 */
		    ctx.conf->queue_lifetime_ms / 1000);
	}
	rc = 0;
done:
	incident_list_free(&l);
	store_close(st);
	cmd_ctx_free(&ctx);
	return rc;
}
