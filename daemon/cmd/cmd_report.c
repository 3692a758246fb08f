/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * bouncestat report: what went wrong, where and how much, over a time
 * range, from the database opened read-only (so it runs beside the
 * daemon). Text for people (aligned tables, an hourly sparkline), JSON and
 * CSV for programs.
 *
 * Counts are kept per hour, so the range is widened to whole hours (the
 * text header and the JSON "since"/"until" show the range read; the JSON
 * "requested" object what was asked). Final results (sent, deferred,
 * bounced, expired: one per status= line) make the totals and rates;
 * per-MX attempts are a separate figure, never in the totals; suspended
 * repeats are in `deferred` and shown apart as well.
 *
 * Reply text and domains come from remote servers: every string is
 * sanitised before it reaches the terminal (fput_sanitized), escaped for
 * JSON (control characters as \u00XX, invalid UTF-8 as U+FFFD) or made
 * safe for CSV (control characters and invalid UTF-8 as '?', cells that a
 * spreadsheet would take for a formula prefixed with a single quote).
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "context.h"
#include "cmd.h"
#include "incident.h"
#include "incidents.h"
#include "json.h"
#include "log.h"
#include "query.h"
#include "store.h"
#include "utf8.h"
#include "sanitize.h"
#include "util.h"

#define REPORT_TOP_DEFAULT 10
#define REPORT_TOP_MAX     1000
#define REPORT_NAME_WIDTH  32 /* columns for domains and providers */
#define REPORT_SPARK_MAX   72 /* sparkline marks; longer ranges merge hours */
#define REPORT_HOURS_MAX   (24 * 400) /* longest range with a sparkline */

static int cmd_report_exec(int, char **);

const struct cmd_entry cmd_report_entry = {
	"report",
	"[-c FILE] [--db PATH] [--now WHEN] [--since WHEN] [--until WHEN] [--domain D] [--class C] "
	"[--host H] [--format text|json|csv] [--top N] [--unknown]",
	"summarise deferrals, bounces and expiries over a time range",
	cmd_report_exec,
};

enum report_format {
	FMT_TEXT,
	FMT_JSON,
	FMT_CSV
};

/* A query row copied out of the query's callback. */
struct rrow {
	char *name, *top_class, *enhanced, *cls, *text, *sample;
	size_t text_len, sample_len;
	int code;
	int64_t time, n;
	struct query_counts c;
};

struct rlist {
	struct rrow *v;
	size_t n, cap;
};

struct report {
	struct store *st; /* for the open incidents */
	const char *db;
	enum report_format fmt;
	bool unknown;
	struct query_filter f;
	int64_t req_since, req_until; /* as asked */
	int64_t since, until;         /* as read: whole hours */
	struct query_counts totals;
	struct query_counts all; /* the denominators: no class filter */
	struct rlist classes, domains, providers, codes, hours, unknowns;
	struct rlist hosts; /* by logging host (a fleet through rsyslog) */
};

