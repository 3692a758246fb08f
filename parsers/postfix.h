/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Postfix delivery results: smtp, lmtp, local, virtual, pipe and error
 * `to=<...>, relay=..., delay=..., dsn=..., status=... (...)` lines, qmgr
 * `status=expired`, per-MX `host X said:` lines without status=, and
 * connection failures. See postfix.c for the exact forms.
 */
#ifndef BS_PARSERS_POSTFIX_H
#define BS_PARSERS_POSTFIX_H

#include "event.h"
#include "syslog.h"

/*
 * Parses the message of a line whose program is postfix (any
 * "postfix" or "postfix-NAME" instance, e.g. "postfix/smtp",
 * "postfix-out/qmgr"). Fills every field of *ev it knows except
 * smtp_code/enhanced, which mta_parse_line() derives from ev->reply. Returns
 * PARSE_OK, PARSE_SKIP or PARSE_BAD.
 */
int postfix_parse(const struct syslog_prefix *pfx, struct bs_event *ev);

#endif
