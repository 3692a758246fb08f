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
 * JSON "since"/"until" show the range read; the JSON "requested" object
 * what was asked, "data" where the counts are; the text header the range
 * read clamped to the data). Final results (sent, deferred,
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
#define _DEFAULT_SOURCE /* localtime_r, gethostname */

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "context.h"
#include "cmd.h"
#include "cmd_names.h"
#include "csv.h"
#include "incident.h"
#include "html.h"
#include "incidents.h"
#include "report_view.h"
#include "term.h"
#include "json.h"
#include "log.h"
#include "conf.h"       /* issue 16 */
#include "msg_render.h" /* issue 16 */
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
	"[-c FILE] [--db PATH] [--now WHEN] [--utc] [--since WHEN] [--until WHEN] [--domain D] [--class C] "
	"[--host H] [--format text|json|csv|html] [--top N] [--unknown] "
	"[--by sender-domain|sasl-user|client|transport|host]",
	"summarise deferrals, bounces and expiries over a time range",
	cmd_report_exec,
};

enum report_format {
	FMT_TEXT,
	FMT_JSON,
	FMT_CSV,
	FMT_HTML
};

struct report {
	struct store *st; /* for the open incidents */
	const char *db;
	enum report_format fmt;
	bool unknown;
	bool utf8; /* else ASCII only */
	int width; /* columns of text output */
	int64_t now;
	int64_t data_first, data_last;  /* where the counts are (last 0: none;
					   first may be 0, the epoch) */
	int64_t show_since, show_until; /* shown: clamped to the data */
	bool clamped;
	bool widened;     /* a shown edge is not the asked one: whole hours */
	bool until_asked; /* --until, or the end of yesterday/last-week */
	struct query_filter f;
	int64_t req_since, req_until; /* as asked */
	int64_t since, until;         /* as read: whole hours */
	struct query_counts totals;
	struct query_counts all; /* the denominators: no class filter */
	struct rlist classes, domains, providers, codes, hours, unknowns;
	struct rlist dom_all, prov_all, host_all; /* --class: all, per name */
	struct rlist *class_hours;      /* html: per class, its hours */
	struct rlist *provider_classes; /* html: per provider, its classes */
	struct incident_list incs;      /* html: open and recent */
	int64_t lifetime;               /* issue 16: the expiry forecast */
	struct rlist hosts;     /* by logging host (a fleet through rsyslog) */
	struct rlist dom_provs; /* --domain: the providers of its mail in
				   the range, for the incidents */
};

static void
help(void)
{
	printf("usage: bouncestat report %s\n\n", cmd_report_entry.usage);
	printf(
	    "Summarises the deferrals, bounces and expiries stored by the "
	    "daemon or by\n'bouncestat import': totals and rates, classes, "
	    "top recipient domains and\nproviders with their dominant class, "
	    "top SMTP codes with a sample reply, and\nfailures over time.\n\n"
	    "  --since WHEN     start of the range (default 1d): a duration "
	    "ago (90s, 30m,\n"
	    "                   6h, 1d, 2w, 1d12h), a date 2026-11-22, a "
	    "time\n"
	    "                   2026-11-22T10:15[:01][Z|+01:00] (local time "
	    "without a\n"
	    "                   zone), @EPOCH, today, yesterday, this-week, "
	    "last-week\n"
	    "                   (local calendar; weeks start on Monday), 'all' "
	    "or 'now'\n"
	    "  --until WHEN     end of the range, excluded (default now; the "
	    "end of the\n"
	    "                   day or week for --since yesterday or "
	    "last-week)\n"
	    "  --domain D       only recipients in domain D, or whose provider "
	    "is D\n"
	    "  --class C        only failures of class C (e.g. rate_limited, "
	    "blacklisted):\n"
	    "                   its counts and its share of all results\n"
	    "  --host H         only lines logged by host H (the syslog host "
	    "field; a\n"
	    "                   collector's file holds a fleet's)\n"
	    "  --format F       text (default), json, csv or html (one "
	    "self-contained page)\n"
	    "  --top N          rows of the ranked lists (default %d)\n"
	    "  --unknown        add the most frequent unclassified replies, "
	    "normalised\n"
	    "                   (numbers and ids as #, addresses as *@*)\n"
	    "  --by KEY         failures per sender-domain, sasl-user, client,"
	    " transport\n"
	    "                   or host, from the message records (see "
	    "'messages'),\n"
	    "                   filtered by --host, --domain and --class "
	    "(the top class\n"
	    "                   too); not with --unknown\n\n",
	    REPORT_TOP_DEFAULT);
	printf(
	    "Counts are kept per hour: the range is widened to whole hours "
	    "and clamped to\nthe data (both shown; in a zone 30 or 45 "
	    "minutes off UTC, --since today\nstarts at 23:30 or 23:45, "
	    "'widened to whole UTC hours');\nwith no result in the "
	    "range, the report says where the data is, or which of\n"
	    "--domain, --class and --host matched nothing. Times are\nlocal "
	    "(--utc: UTC), the zone in the header, hours merged into "
	    "marks start\nat local midnight (in a zone 30 or 45 minutes off "
	    "UTC at the whole UTC hour\nbefore it, e.g. 23:30).\n"
	    "sent, deferred, bounced and expired are final results, "
	    "one per status= line;\nper-MX attempts are counted apart and are "
	    "not in the totals; suspended\nrepeats (no receiver contacted) are "
	    "part of deferred and also shown apart;\nlocal decisions of our "
	    "MTA (Exim queue-only, retry time) are no result:\ncounted apart, "
	    "in no total. Shares are of all final results; fail%% of a\n"
	    "domain's or provider's own results; a class's share in the "
	    "class table of\nall failures. With --class: the class's counts, "
	    "their share of all results\nand of all failures, and per domain "
	    "its share of the domain's results.\n\n"
	    "Text fits 80 columns, or the terminal's width (or $COLUMNS) "
	    "when wider: reply\ntext gets the room. In the sparkline an hour "
	    "without failures is a dot, the\npeak a full block. ASCII only "
	    "when the locale's character set is not UTF-8.\n\n"
	    "JSON: one object with since, until (ISO 8601 UTC: the range "
	    "read, whole hours,\nnot clamped: --since all gives 1970-01-01), "
	    "requested (the range asked),\ndata (since: the first hour of the "
	    "database's counts, until: the end of its\nlast hour; null when it "
	    "has none; the text header shows the range read\nclamped to it), "
	    "filter, totals, rates, by_class, by_domain, by_provider,\n"
	    "by_host, by_code, hourly and, with --unknown, unknown. \"total\" "
	    "is all final\nresults in totals, by_domain, by_provider, by_host "
	    "and hourly, and the failures\n(deferred + bounced + expired) in "
	    "by_class and by_code.\n\n"
	    "CSV (RFC 4180): one header line, then one row per table row; the "
	    "first\ncolumn names the section (range: since, until, "
	    "requested_since,\nrequested_until, data_since, data_until as in "
	    "JSON, empty for none;\nfilter: domain, class, host, the value, "
	    "empty for none; totals, class,\ndomain, provider, host, code, "
	    "hour, unknown); the last column, local, holds\nthe local "
	    "decisions (JSON's local, in no total). Every form names the\n"
	    "filters. Text shows the hosts when there are several. Text cells "
	    "starting\nwith = + - @ TAB or CR are prefixed with ' (no "
	    "spreadsheet formula).\n\n"
	    "HTML: one page, no script and no external asset: failures over "
	    "time stacked\nby class (inline SVG), the classes, the top "
	    "recipient domains with their top\nclass, the top providers "
	    "with their class mix, the open and recent\nincidents "
	    "with sample reply and action, the code table\n(with --unknown, "
	    "then the unclassified replies).\n"
	    "With --domain or --host, the incidents (text, HTML, JSON) are "
	    "only those whose\nkey is the domain or a provider of its mail "
	    "in the range, and that the host\nlogged; the heading says so.\n\n");
	cmd_ctx_help(CTX_DB | CTX_NOW | CTX_TZ);
	printf("\nThe database is opened read-only.\n"
	       "Exit status: 0 success, 1 failure (e.g. no database), 2 usage "
	       "error.\n");
}

