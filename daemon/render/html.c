/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See html.h. The page is HTML5 that `tidy` accepts without errors or
 * warnings: real tables with a caption and th headers (scope set), charts
 * as inline SVG with role="img", a <title> and a <desc> (and a <title> on
 * each bar, shown on hover), the numbers of every chart also in a table.
 * Colours come from one palette (a class has the same colour everywhere);
 * no meaning is carried by colour alone: every coloured cell has its
 * name beside it or in its title.
 */
#define _DEFAULT_SOURCE /* open_memstream, localtime_r, strncasecmp */

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "event.h"
#include "html.h"
#include "sanitize.h"
#include "utf8.h"
#include "util.h"

#define CHART_W      720 /* SVG user units */
#define CHART_H      220
#define CHART_LEFT   48 /* room for the axis labels */
#define CHART_BOTTOM 24
#define CHART_TOP    8
#define CHART_MARKS                                                            \
	168 /* at most this many bars: longer ranges merge                     \
	       hours */

/* A palette that stays apart for the common colour blindnesses (Okabe
 * and Ito's eight, then darker and lighter tones). */
static const char *const palette[] = { "#d55e00", "#0072b2", "#e69f00",
	"#009e73", "#cc79a7", "#56b4e9", "#f0e442", "#000000", "#8c3b00",
	"#004a75", "#9a6b00", "#00684c", "#88507a", "#3a7a9e", "#a09820",
	"#666666", "#f5a37a", "#7fb8e0", "#f5cc80", "#80d0b9", "#e6bcd3",
	"#bbbbbb" };

const char *
html_class_colour(const char *cls)
{
	enum bs_class c;

	if (cls == NULL || bs_class_from_name(cls, strlen(cls), &c) == -1)
		return "#999999";
	return palette[(size_t)c % (sizeof(palette) / sizeof(palette[0]))];
}

void
html_put_text(FILE *fp, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		switch (p[i]) {
		case '&':
			fputs("&amp;", fp);
			i++;
			continue;
		case '<':
			fputs("&lt;", fp);
			i++;
			continue;
		case '>':
			fputs("&gt;", fp);
			i++;
			continue;
		case '"':
			fputs("&quot;", fp);
			i++;
			continue;
		case '\'':
			fputs("&#39;", fp);
			i++;
			continue;
		case '\t':
		case '\n':
		case '\r':
			fputc(' ', fp);
			i++;
			continue;
		default:
			break;
		}
		if (p[i] < 0x20 || p[i] == 0x7f) {
			i++;
			continue;
		}
		if (p[i] < 0x80) {
			fputc(p[i], fp);
			i++;
			continue;
		}
		n = utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			fputs("\xef\xbf\xbd", fp); /* U+FFFD */
			i++;
		} else {
			if (!sanitize_invisible(cp) &&
			    !(cp >= 0xfdd0 && cp <= 0xfdef) &&
			    (cp & 0xfffe) != 0xfffe)
				fwrite(p + i, 1, n, fp);
			i += n;
		}
	}
}

static void
put(FILE *fp, const char *s)
{
	if (s != NULL)
		html_put_text(fp, s, strlen(s));
}

static void
local_time(char *out, size_t len, int64_t t, bool date)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0 || localtime_r(&tt, &tm) == NULL)
		snprintf(out, len, "-");
	else
		strftime(out, len, date ? "%Y-%m-%d %H:%M" : "%H:%M", &tm);
}

/*
 * local_time() with the date, and " UTC+09:30" after it when t's offset is
 * not the one of ref (whose zone the page names): a time before a DST
 * change.
 */
static void
local_time_ref(char *out, size_t len, int64_t t, int64_t ref)
{
	char zone[32], rzone[32];

	local_time(out, len, t, true);
	if (t == 0)
		return;
	tz_label(zone, sizeof(zone), t);
	tz_label(rzone, sizeof(rzone), ref);
	if (strcmp(zone, rzone) != 0 && strlen(out) + strlen(zone) + 2 <= len)
		snprintf(out + strlen(out), len - strlen(out), " %s", zone);
}

/*
 * A name (domain, provider, key, host): a '?' for each byte of what
 * put() would drop, so that "ex<ESC>ample.com" cannot read as
 * "example.com".
 */
static void
put_name(FILE *fp, const char *s)
{
	char buf[1024];

	if (s == NULL)
		return;
	sanitize_name(buf, sizeof(buf), s, strlen(s));
	put(fp, buf);
}

