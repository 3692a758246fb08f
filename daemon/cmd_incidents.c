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
#include "alert.h"
#include "classify.h"
#include "cmd.h"
#include "cmd_incidents.h"
#include "detect.h"
#include "incident.h"
#include "json.h"
#include "log.h"
#include "rules.h"
#include "store.h"
#include "util.h"

#define LIST_MAX 100000 /* incidents listed at most */

static int cmd_incidents_exec(int, char **);

const struct cmd_entry cmd_incidents_entry = {
	"incidents",
	"[--db PATH] [--since DUR] [--now WHEN] [--open] [--kind KIND] "
	"[--format text|json] [--no-detect] [--replay] [--rules DIR] "
	"[--detect KEY=VALUE]...",
	"list throttling, blacklisting and other incidents",
	cmd_incidents_exec,
};

/* An incident copied out of the query. */
struct item {
	struct incident inc;
	char *strs[9];
};

struct list {
	struct item *v;
	size_t n, cap;
};

static void
help(void)
{
	printf("usage: bouncestat incidents %s\n\n"
	       "Lists incidents: a receiver throttling us (rate_limited), "
	       "blocking us\n(blacklisted), a DNSBL listing our IP (dnsbl), "
	       "a greylisting surge, a\njump of the deferral or bounce rate, "
	       "our relay refusing our credentials\n(auth_failed). Open "
	       "incidents come first, then the newest.\n\n"
	       "  --db PATH          database (default: see 'bouncestat "
	       "--help')\n"
	       "  --since DUR        incidents open, or seen since then "
	       "(default 7d;\n"
	       "                     30m, 6h, 2d, a date, or 'all')\n"
	       "  --now WHEN         take WHEN as the present (a date, @EPOCH, "
	       "or a\n"
	       "                     duration ago): what was open then\n"
	       "  --open             open incidents only\n"
	       "  --kind KIND        one kind: rate_limited, blacklisted, "
	       "dnsbl,\n"
	       "                     greylisted, deferral_rate, bounce_rate, "
	       "auth_failed\n"
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
	       "                     resolved; writes nothing\n"
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

static char *
sdup(const char *s)
{
	return xstrdup(s != NULL ? s : "");
}

static int
collect(const struct incident *inc, void *arg)
{
	struct list *l = arg;
	struct item *it;

	if (l->n >= LIST_MAX)
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 32 : l->cap * 2;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	it = &l->v[l->n++];
	it->inc = *inc;
	it->inc.kind = it->strs[0] = sdup(inc->kind);
	it->inc.key = it->strs[1] = sdup(inc->key);
	it->inc.listed_ip = it->strs[2] = sdup(inc->listed_ip);
	it->inc.providers = it->strs[3] = sdup(inc->providers);
	it->inc.sample = it->strs[4] = sdup(inc->sample);
	it->inc.rule = it->strs[5] = sdup(inc->rule);
	it->inc.action = it->strs[6] = sdup(inc->action);
	it->strs[7] = it->strs[8] = NULL;
	return 0;
}

static void
list_free(struct list *l)
{
	size_t i, j;

	for (i = 0; i < l->n; i++)
		for (j = 0; j < 9; j++)
			free(l->v[i].strs[j]);
	free(l->v);
}

static bool
is_rate(const char *kind)
{
	return strcmp(kind, "deferral_rate") == 0 ||
	    strcmp(kind, "bounce_rate") == 0;
}

/* Local time "2026-11-22 10:40", or "HH:MM" when on the day of ref. */
static void
local_time(char *out, size_t len, int64_t t, int64_t ref)
{
	struct tm a, b;
	time_t ta = (time_t)(t + local_tz_offset(t));
	time_t tb = (time_t)(ref + local_tz_offset(ref));

	if (t == 0) {
		snprintf(out, len, "-");
		return;
	}
	gmtime_r(&ta, &a);
	gmtime_r(&tb, &b);
	if (ref != 0 && a.tm_year == b.tm_year && a.tm_yday == b.tm_yday)
		snprintf(out, len, "%02d:%02d", a.tm_hour, a.tm_min);
	else
		snprintf(out, len, "%04d-%02d-%02d %02d:%02d", a.tm_year + 1900,
		    a.tm_mon + 1, a.tm_mday, a.tm_hour, a.tm_min);
}

/* UTC RFC 3339 "2026-11-22T10:40:00Z". */
static void
utc_time(char *out, size_t len, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The key column: "qq.com", or "zen.spamhaus.org 192.0.2.1". */
static void
key_text(char *out, size_t len, const struct incident *inc)
{
	char key[256], ip[128];

	alert_sanitize(key, sizeof(key), inc->key, strlen(inc->key));
	alert_sanitize(ip, sizeof(ip), inc->listed_ip, strlen(inc->listed_ip));
	snprintf(out, len, "%s%s%s", key, ip[0] != '\0' ? " " : "", ip);
}

static size_t
columns(const char *s)
{
	size_t c = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			c++;
	return c;
}

static void
print_text(FILE *fp, const struct list *l, int64_t since, bool quiet)
{
	char key[400], start[64], seen[64], peak[32], usual[32], line[160];
	const struct incident *inc;
	size_t i, w = 3, c;

	if (l->n == 0) {
		if (quiet)
			return;
		local_time(start, sizeof(start), since, 0);
		fprintf(fp, "No incidents since %s.\n",
		    since > 0 ? start : "the beginning");
		return;
	}
	for (i = 0; i < l->n; i++) {
		key_text(key, sizeof(key), &l->v[i].inc);
		if ((c = columns(key)) > w)
			w = c;
	}
	if (w > 40)
		w = 40;
	fprintf(fp, "%-8s  %-16s  %-16s  %-13s  %-*s  %6s  %6s  %7s\n", "STATE",
	    "STARTED", "LAST SEEN", "KIND", (int)w, "KEY", "PEAK", "USUAL",
	    "TOTAL");
	for (i = 0; i < l->n; i++) {
		inc = &l->v[i].inc;
		key_text(key, sizeof(key), inc);
		local_time(start, sizeof(start), inc->start, 0);
		local_time(seen, sizeof(seen), inc->last_seen, inc->start);
		if (is_rate(inc->kind)) {
			snprintf(peak, sizeof(peak), "%d%%",
			    inc->peak_total > 0
				? (int)(inc->peak * 100 / inc->peak_total)
				: 0);
			snprintf(usual, sizeof(usual), "%d%%",
			    (int)(inc->baseline * 100 + 0.5));
		} else {
			snprintf(peak, sizeof(peak), "%" PRId64, inc->peak);
			if (strcmp(inc->kind, "dnsbl") == 0)
				snprintf(usual, sizeof(usual), "-");
			else
				snprintf(usual, sizeof(usual), "%.1f",
				    inc->baseline);
		}
		fprintf(fp, "%-8s  %-16s  %-16s  %-13s  ",
		    inc->open ? "open" : "resolved", start, seen, inc->kind);
		/* Pad by columns: the key may hold UTF-8. */
		c = columns(key);
		fprintf(fp, "%s%*s  %6s  %6s  %7" PRId64 "\n", key,
		    (int)(c < w ? w - c : 0), "", peak, usual, inc->total);
		if (inc->providers[0] != '\0') {
			alert_sanitize(line, sizeof(line), inc->providers,
			    strlen(inc->providers));
			fprintf(fp, "%10sreported by %s\n", "", line);
		}
		if (inc->sample[0] != '\0') {
			alert_sanitize(line, sizeof(line), inc->sample,
			    strlen(inc->sample));
			fprintf(fp, "%10s%s\n", "", line);
		}
	}
}

static const char *
notified_name(int n)
{
	return n == INCIDENT_NOTIFIED_OPEN    ? "open"
	    : n == INCIDENT_NOTIFIED_RESOLVED ? "resolved"
					      : "none";
}

static void
print_json(FILE *fp, const struct list *l)
{
	const struct incident *inc;
	char t[64];
	size_t i;

	fputs("[", fp);
	for (i = 0; i < l->n; i++) {
		inc = &l->v[i].inc;
		fprintf(fp,
		    "%s\n  {\"id\": %" PRId64 ", \"kind\": ", i > 0 ? "," : "",
		    inc->id);
		json_put_cstr(fp, inc->kind);
		fputs(", \"key\": ", fp);
		json_put_cstr(fp, inc->key);
		fputs(", \"listed_ip\": ", fp);
		json_put_cstr(fp, inc->listed_ip);
		fputs(", \"providers\": ", fp);
		json_put_cstr(fp, inc->providers);
		fprintf(
		    fp, ", \"state\": \"%s\"", inc->open ? "open" : "resolved");
		utc_time(t, sizeof(t), inc->start);
		fprintf(fp, ", \"start\": \"%s\", \"start_epoch\": %" PRId64, t,
		    inc->start);
		utc_time(t, sizeof(t), inc->last_seen);
		fprintf(fp,
		    ", \"last_seen\": \"%s\", \"last_seen_epoch\": %" PRId64, t,
		    inc->last_seen);
		if (inc->open)
			fputs(", \"resolved\": null, \"resolved_epoch\": null",
			    fp);
		else {
			utc_time(t, sizeof(t), inc->resolved);
			fprintf(fp,
			    ", \"resolved\": \"%s\", \"resolved_epoch\": "
			    "%" PRId64,
			    t, inc->resolved);
		}
		fprintf(fp,
		    ", \"window\": %" PRId64 ", \"peak\": %" PRId64
		    ", \"peak_total\": %" PRId64
		    ", \"baseline\": %.4f, \"total\": %" PRId64,
		    inc->window, inc->peak, inc->peak_total, inc->baseline,
		    inc->total);
		fputs(", \"sample\": ", fp);
		json_put_cstr(fp, inc->sample);
		fprintf(
		    fp, ", \"sample_code\": %d, \"rule\": ", inc->sample_code);
		json_put_cstr(fp, inc->rule);
		fputs(", \"action\": ", fp);
		json_put_cstr(fp, inc->action);
		fprintf(
		    fp, ", \"notified\": \"%s\"", notified_name(inc->notified));
		if (inc->notified_at != 0) {
			utc_time(t, sizeof(t), inc->notified_at);
			fprintf(fp, ", \"notified_at\": \"%s\"}", t);
		} else
			fputs(", \"notified_at\": null}", fp);
	}
	fputs(l->n > 0 ? "\n]\n" : "]\n", fp);
}

/*
 * Prints the open incidents of st to fp, as `bouncestat incidents --open`
 * does (json: a JSON array, else aligned text; nothing at all when there
 * are none and !json), for `report` to show them first. Reads only.
 * Returns the number of open incidents, or -1 with store_errmsg() set.
 */
int
incidents_print_open(struct store *st, FILE *fp, bool json)
{
	struct incident_filter f;
	struct list l = { 0 };
	int n;

	memset(&f, 0, sizeof(f));
	f.open_only = true;
	if (incident_list(st, &f, collect, &l) == -1) {
		list_free(&l);
		return -1;
	}
	if (json)
		print_json(fp, &l);
	else
		print_text(fp, &l, 0, true);
	n = (int)l.n;
	list_free(&l);
	return n;
}

/* The replay's timeline: one line per opening and resolution. */
struct timeline {
	FILE *fp;
	bool json;
	unsigned n;
};

static void
timeline_line(enum detect_change what, const struct incident *inc, void *arg)
{
	struct timeline *tl = arg;
	char key[400], when[64];

	tl->n++;
	if (tl->json)
		return;
	if (tl->n == 1)
		fprintf(tl->fp, "%-16s  %-8s  %-13s  %s\n", "WINDOW END",
		    "EVENT", "KIND", "KEY");
	key_text(key, sizeof(key), inc);
	local_time(when, sizeof(when),
	    what == DETECT_OPENED ? inc->detected : inc->resolved, 0);
	fprintf(tl->fp, "%-16s  %-8s  %-13s  %s\n", when,
	    what == DETECT_OPENED ? "opened" : "resolved", inc->kind, key);
}

/* Keeps the replay's incidents that pass the listing filter. */
struct replay_keep {
	const struct incident_filter *f;
	struct list *l;
};

static int
replay_collect(const struct incident *inc, void *arg)
{
	struct replay_keep *rk = arg;

	if (rk->f->open_only && !inc->open)
		return 0;
	if (rk->f->kind != NULL && strcmp(rk->f->kind, inc->kind) != 0)
		return 0;
	return collect(inc, rk->l);
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
	struct timeline tl = { stdout, json, 0 };
	struct replay_keep rk;
	struct list l = { 0 };
	char errbuf[BS_ERRLEN], a[64], b[64];

	memset(&o, 0, sizeof(o));
	o.now = now;
	o.on_change = timeline_line;
	o.arg = &tl;
	rk.f = f;
	rk.l = &l;
	if (detect_replay(st, dp, cl, f->since, &o, replay_collect, &rk, &ds,
		errbuf) == -1) {
		log_warnx("detect: %s", errbuf);
		list_free(&l);
		return 1;
	}
	if (json)
		print_json(stdout, &l);
	else {
		local_time(a, sizeof(a), ds.from, 0);
		local_time(b, sizeof(b), ds.to, 0);
		printf("%sReplay of the window ends after %s up to %s (nothing "
		       "written): %u opened, %u resolved, %u open at the "
		       "end.\n",
		    tl.n > 0 ? "\n" : "", a, b, ds.opened, ds.resolved,
		    ds.open);
		if (l.n > 0) {
			putchar('\n');
			print_text(stdout, &l, f->since, true);
		}
	}
	list_free(&l);
	return 0;
}

static int
cmd_incidents_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "since", required_argument, NULL, 's' },
		{ "now", required_argument, NULL, 'w' },
		{ "open", no_argument, NULL, 'o' },
		{ "kind", required_argument, NULL, 'k' },
		{ "format", required_argument, NULL, 'f' },
		{ "no-detect", no_argument, NULL, 'n' },
		{ "replay", no_argument, NULL, 'R' },
		{ "rules", required_argument, NULL, 'r' },
		{ "detect", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char dbbuf[1024], errbuf[BS_ERRLEN];
	const char *db = NULL, *rules = NULL, *since = "7d", *nowarg = NULL;
	struct incident_filter f;
	struct detect_params dp;
	struct detect_run_opts o;
	struct classifier *cl = NULL;
	struct store *st = NULL;
	struct list l = { 0 };
	enum detect_kind kind;
	int64_t now;
	bool json = false, detect = true, replaying = false;
	int ch, rc = 1;

	memset(&f, 0, sizeof(f));
	detect_defaults(&dp);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			db = optarg;
			break;
		case 's':
			since = optarg;
			break;
		case 'w':
			nowarg = optarg;
			break;
		case 'o':
			f.open_only = true;
			break;
		case 'k':
			if (detect_kind_from_name(
				optarg, strlen(optarg), &kind) == -1) {
				fprintf(stderr,
				    "bouncestat incidents: unknown kind: %s\n",
				    optarg);
				return cmd_usage(&cmd_incidents_entry);
			}
			f.kind = detect_kind_name(kind);
			break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				json = true;
			else if (strcmp(optarg, "text") == 0)
				json = false;
			else {
				fprintf(stderr,
				    "bouncestat incidents: bad --format: %s\n",
				    optarg);
				return cmd_usage(&cmd_incidents_entry);
			}
			break;
		case 'n':
			detect = false;
			break;
		case 'R':
			replaying = true;
			break;
		case 'r':
			rules = optarg;
			break;
		case 'D':
			if (detect_params_arg(&dp, optarg, errbuf) == -1) {
				fprintf(stderr, "bouncestat incidents: %s\n",
				    errbuf);
				return cmd_usage(&cmd_incidents_entry);
			}
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
	if (nowarg != NULL) {
		if (parse_time_arg(nowarg, clock_now(), &now) == -1) {
			fprintf(stderr, "bouncestat incidents: bad --now: %s\n",
			    nowarg);
			return cmd_usage(&cmd_incidents_entry);
		}
		clock_set(now);
	}
	now = clock_now();
	if (parse_time_arg(since, now, &f.since) == -1) {
		fprintf(
		    stderr, "bouncestat incidents: bad --since: %s\n", since);
		return cmd_usage(&cmd_incidents_entry);
	}
	if (detect_params_check(&dp, errbuf) == -1) {
		fprintf(stderr, "bouncestat incidents: --detect %s\n", errbuf);
		return 2;
	}
	if (db == NULL)
		db = default_db_path(dbbuf, sizeof(dbbuf), false);
	if (access(db, F_OK) == -1) {
		log_warn("database: %s", db);
		return 1;
	}
	if (replaying) {
		if ((st = store_open(db, STORE_READONLY, errbuf)) == NULL) {
			log_warnx("database: %s", errbuf);
			return 1;
		}
		if ((cl = rules_load(rules, errbuf)) == NULL)
			log_warnx("rules: %s (no suggested actions)", errbuf);
		rc = replay(st, &dp, cl, &f, now, json);
		classify_free(cl);
		store_close(st);
		return rc;
	}
	if (detect && access(db, W_OK) == 0 &&
	    (st = store_open(db, 0, errbuf)) != NULL) {
		if ((cl = rules_load(rules, errbuf)) == NULL)
			log_warnx("rules: %s (no suggested actions)", errbuf);
		memset(&o, 0, sizeof(o));
		o.now = now;
		if (detect_run(st, &dp, cl, &o, NULL, errbuf) == -1)
			log_warnx("detect: %s", errbuf);
		classify_free(cl);
	}
	if (st == NULL &&
	    (st = store_open(db, STORE_READONLY, errbuf)) == NULL) {
		log_warnx("database: %s", errbuf);
		return 1;
	}
	if (incident_list(st, &f, collect, &l) == -1) {
		log_warnx("database: %s", store_errmsg(st));
		goto done;
	}
	if (json)
		print_json(stdout, &l);
	else
		print_text(stdout, &l, f.since, false);
	rc = 0;
done:
	list_free(&l);
	store_close(st);
	return rc;
}
