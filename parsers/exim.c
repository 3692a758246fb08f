/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Exim 4 delivery results (Exim's deliver.c and retry.c log formats).
 * After the optional Exim stamp, a line is "MSGID FLAG ADDRESS FIELDS..."
 * where MSGID is "1abCDe-0001Xy-2Z" (before 4.97) or
 * "1abCDe-000000005vi-0000" (4.97 and later). The forms taken:
 *
 *   Deferral, final for that delivery attempt (BS_STATUS_DEFERRED):
 *     MSGID == ADDR [<parent>] [F=<s>] [R=r] [T=t] defer (ERRNO)[: STRERROR]
 *         [ H=name [ip][:port]][: MESSAGE]
 *     MSGID == ADDR routing defer (ERRNO): MESSAGE
 *   Failure (BS_STATUS_BOUNCED), or expiry (BS_STATUS_EXPIRED) when the
 *   message says "retry timeout exceeded" or that all hosts "have been
 *   failing for a long time":
 *     MSGID ** ADDR [<parent>] [F=<s>] [R=r] [T=t] [H=name [ip]] [X=..]
 *         [CV=..] : MESSAGE
 *     MSGID ** ADDR: retry timeout exceeded
 *   (Exim logs the last "==" of an address, then its expiry on a line of
 *   its own: both are events, as Postfix's last deferral and its qmgr
 *   "status=expired" are. The expiry's reply is "retry timeout
 *   exceeded" alone: the error before it was counted with that "==".)
 *   Delivery (BS_STATUS_SENT): "=>" (first address of a delivery) and
 *   "->" (further addresses delivered in the same transaction), with the
 *   receiver's confirmation C="..." (log_selector +smtp_confirmation,
 *   on by default) as the reply. "*>" (delivery suppressed by -N: nothing
 *   left the host) is skipped, not counted as sent.
 *   Per-host attempt (BS_STATUS_ATTEMPT), logged before the next host of
 *   the same address is tried; only these known messages are taken:
 *     MSGID H=name [ip] Connection refused
 *     MSGID H=name [ip]: SMTP error from remote mail server after STAGE:
 *         REPLY
 *     MSGID name [ip] Connection timed out          (Exim before 4.8x)
 *
 * MESSAGE is taken apart as follows: "SMTP error from remote mail server
 * after STAGE: [host NAME [IP]: ]REPLY" (the bracketed host is the form of
 * Exim before 4.8x), and the LMTP and PRDR variants, give the reply and the
 * stage (the command as Exim names it: "RCPT TO", "MAIL FROM", "DATA",
 * "end of data", "initial connection", ...).
 * "SMTP/LMTP timeout after STAGE", "Remote host closed connection in response
 * to STAGE", "Connection refused/timed out/reset", "Network Error",
 * "No route to host" set BS_EVENT_CONNECT. With a system errno
 * ("defer (110): Connection timed out H=x [ip]: SMTP timeout after RCPT
 * TO:<a>") the strerror() text is the reply and the message gives the
 * host and the stage. Local decisions of Exim that
 * contacted nobody set BS_EVENT_LOCAL: "retry time not (yet) reached",
 * the queue-only deferrals (-odqs, queue_smtp_domains, queue_domains,
 * control=queue, "SMTP delivery explicitly queued"), held domains, and
 * connection or concurrency limits. Everything else is the reply as it
 * stands (e.g. "Unrouteable address", "mailbox is full ...").
 *
 * Everything else (arrivals "<=", "Completed", queue runs, rejections of
 * incoming mail, frozen messages, TLS chatter) is PARSE_SKIP. A "==" line
 * without " defer (" or a "**" line without a message is PARSE_BAD.
 *
 * Pure: reads only the message span, writes only *ev (spans into the
 * line).
 */
#include <string.h>

#include "exim.h"
#include "scan.h"

/*
 * "YYYY-MM-DD HH:MM:SS[.fff][ [+-]HHMM]" at p: sets *time (UTC; zone-less
 * stamps at ctx->tz_offset, or UTC when ctx is NULL), *usec and
 * *have_zone; returns the position after it, or NULL.
 */
static const char *
parse_stamp(const char *p, const char *end, int64_t *time, int32_t *usec,
    bool *have_zone, const struct syslog_ctx *ctx)
{
	int y, mo, d, h, mi, s, oh, om, off, n;
	int32_t frac = 0;
	bool neg;

	if (end - p < 19 || p[4] != '-' || p[7] != '-' || p[10] != ' ' ||
	    p[13] != ':' || p[16] != ':')
		return NULL;
	y = scan_fixed(p, end, 4);
	mo = scan_fixed(p + 5, end, 2);
	d = scan_fixed(p + 8, end, 2);
	h = scan_fixed(p + 11, end, 2);
	mi = scan_fixed(p + 14, end, 2);
	s = scan_fixed(p + 17, end, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 ||
	    h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
		return NULL;
	p += 19;
	if (p < end && *p == '.') {
		/* log_selector +millisec: three digits; accept up to six. */
		for (n = 0, p++; p < end && scan_isdigit((unsigned char)*p);
		     p++, n++)
			if (n < 6)
				frac = frac * 10 + (*p - '0');
		if (n == 0)
			return NULL;
		for (; n < 6; n++)
			frac *= 10;
	}
	*usec = frac;
	*have_zone = false;
	off = ctx != NULL ? ctx->tz_offset : 0;
	/* " +0100" or " [+0100]" (log_timezone). */
	if (end - p >= 6 && p[0] == ' ') {
		const char *z = p + 1;
		bool br = false;

		if (*z == '[') {
			br = true;
			z++;
		}
		if (end - z >= 5 && (*z == '+' || *z == '-') &&
		    (oh = scan_fixed(z + 1, end, 2)) >= 0 &&
		    (om = scan_fixed(z + 3, end, 2)) >= 0 && oh <= 23 &&
		    om <= 59 && (!br || (end - z >= 6 && z[5] == ']'))) {
			neg = *z == '-';
			off = oh * 3600 + om * 60;
			if (neg)
				off = -off;
			*have_zone = true;
			p = z + 5 + (br ? 1 : 0);
		}
	}
	*time = syslog_epoch(y, mo, d, h, mi, s) - off;
	if (!*have_zone && ctx != NULL)
		*time = syslog_local_to_utc(ctx, *time + off);
	return p;
}

/* Optional " [pid]" at p: returns the position after it, sets *pid. */
static const char *
parse_pid(const char *p, const char *end, struct bs_span *pid)
{
	const char *q;

	*pid = bs_span_make(p, 0);
	if (end - p < 4 || p[0] != ' ' || p[1] != '[' ||
	    !scan_isdigit((unsigned char)p[2]))
		return p;
	for (q = p + 2; q < end && scan_isdigit((unsigned char)*q); q++)
		;
	if (q >= end || *q != ']')
		return p;
	*pid = bs_span_make(p + 2, (size_t)(q - p - 2));
	return q + 1;
}

/*
 * Parses the prefix of a line of Exim's main log (see exim.h). Returns
 * PARSE_OK and fills *out, or PARSE_SKIP.
 */
int
exim_prefix(const char *line, size_t len, const struct syslog_ctx *ctx,
    struct syslog_prefix *out)
{
	const char *p, *end = line + len;
	struct syslog_prefix pfx;
	bool zone;

	memset(&pfx, 0, sizeof(pfx));
	if ((p = parse_stamp(line, end, &pfx.time, &pfx.usec, &zone, ctx)) ==
	    NULL)
		return PARSE_SKIP;
	p = parse_pid(p, end, &pfx.pid);
	if (p >= end || *p != ' ')
		return PARSE_SKIP;
	p++;
	pfx.host = bs_span_make(line, 0);
	pfx.program = bs_span_make(line, 0);
	pfx.msg = bs_span_make(p, (size_t)(end - p));
	*out = pfx;
	return PARSE_OK;
}

static bool
is_alnum(int c)
{
	return scan_isdigit(c) || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

static size_t
alnum_run(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && is_alnum((unsigned char)*q))
		q++;
	return (size_t)(q - p);
}

/*
 * Length of an Exim message ID at p followed by a space, or 0: base-62
 * "XXXXXX-YYYYYY-ZZ" (6-6-2) or, since Exim 4.97, "XXXXXX-YYYYYYYYYYY-ZZZZ"
 * (6-11-4).
 */
static size_t
msgid_len(const char *p, const char *end)
{
	const char *q = p;
	size_t a, b, c;

	if ((a = alnum_run(q, end)) != 6 || q + a >= end || q[a] != '-')
		return 0;
	q += a + 1;
	b = alnum_run(q, end);
	if ((b != 6 && b != 11) || q + b >= end || q[b] != '-')
		return 0;
	q += b + 1;
	c = alnum_run(q, end);
	if ((b == 6 && c != 2) || (b == 11 && c != 4) || q + c >= end ||
	    q[c] != ' ')
		return 0;
	return (size_t)(q + c - p);
}

/*
 * The address after the flag at p: the first token, or, when it has no
 * '@' (a local part, a file or a pipe) and "<parent>" follows, the
 * parent's address. A trailing ':' (the "ADDR: retry timeout exceeded"
 * form) is not part of it; *colon tells whether there was one. Returns
 * the position after the address (and the parent, if taken).
 */
static const char *
address(const char *p, const char *end, struct bs_event *ev, bool *colon)
{
	const char *t = p, *g;
	struct bs_span a;

	while (t < end && *t != ' ')
		t++;
	a = bs_span_make(p, (size_t)(t - p));
	*colon = false;
	if (a.len > 0 && a.ptr[a.len - 1] == ':') {
		a.len--;
		*colon = true;
	}
	if (memchr(a.ptr, '@', a.len) == NULL && !*colon && end - t > 2 &&
	    t[1] == '<' &&
	    (g = memchr(t + 2, '>', (size_t)(end - t - 2))) != NULL &&
	    memchr(t + 2, ' ', (size_t)(g - t - 2)) == NULL) {
		bs_event_set_rcpt(ev, bs_span_make(t + 2, (size_t)(g - t - 2)));
		return g + 1;
	}
	bs_event_set_rcpt(ev, a);
	return t;
}

static bool
is_ip_char(int c)
{
	return scan_isdigit(c) || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

/*
 * "name [ip]", "[ip]" or "name" at p (just after "H=" or "host "),
 * optionally followed by ":port" and by '*' (DNSSEC), as Exim's
 * d_hostlog() writes them. Sets relay_host and relay_ip (an address
 * without a name gives the address as both). Returns the position after
 * all of it.
 */
static const char *
host_field(const char *p, const char *end, struct bs_event *ev)
{
	const char *n = p, *b, *e, *q;

	while (p < end && *p != ' ' && *p != '[')
		p++;
	ev->relay_host = bs_span_make(n, (size_t)(p - n));
	if (p < end && *p == ' ' && end - p > 1 && p[1] == '[')
		p++;
	if (p >= end || *p != '[')
		return p;
	b = p + 1;
	if ((e = memchr(b, ']', (size_t)(end - b))) == NULL)
		return p;
	for (q = b; q < e && is_ip_char((unsigned char)*q); q++)
		;
	if (q != e || e == b)
		return p;
	ev->relay_ip = bs_span_make(b, (size_t)(e - b));
	if (ev->relay_host.len == 0)
		ev->relay_host = ev->relay_ip;
	p = e + 1;
	if (p < end && *p == ':' && end - p > 1 &&
	    scan_isdigit((unsigned char)p[1]))
		for (p++; p < end && scan_isdigit((unsigned char)*p); p++)
			;
	if (p < end && *p == '*')
		p++;
	return p;
}

/* Command names Exim writes after "after " and "in response to ". */
static const struct {
	const char *s;
	size_t len;
} stages[] = {
	{ SCAN_LIT("RCPT TO") },
	{ SCAN_LIT("MAIL FROM") },
	{ SCAN_LIT("end of data") },
	{ SCAN_LIT("DATA") },
	{ SCAN_LIT("BDAT") },
	{ SCAN_LIT("initial connection") },
	{ SCAN_LIT("EHLO") },
	{ SCAN_LIT("HELO") },
	{ SCAN_LIT("LHLO") },
	{ SCAN_LIT("STARTTLS") },
	{ SCAN_LIT("AUTH") },
	{ SCAN_LIT("sending data block") },
};

/*
 * The stage at p (after "after " or "in response to "): a command name
 * of the table, else the words up to ':', '<', '(' or the end, as Exim
 * wrote them ("RCPT TO", "end of data", "initial connection"; a
 * "pipelined " in front is dropped). Sets ev->stage and returns the
 * position after the stage's own text: for "RCPT TO:<a>" and "MAIL
 * FROM:<a> SIZE=n" after the address, else after the name (the caller
 * looks for ": " there).
 */
static const char *
stage(const char *p, const char *end, struct bs_event *ev)
{
	const char *q;
	size_t i;

	if (scan_prefix(p, end, SCAN_LIT("pipelined ")))
		p += 10;
	for (i = 0; i < sizeof(stages) / sizeof(stages[0]); i++) {
		if (!scan_prefix(p, end, stages[i].s, stages[i].len))
			continue;
		ev->stage = bs_span_make(p, stages[i].len);
		q = p + stages[i].len;
		if (q < end && *q == ':' && end - q > 1 && q[1] == '<') {
			/* The address may hold ':': skip to its '>'. */
			q = memchr(q, '>', (size_t)(end - q));
			return q != NULL ? q + 1 : end;
		}
		return q;
	}
	for (q = p;
	     q < end && *q != ':' && *q != '<' && *q != '(' && q - p < 40; q++)
		;
	ev->stage = scan_trim(p, q);
	return q;
}

/* ": " at or after p, before end (the separator before a reply). */
static const char *
colon_sp(const char *p, const char *end)
{
	return scan_find(p, end, SCAN_LIT(": "));
}

/* Exim's local decisions: no receiver was contacted. */
static const struct {
	const char *s;
	size_t len;
} local_texts[] = {
	{ SCAN_LIT("retry time not reached") },
	{ SCAN_LIT("Retry time not yet reached") },
	{ SCAN_LIT("retry time not yet reached") },
	{ SCAN_LIT("queue_smtp_domains") },
	{ SCAN_LIT("-odqs") },
	{ SCAN_LIT("control=queue") },
	{ SCAN_LIT("SMTP delivery explicitly queued") },
	{ SCAN_LIT("queue_domains") },
	{ SCAN_LIT("domain is held") },
	{ SCAN_LIT("hold_domains") },
	{ SCAN_LIT("connection limit reached") },
	{ SCAN_LIT("concurrency limit reached") },
};

/* Connection-level failures: no SMTP reply, the text is the reply. */
static const struct {
	const char *s;
	size_t len;
} connect_texts[] = {
	{ SCAN_LIT("Connection refused") },
	{ SCAN_LIT("Connection timed out") }, { SCAN_LIT("Connection reset") },
	{ SCAN_LIT("Network Error") }, { SCAN_LIT("Network is unreachable") },
	{ SCAN_LIT("No route to host") }, { SCAN_LIT("Host is unreachable") },
	{ SCAN_LIT("SMTP timeout after ") },
	{ SCAN_LIT("LMTP timeout after ") },
	{ SCAN_LIT("Remote host closed connection") },
	{ SCAN_LIT("Remote host ") }, /* "Remote host X [ip] closed ..." */
};

/*
 * Takes apart MESSAGE in [p, end) (see the file comment): sets reply,
 * stage, BS_EVENT_CONNECT, BS_EVENT_LOCAL and, for the old "host X [ip]:"
 * form, the relay when none is set yet. Returns true when the message is
 * one of the known forms (a receiver's reply, a connection failure or a
 * local decision); false leaves the whole text as the reply.
 */
static bool
analyze(const char *p, const char *end, struct bs_event *ev)
{
	struct bs_span t = scan_trim(p, end);
	const char *q, *r;
	size_t i;

	p = t.ptr;
	end = t.ptr + t.len;
	ev->reply = t;
	q = NULL;
	if (scan_prefix(
		p, end, SCAN_LIT("SMTP error from remote mail server after ")))
		q = p + sizeof("SMTP error from remote mail server after ") - 1;
	else if (scan_prefix(
		     p, end, SCAN_LIT("SMTP error from remote mailer after ")))
		q = p + sizeof("SMTP error from remote mailer after ") - 1;
	else if (scan_prefix(p, end, SCAN_LIT("LMTP error after ")))
		q = p + sizeof("LMTP error after ") - 1;
	else if (scan_prefix(p, end, SCAN_LIT("PRDR error after ")))
		q = p + sizeof("PRDR error after ") - 1;
	if (q != NULL) {
		q = stage(q, end, ev);
		if ((r = colon_sp(q, end)) == NULL)
			return true; /* cut line: the reply is all there is */
		r += 2;
		/* Exim before 4.8x: "host NAME [IP]: REPLY". */
		if (scan_prefix(r, end, SCAN_LIT("host ")) &&
		    (q = colon_sp(r, end)) != NULL &&
		    memchr(r, '[', (size_t)(q - r)) != NULL) {
			if (ev->relay_host.len == 0)
				host_field(r + 5, q, ev);
			r = q + 2;
		}
		ev->reply = scan_trim(r, end);
		return true;
	}
	if (scan_prefix(p, end, SCAN_LIT("Malformed SMTP reply")) &&
	    (q = scan_find(p, end, SCAN_LIT(" in response to "))) != NULL) {
		stage(q + 16, end, ev);
		return true;
	}
	for (i = 0; i < sizeof(local_texts) / sizeof(local_texts[0]); i++)
		if (scan_find(p, end, local_texts[i].s, local_texts[i].len) !=
		    NULL) {
			ev->flags |= BS_EVENT_LOCAL;
			return true;
		}
	for (i = 0; i < sizeof(connect_texts) / sizeof(connect_texts[0]); i++) {
		if (!scan_prefix(
			p, end, connect_texts[i].s, connect_texts[i].len))
			continue;
		ev->flags |= BS_EVENT_CONNECT;
		if ((q = scan_find(p, end, SCAN_LIT(" after "))) != NULL)
			stage(q + 7, end, ev);
		else if ((q = scan_find(
			      p, end, SCAN_LIT(" in response to "))) != NULL)
			stage(q + 16, end, ev);
		return true;
	}
	if (scan_prefix(p, end, SCAN_LIT("TLS ")))
		return true;
	return false;
}

/* The first " F=", " R=", ... field region [p, end): finds " H=". */
static void
fields_host(const char *p, const char *end, struct bs_event *ev)
{
	const char *h = scan_find(p, end, SCAN_LIT(" H="));

	if (h != NULL)
		host_field(h + 3, end, ev);
}

/* "MSGID == ..." at p (after "== "). */
static int
parse_defer(const char *p, const char *end, struct bs_event *ev)
{
	struct bs_span reply = { NULL, 0 };
	const char *d, *q, *e, *h;
	bool colon, neg = false, strerr;
	long err = 0;
	int ndig = 0;

	p = address(p, end, ev, &colon);
	ev->status = BS_STATUS_DEFERRED;
	if ((d = scan_find(p, end, SCAN_LIT(" defer ("))) == NULL)
		return PARSE_BAD;
	fields_host(p, d, ev);
	q = d + 8;
	if ((e = memchr(q, ')', (size_t)(end - q))) == NULL)
		return PARSE_BAD;
	if (q < e && *q == '-') {
		neg = true;
		q++;
	}
	for (; q < e && scan_isdigit((unsigned char)*q) && ndig < 9; q++)
		err = err * 10 + (*q - '0'), ndig++;
	/* A system errno (> 0) is followed by its strerror() text. */
	strerr = !neg && (err > 0 || q < e);
	q = e + 1;
	if (strerr && scan_prefix(q, end, SCAN_LIT(": "))) {
		q += 2;
		if ((h = scan_find(q, end, SCAN_LIT(" H="))) == NULL) {
			/* "Connection refused", "No such file ...: ..." */
			analyze(q, end, ev);
			return PARSE_OK;
		}
		/*
		 * "Connection timed out H=x [ip]: SMTP timeout after STAGE":
		 * the system error is the reply; the message names the host
		 * and the stage.
		 */
		analyze(q, h, ev);
		reply = ev->reply;
		q = h;
	}
	if (scan_prefix(q, end, SCAN_LIT(" H=")))
		q = host_field(q + 3, end, ev);
	while (q < end && *q == ' ')
		q++;
	if (q < end && *q == ':')
		q++;
	if (q < end)
		analyze(q, end, ev);
	if (reply.ptr != NULL)
		ev->reply = reply;
	return PARSE_OK;
}

/* "MSGID ** ..." at p (after "** "). */
static int
parse_fail(const char *p, const char *end, struct bs_event *ev)
{
	const char *m, *x;
	bool colon;

	p = address(p, end, ev, &colon);
	ev->status = BS_STATUS_BOUNCED;
	if (colon)
		m = p; /* "ADDR: message" */
	else if ((m = scan_find(p, end, SCAN_LIT(" : "))) != NULL) {
		fields_host(p, m, ev);
		m += 2;
	} else if ((m = colon_sp(p, end)) != NULL) {
		fields_host(p, m, ev);
		m += 1;
	} else
		m = p; /* "ADDR mua_wrapper forced failure ...": no separator */
	while (m < end && *m == ' ')
		m++;
	if (m >= end)
		return PARSE_BAD;
	if ((x = scan_find(m, end, SCAN_LIT("retry timeout exceeded"))) !=
	    NULL) {
		ev->status = BS_STATUS_EXPIRED;
		ev->reply =
		    bs_span_make(x, sizeof("retry timeout exceeded") - 1);
		return PARSE_OK;
	}
	if (scan_find(m, end, SCAN_LIT("have been failing for a long time")) !=
	    NULL) {
		ev->status = BS_STATUS_EXPIRED;
		ev->reply = scan_trim(m, end);
		return PARSE_OK;
	}
	analyze(m, end, ev);
	return PARSE_OK;
}

/* "MSGID => ..." or "MSGID -> ..." at p (after the flag and space). */
static int
parse_sent(const char *p, const char *end, struct bs_event *ev)
{
	const char *c, *e;
	bool colon;

	p = address(p, end, ev, &colon);
	ev->status = BS_STATUS_SENT;
	fields_host(p, end, ev);
	/* C="250 ..." : Exim escapes '"' inside, so the next '"' ends it. */
	if ((c = scan_find(p, end, SCAN_LIT(" C=\""))) != NULL) {
		c += 4;
		for (e = c; e < end && *e != '"'; e++)
			if (*e == '\\' && e + 1 < end)
				e++;
		ev->reply = bs_span_make(c, (size_t)(e - c));
	}
	return PARSE_OK;
}

/*
 * "MSGID H=name [ip]..." or "MSGID name [ip] ..." at p: a per-host
 * attempt when the text after the host is one of the known messages.
 */
static int
parse_attempt(const char *p, const char *end, struct bs_event *ev)
{
	const char *r, *g;

	if (scan_prefix(p, end, SCAN_LIT("H=")))
		p += 2;
	p = host_field(p, end, ev);
	if (ev->relay_ip.len == 0)
		return PARSE_SKIP;
	if (scan_prefix(p, end, SCAN_LIT(": ")))
		p += 2;
	else if (p < end && *p == ' ')
		p++;
	else
		return PARSE_SKIP;
	/* Incoming-side lines go on with fields: "F=<a> rejected ...". */
	if (end - p >= 2 && p[0] >= 'A' && p[0] <= 'Z' && p[1] == '=')
		return PARSE_SKIP;
	if (!analyze(p, end, ev) || (ev->flags & BS_EVENT_LOCAL))
		return PARSE_SKIP;
	ev->status = BS_STATUS_ATTEMPT;
	/* The recipient, when the reply was to its RCPT TO. */
	if ((r = scan_find(p, end, SCAN_LIT("RCPT TO:<"))) != NULL &&
	    (g = memchr(r + 9, '>', (size_t)(end - r - 9))) != NULL)
		bs_event_set_rcpt(ev, bs_span_make(r + 9, (size_t)(g - r - 9)));
	return PARSE_OK;
}

/*
 * Parses the message of an Exim line (see the file comment for the
 * forms). Returns PARSE_OK with *ev filled (all other fields zero),
 * PARSE_SKIP or PARSE_BAD.
 */
int
exim_parse(const struct syslog_prefix *pfx, struct bs_event *ev)
{
	const char *p = pfx->msg.ptr, *end = pfx->msg.ptr + pfx->msg.len;
	struct bs_span qid, pid;
	int64_t t;
	int32_t us;
	bool zone;
	size_t n;
	int rc;

	if (p == NULL)
		return PARSE_SKIP;
	/* syslog_timestamp (Exim's default): its own stamp inside msg. */
	if (p < end && scan_isdigit((unsigned char)*p)) {
		const char *q = parse_stamp(p, end, &t, &us, &zone, NULL);

		if (q != NULL) {
			q = parse_pid(q, end, &pid);
			if (q < end && *q == ' ')
				p = q + 1;
		}
	}
	if ((n = msgid_len(p, end)) == 0)
		return PARSE_SKIP;
	qid = bs_span_make(p, n);
	p += n + 1;
	if (end - p < 3)
		return PARSE_SKIP;
	memset(ev, 0, sizeof(*ev));
	ev->queue_id = qid;
	ev->mta = BS_MTA_EXIM;
	if (p[2] == ' ' && p[0] == '=' && p[1] == '=')
		rc = parse_defer(p + 3, end, ev);
	else if (p[2] == ' ' && p[0] == '*' && p[1] == '*')
		rc = parse_fail(p + 3, end, ev);
	else if (p[2] == ' ' && (p[0] == '=' || p[0] == '-') && p[1] == '>')
		rc = parse_sent(p + 3, end, ev);
	else if (p[2] == ' ' &&
	    ((p[0] == '*' && p[1] == '>') || (p[0] == '<' && p[1] == '=') ||
		(p[0] == '(' && p[1] == '=') || (p[0] == '>' && p[1] == '>')))
		rc = PARSE_SKIP;
	else if (is_alnum((unsigned char)*p))
		rc = parse_attempt(p, end, ev);
	else
		rc = PARSE_SKIP;
	/* An empty reply still points into the line (reply_parse() reads
	 * it). */
	if (rc == PARSE_OK && ev->reply.ptr == NULL)
		ev->reply = bs_span_make(end, 0);
	return rc;
}
