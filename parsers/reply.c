/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * SMTP reply analysis without regular expressions (see reply.h).
 *
 * RFC 5321 4.2: a reply is a three-digit code, then a space (last line) or
 * a hyphen (continuation), then text; Postfix logs multi-line replies
 * joined, so "550-5.7.1 ... 550 5.7.1 ..." is one text and its first code
 * is the code. RFC 3463 2 / RFC 2034: the enhanced status code follows the
 * reply code as class "." subject "." detail, class 2, 4 or 5, subject and
 * detail of 1 to 3 digits.
 *
 * Also accepted, because real logs carry them: a leading "smtp;" (the
 * Diagnostic-Code form of RFC 3464, as in Exim and Sendmail logs), an
 * enhanced status written "#5.1.1" (qmail) right after the code or inside
 * parentheses anywhere in the text ("(#5.1.1 - chkuser)", "(#5.7.1)"),
 * and an enhanced status without a reply code at the start of the text.
 *
 * reply_find() looks further: a reply quoted by an MTA ("host X said:"),
 * an Exchange report ("Remote Server returned '550 ...'") or a client
 * library's error ("Expected response code 250 but got code \"550\", with
 * message \"550 ...\"", "(550, b'...')", "MessagingException: 421 ...").
 * Only 4xx and 5xx codes are taken from inside a text: a 2xx or 3xx one
 * there is the client's expectation, not the receiver's refusal. An
 * enhanced status inside a text must have a subject of 0 to 7 (RFC 3463
 * 3.1 defines no other), which keeps out version and tracking numbers
 * such as Yahoo's "[#4.16.1]".
 *
 * Does not judge the text (that is the classifier's job) and never fails.
 */
#include <stddef.h>
#include <string.h>

#include "reply.h"
#include "scan.h"

/*
 * Length of an RFC 3463 status at [p, end): [245] "." 1*3DIGIT "."
 * 1*3DIGIT, not followed by another digit or '.'. Returns 0 if none.
 */
static size_t
enhanced_len(const char *p, const char *end)
{
	const char *q = p;
	int part, n;

	/* Issue 14: one digit a part and a space after (a delivery's
	 * "2.0.0 Ok"), what the loop below finds for it, in one test. */
	if (end - p >= 6 && (p[0] == '2' || p[0] == '4' || p[0] == '5') &&
	    p[1] == '.' && scan_isdigit((unsigned char)p[2]) && p[3] == '.' &&
	    scan_isdigit((unsigned char)p[4]) && p[5] == ' ')
		return 5;
	if (q >= end || (*q != '2' && *q != '4' && *q != '5'))
		return 0;
	q++;
	for (part = 0; part < 2; part++) {
		if (q >= end || *q != '.')
			return 0;
		q++;
		for (n = 0; q < end && scan_isdigit((unsigned char)*q); n++)
			q++;
		if (n < 1 || n > 3)
			return 0;
	}
	if (q < end && (*q == '.' || scan_isdigit((unsigned char)*q)))
		return 0;
	/* "5.1.1abc" is not a status either; punctuation may follow. */
	if (q < end && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')))
		return 0;
	return (size_t)(q - p);
}

/*
 * True when sp is exactly an RFC 3463 status code: [245] "." 1*3digit "."
 * 1*3digit, nothing else.
 */
bool
reply_is_enhanced(struct bs_span sp)
{
	if (sp.ptr == NULL)
		return false;
	return sp.len > 0 && enhanced_len(sp.ptr, sp.ptr + sp.len) == sp.len;
}

/* "(#X.Y.Z" anywhere in [p, end): qmail-style status in parentheses. */
static struct bs_span
find_hash_status(const char *p, const char *end)
{
	const char *q;
	size_t n;

	while ((q = scan_find(p, end, SCAN_LIT("(#"))) != NULL) {
		if ((n = enhanced_len(q + 2, end)) > 0)
			return bs_span_make(q + 2, n);
		p = q + 2;
	}
	return bs_span_make(NULL, 0);
}

static const char *
skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/*
 * Parses the reply text into *out: code (0 when none), enhanced status
 * (empty when none) and the text after both. Spans point into text.
 * Never fails; reads only the len bytes of text.
 */
void
reply_parse(struct bs_span text, struct reply_info *out)
{
	const char *p = text.ptr,
		   *end = text.ptr != NULL ? text.ptr + text.len : NULL;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (p == NULL) {
		out->text = bs_span_make(NULL, 0);
		return;
	}
	p = skip_blanks(p, end);
	/* Issue 14: the call only for a text that may start so. */
	if (p < end && (*p | 0x20) == 's' &&
	    scan_prefix_ci(p, end, SCAN_LIT("smtp;")))
		p = skip_blanks(p + 5, end);

	/* RFC 5321 reply code: [245][0-9][0-9] then SP, '-' or the end. */
	if (end - p >= 3 && (p[0] == '2' || p[0] == '4' || p[0] == '5') &&
	    scan_isdigit((unsigned char)p[1]) &&
	    scan_isdigit((unsigned char)p[2]) &&
	    (end - p == 3 || p[3] == ' ' || p[3] == '-')) {
		out->code =
		    (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
		p += 3;
		if (p < end)
			p++; /* the ' ' or '-' */
		p = skip_blanks(p, end);
	}

	/* RFC 3463 status, possibly written "#5.1.1". */
	if (p < end && *p == '#' && (n = enhanced_len(p + 1, end)) > 0) {
		out->enhanced = bs_span_make(p + 1, n);
		p = skip_blanks(p + 1 + n, end);
	} else if ((n = enhanced_len(p, end)) > 0) {
		out->enhanced = bs_span_make(p, n);
		p = skip_blanks(p + n, end);
	}
	out->text = bs_span_make(p, (size_t)(end - p));
	if (out->enhanced.len == 0)
		out->enhanced = find_hash_status(p, end);
}

/* ---------------------------------------------------------------- */
/* finding a wrapped reply */

/*
 * May c stand right before a code or status found inside a text? A '#'
 * does ("#550 5.1.1", "(#5.1.1)") unless it ends a word, as a URL
 * fragment does ("DOC-1369#550" is a link, not a reply).
 */
static bool
left_boundary(const char *start, const char *p)
{
	unsigned char c, b;

	if (p == start)
		return true;
	c = (unsigned char)p[-1];
	if (c == '#') {
		if (p - 1 == start)
			return true;
		b = (unsigned char)p[-2];
		return !(scan_isdigit(b) ||
		    (scan_lower(b) >= 'a' && scan_lower(b) <= 'z') ||
		    b == '-' || b == '/' || b == '.' || b == '_');
	}
	return c == ' ' || c == '\t' || c == '\'' || c == '"' || c == '(' ||
	    c == '[' || c == '{' || c == '<' || c == '>' || c == ':' ||
	    c == ';' || c == '=' || c == ',';
}

/* A 4xx/5xx code at p (three digits, not a longer number)? */
static bool
fail_code_at(const char *p, const char *end)
{
	/* RFC 5321 4.2.1: the second digit is 0 to 5. */
	return end - p >= 3 && (p[0] == '4' || p[0] == '5') && p[1] >= '0' &&
	    p[1] <= '5' && scan_isdigit((unsigned char)p[2]) &&
	    (end - p == 3 || !scan_isdigit((unsigned char)p[3]));
}

/*
 * An RFC 3463 status inside a text: at a boundary, subject 0-7. Returns
 * its length or 0.
 */
static size_t
inner_status_len(const char *start, const char *p, const char *end)
{
	size_t n;

	if (!left_boundary(start, p) || (n = enhanced_len(p, end)) == 0)
		return 0;
	if (!scan_isdigit((unsigned char)p[2]) || p[2] > '7' ||
	    scan_isdigit((unsigned char)p[3]))
		return 0;
	return n;
}

/*
 * The first p in [p, end) where a status may start: a '2', '4' or '5'
 * followed by '.' (as enhanced_len() requires), or end.
 */
static const char *
skip_to_status(const char *p, const char *end)
{
#ifdef SCAN_SSE2
	for (; end - p >= 17; p += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i y =
		    _mm_loadu_si128((const __m128i *)(const void *)(p + 1));
		__m128i d = _mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('2')),
			_mm_cmpeq_epi8(x, _mm_set1_epi8('4'))),
		    _mm_cmpeq_epi8(x, _mm_set1_epi8('5')));
		unsigned m = (unsigned)_mm_movemask_epi8(
		    _mm_and_si128(d, _mm_cmpeq_epi8(y, _mm_set1_epi8('.'))));

		if (m != 0)
			return p + __builtin_ctz(m);
	}
#endif
	for (; p < end; p++)
		if ((*p == '2' || *p == '4' || *p == '5') && end - p > 1 &&
		    p[1] == '.')
			return p;
	return end;
}

