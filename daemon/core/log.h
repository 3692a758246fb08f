/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The logging API (after OpenSMTPD's log.c): log_warn() appends
 * strerror(errno), log_warnx() does not; log_errx() reports an error the
 * caller returns from (a command that ends with status 1); fatal()/fatalx()
 * log and exit 1.
 * Messages go to stderr (journald picks them up under systemd) as
 * "bouncestat: <level>: <message>", each control character of the
 * message (C0, DEL, C1, bidirectional overrides) as '?'. errno is
 * preserved.
 */
#ifndef BS_DAEMON_LOG_H
#define BS_DAEMON_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG
};

void log_init(enum log_level, const char *progname);
void log_set_level(enum log_level);
int log_level_enabled(enum log_level);
int log_level_from_name(const char *, enum log_level *);

void log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void log_errx(const char *, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
