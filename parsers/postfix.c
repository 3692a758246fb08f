/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Postfix delivery results. The message of a postfix line (after
 * "postfix/SERVICE[pid]: ", any instance name before the slash) yields an
 * event in these forms:
 *
 * Final results, one per recipient and delivery attempt, logged by smtp,
 * lmtp, local, virtual, pipe, error, retry, discard, qmgr and any other
 * delivery agent:
 *
 *	QID: to=<rcpt>, [orig_to=<a>, ]relay=R, [conn_use=N, ]delay=D,
 *	    delays=a/b/c/d, dsn=X.Y.Z, status=WORD (TEXT)
 *
 * WORD is sent, deferred, bounced or expired; "SOFTBOUNCE" (soft_bounce =
 * yes: the message stays queued) counts as deferred. The address
 * verification words (deliverable, undeliverable,
 * undeliverable-but-not-cached) are probes, not deliveries: skipped. Any
 * other word is PARSE_BAD.
 *
 * Expiry, logged by qmgr, with no recipient; the reply is left empty so
 * that the classifier files the event as expired:
 *
 *	QID: from=<sender>, status=expired, returned to sender
 *	QID: from=<sender>, status=force-expired, returned to sender
 *
 * Per-MX attempts (BS_STATUS_ATTEMPT), logged by smtp or lmtp before the
 * next MX is tried, without status=; relay host and IP come from the text:
 *
 *	QID: host X[ip] said: REPLY (in reply to STAGE command)
 *	QID: host X[ip] refused to talk to me: REPLY
 *	QID: SASL authentication failed; server X[ip] said: REPLY
 *
 * Connection-level attempts (BS_STATUS_ATTEMPT and BS_EVENT_CONNECT),
 * with or without a QID:
 *
 *	connect to X[ip]:port: Connection timed out
 *	QID: lost connection with X[ip] while STAGE
 *	QID: conversation with X[ip] timed out while STAGE
 *	QID: Host or domain name not found. Name service error for ...
 *
 * The TEXT of a final result runs from the '(' after the status word to
 * the last ')' of the line: remote replies contain parentheses, commas and
 * even "status=". A line cut before that ')' keeps the text to its end.
 * TEXT is then taken apart like an attempt: a leading "delivery
 * temporarily suspended: " sets BS_EVENT_SUSPENDED and is dropped from
 * the reply; "host X said: R (in reply to S command)" gives reply R and
 * stage S; the connection failures above set BS_EVENT_CONNECT and are the
 * reply themselves (stage from "while sending S"). For final results
 * relay_host and relay_ip always come from the relay= field ("none",
 * "local", "virtual", "dovecot" have no IP), never from the text.
 *
 * Everything else (smtpd, cleanup, pickup, qmgr queue-active and removed
 * lines, bounce notifications, warnings, TLS chatter) is PARSE_SKIP; the
 * noise services are rejected by name before the message is looked at.
 * A "to=" line that cannot be taken apart (no '>', no relay= or status=,
 * an unknown status word, nothing after the word) is PARSE_BAD.
 *
 * Pure: reads only the prefix's message, writes only *ev, whose spans
 * point into the caller's line.
 */
#include <string.h>

#include "postfix.h"
#include "scan.h"

/* SSE2: every x86-64 has it (scan.h); BS_NO_SIMD: the portable paths. */
#ifdef SCAN_SSE2
#define PF_SSE2 1
#endif

enum svc_kind {
	SVC_NOISE,    /* never logs a delivery result */
	SVC_QMGR,     /* expiries and (old versions) suspended deferrals */
	SVC_DELIVERY, /* smtp, lmtp, local, ... and anything unknown */
};

#define IS(lit) (memcmp(s, (lit), sizeof(lit) - 1) == 0)

/*
 * The kind of a service (the part of the program name after the last
 * '/'). The noise services never log delivery results and are rejected
 * here, by length and constant-size compares, before the message is read.
 * Unknown services are parsed: master.cf may give a delivery agent any
 * name.
 */
