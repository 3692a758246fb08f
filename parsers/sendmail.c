/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Sendmail 8 delivery results, after the fields that sendmail's
 * logdelivery() (deliver.c) writes, in this order, each after ", ":
 *
 *   QID: to=RCPTS[, ctladdr=A (uid/gid)], delay=D[, xdelay=D][, mailer=M]
 *       , pri=N[, relay=HOST. [IP]][, dsn=X.Y.Z][, ntries=N]
 *       [, reply=CODE X.Y.Z TEXT], stat=STATUS
 *
 * RCPTS is one address or several joined by ',' ("<a@x>,<b@y>" or
 * "a@x,b@y": the same result for all of them); the event takes the first
 * and leaves the others in rcpt_more, and the caller makes one result of
 * each with bs_event_next_rcpt() (see the README on counting). STATUS is the
 * rest of the line: "Sent (TEXT)"                -> BS_STATUS_SENT, reply TEXT
 *   "Deferred" | "Deferred: TEXT" -> BS_STATUS_DEFERRED, reply TEXT, e.g.
 *       "451 4.3.5 Server configuration problem", "Connection refused by
 *       mx.example.com.", "Connection timed out with mx.example.com.",
 *       "Name server: example.com.: host name lookup failure"
 *   "queued", "quarantined"      -> PARSE_SKIP (no delivery was tried)
 *   anything else ("User unknown", "Service unavailable", "Host unknown
 *       (...)", ...) -> a failure: BS_STATUS_DEFERRED when dsn= is 4.x.x,
 *       else BS_STATUS_BOUNCED; the reply is the STATUS text.
 * The reply= field (sendmail built with _FFR_LOGREPLY) holds the
 * receiver's own reply with its code and wins over the STATUS text. It
 * runs to the first ", stat=" after it (a reply that itself contains
 * ", stat=" is cut there). Connection and name-service failures ("Connection
 * refused/timed out/reset", "No route to host", "Network is unreachable",
 * "Name server:", "Host unknown", "host map: lookup") set
 * BS_EVENT_CONNECT. The relay is "host. [ip]" (trailing dot dropped),
 * "[ip] [ip]" (no name: the address is both) or a bare name.
 *
 * DSN notices: "QID: NEWQID: DSN: TEXT" (also "return to sender:",
 * "sender notify:" of older versions, and "postmaster notify:", the one
 * notice of a message whose sender cannot be told, such as a bounce with
 * the null sender: savemail.c's ESM_POSTMASTER) is BS_STATUS_EXPIRED,
 * without a recipient, when TEXT is "Cannot send message for|within ..."
 * (the queue lifetime ran out); the recipient results were logged by
 * their own "to=" lines, so any other notice (a bounce report, "Warning:
 * could not send message for past 4 hours", "Return receipt") is
 * PARSE_SKIP.
 *
 * Everything else (from= lines, rulesets and rejections of incoming mail,
 * milter, STARTTLS, AUTH, SYSERR) is PARSE_SKIP.
 *
 * Pure: reads only the message span, writes only *ev (spans into line).
 */
#include <string.h>

#include "scan.h"
#include "sendmail.h"

static bool
is_alnum(int c)
{
	return scan_isdigit(c) || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

/* Length of a queue ID ("s1P819mk027713") followed by ": ", or 0. */
static size_t
qid_len(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && is_alnum((unsigned char)*q))
		q++;
	if (q - p < 6 || q - p > 20 || end - q < 2 || q[0] != ':' ||
	    q[1] != ' ')
		return 0;
	return (size_t)(q - p);
}

/*
 * The recipient list after "to=" at p: it runs to the first ", " outside
 * '<>' and '"'. Sets the first recipient, the rest of the list in
 * ev->rcpt_more (for bs_event_next_rcpt(), which splits both), and
 * returns the position of the ", " that ends the list, or NULL.
 */
static const char *
recipients(const char *p, const char *end, struct bs_event *ev)
{
	const char *q = scan_list_comma(p, end, true);

	if (q >= end)
		return NULL;
	ev->rcpt_more = bs_span_make(p, (size_t)(q - p));
	if (!bs_event_next_rcpt(ev))
		bs_event_set_rcpt(ev, bs_span_make(p, 0));
	return q;
}

/* An address literal's "IPv6:" tag (RFC 5321 4.1.3) is not part of it. */
static struct bs_span
strip_ipv6_tag(struct bs_span sp)
{
	if (sp.len > 5 && memcmp(sp.ptr, "IPv6:", 5) == 0)
		return bs_span_make(sp.ptr + 5, sp.len - 5);
	return sp;
}

/* The relay value "host. [ip] (may be forged)", "[ip] [ip]" or "host". */
static void
relay(struct bs_span v, struct bs_event *ev)
{
	const char *p = v.ptr, *end = v.ptr + v.len, *e;
	struct bs_span h;

	while (p < end && *p != ' ')
		p++;
	h = bs_span_make(v.ptr, (size_t)(p - v.ptr));
	if (h.len > 1 && h.ptr[h.len - 1] == '.')
		h.len--;
	if (h.len > 2 && h.ptr[0] == '[' && h.ptr[h.len - 1] == ']') {
		h = strip_ipv6_tag(bs_span_make(h.ptr + 1, h.len - 2));
		ev->relay_ip = h;
	}
	ev->relay_host = h;
	if (end - p > 2 && p[1] == '[' &&
	    (e = memchr(p + 2, ']', (size_t)(end - p - 2))) != NULL)
		ev->relay_ip =
		    strip_ipv6_tag(bs_span_make(p + 2, (size_t)(e - p - 2)));
}

static const struct {
	const char *s;
	size_t len;
} connect_texts[] = {
	{ SCAN_LIT("Connection refused") },
	{ SCAN_LIT("Connection timed out") },
	{ SCAN_LIT("Connection reset") },
	{ SCAN_LIT("No route to host") },
	{ SCAN_LIT("Network is unreachable") },
	{ SCAN_LIT("Name server:") },
	{ SCAN_LIT("Host unknown") },
	{ SCAN_LIT("host map: lookup") },
};

static bool
is_connect(struct bs_span t)
{
	size_t i;

	for (i = 0; i < sizeof(connect_texts) / sizeof(connect_texts[0]); i++)
		if (scan_prefix(t.ptr, t.ptr + t.len, connect_texts[i].s,
			connect_texts[i].len))
			return true;
	return false;
}

/* The "to=" line, p just after "to=". */
static int
parse_to(const char *p, const char *end, struct bs_event *ev)
{
	struct bs_span key, val, stat = { NULL, 0 }, reply = { NULL, 0 };
	const char *q, *eq, *v;
	bool have_stat = false;

	if ((p = recipients(p, end, ev)) == NULL)
		return PARSE_BAD;
	/* p is at ", " before the first field. */
	while (p < end && scan_prefix(p, end, SCAN_LIT(", "))) {
		p += 2;
		for (eq = p; eq < end && *eq >= 'a' && *eq <= 'z'; eq++)
			;
		if (eq >= end || *eq != '=' || eq == p)
			return PARSE_BAD;
		key = bs_span_make(p, (size_t)(eq - p));
		v = eq + 1;
		if (scan_span_is(key, SCAN_LIT("stat"))) {
			stat = bs_span_make(v, (size_t)(end - v));
			have_stat = true;
			break;
		}
		if (scan_span_is(key, SCAN_LIT("reply")))
			q = scan_find(v, end, SCAN_LIT(", stat="));
		else
			q = scan_find(v, end, SCAN_LIT(", "));
		if (q == NULL)
			q = end;
		val = bs_span_make(v, (size_t)(q - v));
		if (scan_span_is(key, SCAN_LIT("relay")))
			relay(val, ev);
		else if (scan_span_is(key, SCAN_LIT("dsn")))
			ev->dsn = val;
		else if (scan_span_is(key, SCAN_LIT("reply")))
			reply = val;
		p = q;
	}
	if (!have_stat)
		return PARSE_BAD;
	stat = scan_trim(stat.ptr, stat.ptr + stat.len);
	q = stat.ptr;
	end = stat.ptr + stat.len;
	if (scan_prefix(q, end, SCAN_LIT("Sent"))) {
		ev->status = BS_STATUS_SENT;
		if ((q = memchr(q, '(', (size_t)(end - q))) != NULL) {
			v = end;
			if (v > q + 1 && v[-1] == ')')
				v--;
			ev->reply = bs_span_make(q + 1, (size_t)(v - q - 1));
		}
		return PARSE_OK;
	}
	if (scan_span_is(stat, SCAN_LIT("queued")) ||
	    scan_span_is(stat, SCAN_LIT("quarantined")))
		return PARSE_SKIP;
	if (scan_prefix(q, end, SCAN_LIT("Deferred"))) {
		ev->status = BS_STATUS_DEFERRED;
		q += 8;
		if (q < end && *q == ':')
			q++;
		stat = scan_trim(q, end);
	} else
		ev->status = ev->dsn.len > 0 && ev->dsn.ptr[0] == '4'
		    ? BS_STATUS_DEFERRED
		    : BS_STATUS_BOUNCED;
	if (is_connect(stat))
		ev->flags |= BS_EVENT_CONNECT;
	ev->reply =
	    reply.len > 0 ? scan_trim(reply.ptr, reply.ptr + reply.len) : stat;
	return PARSE_OK;
}

/* "NEWQID: DSN: TEXT" after "QID: ", p at NEWQID. */
static int
parse_dsn(
    const char *p, const char *end, struct bs_event *ev, struct bs_span qid)
{
	const char *t;
	size_t n;

	if ((n = qid_len(p, end)) == 0)
		return PARSE_SKIP;
	p += n + 2;
	if (scan_prefix(p, end, SCAN_LIT("DSN: ")))
		t = p + 5;
	else if (scan_prefix(p, end, SCAN_LIT("return to sender: ")))
		t = p + 18;
	else if (scan_prefix(p, end, SCAN_LIT("sender notify: ")))
		t = p + 15;
	else if (scan_prefix(p, end, SCAN_LIT("postmaster notify: ")))
		t = p + 19;
	else
		return PARSE_SKIP;
	if (!scan_prefix(t, end, SCAN_LIT("Cannot send message for ")) &&
	    !scan_prefix(t, end, SCAN_LIT("Cannot send message within ")))
		return PARSE_SKIP;
	memset(ev, 0, sizeof(*ev));
	ev->mta = BS_MTA_SENDMAIL;
	ev->queue_id = qid;
	ev->status = BS_STATUS_EXPIRED;
	ev->reply = scan_trim(t, end);
	return PARSE_OK;
}

/*
 * Parses the message of a sendmail line (see the file comment for the
 * forms). Returns PARSE_OK with *ev filled (all other fields zero),
 * PARSE_SKIP or PARSE_BAD.
 */
int
sendmail_parse(const struct syslog_prefix *pfx, struct bs_event *ev)
{
	const char *p = pfx->msg.ptr, *end = pfx->msg.ptr + pfx->msg.len;
	struct bs_span qid;
	size_t n;

	if (p == NULL || (n = qid_len(p, end)) == 0)
		return PARSE_SKIP;
	qid = bs_span_make(p, n);
	p += n + 2;
	if (scan_prefix(p, end, SCAN_LIT("to="))) {
		memset(ev, 0, sizeof(*ev));
		ev->mta = BS_MTA_SENDMAIL;
		ev->queue_id = qid;
		ev->reply = bs_span_make(end, 0); /* empty, in the line */
		return parse_to(p + 3, end, ev);
	}
	if (p < end && is_alnum((unsigned char)*p))
		return parse_dsn(p, end, ev, qid);
	return PARSE_SKIP;
}