/* The first inner status in [p, end), or an empty span. */
static struct bs_span
find_inner_status(const char *start, const char *p, const char *end)
{
	size_t n;

	for (; (p = skip_to_status(p, end)) < end; p++)
		if ((n = inner_status_len(start, p, end)) > 0)
			return bs_span_make(p, n);
	return bs_span_make(NULL, 0);
}

/* Case-insensitive search for lit in [p, end). */
static bool
has_ci(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	for (; end - p >= (ptrdiff_t)n; p++)
		if (scan_prefix_ci(p, end, lit, n))
			return true;
	return false;
}

/* The wrapper kind, from the text before the reply. */
static enum reply_wrapper
wrapper_of(const char *p, const char *end)
{
	if (p == end)
		return REPLY_WRAP_NONE;
	if (has_ci(p, end, "SMTP error from remote mail server"))
		return REPLY_WRAP_EXIM;
	if (has_ci(p, end, " said:") || has_ci(p, end, "refused to talk to me"))
		return REPLY_WRAP_POSTFIX;
	if (has_ci(p, end, "Remote Server returned") || end[-1] == '#')
		return REPLY_WRAP_EXCHANGE;
	if (has_ci(p, end, "response code") || has_ci(p, end, "Exception") ||
	    has_ci(p, end, "SMTPRecipientsRefused") ||
	    has_ci(p, end, "SMTPDataError") || has_ci(p, end, "SMTP Error") ||
	    has_ci(p, end, "recipients were rejected") ||
	    has_ci(p, end, "Failed to add recipient") || end[-1] == '(' ||
	    (end - p >= 2 && end[-2] == '(' && end[-1] == '\''))
		return REPLY_WRAP_CLIENT;
	return REPLY_WRAP_OTHER;
}

