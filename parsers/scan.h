/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Bounded byte scanning for the line parsers: searching, prefix tests,
 * fixed-width and strict decimal integers, span trimming. Every function
 * takes an explicit end (or length) and never reads past it; none
 * allocates, none depends on locale (ASCII only) or on NUL termination,
 * so NUL bytes inside a line are ordinary bytes.
 */
#ifndef BS_PARSERS_SCAN_H
#define BS_PARSERS_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "event.h"

#if defined(__SSE2__) && defined(__x86_64__) && !defined(BS_NO_SIMD)
#include <emmintrin.h>
#define SCAN_SSE2 1

/* The bytes of x in [lo, hi], ASCII ranges only: signed compares, so bytes
 * above 0x7f are in none. */
static inline __m128i
scan_range16(__m128i x, char lo, char hi)
{
	return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8((char)(lo - 1))),
	    _mm_cmplt_epi8(x, _mm_set1_epi8((char)(hi + 1))));
}
#endif

/* A string literal and its length, for the (ptr, len) arguments below. */
#define SCAN_LIT(s) (s), (sizeof(s) - 1)

/* First occurrence of needle (nlen > 0 bytes) in [p, end), or NULL. */
const char *scan_find(
    const char *p, const char *end, const char *needle, size_t nlen);

/* Last occurrence of needle (nlen > 0 bytes) in [p, end), or NULL. */
const char *scan_rfind(
    const char *p, const char *end, const char *needle, size_t nlen);

/*
 * Last occurrence of byte c in [p, end), or NULL. Inline, like
 * scan_span_is(): both run on program names of every line (issue 14).
 * Eight bytes a step from the end where the host is little-endian
 * ("postfix/smtp": one step), with an exact test for a byte equal to c
 * (no borrow between bytes, so the highest match is the last byte c).
 */
static inline const char *
scan_rchr(const char *p, const char *end, int c)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t lo = UINT64_C(0x7f7f7f7f7f7f7f7f),
		       k = UINT64_C(0x0101010101010101) * (unsigned char)c;
	uint64_t v, x, m;

	while (end - p >= 8) {
		memcpy(&v, end - 8, 8);
		x = v ^ k;
		m = ~(((x & lo) + lo) | x | lo);
		if (m != 0)
			return end - 8 + ((63 - __builtin_clzll(m)) >> 3);
		end -= 8;
	}
#endif
	while (end > p) {
		end--;
		if (*end == (char)c)
			return end;
	}
	return NULL;
}

#define SCAN_SWAR_ONES UINT64_C(0x0101010101010101)
#define SCAN_SWAR_HIGH UINT64_C(0x8080808080808080)

/* The bytes of v equal to c, as their high bits (the lowest is exact). */
static inline uint64_t
scan_swar_eq(uint64_t v, unsigned char c)
{
	uint64_t x = v ^ (SCAN_SWAR_ONES * c);

	return (x - SCAN_SWAR_ONES) & ~x & SCAN_SWAR_HIGH;
}

/*
 * The first byte in [p, end) that is a, b or c, else end (issue 14:
 * syslog's host and tag scans, moved here for the Postfix fields).
 * Sixteen bytes a step with SSE2 (every x86-64 has it), eight where the
 * host is little-endian, else byte by byte. Reads only inside [p, end).
 */
static inline const char *
scan_upto3(const char *p, const char *end, char a, char b, char c)
{
#ifdef SCAN_SSE2
	const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b),
		      vc = _mm_set1_epi8(c);
	const char *start = p;
	__m128i x;
	unsigned bits;

	while (end - p >= 16) {
		x = _mm_loadu_si128((const __m128i *)(const void *)p);
		bits = (unsigned)_mm_movemask_epi8(_mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb)),
		    _mm_cmpeq_epi8(x, vc)));
		if (bits != 0)
			return p + __builtin_ctz(bits);
		p += 16;
	}
	/* The last bytes (fewer than 16) with the step that ends at end,
	 * the bytes before p left out: a value at the end of a line. */
	if (p < end && end - start >= 16) {
		x = _mm_loadu_si128((const __m128i *)(const void *)(end - 16));
		bits = (unsigned)_mm_movemask_epi8(
			   _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, va),
					    _mm_cmpeq_epi8(x, vb)),
			       _mm_cmpeq_epi8(x, vc))) &
		    (0xffffU << (16 - (end - p)));
		return bits != 0 ? end - 16 + __builtin_ctz(bits) : end;
	}
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t v, m;

	while (end - p >= 8) {
		memcpy(&v, p, 8);
		m = scan_swar_eq(v, (unsigned char)a) |
		    scan_swar_eq(v, (unsigned char)b) |
		    scan_swar_eq(v, (unsigned char)c);
		if (m != 0)
			return p + (__builtin_ctzll(m) >> 3);
		p += 8;
	}