static enum svc_kind
service_kind(struct bs_span program)
{
	const char *end = program.ptr + program.len, *s;
	bool noise;

	s = scan_rchr(program.ptr, end, '/');
	s = s != NULL ? s + 1 : program.ptr;
	switch (end - s) {
	case 4:
		return IS("qmgr") ? SVC_QMGR : SVC_DELIVERY;
	case 5:
		if (IS("oqmgr") || IS("nqmgr"))
			return SVC_QMGR;
		noise = IS("smtpd") || IS("anvil") || IS("showq") ||
		    IS("flush") || IS("spawn");
		break;
	case 6:
		noise = IS("pickup") || IS("scache") || IS("tlsmgr") ||
		    IS("bounce") || IS("verify") || IS("master");
		break;
	case 7:
		noise = IS("cleanup") || IS("dnsblog") || IS("postlog") ||
		    IS("postmap");
		break;
	case 8:
		noise = IS("tlsproxy") || IS("proxymap") || IS("sendmail") ||
		    IS("postdrop") || IS("postconf");
		break;
	case 9:
		noise = IS("postqueue") || IS("postsuper") || IS("postalias") ||
		    IS("postmulti");
		break;
	case 10:
		noise = IS("postscreen");
		break;
	case 14:
		noise = IS("postfix-script");
		break;
	case 15:
		noise = IS("trivial-rewrite");
		break;
	default:
		noise = false;
		break;
	}
	return noise ? SVC_NOISE : SVC_DELIVERY;
}

#undef IS

/*
 * Length of a queue ID at [p, end) followed by ": ", or 0. Short IDs are
 * upper-case hex; long IDs (enable_long_queue_ids) are alphanumeric
 * without vowels, which keeps words such as "warning" or "NOQUEUE" out.
 */
static size_t
queue_id_len(const char *p, const char *end)
{
	const char *q, *stop = end - p > 33 ? p + 33 : end;
	unsigned acc = 0, f;

#ifdef PF_SSE2
	/*
	 * Issue 14: an id shorter than 16 bytes (Postfix's short ids, 10
	 * or 11) in one SSE2 step: the alphanumeric run, and whether it
	 * holds a letter that is no upper-case hex digit and a vowel (the
	 * table's SCAN_QID_NOTHEX and SCAN_QID_VOWEL). Signed compares:
	 * bytes >= 0x80 are in no range, as in the table.
	 */
	if (end - p >= 16) {
		const __m128i x =
		    _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i l = _mm_or_si128(x, _mm_set1_epi8(0x20));
		__m128i dig = scan_range16(x, '0', '9');
		__m128i alpha = scan_range16(l, 'a', 'z');
		__m128i hexu = scan_range16(x, 'A', 'F');
		__m128i vow = _mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(l, _mm_set1_epi8('a')),
			_mm_cmpeq_epi8(l, _mm_set1_epi8('e'))),
		    _mm_or_si128(_mm_cmpeq_epi8(l, _mm_set1_epi8('i')),
			_mm_or_si128(_mm_cmpeq_epi8(l, _mm_set1_epi8('o')),
			    _mm_cmpeq_epi8(l, _mm_set1_epi8('u')))));
		unsigned run = ~(unsigned)_mm_movemask_epi8(
				   _mm_or_si128(dig, alpha)) &
		    0xffffU,
			 n, mask;

		if (run != 0) {
			n = (unsigned)__builtin_ctz(run);
			q = p + n;
			if (n < 5 || q[0] != ':' || end - q < 2 || q[1] != ' ')
				return 0;
			mask = (1U << n) - 1;
			if ((_mm_movemask_epi8(_mm_andnot_si128(hexu, alpha)) &
				mask) != 0 &&
			    (_mm_movemask_epi8(_mm_and_si128(vow, alpha)) &
				mask) != 0)
				return 0;
			return n;
		}
	}