static int64_t
failed(const struct query_counts *c)
{
	return view_failed(c);
}

static int64_t
finals(const struct query_counts *c)
{
	return view_finals(c);
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

/* Local time "2026-11-22 10:00" (the zone is in the header). */
static void
local_text(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL) {
		snprintf(buf, len, "?");
		return;
	}
	strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}

/* Decimal digits of n >= 0. */
static int
digits(int64_t n)
{
	int d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

static int
max_i(int a, int b)
{
	return a > b ? a : b;
}

/*
 * Prints s sanitised in at most width columns (cut with "…", or "~" in
 * ASCII), padded with spaces to width when pad. In ASCII every non-ASCII
 * character is a '?'. Returns the columns printed.
 */
static int
put_cell(FILE *fp, const struct report *r, const char *s, size_t len, int width,
    bool pad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, cl, j;
	int w = 0, cw;
	bool cut = false;

	if (width < 1)
		width = 1;
	while (i < len) {
		cw = r->utf8 ? display_char_width(p + i, len - i, &cl) : 1;
		if (!r->utf8)
			(void)display_char_width(p + i, len - i, &cl);
		if (w + cw > width - (i + cl < len ? 1 : 0)) {
			cut = true;
			break;
		}
		w += cw;
		i += cl;
	}
	if (r->utf8)
		fput_sanitized(fp, s, i);
	else
		for (j = 0; j < i; j += cl) {
			(void)display_char_width(p + j, i - j, &cl);
			if (cl == 1 && p[j] >= 0x20 && p[j] < 0x7f)
				fputc(p[j], fp);
			else
				fputc(p[j] == '\t' ? ' ' : '?', fp);
		}
	if (cut) {
		fputs(r->utf8 ? "\xe2\x80\xa6" : "~", fp);
		w++;
	}
	for (; pad && w < width; w++)
		fputc(' ', fp);
	return w;
}

static void
put_cstr(FILE *fp, const struct report *r, const char *s, int width)
{
	put_cell(fp, r, s, strlen(s), width, false);
}

/* " 12.3%" in w columns, "-" without a denominator. */
static void
put_rate(FILE *fp, int w, int64_t n, int64_t d)
{
	if (d > 0)
		fprintf(fp, " %*.1f%%", w - 1, 100.0 * (double)n / (double)d);
	else
		fprintf(fp, " %*s", w, "-");
}

static void
text_totals(FILE *fp, const struct report *r)
{
	const struct query_counts *t = &r->totals;
	int64_t all = finals(&r->all), fails = failed(&r->all);
	bool cls = r->f.cls != NULL;
	int nw = max_i(10, digits(finals(&r->all)));

	if (cls) {
		fputs("Results of class ", fp);
		put_cstr(fp, r, r->f.cls, 24);
		fprintf(fp, "\n  %-18s %*s %8s %12s\n", "", nw, "count",
		    "of all", "of failures");
	} else
		fprintf(fp, "%-20s %*s %8s\n", "Results", nw, "count", "share");
	if (!cls) {
		fprintf(fp, "  %-18s %*" PRId64, "sent", nw, t->sent);
		put_rate(fp, 8, t->sent, all);
		fputc('\n', fp);
	}
#define TOTAL_ROW(label, v)                                                    \
	do {                                                                   \
		fprintf(fp, "  %-18s %*" PRId64, label, nw, (int64_t)(v));     \
		put_rate(fp, 8, v, all);                                       \
		if (cls)                                                       \
			put_rate(fp, 12, v, fails);                            \
	} while (0)
	TOTAL_ROW("deferred", t->deferred);
	if (t->suspended > 0)
		fprintf(fp, "  (%" PRId64 " suspended repeats)", t->suspended);
	fputc('\n', fp);
	TOTAL_ROW("bounced", t->bounced);
	fputc('\n', fp);
	TOTAL_ROW("expired", t->expired);
	fputc('\n', fp);
	if (cls)
		TOTAL_ROW("total", failed(t));
	else
		TOTAL_ROW("total", finals(t));
	fputc('\n', fp);
#undef TOTAL_ROW
	fprintf(fp, "  %-18s %*" PRId64 "   (not results, not in the total)\n",
	    "per-MX attempts", nw, t->attempts);
	if (t->local > 0)
		fprintf(fp,
		    "  %-18s %*" PRId64 "   (our MTA held or queued mail "
		    "without trying)\n",
		    "local decisions", nw, t->local);
	if (cls)
		fprintf(fp,
		    "  of all results: %" PRId64 " (%" PRId64 " failures)\n",
		    all, fails);
	fputc('\n', fp);
}

static void
text_classes(FILE *fp, const struct report *r)
{
	const struct rrow *c;
	int64_t fails = failed(&r->all);
	int w = 18, nw = 8;
	size_t i;

	if (r->classes.n == 0)
		return;
	for (i = 0; i < r->classes.n; i++) {
		w = max_i(w, display_width(r->classes.v[i].name, 24));
		nw = max_i(nw, digits(failed(&r->classes.v[i].c)));
		nw = max_i(nw, digits(r->classes.v[i].c.attempts));
	}
	fprintf(fp, "%-*s %*s %*s %*s %*s %7s %*s\n", w + 2,
	    "Failures by class", nw, "deferred", nw, "bounced", nw, "expired",
	    nw, "total", "share", nw, "attempts");
	for (i = 0; i < r->classes.n; i++) {
		c = &r->classes.v[i];
		fputs("  ", fp);
		put_cell(fp, r, c->name, strlen(c->name), w, true);
		fprintf(fp, " %*" PRId64 " %*" PRId64 " %*" PRId64 " %*" PRId64,
		    nw, c->c.deferred, nw, c->c.bounced, nw, c->c.expired, nw,
		    failed(&c->c));
		put_rate(fp, 7, failed(&c->c), fails);
		fprintf(fp, " %*" PRId64 "\n", nw, c->c.attempts);
	}
	fputs("  (share: of all failures)\n\n", fp);
}

/* The row of the same name in all (its results of every class). */
static const struct rrow *
find_name(const struct rlist *all, const char *name)
{
	size_t i;

	for (i = 0; i < all->n; i++)
		if (strcmp(all->v[i].name, name) == 0)
			return &all->v[i];
	return NULL;
}

/*
 * Domains or providers. Without --class: sent, deferred, bounced,
 * expired, fail% (of the name's results), attempts when there is room,
 * the top class. With --class: that class's deferred, bounced, expired
 * and total, and its share of the name's results (all of them).
 */
static void
text_names(FILE *fp, const struct report *r, const char *title,
    const struct rlist *l, const struct rlist *all)
{
	const struct rrow *d, *a;
	const char *name;
	bool cls = r->f.cls != NULL, att;
	int w = 8, nw = 7, fixed, topw = 9, room;
	size_t i;

	if (l->n == 0)
		return;
	for (i = 0; i < l->n; i++) {
		d = &l->v[i];
		name = d->name[0] ? d->name : "(unknown)";
		w = max_i(w, display_width(name, REPORT_NAME_WIDTH));
		nw = max_i(nw, digits(d->c.sent));
		nw = max_i(nw, digits(d->c.deferred));
		nw = max_i(nw, digits(finals(&d->c)));
		nw = max_i(nw, digits(d->c.attempts));
		topw = max_i(topw, display_width(d->top_class, 24));
	}
	/* name, 4 counts, a rate, [attempts], [top class] */
	fixed = 2 + 4 * (nw + 1) + 7 + (cls ? 0 : 2 + topw);
	att = fixed + nw + 1 + w <= r->width;
	if (att)
		fixed += nw + 1;
	room = r->width - fixed;
	if (w > room)
		w = room < 10 ? 10 : room;
	if (!cls)
		fprintf(fp, "%-*s %*s %*s %*s %*s %6s", w + 2, title, nw,
		    "sent", nw, "deferred", nw, "bounced", nw, "expired",
		    "fail%");
	else
		fprintf(fp, "%-*s %*s %*s %*s %*s %6s", w + 2, title, nw,
		    "deferred", nw, "bounced", nw, "expired", nw, "total",
		    "share");
	if (att)
		fprintf(fp, " %*s", nw, "attempts");
	fputs(cls ? "\n" : "  top class\n", fp);
	for (i = 0; i < l->n; i++) {
		d = &l->v[i];
		name = d->name[0] ? d->name : "(unknown)";
		fputs("  ", fp);
		put_cell(fp, r, name, strlen(name), w, true);
		if (!cls) {
			fprintf(fp,
			    " %*" PRId64 " %*" PRId64 " %*" PRId64 " %*" PRId64,
			    nw, d->c.sent, nw, d->c.deferred, nw, d->c.bounced,
			    nw, d->c.expired);
			put_rate(fp, 6, failed(&d->c), finals(&d->c));
		} else {
			a = find_name(all, d->name);
			fprintf(fp,
			    " %*" PRId64 " %*" PRId64 " %*" PRId64 " %*" PRId64,
			    nw, d->c.deferred, nw, d->c.bounced, nw,
			    d->c.expired, nw, failed(&d->c));
			put_rate(fp, 6, failed(&d->c),
			    a != NULL ? finals(&a->c) : 0);
		}
		if (att)
			fprintf(fp, " %*" PRId64, nw, d->c.attempts);
		if (!cls) {
			fputs("  ", fp);
			put_cstr(
			    fp, r, d->top_class[0] ? d->top_class : "-", topw);
		}
		fputc('\n', fp);
	}
	if (cls)
		fputs("  (share: of all the results there)\n", fp);
	fputc('\n', fp);
}

/*
 * Top codes: code, enhanced code, class, failures, attempts, then the
 * sample reply in the room left; when less than 40 columns are left, the
 * reply goes on a line of its own below, indented.
 */
static void
text_codes(FILE *fp, const struct report *r)
{
	const struct rrow *c;
	int cw = 7, ew = 8, clw = 5, nw = 8, fixed, room;
	size_t i;
	bool below;

	if (r->codes.n == 0)
		return;
	for (i = 0; i < r->codes.n; i++) {
		c = &r->codes.v[i];
		ew = max_i(ew, display_width(c->enhanced, 12));
		clw = max_i(clw, display_width(c->cls, 24));
		nw = max_i(nw, digits(failed(&c->c)));
		nw = max_i(nw, digits(c->c.attempts));
	}
	fixed = 2 + cw + 1 + ew + 1 + clw + 2 * (nw + 1) + 2;
	room = r->width - fixed;
	below = room < 40;
	fprintf(fp, "%-*s %-*s %-*s %*s %*s%s\n", cw + 2, "Top codes", ew,
	    "enhanced", clw, "class", nw, "total", nw, "attempts",
	    below ? "" : "  sample reply");
	for (i = 0; i < r->codes.n; i++) {
		c = &r->codes.v[i];
		if (c->code > 0)
			fprintf(fp, "  %-*d ", cw, c->code);
		else
			fprintf(fp, "  %-*s ", cw, "-");
		put_cell(fp, r, c->enhanced[0] ? c->enhanced : "-",
		    c->enhanced[0] ? strlen(c->enhanced) : 1, ew, true);
		fputc(' ', fp);
		put_cell(fp, r, c->cls, strlen(c->cls), clw, true);
		fprintf(fp, " %*" PRId64 " %*" PRId64, nw, failed(&c->c), nw,
		    c->c.attempts);
		if (below)
			fputs("\n      ", fp);
		else
			fputs("  ", fp);
		if (c->text_len > 0)
			put_cell(fp, r, c->text, c->text_len,
			    below ? r->width - 6 : room, false);
		else
			fputs("-", fp); /* no reply, or events pruned */
		fputc('\n', fp);
	}
	fputc('\n', fp);
}

/*
 * Failures per mark over the shown range: one mark per hour when that
 * fits the width, else per 2, 3, 4, 6, 8, 12 hours or per days, those
 * aligned to local midnight (view_mark_origin()). An hour without
 * failures is a dot, any failure at least the lowest block, the peak the
 * full one.
 */
static void
text_sparkline(FILE *fp, const struct report *r)
{
	static const char *const bars[] = { "\xe2\x96\x81", "\xe2\x96\x82",
		"\xe2\x96\x83", "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
		"\xe2\x96\x87", "\xe2\x96\x88" };
	static const char ascii[] = "_-=+*x#@";
	static const size_t pers[] = { 1, 2, 3, 4, 6, 8, 12, 24, 48, 72, 168,
		336, 720, 1440, 2880, 8760 };
	char a[32], b[32], zone[32];
	int64_t *v, max = 0, origin, step;
	size_t marks = 0, per = 1, i, j, k, maxmarks;

	if (r->show_until <= r->show_since ||
	    r->show_until - r->show_since > (int64_t)REPORT_HOURS_MAX * 3600)
		return;
	maxmarks = (size_t)(r->width - 4);
	for (i = 0; i < sizeof(pers) / sizeof(pers[0]); i++) {
		per = pers[i];
		step = (int64_t)per * 3600;
		origin = view_mark_origin(r->show_since, per);
		marks = (size_t)((r->show_until - 1 - origin) / step) + 1;
		if (marks <= maxmarks)
			break;
	}
	step = (int64_t)per * 3600;
	origin = view_mark_origin(r->show_since, per);
	v = xcalloc(marks, sizeof(*v));
	for (i = 0; i < r->hours.n; i++) {
		if (r->hours.v[i].time < origin)
			continue;
		k = (size_t)((r->hours.v[i].time - origin) / step);
		if (k < marks)
			v[k] += failed(&r->hours.v[i].c);
	}
	for (k = 0; k < marks; k++)
		if (v[k] > max)
			max = v[k];
	local_text(origin, a, sizeof(a));
	local_text(origin + (int64_t)marks * step, b, sizeof(b));
	tz_label(zone, sizeof(zone), origin);
	if (per == 24)
		fprintf(fp, "Failures per day");
	else if (per % 24 == 0)
		fprintf(fp, "Failures per %zu days", per / 24);
	else if (per > 1)
		fprintf(fp, "Failures per %zu hours", per);
	else
		fprintf(fp, "Failures per hour");
	fprintf(fp, " (peak %" PRId64 ")\n  ", max);
	for (k = 0; k < marks; k++) {
		if (v[k] == 0) {
			fputs(r->utf8 ? "\xc2\xb7" : ".", fp);
			continue;
		}
		/* 1 to 8: the peak is a full block. */
		j = (size_t)((v[k] * 8 + max - 1) / max);
		j = j < 1 ? 1 : j > 8 ? 8 : j;
		if (r->utf8)
			fputs(bars[j - 1], fp);
		else
			fputc(ascii[j - 1], fp);
	}
	fputs("\n  ", fp);
	/* The ends of the time axis under the marks. */
	fputs(a, fp);
	if (marks > 2 * strlen(a) + 1)
		fprintf(fp, "%*s", (int)(marks - strlen(a)), b);
	else
		fprintf(fp, " to %s", b);
	fprintf(fp, "\n  (%s; %s no failures, %s%s the fewest to the peak)\n\n",
	    zone, r->utf8 ? "\xc2\xb7" : ".", r->utf8 ? bars[0] : "_",
	    r->utf8 ? "\xe2\x80\xa6\xe2\x96\x88" : "...@");
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
		if (u->text_len == 0) /* e.g. Sendmail's bare stat=Deferred */
			fputs("(no reply text: the MTA logged none)", fp);
		else
			put_cell(
			    fp, r, u->text, u->text_len, r->width - 12, false);
		fputc('\n', fp);
	}
	fputc('\n', fp);
}