static void
head(FILE *fp, const char *title_a, const char *title_b)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, "
	      "initial-scale=1\">\n"
	      "<meta name=\"color-scheme\" content=\"light\">\n<title>",
	    fp);
	put(fp, title_a);
	put(fp, title_b);
	fputs("</title>\n<style>\n"
	      "body{font-family:-apple-system,'Segoe "
	      "UI',Roboto,Helvetica,Arial,sans-serif;color:#1a1a1a;"
	      "background:#fff;margin:1.5em auto;max-width:64em;padding:0 "
	      "1em;line-height:1.4}\n"
	      "h1{font-size:1.5em;margin:0 0 .2em}\n"
	      "h2{font-size:1.15em;margin:1.6em 0 .4em;border-bottom:1px "
	      "solid #ddd}\n"
	      "p.meta{color:#555;margin:.2em 0}\n"
	      "table{border-collapse:collapse;margin:.4em 0;font-size:.9em}\n"
	      "caption{text-align:left;font-weight:bold;padding:.2em 0}\n"
	      "th,td{padding:.2em .6em;border-bottom:1px solid "
	      "#e5e5e5;vertical-align:top}\n"
	      "th{text-align:left;background:#f6f6f6}\n"
	      "th[scope=row]{white-space:nowrap}\n"
	      "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	      "td.reply,span.reply{font-family:monospace;font-size:.95em;"
	      "word-break:break-word}\n"
	      "table.incidents td{white-space:nowrap}\n"
	      "table.incidents tr.detail td{white-space:normal;"
	      "color:#333;padding-bottom:.6em}\n"
	      "table.incidents tr.state-row td{border-bottom:0}\n"
	      "span.sw{margin-right:.3em}\n"
	      "table.mix{width:12em;border:0;margin:0}\n"
	      "table.mix td{padding:0;height:.9em;border:0}\n"
	      "svg{max-width:100%;height:auto}\n"
	      ".open{color:#b00000;font-weight:bold}\n"
	      "p.note{color:#555;font-size:.85em}\n"
	      "</style>\n</head>\n<body>\n",
	    fp);
}

static void
swatch(FILE *fp, const char *cls)
{
	fprintf(fp,
	    "<span class=\"sw\" style=\"color:%s\" "
	    "aria-hidden=\"true\">&#9632;</span>",
	    html_class_colour(cls));
}

static void
pct(FILE *fp, int64_t n, int64_t d)
{
	if (d > 0)
		fprintf(fp, "<td class=\"n\">%.1f%%</td>",
		    100.0 * (double)n / (double)d);
	else
		fputs("<td class=\"n\">-</td>", fp);
}

static void
num(FILE *fp, int64_t n)
{
	fprintf(fp, "<td class=\"n\">%" PRId64 "</td>", n);
}

/* The totals table. */
static void
totals(FILE *fp, const struct report_view *v)
{
	const struct query_counts *t = v->totals;
	int64_t all = view_finals(v->all);

	fputs("<h2 id=\"totals\">Results</h2>\n<table>\n<caption>", fp);
	if (v->cls != NULL) {
		fputs("Results of class ", fp);
		put(fp, v->cls);
		fputs(" and their share of all results", fp);
	} else
		fputs("Final results (one per delivery status)", fp);
	fputs("</caption>\n<thead><tr><th scope=\"col\">result</th>"
	      "<th scope=\"col\" class=\"n\">count</th>"
	      "<th scope=\"col\" class=\"n\">share of all results</th>"
	      "</tr></thead>\n<tbody>\n",
	    fp);
	if (v->cls == NULL) {
		fputs("<tr><th scope=\"row\">sent</th>", fp);
		num(fp, t->sent);
		pct(fp, t->sent, all);
		fputs("</tr>\n", fp);
	}
	fputs("<tr><th scope=\"row\">deferred</th>", fp);
	num(fp, t->deferred);
	pct(fp, t->deferred, all);
	fputs("</tr>\n<tr><th scope=\"row\">bounced</th>", fp);
	num(fp, t->bounced);
	pct(fp, t->bounced, all);
	fputs("</tr>\n<tr><th scope=\"row\">expired</th>", fp);
	num(fp, t->expired);
	pct(fp, t->expired, all);
	fputs("</tr>\n<tr><th scope=\"row\">", fp);
	fputs(v->cls != NULL ? "failures of the class" : "total", fp);
	fputs("</th>", fp);
	num(fp, v->cls != NULL ? view_failed(t) : view_finals(t));
	pct(fp, v->cls != NULL ? view_failed(t) : view_finals(t), all);
	fputs("</tr>\n<tr><th scope=\"row\">per-MX attempts</th>", fp);
	num(fp, t->attempts);
	fputs("<td class=\"n\">not a result</td></tr>\n", fp);
	fputs("</tbody>\n</table>\n", fp);
}