#endif

	for (q = p; q < stop && (f = scan_qid_class[(unsigned char)*q]) != 0;
	     q++)
		acc |= f;
	if (q - p < 5 || q - p > 32 || end - q < 2 || q[0] != ':' ||
	    q[1] != ' ')
		return 0;
	/* not hex (a letter outside A-F) and a vowel: a word */
	if ((acc & (SCAN_QID_NOTHEX | SCAN_QID_VOWEL)) ==
	    (SCAN_QID_NOTHEX | SCAN_QID_VOWEL))
		return 0;
	return (size_t)(q - p);
}

/* Issue 14: the bytes of an IP address (hex digits, ':', '.', '%'). */
static const bool ip_char[256] = { ['0'] = true,
	['1'] = true,
	['2'] = true,
	['3'] = true,
	['4'] = true,
	['5'] = true,
	['6'] = true,
	['7'] = true,
	['8'] = true,
	['9'] = true,
	['a'] = true,
	['b'] = true,
	['c'] = true,
	['d'] = true,
	['e'] = true,
	['f'] = true,
	['A'] = true,
	['B'] = true,
	['C'] = true,
	['D'] = true,
	['E'] = true,
	['F'] = true,
	[':'] = true,
	['.'] = true,
	['%'] = true };

/*
 * Whether every byte of [s, e) is an IP address byte (ip_char); lo <= s
 * is where the bytes that may be read begin. Issue 14: an address of up
 * to 16 bytes with one SSE2 step over the 16 bytes that end at e, when
 * [lo, e) has them (the relay host is before it: mostly).
 */
static inline bool
ip_bytes(const char *lo, const char *s, const char *e)
{
	const char *q;

#ifdef PF_SSE2
	if (e - s <= 16 && e - lo >= 16) {
		const __m128i x =
		    _mm_loadu_si128((const __m128i *)(const void *)(e - 16));
		__m128i l = _mm_or_si128(x, _mm_set1_epi8(0x20));
		/* signed compares: bytes >= 0x80 are in no range */
		__m128i ok =
		    _mm_or_si128(_mm_or_si128(scan_range16(x, '0', '9'),
				     scan_range16(l, 'a', 'f')),
			_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(':')),
			    _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('.')),
				_mm_cmpeq_epi8(x, _mm_set1_epi8('%')))));
		unsigned bad = ~(unsigned)_mm_movemask_epi8(ok) &
		    (0xffffU << (16 - (e - s))) & 0xffffU;

		return bad == 0;
	}
#else
	(void)lo;
#endif
	for (q = s; q < e; q++)
		if (!ip_char[(unsigned char)*q])
			return false;
	return true;
}

/*
 * "host[addr]" or "host[addr]:port" or "host" in [p, end): sets *host and,
 * when addr looks like an IP address (not e.g. "private/dovecot-lmtp"),
 * *ip. Returns the position after ']' (or after the host when there is
 * no '[').
 */
static const char *
host_addr(
    const char *p, const char *end, struct bs_span *host, struct bs_span *ip)
{
	const char *b, *e;

	/* Issue 14: scan_upto3() instead of two memchr() calls. */
	b = scan_upto3(p, end, '[', '[', '[');
	if (b == end) {
		*host = bs_span_make(p, (size_t)(end - p));
		*ip = bs_span_make(p, 0);
		return end;
	}
	*host = bs_span_make(p, (size_t)(b - p));
	e = scan_upto3(b + 1, end, ']', ']', ']');
	if (e == end) {
		*ip = bs_span_make(b, 0);
		return end;
	}
	*ip = bs_span_make(
	    b + 1, ip_bytes(p, b + 1, e) ? (size_t)(e - b - 1) : 0);
	return e + 1;
}

/* End of the token at p: the first space (or end). */
static const char *
token_end(const char *p, const char *end)
{
	const char *q = memchr(p, ' ', (size_t)(end - p));

	return q != NULL ? q : end;
}

/*
 * "R (in reply to S command)" in [p, end): sets the reply to R (trimmed)
 * and the stage to S, or the reply to all of it when there is no such
 * suffix.
 */
