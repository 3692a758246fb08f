/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Value types shared by every module: a byte span, the delivery event a
 * log line yields, and the public vocabularies (MTA, status, class) with
 * their names. Names returned by the *_name() functions are public API:
 * JSON, reports, rules and the database use them verbatim.
 *
 * Spans point into the caller's line buffer and are valid only until that
 * buffer is reused; whoever keeps a value copies it.
 */
#ifndef BS_PARSERS_EVENT_H
#define BS_PARSERS_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BS_ERRLEN 256

struct bs_span {
	const char *ptr;
	size_t len;
};

enum bs_parse {
	PARSE_OK = 0, /* a delivery event was extracted */
	PARSE_SKIP,   /* not a delivery result: skipped and counted */
	PARSE_BAD     /* looks like a delivery result but is malformed */
};

/*
 * Why a line gave no event: set by mta_parse_line() on every result (a
 * store per line, nothing computed). The names (bs_reason_name()) are
 * public: `parse --all` prints them and the "no delivery result" warning
 * quotes them.
 */
enum bs_reason {
	BS_REASON_NONE = 0,      /* PARSE_OK: an event */
	BS_REASON_NO_PREFIX,     /* no syslog, journald, container or Exim
				    prefix */
	BS_REASON_REPEATED,      /* syslogd's "last message repeated N times" */
	BS_REASON_PARTIAL,       /* a CRI partial line ("P"), cut by the
				    container runtime */
	BS_REASON_BAD_JSON,      /* a JSON line (journald, Docker) unreadable */
	BS_REASON_OTHER_PROGRAM, /* a program of no known MTA (or not the
				    forced one's) */
	BS_REASON_NOT_RESULT,    /* an MTA line that is no delivery result */
	BS_REASON_BAD_DATE,      /* a day its (inferred) year does not have */
	BS_REASON_BAD_TIME,      /* a time before 2000 or over a day ahead */
	BS_REASON_MALFORMED,     /* PARSE_BAD: a malformed delivery line */
	BS_REASON_COUNT
};

enum bs_mta {
	BS_MTA_UNKNOWN = 0,
	BS_MTA_POSTFIX,
	BS_MTA_EXIM,
	BS_MTA_SENDMAIL,
	BS_MTA_OPENSMTPD,
	BS_MTA_COUNT
};

/*
 * Final results are SENT, DEFERRED, BOUNCED and EXPIRED: one per Postfix
 * `status=` line. ATTEMPT is a per-MX result that is not final (Postfix
 * `host X said:` with no status=, or a connection failure to one MX before
 * the next is tried); it is counted apart from the final results.
 */
enum bs_status {
	BS_STATUS_NONE = 0,
	BS_STATUS_SENT,
	BS_STATUS_DEFERRED,
	BS_STATUS_BOUNCED,
	BS_STATUS_EXPIRED,
	BS_STATUS_ATTEMPT,
	BS_STATUS_COUNT
};

/* The class vocabulary of SPEC.md plus reverse_dns; NONE is for `sent`. */
enum bs_class {
	BS_CLASS_UNKNOWN = 0,
	BS_CLASS_RATE_LIMITED,
	BS_CLASS_GREYLISTED,
	BS_CLASS_BLACKLISTED,
	BS_CLASS_SPAM_CONTENT,
	BS_CLASS_SENDER_AUTH,
	BS_CLASS_POLICY,
	BS_CLASS_USER_UNKNOWN,
	BS_CLASS_MAILBOX_FULL,
	BS_CLASS_MAILBOX_DISABLED,
	BS_CLASS_MESSAGE_TOO_LARGE,
	BS_CLASS_RELAY_DENIED,
	BS_CLASS_HOST_UNKNOWN,
	BS_CLASS_REVERSE_DNS,
	BS_CLASS_NETWORK_ERROR,
	BS_CLASS_TLS_ERROR,
	BS_CLASS_AUTH_FAILED,
	BS_CLASS_VIRUS,
	BS_CLASS_SERVER_ERROR,
	BS_CLASS_PROTOCOL_ERROR,
	BS_CLASS_EXPIRED,
	BS_CLASS_LOOP,
	BS_CLASS_NONE, /* delivered: no failure class */
	BS_CLASS_COUNT
};