/* Failures per mark: hours merged by per, aligned to local midnight. */
struct series {
	size_t marks, per;
	int64_t origin; /* start of mark 0 */
	int64_t *v;     /* [class][mark] */
	int64_t *sum;   /* per mark */
	int64_t max;
};

static void
series_build(const struct report_view *v, struct series *s)
{
	static const size_t pers[] = { 1, 2, 3, 4, 6, 8, 12, 24, 48, 72, 168,
		336, 720, 1440, 2880, 8760 };
	size_t hours = (size_t)((v->until - v->since) / 3600), i, j, k, nc;
	const struct rrow *h;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < sizeof(pers) / sizeof(pers[0]); i++) {
		s->per = pers[i];
		if (hours / s->per < CHART_MARKS)
			break;
	}
	/* Marks of a few hours start on local midnight (the whole UTC
	 * hour at or before it); one-hour marks on the first hour. */
	s->origin = view_mark_origin(v->since, s->per);
	s->marks =
	    (size_t)((v->until - 1 - s->origin) / (int64_t)(s->per * 3600)) + 1;
	nc = v->classes->n;
	s->v = xcalloc(nc * s->marks + 1, sizeof(*s->v));
	s->sum = xcalloc(s->marks, sizeof(*s->sum));
	for (i = 0; i < nc; i++)
		for (j = 0; j < v->class_hours[i].n; j++) {
			h = &v->class_hours[i].v[j];
			if (h->time < s->origin)
				continue;
			k = (size_t)((h->time - s->origin) /
			    (int64_t)(s->per * 3600));
			if (k >= s->marks)
				continue;
			s->v[i * s->marks + k] += view_failed(&h->c);
			s->sum[k] += view_failed(&h->c);
		}
	for (k = 0; k < s->marks; k++)
		if (s->sum[k] > s->max)
			s->max = s->sum[k];
}

/* A round axis top at or above max: its first digit raised by one. */
static int64_t
nice_top(int64_t max)
{
	int64_t p = 1;

	if (max <= 0)
		return 1;
	while (max / p >= 10)
		p *= 10;
	return (max + p - 1) / p * p;
}

/* "11-20 07:00" (first), "11-21" (a day starts), else "13:00". */
static void
axis_label(char *out, size_t len, int64_t t, bool first, bool day)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL)
		snprintf(out, len, "?");
	else
		strftime(out, len,
		    first && !day ? "%m-%d %H:%M"
			: day     ? "%m-%d"
				  : "%H:%M",
		    &tm);
}

