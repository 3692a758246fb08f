/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See alert.h. Composition builds the body first (plain UTF-8, wrapped at
 * BODY_WIDTH columns, every remote string sanitised on the way in), then
 * chooses its transfer encoding, then writes the headers, each from
 * sanitised single-line text. Nothing here reads the clock, the
 * environment or the locale: day and month names are our own tables, as
 * RFC 5322 3.3 requires English ones whatever the locale.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "sanitize.h"
#include "sigpipe.h"
#include "duration.h"
#include "utf8.h"
#include "util.h"
#include "version.h"

extern char **environ;

#define BODY_WIDTH   72  /* columns of a body line */
#define LABEL_WIDTH  12  /* "  Action:   " */
#define WORD_MAX     700 /* longest word kept whole in the body */
#define HEADER_WIDTH 78  /* RFC 5322 2.1.1: SHOULD be no longer */
#define QP_WIDTH     76  /* RFC 2045 6.7 (5): at most 76 characters */
#define EW_BYTES     39  /* UTF-8 bytes per RFC 2047 encoded-word */
#define KEY_MAX      256 /* bytes of a key, IP or provider list shown */
#define SUBJECT_MAX  200 /* bytes of Subject text before encoding */

struct buf {
	char *p;
	size_t len;
	size_t cap;
	bool oom;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap == 0 ? 4096 : b->cap;
		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_printf(struct buf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_add(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Sanitises a NUL-terminated string (NULL = "") into out. */
static size_t
clean(char *out, size_t outlen, const char *s)
{
	return alert_sanitize(out, outlen, s, s == NULL ? 0 : strlen(s));
}

/* A name (key, IP, providers) with '?' for what cannot be shown. */
static size_t
name(char *out, size_t outlen, const char *s)
{
	return sanitize_name(out, outlen, s, s == NULL ? 0 : strlen(s));
}

/* True when the operator-supplied address is fit for a header. */
bool
alert_address_ok(const char *a)
{
	const unsigned char *s = (const unsigned char *)a;
	size_t len, i, n;
	uint32_t cp;

	if (a == NULL)
		return false;
	len = strlen(a);
	if (len == 0 || len > 254)
		return false;
	for (i = 0; i < len; i += n) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return false;
		n = utf8_decode(s + i, len - i, &cp);
		if (n == 0 || sanitize_invisible(cp))
			return false;
	}
	return true;
}

static const char *const rank_kinds[] = {
	"dnsbl",
	"blacklisted",
	"auth_failed",
	"rate_limited",
	"bounce_rate",
	"deferral_rate",
	"greylisted",
	"inactive",
};

static int
rank(const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof(rank_kinds) / sizeof(rank_kinds[0]); i++)
		if (kind != NULL && strcmp(kind, rank_kinds[i]) == 0)
			return (int)i;
	return (int)i;
}

static bool
is_rate(const struct alert_incident *x)
{
	return x->kind != NULL &&
	    (strcmp(x->kind, "deferral_rate") == 0 ||
		strcmp(x->kind, "bounce_rate") == 0);
}

/* How far the peak is above the baseline (for ordering). */
static double
severity(const struct alert_incident *x)
{
	double base;

	if (is_rate(x)) {
		base = x->baseline > 0.01 ? x->baseline : 0.01;
		return x->peak_total > 0
		    ? (double)x->peak / (double)x->peak_total / base
		    : 0;
	}
	base = x->baseline > 1 ? x->baseline : 1;
	return (double)x->peak / base;
}

static int
compare(const void *va, const void *vb)
{
	const struct alert_incident *a = va, *b = vb;
	double sa, sb;

	if (a->resolved != b->resolved)
		return a->resolved ? 1 : -1;
	if (rank(a->kind) != rank(b->kind))
		return rank(a->kind) < rank(b->kind) ? -1 : 1;
	sa = severity(a);
	sb = severity(b);
	if (sa != sb)
		return sa > sb ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* Sorts incidents worst first (see alert.h). */
void
alert_sort(struct alert_incident *inc, size_t n)
{
	qsort(inc, n, sizeof(*inc), compare);
}

static const char *const wday[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
	"Sat" };
static const char *const month[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static void
broken_down(int64_t t, int32_t off, struct tm *tm)
{
	time_t tt = (time_t)(t + off);

	if (gmtime_r(&tt, tm) == NULL)
		memset(tm, 0, sizeof(*tm));
}

/* RFC 5322 3.3 date-time: "Sat, 22 Nov 2026 10:52:00 +0100". */
static void
fmt_rfc5322(char *out, size_t len, int64_t t, int32_t off)
{
	struct tm tm;
	char zone[16];

	broken_down(t, off, &tm);
	tz_offset_str(zone, sizeof(zone), off, false);
	snprintf(out, len, "%s, %02d %s %04d %02d:%02d:%02d %s",
	    wday[tm.tm_wday % 7], tm.tm_mday, month[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, zone);
}

/* "2026-11-22 10:40 +0100" (sep ' ') or "2026-11-22T10:40+01:00" ('T'). */
static void
fmt_time(char *out, size_t len, int64_t t, int32_t off, char sep)
{
	struct tm tm;
	char zone[16];

	broken_down(t, off, &tm);
	tz_offset_str(zone, sizeof(zone), off, sep == 'T');
	snprintf(out, len,
	    sep == 'T' ? "%04d-%02d-%02dT%02d:%02d%s"
		       : "%04d-%02d-%02d %02d:%02d %s",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    zone);
}

/* The offset t is shown with (struct alert_params tzoff_at). */
static int32_t
off_at(const struct alert_params *p, int64_t t)
{
	return p->tzoff_at != NULL ? p->tzoff_at(t) : p->tzoff;
}

/*
 * "10:52" when t is on the same local day as ref and in the same offset,
 * else fmt_time() with t's own offset.
 */
static void
fmt_later(
    char *out, size_t len, int64_t t, int64_t ref, const struct alert_params *p)
{
	int32_t off = off_at(p, t);
	struct tm a, b;

	broken_down(t, off, &a);
	broken_down(ref, off_at(p, ref), &b);
	if (a.tm_year == b.tm_year && a.tm_yday == b.tm_yday &&
	    off == off_at(p, ref))
		snprintf(out, len, "%02d:%02d", a.tm_hour, a.tm_min);
	else
		fmt_time(out, len, t, off, ' ');
}

/* A baseline count: "0", "0.4", "12". */
static void
fmt_base(char *out, size_t len, double v)
{
	if (v < 0.05)
		snprintf(out, len, "0");
	else if (v < 10)
		snprintf(out, len, "%.1f", v);
	else
		snprintf(out, len, "%.0f", v);
}

struct link {
	const char *suffix; /* matches the name or a dot-separated tail */
	const char *url;
};

/* Where a DNSBL explains a listing and takes delisting requests. */
static const struct link dnsbl_links[] = {
	{ "spamhaus.org", "https://check.spamhaus.org/" },
	{ "spamhaus.net", "https://check.spamhaus.org/" },
	{ "abuseat.org", "https://check.spamhaus.org/" },
	{ "spamcop.net", "https://www.spamcop.net/bl.shtml" },
	{ "barracudacentral.org",
	    "https://www.barracudacentral.org/rbl/removal-request" },
	{ "uceprotect.net", "https://www.uceprotect.net/en/rblcheck.php" },
	{ "psbl.surriel.com", "https://psbl.org/" },
	{ NULL, NULL },
};

/* Postmaster pages of big receivers (provider names as provider.c). */
static const struct link provider_links[] = {
	{ "google.com", "https://support.google.com/mail/answer/81126" },
	{ "gmail.com", "https://support.google.com/mail/answer/81126" },
	{ "outlook.com", "https://sender.office.com/" },
	{ "hotmail.com", "https://sender.office.com/" },
	{ "yahoo.com", "https://senders.yahooinc.com/" },
	{ "yahoodns.net", "https://senders.yahooinc.com/" },
	{ "aol.com", "https://senders.yahooinc.com/" },
	{ "mail.ru", "https://postmaster.mail.ru/" },
	{ NULL, NULL },
};

static const char *
find_link(const struct link *t, const char *name)
{
	size_t nl, sl;

	if (name == NULL)
		return NULL;
	nl = strlen(name);
	for (; t->suffix != NULL; t++) {
		sl = strlen(t->suffix);
		if (nl < sl || strcasecmp(name + nl - sl, t->suffix) != 0)
			continue;
		if (nl == sl || name[nl - sl - 1] == '.')
			return t->url;
	}
	return NULL;
}

/* The one-line title of an incident, from sanitised parts. */
static void
title(struct buf *b, const struct alert_incident *x)
{
	char key[KEY_MAX], ip[KEY_MAX], prov[KEY_MAX], kind[64];
	bool r = x->resolved;

	/* Names keep a '?' where a control character or bidi override
	 * was: "ex<ESC>ample.com" must not read as "example.com". */
	name(key, sizeof(key), x->key);
	name(ip, sizeof(ip), x->listed_ip);
	name(prov, sizeof(prov), x->providers);
	clean(kind, sizeof(kind), x->kind);
	if (key[0] == '\0')
		snprintf(key, sizeof(key), "(unknown)");
	switch (rank(kind)) {
	case 0: /* dnsbl */
		buf_printf(
		    b, "%s on %s", r ? "no longer seen listed" : "listed", key);
		if (ip[0] != '\0')
			buf_printf(b, " (%s)", ip);
		if (prov[0] != '\0')
			buf_printf(b, " according to %s", prov);
		break;
	case 1:
		buf_printf(b, "%s %s blocking us (blacklisted)", key,
		    r ? "was" : "is");
		break;
	case 2:
		buf_printf(
		    b, "%s %s our credentials", key, r ? "refused" : "refuses");
		break;
	case 3:
		buf_printf(b, "%s %s throttling us", key, r ? "was" : "is");
		break;
	case 4:
		buf_printf(b, "bounce rate jump at %s", key);
		break;
	case 5:
		buf_printf(b, "deferral rate jump at %s", key);
		break;
	case 6:
		buf_printf(b, "greylisting surge at %s", key);
		break;
	case 7:
		buf_printf(b, "%s",
		    r ? "mail flowed again after no delivery "
			"result was logged"
		      : "no delivery result logged (mail "
			"stopped flowing?)");
		break;
	default:
		buf_printf(b, "%s at %s", kind, key);
		break;
	}
}

static int
percent(int64_t a, int64_t b)
{
	return b > 0 ? (int)((double)a * 100 / (double)b + 0.5) : 0;
}

/* "57 in 10 min, normally ~0" and the like. */
static void
magnitude(struct buf *b, const struct alert_incident *x, bool peak_word)
{
	char win[32], base[32];

	duration_human(win, sizeof(win), x->window);
	if (is_rate(x)) {
		buf_printf(b,
		    "%s%d%% of %lld results in %s (%lld), normally ~%d%%",
		    peak_word ? "peak " : "", percent(x->peak, x->peak_total),
		    (long long)x->peak_total, win, (long long)x->peak,
		    (int)(x->baseline * 100 + 0.5));
		return;
	}
	if (rank(x->kind) == 0 && x->peak == 0) {
		buf_printf(b,
		    "the list answered our DNSBL self-check; no "
		    "reply named it yet");
		return;
	}
	if (rank(x->kind) == 0) {
		buf_printf(b, "%lld %s naming it in %s", (long long)x->peak,
		    x->peak == 1 ? "reply" : "replies", win);
		return;
	}
	fmt_base(base, sizeof(base), x->baseline);
	buf_printf(b, "%s%lld in %s, normally ~%s", peak_word ? "peak " : "",
	    (long long)x->peak, win, base);
}

/* Columns of UTF-8 text s (n bytes): one per character. */
static size_t
columns(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* Bytes of the longest prefix of s (n bytes) with at most cols columns,
 * ending on a character boundary. */
static size_t
prefix_cols(const char *s, size_t n, size_t cols)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (c == cols)
				return i;
			c++;
		}
	}
	return n;
}

/*
 * One body field: "  Label:    text", text (sanitised, one line) wrapped
 * at spaces to BODY_WIDTH, continuation lines indented to LABEL_WIDTH;
 * words longer than a line stand alone on theirs.
 */
static void
field(struct buf *b, const char *label, const char *text)
{
	const char *w, *end = text + strlen(text);
	size_t col, wl, wc, take, avail = BODY_WIDTH - LABEL_WIDTH;
	char pad[LABEL_WIDTH + 1];

	if (*text == '\0')
		return;
	snprintf(pad, sizeof(pad), "  %s:%*s", label,
	    (int)(LABEL_WIDTH - 3 - strlen(label)), "");
	buf_str(b, pad);
	col = 0;
	for (w = text; w < end;) {
		while (w < end && *w == ' ')
			w++;
		if (w == end)
			break;
		wl = strcspn(w, " ");
		wc = columns(w, wl);
		if (col > 0 && col + 1 + wc > avail) {
			buf_printf(b, "\n%*s", LABEL_WIDTH, "");
			col = 0;
		} else if (col > 0) {
			buf_str(b, " ");
			col++;
		}
		/*
		 * A word longer than a line (a URL, a token) goes on a line of
		 * its own, whole: quoted-printable soft breaks keep the body
		 * within limits and readers rejoin them. Only absurd words are
		 * cut, for SMTP's 998-byte line limit.
		 */
		if (wc > avail && col > 0) {
			buf_printf(b, "\n%*s", LABEL_WIDTH, "");
			col = 0;
		}
		while (wc > WORD_MAX) {
			take = prefix_cols(w, wl, WORD_MAX);
			buf_add(b, w, take);
			buf_printf(b, "\n%*s", LABEL_WIDTH, "");
			w += take;
			wl -= take;
			wc = columns(w, wl);
		}
		buf_add(b, w, wl);
		col += wc;
		w += wl;
	}
	buf_str(b, "\n");
}

/* A word safe to show in a shell command line, single-quoted if needed. */
static void
shell_word(struct buf *b, const char *s)
{
	const char *p;

	if (strspn(s,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789_./-+:@=,") == strlen(s) &&
	    *s != '\0') {
		buf_str(b, s);
		return;
	}
	buf_str(b, "'");
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			buf_str(b, "'\\''");
		else
			buf_add(b, p, 1);
	}
	buf_str(b, "'");
}

/* "bouncestat <cmd> [--db PATH]", for the reader to run. */
static void
command(struct buf *b, const struct alert_params *p, const char *cmd)
{
	char db[1024];

	buf_printf(b, "%s %s", p->cli != NULL ? p->cli : "bouncestat", cmd);
	if (p->db != NULL) {
		clean(db, sizeof(db), p->db);
		buf_str(b, " --db ");
		shell_word(b, db);
	}
}

/* Messages and Expiring (ALERT_NOTES_COUNTS) into fn. */
static void
notes_counts(const struct alert_params *p, const struct alert_incident *x,
    struct buf *line, alert_note_fn fn, void *arg)
{
	struct buf cmd = { 0 };
	char what[64];

	if (x->messages <= 0) /* issue 16: the messages it holds */
		return;
	snprintf(
	    what, sizeof(what), "messages --incident %lld", (long long)x->id);
	command(&cmd, p, what);
	line->len = 0;
	buf_printf(line, "%lld (list: %s)", (long long)x->messages,
	    cmd.p != NULL ? cmd.p : "");
	if (cmd.oom)
		line->oom = true;
	free(cmd.p);
	fn(arg, "Messages", line->p != NULL ? line->p : "");
	if (x->expiring > 0) {
		line->len = 0;
		buf_printf(line,
		    "%lld deferred will expire within 24h if this goes on",
		    (long long)x->expiring);
		fn(arg, "Expiring", line->p != NULL ? line->p : "");
	}
}

/* Delist (dnsbl) or Help, and More (ALERT_NOTES_LINKS) into fn. */
static void
notes_links(const struct alert_params *p, const struct alert_incident *x,
    struct buf *line, alert_note_fn fn, void *arg)
{
	char kind[64], ip[64], t1[64];
	const char *url;

	clean(kind, sizeof(kind), x->kind);
	if (rank(kind) == 0) {
		/* The list data's delisting page (self-check incidents carry
		 * it as their action), else the built-in table. */
		url = x->action != NULL && strncmp(x->action, "http", 4) == 0 &&
			strchr(x->action, ' ') == NULL
		    ? x->action
		    : find_link(dnsbl_links, x->key);
		name(ip, sizeof(ip), x->listed_ip);
		line->len = 0;
		if (url != NULL)
			buf_printf(line,
			    "%s (look up %s, fix the cause, then "
			    "request removal)",
			    url, ip[0] != '\0' ? ip : "our IP");
		else
			buf_printf(line,
			    "look up %s on the list's web site or "
			    "https://mxtoolbox.com/blacklists.aspx; "
			    "fix the cause, then request removal",
			    ip[0] != '\0' ? ip : "our IP");
		fn(arg, "Delist", line->p != NULL ? line->p : "");
	} else if ((url = find_link(provider_links, x->key)) != NULL)
		fn(arg, "Help", url);
	line->len = 0;
	command(line, p, "incidents");
	fmt_time(t1, sizeof(t1), x->start, off_at(p, x->start), 'T');
	buf_str(line, " --since ");
	shell_word(line, t1);
	fn(arg, "More", line->p != NULL ? line->p : "");
}

int
alert_incident_notes(const struct alert_params *p,
    const struct alert_incident *x, enum alert_notes which, alert_note_fn fn,
    void *arg)
{
	struct buf line = { 0 };
	bool oom;

	if (which == ALERT_NOTES_COUNTS)
		notes_counts(p, x, &line, fn, arg);
	else
		notes_links(p, x, &line, fn, arg);
	oom = line.oom;
	free(line.p);
	return oom ? -1 : 0;
}

/* An alert_note_fn: the note as a field of the text body (arg). */
static void
text_note(void *arg, const char *label, const char *value)
{
	field(arg, label, value);
}

static void
entry(
    struct buf *b, const struct alert_params *p, const struct alert_incident *x)
{
	char t1[64], t2[64], span[32], kind[64], text[ALERT_SAMPLE_MAX + 32];
	struct buf line = { 0 };
	size_t n;

	clean(kind, sizeof(kind), x->kind);
	buf_str(b, x->resolved ? "RESOLVED: " : "OPEN: ");
	title(b, x);
	buf_printf(b, " [%s]\n", kind);

	fmt_time(t1, sizeof(t1), x->start, off_at(p, x->start), ' ');
	if (x->resolved) {
		fmt_later(t2, sizeof(t2), x->last_seen, x->start, p);
		duration_human(span, sizeof(span), x->last_seen - x->start);
		buf_printf(&line, "%s to %s (%s)", t1, t2, span);
		field(b, "From", line.p != NULL ? line.p : "");
	} else {
		fmt_later(t2, sizeof(t2), x->last_seen, x->start, p);
		buf_printf(&line, "%s, last seen %s", t1, t2);
		field(b, "Since", line.p != NULL ? line.p : "");
	}
	line.len = 0;
	magnitude(&line, x, false);
	field(b, "Size", line.p != NULL ? line.p : "");
	line.len = 0;
	buf_printf(
	    &line, "%lld%s", (long long)x->total, x->resolved ? "" : " so far");
	field(b, "Total", line.p);
	if (alert_incident_notes(p, x, ALERT_NOTES_COUNTS, text_note, b) == -1)
		b->oom = true;

	if (x->sample != NULL && x->sample[0] != '\0') {
		n = alert_sanitize(
		    text, ALERT_SAMPLE_MAX + 1, x->sample, strlen(x->sample));
		if (n < strlen(x->sample) && n == ALERT_SAMPLE_MAX)
			snprintf(text + n, sizeof(text) - n, " [...]");
		field(b, "Reply", text);
	}
	clean(text, sizeof(text), x->rule);
	field(b, "Rule", text);
	clean(text, sizeof(text), x->meaning);
	field(b, "Meaning", text);
	clean(text, sizeof(text), x->action);
	field(b, "Action", text);
	if (alert_incident_notes(p, x, ALERT_NOTES_LINKS, text_note, b) == -1)
		b->oom = true;
	if (line.oom)
		b->oom = true;
	free(line.p);
}

/* True when s (n bytes) is printable ASCII only. */
static bool
ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

static void
base64(struct buf *b, const unsigned char *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	char out[4];
	unsigned long v;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned long)s[i] << 16 | (unsigned long)s[i + 1] << 8 |
		    s[i + 2];
		out[0] = tab[v >> 18];
		out[1] = tab[(v >> 12) & 63];
		out[2] = tab[(v >> 6) & 63];
		out[3] = tab[v & 63];
		buf_add(b, out, 4);
	}
	if (i < n) {
		v = (unsigned long)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned long)s[i + 1] << 8;
		out[0] = tab[v >> 18];
		out[1] = tab[(v >> 12) & 63];
		out[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[3] = '=';
		buf_add(b, out, 4);
	}
}

