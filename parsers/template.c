/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Reply normalisers (see template.h): template_normalize(), the grouping
 * key of unclassified replies, and template_reply(), the sample key of
 * classified ones. Moved here from the storage layer so that they are
 * pure, fuzzable (tests/fuzz/fuzz_template.c) and shared by the store
 * (which keys reply samples by them) and the queries (which group by
 * template_normalize() in SQL) without the two including each other.
 *
 * Not here: hashing, allocation, locale; every write is bounded by the
 * caller's outlen.
 */
#include <stdbool.h>
#include <string.h>

#include "scan.h"
#include "template.h"

/* SSE2: every x86-64 has it (scan.h); BS_NO_SIMD: the table loop. */
#ifdef SCAN_SSE2
#define TD_SSE2 1
#endif

/*
 * Issue 14: the bytes of a reply template by class, one table load a
 * byte: TD_DELIM ends a word, TD_VAR (a digit, '@') makes the word it
 * is in variable.
 */
#define TD_DELIM 1
#define TD_VAR   2
static const unsigned char reply_class[256] = { [' '] = TD_DELIM,
	['['] = TD_DELIM,
	[']'] = TD_DELIM,
	['<'] = TD_DELIM,
	['>'] = TD_DELIM,
	['('] = TD_DELIM,
	[')'] = TD_DELIM,
	[','] = TD_DELIM,
	[';'] = TD_DELIM,
	[':'] = TD_DELIM,
	['"'] = TD_DELIM,
	['\''] = TD_DELIM,
	['='] = TD_DELIM,
	['&'] = TD_DELIM,
	['0'] = TD_VAR,
	['1'] = TD_VAR,
	['2'] = TD_VAR,
	['3'] = TD_VAR,
	['4'] = TD_VAR,
	['5'] = TD_VAR,
	['6'] = TD_VAR,
	['7'] = TD_VAR,
	['8'] = TD_VAR,
	['9'] = TD_VAR,
	['@'] = TD_VAR };

#ifdef TD_SSE2
/*
 * Issue 14: reply_class() of the 16 bytes at p as two bit masks, the
 * delimiters (TD_DELIM: "&'()" and ":;<=>" as ranges, ' ' '"' ',' '['
 * ']') and the variable bytes (TD_VAR: digits, '@'). Signed compares:
 * bytes >= 0x80 are in no range, as in the table.
 */
static inline void
td_masks(const unsigned char *p, unsigned *delim, unsigned *var)
{
	const __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i d = _mm_or_si128(
	    _mm_or_si128(scan_range16(x, '&', ')'), scan_range16(x, ':', '>')),
	    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')),
			     _mm_cmpeq_epi8(x, _mm_set1_epi8('"'))),
		_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(',')),
		    _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('[')),
			_mm_cmpeq_epi8(x, _mm_set1_epi8(']'))))));
	__m128i v = _mm_or_si128(
	    scan_range16(x, '0', '9'), _mm_cmpeq_epi8(x, _mm_set1_epi8('@')));

	*delim = (unsigned)_mm_movemask_epi8(d);
	*var = (unsigned)_mm_movemask_epi8(v);
}
#endif

/*
 * Writes the template of reply s (len bytes, any bytes) to out (outlen
 * bytes, caller-owned, no NUL): see template.h. Returns its length.
 *
 * Issue 14: with SSE2 the classes of sixteen bytes are two bit masks
 * (td_masks()) made once for every word and delimiter in them; the
 * table loop reads the last bytes.
 */