static void
chart(FILE *fp, const struct report_view *v)
{
	struct series s;
	char a[32], b[32];
	double bw, x, y, hgt, plot_h = CHART_H - CHART_BOTTOM - CHART_TOP;
	int64_t top, val;
	size_t i, k, step, days;
	char unit[32];

	if (v->classes->n == 0 || v->until <= v->since)
		return;
	series_build(v, &s);
	top = nice_top(s.max);
	if (s.per == 1)
		snprintf(unit, sizeof(unit), "hour");
	else if (s.per % 24 == 0)
		snprintf(unit, sizeof(unit), "%zu day%s", s.per / 24,
		    s.per > 24 ? "s" : "");
	else
		snprintf(unit, sizeof(unit), "%zu hours", s.per);
	bw = (double)(CHART_W - CHART_LEFT) / (double)s.marks;
	local_time(a, sizeof(a), v->since, true);
	local_time(b, sizeof(b), v->until, true);
	fputs("<h2 id=\"chart\">Failures over time</h2>\n", fp);
	fprintf(fp,
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
	    "aria-label=\"Failures over time by class\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\">\n"
	    "<title>Failures per %s by class, %s to %s</title>\n"
	    "<desc>Stacked bars, one per %s, coloured by failure class; "
	    "highest %" PRId64 ". The numbers are in the table of classes "
	    "below.</desc>\n",
	    CHART_W, CHART_H, CHART_W, CHART_H, unit, a, b, unit, s.max);
	/* Axis: 0, half, top. */
	for (i = 0; i <= 2; i++) {
		y = CHART_TOP + plot_h - plot_h * (double)i / 2.0;
		fprintf(fp,
		    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
		    "stroke=\"#dddddd\"/>\n<text x=\"%d\" y=\"%.1f\" "
		    "font-size=\"11\" text-anchor=\"end\" "
		    "fill=\"#555555\">%" PRId64 "</text>\n",
		    CHART_LEFT, y, CHART_W, y, CHART_LEFT - 4, y + 4,
		    top * (int64_t)i / 2);
	}
	for (k = 0; k < s.marks; k++) {
		x = CHART_LEFT + bw * (double)k;
		y = CHART_TOP + plot_h;
		local_time(
		    a, sizeof(a), s.origin + (int64_t)(k * s.per * 3600), true);
		if (s.sum[k] == 0)
			continue;
		for (i = 0; i < v->classes->n; i++) {
			val = s.v[i * s.marks + k];
			if (val == 0)
				continue;
			hgt = plot_h * (double)val / (double)top;
			y -= hgt;
			fprintf(fp,
			    "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
			    "height=\"%.2f\" fill=\"%s\"><title>",
			    x, y, bw > 2 ? bw - 1 : bw, hgt,
			    html_class_colour(v->classes->v[i].name));
			put(fp, a);
			fputs(": ", fp);
			put(fp, v->classes->v[i].name);
			fprintf(fp, " %" PRId64 "</title></rect>\n", val);
		}
	}
	/* Time labels: over two days, at local midnights (every few
	 * days for long ranges), else about six, with the date where a day
	 * starts. */
	days = (size_t)(s.marks * s.per / 24);
	step = s.marks / 6 > 0 ? s.marks / 6 : 1;
	for (k = 0; k < s.marks; k++) {
		int64_t t0 = s.origin + (int64_t)(k * s.per * 3600);
		int64_t day = view_mark_day(t0);
		bool midnight = day != -1;

		if (days > 2) {
			if (!midnight ||
			    (size_t)((day - s.origin) / 86400) %
				    ((days + 6) / 7) !=
				0)
				continue;
		} else if (k % step != 0)
			continue;
		/* A day's label names the day that starts in the mark. */
		axis_label(a, sizeof(a), midnight ? day : t0, k == 0, midnight);
		fprintf(fp,
		    "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" "
		    "fill=\"#555555\">",
		    CHART_LEFT + bw * (double)k, CHART_H - 6);
		put(fp, a);
		fputs("</text>\n", fp);
	}
	fputs("</svg>\n", fp);
	/* The legend, as text. */
	fputs("<p class=\"note\">", fp);
	for (i = 0; i < v->classes->n; i++) {
		swatch(fp, v->classes->v[i].name);
		put(fp, v->classes->v[i].name);
		fputs(i + 1 < v->classes->n ? " &nbsp; " : "", fp);
	}
	fputs("</p>\n", fp);
	free(s.v);
	free(s.sum);
}

static void
classes(FILE *fp, const struct report_view *v)
{
	const struct rrow *c;
	size_t i;

	if (v->classes->n == 0)
		return;
	fputs("<h2 id=\"classes\">Failures by class</h2>\n<table>\n"
	      "<caption>Failures by class (share: of all failures)</caption>\n"
	      "<thead><tr><th scope=\"col\">class</th>"
	      "<th scope=\"col\" class=\"n\">deferred</th>"
	      "<th scope=\"col\" class=\"n\">bounced</th>"
	      "<th scope=\"col\" class=\"n\">expired</th>"
	      "<th scope=\"col\" class=\"n\">total</th>"
	      "<th scope=\"col\" class=\"n\">share</th>"
	      "<th scope=\"col\" class=\"n\">attempts</th></tr></thead>\n"
	      "<tbody>\n",
	    fp);
	for (i = 0; i < v->classes->n; i++) {
		c = &v->classes->v[i];
		fputs("<tr><th scope=\"row\">", fp);
		swatch(fp, c->name);
		put(fp, c->name);
		fputs("</th>", fp);
		num(fp, c->c.deferred);
		num(fp, c->c.bounced);
		num(fp, c->c.expired);
		num(fp, view_failed(&c->c));
		pct(fp, view_failed(&c->c), view_failed(v->all));
		num(fp, c->c.attempts);
		fputs("</tr>\n", fp);
	}
	fprintf(fp, "</tbody>\n</table>\n");
}

