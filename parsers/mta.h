/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Line dispatch: the prefix (syslog, journald JSON, a container record
 * of Docker's json-file or CRI format around a line, or Exim's main log),
 * then the MTA parser chosen by program name (or forced), then reply
 * analysis (code and enhanced status). The one entry point the daemon
 * calls per line.
 */
#ifndef BS_PARSERS_MTA_H
#define BS_PARSERS_MTA_H

#include "event.h"
#include "lifecycle.h"
#include "syslog.h"

/*
 * The sane range of a line's time: from 2000-01-01 (a clock that lost
 * its battery, a stamp of 0) to a day after the present (the later of the
 * reference time and the clock; a year 9999 typo). A delivery line out of
 * it is skipped with reason bad_time.
 */
#define BS_TIME_MIN   INT64_C(946684800) /* 2000-01-01T00:00:00Z */
#define BS_TIME_AHEAD INT64_C(86400)

struct mta_ctx {
	struct syslog_ctx syslog;
	enum bs_mta force; /* BS_MTA_UNKNOWN: detect per line */
	/*
	 * Caller's buffer for the decoded MESSAGE of `journalctl -o json`
	 * lines that hold JSON escapes (see journal.h); as long as the
	 * longest line always suffices. NULL: such lines are PARSE_BAD.
	 * Event spans may point into it until the next line.
	 */
	char *scratch;
	size_t scratch_len;
	/*
	 * Issue 16 (message lifecycle): when not NULL, every line sets
	 * lc->kind (LC_NONE first), and the lifecycle lines (lifecycle.h)
	 * and result lines fill it. Not owned.
	 */
	struct lc_line *lc;
	/*
	 * The latest time a line may carry (see BS_TIME_MIN): the caller's
	 * present + BS_TIME_AHEAD (pipeline_set_ref_time(), parse); 0: no
	 * upper limit.
	 */
	int64_t time_max;
};

/*
 * Parses one log line (len bytes, no trailing newline) into *ev.
 * Returns PARSE_OK, PARSE_SKIP (not a delivery result) or PARSE_BAD (a
 * delivery line of a known MTA that is malformed), and sets ev->reason on
 * every result (why there is no event: BS_REASON_NONE on PARSE_OK); the
 * other fields of *ev are set only on PARSE_OK. A Sendmail line of
 * several recipients leaves the others in ev->rcpt_more: the caller makes
 * one result of each with bs_event_next_rcpt(). Spans in *ev point into
 * line (or into ctx->scratch, for a decoded journald message). An empty
 * span may have a NULL pointer. ev->smtp_code and ev->enhanced are filled from
 * the reply text; when the reply has no enhanced status, ev->enhanced is the
 * dsn field.
 */
int mta_parse_line(const char *line, size_t len, const struct mta_ctx *ctx,
    struct bs_event *ev);

#endif
