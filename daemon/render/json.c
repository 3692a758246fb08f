/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See json.h. Escaping goes beyond what RFC 8259 section 7 requires (C0
 * controls, '"', '\'): DEL and the C1 controls are escaped so that no raw
 * control reaches a terminal, and U+2028/U+2029 because JavaScript before
 * ES2019 does not accept them in a string literal. Invalid UTF-8 becomes
 * U+FFFD (RFC 8259 section 8.1 requires UTF-8 text). Runs of printable
 * ASCII are written in one call: classify writes a line per reply in bulk.
 */
#include <string.h>

#include "json.h"
#include "sanitize.h"
#include "utf8.h"

/*
 * Writes len bytes of s (borrowed; need not be NUL-terminated) to fp as a
 * quoted JSON string. Invalid UTF-8 (utf8_decode() returns 0) is written
 * as \ufffd and skipped one byte at a time. Write errors are left in fp's
 * error indicator for the caller's final check.
 */
void
json_put_str(FILE *fp, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run, n;
	uint32_t cp;

	putc('"', fp);
	while (i < len) {
		run = i;
		while (run < len && p[run] >= 0x20 && p[run] < 0x7f &&
		    p[run] != '"' && p[run] != '\\')
			run++;
		if (run > i) {
			fwrite(p + i, 1, run - i, fp);
			i = run;
			continue;
		}
		if (p[i] == '"' || p[i] == '\\') {
			putc('\\', fp);
			putc(p[i++], fp);
			continue;
		}
		if ((n = utf8_decode(p + i, len - i, &cp)) == 0) {
			fputs("\\ufffd", fp);
			i++;
			continue;
		}
		/* Escaped, so that `| jq .` or a terminal never sees them
		 * raw: controls, line separators, bidi overrides. */
		if (cp < 0x20 || cp == 0x7f || sanitize_invisible(cp) ||
		    cp == 0x2028 || cp == 0x2029)
			fprintf(fp, "\\u%04x", (unsigned)cp);
		else
			fwrite(p + i, 1, n, fp);
		i += n;
	}
	putc('"', fp);
}

/*
 * Writes the NUL-terminated s (borrowed) to fp as with json_put_str(); a
 * NULL s is written as the empty string "".
 */
void
json_put_cstr(FILE *fp, const char *s)
{
	json_put_str(fp, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

/*
 * Writes the NUL-terminated s (borrowed) to fp as with json_put_str(), or
 * the literal null when s is NULL or empty (a field that is absent).
 */
void
json_put_cstr_or_null(FILE *fp, const char *s)
{
	if (s == NULL || *s == '\0')
		fputs("null", fp);
	else
		json_put_str(fp, s, strlen(s));
}
