/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See lifecycle.h. Each form is recognised by its service and the first
 * bytes after the queue id, so that the noise lines (most of a log) cost
 * a few compares. Values are spans into the line; a field that is absent
 * is an empty span (size and nrcpt -1).
 */
#include <string.h>

#if defined(__SSE2__) && defined(__x86_64__) && !defined(BS_NO_SIMD)
#include <emmintrin.h>
#define LC_SSE2 1
#endif

#include "lifecycle.h"
#include "scan.h"

static inline bool
qid_char(unsigned char c)
{
	return (scan_qid_class[c] & SCAN_QID_ALNUM) != 0;
}

/*
 * Issue 14: the first byte in [p, stop) that is no ASCII letter or digit,
 * else stop; sixteen bytes a step with SSE2 (every x86-64 has it) where
 * [p, end) has them, a table byte by byte for the rest.
 */
static inline const char *
alnum_run(const char *p, const char *stop, const char *end)
{
#ifdef LC_SSE2
	if (end - p >= 16) {
		const __m128i x =
		    _mm_loadu_si128((const __m128i *)(const void *)p);
		/* signed compares: bytes >= 0x80 are in no range */
		__m128i d = scan_range16(x, '0', '9');
		__m128i l = _mm_or_si128(x, _mm_set1_epi8(0x20));
		__m128i a = scan_range16(l, 'a', 'z');
		unsigned bad =
		    ~(unsigned)_mm_movemask_epi8(_mm_or_si128(d, a)) & 0xffffU;

		if (bad != 0) {
			p += __builtin_ctz(bad);
			return p < stop ? p : stop;
		}
		p += 16;
	}
#else
	(void)end;
#endif
	while (p < stop && qid_char((unsigned char)*p))
		p++;
	return p < stop ? p : stop;
}

/* A queue id (5..32 alphanumerics) at p followed by ": "; its length.
 * Inline: it runs on most lines (issue 14). */
static inline size_t
colon_qid(const char *p, const char *end)
{
	const char *q, *stop = end - p > 33 ? p + 33 : end;

	q = alnum_run(p, stop, end);
	if (q - p < 5 || q - p > 32 || end - q < 2 || q[0] != ':' ||
	    q[1] != ' ')
		return 0;
	return (size_t)(q - p);
}

/* The service: the part of program after its last '/'. */
static struct bs_span
service(struct bs_span program)
{
	const char *end = program.ptr + program.len, *s;

	if (program.ptr == NULL)
		return program;
	s = scan_rchr(program.ptr, end, '/');
	s = s != NULL ? s + 1 : program.ptr;
	return bs_span_make(s, (size_t)(end - s));
}

struct bs_span
lifecycle_instance(enum bs_mta mta, struct bs_span program)
{
	const char *s;

	if (mta != BS_MTA_POSTFIX || program.ptr == NULL)
		return bs_span_make(program.ptr, 0);
	/* Issue 14: "postfix/...", most of them, without a memchr() call */
	if (program.len > 7 && program.ptr[7] == '/' &&
	    memcmp(program.ptr, "postfix", 7) == 0)
		return bs_span_make(program.ptr, 7);
	s = memchr(program.ptr, '/', program.len);
	return bs_span_make(
	    program.ptr, s != NULL ? (size_t)(s - program.ptr) : program.len);
}

/*
 * The first byte in [p, end) that is s0 or s1 (either may be '\0': none),
 * else end. Issue 14: one scan_upto3() (sixteen bytes a step) instead
 * of a memchr() call for each byte.
 */
static inline const char *
upto(const char *p, const char *end, char s0, char s1)
{
	if (s0 == '\0' || p >= end)
		return end;
	return scan_upto3(p, end, s0, s1 != '\0' ? s1 : s0, s0);
}

/*
 * The value of "key" (with its '=') in [p, end): up to the first byte of
 * stop (or the end). Returns true and *v when the key is there at the
 * start or after a space or ','.
 */
