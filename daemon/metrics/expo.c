/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See expo.h. The UTF-8 check is the usual one (RFC 3629 section 4):
 * shortest forms only, no surrogates, nothing above U+10FFFF.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "expo.h"

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

void
expo_family(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if none. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	/* C1 controls (U+0080..U+009F) are replaced like C0 ones. */
	if (c >= 0x80 && c <= 0x9f)
		return 0;
	return len;
}

void
expo_label_value(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t n = strlen((const char *)p), len;

	while (n > 0) {
		if (*p == '\\')
			fputs("\\\\", fp), len = 1;
		else if (*p == '"')
			fputs("\\\"", fp), len = 1;
		else if (*p == '\n')
			fputs("\\n", fp), len = 1;
		else if (*p < 0x20 || *p == 0x7f)
			fputs(REPLACEMENT, fp), len = 1;
		else if ((len = utf8_len(p, n)) == 0) {
			fputs(REPLACEMENT, fp);
			len = 1;
		} else
			fwrite(p, 1, len, fp);
		p += len;
		n -= len;
	}
}

void
expo_sample(FILE *fp, const char *name, const char *const *labels,
    size_t nlabels, int64_t value)
{
	size_t i;

	fputs(name, fp);
	if (nlabels > 0) {
		fputc('{', fp);
		for (i = 0; i < nlabels; i++) {
			fprintf(fp, "%s%s=\"", i > 0 ? "," : "", labels[2 * i]);
			expo_label_value(fp, labels[2 * i + 1]);
			fputc('"', fp);
		}
		fputc('}', fp);
	}
	fprintf(fp, " %" PRId64 "\n", value);
}