/* True when the ", "-separated list has name (case aside). */
static bool
in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncasecmp(p, name, n) == 0 &&
		    (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return true;
		p = strchr(p, ',');
	}
	return false;
}

/*
 * True when inc was opened by the present (--now) and concerns the
 * report's --domain and --host (always without them): its key is the domain or
 * a provider the domain's mail went to in the range (a dnsbl incident: one of
 * the receivers that named the listing is), and the host logged one of its
 * events.
 */
static bool
incident_concerns(const struct report *r, const struct incident *inc)
{
	const char *key = inc->key;
	bool dnsbl = strcmp(inc->kind, "dnsbl") == 0, ok;
	size_t i;

	/* --now in the past: an incident opened after it was not there. */
	if ((inc->detected != 0 ? inc->detected : inc->start) > r->now)
		return false;
	if (r->f.host != NULL &&
	    (inc->hosts == NULL || !in_list(inc->hosts, r->f.host)))
		return false;
	if (r->f.domain == NULL)
		return true;
	ok = dnsbl ? in_list(inc->providers, r->f.domain)
		   : strcasecmp(key, r->f.domain) == 0;
	for (i = 0; !ok && i < r->dom_provs.n; i++) {
		key = r->dom_provs.v[i].name;
		if (key[0] != '\0')
			ok = dnsbl ? in_list(inc->providers, key)
				   : strcasecmp(inc->key, key) == 0;
	}
	return ok;
}