/* Skips the punctuation a client library puts between code and text:
 * "550, b'", "550: ", "\"550\", with message \"" (then the text may repeat
 * the code), "(550)". */
static const char *
skip_code_punct(const char *p, const char *end)
{
	while (p < end &&
	    (*p == '"' || *p == '\'' || *p == ')' || *p == ',' || *p == ':' ||
		*p == ' '))
		p++;
	if (p < end && *p == 'b' && p + 1 < end &&
	    (p[1] == '\'' || p[1] == '"'))
		p += 2;
	return p;
}

/* An ASCII letter (an apostrophe between two is part of a word). */
static bool
word_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * The wrapper's closing punctuation is not the reply's: "returned '550
 * ...'" and "(550, b'5.7.1 ...')}" end in the quote that opened the
 * reply, with the brackets around it. When the reply was opened by quote
 * q, trims that closing quote (and spaces and brackets after it) from the
 * reply and its text.
 */
static void
trim_close(char q, struct reply_info *out)
{
	const char *b = out->reply.ptr, *e = b + out->reply.len, *p;

	while (e > b &&
	    (e[-1] == ' ' || e[-1] == ')' || e[-1] == '}' || e[-1] == ']' ||
		e[-1] == '.'))
		e--;
	if (e == b || e[-1] != q || e - 1 < out->text.ptr)
		return;
	e--;
	/* Another such quote inside (not an apostrophe within a word):
	 * the quote at the end is not the closing one, e.g. ["a", "b"]. */
	for (p = out->text.ptr; p < e; p++)
		if (*p == q &&
		    !(p > out->text.ptr && p + 1 < e && word_byte(p[-1]) &&
			word_byte(p[1])))
			return;
	while (e > out->text.ptr && e[-1] == ' ')
		e--;
	out->reply.len = (size_t)(e - b);
	out->text.len = (size_t)(e - out->text.ptr);
}

