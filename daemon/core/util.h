/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Daemon-side helpers: allocation that is fatal on failure (daemon code
 * only; parsers and storage return errors instead), duration and date
 * parsing for --since/--until, the default database path, and output
 * sanitising of hostile reply text.
 */
#ifndef BS_DAEMON_UTIL_H
#define BS_DAEMON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
char *xstrdup(const char *);

/*
 * Parses a --since/--until value relative to now: a duration "30m", "6h",
 * "1d", "2w" (also "90s", combined "1d12h"), an epoch "@1700000000", or a
 * date "2026-11-22", "2026-11-22T10:15[:01][Z|+01:00]" (local time when no
 * zone), "now", "all" (the epoch: everything), or a local calendar period
 * "today", "yesterday", "this-week", "last-week" (its start; weeks start on
 * Monday). Returns 0 and the epoch seconds in *out, or -1.
 */
int parse_time_arg(const char *s, int64_t now, int64_t *out);

/*
 * When s names a calendar period (today, yesterday, this-week, last-week,
 * in local time): 0 with its start in *start and, when end is not NULL,
 * its end in *end (now for today and this-week, the next day or week
 * otherwise). Else -1.
 */
int parse_period(const char *s, int64_t now, int64_t *start, int64_t *end);

/*
 * Makes UTC the local time zone of the process (--utc): every local time
 * shown or parsed from then on is UTC.
 */
void tz_use_utc(void);

/* The zone of local time at t for headers: "UTC", "UTC+08:00". */
void tz_label(char *out, size_t len, int64_t t);

/*
 * An offset of off seconds east of UTC as "+0100" (colon false: RFC 5322,
 * our text times) or "+01:00" (colon true: RFC 3339), minutes truncated.
 * out: at least 8 bytes.
 */
void tz_offset_str(char *out, size_t len, long off, bool colon);

#define UTIL_SERVICE_DIR "/var/lib/bouncestat"
#define UTIL_SERVICE_DB  UTIL_SERVICE_DIR "/bouncestat.db"

/*
 * The default database path: $BOUNCESTAT_DB, else the service's
 * UTIL_SERVICE_DB when that file exists or when mkdir_parent (a writer)
 * runs as root (its directory is created), else
 * $XDG_STATE_HOME/bouncestat/bouncestat.db ($HOME/.local/state when
 * unset). Writes it to buf; returns buf. mkdir_parent creates the last
 * directory.
 */
const char *default_db_path(char *buf, size_t len, bool mkdir_parent);

/*
 * What to do about a database that would not open, for the message after
 * errbuf (the store's error): a read-only file (run cmd as a user who may
 * write it), a held lock, an empty file (import or the daemon). Writes ""
 * when there is no hint; returns out. A corrupt file's hint (rebuild) is
 * in errbuf already: the store adds it to every error of that kind, at
 * open or mid-query.
 */
const char *db_error_hint(
    const char *errbuf, const char *cmd, char *out, size_t len);

/* Seconds east of UTC of local time at t (for zone-less syslog stamps). */
int32_t local_tz_offset(int64_t t);

#endif