struct concerns_arg {
	const struct report *r;
	struct incident_list *l;
};

/* An incident_fn: incident_list_add() of those incident_concerns(). */
static int
concerns_add(const struct incident *inc, void *arg)
{
	struct concerns_arg *a = arg;

	return incident_concerns(a->r, inc) ? incident_list_add(inc, a->l) : 0;
}

/*
 * Reads the incidents of f that concern the report's --domain and --host
 * into *l. 0, or -1 (store_errmsg()).
 */
static int
report_incidents(const struct report *r, const struct incident_filter *f,
    struct incident_list *l)
{
	struct concerns_arg a = { r, l };

	return incident_list(r->st, f, concerns_add, &a);
}

/* Reads the open incidents into *l. 0, or -1 (store_errmsg()). */
static int
open_incidents(const struct report *r, struct incident_list *l)
{
	struct incident_filter f;

	memset(&f, 0, sizeof(f));
	f.open_only = true;
	return report_incidents(r, &f, l);
}

/* The heading's note of the incident filter, "" without --domain/--host. */
static void
incidents_filter_note(FILE *fp, const struct report *r)
{
	if (r->f.domain == NULL && r->f.host == NULL)
		return;
	fputs(" of", fp);
	if (r->f.domain != NULL) {
		fputs(" --domain ", fp);
		fput_sanitized(fp, r->f.domain, strlen(r->f.domain));
	}
	if (r->f.host != NULL) {
		fputs(" --host ", fp);
		fput_sanitized(fp, r->f.host, strlen(r->f.host));
	}
	fputs(" only", fp);
}