size_t
template_reply(const char *s, size_t len, char *out, size_t outlen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, j, k, n = 0;
	unsigned c, var;
#ifdef TD_SSE2
	size_t b = 0; /* the masks' bytes: [b, b + 16) */
	bool have = false;
	unsigned dm = 0, vm = 0, m, t, off;
#endif

	if (s == NULL)
		len = 0;
	while (i < len && n < outlen) {
#ifdef TD_SSE2
		if (!have || i - b >= 16) {
			have = len - i >= 16;
			if (have) {
				b = i;
				td_masks(u + b, &dm, &vm);
			}
		}
		if (have) {
			off = (unsigned)(i - b);
			if ((dm >> off) & 1) {
				out[n++] = s[i++];
				continue;
			}
			if ((m = dm >> off) != 0) {
				t = (unsigned)__builtin_ctz(m);
				var = (vm >> off) & ((1U << t) - 1);
				j = i + t;
			} else {
				/* the word goes on past these sixteen */
				var = vm >> off;
				j = b + 16;
				have = false;
				while (len - j >= 16) {
					b = j;
					td_masks(u + b, &dm, &vm);
					if (dm != 0) {
						t = (unsigned)__builtin_ctz(dm);
						var |= vm & ((1U << t) - 1);
						j += t;
						have = true;
						break;
					}
					var |= vm;
					j += 16;
				}
				if (!have)
					for (; j < len &&
					     !((c = reply_class[u[j]]) &
						 TD_DELIM);
					     j++)
						var |= c;
			}
		} else
#endif
		{
			if (reply_class[u[i]] & TD_DELIM) {
				out[n++] = s[i++];
				continue;
			}
			var = 0;
			for (j = i;
			     j < len && !((c = reply_class[u[j]]) & TD_DELIM);
			     j++)
				var |= c;
		}
		if (var != 0)
			out[n++] = 1;
		else {
			/* the word, cut at outlen */
			k = j - i < outlen - n ? j - i : outlen - n;
			copy_short(out + n, s + i, k);
			n += k;
		}
		i = j;
	}
	return n;
}

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	    c == '\f';
}