/*
 * An unstructured header (RFC 5322 2.2.1) with a sanitised value: folded
 * at spaces when ASCII, else RFC 2047 B encoded-words of whole UTF-8
 * characters, one per line.
 */
static void
header_text(struct buf *b, const char *name, const char *value)
{
	size_t len = strlen(value), col, wl, i, n;
	const char *w, *end = value + len;

	buf_printf(b, "%s:", name);
	col = strlen(name) + 1;
	if (ascii(value, len)) {
		for (w = value; w < end;) {
			while (w < end && *w == ' ')
				w++;
			if (w == end)
				break;
			wl = strcspn(w, " ");
			if (col > strlen(name) + 1 &&
			    col + 1 + wl > HEADER_WIDTH) {
				buf_str(b, "\n");
				col = 0;
			}
			buf_str(b, " ");
			buf_add(b, w, wl);
			col += 1 + wl;
			w += wl;
		}
		buf_str(b, "\n");
		return;
	}
	for (i = 0; i < len; i += n) {
		/* Whole characters, at most EW_BYTES bytes. */
		for (n = 0; i + n < len;) {
			size_t c = 1;

			while (i + n + c < len &&
			    ((unsigned char)value[i + n + c] & 0xc0) == 0x80)
				c++;
			if (n + c > EW_BYTES)
				break;
			n += c;
		}
		if (n == 0)
			n = 1;
		buf_str(b, i == 0 ? " =?utf-8?B?" : "\n =?utf-8?B?");
		base64(b, (const unsigned char *)value + i, n);
		buf_str(b, "?=");
	}
	buf_str(b, "\n");
}