/*
 * Event flags. SUSPENDED: Postfix "delivery temporarily suspended", a
 * repeat with no new contact with the receiver. LOCAL: a decision of our
 * own MTA, not a reply (e.g. Exim "retry time not reached"). CONNECT: no
 * SMTP reply at all, a connection-level failure.
 */
#define BS_EVENT_SUSPENDED 0x01
#define BS_EVENT_LOCAL     0x02
#define BS_EVENT_CONNECT   0x04

struct bs_event {
	int64_t time;    /* UTC epoch seconds */
	int32_t usec;    /* sub-second part when the log has it */
	enum bs_mta mta; /* which parser took the line */
	enum bs_status status;
	unsigned flags;             /* BS_EVENT_* */
	int smtp_code;              /* RFC 5321 reply code, 0 when none */
	struct bs_span host;        /* logging host from the syslog prefix */
	struct bs_span program;     /* e.g. "postfix/smtp" */
	struct bs_span queue_id;    /* e.g. "732BB407C3" */
	struct bs_span rcpt;        /* recipient address, without <> */
	struct bs_span rcpt_domain; /* part after the last '@', may be empty */
	struct bs_span relay_host;  /* e.g. "mx1.qq.com", "none", "local" */
	struct bs_span relay_ip;    /* e.g. "1.2.3.4" or "2001:db8::1" */
	struct bs_span dsn;         /* the log's dsn= field, e.g. "4.0.0" */
	struct bs_span enhanced;    /* RFC 3463 status from the reply text, or
				       dsn when the reply has none */
	struct bs_span reply;       /* the receiver's reply (or the local
				       failure text), without the stage suffix */
	struct bs_span stage;       /* e.g. "RCPT TO", "end of DATA" */
	struct bs_span rcpt_more;   /* recipients after rcpt of the same line
				       (Sendmail "to=<a>,<b>"), for
				       bs_event_next_rcpt(); may be empty */
	enum bs_reason reason;      /* why no event (BS_REASON_NONE on OK) */
};

const char *bs_class_name(enum bs_class);
/*
 * One line on what a class means and the usual action, for a decision no
 * rule's own meaning describes (the learned model's); "" for unknown and
 * none.
 */
const char *bs_class_meaning(enum bs_class);
const char *bs_class_action(enum bs_class);
int bs_class_from_name(const char *, size_t, enum bs_class *);
const char *bs_status_name(enum bs_status);
int bs_status_from_name(const char *, size_t, enum bs_status *);
const char *bs_mta_name(enum bs_mta);
int bs_mta_from_name(const char *, size_t, enum bs_mta *);
bool bs_class_is_failure(enum bs_class);

/*
 * Sets ev->rcpt to rcpt and ev->rcpt_domain to the part after its last
 * '@' (empty when there is none). Both point into rcpt's bytes.
 */
void bs_event_set_rcpt(struct bs_event *ev, struct bs_span rcpt);

/*
 * Moves ev to the next recipient of ev->rcpt_more (a ','-separated list:
 * "<a@x>,<b@y>", "a@x,b@y" or quoted '"..."' entries), setting rcpt and
 * rcpt_domain as bs_event_set_rcpt() does; every other field stays, as
 * one result line stands for all its recipients. Returns false when the
 * list is exhausted (rcpt_more empty), true otherwise. Pure.
 */
bool bs_event_next_rcpt(struct bs_event *ev);

/* The public name of a reason; "none" for an out-of-range value. */
const char *bs_reason_name(enum bs_reason);

/* Span helpers. */
bool bs_span_eq(struct bs_span, const char *);

/*
 * Returns a span of len bytes at p. Inline: the parsers make one per field
 * of every line, and the call cost more than the work (issue 14).
 */
static inline struct bs_span
bs_span_make(const char *p, size_t len)
{
	struct bs_span sp = { p, len };

	return sp;
}

#endif
