/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Sendmail 8 delivery results: the per-recipient "to=" line that
 * sendmail's logdelivery() writes (`to=<a>, delay=..., mailer=esmtp,
 * pri=..., relay=host. [ip], dsn=X.Y.Z, [reply=...,] stat=...`), and the
 * DSN notification lines (`QID: NEWQID: DSN: ...`), of which only the
 * expiry notice is an event. See sendmail.c for the exact forms.
 */
#ifndef BS_PARSERS_SENDMAIL_H
#define BS_PARSERS_SENDMAIL_H

#include "event.h"
#include "syslog.h"

/*
 * Parses the message of a sendmail line (program "sendmail", "sm-mta",
 * "sm-msp-queue", ...). Fills every field of *ev it knows except time,
 * usec, host, program, smtp_code and enhanced (set by mta_parse_line()).
 * Returns PARSE_OK, PARSE_SKIP (not a delivery result) or PARSE_BAD (a
 * "to=" line without stat=).
 */
int sendmail_parse(const struct syslog_prefix *pfx, struct bs_event *ev);

#endif