static void
split_stage(const char *p, const char *end, struct bs_event *ev)
{
	const char *r;

	if (end - p > 9 && memcmp(end - 9, " command)", 9) == 0 &&
	    (r = scan_rfind(p, end, SCAN_LIT("(in reply to "))) != NULL &&
	    r + 13 <= end - 9) {
		ev->stage = bs_span_make(r + 13, (size_t)(end - 9 - (r + 13)));
		ev->reply = scan_trim(p, r);
		return;
	}
	ev->reply = scan_trim(p, end);
}

/*
 * The stage of "... while sending RCPT TO", "... while receiving the
 * initial server greeting", "... while sending end of data -- message may
 * be sent more than once": "RCPT TO", "initial server greeting",
 * "end of data".
 */
static void
while_stage(const char *p, const char *end, struct bs_event *ev)
{
	const char *w, *d;

	if ((w = scan_find(p, end, SCAN_LIT(" while "))) == NULL)
		return;
	w += 7;
	if (scan_prefix(w, end, SCAN_LIT("sending ")))
		w += 8;
	else if (scan_prefix(w, end, SCAN_LIT("receiving ")))
		w += 10;
	else if (scan_prefix(w, end, SCAN_LIT("performing ")))
		w += 11;
	if (scan_prefix(w, end, SCAN_LIT("the ")))
		w += 4;
	if ((d = scan_find(w, end, SCAN_LIT(" -- "))) != NULL)
		end = d;
	ev->stage = scan_trim(w, end);
}

/*
 * Takes apart the text of a result or attempt in [p, end): reply, stage,
 * BS_EVENT_SUSPENDED and BS_EVENT_CONNECT. With set_relay (attempt lines),
 * the host named in the text becomes relay_host/relay_ip. Returns false
 * when the text is none of the known forms (only meaningful to attempts).
 */
static bool
analyze(const char *p, const char *end, struct bs_event *ev, bool set_relay)
{
	struct bs_span host, ip;
	const char *h, *he, *r;
	bool with_while = false;

	/* Issue 14: a reply itself ("250 2.0.0 Ok", most results) is none
	 * of the forms below, which all begin with a letter. */
	if (p < end && scan_isdigit((unsigned char)*p)) {
		ev->reply = scan_trim(p, end);
		return false;
	}
	if (scan_prefix(p, end, SCAN_LIT("delivery temporarily suspended: "))) {
		ev->flags |= BS_EVENT_SUSPENDED;
		p += sizeof("delivery temporarily suspended: ") - 1;
	}

	/* host X[ip] said: / SASL ... failed; server X[ip] said: */
	h = NULL;
	if (scan_prefix(p, end, SCAN_LIT("host ")))
		h = p + 5;
	else if (scan_prefix(p, end, SCAN_LIT("SASL ")) &&
	    (h = scan_find(p, end, SCAN_LIT("; server "))) != NULL)
		h += 9;
	if (h != NULL) {
		he = token_end(h, end);
		r = NULL;
		if (scan_prefix(he, end, SCAN_LIT(" said: ")))
			r = he + 7;
		else if (scan_prefix(
			     he, end, SCAN_LIT(" refused to talk to me: ")))
			r = he + 24;
		if (r != NULL) {
			if (set_relay) {
				host_addr(h, he, &host, &ip);
				ev->relay_host = host;
				ev->relay_ip = ip;
			}
			split_stage(r, end, ev);
			return true;
		}
	}

	/* Connection-level failures: no SMTP reply, the text is the reply. */
	h = NULL;
	if (scan_prefix(p, end, SCAN_LIT("connect to ")))
		h = p + 11;
	else if (scan_prefix(p, end, SCAN_LIT("lost connection with "))) {
		h = p + 21;
		with_while = true;
	} else if (scan_prefix(p, end, SCAN_LIT("conversation with "))) {
		h = p + 18;
		with_while = true;
	}
	if (h != NULL) {
		ev->flags |= BS_EVENT_CONNECT;
		if (set_relay) {
			he = token_end(h, end);
			host_addr(h, he, &host, &ip);
			/* "connect to X:" without an address: drop the ':'. */
			if (host.len > 0 && ip.len == 0 &&
			    host.ptr[host.len - 1] == ':')
				host.len--;
			ev->relay_host = host;
			ev->relay_ip = ip;
		}
		if (with_while)
			while_stage(h, end, ev);
		ev->reply = scan_trim(p, end);
		return true;
	}
	if (scan_prefix(p, end, SCAN_LIT("Host or domain name not found")) ||
	    scan_prefix(p, end, SCAN_LIT("Name service error "))) {
		ev->flags |= BS_EVENT_CONNECT;
		ev->reply = scan_trim(p, end);
		return true;
	}
	ev->reply = scan_trim(p, end);
	return false;
}

