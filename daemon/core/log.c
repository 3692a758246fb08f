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
#include "sanitize.h"

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

static void
vlog(enum log_level lvl, int err, const char *fmt, va_list ap)
{
	char raw[1024], msg[1024];
	int saved = errno;

	if (!log_level_enabled(lvl))
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	/* trial11: messages carry text of the logs read (an incident's key
	 * is a recipient domain, a file name, a line's excerpt): each byte
	 * of a control character, a bidirectional override or invalid UTF-8
	 * becomes '?', so that none reaches a terminal reading the daemon's
	 * standard error (the sanitiser's one rule for names). */
	sanitize_name(msg, sizeof(msg), raw, strlen(raw));
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
