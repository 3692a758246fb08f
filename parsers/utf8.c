/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See utf8.h. The accepted sequences are exactly the UTF8-char rule of
 * RFC 3629 section 4: the second byte's range depends on the lead byte,
 * which rules out overlong forms, the surrogates U+D800..U+DFFF and code
 * points beyond U+10FFFF without decoding first. Never reads past s + n.
 */
#include "utf8.h"

/*
 * Decodes the UTF-8 sequence at s, of which n bytes may be read (s is
 * borrowed; it need not be NUL-terminated, and a NUL byte is U+0000).
 * Returns the sequence length, 1 to 4, and stores the code point in *cp;
 * or returns 0, leaving *cp untouched, when n is 0 or the bytes are not
 * one RFC 3629 UTF8-char: a lead byte that is a continuation byte, C0,
 * C1 or F5..FF; a sequence cut short by n; a byte that is not a
 * continuation where one must be; an overlong form (E0 80..9F, F0
 * 80..8F); a surrogate (ED A0..BF); or beyond U+10FFFF (F4 90..BF). On 0
 * a caller resynchronises by skipping one byte.
 */
size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
	size_t need, i;
	uint32_t c;

	if (n == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80; /* below: overlong */
		hi = c == 0xed ? 0x9f : 0xbf; /* above: surrogates */
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		lo = c == 0xf0 ? 0x90 : 0x80; /* below: overlong */
		hi = c == 0xf4 ? 0x8f : 0xbf; /* above: beyond U+10FFFF */
		c &= 0x07;
	} else
		return 0;
	if (n < need || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	*cp = c;
	return need;
}
