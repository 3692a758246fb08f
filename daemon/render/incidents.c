/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Incident tables (see incidents.h). Reply texts, keys and receivers come
 * from remote servers: the text table passes them through
 * alert_sanitize() (no control character, bidi override or invalid UTF-8
 * reaches the terminal), the JSON writer escapes them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "incidents.h"
#include "term.h"
#include "json.h"
#include "sanitize.h"
#include "util.h"

#define LIST_MAX INCIDENT_LIST_MAX

static char *
sdup(const char *s)
{
	return xstrdup(s != NULL ? s : "");
}

int
incident_list_add(const struct incident *inc, void *arg)
{
	struct incident_list *l = arg;
	struct incident_item *it;

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
	it->inc.hosts = it->strs[7] = sdup(inc->hosts);
	it->strs[8] = NULL;
	it->has_messages = false; /* issue 16: set by the command */
	it->messages = it->expiring = 0;
	return 0;
}

void
incident_list_free(struct incident_list *l)
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
void
render_local_time(char *out, size_t len, int64_t t, int64_t ref)
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
	/* trial10: across a DST change, "02:40" then "02:20" read as time
	 * running back: each time with its own offset. */
	if (ref != 0 && local_tz_offset(t) != local_tz_offset(ref))
		render_append_offset(out, len, t);
}

void
render_append_offset(char *out, size_t len, int64_t t)
{
	char zone[16];
	size_t n = strlen(out);

	tz_offset_str(zone, sizeof(zone), local_tz_offset(t), false);
	if (n < len)
		snprintf(out + n, len - n, " %s", zone);
}

