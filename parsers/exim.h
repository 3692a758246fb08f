/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Exim 4 delivery results from its main log: `==` deferrals, `**`
 * failures (and the `retry timeout exceeded` expiry), `=>` and `->`
 * deliveries, and the per-host lines (`H=host [ip] Connection refused`,
 * `H=host [ip]: SMTP error ...`) logged before the next host is tried.
 * Lines come either from Exim's own log file (`2026-11-22 10:15:01
 * [+0100] [[pid]] msg`, see exim_prefix()) or through syslog
 * (`exim[1234]: msg`, with or without Exim's own stamp in front of msg).
 * See exim.c for the exact forms.
 */
#ifndef BS_PARSERS_EXIM_H
#define BS_PARSERS_EXIM_H

#include <stddef.h>

#include "event.h"
#include "syslog.h"

/*
 * Parses the message of an Exim line (pfx->msg, after the syslog prefix or
 * after exim_prefix()). Fills every field of *ev it knows except time,
 * usec, host, program, smtp_code and enhanced (set by mta_parse_line()).
 * Returns PARSE_OK, PARSE_SKIP (not a delivery result; *ev may be
 * untouched) or PARSE_BAD (a result line that cannot be taken apart).
 */
int exim_parse(const struct syslog_prefix *pfx, struct bs_event *ev);

/*
 * Parses the prefix of a line of Exim's own main log: "YYYY-MM-DD
 * HH:MM:SS", an optional fraction (log_selector +millisec), an optional
 * zone "+HHMM" or "[+HHMM]" (log_timezone), an optional "[pid]"
 * (log_selector +pid), then the message. Zone-less stamps are local time
 * at ctx->tz_offset. Sets out->time, usec, pid and msg; host and program
 * are empty (the file names neither: the caller knows the line is
 * Exim's). Returns PARSE_OK or PARSE_SKIP when line does not start with
 * such a stamp.
 */
int exim_prefix(const char *line, size_t len, const struct syslog_ctx *ctx,
    struct syslog_prefix *out);

#endif