#endif
	for (; p < end; p++)
		if (*p == a || *p == b || *p == c)
			return p;
	return end;
}

/* As scan_prefix(), comparing ASCII letters without regard to case. */
bool scan_prefix_ci(
    const char *p, const char *end, const char *lit, size_t nlen);

/* True when the span is exactly the nlen bytes of lit. */
static inline bool
scan_span_is(struct bs_span sp, const char *lit, size_t nlen)
{
	return sp.len == nlen && (nlen == 0 || memcmp(sp.ptr, lit, nlen) == 0);
}

/*
 * Reads exactly n decimal digits at p (p + n must not exceed end). Returns
 * their value, or -1 when any of them is not a digit.
 */
int scan_fixed(const char *p, const char *end, int n);

/*
 * Strict unsigned decimal of the whole span: 1 to 19 digits, no sign, no
 * space, value at most max. Returns 0 and sets *out, or -1.
 */
int scan_uint(struct bs_span sp, uint64_t max, uint64_t *out);

/* Span [p, end) without leading and trailing spaces and tabs. */
struct bs_span scan_trim(const char *p, const char *end);

/*
 * The first ',' in [p, end) outside '<...>' and '"..."' (an address list
 * such as Sendmail's `to=<a@x>,"b, c"@y`); with then_space, only a ','
 * followed by a space counts. Returns its position, or end.
 */
const char *scan_list_comma(const char *p, const char *end, bool then_space);

/*
 * Queue id bytes, by value (bytes >= 0x80 are 0): SCAN_QID_ALNUM for
 * [0-9A-Za-z], SCAN_QID_NOTHEX for a letter that is no upper-case hex
 * digit, SCAN_QID_VOWEL for a vowel. A table (16 bytes a row), since the
 * Postfix and lifecycle parsers test every byte of every line's first
 * word (issue 14).
 */
enum {
	SCAN_QID_ALNUM = 1,
	SCAN_QID_NOTHEX = 2,
	SCAN_QID_VOWEL = 4
};
extern const unsigned char scan_qid_class[256];

/* True for ASCII 0-9. */
static inline bool
scan_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

/*
 * True when [p, end) starts with the nlen bytes of lit. Inline so that a
 * literal's memcmp() is expanded by the compiler (it runs on every line).
 */
static inline bool
scan_prefix(const char *p, const char *end, const char *lit, size_t nlen)
{
	return p <= end && (size_t)(end - p) >= nlen &&
	    memcmp(p, lit, nlen) == 0;
}

/* ASCII lower-casing, independent of locale. */
static inline int
scan_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/*
 * Copies n bytes of s to d (not overlapping) without a call for the
 * short ones (issue 14: memcpy() of a variable size was half of a memo
 * probe and a word's cost in a reply template): 8-byte moves, the
 * last one overlapping, or two overlapping 4-byte ones.
 */
static inline void
copy_short(char *d, const char *s, size_t n)
{
	uint64_t a, b;
	uint32_t x, y;
	size_t i;

	if (n >= 8) {
		for (i = 0; i + 8 < n; i += 8) {
			memcpy(&a, s + i, 8);
			memcpy(d + i, &a, 8);
		}
		memcpy(&b, s + n - 8, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4) {
		memcpy(&x, s, 4);
		memcpy(&y, s + n - 4, 4);
		memcpy(d, &x, 4);
		memcpy(d + n - 4, &y, 4);
	} else
		for (i = 0; i < n; i++)
			d[i] = s[i];
}

#endif