/* A horizontal bar of the class mix of one provider: a one-row table
 * (mail clients keep tables and inline styles, not SVG). */
static void
mix(FILE *fp, const struct rlist *cl)
{
	int64_t sum = 0, w;
	size_t i;

	for (i = 0; i < cl->n; i++)
		sum += view_failed(&cl->v[i].c);
	if (sum == 0) {
		fputs("-", fp);
		return;
	}
	fputs("<table class=\"mix\" role=\"presentation\"><tr>", fp);
	for (i = 0; i < cl->n; i++) {
		w = view_failed(&cl->v[i].c) * 100 / sum;
		if (w < 1)
			continue;
		fprintf(fp,
		    "<td style=\"width:%" PRId64 "%%;background:%s\" title=\"",
		    w, html_class_colour(cl->v[i].name));
		put(fp, cl->v[i].name);
		fprintf(fp, " %" PRId64 "\"></td>", view_failed(&cl->v[i].c));
	}
	fputs("</tr></table>", fp);
	for (i = 0; i < cl->n && i < 3; i++) {
		fputs(i ? ", " : "", fp);
		put(fp, cl->v[i].name);
		fprintf(fp, " %.0f%%",
		    100.0 * (double)view_failed(&cl->v[i].c) / (double)sum);
	}
	if (cl->n > 3)
		fputs(", &hellip;", fp);
}

/* The final results of the row named name in all (a class filter's
 * denominators), 0 when it has none. */
static int64_t
finals_of(const struct rlist *all, const char *name)
{
	size_t i;

	for (i = 0; i < all->n; i++)
		if (strcmp(all->v[i].name, name) == 0)
			return view_finals(&all->v[i].c);
	return 0;
}

/* A table of counts by name (domains, providers): heading, caption
 * and head row; key names the first column, last the last one. */
static void
count_table_open(FILE *fp, const char *id, const char *title,
    const char *caption, const char *key, const char *last)
{
	fprintf(fp,
	    "<h2 id=\"%s\">%s</h2>\n<table>\n<caption>%s</caption>\n"
	    "<thead><tr><th scope=\"col\">%s</th>",
	    id, title, caption, key);
	fputs("<th scope=\"col\" class=\"n\">sent</th>"
	      "<th scope=\"col\" class=\"n\">deferred</th>"
	      "<th scope=\"col\" class=\"n\">bounced</th>"
	      "<th scope=\"col\" class=\"n\">expired</th>"
	      "<th scope=\"col\" class=\"n\">fail%</th>",
	    fp);
	fprintf(fp, "<th scope=\"col\">%s</th></tr></thead>\n<tbody>\n", last);
}

/* A row's name and its four final counts (fail% and the last cell are
 * the caller's). */
static void
count_row_open(FILE *fp, const struct rrow *d)
{
	fputs("<tr><th scope=\"row\">", fp);
	put_name(fp, d->name[0] != '\0' ? d->name : "(unknown)");
	fputs("</th>", fp);
	num(fp, d->c.sent);
	num(fp, d->c.deferred);
	num(fp, d->c.bounced);
	num(fp, d->c.expired);
}

/* The recipient domains, as the text report's "Top domains"; with a
 * class filter fail% is the class's share of each domain's results. */
static void
domains(FILE *fp, const struct report_view *v)
{
	const struct rrow *d;
	int64_t den;
	size_t i;

	if (v->domains == NULL || v->domains->n == 0)
		return;
	count_table_open(fp, "domains", "Top domains",
	    "Top recipient domains with their most frequent failure class",
	    "domain", "top class");
	for (i = 0; i < v->domains->n; i++) {
		d = &v->domains->v[i];
		count_row_open(fp, d);
		den = v->domains_all != NULL
		    ? finals_of(v->domains_all, d->name)
		    : view_finals(&d->c);
		pct(fp, view_failed(&d->c), den);
		fputs("<td>", fp);
		if (d->top_class[0] != '\0') {
			swatch(fp, d->top_class);
			put(fp, d->top_class);
		} else
			fputs("-", fp);
		fputs("</td></tr>\n", fp);
	}
	fputs("</tbody>\n</table>\n", fp);
}

static void
providers(FILE *fp, const struct report_view *v)
{
	const struct rrow *d;
	size_t i;

	if (v->providers->n == 0)
		return;
	count_table_open(fp, "providers", "Top providers",
	    "Top providers with their failures by class", "provider",
	    "class mix");
	for (i = 0; i < v->providers->n; i++) {
		d = &v->providers->v[i];
		count_row_open(fp, d);
		pct(fp, view_failed(&d->c), view_finals(&d->c));
		fputs("<td>", fp);
		mix(fp, &v->provider_classes[i]);
		fputs("</td></tr>\n", fp);
	}
	fputs("</tbody>\n</table>\n", fp);
}