/*
 * The body in quoted-printable (RFC 2045 6.7): '=', controls and 8-bit
 * bytes as =XX, white space before a line end encoded, soft breaks keep
 * lines within QP_WIDTH; a leading "From " or "." is encoded too, so that
 * no mbox or SMTP layer alters the line.
 */
static void
quoted_printable(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, col = 0, el;
	unsigned char c;
	char enc[3];
	bool lit;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '\n') {
			buf_str(b, "\n");
			col = 0;
			continue;
		}
		lit = (c >= 33 && c <= 126 && c != '=') ||
		    (c == ' ' && i + 1 < len && s[i + 1] != '\n');
		if (col == 0 &&
		    (c == '.' ||
			(c == 'F' && len - i >= 5 &&
			    memcmp(s + i, "From ", 5) == 0)))
			lit = false;
		if (lit) {
			enc[0] = (char)c;
			el = 1;
		} else {
			enc[0] = '=';
			enc[1] = hex[c >> 4];
			enc[2] = hex[c & 15];
			el = 3;
		}
		/* Room for the soft break's '=', unless the line ends here. */
		if (col + el > QP_WIDTH - 1 &&
		    !(col + el <= QP_WIDTH &&
			(i + 1 == len || s[i + 1] == '\n'))) {
			buf_str(b, "=\n");
			col = 0;
		}
		buf_add(b, enc, el);
		col += el;
	}
}