/* The quote in [p, end), the last one, or 0. */
static char
open_quote(const char *p, const char *end)
{
	char q = 0;

	for (; p < end; p++)
		if (*p == '\'' || *p == '"')
			q = *p;
	return q;
}

/* See reply.h. */
void
reply_find(struct bs_span text, struct reply_info *out)
{
	const char *start = text.ptr, *end, *p, *strong = NULL, *weak = NULL;
	const char *q;
	size_t n;

	reply_parse(text, out);
	out->wrapper = REPLY_WRAP_NONE;
	if (start == NULL)
		return;
	end = start + text.len;
	out->reply = text;
	if (out->code != 0 ||
	    (out->enhanced.len > 0 && out->enhanced.ptr < out->text.ptr))
		return;

	for (p = start;
	     strong == NULL && (p = scan_upto3(p, end, '4', '5', '5')) < end;
	     p++) {
		if (!fail_code_at(p, end) || !left_boundary(start, p))
			continue;
		if (end - p == 3 || p[3] == ' ' || p[3] == '-') {
			/* "550 text", "550-5.7.1": a reply; "550 " at the
			 * very end or before a digit run is not. */
			if (end - p > 4 && scan_isdigit((unsigned char)p[4]) &&
			    enhanced_len(p + 4, end) == 0)
				continue;
			strong = p;
		} else if (weak == NULL &&
		    (p[3] == '"' || p[3] == '\'' || p[3] == ')' ||
			p[3] == ',' || p[3] == ':') &&
		    !(p > start && p[-1] == ':' && p[3] == ':'))
			weak = p; /* not a port as in "[192.0.2.1]:443:" */
	}
	if (strong != NULL) {
		reply_parse(bs_span_make(strong, (size_t)(end - strong)), out);
		out->reply = bs_span_make(strong, (size_t)(end - strong));
		if (strong > start && (strong[-1] == '\'' || strong[-1] == '"'))
			trim_close(strong[-1], out);
		p = strong;
	} else if (weak != NULL) {
		out->code = (weak[0] - '0') * 100 + (weak[1] - '0') * 10 +
		    (weak[2] - '0');
		q = skip_code_punct(weak + 3, end);
		out->enhanced = bs_span_make(NULL, 0);
		if ((n = enhanced_len(q, end)) > 0) {
			out->enhanced = bs_span_make(q, n);
			q += n;
			while (q < end && *q == ' ')
				q++;
		}
		out->text = bs_span_make(q, (size_t)(end - q));
		out->reply = bs_span_make(weak, (size_t)(end - weak));
		if ((n = (size_t)open_quote(weak + 3, out->text.ptr)) != 0)
			trim_close((char)n, out);
		p = weak;
	} else {
		/* No code: the whole text is the reply (its words matter),
		 * with the status found inside it, e.g. "Sorry, no mailbox
		 * here by that name. (#5.1.1)". */
		out->enhanced = find_inner_status(start, start, end);
		out->text = text;
		return;
	}
	if (out->enhanced.len == 0)
		out->enhanced = find_inner_status(start, out->text.ptr, end);
	out->wrapper = wrapper_of(start, p);
}

/* See reply.h. */
const char *
reply_wrapper_name(enum reply_wrapper w)
{
	static const char *const names[REPLY_WRAP_COUNT] = { "none", "postfix",
		"exim", "exchange", "client", "other" };

	return (unsigned)w < REPLY_WRAP_COUNT ? names[w] : "other";
}