/*
 * Open incidents first, when there are any (a database from before the
 * incidents migration has none to show).
 */
static void
text_incidents(FILE *fp, const struct report *r)
{
	struct incident_list l = { 0 };

	if (open_incidents(r, &l) == 0 && l.n > 0) {
		fputs("Open incidents", fp);
		incidents_filter_note(fp, r);
		fputs(" (all: bouncestat incidents --open)\n", fp);
		incident_table_text(fp, &l, 0, true);
		fputc('\n', fp);
	}
	incident_list_free(&l);
}

/* True when the range holds nothing at all. */
static bool
empty_range(const struct report *r)
{
	const struct query_counts *t = &r->all;

	return finals(t) == 0 && t->attempts == 0 && t->local == 0;
}

/* Where the data is, for an empty result. */
static void
text_where(FILE *fp, const struct report *r)
{
	char a[32], b[32];
	int64_t days;

	if (r->data_last == 0) {
		fputs("No results: the database holds no counts yet (import "
		      "a log or run the daemon).\n",
		    fp);
		return;
	}
	local_text(r->data_first, a, sizeof(a));
	local_text(r->data_last - 3600, b, sizeof(b)); /* its last hour */
	fprintf(fp, "No results in this range. The data is from %.10s to %.10s",
	    a, b);
	if (r->data_last <= r->req_since) {
		days = (r->now - (r->data_last - 3600)) / 86400 + 1;
		fprintf(fp,
		    ";\nnewest data %.10s; try --since %" PRId64
		    "d (or --since all).\n",
		    b, days);
	} else if (r->data_first >= r->req_until)
		fprintf(fp,
		    ";\noldest data %.10s; try --since %.10s or "
		    "--since all.\n",
		    a, a);
	else if (r->f.domain != NULL || r->f.cls != NULL || r->f.host != NULL) {
		/* The filters given, by name (trial6: --host was left out,
		 * and a host that logged nothing read as no data at all). */
		fprintf(fp, ";\nnothing in this range matches %s%s%s%s%s.\n",
		    r->f.domain != NULL ? "--domain" : "",
		    r->f.domain != NULL && r->f.cls != NULL ? " and " : "",
		    r->f.cls != NULL ? "--class" : "",
		    (r->f.domain != NULL || r->f.cls != NULL) &&
			    r->f.host != NULL
			? " and "
			: "",
		    r->f.host != NULL ? "--host (the syslog host, as logged)"
				      : "");
	} else
		fputs(".\n", fp);
}