/* UTC RFC 3339 "2026-11-22T10:40:00Z". */
void
render_utc_time(char *out, size_t len, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	gmtime_r(&tt, &tm);
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The key column: "qq.com", or "zen.spamhaus.org 192.0.2.1". */
void
incident_key_text(char *out, size_t len, const struct incident *inc)
{
	char key[256], ip[128];

	/* A hostile name shows its '?', not a look-alike of another. */
	sanitize_name(key, sizeof(key), inc->key, strlen(inc->key));
	sanitize_name(ip, sizeof(ip), inc->listed_ip, strlen(inc->listed_ip));
	snprintf(out, len, "%s%s%s", key, ip[0] != '\0' ? " " : "", ip);
}

/* The PEAK and USUAL cells of inc. */
static void
peak_usual(const struct incident *inc, char *peak, size_t plen, char *usual,
    size_t ulen)
{
	if (is_rate(inc->kind)) {
		snprintf(peak, plen, "%d%%",
		    inc->peak_total > 0
			? (int)(inc->peak * 100 / inc->peak_total)
			: 0);
		snprintf(usual, ulen, "%d%%", (int)(inc->baseline * 100 + 0.5));
	} else {
		snprintf(peak, plen, "%" PRId64, inc->peak);
		if (strcmp(inc->kind, "dnsbl") == 0)
			snprintf(usual, ulen, "-");
		else
			snprintf(usual, ulen, "%.1f", inc->baseline);
	}
}

static size_t
max_z(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* The buffer bytes for a line of cols columns (a byte is at most one
 * column), at most size. */
static size_t
line_room(size_t size, int cols)
{
	return cols < 2 ? 2 : (size_t)cols < size ? (size_t)cols : size;
}

/* Prints s (display width c) cut to w columns with "..." or padded. */
static void
put_key(FILE *fp, const char *s, size_t c, size_t w)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, cl, used = 0;
	int cw;

	if (c <= w) {
		fprintf(fp, "%s%*s", s, (int)(w - c), "");
		return;
	}
	while (p[i] != '\0') {
		cw = display_char_width(p + i, strlen(s + i), &cl);
		if (used + (size_t)cw + 1 > w)
			break;
		used += (size_t)cw;
		i += cl;
	}
	fprintf(fp, "%.*s~%*s", (int)i, s, (int)(w - used - 1), "");
}

/*
 * A row's STARTED and LAST SEEN: local times; across a DST change
 * (their offsets differ) each with its offset (trial10).
 */
static void
row_times(const struct incident *inc, char *start, size_t slen, char *seen,
    size_t selen)
{
	render_local_time(start, slen, inc->start, 0);
	if (local_tz_offset(inc->start) != local_tz_offset(inc->last_seen))
		render_append_offset(start, slen, inc->start);
	render_local_time(seen, selen, inc->last_seen, inc->start);
}

/*
 * Columns sized to what they hold, the key given what is left of the
 * width (term_width()), so that a row fits 80 columns.
 */
void
incident_table_text(
    FILE *fp, const struct incident_list *l, int64_t since, bool quiet)
{
	char key[400], start[64], seen[64], peak[32], usual[32], line[160],
	    total[32];
	const struct incident *inc;
	size_t i, c, ws = 5, wst = 7, wse = 9, wk = 4, wkey = 3, wp = 4, wu = 5,
		     wt = 5, fixed, room;
	int cols = term_width(fp);
	bool utf8 = term_utf8();

	if (l->n == 0) {
		if (quiet)
			return;
		render_local_time(start, sizeof(start), since, 0);
		fprintf(fp, "No incidents since %s.\n",
		    since > 0 ? start : "the beginning");
		return;
	}
	for (i = 0; i < l->n; i++) {
		inc = &l->v[i].inc;
		incident_key_text(key, sizeof(key), inc);
		if (!utf8)
			term_ascii(key);
		wkey = max_z(wkey, (size_t)display_width(key, 1000));
		ws = max_z(ws, inc->open ? 4 : 8);
		row_times(inc, start, sizeof(start), seen, sizeof(seen));
		wst = max_z(wst, strlen(start));
		wse = max_z(wse, strlen(seen));
		wk = max_z(wk, strlen(inc->kind));
		peak_usual(inc, peak, sizeof(peak), usual, sizeof(usual));
		wp = max_z(wp, strlen(peak));
		wu = max_z(wu, strlen(usual));
		wt = max_z(wt,
		    (size_t)snprintf(
			total, sizeof(total), "%" PRId64, inc->total));
	}
	fixed = ws + wst + wse + wk + wp + wu + wt + 7;
	/* A key cut here is printed in full on a line of its own. */
	room = (size_t)cols > fixed + 3 ? (size_t)cols - fixed : 3;
	if (wkey > room)
		wkey = room;
	fprintf(fp, "%-*s %-*s %-*s %-*s %-*s %*s %*s %*s\n", (int)ws, "STATE",
	    (int)wst, "STARTED", (int)wse, "LAST SEEN", (int)wk, "KIND",
	    (int)wkey, "KEY", (int)wp, "PEAK", (int)wu, "USUAL", (int)wt,
	    "TOTAL");
	for (i = 0; i < l->n; i++) {
		inc = &l->v[i].inc;
		incident_key_text(key, sizeof(key), inc);
		if (!utf8)
			term_ascii(key);
		row_times(inc, start, sizeof(start), seen, sizeof(seen));
		peak_usual(inc, peak, sizeof(peak), usual, sizeof(usual));
		fprintf(fp, "%-*s %-*s %-*s %-*s ", (int)ws,
		    inc->open ? "open" : "resolved", (int)wst, start, (int)wse,
		    seen, (int)wk, inc->kind);
		/* Pad by columns: the key may hold UTF-8. */
		c = (size_t)display_width(key, 1000);
		put_key(fp, key, c, wkey);
		fprintf(fp, " %*s %*s %*" PRId64 "\n", (int)wp, peak, (int)wu,
		    usual, (int)wt, inc->total);
		if (c > wkey) /* cut above: in full on a line of its own */
			fprintf(fp, "%10s%s\n", "", key);
		if (inc->providers[0] != '\0') {
			sanitize_name(line, line_room(sizeof(line), cols - 21),
			    inc->providers, strlen(inc->providers));
			if (!utf8)
				term_ascii(line);
			fprintf(fp, "%10sreported by %s\n", "", line);
		}
		if (inc->hosts != NULL && inc->hosts[0] != '\0') {
			sanitize_name(
			    line, sizeof(line), inc->hosts, strlen(inc->hosts));
			fprintf(fp, "%10slogged by %s\n", "", line);
		}
		if (inc->sample[0] != '\0') {
			alert_sanitize(line, line_room(sizeof(line), cols - 9),
			    inc->sample, strlen(inc->sample));
			if (!utf8)
				term_ascii(line);
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

void
incident_table_json(FILE *fp, const struct incident_list *l)
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
		fputs(", \"hosts\": ", fp);
		json_put_cstr(fp, inc->hosts != NULL ? inc->hosts : "");
		fprintf(
		    fp, ", \"state\": \"%s\"", inc->open ? "open" : "resolved");
		render_utc_time(t, sizeof(t), inc->start);
		fprintf(fp, ", \"start\": \"%s\", \"start_epoch\": %" PRId64, t,
		    inc->start);
		render_utc_time(t, sizeof(t), inc->last_seen);
		fprintf(fp,
		    ", \"last_seen\": \"%s\", \"last_seen_epoch\": %" PRId64, t,
		    inc->last_seen);
		if (inc->open)
			fputs(", \"resolved\": null, \"resolved_epoch\": null",
			    fp);
		else {
			render_utc_time(t, sizeof(t), inc->resolved);
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
		if (l->v[i].has_messages) /* issue 16 */
			fprintf(fp,
			    ", \"messages\": %" PRId64
			    ", \"expiring_24h\": %" PRId64
			    ", \"messages_command\": \"bouncestat messages "
			    "--incident %" PRId64 "\"",
			    l->v[i].messages, l->v[i].expiring, inc->id);
		if (inc->notified_at != 0) {
			render_utc_time(t, sizeof(t), inc->notified_at);
			fprintf(fp, ", \"notified_at\": \"%s\"}", t);
		} else
			fputs(", \"notified_at\": null}", fp);
	}
	fputs(l->n > 0 ? "\n]\n" : "]\n", fp);
}
