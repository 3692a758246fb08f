/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * OpenSMTPD delivery results, after the log_info() formats of its mta.c
 * (mta_log) and mda.c (mda_log), OpenSMTPD 6.4 and later:
 *
 *   SESSION mta delivery evpid=EVPID from=<S> to=<R> rcpt=<O|-> source="IP"
 *       relay="IP (NAME)" delay=D result="RESULT" stat="TEXT"
 *   SESSION mda delivery evpid=EVPID from=<S> to=<R> rcpt=<O|-> user=U
 *       delay=D result="RESULT" stat="TEXT"
 *   SESSION mta error reason=TEXT
 *
 * RESULT "Ok" is BS_STATUS_SENT, "TempFail" BS_STATUS_DEFERRED,
 * "PermFail" BS_STATUS_BOUNCED (a loop is "PermFail" with stat "Loop
 * detected"); anything else is PARSE_BAD. TEXT, the last field, runs to
 * the last '"' of the line (it is the receiver's reply, quotes and all)
 * and is the reply. The queue ID is the message ID, the first 8 hex
 * digits of EVPID, as OpenSMTPD's own "smtp message msgid=" shows it.
 * The recipient is R (the address delivered to). The relay is "IP (NAME)";
 * when OpenSMTPD gave up on a domain before any session (no MX answered,
 * DNS failure) it logs source="-" and the domain as relay: no IP, and the
 * event gets BS_EVENT_CONNECT, as do replies without an SMTP code that
 * start with "IO Error", "Connection" or "Network error". mda deliveries
 * (local mailboxes) have no relay.
 *
 * The queue process logs an envelope that ran out of queue lifetime
 * (smtpd.conf "queue ttl", default 4 days; queue.c, queue_log()), without
 * a session ID:
 *
 *   relay: Expire for EVPID: from=<S>, to=<R>, rcpt=<O|->, delay=D,
 *       stat=Envelope expired
 *
 * ("delivery: Expire for" for a local mailbox). It is BS_STATUS_EXPIRED
 * with the recipient R and the queue ID of EVPID; the reply is the stat
 * text, OpenSMTPD's own "Envelope expired" (the queue-expired rule files
 * it as expired; no receiver said it). "Remove for" (smtpctl remove) is an
 * administrator's removal, not a delivery result: PARSE_SKIP.
 *
 * "mta error reason=TEXT" is logged when a session to one MX fails
 * before or between messages (connection refused, timeout, TLS): a
 * per-MX attempt (BS_STATUS_ATTEMPT, BS_EVENT_CONNECT) without recipient
 * or relay, which that line does not name.
 *
 * Everything else (smtp sessions of incoming mail, mta connecting,
 * connected, tls, the "smtp-in:"/"smtp-out:" lines of old versions) is
 * PARSE_SKIP.
 *
 * Pure: reads only the message span, writes only *ev (spans into line).
 */
#include <string.h>

#include "opensmtpd.h"
#include "scan.h"

static bool
is_hex(int c)
{
	return scan_isdigit(c) || (c >= 'a' && c <= 'f');
}

/* relay="IP (NAME)", "IP" or "DOMAIN" (the value between the quotes). */
static void
relay(struct bs_span v, struct bs_event *ev)
{
	const char *p = v.ptr, *end = v.ptr + v.len, *o, *c;
	bool v4 = p < end, v6 = p < end, colon = false;

	/* An IPv4 address is digits and dots; an IPv6 one has a ':'. */
	for (o = p; o < end && *o != ' '; o++) {
		if (!scan_isdigit((unsigned char)*o) && *o != '.')
			v4 = false;
		if (*o == ':')
			colon = true;
		else if (!is_hex(scan_lower((unsigned char)*o)) && *o != '.')
			v6 = false;
	}
	if (!v4 && !(v6 && colon)) {
		ev->relay_host = v;
		return;
	}
	ev->relay_ip = bs_span_make(p, (size_t)(o - p));
	ev->relay_host = ev->relay_ip;
	if (end - o > 2 && o[1] == '(' && end[-1] == ')') {
		c = end - 1;
		ev->relay_host = bs_span_make(o + 2, (size_t)(c - o - 2));
	}
}

/* The value of one field at p (after '='); returns its end. */
static const char *
field_value(const char *p, const char *end, bool last, struct bs_span *v)
{
	const char *q;

	if (p < end && *p == '<') {
		if ((q = memchr(p, '>', (size_t)(end - p))) == NULL)
			return NULL;
		*v = bs_span_make(p + 1, (size_t)(q - p - 1));
		return q + 1;
	}
	if (p < end && *p == '"') {
		if (last) {
			q = end;
			if (q > p + 1 && q[-1] == '"')
				q--;
			*v = bs_span_make(p + 1, (size_t)(q - p - 1));
			return end;
		}
		if ((q = memchr(p + 1, '"', (size_t)(end - p - 1))) == NULL)
			return NULL;
		*v = bs_span_make(p + 1, (size_t)(q - p - 1));
		return q + 1;
	}
	for (q = p; q < end && *q != ' '; q++)
		;
	*v = bs_span_make(p, (size_t)(q - p));
	return q;
}

/* A reply without an SMTP code that says the connection failed. */
static bool
is_connect_text(struct bs_span t)
{
	const char *p = t.ptr, *end = t.ptr + t.len;

	return scan_prefix(p, end, SCAN_LIT("IO Error")) ||
	    scan_prefix(p, end, SCAN_LIT("Connection")) ||
	    scan_prefix(p, end, SCAN_LIT("Network error"));
}

/* "mta delivery ..." / "mda delivery ...": p after "delivery ". */
static int
parse_delivery(const char *p, const char *end, struct bs_event *ev)
{
	struct bs_span key, v, result = { NULL, 0 }, source = { NULL, 0 };
	const char *eq;
	bool have_result = false, have_stat = false, last;

	while (p < end) {
		for (eq = p; eq < end && *eq >= 'a' && *eq <= 'z'; eq++)
			;
		if (eq >= end || *eq != '=' || eq == p)
			return PARSE_BAD;
		key = bs_span_make(p, (size_t)(eq - p));
		last = scan_span_is(key, SCAN_LIT("stat"));
		if ((p = field_value(eq + 1, end, last, &v)) == NULL)
			return PARSE_BAD;
		if (scan_span_is(key, SCAN_LIT("evpid"))) {
			if (v.len >= 8)
				ev->queue_id = bs_span_make(v.ptr, 8);
		} else if (scan_span_is(key, SCAN_LIT("to")))
			bs_event_set_rcpt(ev, v);
		else if (scan_span_is(key, SCAN_LIT("relay")))
			relay(v, ev);
		else if (scan_span_is(key, SCAN_LIT("source")))
			source = v;
		else if (scan_span_is(key, SCAN_LIT("result"))) {
			result = v;
			have_result = true;
		} else if (last) {
			ev->reply = scan_trim(v.ptr, v.ptr + v.len);
			have_stat = true;
		}
		if (p < end && *p != ' ')
			return PARSE_BAD;
		while (p < end && *p == ' ')
			p++;
	}
	if (!have_result || !have_stat)
		return PARSE_BAD;
	if (scan_span_is(result, SCAN_LIT("Ok")))
		ev->status = BS_STATUS_SENT;
	else if (scan_span_is(result, SCAN_LIT("TempFail")))
		ev->status = BS_STATUS_DEFERRED;
	else if (scan_span_is(result, SCAN_LIT("PermFail")))
		ev->status = BS_STATUS_BOUNCED;
	else
		return PARSE_BAD;
	if (ev->status != BS_STATUS_SENT &&
	    ((scan_span_is(source, SCAN_LIT("-")) && ev->relay_ip.len == 0 &&
		 ev->relay_host.len > 0) ||
		is_connect_text(ev->reply)))
		ev->flags |= BS_EVENT_CONNECT;
	return PARSE_OK;
}

/*
 * "relay: Expire for EVPID: from=<S>, to=<R>, ..." at p, after "Expire
 * for ". S is remote input: R is the address after the first ">, to=<".
 */
static int
parse_expire(const char *p, const char *end, struct bs_event *ev)
{
	const char *q, *r;
	size_t n;

	for (q = p; q < end && is_hex((unsigned char)*q); q++)
		;
	n = (size_t)(q - p);
	if (n != 16 || !scan_prefix(q, end, SCAN_LIT(": from=<")))
		return PARSE_BAD;
	if ((q = scan_find(q, end, SCAN_LIT(">, to=<"))) == NULL)
		return PARSE_BAD;
	q += sizeof(">, to=<") - 1;
	if ((r = memchr(q, '>', (size_t)(end - q))) == NULL || r == q)
		return PARSE_BAD;
	memset(ev, 0, sizeof(*ev));
	ev->mta = BS_MTA_OPENSMTPD;
	ev->status = BS_STATUS_EXPIRED;
	ev->queue_id = bs_span_make(p, 8);
	bs_event_set_rcpt(ev, bs_span_make(q, (size_t)(r - q)));
	if ((q = scan_find(r, end, SCAN_LIT(", stat="))) != NULL)
		ev->reply = scan_trim(q + sizeof(", stat=") - 1, end);
	else
		ev->reply = bs_span_make(end, 0); /* empty, in the line */
	return PARSE_OK;
}

/* "relay: " or "delivery: " then "Expire for ": its length, else 0. */
static size_t
expire_prefix(const char *p, const char *end)
{
	if (scan_prefix(p, end, SCAN_LIT("relay: Expire for ")))
		return sizeof("relay: Expire for ") - 1;
	if (scan_prefix(p, end, SCAN_LIT("delivery: Expire for ")))
		return sizeof("delivery: Expire for ") - 1;
	return 0;
}

/*
 * Parses the message of an OpenSMTPD line (see the file comment for the
 * forms). Returns PARSE_OK with *ev filled (all other fields zero),
 * PARSE_SKIP or PARSE_BAD.
 */
int
opensmtpd_parse(const struct syslog_prefix *pfx, struct bs_event *ev)
{
	const char *p = pfx->msg.ptr, *end = pfx->msg.ptr + pfx->msg.len;
	const char *q;
	size_t n;

	if (p == NULL)
		return PARSE_SKIP;
	if ((n = expire_prefix(p, end)) > 0)
		return parse_expire(p + n, end, ev);
	/* The session ID: 16 lower-case hex digits. */
	for (q = p; q < end && is_hex((unsigned char)*q); q++)
		;
	if (q - p != 16 || q >= end || *q != ' ')
		return PARSE_SKIP;
	p = q + 1;
	if (scan_prefix(p, end, SCAN_LIT("mta delivery ")) ||
	    scan_prefix(p, end, SCAN_LIT("mda delivery "))) {
		memset(ev, 0, sizeof(*ev));
		ev->mta = BS_MTA_OPENSMTPD;
		ev->reply = bs_span_make(end, 0); /* empty, in the line */
		return parse_delivery(p + 13, end, ev);
	}
	if (scan_prefix(p, end, SCAN_LIT("mta error reason="))) {
		memset(ev, 0, sizeof(*ev));
		ev->mta = BS_MTA_OPENSMTPD;
		ev->status = BS_STATUS_ATTEMPT;
		ev->flags = BS_EVENT_CONNECT;
		ev->reply = scan_trim(p + 17, end);
		return PARSE_OK;
	}
	return PARSE_SKIP;
}
