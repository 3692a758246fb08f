/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * What the text output may assume of the terminal: its width (80 columns
 * unless the terminal or $COLUMNS says it is wider) and whether the
 * locale's character set is UTF-8 (else ASCII only: no block characters,
 * no ellipsis, non-ASCII reply text as '?').
 */
#ifndef BS_DAEMON_RENDER_TERM_H
#define BS_DAEMON_RENDER_TERM_H

#include <stdbool.h>
#include <stdio.h>

#define TERM_COLS_MIN 80   /* the width text output always fits */
#define TERM_COLS_MAX 1000 /* wider terminals are taken as this wide */

/*
 * The columns text output to fp may use: the terminal's width when fp is
 * a terminal (TIOCGWINSZ), else $COLUMNS when set, but never fewer than
 * TERM_COLS_MIN nor more than TERM_COLS_MAX.
 */
int term_width(FILE *fp);

/*
 * True when the locale's character set (LC_ALL, LC_CTYPE, LANG; read
 * with setlocale(LC_CTYPE, "") and nl_langinfo(CODESET)) is UTF-8. The
 * process's LC_CTYPE is left as it was. BOUNCESTAT_ASCII=1 forces false.
 */
bool term_utf8(void);

/*
 * Replaces each non-ASCII character of the valid UTF-8 string s (NUL-
 * terminated) by one '?', in place, for an ASCII terminal.
 */
void term_ascii(char *s);

/* True when colour is allowed: never when NO_COLOR is set (no-color.org)
 * or fp is not a terminal. (Text output has no colour yet.) */
bool term_colour(FILE *fp);

#endif