static void
help(void)
{
	printf("usage: bouncestat report %s\n\n", cmd_report_entry.usage);
	printf(
	    "Summarises the deferrals, bounces and expiries stored by the "
	    "daemon or by\n'bouncestat import': totals and rates, classes, "
	    "top recipient domains and\nproviders with their dominant class, "
	    "top SMTP codes with a sample reply, and\nfailures per hour.\n\n"
	    "  --since WHEN     start of the range (default 1d): a duration "
	    "ago (90s, 30m,\n"
	    "                   6h, 1d, 2w, 1d12h), a date 2026-11-22, a "
	    "time\n"
	    "                   2026-11-22T10:15[:01][Z|+01:00] (local time "
	    "without a\n"
	    "                   zone), @EPOCH, 'all' or 'now'\n"
	    "  --until WHEN     end of the range, excluded (default now)\n"
	    "  --domain D       only recipients in domain D, or whose provider "
	    "is D\n"
	    "  --class C        only failures of class C (e.g. rate_limited, "
	    "blacklisted)\n"
	    "  --host H         only lines logged by host H (the syslog host "
	    "field; a\n"
	    "                   collector's file holds a fleet's)\n"
	    "  --format F       text (default), json or csv\n"
	    "  --top N          rows of the ranked lists (default %d)\n"
	    "  --unknown        add the most frequent unclassified replies, "
	    "normalised\n"
	    "                   (numbers and ids as #, addresses as *@*)\n\n",
	    REPORT_TOP_DEFAULT);
	printf(
	    "Counts are kept per hour: the range is widened to whole hours "
	    "(shown).\nsent, deferred, bounced and expired are final results, "
	    "one per status= line;\nper-MX attempts are counted apart and are "
	    "not in the totals; suspended\nrepeats (no receiver contacted) are "
	    "part of deferred and also shown apart;\nlocal decisions of our "
	    "MTA (Exim queue-only, retry time) are no result:\ncounted apart, "
	    "in no total. Rates are of all final\nresults (with --class, "
	    "still of all results, not only that class's).\n\n"
	    "JSON: one object with since, until (ISO 8601 UTC), requested, "
	    "filter,\ntotals, rates, by_class, by_domain, by_provider, "
	    "by_host, by_code, hourly and,\nwith --unknown, unknown. \"total\" "
	    "is all final results in totals,\nby_domain, by_provider, by_host "
	    "and hourly, and "
	    "the failures (deferred + bounced + expired) in\nby_class and "
	    "by_code.\n\n"
	    "CSV (RFC 4180): one header line, then one row per table row; the "
	    "first\ncolumn names the section (range, totals, class, domain, "
	    "provider, host,\ncode, hour, unknown). Text shows the hosts when "
	    "there are several. Text cells starting with = + - "
	    "@ are prefixed with '.\n\n");
	cmd_ctx_help(CTX_DB | CTX_NOW);
	printf("\nThe database is opened read-only.\n"
	       "Exit status: 0 success, 1 failure (e.g. no database), 2 usage "
	       "error.\n");
}

/* Collecting rows. */

static char *
memdup0(const char *s, size_t len)
{
	char *p = xmalloc(len + 1);

	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static int
collect(const struct query_row *r, void *arg)
{
	struct rlist *l = arg;
	struct rrow *o;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	o = &l->v[l->n++];
	o->name = xstrdup(r->name);
	o->top_class = xstrdup(r->top_class);
	o->enhanced = xstrdup(r->enhanced);
	o->cls = xstrdup(r->cls);
	o->text = memdup0(r->text, r->text_len);
	o->text_len = r->text_len;
	o->sample = memdup0(r->sample, r->sample_len);
	o->sample_len = r->sample_len;
	o->code = r->code;
	o->time = r->time;
	o->n = r->n;
	o->c = r->c;
	return 0;
}

static void
rlist_free(struct rlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].top_class);
		free(l->v[i].enhanced);
		free(l->v[i].cls);
		free(l->v[i].text);
		free(l->v[i].sample);
	}
	free(l->v);
}

static int64_t
failed(const struct query_counts *c)
{
	return c->deferred + c->bounced + c->expired;
}

static int64_t
finals(const struct query_counts *c)
{
	return c->sent + failed(c);
}