/* Maps a status word; returns false for an unknown word. */
static bool
status_word(const char *w, size_t n, enum bs_status *st, bool *probe)
{
	*probe = false;
	switch (n) {
	case 4:
		if (memcmp(w, "sent", 4) == 0)
			return *st = BS_STATUS_SENT, true;
		break;
	case 7:
		if (memcmp(w, "bounced", 7) == 0)
			return *st = BS_STATUS_BOUNCED, true;
		if (memcmp(w, "expired", 7) == 0)
			return *st = BS_STATUS_EXPIRED, true;
		break;
	case 8:
		if (memcmp(w, "deferred", 8) == 0)
			return *st = BS_STATUS_DEFERRED, true;
		break;
	case 10:
		if (memcmp(w, "SOFTBOUNCE", 10) == 0)
			return *st = BS_STATUS_DEFERRED, true;
		break;
	case 13:
		if (memcmp(w, "force-expired", 13) == 0)
			return *st = BS_STATUS_EXPIRED, true;
		break;
	}
	if ((n == 11 && memcmp(w, "deliverable", 11) == 0) ||
	    (n == 13 && memcmp(w, "undeliverable", 13) == 0) ||
	    (n == 28 && memcmp(w, "undeliverable-but-not-cached", 28) == 0)) {
		*probe = true;
		return true;
	}
	return false;
}

/*
 * The first ">, " in [p, end), as scan_find() gives it. Issue 14: the
 * '>' of sixteen bytes a step with SSE2 (an address is one or two).
 */
static const char *
gt_comma(const char *p, const char *end)
{
#ifdef PF_SSE2
	const __m128i gt = _mm_set1_epi8('>');
	const char *c;
	unsigned bits;

	while (end - p >= 16) {
		bits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
		    _mm_loadu_si128((const __m128i *)(const void *)p), gt));
		for (; bits != 0; bits &= bits - 1) {
			c = p + __builtin_ctz(bits);
			if (end - c < 3)
				return NULL;
			if (c[1] == ',' && c[2] == ' ')
				return c;
		}
		p += 16;
	}
#endif
	return scan_find(p, end, SCAN_LIT(">, "));
}

/* Address value at p ("<a@b>" or bare "a@b") followed by ", ". */
static const char *
address(const char *p, const char *end, struct bs_span *out)
{
	const char *q;

	if (p < end && *p == '<') {
		/* The first ">, " ends it: the address may contain '>'. */
		if ((q = gt_comma(p + 1, end)) == NULL)
			return NULL;
		*out = bs_span_make(p + 1, (size_t)(q - p - 1));
		return q + 3;
	}
	if ((q = memchr(p, ',', (size_t)(end - p))) == NULL || q + 1 >= end ||
	    q[1] != ' ')
		return NULL;
	*out = bs_span_make(p, (size_t)(q - p));
	return q + 2;
}

/*
 * Issue 14: the first "status=" in [q, end) that follows a space or a
 * comma, and in *dsn the first "dsn=" before it (NULL: none), as two
 * scan_find() would give them (q is the comma after relay=). One pass
 * over the '=' of the fields, which are few, instead of two searches
 * for strings whose first letters are frequent.
 */
static inline bool
status_at(const char *q, const char *e, const char **dsn)
{
	if (e - q >= 6 && memcmp(e - 6, "status", 6) == 0) {
		if (e[-7] == ' ' || e[-7] == ',')
			return true;
	} else if (*dsn == NULL && e - q >= 3 && memcmp(e - 3, "dsn", 3) == 0)
		*dsn = e - 3;
	return false;
}