static void
codes(FILE *fp, const struct report_view *v)
{
	const struct rrow *c;
	size_t i;

	if (v->codes->n == 0)
		return;
	fputs("<h2 id=\"codes\">Top codes</h2>\n<table>\n"
	      "<caption>SMTP codes of the failures, with a sample reply"
	      "</caption>\n<thead><tr><th scope=\"col\">code</th>"
	      "<th scope=\"col\">enhanced</th><th scope=\"col\">class</th>"
	      "<th scope=\"col\" class=\"n\">total</th>"
	      "<th scope=\"col\" class=\"n\">attempts</th>"
	      "<th scope=\"col\">sample reply</th></tr></thead>\n<tbody>\n",
	    fp);
	for (i = 0; i < v->codes->n; i++) {
		c = &v->codes->v[i];
		if (c->code > 0)
			fprintf(
			    fp, "<tr><th scope=\"row\">%d</th><td>", c->code);
		else
			fputs("<tr><th scope=\"row\">-</th><td>", fp);
		put(fp, c->enhanced[0] != '\0' ? c->enhanced : "-");
		fputs("</td><td>", fp);
		swatch(fp, c->cls);
		put(fp, c->cls);
		fputs("</td>", fp);
		num(fp, view_failed(&c->c));
		num(fp, c->c.attempts);
		fputs("<td class=\"reply\">", fp);
		if (c->text_len > 0)
			html_put_text(fp, c->text, c->text_len);
		else
			fputs("-", fp);
		fputs("</td></tr>\n", fp);
	}
	fputs("</tbody>\n</table>\n", fp);
}

/* report --unknown: the replies no rule classifies (NULL: not asked). */
static void
unknowns(FILE *fp, const struct report_view *v)
{
	const struct rrow *u;
	char t[64];
	size_t i;

	if (v->unknowns == NULL)
		return;
	fputs("<h2 id=\"unknown\">Unclassified replies</h2>\n", fp);
	if (v->unknowns->n == 0) {
		fputs("<p>None in the range (or their events were already "
		      "pruned).</p>\n",
		    fp);
		return;
	}
	fputs("<table>\n<caption>Replies no rule classifies, normalised, "
	      "most frequent first (attempts included)</caption>\n"
	      "<thead><tr><th scope=\"col\">normalised reply</th>"
	      "<th scope=\"col\" class=\"n\">count</th>"
	      "<th scope=\"col\">last seen</th>"
	      "<th scope=\"col\">latest as logged</th></tr></thead>\n"
	      "<tbody>\n",
	    fp);
	for (i = 0; i < v->unknowns->n; i++) {
		u = &v->unknowns->v[i];
		fputs("<tr><td class=\"reply\">", fp);
		if (u->text_len > 0)
			html_put_text(fp, u->text, u->text_len);
		else
			fputs("(no reply text: the MTA logged none)", fp);
		fputs("</td>", fp);
		num(fp, u->n);
		local_time_ref(t, sizeof(t), u->time, v->since);
		fputs("<td>", fp);
		put(fp, t);
		fputs("</td><td class=\"reply\">", fp);
		if (u->sample_len > 0)
			html_put_text(fp, u->sample, u->sample_len);
		else
			fputs("-", fp);
		fputs("</td></tr>\n", fp);
	}
	fputs("</tbody>\n</table>\n", fp);
}