static void
iso_time(int64_t t, char *buf, size_t len, bool text)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL) {
		snprintf(buf, len, "?");
		return;
	}
	strftime(buf, len, text ? "%Y-%m-%d %H:%M" : "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Text output. */

/*
 * Prints s sanitised in at most width columns (cut with "…"), padded with
 * spaces to width when pad. Returns the columns printed.
 */
static int
put_cell(FILE *fp, const char *s, size_t len, int width, bool pad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, cl;
	int w = 0, cw;
	bool cut = false;

	while (i < len) {
		cw = display_char_width(p + i, len - i, &cl);
		if (w + cw > width - (i + cl < len ? 1 : 0)) {
			cut = true;
			break;
		}
		w += cw;
		i += cl;
	}
	fput_sanitized(fp, s, i);
	if (cut) {
		fputs("\xe2\x80\xa6", fp);
		w++;
	}
	for (; pad && w < width; w++)
		fputc(' ', fp);
	return w;
}

static void
put_rate(FILE *fp, int64_t n, int64_t d)
{
	if (d > 0)
		fprintf(fp, " %6.1f%%", 100.0 * (double)n / (double)d);
	else
		fprintf(fp, " %7s", "-");
}

static void
text_totals(FILE *fp, const struct report *r)
{
	const struct query_counts *t = &r->totals;
	int64_t all = finals(&r->all);

	fprintf(fp, "%-20s %10s %7s\n", "Results", "count", "rate");
	fprintf(fp, "  %-18s %10" PRId64, "sent", t->sent);
	put_rate(fp, t->sent, all);
	fprintf(fp, "\n  %-18s %10" PRId64, "deferred", t->deferred);
	put_rate(fp, t->deferred, all);
	if (t->suspended > 0)
		fprintf(fp, "  (of which %" PRId64 " suspended repeats)",
		    t->suspended);
	fprintf(fp, "\n  %-18s %10" PRId64, "bounced", t->bounced);
	put_rate(fp, t->bounced, all);
	fprintf(fp, "\n  %-18s %10" PRId64, "expired", t->expired);
	put_rate(fp, t->expired, all);
	fprintf(fp, "\n  %-18s %10" PRId64 "\n", "total", finals(t));
	fprintf(fp,
	    "  %-18s %10" PRId64 "          (not final results, not "
	    "in the total)\n",
	    "per-MX attempts", t->attempts);
	if (t->local > 0)
		fprintf(fp,
		    "  %-18s %10" PRId64 "          (our MTA held or queued "
		    "mail without trying:\n  %-18s %10s          Exim retry "
		    "time, queue-only; not in the total)\n",
		    "local decisions", t->local, "", "");
	fputc('\n', fp);
}

static void
text_classes(FILE *fp, const struct report *r)
{
	size_t i;
	const struct rrow *c;

	if (r->classes.n == 0)
		return;
	fprintf(fp, "%-20s %9s %9s %9s %9s %9s\n", "Failures by class",
	    "deferred", "bounced", "expired", "total", "attempts");
	for (i = 0; i < r->classes.n; i++) {
		c = &r->classes.v[i];
		fputs("  ", fp);
		put_cell(fp, c->name, strlen(c->name), 18, true);
		fprintf(fp,
		    " %9" PRId64 " %9" PRId64 " %9" PRId64 " %9" PRId64
		    " %9" PRId64 "\n",
		    c->c.deferred, c->c.bounced, c->c.expired, failed(&c->c),
		    c->c.attempts);
	}
	fputc('\n', fp);
}

static void
text_names(FILE *fp, const char *title, const struct rlist *l)
{
	const struct rrow *d;
	const char *name;
	size_t i;
	int w = (int)strlen(title) - 2;

	if (l->n == 0)
		return;
	for (i = 0; i < l->n; i++)
		if (display_width(l->v[i].name[0] ? l->v[i].name : "(unknown)",
			REPORT_NAME_WIDTH) > w)
			w = display_width(
			    l->v[i].name[0] ? l->v[i].name : "(unknown)",
			    REPORT_NAME_WIDTH);
	fprintf(fp, "%-*s %9s %9s %9s %9s %7s %9s  %s\n", w + 2, title, "sent",
	    "deferred", "bounced", "expired", "fail%", "attempts", "top class");
	for (i = 0; i < l->n; i++) {
		d = &l->v[i];
		name = d->name[0] ? d->name : "(unknown)";
		fputs("  ", fp);
		put_cell(fp, name, strlen(name), w, true);
		fprintf(fp, " %9" PRId64 " %9" PRId64 " %9" PRId64 " %9" PRId64,
		    d->c.sent, d->c.deferred, d->c.bounced, d->c.expired);
		put_rate(fp, failed(&d->c), finals(&d->c));
		fprintf(fp, " %9" PRId64 "  %s\n", d->c.attempts,
		    d->top_class[0] ? d->top_class : "-");
	}
	fputc('\n', fp);
}

static void
text_codes(FILE *fp, const struct report *r)
{
	const struct rrow *c;
	size_t i;

	if (r->codes.n == 0)
		return;
	fprintf(fp, "%-9s %-9s %-18s %8s %8s  %s\n", "Top codes", "enhanced",
	    "class", "total", "attempts", "sample reply");
	for (i = 0; i < r->codes.n; i++) {
		c = &r->codes.v[i];
		if (c->code > 0)
			fprintf(fp, "  %-7d ", c->code);
		else
			fprintf(fp, "  %-7s ", "-");
		put_cell(fp, c->enhanced[0] ? c->enhanced : "-",
		    c->enhanced[0] ? strlen(c->enhanced) : 1, 9, true);
		fputc(' ', fp);
		put_cell(fp, c->cls, strlen(c->cls), 18, true);
		fprintf(fp, " %8" PRId64 " %8" PRId64 "  ", failed(&c->c),
		    c->c.attempts);
		if (c->text_len > 0)
			put_cell(fp, c->text, c->text_len, 60, false);
		else
			fputs("-", fp); /* no reply, or events pruned */
		fputc('\n', fp);
	}
	fputc('\n', fp);
}

/* Failures per hour over the whole range, zeros included. */
static int64_t *
hour_series(const struct report *r, size_t *nout)
{
	size_t n = (size_t)((r->until - r->since) / 3600), i, k;
	int64_t *v;

	v = xcalloc(n > 0 ? n : 1, sizeof(*v));
	for (i = 0; i < r->hours.n; i++) {
		k = (size_t)((r->hours.v[i].time - r->since) / 3600);
		if (r->hours.v[i].time >= r->since && k < n)
			v[k] = failed(&r->hours.v[i].c);
	}
	*nout = n;
	return v;
}

static void
text_sparkline(FILE *fp, const struct report *r)
{
	static const char *const bars[] = { "\xe2\x96\x81", "\xe2\x96\x82",
		"\xe2\x96\x83", "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
		"\xe2\x96\x87", "\xe2\x96\x88" };
	char a[32], b[32];
	int64_t *v, max = 0, sum;
	size_t n, per, marks, i, j;

	if (r->until - r->since > (int64_t)REPORT_HOURS_MAX * 3600)
		return;
	v = hour_series(r, &n);
	per = (n + REPORT_SPARK_MAX - 1) / REPORT_SPARK_MAX;
	if (per == 0)
		per = 1;
	marks = (n + per - 1) / per;
	for (i = 0; i < marks; i++) {
		for (sum = 0, j = i * per; j < n && j < (i + 1) * per; j++)
			sum += v[j];
		v[i] = sum;
		if (sum > max)
			max = sum;
	}
	iso_time(r->since, a, sizeof(a), true);
	iso_time(r->until, b, sizeof(b), true);
	if (per > 1)
		fprintf(fp, "Failures per %zu hours", per);
	else
		fprintf(fp, "Failures per hour");
	fprintf(fp, ", %s to %s UTC (peak %" PRId64 ")\n  ", a, b, max);
	for (i = 0; i < marks; i++) {
		/* Zero is the lowest bar; any failure shows at least the
		 * second, so that a quiet hour and a bad one differ. */
		if (v[i] == 0 || max == 0)
			j = 0;
		else
			j = 1 + (size_t)((v[i] - 1) * 7 / max);
		fputs(bars[j > 7 ? 7 : j], fp);
	}
	fputs("\n\n", fp);
	free(v);
}

static void
text_unknown(FILE *fp, const struct report *r)
{
	const struct rrow *u;
	size_t i;

	fprintf(fp, "Unclassified replies (normalised)\n");
	if (r->unknowns.n == 0)
		fprintf(fp, "  none in the range (or events already pruned)\n");
	for (i = 0; i < r->unknowns.n; i++) {
		u = &r->unknowns.v[i];
		fprintf(fp, "  %8" PRId64 "  ", u->n);
		put_cell(fp, u->text, u->text_len, 68, false);
		fputc('\n', fp);
	}
	fputc('\n', fp);
}

/*
 * Open incidents first, when there are any (a database from before the
 * incidents migration has none to show).
 */
/* Reads the open incidents into *l. 0, or -1 (store_errmsg()). */
static int
open_incidents(const struct report *r, struct incident_list *l)
{
	struct incident_filter f;

	memset(&f, 0, sizeof(f));
	f.open_only = true;
	return incident_list(r->st, &f, incident_list_add, l);
}

static void
text_incidents(FILE *fp, const struct report *r)
{
	struct incident_list l = { 0 };

	if (open_incidents(r, &l) == 0 && l.n > 0) {
		fprintf(fp, "Open incidents (bouncestat incidents --open)\n");
		incident_table_text(fp, &l, 0, true);
		fputc('\n', fp);
	}
	incident_list_free(&l);
}

static void
report_text(FILE *fp, const struct report *r)
{
	char a[32], b[32];

	iso_time(r->since, a, sizeof(a), true);
	iso_time(r->until, b, sizeof(b), true);
	fprintf(fp, "bouncestat report: %s to %s UTC\n", a, b);
	fputs("database: ", fp);
	fput_sanitized(fp, r->db, strlen(r->db));
	if (r->f.domain != NULL) {
		fputs("  domain: ", fp);
		fput_sanitized(fp, r->f.domain, strlen(r->f.domain));
	}
	if (r->f.cls != NULL)
		fprintf(fp, "  class: %s", r->f.cls);
	if (r->f.host != NULL) {
		fputs("  host: ", fp);
		fput_sanitized(fp, r->f.host, strlen(r->f.host));
	}
	fputs("\n\n", fp);
	text_incidents(fp, r);
	text_totals(fp, r);
	text_classes(fp, r);
	text_names(fp, "Top domains", &r->domains);
	text_names(fp, "Top providers", &r->providers);
	if (r->hosts.n > 1 || r->f.host != NULL)
		text_names(fp, "Hosts", &r->hosts);
	text_codes(fp, r);
	text_sparkline(fp, r);
	if (r->unknown)
		text_unknown(fp, r);
}

/* JSON output. */

static void
json_time(FILE *fp, int64_t t)
{
	char buf[32];

	iso_time(t, buf, sizeof(buf), false);
	json_put_cstr(fp, buf);
}

static void
json_counts(FILE *fp, const struct query_counts *c, bool with_sent)
{
	if (with_sent)
		fprintf(fp, "\"sent\":%" PRId64 ",", c->sent);
	fprintf(fp,
	    "\"deferred\":%" PRId64 ",\"bounced\":%" PRId64
	    ",\"expired\":%" PRId64 ",\"attempts\":%" PRId64
	    ",\"suspended\":%" PRId64 ",\"local\":%" PRId64,
	    c->deferred, c->bounced, c->expired, c->attempts, c->suspended,
	    c->local);
}

static void
json_rate(FILE *fp, const char *name, int64_t n, int64_t d, bool comma)
{
	if (d > 0)
		fprintf(fp, "\"%s\":%.6f", name, (double)n / (double)d);
	else
		fprintf(fp, "\"%s\":null", name);
	if (comma)
		fputc(',', fp);
}

static void
json_names(FILE *fp, const char *key, const char *field, const struct rlist *l)
{
	const struct rrow *d;
	size_t i;

	fprintf(fp, ",\n\"%s\":[", key);
	for (i = 0; i < l->n; i++) {
		d = &l->v[i];
		fprintf(fp, "%s\n {\"%s\":", i ? "," : "", field);
		json_put_cstr_or_null(fp, d->name);
		fprintf(fp, ",\"total\":%" PRId64 ",\"failed\":%" PRId64 ",",
		    finals(&d->c), failed(&d->c));
		json_counts(fp, &d->c, true);
		fputs(",\"top_class\":", fp);
		json_put_cstr_or_null(fp, d->top_class);
		fputc('}', fp);
	}
	fputs("]", fp);
}

static void
report_json(FILE *fp, const struct report *r)
{
	const struct query_counts *t = &r->totals;
	const struct rrow *x;
	int64_t all = finals(&r->all);
	size_t i;

	fputs("{\"since\":", fp);
	json_time(fp, r->since);
	fputs(",\"until\":", fp);
	json_time(fp, r->until);
	fputs(",\"requested\":{\"since\":", fp);
	json_time(fp, r->req_since);
	fputs(",\"until\":", fp);
	json_time(fp, r->req_until);
	fputs("},\n\"filter\":{\"domain\":", fp);
	json_put_cstr_or_null(fp, r->f.domain);
	fputs(",\"class\":", fp);
	json_put_cstr_or_null(fp, r->f.cls);
	fputs(",\"host\":", fp);
	json_put_cstr_or_null(fp, r->f.host);
	fputs("},\n\"incidents\":", fp);
	{
		struct incident_list l = { 0 };

		if (open_incidents(r, &l) == 0)
			incident_table_json(fp, &l);
		else
			fputs("null", fp);
		incident_list_free(&l);
	}
	fputs(",\n\"totals\":{", fp);
	json_counts(fp, t, true);
	fprintf(fp, ",\"total\":%" PRId64 ",\"failed\":%" PRId64 "},\n",
	    finals(t), failed(t));
	fputs("\"rates\":{", fp);
	json_rate(fp, "deferral", t->deferred, all, true);
	json_rate(fp, "bounce", t->bounced, all, true);
	json_rate(fp, "expiry", t->expired, all, true);
	json_rate(fp, "failure", failed(t), all, false);
	fputs("},\n\"by_class\":[", fp);
	for (i = 0; i < r->classes.n; i++) {
		x = &r->classes.v[i];
		fprintf(fp, "%s\n {\"class\":", i ? "," : "");
		json_put_cstr_or_null(fp, x->name);
		fputc(',', fp);
		json_counts(fp, &x->c, false);
		fprintf(fp, ",\"total\":%" PRId64 "}", failed(&x->c));
	}
	fputs("]", fp);
	json_names(fp, "by_domain", "domain", &r->domains);
	json_names(fp, "by_provider", "provider", &r->providers);
	json_names(fp, "by_host", "host", &r->hosts);
	fputs(",\n\"by_code\":[", fp);
	for (i = 0; i < r->codes.n; i++) {
		x = &r->codes.v[i];
		fprintf(fp, "%s\n {\"code\":", i ? "," : "");
		if (x->code > 0)
			fprintf(fp, "%d", x->code);
		else
			fputs("null", fp);
		fputs(",\"enhanced\":", fp);
		json_put_cstr_or_null(fp, x->enhanced);
		fputs(",\"class\":", fp);
		json_put_cstr_or_null(fp, x->cls);
		fprintf(fp, ",\"total\":%" PRId64 ",", failed(&x->c));
		json_counts(fp, &x->c, false);
		fputs(",\"sample\":", fp);
		if (x->text_len > 0)
			json_put_str(fp, x->text, x->text_len);
		else
			fputs("null", fp);
		fputc('}', fp);
	}
	fputs("],\n\"hourly\":[", fp);
	for (i = 0; i < r->hours.n; i++) {
		x = &r->hours.v[i];
		fprintf(fp, "%s\n {\"hour\":", i ? "," : "");
		json_time(fp, x->time);
		fputc(',', fp);
		json_counts(fp, &x->c, true);
		fprintf(fp, ",\"failed\":%" PRId64 "}", failed(&x->c));
	}
	fputs("]", fp);
	if (r->unknown) {
		fputs(",\n\"unknown\":[", fp);
		for (i = 0; i < r->unknowns.n; i++) {
			x = &r->unknowns.v[i];
			fprintf(fp, "%s\n {\"reply\":", i ? "," : "");
			json_put_str(fp, x->text, x->text_len);
			fprintf(fp, ",\"count\":%" PRId64 ",\"last\":", x->n);
			json_time(fp, x->time);
			fputs(",\"sample\":", fp);
			json_put_str(fp, x->sample, x->sample_len);
			fputc('}', fp);
		}
		fputs("]", fp);
	}
	fputs("}\n", fp);
}

/* CSV output. */

/*
 * Writes one text cell: control characters and invalid UTF-8 as '?', a
 * leading = + - @ prefixed with ' (no formula in a spreadsheet), quoted
 * when it holds a comma, a quote or a space at either end (RFC 4180).
 */
static void
csv_str(FILE *fp, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, cl;
	bool quote = false;

	for (i = 0; i < len; i++)
		if (p[i] == ',' || p[i] == '"' || p[i] < 0x20 || p[i] == 0x7f)
			quote = true;
	if (len > 0 && (p[0] == ' ' || p[len - 1] == ' '))
		quote = true;
	if (quote)
		fputc('"', fp);
	if (len > 0 && strchr("=+-@", p[0]) != NULL)
		fputc('\'', fp);
	for (i = 0; i < len; i += cl) {
		cl = 1;
		if (p[i] == '"')
			fputs("\"\"", fp);
		else if (p[i] < 0x20 || p[i] == 0x7f)
			fputc('?', fp);
		else if (p[i] < 0x80)
			fputc(p[i], fp);
		else {
			/* fput_sanitized judges validity and C1 controls. */
			(void)display_char_width(p + i, len - i, &cl);
			fput_sanitized(fp, s + i, cl);
		}
	}
	if (quote)
		fputc('"', fp);
}

static void
csv_cstr(FILE *fp, const char *s)
{
	csv_str(fp, s, s != NULL ? strlen(s) : 0);
}

static void
csv_counts(FILE *fp, const struct query_counts *c, bool sent, int64_t total)
{
	if (sent)
		fprintf(fp, "%" PRId64, c->sent);
	fprintf(fp,
	    ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64
	    ",%" PRId64,
	    c->deferred, c->bounced, c->expired, total, c->attempts,
	    c->suspended);
}

static void
csv_names(FILE *fp, const char *section, const struct rlist *l)
{
	const struct rrow *d;
	size_t i;

	for (i = 0; i < l->n; i++) {
		d = &l->v[i];
		fprintf(fp, "%s,", section);
		csv_cstr(fp, d->name);
		fputs(",,,,,", fp);
		csv_counts(fp, &d->c, true, finals(&d->c));
		fputc(',', fp);
		csv_cstr(fp, d->top_class);
		fputs(",,\r\n", fp);
	}
}

static void
report_csv(FILE *fp, const struct report *r)
{
	const struct rrow *x;
	char t[32];
	size_t i;

	fputs("section,key,time,code,enhanced,class,sent,deferred,bounced,"
	      "expired,total,attempts,suspended,top_class,reply,sample\r\n",
	    fp);
	iso_time(r->since, t, sizeof(t), false);
	fprintf(fp, "range,since,%s,,,,,,,,,,,,,\r\n", t);
	iso_time(r->until, t, sizeof(t), false);
	fprintf(fp, "range,until,%s,,,,,,,,,,,,,\r\n", t);
	fputs("totals,,,,,,", fp);
	csv_counts(fp, &r->totals, true, finals(&r->totals));
	fputs(",,,\r\n", fp);
	for (i = 0; i < r->classes.n; i++) {
		x = &r->classes.v[i];
		fputs("class,,,,,", fp);
		csv_cstr(fp, x->name);
		fputc(',', fp);
		csv_counts(fp, &x->c, false, failed(&x->c));
		fputs(",,,\r\n", fp);
	}
	csv_names(fp, "domain", &r->domains);
	csv_names(fp, "provider", &r->providers);
	csv_names(fp, "host", &r->hosts);
	for (i = 0; i < r->codes.n; i++) {
		x = &r->codes.v[i];
		fputs("code,,,", fp);
		if (x->code > 0)
			fprintf(fp, "%d", x->code);
		fputc(',', fp);
		csv_cstr(fp, x->enhanced);
		fputc(',', fp);
		csv_cstr(fp, x->cls);
		fputc(',', fp);
		csv_counts(fp, &x->c, false, failed(&x->c));
		fputs(",,", fp);
		csv_str(fp, x->text, x->text_len);
		fputs(",\r\n", fp);
	}
	for (i = 0; i < r->hours.n; i++) {
		x = &r->hours.v[i];
		iso_time(x->time, t, sizeof(t), false);
		fprintf(fp, "hour,,%s,,,,", t);
		csv_counts(fp, &x->c, true, finals(&x->c));
		fputs(",,,\r\n", fp);
	}
	for (i = 0; r->unknown && i < r->unknowns.n; i++) {
		x = &r->unknowns.v[i];
		iso_time(x->time, t, sizeof(t), false);
		fprintf(
		    fp, "unknown,,%s,,,unknown,,,,,%" PRId64 ",,,,", t, x->n);
		csv_str(fp, x->text, x->text_len);
		fputc(',', fp);
		csv_str(fp, x->sample, x->sample_len);
		fputs("\r\n", fp);
	}
}

/* The command. */

static int
run_queries(struct store *st, struct report *r)
{
	struct query_filter nocls = r->f;

	nocls.cls = NULL;
	if (query_totals(st, &r->f, &r->totals) == -1 ||
	    query_totals(st, &nocls, &r->all) == -1 ||
	    query_by_class(st, &r->f, collect, &r->classes) == -1 ||
	    query_by_domain(st, &r->f, collect, &r->domains) == -1 ||
	    query_by_provider(st, &r->f, collect, &r->providers) == -1 ||
	    query_by_host(st, &r->f, collect, &r->hosts) == -1 ||
	    query_by_code(st, &r->f, collect, &r->codes) == -1 ||
	    query_hourly(st, &r->f, collect, &r->hours) == -1)
		return -1;
	if (r->unknown && query_unknown(st, &r->f, collect, &r->unknowns) == -1)
		return -1;
	return 0;
}

static int
usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "bouncestat report: %s: %s\n", what, arg);
	return cmd_usage(&cmd_report_entry);
}