static bool
field(const char *p, const char *end, const char *key, size_t klen,
    const char *stop, struct bs_span *v)
{
	const char *k = p, *q;
	char s0 = stop[0], s1 = stop[0] != '\0' ? stop[1] : '\0';

	while ((k = scan_find(k, end, key, klen)) != NULL) {
		if (k == p || k[-1] == ' ' || k[-1] == ',')
			break;
		k += klen;
	}
	if (k == NULL)
		return false;
	q = k + klen;
	k = q;
	/* at most two stop bytes; '\0' stops nothing */
	q = upto(q, end, s0, s1);
	*v = bs_span_make(k, (size_t)(q - k));
	return true;
}

/*
 * Empties out (sizes unknown): once a line's queue id is found. Issue
 * 14: only the fields the forms may leave unset; kind, mta, host,
 * instance and queue_id are set by the caller before a line is anything
 * but LC_NONE (and of an LC_NONE line only kind is read), so a memset()
 * of the whole (184 bytes, most lines) is not needed.
 */
static void
clear(struct lc_line *out)
{
	out->time = 0;
	out->sender = bs_span_make(NULL, 0);
	out->has_sender = false;
	out->sasl_user = bs_span_make(NULL, 0);
	out->client = bs_span_make(NULL, 0);
	out->message_id = bs_span_make(NULL, 0);
	out->transport = bs_span_make(NULL, 0);
	out->size = -1;
	out->nrcpt = -1;
	out->cancelled = false;
}

/* "<addr>" -> addr; other values unchanged. */
static struct bs_span
unbracket(struct bs_span v)
{
	if (v.len >= 2 && v.ptr[0] == '<' && v.ptr[v.len - 1] == '>')
		return bs_span_make(v.ptr + 1, v.len - 2);
	if (v.len >= 1 && v.ptr[0] == '<')
		return bs_span_make(v.ptr + 1, v.len - 1);
	return v;
}

static int64_t
number(struct bs_span v)
{
	uint64_t n;

	return scan_uint(v, INT64_MAX / 2, &n) == 0 ? (int64_t)n : -1;
}

/* Digits at p up to a byte that is none: their value, *q after them. */
static int64_t
digits(const char *p, const char *end, const char **q)
{
	int64_t n = 0;

	*q = p;
	if (p >= end || !scan_isdigit((unsigned char)*p))
		return -1;
	while (p < end && scan_isdigit((unsigned char)*p) && n < INT64_MAX / 20)
		n = n * 10 + (*p++ - '0');
	*q = p;
	return n;
}

/*
 * qmgr's "<S>, size=N, nrcpt=N (queue active)" after "from=", read in
 * order (the sender may hold a comma: its '>' ends it).
 */
static enum lc_kind
qmgr_from(const char *p, const char *end, struct lc_line *out)
{
	const char *q;

	if (p < end && *p == '<') {
		if ((q = scan_upto3(p, end, '>', '>', '>')) == end)
			return LC_NONE;
		out->sender = bs_span_make(p + 1, (size_t)(q - p - 1));
		q++;
	} else {
		q = upto(p, end, ',', '\0');
		out->sender = bs_span_make(p, (size_t)(q - p));
	}
	out->has_sender = true;
	p = q;
	if (scan_prefix(p, end, SCAN_LIT(", size="))) {
		out->size = digits(p + 7, end, &p);
		if (scan_prefix(p, end, SCAN_LIT(", nrcpt=")))
			out->nrcpt = digits(p + 8, end, &p);
	}
	return LC_INFO;
}

