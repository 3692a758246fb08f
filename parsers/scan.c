/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Bounded byte scanning (see scan.h). memchr() finds candidate first
 * bytes, a byte loop confirms; no GNU extensions (memmem, memrchr) so the
 * code builds with _POSIX_C_SOURCE alone. Nothing here reads outside the
 * range it is given.
 */
#include <string.h>

#include "scan.h"

/*
 * Returns the first occurrence of the nlen bytes of needle in [p, end), or
 * NULL when there is none or nlen is 0. Reads only inside [p, end).
 */
const char *
scan_find(const char *p, const char *end, const char *needle, size_t nlen)
{
	const char *last;
	size_t i;

	if (nlen == 0 || p >= end || (size_t)(end - p) < nlen)
		return NULL;
	last = end - nlen;
	while (p <= last) {
		p = memchr(p, (unsigned char)needle[0], (size_t)(last - p) + 1);
		if (p == NULL)
			return NULL;
		/*
		 * Byte by byte: a false candidate mostly fails at its second
		 * byte, and a call to memcmp() for it cost more than the
		 * search (1% of an import).
		 */
		for (i = 1; i < nlen && p[i] == needle[i]; i++)
			;
		if (i == nlen)
			return p;
		p++;
	}
	return NULL;
}

/*
 * Returns the last occurrence of the nlen bytes of needle in [p, end), or
 * NULL. Scans backwards, so a match near the end is found quickly.
 */
const char *
scan_rfind(const char *p, const char *end, const char *needle, size_t nlen)
{
	const char *q;

	if (nlen == 0 || p >= end || (size_t)(end - p) < nlen)
		return NULL;
	for (q = end - nlen;; q--) {
		if (*q == needle[0] && memcmp(q + 1, needle + 1, nlen - 1) == 0)
			return q;
		if (q == p)
			break;
	}
	return NULL;
}

/* True when [p, end) begins with lit, ASCII letters compared caselessly. */
bool
scan_prefix_ci(const char *p, const char *end, const char *lit, size_t nlen)
{
	size_t i;

	if (p > end || (size_t)(end - p) < nlen)
		return false;
	for (i = 0; i < nlen; i++)
		if (scan_lower((unsigned char)p[i]) !=
		    scan_lower((unsigned char)lit[i]))
			return false;
	return true;
}

/*
 * Returns the value of the n decimal digits at p, or -1 if p + n passes
 * end or any byte is not a digit. n is small (at most 9).
 */
int
scan_fixed(const char *p, const char *end, int n)
{
	int i, v = 0;

	if (n < 0 || p > end || end - p < n)
		return -1;
	for (i = 0; i < n; i++) {
		if (!scan_isdigit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/*
 * Parses the whole span as an unsigned decimal: digits only (no sign, no
 * space, no empty string), at most 19 of them so no overflow is possible,
 * and a value no greater than max. Returns 0 with *out set, or -1.
 */
int
scan_uint(struct bs_span sp, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (sp.len == 0 || sp.len > 19)
		return -1;
	for (i = 0; i < sp.len; i++) {
		if (!scan_isdigit((unsigned char)sp.ptr[i]))
			return -1;
		v = v * 10 + (uint64_t)(sp.ptr[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* Returns [p, end) without leading and trailing blanks (space, tab). */
struct bs_span
scan_trim(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return bs_span_make(p, (size_t)(end - p));
}

/* See scan.h. */
const char *
scan_list_comma(const char *p, const char *end, bool then_space)
{
	bool quoted = false, angle = false;

	for (; p < end; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && *p == '<')
			angle = true;
		else if (!quoted && *p == '>')
			angle = false;
		else if (!quoted && !angle && *p == ',' &&
		    (!then_space || (p + 1 < end && p[1] == ' ')))
			break;
	}
	return p;
}

/* See scan.h. */
/* clang-format off */
const unsigned char scan_qid_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
	0, 5, 1, 1, 1, 5, 1, 3, 3, 7, 3, 3, 3, 3, 3, 7,
	3, 3, 3, 3, 3, 7, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0,
	0, 7, 3, 3, 3, 7, 3, 3, 3, 7, 3, 3, 3, 3, 3, 7,
	3, 3, 3, 3, 3, 7, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0
};
/* clang-format on */