/* One incident's row pair: the figures, then sample and action. */
/* ref: the time whose zone the page names (local_time_ref()). */
static void
incident_rows(FILE *fp, int64_t ref, bool open, int64_t start, int64_t last,
    const char *kind, const char *key, const char *ip, int64_t peak,
    int64_t total, const char *sample, const char *action,
    const char *providers_)
{
	char a[64], b[64];

	local_time_ref(a, sizeof(a), start, ref);
	local_time_ref(b, sizeof(b), last, ref);
	fputs(open ? "<tr><td class=\"state open\">open</td><td>"
		   : "<tr><td class=\"state\">resolved</td><td>",
	    fp);
	put(fp, a);
	fputs("</td><td>", fp);
	put(fp, b);
	fputs("</td><td>", fp);
	put(fp, kind);
	fputs("</td><th scope=\"row\">", fp);
	put_name(fp, key);
	if (ip != NULL && ip[0] != '\0') {
		fputc(' ', fp);
		put_name(fp, ip);
	}
	fputs("</th>", fp);
	num(fp, peak);
	num(fp, total);
	fputs("</tr>\n<tr class=\"detail\"><td></td><td colspan=\"6\">"
	      "<span class=\"reply\">",
	    fp);
	if (sample != NULL && sample[0] != '\0')
		put(fp, sample);
	else
		fputs("(no sample reply)", fp);
	fputs("</span>", fp);
	if (providers_ != NULL && providers_[0] != '\0') {
		fputs("<br>Reported by ", fp);
		put_name(fp, providers_);
	}
	if (action != NULL && action[0] != '\0') {
		fputs("<br><b>Action:</b> ", fp);
		put(fp, action);
	}
	fputs("</td></tr>\n", fp);
}

/* f: the report's filters, named after the caption; NULL: none. */
static void
incidents_head(FILE *fp, const char *caption, const struct report_view *f)
{
	fputs("<table class=\"incidents\">\n<caption>", fp);
	put(fp, caption);
	if (f != NULL && f->domain != NULL) {
		fputs(" --domain ", fp);
		put_name(fp, f->domain);
	}
	if (f != NULL && f->inc_host != NULL) {
		fputs(" --host ", fp);
		put_name(fp, f->inc_host);
	}
	if (f != NULL)
		fputs(" only (all: bouncestat incidents)", fp);
	fputs(" (sample reply and suggested action below each)", fp);
	fputs("</caption>\n<thead><tr><th scope=\"col\">state</th>"
	      "<th scope=\"col\">started</th><th scope=\"col\">last seen</th>"
	      "<th scope=\"col\">kind</th><th scope=\"col\">key</th>"
	      "<th scope=\"col\" class=\"n\">peak</th>"
	      "<th scope=\"col\" class=\"n\">total</th></tr></thead>\n"
	      "<tbody>\n",
	    fp);
}

static void
incidents(FILE *fp, const struct report_view *v)
{
	const struct incident *x;
	size_t i;

	fputs("<h2 id=\"incidents\">Incidents</h2>\n", fp);
	if (v->incidents == NULL || v->incidents->n == 0) {
		fputs("<p>No incident open or seen in the range", fp);
		if (v->domain != NULL || v->inc_host != NULL)
			fputs(" (only those of --domain and --host are shown)",
			    fp);
		fputs(".</p>\n", fp);
		return;
	}
	if (v->domain == NULL && v->inc_host == NULL)
		incidents_head(
		    fp, "Open incidents, then those seen in the range", NULL);
	else
		incidents_head(
		    fp, "Open incidents, then those seen in the range, of", v);
	for (i = 0; i < v->incidents->n; i++) {
		x = &v->incidents->v[i].inc;
		incident_rows(fp, v->since, x->open, x->start, x->last_seen,
		    x->kind, x->key, x->listed_ip, x->peak, x->total, x->sample,
		    x->action, x->providers);
	}
	fputs("</tbody>\n</table>\n", fp);
}