static enum lc_kind
postfix(
    const struct syslog_prefix *pfx, struct bs_span svc, struct lc_line *out)
{
	const char *p = pfx->msg.ptr, *end = p + pfx->msg.len;
	struct bs_span v;
	size_t n;

	/* Only smtpd, pickup, cleanup and qmgr log these: the noise
	 * services (most lines) stop here. */
	switch (svc.len) {
	case 4:
	case 5:
	case 6:
	case 7:
		break;
	default:
		return LC_NONE;
	}
	if (svc.ptr[0] != 's' && svc.ptr[0] != 'p' && svc.ptr[0] != 'c' &&
	    svc.ptr[0] != 'q' && svc.ptr[0] != 'n' && svc.ptr[0] != 'o')
		return LC_NONE;
	if ((n = colon_qid(p, end)) == 0)
		return LC_NONE;
	clear(out);
	out->queue_id = bs_span_make(p, n);
	p += n + 2;
	if (p >= end)
		return LC_NONE;
	if (scan_span_is(svc, SCAN_LIT("smtpd")) &&
	    scan_prefix(p, end, SCAN_LIT("client="))) {
		/* "client=HOST[IP][, sasl_method=M, sasl_username=U]" */
		const char *c = p + 7, *q = memchr(c, ',', (size_t)(end - c));

		out->client =
		    bs_span_make(c, (size_t)((q != NULL ? q : end) - c));
		if (q != NULL)
			(void)field(q, end, SCAN_LIT("sasl_username="), ", ",
			    &out->sasl_user);
		return LC_START;
	}
	if (scan_span_is(svc, SCAN_LIT("pickup")) &&
	    scan_prefix(p, end, SCAN_LIT("uid="))) {
		/* Issue 14: "uid=N from=" as Postfix writes it, the first
		 * "from=" (no byte of "uid=N " is an 'f'), without the
		 * search of field() */
		const char *d = p + 4;

		while (d < end && scan_isdigit((unsigned char)*d))
			d++;
		if (scan_prefix(d, end, SCAN_LIT(" from="))) {
			d += 6;
			out->sender = unbracket(bs_span_make(
			    d, (size_t)(upto(d, end, ' ', ',') - d)));
			out->has_sender = true;
		} else if (field(p, end, SCAN_LIT("from="), " ,", &v)) {
			out->sender = unbracket(v);
			out->has_sender = true;
		}
		out->client = bs_span_make("local", 5);
		return LC_START;
	}
	if (scan_span_is(svc, SCAN_LIT("cleanup")) &&
	    scan_prefix(p, end, SCAN_LIT("message-id="))) {
		const char *q = upto(p + 11, end, ' ', ',');

		out->message_id =
		    unbracket(bs_span_make(p + 11, (size_t)(q - p - 11)));
		return LC_INFO;
	}
	if (svc.len >= 4 && memcmp(svc.ptr + svc.len - 4, "qmgr", 4) == 0) {
		if (scan_prefix(p, end, SCAN_LIT("removed")))
			return LC_END;
		/* "from=<S>, size=N, nrcpt=N (queue active)"; a
		 * "from=..., status=expired" is a result, never here */
		if (!scan_prefix(p, end, SCAN_LIT("from=")))
			return LC_NONE;
		return qmgr_from(p + 5, end, out);
	}
	return LC_NONE;
}

/* Exim's queue id at p followed by a space: 6-6-2 or 6-11-4. */
static size_t
exim_qid(const char *p, const char *end)
{
	const char *q = p;
	size_t a;

	for (a = 0; q < end && (qid_char((unsigned char)*q) || *q == '-'); q++)
		a++;
	if ((a != 16 && a != 23) || q >= end || *q != ' ' || p[6] != '-')
		return 0;
	return a;
}

