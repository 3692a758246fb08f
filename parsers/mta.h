/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Line dispatch: syslog prefix, then the MTA parser chosen by program name
 * (or forced), then reply analysis (code and enhanced status). The one
 * entry point the daemon calls per line.
 */
#ifndef BS_PARSERS_MTA_H
#define BS_PARSERS_MTA_H

#include "event.h"
#include "syslog.h"

struct mta_ctx {
	struct syslog_ctx syslog;
	enum bs_mta force; /* BS_MTA_UNKNOWN: detect per line */
};

/*
 * Parses one log line (len bytes, no trailing newline) into *ev.
 * Returns PARSE_OK, PARSE_SKIP (not a delivery result) or PARSE_BAD (a
 * delivery line of a known MTA that is malformed). Spans in *ev point into
 * line. ev->smtp_code and ev->enhanced are filled from the reply text;
 * when the reply has no enhanced status, ev->enhanced is the dsn field.
 */
int mta_parse_line(const char *line, size_t len, const struct mta_ctx *ctx,
    struct bs_event *ev);

#endif