static int
cmd_report_exec(int argc, char **argv)
{
	static const struct option own[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "domain", required_argument, NULL, 'D' },
		{ "class", required_argument, NULL, 'C' },
		{ "host", required_argument, NULL, 'H' },
		{ "top", required_argument, NULL, 'n' },
		{ "unknown", no_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *since = "1d", *until = "now";
	char errbuf[BS_ERRLEN], *end, *domain = NULL;
	struct option longopts[CTX_OPTIONS_MAX];
	struct cmd_ctx ctx;
	struct report r;
	struct store *st;
	enum bs_class cls;
	int64_t now;
	long top;
	int ch, rc = 1;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.f.top = REPORT_TOP_DEFAULT;
	cmd_ctx_init(&ctx, "report",
	    CTX_DB | CTX_NOW | CTX_TEXT | CTX_JSON | CTX_CSV, own, longopts);
	optind = 1;
	while ((ch = cmd_ctx_getopt(&ctx, argc, argv, "h", longopts)) != -1) {
		switch (ch) {
		case 's':
			since = optarg;
			break;
		case 'u':
			until = optarg;
			break;
		case 'D':
			domain = optarg;
			break;
		case 'C':
			if (bs_class_from_name(optarg, strlen(optarg), &cls) ==
			    -1)
				return usage_error("unknown class", optarg);
			r.f.cls = optarg;
			break;
		case 'n':
			errno = 0;
			top = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    top < 1 || top > REPORT_TOP_MAX)
				return usage_error(
				    "--top: not a number from 1 to 1000",
				    optarg);
			r.f.top = (int)top;
			break;
		case 'U':
			r.unknown = true;
			break;
		case 'H':
			r.f.host = optarg;
			break;
		case 'h':
			help();
			return 0;
		default:
			return cmd_usage(&cmd_report_entry);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	if ((rc = cmd_ctx_finish(&ctx, false, &cmd_report_entry)) != 0)
		return rc;
	rc = 1;
	now = ctx.now;
	r.fmt = ctx.format == CTX_FORMAT_JSON ? FMT_JSON
	    : ctx.format == CTX_FORMAT_CSV    ? FMT_CSV
					      : FMT_TEXT;
	if (parse_time_arg(since, now, &r.req_since) == -1)
		return cmd_ctx_free(&ctx),
		       usage_error("--since: not a duration or date", since);
	if (parse_time_arg(until, now, &r.req_until) == -1)
		return cmd_ctx_free(&ctx),
		       usage_error("--until: not a duration or date", until);
	if (r.req_since >= r.req_until)
		return cmd_ctx_free(&ctx),
		       usage_error("--since is not before --until", until);
	if (domain != NULL) {
		/* Domains are stored lower-cased. */
		for (i = 0; domain[i] != '\0'; i++)
			if (domain[i] >= 'A' && domain[i] <= 'Z')
				domain[i] = (char)(domain[i] - 'A' + 'a');
		r.f.domain = domain;
	}
	r.f.since = r.req_since;
	r.f.until = r.req_until;
	query_range(&r.f, &r.since, &r.until);
	r.db = ctx.db;
	if (cmd_ctx_need_db(&ctx) != 0) {
		cmd_ctx_free(&ctx);
		return 1;
	}
	if ((st = store_open(r.db, STORE_READONLY, errbuf)) == NULL) {
		cmd_ctx_error(&ctx, "%s: %s", r.db, errbuf);
		cmd_ctx_free(&ctx);
		return 1;
	}
	r.st = st;
	if (run_queries(st, &r) == -1) {
		log_warnx("report: %s", store_errmsg(st));
		goto out;
	}
	switch (r.fmt) {
	case FMT_TEXT:
		report_text(stdout, &r);
		break;
	case FMT_JSON:
		report_json(stdout, &r);
		break;
	case FMT_CSV:
		report_csv(stdout, &r);
		break;
	}
	rc = 0;
out:
	store_close(st);
	rlist_free(&r.classes);
	rlist_free(&r.domains);
	rlist_free(&r.providers);
	rlist_free(&r.hosts);
	rlist_free(&r.codes);
	rlist_free(&r.hours);
	rlist_free(&r.unknowns);
	cmd_ctx_free(&ctx);
	return rc;
}
