/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The one CSV cell writer of every CSV output (report --format csv,
 * messages --format csv, report --by ... --format csv).
 */
#ifndef BS_DAEMON_RENDER_CSV_H
#define BS_DAEMON_RENDER_CSV_H

#include <stddef.h>
#include <stdio.h>

/*
 * Writes one text cell of len bytes (RFC 4180): control characters and
 * invalid UTF-8 as '?', quoted when it holds a comma, a quote, a control
 * character or a space at either end. A cell whose first byte is = + - @,
 * TAB or CR is prefixed with a single quote (OWASP's rule against CSV
 * injection: a spreadsheet would take it for a formula; log text such as
 * a reply or an address is hostile input).
 */
void csv_cell(FILE *fp, const char *s, size_t len);

/* csv_cell() of a NUL-terminated string; NULL is an empty cell. */
void csv_cstr(FILE *fp, const char *s);

#endif
