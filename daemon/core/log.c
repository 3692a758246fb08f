/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See log.h. One global level, set at start-up and on reload; no
 * allocation; safe to call from any ordinary callback (never from an
 * asynchronous signal handler: libev turns signals into callbacks).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static enum log_level log_lvl = LOG_LEVEL_INFO;
static const char *log_prog = "bouncestat";

static const char *const level_names[] = { "error", "warning", "info",
	"debug" };

/* Sets the level and the program name shown in front of every message. */
void
log_init(enum log_level lvl, const char *progname)
{
	log_lvl = lvl;
	if (progname != NULL)
		log_prog = progname;
}

void
log_set_level(enum log_level lvl)
{
	log_lvl = lvl;
}

/* True when messages of lvl are printed: check before costly formatting. */
int
log_level_enabled(enum log_level lvl)
{
	return lvl <= log_lvl;
}

/* Parses "error", "warning", "info" or "debug". 0, or -1 if unknown. */
int
log_level_from_name(const char *s, enum log_level *out)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	return -1;
}

/*
 * Length of the control character at s (n bytes left) that must not
 * reach a terminal: C0 and DEL (1), C1 (U+0080..U+009F, 2 bytes in UTF-8)
 * and the bidirectional overrides and isolates (U+202A..U+202E,
 * U+2066..U+2069: 3). 0 for anything else.
 */
static size_t
control_len(const unsigned char *s, size_t n)
{
	if (s[0] < 0x20 || s[0] == 0x7f)
		return 1;
	if (n >= 2 && s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
		return 2;
	if (n >= 3 && s[0] == 0xe2 &&
	    ((s[1] == 0x80 && s[2] >= 0xaa && s[2] <= 0xae) ||
		(s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)))
		return 3;
	return 0;
}

/*
 * trial11: messages carry text of the logs read (an incident's key is a
 * recipient domain, a file name, a line's excerpt); each control character
 * in them becomes '?', so that none reaches a terminal reading the
 * daemon's standard error. In place; the message only shortens.
 */
static void
defang(char *msg)
{
	unsigned char *r = (unsigned char *)msg, *w = r;
	size_t n = strlen(msg), l;

	while (n > 0) {
		if ((l = control_len(r, n)) > 0)
			*w++ = '?';
		else {
			*w++ = *r;
			l = 1;
		}
		r += l;
		n -= l;
	}
	*w = '\0';
}

static void
vlog(enum log_level lvl, int err, const char *fmt, va_list ap)
{
	char msg[1024];
	int saved = errno;

	if (!log_level_enabled(lvl))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	defang(msg);
	if (err != 0)
		fprintf(stderr, "%s: %s: %s: %s\n", log_prog, level_names[lvl],
		    msg, strerror(err));
	else
		fprintf(
		    stderr, "%s: %s: %s\n", log_prog, level_names[lvl], msg);
	errno = saved;
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_WARN, err, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_WARN, 0, fmt, ap);
	va_end(ap);
}

void
log_errx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERR, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int err = errno;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERR, err, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LEVEL_ERR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
