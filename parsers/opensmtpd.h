/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * OpenSMTPD (6.x, 7.x) delivery results: the `mta delivery` and
 * `mda delivery` lines of its mta_log()/mda_log() (`SESSION mta delivery
 * evpid=... from=<s> to=<r> rcpt=<o> source="ip" relay="ip (name)"
 * delay=2s result="Ok|TempFail|PermFail" stat="..."`), and the
 * per-connection `SESSION mta error reason=...`. See opensmtpd.c.
 */
#ifndef BS_PARSERS_OPENSMTPD_H
#define BS_PARSERS_OPENSMTPD_H

#include "event.h"
#include "syslog.h"

/*
 * Parses the message of an OpenSMTPD line (program "smtpd"). Fills every
 * field of *ev it knows except time, usec, host, program, smtp_code and
 * enhanced (set by mta_parse_line()). Returns PARSE_OK, PARSE_SKIP (not a
 * delivery result) or PARSE_BAD (a delivery line without result= or with
 * an unknown result).
 */
int opensmtpd_parse(const struct syslog_prefix *pfx, struct bs_event *ev);

#endif
