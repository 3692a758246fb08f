/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Message lifecycle lines (issue 16): the lines of a message that are no
 * delivery result but say who sent it and when it ends. Per MTA:
 *
 *   Postfix  smtpd  QID: client=HOST[IP][, sasl_method=M, sasl_username=U]
 *            pickup QID: uid=N from=<S>
 *            cleanup QID: message-id=<ID>
 *            qmgr   QID: from=<S>, size=N, nrcpt=N (queue active)
 *            qmgr   QID: removed
 *   Exim     QID <= S H=HOST [IP] ... A=AUTH:U U=USER S=SIZE id=ID ...
 *            QID cancelled by timeout_frozen_after
 *            QID Completed
 *   Sendmail QID: from=<S>, size=N, class=C, nrcpts=N, msgid=<ID>, ...,
 *                relay=HOST [IP]
 *            QID: AUTH=server, relay=..., authid=U, ...
 *   OpenSMTPD SESSION smtp message msgid=QID size=N nrcpt=N proto=P
 *            SESSION smtp envelope evpid=QID... from=<S> to=<R>
 *
 * and, for result lines (which mta_parse_line() turns into events), the
 * transport: Postfix's program name ("postfix-out/smtp"), Exim's T=,
 * Sendmail's mailer=. Pure: spans point into the line.
 */
#ifndef BS_PARSERS_LIFECYCLE_H
#define BS_PARSERS_LIFECYCLE_H

#include <stdint.h>

#include "event.h"
#include "syslog.h"

enum lc_kind {
	LC_NONE = 0, /* not a lifecycle line */
	LC_START,    /* a message is born: smtpd client=, pickup, Exim <= */
	LC_INFO,     /* more about it: message-id, qmgr from/size/nrcpt */
	LC_END,      /* it left the queue: removed, Completed */
	LC_RESULT    /* a delivery result line (only transport is set) */
};

struct lc_line {
	enum lc_kind kind;
	enum bs_mta mta;
	int64_t time;
	struct bs_span host;     /* logging host */
	struct bs_span instance; /* Postfix syslog name ("postfix-out") */
	struct bs_span queue_id;
	struct bs_span sender; /* may be empty (the null sender) */
	bool has_sender;       /* sender was on the line */
	struct bs_span sasl_user;
	struct bs_span client; /* "host[ip]" as logged */
	struct bs_span message_id;
	struct bs_span transport; /* LC_RESULT */
	int64_t size;             /* -1 unknown */
	int64_t nrcpt;            /* -1 unknown */
	/* LC_INFO: Exim "cancelled by timeout_frozen_after": the message
	 * leaves the queue undelivered to the recipients still pending */
	bool cancelled;
};

/*
 * Reads line's message (the prefix's msg, program and host) as a
 * lifecycle line of MTA mta. Returns LC_NONE or the kind, filling *out
 * (zeroed first, except time which the caller sets; on LC_NONE only
 * out->kind is set). Never fails: an unknown or malformed line is
 * LC_NONE.
 */
enum lc_kind lifecycle_parse(
    enum bs_mta mta, const struct syslog_prefix *pfx, struct lc_line *out);

/*
 * For a delivery result line of MTA mta: sets out->kind = LC_RESULT and
 * out->transport (Postfix: the program name; Exim: T=; Sendmail:
 * mailer=), and out->instance (Postfix).
 */
void lifecycle_result(
    enum bs_mta mta, const struct syslog_prefix *pfx, struct lc_line *out);

/* The Postfix instance of a program name: "postfix-out/smtp" ->
 * "postfix-out"; empty for other MTAs. */
struct bs_span lifecycle_instance(enum bs_mta mta, struct bs_span program);

#endif
