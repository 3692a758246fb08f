/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See term.h.
 */
#define _DEFAULT_SOURCE /* open_memstream, localtime_r, strncasecmp */

#include <sys/ioctl.h>

#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "term.h"

static int
clamp_cols(long n)
{
	if (n < TERM_COLS_MIN)
		return TERM_COLS_MIN;
	if (n > TERM_COLS_MAX)
		return TERM_COLS_MAX;
	return (int)n;
}

int
term_width(FILE *fp)
{
	struct winsize ws;
	const char *env;
	char *end;
	long n;
	int fd = fp != NULL ? fileno(fp) : -1;

	if (fd >= 0 && isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col > 0)
		return clamp_cols(ws.ws_col);
	if ((env = getenv("COLUMNS")) != NULL && *env != '\0') {
		n = strtol(env, &end, 10);
		if (*end == '\0' && n > 0)
			return clamp_cols(n);
	}
	return TERM_COLS_MIN;
}

bool
term_utf8(void)
{
	const char *env = getenv("BOUNCESTAT_ASCII"), *cs, *old;
	char saved[256];
	bool utf8 = false;

	if (env != NULL && strcmp(env, "1") == 0)
		return false;
	old = setlocale(LC_CTYPE, NULL);
	snprintf(saved, sizeof(saved), "%s", old != NULL ? old : "C");
	if (setlocale(LC_CTYPE, "") != NULL) {
		cs = nl_langinfo(CODESET);
		utf8 = cs != NULL &&
		    (strcasecmp(cs, "UTF-8") == 0 ||
			strcasecmp(cs, "utf8") == 0);
	}
	(void)setlocale(LC_CTYPE, saved);
	return utf8;
}

bool
term_colour(FILE *fp)
{
	const char *env = getenv("NO_COLOR");

	if (env != NULL && *env != '\0')
		return false;
	return fp != NULL && isatty(fileno(fp));
}

void
term_ascii(char *s)
{
	unsigned char *r = (unsigned char *)s, *w = (unsigned char *)s;

	while (*r != '\0') {
		if (*r < 0x80) {
			*w++ = *r++;
			continue;
		}
		*w++ = '?';
		r++;
		while ((*r & 0xc0) == 0x80)
			r++;
	}
	*w = '\0';
}
