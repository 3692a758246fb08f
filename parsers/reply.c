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
 * Does not judge the text (that is the classifier's job) and never fails.
 */
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
	if (scan_prefix_ci(p, end, SCAN_LIT("smtp;")))
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
