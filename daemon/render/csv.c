/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See csv.h.
 */
#include <stdbool.h>
#include <string.h>

#include "csv.h"
#include "sanitize.h"

/* OWASP, CSV Injection: the first characters a spreadsheet evaluates. */
static bool
formula_start(unsigned char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' ||
	    c == '\r';
}

void
csv_cell(FILE *fp, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, cl;
	bool quote = false;

	for (i = 0; i < len; i++)
		if (p[i] == ',' || p[i] == '"' || p[i] < 0x20 || p[i] == 0x7f)
			quote = true;
	if (len > 0 && (p[0] == ' ' || p[len - 1] == ' '))
		quote = true;
	if (quote)
		fputc('"', fp);
	if (len > 0 && formula_start(p[0]))
		fputc('\'', fp);
	for (i = 0; i < len; i += cl) {
		cl = 1;
		if (p[i] == '"')
			fputs("\"\"", fp);
		else if (p[i] < 0x20 || p[i] == 0x7f)
			fputc('?', fp);
		else if (p[i] < 0x80)
			fputc(p[i], fp);
		else {
			/* fput_sanitized judges validity and C1 controls. */
			(void)display_char_width(p + i, len - i, &cl);
			fput_sanitized(fp, s + i, cl);
		}
	}
	if (quote)
		fputc('"', fp);
}

void
csv_cstr(FILE *fp, const char *s)
{
	csv_cell(fp, s, s != NULL ? strlen(s) : 0);
}
