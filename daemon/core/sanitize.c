/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The one sanitiser of hostile text (reply texts, keys, host names from
 * remote servers): one rule for what must never reach a terminal or a
 * mail header (C0 and C1 controls, DEL, ANSI escape sequences,
 * bidirectional overrides, invalid UTF-8), in two forms: alert_sanitize()
 * makes one clean line into a buffer (mail, incident tables);
 * fput_sanitized() writes text with each unsafe byte as '?', keeping the
 * column count of aligned tables (report, classify).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sanitize.h"
#include "utf8.h"

/* See sanitize.h. */
bool
sanitize_invisible(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * Sanitises hostile text into one line of valid UTF-8 (see alert.h).
 * ANSI CSI sequences (ESC [ ... final byte) are removed whole; any other
 * control character alone. Returns the length written to out.
 */
size_t
alert_sanitize(char *out, size_t outlen, const char *in, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	const unsigned char *src;
	size_t i = 0, o = 0, n, adv;
	uint32_t cp;
	bool space = false;

	if (outlen == 0)
		return 0;
	if (in == NULL)
		len = 0;
	while (i < len) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
		    s[i] == '\n') {
			space = o > 0;
			i++;
			continue;
		}
		if (s[i] == 0x1b && i + 1 < len && s[i + 1] == '[') {
			/* CSI: parameters and intermediates, then a final
			 * byte in 0x40..0x7e. */
			for (i += 2; i < len && s[i] >= 0x20 && s[i] < 0x40;
			     i++)
				;
			if (i < len && s[i] >= 0x40 && s[i] <= 0x7e)
				i++;
			continue;
		}
		if (s[i] < 0x20 || s[i] == 0x7f) {
			i++;
			continue;
		}
		n = utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			src = (const unsigned char *)"?";
			n = 1;
			adv = 1;
		} else if (sanitize_invisible(cp)) {
			i += n;
			continue;
		} else {
			src = s + i;
			adv = n;
		}
		if (o + (space ? 1 : 0) + n >= outlen)
			break;
		if (space) {
			out[o++] = ' ';
			space = false;
		}
		memcpy(out + o, src, n);
		o += n;
		i += adv;
	}
	out[o] = '\0';
	return o;
}

/*
 * Writes len bytes of s (borrowed) to fp: tab as a space, other C0
 * controls, DEL and each byte of a C1 control, a bidirectional override
 * or invalid UTF-8 (as utf8_decode() judges it) as '?'. Write errors stay in
 * fp's error indicator.
 */
void
fput_sanitized(FILE *fp, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		if (p[i] < 0x20 || p[i] == 0x7f) {
			fputc(p[i] == '\t' ? ' ' : '?', fp);
			i++;
			continue;
		}
		n = utf8_decode(p + i, len - i, &cp);
		/* C1 controls (e.g. CSI 0x9b) and bidi overrides: each of
		 * their bytes becomes '?', as for invalid UTF-8. */
		if (n == 0 || sanitize_invisible(cp)) {
			fputc('?', fp);
			i++;
			continue;
		}
		fwrite(p + i, 1, n, fp);
		i += n;
	}
}

/* See sanitize.h. */
size_t
sanitize_name(char *out, size_t outlen, const char *in, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, o = 0, n;
	uint32_t cp;

	while (i < len && o + 1 < outlen) {
		n = p[i] < 0x20 || p[i] == 0x7f
		    ? 0
		    : utf8_decode(p + i, len - i, &cp);
		if (n == 0 || sanitize_invisible(cp)) {
			out[o++] = '?'; /* each byte: something is there */
			i++;
			continue;
		}
		if (o + n >= outlen)
			break; /* cut on a character boundary */
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return o;
}

/*
 * See sanitize.h. Display width of the UTF-8 character at s (n bytes left) and
 * its length in *len: East Asian wide and fullwidth ranges take two columns,
 * each byte that is not valid UTF-8 (utf8_decode()) one column and a length of
 * one (fput_sanitized prints it as '?').
 */
int
display_char_width(const unsigned char *s, size_t n, size_t *len)
{
	uint32_t cp;

	if ((*len = utf8_decode(s, n, &cp)) == 0) {
		*len = 1;
		return 1;
	}
	if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
	    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd))
		return 2;
	return 1;
}

/* See sanitize.h. */
int
display_width(const char *s, int max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len = strlen(s), cl;
	int w = 0;

	while (i < len && w < max) {
		w += display_char_width(p + i, len - i, &cl);
		i += cl;
	}
	return w < max ? w : max;
}