static void
report_text(FILE *fp, const struct report *r)
{
	char a[32], b[32], zone[32];

	local_text(r->show_since, a, sizeof(a));
	local_text(r->show_until, b, sizeof(b));
	tz_label(zone, sizeof(zone), r->show_since);
	fprintf(fp, "bouncestat report: %s to %s (%s)\n",
	    r->show_since > 0 ? a : "the beginning", b, zone);
	if (r->clamped || r->widened) {
		local_text(r->req_since, a, sizeof(a));
		local_text(r->req_until, b, sizeof(b));
		fprintf(fp, "  (%s%s%sasked %s to %s)\n",
		    r->clamped ? "clamped to the data; " : "",
		    r->widened ? "widened to whole UTC hours" : "",
		    r->widened ? "; " : "", r->req_since > 0 ? a : "all", b);
	}
	fputs("database: ", fp);
	put_cell(fp, r, r->db, strlen(r->db), r->width - 10, false);
	if (r->f.domain != NULL) {
		fputs("\ndomain: ", fp);
		put_cell(fp, r, r->f.domain, strlen(r->f.domain), r->width - 8,
		    false);
	}
	if (r->f.cls != NULL)
		fprintf(fp, "\nclass: %s", r->f.cls);
	if (r->f.host != NULL) {
		fputs("  host: ", fp);
		fput_sanitized(fp, r->f.host, strlen(r->f.host));
	}
	fputs("\n\n", fp);
	text_incidents(fp, r);
	if (empty_range(r)) {
		text_where(fp, r);
		return;
	}
	text_totals(fp, r);
	text_classes(fp, r);
	text_names(fp, r, "Top domains", &r->domains, &r->dom_all);
	text_names(fp, r, "Top providers", &r->providers, &r->prov_all);
	if (r->hosts.n > 1 || r->f.host != NULL)
		text_names(fp, r, "Hosts", &r->hosts, &r->host_all);
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

/* 0, or -1 when the message records could not be read (the JSON is
 * still closed). */
static int
report_json(FILE *fp, const struct report *r)
{
	int rc;
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
	/* Where the database's counts are (the text header's clamp). */
	fputs("},\n\"data\":{\"since\":", fp);
	if (r->data_last != 0)
		json_time(fp, r->data_first);
	else
		fputs("null", fp);
	fputs(",\"until\":", fp);
	if (r->data_last != 0)
		json_time(fp, r->data_last);
	else
		fputs("null", fp);
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
	fputs(",\n\"expiring_24h\":", fp); /* issue 16 */
	rc = msg_report_expiry(
	    fp, r->st, r->now, r->lifetime, r->f.domain, CTX_FORMAT_JSON);
	fputs("}\n", fp);
	return rc;
}

/* CSV output. */

/* Ends a row with its last cell, local (JSON's "local": decisions of our
 * MTA, in no total; trial6: CSV had no column for them). */
static void
csv_end(FILE *fp, const struct query_counts *c)
{
	if (c != NULL)
		fprintf(fp, ",%" PRId64 "\r\n", c->local);
	else
		fputs(",\r\n", fp);
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
		fputs(",,", fp);
		csv_end(fp, &d->c);
	}
}

static void
report_csv(FILE *fp, const struct report *r)
{
	const struct rrow *x;
	char t[32];
	size_t i;

	fputs("section,key,time,code,enhanced,class,sent,deferred,bounced,"
	      "expired,total,attempts,suspended,top_class,reply,sample,"
	      "local\r\n",
	    fp);
	iso_time(r->since, t, sizeof(t), false);
	fprintf(fp, "range,since,%s,,,,,,,,,,,,,,\r\n", t);
	iso_time(r->until, t, sizeof(t), false);
	fprintf(fp, "range,until,%s,,,,,,,,,,,,,,\r\n", t);
	iso_time(r->req_since, t, sizeof(t), false);
	fprintf(fp, "range,requested_since,%s,,,,,,,,,,,,,,\r\n", t);
	iso_time(r->req_until, t, sizeof(t), false);
	fprintf(fp, "range,requested_until,%s,,,,,,,,,,,,,,\r\n", t);
	/* Where the database's counts are; empty when it holds none. */
	if (r->data_last != 0)
		iso_time(r->data_first, t, sizeof(t), false);
	fprintf(fp, "range,data_since,%s,,,,,,,,,,,,,,\r\n",
	    r->data_last != 0 ? t : "");
	if (r->data_last != 0)
		iso_time(r->data_last, t, sizeof(t), false);
	fprintf(fp, "range,data_until,%s,,,,,,,,,,,,,,\r\n",
	    r->data_last != 0 ? t : "");
	/* The filters, as JSON's "filter": the value, empty for none. */
	fputs("filter,domain,", fp);
	csv_cstr(fp, r->f.domain);
	fputs(",,,,,,,,,,,,,,\r\nfilter,class,", fp);
	csv_cstr(fp, r->f.cls);
	fputs(",,,,,,,,,,,,,,\r\nfilter,host,", fp);
	csv_cstr(fp, r->f.host);
	fputs(",,,,,,,,,,,,,,\r\n", fp);
	fputs("totals,,,,,,", fp);
	csv_counts(fp, &r->totals, true, finals(&r->totals));
	fputs(",,,", fp);
	csv_end(fp, &r->totals);
	for (i = 0; i < r->classes.n; i++) {
		x = &r->classes.v[i];
		fputs("class,,,,,", fp);
		csv_cstr(fp, x->name);
		fputc(',', fp);
		csv_counts(fp, &x->c, false, failed(&x->c));
		fputs(",,,", fp);
		csv_end(fp, &x->c);
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
		csv_cell(fp, x->text, x->text_len);
		fputc(',', fp);
		csv_end(fp, &x->c);
	}
	for (i = 0; i < r->hours.n; i++) {
		x = &r->hours.v[i];
		iso_time(x->time, t, sizeof(t), false);
		fprintf(fp, "hour,,%s,,,,", t);
		csv_counts(fp, &x->c, true, finals(&x->c));
		fputs(",,,", fp);
		csv_end(fp, &x->c);
	}
	for (i = 0; r->unknown && i < r->unknowns.n; i++) {
		x = &r->unknowns.v[i];
		iso_time(x->time, t, sizeof(t), false);
		fprintf(
		    fp, "unknown,,%s,,,unknown,,,,,%" PRId64 ",,,,", t, x->n);
		csv_cell(fp, x->text, x->text_len);
		fputc(',', fp);
		csv_cell(fp, x->sample, x->sample_len);
		csv_end(fp, NULL);
	}
}