static enum lc_kind
exim(const struct syslog_prefix *pfx, struct lc_line *out)
{
	const char *p = pfx->msg.ptr, *end = p + pfx->msg.len, *sp;
	struct bs_span v;
	size_t n;
	int i;

	/* Exim's own stamp (syslog_timestamp), "YYYY-MM-DD HH:MM:SS
	 * [[pid]] ", inside the message of a syslog line. */
	if (p < end && scan_isdigit((unsigned char)*p) &&
	    exim_qid(p, end) == 0) {
		for (i = 0; i < 2 && p < end; i++) {
			if ((sp = memchr(p, ' ', (size_t)(end - p))) == NULL)
				return LC_NONE;
			p = sp + 1;
		}
		if (p < end && *p == '[' &&
		    (sp = memchr(p, ' ', (size_t)(end - p))) != NULL)
			p = sp + 1;
	}
	if ((n = exim_qid(p, end)) == 0)
		return LC_NONE;
	clear(out);
	out->queue_id = bs_span_make(p, n);
	p += n + 1;
	if (scan_prefix(p, end, SCAN_LIT("Completed")))
		return LC_END;
	if (scan_prefix(
		p, end, SCAN_LIT("cancelled by timeout_frozen_after"))) {
		out->cancelled = true;
		return LC_INFO;
	}
	if (!scan_prefix(p, end, SCAN_LIT("<= ")))
		return LC_NONE;
	p += 3;
	sp = memchr(p, ' ', (size_t)(end - p));
	v = bs_span_make(p, sp != NULL ? (size_t)(sp - p) : (size_t)(end - p));
	out->sender = scan_span_is(v, SCAN_LIT("<>")) ? bs_span_make(p, 0) : v;
	out->has_sender = true;
	if (field(p, end, SCAN_LIT("H="), "", &v)) {
		/* H=name (helo) [ip]:port ... up to the next " X=" */
		const char *q = v.ptr, *e = v.ptr + v.len;

		while (q + 2 < e &&
		    !(q[0] == ' ' && q[1] >= 'A' && q[1] <= 'Z' && q[2] == '='))
			q++;
		out->client = bs_span_make(v.ptr, (size_t)(q - v.ptr));
		if (q + 2 >= e)
			out->client = v;
		/* no port */
		if ((sp = scan_rchr(out->client.ptr,
			 out->client.ptr + out->client.len, ']')) != NULL)
			out->client.len = (size_t)(sp + 1 - out->client.ptr);
	}
	if (field(p, end, SCAN_LIT("A="), " ", &v)) {
		const char *c = memchr(v.ptr, ':', v.len);

		if (c != NULL)
			out->sasl_user = bs_span_make(
			    c + 1, (size_t)(v.ptr + v.len - c - 1));
	}
	if (out->sasl_user.len == 0 && out->client.len == 0 &&
	    field(p, end, SCAN_LIT("U="), " ", &v))
		out->client = bs_span_make("local", 5);
	if (field(p, end, SCAN_LIT("S="), " ", &v))
		out->size = number(v);
	if (field(p, end, SCAN_LIT("id="), " ", &v))
		out->message_id = unbracket(v);
	return LC_START;
}

static enum lc_kind
sendmail(const struct syslog_prefix *pfx, struct lc_line *out)
{
	const char *p = pfx->msg.ptr, *end = p + pfx->msg.len;
	struct bs_span v;
	size_t n;

	if ((n = colon_qid(p, end)) == 0)
		return LC_NONE;
	clear(out);
	out->queue_id = bs_span_make(p, n);
	p += n + 2;
	if (scan_prefix(p, end, SCAN_LIT("AUTH="))) {
		if (!field(p, end, SCAN_LIT("authid="), ", ", &out->sasl_user))
			return LC_NONE;
		return LC_INFO;
	}
	if (!scan_prefix(p, end, SCAN_LIT("from=")))
		return LC_NONE;
	if (field(p, end, SCAN_LIT("from="), ",", &v)) {
		out->sender = unbracket(v);
		out->has_sender = true;
	}
	if (field(p, end, SCAN_LIT("size="), ", ", &v))
		out->size = number(v);
	if (field(p, end, SCAN_LIT("nrcpts="), ", ", &v))
		out->nrcpt = number(v);
	if (field(p, end, SCAN_LIT("msgid="), ", ", &v))
		out->message_id = unbracket(v);
	if (field(p, end, SCAN_LIT("relay="), ",", &v))
		out->client = v;
	return LC_START;
}

/*
 * OpenSMTPD (smtp_session.c, 6.4 and later), after a session ID of 16
 * lower-case hex digits:
 *
 *   SESSION smtp message msgid=X size=N nrcpt=N proto=P   LC_START
 *   SESSION smtp envelope evpid=E from=<S> to=<R>         LC_INFO
 *
 * The queue id is the message ID X, the first 8 hex digits of E (as the
 * result lines have it). S is remote input: it ends at the first
 * "> to=<".
 */
