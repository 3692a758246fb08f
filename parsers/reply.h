/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Analysis of an SMTP reply text, without regular expressions: the RFC 5321
 * three-digit code, the RFC 3463 enhanced status code (class.subject.detail),
 * and whether the failure is permanent.
 */
#ifndef BS_PARSERS_REPLY_H
#define BS_PARSERS_REPLY_H

#include <stdbool.h>

#include "event.h"

struct reply_info {
	int code;                /* 0 when the text has no reply code */
	struct bs_span enhanced; /* e.g. "5.7.1"; empty when absent */
	struct bs_span text;     /* the text after code and enhanced status */
};

/*
 * Parses text such as "550 5.7.1 Service unavailable", "421-4.7.28 ...",
 * "smtp;550 ..." or "451 DT:SPM ...". A code is three digits [245][0-9][0-9]
 * followed by space, '-' or end. Never fails: fields that are absent are
 * left zero/empty.
 */
void reply_parse(struct bs_span text, struct reply_info *out);

/*
 * True when sp is an RFC 3463 status: [245] "." 1*3digit "." 1*3digit.
 */
bool reply_is_enhanced(struct bs_span sp);

#endif