void
html_report(FILE *fp, const struct report_view *v)
{
	char a[32], b[32], zone[32], title[256], range[128];

	local_time(a, sizeof(a), v->since, true);
	local_time(b, sizeof(b), v->until, true);
	tz_label(zone, sizeof(zone), v->since);
	snprintf(title, sizeof(title), "bouncestat report: %.200s, ", v->host);
	snprintf(range, sizeof(range), "%s to %s (%s)", a, b, zone);
	head(fp, title, range);
	fputs("<h1>bouncestat report: ", fp);
	put(fp, v->host);
	fputs("</h1>\n<p class=\"meta\">", fp);
	put(fp, a);
	fputs(" to ", fp);
	put(fp, b);
	fputs(" (", fp);
	put(fp, zone);
	fputs(")", fp);
	if (v->clamped || v->widened) {
		local_time(a, sizeof(a), v->req_since, true);
		local_time(b, sizeof(b), v->req_until, true);
		fputs("; asked ", fp);
		put(fp, v->req_since > 0 ? a : "all");
		fputs(" to ", fp);
		put(fp, b);
		fputs(v->clamped
			? ", clamped to the data and widened to whole hours"
			: ", widened to whole UTC hours",
		    fp);
	}
	fputs("</p>\n<p class=\"meta\">database ", fp);
	put(fp, v->db);
	if (v->domain != NULL) {
		fputs(" &middot; domain ", fp);
		put_name(fp, v->domain);
	}
	if (v->cls != NULL) {
		fputs(" &middot; class ", fp);
		put(fp, v->cls);
	}
	if (v->inc_host != NULL) {
		fputs(" &middot; host ", fp);
		put_name(fp, v->inc_host);
	}
	if (v->data_last > 0) {
		/* data_first may be 0: a log line of 1970-01-01 00:00Z. */
		local_time(
		    a, sizeof(a), v->data_first > 0 ? v->data_first : 1, true);
		local_time(b, sizeof(b), v->data_last, true);
		fputs(" &middot; data from ", fp);
		put(fp, a);
		fputs(" to ", fp);
		put(fp, b);
	} else
		fputs(" &middot; no data", fp);
	fputs("</p>\n", fp);
	if (view_finals(v->all) == 0 && v->all->attempts == 0) {
		fputs("<p class=\"meta\"><strong>No results in this range", fp);
		if (v->data_last > 0) {
			local_time(a, sizeof(a), v->data_last - 3600, true);
			fputs("; the newest data is from the hour of ", fp);
			put(fp, a);
		} else
			fputs("; the database holds no counts yet", fp);
		fputs(".</strong></p>\n", fp);
	}
	totals(fp, v);
	chart(fp, v);
	classes(fp, v);
	domains(fp, v);
	providers(fp, v);
	incidents(fp, v);
	codes(fp, v);
	unknowns(fp, v);
	local_time(a, sizeof(a), v->now, true);
	fputs("<p class=\"note\">Made by bouncestat report at ", fp);
	put(fp, a);
	fputs(" (", fp);
	put(fp, zone);
	fputs("). Counts are kept per hour. Reply text is as the remote "
	      "servers sent it.</p>\n</body>\n</html>\n",
	    fp);
}

struct note_ctx {
	FILE *fp;
	bool first;
};

/* An alert_note_fn: "<b>Label:</b> value", after a <br> but the first. */
static void
html_note(void *arg, const char *label, const char *value)
{
	struct note_ctx *c = arg;

	fputs(c->first ? "<b>" : "<br><b>", c->fp);
	c->first = false;
	put(c->fp, label);
	fputs(":</b> ", c->fp);
	put(c->fp, value);
}

/*
 * Below an incident's rows, what the text part tells besides the reply
 * and the action (trial7: the HTML part, the one a mail client shows,
 * had none of it): the messages it holds and the command listing them,
 * the rule's meaning, where to ask for delisting, the command for more.
 */
static void
alert_notes(
    FILE *fp, const struct alert_params *p, const struct alert_incident *x)
{
	struct note_ctx c = { fp, true };

	fputs("<tr class=\"detail\"><td></td><td colspan=\"6\">", fp);
	if (x->meaning != NULL && x->meaning[0] != '\0')
		html_note(&c, "Meaning", x->meaning);
	(void)alert_incident_notes(p, x, ALERT_NOTES_COUNTS, html_note, &c);
	(void)alert_incident_notes(p, x, ALERT_NOTES_LINKS, html_note, &c);
	fputs("</td></tr>\n", fp);
}

void
html_alert(FILE *fp, const struct alert_params *p,
    const struct alert_incident *inc, size_t n)
{
	size_t i;
	const char *host = p->hostname != NULL ? p->hostname : "";
	char zone[32], cap[64];

	head(fp, "bouncestat alert: ", host);
	fputs("<h1>bouncestat alert: ", fp);
	put(fp, host);
	fputs("</h1>\n", fp);
	tz_label(zone, sizeof(zone), p->now);
	snprintf(cap, sizeof(cap), "Incidents (times in %s)", zone);
	incidents_head(fp, cap, NULL);
	for (i = 0; i < n; i++) {
		incident_rows(fp, p->now, !inc[i].resolved, inc[i].start,
		    inc[i].last_seen, inc[i].kind, inc[i].key, inc[i].listed_ip,
		    inc[i].peak, inc[i].total, inc[i].sample, inc[i].action,
		    inc[i].providers);
		alert_notes(fp, p, &inc[i]);
	}
	fputs("</tbody>\n</table>\n<p class=\"note\">Sent by 'bouncestat "
	      "alert'. Each incident is mailed when it opens and when it "
	      "resolves.</p>\n</body>\n</html>\n",
	    fp);
}