static bool
is_alnum(unsigned char c)
{
	return scan_isdigit(c) || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

static bool
is_hex(unsigned char c)
{
	return scan_isdigit(c) || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static bool
in_set(unsigned char c, const char *set)
{
	return c != '\0' && strchr(set, c) != NULL;
}

struct out {
	char *p;
	size_t len, cap; /* cap excludes the NUL */
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (n > o->cap - o->len)
		n = o->cap - o->len;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

/* Length of a leading "NNN" code or "d.ddd.ddd" status at s, else 0. */
static size_t
lead_code(const unsigned char *s, size_t len, bool enhanced)
{
	size_t i = 0, part, parts;

	if (!enhanced) {
		if (len >= 3 && scan_isdigit(s[0]) && scan_isdigit(s[1]) &&
		    scan_isdigit(s[2]) && (len == 3 || !is_alnum(s[3])))
			return 3;
		return 0;
	}
	for (parts = 0; parts < 3; parts++) {
		if (parts > 0) {
			if (i >= len || s[i] != '.')
				return 0;
			i++;
		}
		for (part = 0; i < len && scan_isdigit(s[i]) && part < 3;
		     part++)
			i++;
		if (part == 0)
			return 0;
	}
	return i < len && is_alnum(s[i]) ? 0 : i;
}

/* Emits one whitespace-free word, rewritten (see template_normalize()). */
static void
put_word(struct out *o, const unsigned char *w, size_t n)
{
	size_t i, j, k;
	bool digit, hex;

	if (memchr(w, '@', n) != NULL) {
		for (i = 0; i < n && in_set(w[i], "<([\"'"); i++)
			;
		for (j = n; j > i && in_set(w[j - 1], ">)]\"':;,."); j--)
			;
		put(o, (const char *)w, i);
		put(o, "*@*", 3);
		put(o, (const char *)w + j, n - j);
		return;
	}
	for (i = 0; i < n; i = j) {
		if (!is_alnum(w[i])) {
			put(o, (const char *)w + i, 1);
			j = i + 1;
			continue;
		}
		digit = false;
		hex = true;
		for (j = i; j < n && is_alnum(w[j]); j++) {
			digit |= scan_isdigit(w[j]);
			hex &= is_hex(w[j]);
		}
		if (digit && hex) {
			put(o, "#", 1);
			continue;
		}
		for (k = i; k < j; k++) {
			if (!scan_isdigit(w[k])) {
				put(o, (const char *)w + k, 1);
				continue;
			}
			put(o, "#", 1);
			while (k + 1 < j && scan_isdigit(w[k + 1]))
				k++;
		}
	}
}

/*
 * Writes the grouping key of reply s (len bytes, any bytes) to out: see
 * template.h. outlen 0 writes nothing. Returns the length, without the NUL.
 */
size_t
template_normalize(const char *str, size_t len, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)str;
	struct out o = { out, 0, outlen > 0 ? outlen - 1 : 0 };
	size_t i = 0, n, w;

	if (outlen == 0)
		return 0;
	if (s == NULL)
		len = 0;
	while (i < len && is_space(s[i]))
		i++;
	if ((n = lead_code(s + i, len - i, false)) > 0) {
		put(&o, (const char *)s + i, n);
		i += n;
		if (i < len && (s[i] == '-' || is_space(s[i]))) {
			put(&o, s[i] == '-' ? "-" : " ", 1); /* 421-4.7.0 */
			i++;
		}
		while (i < len && is_space(s[i]))
			i++;
	}
	if ((n = lead_code(s + i, len - i, true)) > 0) {
		put(&o, (const char *)s + i, n);
		i += n;
	}
	while (i < len) {
		while (i < len && is_space(s[i]))
			i++;
		for (w = i; w < len && !is_space(s[w]); w++)
			;
		if (w > i) {
			if (o.len > 0 && out[o.len - 1] != ' ')
				put(&o, " ", 1);
			put_word(&o, s + i, w - i);
		}
		i = w;
	}
	while (o.len > 0 && out[o.len - 1] == ' ')
		o.len--;
	out[o.len] = '\0';
	return o.len;
}

/* template_mask_ids(): the bytes its bit path reads (the classifier's
 * subject is at most 1024); a longer reply takes the byte loop. */
#define MASK_WORDS 16

/* Makes s[i..j) 'x' in out, which is first filled with s (*copied). */
static void
mask_span(
    const char *s, size_t len, size_t i, size_t j, char *out, bool *copied)
{
	if (!*copied) {
		memcpy(out, s, len);
		*copied = true;
	}
	memset(out + i, 'x', j - i);
}

/* template_mask_ids() a byte at a time. */
static bool
mask_ids_bytes(const char *s, size_t len, char *out)
{
	const unsigned char *u = (const unsigned char *)s;
	bool copied = false;
	size_t i = 0, j, digits;

	while (i < len) {
		if (!is_alnum(u[i])) {
			i++;
			continue;
		}
		for (j = i, digits = 0; j < len && is_alnum(u[j]); j++)
			digits += scan_isdigit(u[j]);
		if (j - i >= TEMPLATE_ID_MIN && digits > 0 && digits < j - i)
			mask_span(s, len, i, j, out, &copied);
		i = j;
	}
	return copied;
}

/* Are some, and are all, of bits [from, to) of the bit array v set? */
static void
bits_some_all(const uint64_t *v, size_t from, size_t to, bool *some, bool *all)
{
	uint64_t in;
	size_t w;

	*some = false;
	*all = true;
	for (w = from / 64; w * 64 < to; w++) {
		in = ~UINT64_C(0);
		if (w == from / 64)
			in &= ~UINT64_C(0) << (from % 64);
		if ((w + 1) * 64 > to)
			in &= ~(~UINT64_C(0) << (to % 64));
		*some |= (v[w] & in) != 0;
		*all &= (v[w] & in) == in;
	}
}

/* The first clear bit of v at or after from (v's last word is 0). */
static size_t
bits_next_clear(const uint64_t *v, size_t from)
{
	uint64_t m;

	for (;;) {
		m = ~v[from / 64] >> (from % 64);
		if (m != 0)
			return from + (size_t)__builtin_ctzll(m);
		from = (from / 64 + 1) * 64;
	}
}

/* Sets in a (letters and digits) and d (digits) the bits of the 16 bytes
 * at u (bits masked off below skip) at bit i, i % 16 == 0. */
static void
mask_bits16(
    const unsigned char *u, unsigned skip, size_t i, uint64_t *a, uint64_t *d)
{
#ifdef TD_SSE2
	/* x + (0x80 - lo) is below -128 + width, as a signed byte, just
	 * for the bytes lo .. lo + width - 1 (one add and one compare) */
	const __m128i x = _mm_loadu_si128((const __m128i *)(const void *)u);
	const __m128i lx = _mm_or_si128(x, _mm_set1_epi8(0x20));
	const __m128i dg =
	    _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - '0'))),
		_mm_set1_epi8((char)(-128 + 10)));
	const __m128i lt =
	    _mm_cmplt_epi8(_mm_add_epi8(lx, _mm_set1_epi8((char)(0x80 - 'a'))),
		_mm_set1_epi8((char)(-128 + 26)));
	uint16_t am, dm;

	/* each 16 bits are written once into zeroed words, and x86-64 is
	 * little-endian: bits i .. i + 15 are the two bytes at i / 8 */
	am = (uint16_t)((unsigned)_mm_movemask_epi8(_mm_or_si128(dg, lt)) >>
	    skip);
	dm = (uint16_t)((unsigned)_mm_movemask_epi8(dg) >> skip);
	memcpy((unsigned char *)a + i / 8, &am, sizeof(am));
	memcpy((unsigned char *)d + i / 8, &dm, sizeof(dm));