/* Keeps [A-Za-z0-9] and the characters in extra; others become '-'. */
static void
token(char *out, size_t len, const char *s, const char *extra)
{
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0' && i + 1 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		out[i] =
		    (char)(((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			       (c >= '0' && c <= '9') ||
			       (c != '\0' && strchr(extra, c) != NULL))
			    ? c
			    : '-');
	}
	out[i] = '\0';
}

/*
 * Composes the message for the n incidents of inc (see alert.h). Returns
 * a heap string the caller frees, or NULL with errbuf set.
 */
char *
alert_compose(const struct alert_params *p, const struct alert_incident *inc,
    size_t n, size_t *lenp, char *errbuf)
{
	struct buf body = { 0 }, msg = { 0 }, subj = { 0 };
	char host[KEY_MAX], date[64], tok[128], t1[64], t2[64];
	size_t i, nopen = 0, col;
	bool qp = false;
	const char *s;

	if (n == 0 || p->nto == 0 || !alert_address_ok(p->from)) {
		snprintf(errbuf, BS_ERRLEN,
		    n == 0            ? "no incidents to send"
			: p->nto == 0 ? "no recipient"
				      : "bad From address");
		return NULL;
	}
	for (i = 0; i < p->nto; i++) {
		if (!alert_address_ok(p->to[i])) {
			snprintf(errbuf, BS_ERRLEN, "bad To address");
			return NULL;
		}
	}
	for (i = 0; i < n; i++)
		nopen += !inc[i].resolved;
	token(host, sizeof(host), p->hostname, ".-");
	if (host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");

	/* Body. */
	buf_printf(&body, "bouncestat on %s: ", host);
	if (nopen > 0)
		buf_printf(
		    &body, "%zu new incident%s", nopen, nopen == 1 ? "" : "s");
	if (n - nopen > 0)
		buf_printf(
		    &body, "%s%zu resolved", nopen > 0 ? ", " : "", n - nopen);
	buf_str(&body, ".\n\n");
	for (i = 0; i < n; i++) {
		entry(&body, p, &inc[i]);
		buf_str(&body, "\n");
	}
	buf_str(&body, "-- \n");
	buf_printf(&body, "Sent by 'bouncestat alert' on %s.\n", host);
	buf_str(&body,
	    "Each incident is mailed when it opens and when it "
	    "resolves;\n");
	buf_str(&body, "'");
	command(&body, p, "incidents");
	buf_str(&body, " --open' lists the open ones.\n");
	if (body.oom)
		goto oom;
	for (s = body.p, col = 0; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80 || col > QP_WIDTH)
			qp = true;
		col = *s == '\n' ? 0 : col + 1;
	}

	/* Subject: the worst incident first. */
	buf_printf(&subj, "[bouncestat] %s: %s", host,
	    inc[0].resolved ? "resolved: " : "");
	title(&subj, &inc[0]);
	fmt_later(t1, sizeof(t1), inc[0].start, p->now, p);
	if (inc[0].resolved) {
		fmt_later(t2, sizeof(t2), inc[0].last_seen, inc[0].start, p);
		buf_printf(&subj, " %s to %s (", t1, t2);
	} else
		buf_printf(&subj, " since %s (", t1);
	magnitude(&subj, &inc[0], inc[0].resolved);
	buf_str(&subj, ")");
	if (n > 1)
		buf_printf(&subj, " +%zu more", n - 1);
	if (subj.oom)
		goto oom;
	if (subj.len > SUBJECT_MAX) {
		/* Cut on a character boundary. */
		i = SUBJECT_MAX - 3;
		while (i > 0 && ((unsigned char)subj.p[i] & 0xc0) == 0x80)
			i--;
		memcpy(subj.p + i, "...", 4);
		subj.len = i + 3;
	}

	/* Headers. */
	fmt_rfc5322(date, sizeof(date), p->now, off_at(p, p->now));
	buf_printf(&msg, "Date: %s\n", date);
	buf_printf(&msg, "From: %s\n", p->from);
	buf_str(&msg, "To:");
	col = 3;
	for (i = 0; i < p->nto; i++) {
		if (i > 0 && col + strlen(p->to[i]) + 2 > HEADER_WIDTH) {
			buf_str(&msg, ",\n");
			col = 0;
		} else if (i > 0) {
			buf_str(&msg, ",");
			col++;
		}
		buf_printf(&msg, " %s", p->to[i]);
		col += 1 + strlen(p->to[i]);
	}
	buf_str(&msg, "\n");
	header_text(&msg, "Subject", subj.p);
	token(tok, sizeof(tok), p->msgid_token, ".-_+");
	buf_printf(&msg, "Message-ID: <%s@%s>\n",
	    tok[0] != '\0' ? tok : "bouncestat", host);
	buf_str(&msg,
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n");
	buf_printf(&msg, "Content-Transfer-Encoding: %s\n",
	    qp ? "quoted-printable" : "7bit");
	/* RFC 3834: no vacation replies to a machine's message. */
	buf_str(&msg, "Auto-Submitted: auto-generated\n");
	buf_printf(&msg, "X-Mailer: bouncestat %s\n\n", bs_version);
	if (qp)
		quoted_printable(&msg, body.p, body.len);
	else
		buf_add(&msg, body.p, body.len);
	if (msg.oom)
		goto oom;
	free(body.p);
	free(subj.p);
	*lenp = msg.len;
	return msg.p;
oom:
	snprintf(errbuf, BS_ERRLEN, "out of memory composing the message");
	free(body.p);
	free(subj.p);
	free(msg.p);
	return NULL;
}

/* Writes all of msg to fd; returns 0 or -1 with errno (EPIPE included). */
static int
write_all(int fd, const char *msg, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, msg, len);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		msg += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * Runs `path -t -oi` and feeds it msg (see alert.h). SIGPIPE is blocked
 * around the write (a mailer that exits early gives EPIPE, not death) and
 * a SIGPIPE that this raised is consumed before the mask is restored.
 */
int
alert_sendmail(const char *path, const char *msg, size_t len, char *errbuf)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	struct sigpipe_hold sp;
	char *argv[4];
	int fds[2], rc, status, werr = 0;
	pid_t pid;

	if (pipe(fds) == -1) {
		snprintf(errbuf, BS_ERRLEN, "pipe: %s", strerror(errno));
		return -1;
	}
	argv[0] = (char *)path;
	argv[1] = (char *)"-t";
	argv[2] = (char *)"-oi";
	argv[3] = NULL;
	sigpipe_block(&sp);

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0], STDIN_FILENO);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	sigpipe_spawnattr(&sp, &attr, 0);
	rc = posix_spawn(&pid, path, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(fds[0]);
	if (rc != 0) {
		close(fds[1]);
		sigpipe_release(&sp, false);
		snprintf(errbuf, BS_ERRLEN, "%s: %s", path, strerror(rc));
		return -1;
	}
	if (write_all(fds[1], msg, len) == -1)
		werr = errno;
	close(fds[1]);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			snprintf(
			    errbuf, BS_ERRLEN, "waitpid: %s", strerror(errno));
			status = -1;
			break;
		}
	}
	sigpipe_release(&sp, werr == EPIPE);
	if (status == -1)
		return -1;
	if (WIFSIGNALED(status)) {
		snprintf(errbuf, BS_ERRLEN, "%s: killed by signal %d", path,
		    WTERMSIG(status));
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(errbuf, BS_ERRLEN, "%s: exit status %d", path,
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	if (werr != 0) {
		snprintf(errbuf, BS_ERRLEN,
		    "%s: exited 0 but did not read the whole message: %s", path,
		    strerror(werr));
		return -1;
	}
	return 0;
}