static const char *
status_field(const char *q, const char *end, const char **dsn)
{
	const char *e = q;

	*dsn = NULL;
#ifdef PF_SSE2
	/* Issue 14: the '=' of sixteen bytes a step, not a memchr() call
	 * a field. */
	const __m128i eq = _mm_set1_epi8('=');
	unsigned bits;

	while (end - e >= 16) {
		bits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
		    _mm_loadu_si128((const __m128i *)(const void *)e), eq));
		for (; bits != 0; bits &= bits - 1)
			if (status_at(q, e + __builtin_ctz(bits), dsn))
				return e + __builtin_ctz(bits) - 6;
		e += 16;
	}
#endif
	while (e < end && (e = memchr(e, '=', (size_t)(end - e))) != NULL) {
		if (status_at(q, e, dsn))
			return e - 6;
		e++;
	}
	return NULL;
}

/* The "to=" line at p (just after "to="). */
static int
parse_to(const char *p, const char *end, struct bs_event *ev)
{
	struct bs_span orig, relay, dsn;
	const char *q, *s, *w, *open, *close;
	enum bs_status st;
	bool probe;

	if ((p = address(p, end, &ev->rcpt)) == NULL)
		return PARSE_BAD;
	/* bs_event_set_rcpt(): the domain after the last '@' (issue 14:
	 * scan_rchr(), eight bytes a step) */
	if ((q = scan_rchr(ev->rcpt.ptr, ev->rcpt.ptr + ev->rcpt.len, '@')) !=
	    NULL)
		ev->rcpt_domain = bs_span_make(
		    q + 1, (size_t)(ev->rcpt.ptr + ev->rcpt.len - q - 1));
	else
		ev->rcpt_domain = bs_span_make(ev->rcpt.ptr, 0);
	while (p < end && *p == ' ')
		p++;
	if (scan_prefix(p, end, SCAN_LIT("orig_to="))) {
		if ((p = address(p + 8, end, &orig)) == NULL)
			return PARSE_BAD;
		while (p < end && *p == ' ')
			p++;
	}
	if (!scan_prefix(p, end, SCAN_LIT("relay=")))
		return PARSE_BAD;
	p += 6;
	if ((q = scan_upto3(p, end, ',', ',', ',')) == end)
		return PARSE_BAD;
	relay = bs_span_make(p, (size_t)(q - p));
	host_addr(
	    relay.ptr, relay.ptr + relay.len, &ev->relay_host, &ev->relay_ip);

	/*
	 * The fields up to status= are Postfix's own (delay, delays,
	 * conn_use, dsn, tls): no remote text can fake a "status=" there.
	 */
	if ((s = status_field(q, end, &w)) == NULL)
		return PARSE_BAD;
	if (w != NULL && (w[-1] == ' ' || w[-1] == ',')) {
		w += 4;
		dsn.ptr = w;
		/* the first ',' or ' ' before s: scan_upto3() over [w, end)
		 * has more bytes for its steps */
		if ((w = scan_upto3(w, end, ',', ' ', ' ')) > s)
			w = s;
		dsn.len = (size_t)(w - dsn.ptr);
		ev->dsn = dsn;
	}
	s += 7;
	w = scan_upto3(s, end, ' ', '(', ',');
	if (!status_word(s, (size_t)(w - s), &st, &probe))
		return PARSE_BAD;
	if (probe)
		return PARSE_SKIP;
	ev->status = st;
	while (w < end && *w == ' ')
		w++;
	if (w >= end || *w != '(')
		return PARSE_BAD;
	open = w + 1;
	/* To the last ')' of the line; a cut line keeps what is there. */
	close = end;
	while (close > open && (close[-1] == ' ' || close[-1] == '\t'))
		close--;
	if (close > open && close[-1] == ')')
		close--;
	else
		close = end;
	analyze(open, close, ev, false);
	return PARSE_OK;
}

/*
 * qmgr "from=<s>, status=expired, returned to sender" at p (after
 * "from="). The sender is remote input: it is skipped as an address, so
 * a "status=" inside it proves nothing.
 */