/* The command. */

/*
 * A query_row_fn for query_hourly_classes(): the row goes to the hours of
 * its class in r->classes (a class not there, `none`, is left out).
 */
static int
class_hours_collect(const struct query_row *row, void *arg)
{
	struct report *r = arg;
	size_t i;

	for (i = 0; i < r->classes.n; i++)
		if (strcmp(r->classes.v[i].name, row->cls) == 0)
			return rlist_collect(row, &r->class_hours[i]);
	return 0;
}

static int
read_all(struct store *st, struct report *r)
{
	struct query_filter nocls = r->f, one;
	struct incident_filter inf;
	const char **names;
	void **args;
	size_t i, n = 0;
	int rc;

	nocls.cls = NULL;
	if (query_extent(st, &r->data_first, &r->data_last) == -1 ||
	    query_totals(st, &r->f, &r->totals) == -1 ||
	    query_totals(st, &nocls, &r->all) == -1 ||
	    query_by_class(st, &r->f, rlist_collect, &r->classes) == -1 ||
	    query_by_domain(st, &r->f, rlist_collect, &r->domains) == -1 ||
	    query_by_provider(st, &r->f, rlist_collect, &r->providers) == -1 ||
	    query_by_host(st, &r->f, rlist_collect, &r->hosts) == -1 ||
	    query_by_code(st, &r->f, rlist_collect, &r->codes) == -1 ||
	    query_hourly(st, &r->f, rlist_collect, &r->hours) == -1)
		return -1;
	if (r->unknown &&
	    query_unknown(st, &r->f, rlist_collect, &r->unknowns) == -1)
		return -1;
	if (r->f.domain != NULL) {
		/* The incidents' keys are providers: those of the domain. */
		one = r->f;
		one.cls = NULL;
		one.top = 0;
		if (query_by_provider(st, &one, rlist_collect, &r->dom_provs) ==
		    -1)
			return -1;
	}
	if (r->f.cls != NULL) {
		/* The denominators of the class's shares: every result. */
		nocls.top = 0;
		if (query_by_domain(st, &nocls, rlist_collect, &r->dom_all) ==
			-1 ||
		    query_by_provider(
			st, &nocls, rlist_collect, &r->prov_all) == -1 ||
		    query_by_host(st, &nocls, rlist_collect, &r->host_all) ==
			-1)
			return -1;
	}
	if (r->fmt != FMT_HTML)
		return 0;
	/* The chart's series, the providers' class mix, the incidents. */
	r->class_hours = xcalloc(r->classes.n + 1, sizeof(*r->class_hours));
	if (query_hourly_classes(st, &r->f, class_hours_collect, r) == -1)
		return -1;
	r->provider_classes =
	    xcalloc(r->providers.n + 1, sizeof(*r->provider_classes));
	names = xcalloc(r->providers.n + 1, sizeof(*names));
	args = xcalloc(r->providers.n + 1, sizeof(*args));
	for (i = 0; i < r->providers.n; i++) {
		if (r->providers.v[i].name[0] == '\0')
			continue; /* "" is no provider: nothing to filter on */
		names[n] = r->providers.v[i].name;
		args[n++] = &r->provider_classes[i];
	}
	rc = query_by_class_each(st, &r->f, names, n, rlist_collect, args);
	free(names);
	free(args);
	if (rc == -1)
		return -1;
	memset(&inf, 0, sizeof(inf));
	inf.since = r->since;
	/* A database from before the incidents migration has none. */
	(void)report_incidents(r, &inf, &r->incs);
	return 0;
}

/*
 * Every query of the report in one read transaction: its sections read
 * one snapshot while the daemon commits (totals that agree with their
 * rows).
 */
static int
run_queries(struct store *st, struct report *r)
{
	int rc;

	if (store_read_begin(st) == -1)
		return -1;
	rc = read_all(st, r);
	if (store_read_end(st) == -1)
		rc = -1;
	return rc;
}

/* Clamps the shown range to where the counts are (when they overlap). */
static void
clamp_range(struct report *r)
{
	r->show_since = r->since;
	r->show_until = r->until;
	if (r->data_last == 0 || r->data_last <= r->since ||
	    r->data_first >= r->until)
		return;
	if (r->data_first > r->since)
		r->show_since = r->data_first;
	if (r->data_last < r->until)
		r->show_until = r->data_last;
	r->clamped = r->show_since != r->since || r->show_until != r->until;
	/* An edge not clamped but moved to a whole UTC hour (--since today
	 * in a zone 30 minutes off UTC starts at 23:30); the default end,
	 * now, is always widened to the end of its hour: not said. */
	r->widened = (r->show_since == r->since && r->req_since > 0 &&
			 r->since != r->req_since) ||
	    (r->show_until == r->until && r->until_asked &&
		r->req_until != r->now && r->until != r->req_until);
}

static void
report_html(FILE *fp, const struct report *r)
{
	struct report_view v;
	char host[256];

	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	memset(&v, 0, sizeof(v));
	v.db = r->db;
	v.host = host;
	v.domain = r->f.domain;
	v.cls = r->f.cls;
	v.now = r->now;
	v.since = r->show_since;
	v.until = r->show_until;
	v.req_since = r->req_since;
	v.req_until = r->req_until;
	v.clamped = r->clamped;
	v.widened = r->widened;
	v.data_first = r->data_first;
	v.data_last = r->data_last;
	v.totals = &r->totals;
	v.all = &r->all;
	v.classes = &r->classes;
	v.providers = &r->providers;
	v.domains = &r->domains;
	v.domains_all = r->f.cls != NULL ? &r->dom_all : NULL;
	v.codes = &r->codes;
	v.class_hours = r->class_hours;
	v.provider_classes = r->provider_classes;
	v.incidents = &r->incs;
	v.inc_host = r->f.host;
	v.unknowns = r->unknown ? &r->unknowns : NULL;
	html_report(fp, &v);
}

