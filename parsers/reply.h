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

/* What surrounded the reply that reply_find() took out of a text. */
enum reply_wrapper {
	REPLY_WRAP_NONE,    /* the text is the reply */
	REPLY_WRAP_POSTFIX, /* "host X[ip] said: ...", "refused to talk to me"
			     */
	REPLY_WRAP_EXIM,    /* "SMTP error from remote mail server after ..." */
	REPLY_WRAP_EXCHANGE, /* "Remote Server returned '...'", "#550 ... ##" */
	REPLY_WRAP_CLIENT,   /* a client library's error around the reply */
	REPLY_WRAP_OTHER,    /* a code further into a text of another shape */
	REPLY_WRAP_COUNT
};

struct reply_info {
	int code;                /* 0 when the text has no reply code */
	struct bs_span enhanced; /* e.g. "5.7.1"; empty when absent */
	struct bs_span text;     /* the text after code and enhanced status */
	struct bs_span reply;    /* the reply: from its code to the end */
	enum reply_wrapper wrapper;
};

/*
 * Parses text such as "550 5.7.1 Service unavailable", "421-4.7.28 ...",
 * "smtp;550 ..." or "451 DT:SPM ...". A code is three digits [245][0-9][0-9]
 * followed by space, '-' or end. Never fails: fields that are absent are
 * left zero/empty.
 */
void reply_parse(struct bs_span text, struct reply_info *out);

/*
 * Finds the receiver's reply inside a text that may wrap it (see
 * reply_wrapper): like reply_parse() when the text starts with the reply;
 * otherwise the first 4xx/5xx code anywhere with sane boundaries (not
 * inside a word, number, address or version, followed by a space or '-'
 * and text, or failing that by punctuation as in "(550, b'...')" or
 * "got code \"550\""), the enhanced status right after it or else the
 * first one further on with subject 0-7, and the text after them. A text
 * without a code may still yield an enhanced status found the same way;
 * reply is then taken from it. With neither, code is 0, enhanced empty
 * and reply and text are the whole text. Fills *out; spans point into
 * text; reads only its len bytes; never fails.
 */
void reply_find(struct bs_span text, struct reply_info *out);

/* "none", "postfix", "exim", "exchange", "client" or "other". */
const char *reply_wrapper_name(enum reply_wrapper);

/*
 * True when sp is an RFC 3463 status: [245] "." 1*3digit "." 1*3digit.
 */
bool reply_is_enhanced(struct bs_span sp);

#endif