static int
parse_expired(const char *p, const char *end)
{
	struct bs_span from;
	const char *w;
	enum bs_status st;
	bool probe;

	if ((p = address(p, end, &from)) == NULL ||
	    !scan_prefix(p, end, SCAN_LIT("status=")))
		return PARSE_SKIP; /* "from=<s>, size=N, nrcpt=N (queue active)"
				    */
	p += 7;
	for (w = p; w < end && *w != ',' && *w != ' '; w++)
		;
	if (!status_word(p, (size_t)(w - p), &st, &probe) || probe ||
	    st != BS_STATUS_EXPIRED)
		return PARSE_BAD;
	return PARSE_OK;
}

/*
 * Parses the message of a postfix line (see the file comment for the
 * forms). pfx->program selects the service; *ev receives status, flags,
 * queue_id, rcpt, rcpt_domain, relay_host, relay_ip, dsn, reply and
 * stage (all other fields zeroed, except when PARSE_SKIP is returned
 * early, in which case *ev is untouched, as it is for a qmgr from= line
 * that is no expiry, PARSE_SKIP or PARSE_BAD). Returns PARSE_OK,
 * PARSE_SKIP or PARSE_BAD.
 */
int
postfix_parse(const struct syslog_prefix *pfx, struct bs_event *ev)
{
	const char *p = pfx->msg.ptr, *end = pfx->msg.ptr + pfx->msg.len;
	enum svc_kind kind;
	struct bs_span qid;
	size_t n;
	int rc;

	if ((kind = service_kind(pfx->program)) == SVC_NOISE || p == NULL)
		return PARSE_SKIP;
	qid = bs_span_make(p, 0);
	if ((n = queue_id_len(p, end)) > 0) {
		qid.len = n;
		p += n + 2;
	}
	if (p >= end)
		return PARSE_SKIP;

	/* Cheap first-byte test before anything is written. */
	switch (*p) {
	case 't': /* to= */
	case 'f': /* from= (qmgr) */
	case 'h': /* host X said */
	case 'c': /* connect to, conversation with */
	case 'l': /* lost connection with */
	case 'H': /* Host or domain name not found */
	case 'S': /* SASL authentication failed */
		break;
	default:
		return PARSE_SKIP;
	}
	if (scan_prefix(p, end, SCAN_LIT("to="))) {
		memset(ev, 0, sizeof(*ev));
		ev->queue_id = qid;
		ev->mta = BS_MTA_POSTFIX;
		return parse_to(p + 3, end, ev);
	}
	if (kind == SVC_QMGR) {
		if (!scan_prefix(p, end, SCAN_LIT("from=")))
			return PARSE_SKIP;
		/* Issue 14: *ev only for an expiry, not for every
		 * "queue active" line (on PARSE_SKIP and PARSE_BAD the
		 * caller reads nothing of it). */
		if ((rc = parse_expired(p + 5, end)) != PARSE_OK)
			return rc;
		memset(ev, 0, sizeof(*ev));
		ev->status = BS_STATUS_EXPIRED;
		ev->queue_id = qid;
		ev->mta = BS_MTA_POSTFIX;
		return PARSE_OK;
	}

	/* Per-MX attempts: only the known forms, anything else is chatter. */
	if (!scan_prefix(p, end, SCAN_LIT("host ")) &&
	    !scan_prefix(p, end, SCAN_LIT("connect to ")) &&
	    !scan_prefix(p, end, SCAN_LIT("lost connection with ")) &&
	    !scan_prefix(p, end, SCAN_LIT("conversation with ")) &&
	    !scan_prefix(p, end, SCAN_LIT("Host or domain name not found")) &&
	    !scan_prefix(p, end, SCAN_LIT("SASL ")))
		return PARSE_SKIP;
	memset(ev, 0, sizeof(*ev));
	if (!analyze(p, end, ev, true))
		return PARSE_SKIP;
	ev->queue_id = qid;
	ev->mta = BS_MTA_POSTFIX;
	ev->status = BS_STATUS_ATTEMPT;
	return PARSE_OK;
}