#else
	unsigned k;

	for (k = skip; k < 16; k++) {
		if (is_alnum(u[k]))
			a[i / 64] |= UINT64_C(1) << ((i + k - skip) % 64);
		if (scan_isdigit(u[k]))
			d[i / 64] |= UINT64_C(1) << ((i + k - skip) % 64);
	}
#endif
}

/*
 * See template.h. Issue 14: this runs on every reply the classifier
 * reads, and a reply's runs of letters and digits are many and short.
 * So the letters and digits, and the digits, are two bit masks (sixteen
 * bytes a step with SSE2; the last step reads the last sixteen bytes
 * again); a copy of the first is and-ed with itself shifted by 1, 2, 4
 * and 2 bits, which leaves a bit set where TEMPLATE_ID_MIN (10) letters
 * or digits start; only those runs are looked at, by their bits.
 */
bool
template_mask_ids(const char *s, size_t len, char *out)
{
	static const unsigned shifts[] = { 1, 2, 4, 2 };
	const unsigned char *u = (const unsigned char *)s;
	uint64_t a[MASK_WORDS + 1], d[MASK_WORDS + 1], l[MASK_WORDS], m, lo, hi;
	size_t words, w, i, k, pos, end;
	bool copied = false, digit, digits_only;

	if (s == NULL || len < TEMPLATE_ID_MIN)
		return false;
	if (len < 16 || len > MASK_WORDS * 64)
		return mask_ids_bytes(s, len, out);
	words = (len + 63) / 64;
#ifdef TD_SSE2
	/* mask_bits16() stores each 16 bits up to bit 16 * ceil(len / 16),
	 * past 64 * (words - 1): only the last word and the one after it
	 * need zeroes (issue 14: not the whole arrays for every reply) */
	a[words - 1] = a[words] = 0;
	d[words - 1] = d[words] = 0;
#else
	memset(a, 0, (words + 1) * sizeof(a[0]));
	memset(d, 0, (words + 1) * sizeof(d[0]));
#endif
	for (i = 0; i + 16 <= len; i += 16)
		mask_bits16(u + i, 0, i, a, d);
	if (i < len)
		mask_bits16(u + len - 16, (unsigned)(16 - (len - i)), i, a, d);
	/* a bit stays set where 2, 4, 8, then 10 letters or digits start;
	 * each word with the next one's low bits, the only ones it needs
	 * (issue 14: one pass, not one per shift) */
	for (w = 0; w < words; w++) {
		lo = a[w];
		hi = a[w + 1];
		for (k = 0; k < sizeof(shifts) / sizeof(shifts[0]); k++) {
			lo &= lo >> shifts[k] | hi << (64 - shifts[k]);
			hi &= hi >> shifts[k];
		}
		l[w] = lo;
	}
	for (pos = 0;; pos = end) {
		w = pos / 64;
		if (w >= words)
			break;
		m = l[w] & (~UINT64_C(0) << (pos % 64));
		while (m == 0 && ++w < words)
			m = l[w];
		if (m == 0)
			break;
		i = w * 64 + (size_t)__builtin_ctzll(m);
		end = bits_next_clear(a, i);
		if ((end - 1) / 64 == w) {
			/* the run within one word (most are): one mask */
			m = end - i == 64
			    ? ~UINT64_C(0)
			    : ((UINT64_C(1) << (end - i)) - 1) << (i % 64);
			digit = (d[w] & m) != 0;
			digits_only = (d[w] & m) == m;
		} else
			bits_some_all(d, i, end, &digit, &digits_only);
		if (digit && !digits_only)
			mask_span(s, len, i, end, out, &copied);
	}
	return copied;
}