/* Issue 16: report --by KEY over the message records (msg_render.c). */
static int
report_by(struct report *r, enum msg_key by, int format)
{
	struct msg_filter mf;

	memset(&mf, 0, sizeof(mf));
	mf.since = r->req_since;
	mf.until = r->req_until;
	mf.domain = r->f.domain;
	mf.cls = r->f.cls;
	mf.key[MSG_KEY_HOST] = r->f.host;
	if (msg_report_by(stdout, r->st, by, &mf, r->f.top, format) == -1) {
		cmd_error("report", "%s", store_errmsg(r->st));
		return 1;
	}
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
		{ "by", required_argument, NULL, 'B' }, /* issue 16 */
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *since = "1d", *until = "now";
	char *end, *domain = NULL;
	struct option longopts[CTX_OPTIONS_MAX];
	struct cmd_ctx ctx;
	struct report r;
	struct store *st;
	enum bs_class cls;
	enum msg_key by = MSG_KEY_NONE;
	int64_t now;
	long top;
	int ch, rc = 1;
	size_t i;
	bool until_set = false;

	memset(&r, 0, sizeof(r));
	r.f.top = REPORT_TOP_DEFAULT;
	cmd_ctx_init(&ctx, "report",
	    CTX_DB | CTX_NOW | CTX_TZ | CTX_TEXT | CTX_JSON | CTX_CSV |
		CTX_HTML,
	    own, longopts);
	optind = 1;
	while ((ch = cmd_ctx_getopt(&ctx, argc, argv, "h", longopts)) != -1) {
		switch (ch) {
		case 's':
			since = optarg;
			break;
		case 'u':
			until = optarg;
			until_set = true;
			break;
		case 'D':
			domain = optarg;
			break;
		case 'C':
			if (bs_class_from_name(optarg, strlen(optarg), &cls) ==
			    -1) {
				cmd_bad_class(stderr, "report", optarg);
				return cmd_usage(&cmd_report_entry);
			}
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
		case 'B': /* issue 16: message keys */
			if (msg_key_from_name(optarg, &by) == -1)
				return usage_error("--by: not sender-domain, "
						   "sasl-user, client, "
						   "transport or host",
				    optarg);
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
	    : ctx.format == CTX_FORMAT_HTML   ? FMT_HTML
					      : FMT_TEXT;
	if (by != MSG_KEY_NONE && r.fmt == FMT_HTML)
		return cmd_ctx_free(&ctx),
		       usage_error(
			   "--by: no HTML form (text, json or csv)", "html");
	/* --by replaces the unknown replies' table: refused, not silently
	 * ignored. */
	if (by != MSG_KEY_NONE && r.unknown)
		return cmd_ctx_free(&ctx),
		       usage_error("--by does not take", "--unknown");
	r.now = now;
	r.width = term_width(stdout);
	r.utf8 = term_utf8();
	/* yesterday and last-week end where they end. */
	r.until_asked = until_set;
	if (!until_set &&
	    parse_period(since, now, &r.req_since, &r.req_until) == 0) {
		until = NULL;
		r.until_asked = true;
	}
	if (parse_time_arg(since, now, &r.req_since) == -1) {
		fprintf(stderr,
		    "bouncestat report: --since: not a duration or date: %s\n%s",
		    since, cmd_time_forms);
		cmd_ctx_free(&ctx);
		return cmd_usage(&cmd_report_entry);
	}
	if (until != NULL && parse_time_arg(until, now, &r.req_until) == -1) {
		fprintf(stderr,
		    "bouncestat report: --until: not a duration or date: %s\n%s",
		    until, cmd_time_forms);
		cmd_ctx_free(&ctx);
		return cmd_usage(&cmd_report_entry);
	}
	if (r.req_since >= r.req_until)
		return cmd_ctx_free(&ctx),
		       usage_error(until_set
			       ? "--since is not before --until"
			       : "--since is not before the present "
				 "(--now, the default --until)",
			   until_set ? until : since);
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
	if ((st = cmd_ctx_open_ro(&ctx)) == NULL)
		return 1;
	r.st = st;
	r.lifetime = ctx.conf->queue_lifetime_ms / 1000;
	if (by != MSG_KEY_NONE) { /* issue 16: report --by, msg_render.c */
		rc = report_by(&r, by, ctx.format);
		goto out;
	}
	if (run_queries(st, &r) == -1) {
		cmd_error("report", "%s", store_errmsg(st));
		goto out;
	}
	clamp_range(&r);
	switch (r.fmt) {
	case FMT_TEXT:
		report_text(stdout, &r);
		putchar('\n'); /* issue 16 */
		if (msg_report_expiry(stdout, st, now, r.lifetime, r.f.domain,
			CTX_FORMAT_TEXT) == -1)
			goto expiry_failed;
		break;
	case FMT_JSON:
		if (report_json(stdout, &r) == -1)
			goto expiry_failed;
		break;
	case FMT_CSV:
		report_csv(stdout, &r);
		break;
	case FMT_HTML:
		report_html(stdout, &r);
		break;
	}
	rc = 0;
	goto out;
expiry_failed:
	/* trial10: a corrupt message table gave an empty section, exit 0. */
	cmd_error("report", "messages expiring: %s", store_errmsg(st));
out:
	store_close(st);
	rlist_free(&r.dom_all);
	rlist_free(&r.prov_all);
	rlist_free(&r.host_all);
	for (i = 0; r.class_hours != NULL && i < r.classes.n; i++)
		rlist_free(&r.class_hours[i]);
	for (i = 0; r.provider_classes != NULL && i < r.providers.n; i++)
		rlist_free(&r.provider_classes[i]);
	free(r.class_hours);
	free(r.provider_classes);
	incident_list_free(&r.incs);
	rlist_free(&r.classes);
	rlist_free(&r.domains);
	rlist_free(&r.providers);
	rlist_free(&r.hosts);
	rlist_free(&r.dom_provs);
	rlist_free(&r.codes);
	rlist_free(&r.hours);
	rlist_free(&r.unknowns);
	cmd_ctx_free(&ctx);
	return rc;
}