static enum lc_kind
opensmtpd(const struct syslog_prefix *pfx, struct lc_line *out)
{
	const char *p = pfx->msg.ptr, *end = p + pfx->msg.len, *q;
	struct bs_span v;

	for (q = p;
	     q < end && ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f'));
	     q++)
		;
	if (q - p != 16 || q >= end || *q != ' ')
		return LC_NONE;
	p = q + 1;
	if (scan_prefix(p, end, SCAN_LIT("smtp message msgid="))) {
		p += sizeof("smtp message msgid=") - 1;
		if (end - p < 8)
			return LC_NONE;
		clear(out);
		out->queue_id = bs_span_make(p, 8);
		if (field(p, end, SCAN_LIT("size="), " ", &v))
			out->size = number(v);
		if (field(p, end, SCAN_LIT("nrcpt="), " ", &v))
			out->nrcpt = number(v);
		return LC_START;
	}
	if (!scan_prefix(p, end, SCAN_LIT("smtp envelope evpid=")))
		return LC_NONE;
	p += sizeof("smtp envelope evpid=") - 1;
	if (end - p < 16 || !scan_prefix(p + 16, end, SCAN_LIT(" from=<")) ||
	    (q = scan_find(p + 16, end, SCAN_LIT("> to=<"))) == NULL)
		return LC_NONE;
	clear(out);
	out->queue_id = bs_span_make(p, 8);
	p += 16 + sizeof(" from=<") - 1;
	out->sender = bs_span_make(p, (size_t)(q - p));
	out->has_sender = true;
	return LC_INFO;
}

/* See lifecycle.h. */
enum lc_kind
lifecycle_parse(
    enum bs_mta mta, const struct syslog_prefix *pfx, struct lc_line *out)
{
	enum lc_kind k;
	struct bs_span svc = { NULL, 0 };

	out->kind = LC_NONE;
	if (pfx->msg.ptr == NULL || pfx->msg.len < 8)
		return LC_NONE;
	/* Postfix: most lines are of services that log none of these. */
	if (mta == BS_MTA_POSTFIX) {
		svc = service(pfx->program);
		if (svc.len < 4 || svc.len > 7)
			return LC_NONE;
	}
	switch (mta) {
	case BS_MTA_POSTFIX:
		k = postfix(pfx, svc, out);
		break;
	case BS_MTA_EXIM:
		k = exim(pfx, out);
		break;
	case BS_MTA_SENDMAIL:
		k = sendmail(pfx, out);
		break;
	case BS_MTA_OPENSMTPD:
		k = opensmtpd(pfx, out);
		break;
	default:
		k = LC_NONE;
		break;
	}
	out->kind = k;
	if (k != LC_NONE) {
		out->mta = mta;
		out->host = pfx->host;
		out->instance = lifecycle_instance(mta, pfx->program);
	}
	return k;
}

/* See lifecycle.h. */
void
lifecycle_result(
    enum bs_mta mta, const struct syslog_prefix *pfx, struct lc_line *out)
{
	const char *p = pfx->msg.ptr, *end = p + pfx->msg.len;
	struct bs_span v;

	out->kind = LC_RESULT;
	out->mta = mta;
	out->instance = lifecycle_instance(mta, pfx->program);
	out->transport = bs_span_make(NULL, 0);
	if (mta == BS_MTA_POSTFIX)
		out->transport = pfx->program;
	else if (p == NULL)
		return;
	else if (mta == BS_MTA_EXIM && field(p, end, SCAN_LIT("T="), " ", &v)) {
		/* "** rcpt R=dnslookup T=remote_smtp: SMTP error ...": the
		 * transport ends before the ':' that starts the error. */
		if (v.len > 1 && v.ptr[v.len - 1] == ':')
			v.len--;
		out->transport = v;
	} else if (mta == BS_MTA_SENDMAIL &&
	    field(p, end, SCAN_LIT("mailer="), ", ", &v))
		out->transport = v;
}
