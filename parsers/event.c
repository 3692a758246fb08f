/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Names of the public vocabularies (event.h) and span helpers. The tables
 * are indexed by the enumerators; a static assertion keeps them in step.
 */
#include <string.h>

#include "event.h"
#include "scan.h"

static const char *const class_names[BS_CLASS_COUNT] = {
	[BS_CLASS_UNKNOWN] = "unknown",
	[BS_CLASS_RATE_LIMITED] = "rate_limited",
	[BS_CLASS_GREYLISTED] = "greylisted",
	[BS_CLASS_BLACKLISTED] = "blacklisted",
	[BS_CLASS_SPAM_CONTENT] = "spam_content",
	[BS_CLASS_SENDER_AUTH] = "sender_auth",
	[BS_CLASS_POLICY] = "policy",
	[BS_CLASS_USER_UNKNOWN] = "user_unknown",
	[BS_CLASS_MAILBOX_FULL] = "mailbox_full",
	[BS_CLASS_MAILBOX_DISABLED] = "mailbox_disabled",
	[BS_CLASS_MESSAGE_TOO_LARGE] = "message_too_large",
	[BS_CLASS_RELAY_DENIED] = "relay_denied",
	[BS_CLASS_HOST_UNKNOWN] = "host_unknown",
	[BS_CLASS_REVERSE_DNS] = "reverse_dns",
	[BS_CLASS_NETWORK_ERROR] = "network_error",
	[BS_CLASS_TLS_ERROR] = "tls_error",
	[BS_CLASS_AUTH_FAILED] = "auth_failed",
	[BS_CLASS_VIRUS] = "virus",
	[BS_CLASS_SERVER_ERROR] = "server_error",
	[BS_CLASS_PROTOCOL_ERROR] = "protocol_error",
	[BS_CLASS_EXPIRED] = "expired",
	[BS_CLASS_LOOP] = "loop",
	[BS_CLASS_NONE] = "none",
};

/* The classes' meanings (SPEC's vocabulary) and usual actions. */
static const char *const class_texts[BS_CLASS_COUNT][2] = {
	[BS_CLASS_UNKNOWN] = { "", "" },
	[BS_CLASS_RATE_LIMITED] = { "The receiver limits how much or how "
				    "fast this server sends.",
	    "Slow down to this receiver; spread sends over time." },
	[BS_CLASS_GREYLISTED] = { "The receiver asks to come back later "
				  "(a first-contact delay).",
	    "Nothing to fix; the queue retries." },
	[BS_CLASS_BLACKLISTED] = { "The sending IP or domain is on a DNSBL "
				   "or a reputation block.",
	    "Look up the sending IP and domain on the list or the "
	    "receiver's postmaster pages; request delisting once the cause "
	    "is fixed." },
	[BS_CLASS_SPAM_CONTENT] = { "The receiver judged the message to be "
				    "spam.",
	    "Review the message's content and links and the list's "
	    "hygiene." },
	[BS_CLASS_SENDER_AUTH] = { "SPF, DKIM or DMARC checks failed.",
	    "Fix SPF, DKIM and DMARC alignment for the sending domain." },
	[BS_CLASS_POLICY] = { "A local policy of the receiver refused the "
			      "message.",
	    "Read the reply for the reason; ask the receiver's "
	    "postmaster." },
	[BS_CLASS_USER_UNKNOWN] = { "No such recipient.",
	    "Remove or correct the address." },
	[BS_CLASS_MAILBOX_FULL] = { "The recipient's mailbox is over quota.",
	    "Retry later or tell the recipient another way." },
	[BS_CLASS_MAILBOX_DISABLED] = { "The recipient's account is suspended "
					"or disabled.",
	    "Remove the address or reach the recipient another way." },
	[BS_CLASS_MESSAGE_TOO_LARGE] = { "The message is over the receiver's "
					 "size limit.",
	    "Send smaller messages." },
	[BS_CLASS_RELAY_DENIED] = { "The receiver will not relay for this "
				    "server.",
	    "Check the recipient address and the routing." },
	[BS_CLASS_HOST_UNKNOWN] = { "The recipient domain does not resolve "
				    "or accept mail.",
	    "Check the recipient domain for typos and its DNS." },
	[BS_CLASS_REVERSE_DNS] = { "The receiver wants valid reverse DNS for "
				   "the sending IP.",
	    "Set a PTR record for the sending IP that resolves back to "
	    "it." },
	[BS_CLASS_NETWORK_ERROR] = { "Could not connect, or the connection "
				     "was lost.",
	    "Check connectivity to the receiver's MX hosts from this "
	    "machine." },
	[BS_CLASS_TLS_ERROR] = { "TLS was required or failed.",
	    "Check TLS on both sides." },
	[BS_CLASS_AUTH_FAILED] = { "This server's own relay credentials were "
				   "refused.",
	    "Check the relay credentials and authentication settings." },
	[BS_CLASS_VIRUS] = { "The receiver found a virus in the message.",
	    "Scan the sending system and the message." },
	[BS_CLASS_SERVER_ERROR] = { "A fault of the receiving system.",
	    "Nothing to fix on this side; the queue retries." },
	[BS_CLASS_PROTOCOL_ERROR] = { "A syntax or command-sequence error.",
	    "Check the sending software against RFC 5321/5322." },
	[BS_CLASS_EXPIRED] = { "The message stayed in the queue until its "
			       "lifetime ran out.",
	    "Look at the deferrals before the expiry." },
	[BS_CLASS_LOOP] = { "A mail loop.",
	    "Check MX, relay and forwarding settings." },
	[BS_CLASS_NONE] = { "", "" },
};

static const char *const status_names[BS_STATUS_COUNT] = {
	[BS_STATUS_NONE] = "none",
	[BS_STATUS_SENT] = "sent",
	[BS_STATUS_DEFERRED] = "deferred",
	[BS_STATUS_BOUNCED] = "bounced",
	[BS_STATUS_EXPIRED] = "expired",
	[BS_STATUS_ATTEMPT] = "attempt",
};

static const char *const mta_names[BS_MTA_COUNT] = {
	[BS_MTA_UNKNOWN] = "unknown",
	[BS_MTA_POSTFIX] = "postfix",
	[BS_MTA_EXIM] = "exim",
	[BS_MTA_SENDMAIL] = "sendmail",
	[BS_MTA_OPENSMTPD] = "opensmtpd",
};

static int
lookup(const char *const *names, int n, const char *s, size_t len)
{
	int i;

	for (i = 0; i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return i;
	return -1;
}

/* Returns the public name of a class; "unknown" for an out-of-range value. */
const char *
bs_class_name(enum bs_class c)
{
	if ((unsigned)c >= BS_CLASS_COUNT)
		return class_names[BS_CLASS_UNKNOWN];
	return class_names[c];
}

/* See event.h. */
const char *
bs_class_meaning(enum bs_class c)
{
	return (unsigned)c < BS_CLASS_COUNT ? class_texts[c][0] : "";
}

/* See event.h. */
const char *
bs_class_action(enum bs_class c)
{
	return (unsigned)c < BS_CLASS_COUNT ? class_texts[c][1] : "";
}

/*
 * Parses a class name of len bytes (not NUL-terminated). Returns 0 and sets
 * *out, or -1 if the name is not in the vocabulary.
 */
int
bs_class_from_name(const char *s, size_t len, enum bs_class *out)
{
	int i = lookup(class_names, BS_CLASS_COUNT, s, len);

	if (i < 0)
		return -1;
	*out = (enum bs_class)i;
	return 0;
}

/* Returns the public name of a status; "none" for an out-of-range value. */
const char *
bs_status_name(enum bs_status s)
{
	if ((unsigned)s >= BS_STATUS_COUNT)
		return status_names[BS_STATUS_NONE];
	return status_names[s];
}

/* Like bs_class_from_name(), for statuses. */
int
bs_status_from_name(const char *s, size_t len, enum bs_status *out)
{
	int i = lookup(status_names, BS_STATUS_COUNT, s, len);

	if (i < 0)
		return -1;
	*out = (enum bs_status)i;
	return 0;
}

/* Returns the public name of an MTA; "unknown" for an out-of-range value. */
const char *
bs_mta_name(enum bs_mta m)
{
	if ((unsigned)m >= BS_MTA_COUNT)
		return mta_names[BS_MTA_UNKNOWN];
	return mta_names[m];
}

/* Like bs_class_from_name(), for MTA names. */
int
bs_mta_from_name(const char *s, size_t len, enum bs_mta *out)
{
	int i = lookup(mta_names, BS_MTA_COUNT, s, len);

	if (i < 0)
		return -1;
	*out = (enum bs_mta)i;
	return 0;
}

/* True for every class but NONE (the class of a delivered message). */
bool
bs_class_is_failure(enum bs_class c)
{
	return c != BS_CLASS_NONE;
}

/* True when the span holds exactly the NUL-terminated string s. */
bool
bs_span_eq(struct bs_span sp, const char *s)
{
	size_t n = strlen(s);

	return sp.len == n && (n == 0 || memcmp(sp.ptr, s, n) == 0);
}

/* See event.h: the domain is what follows the last '@' of rcpt. */
void
bs_event_set_rcpt(struct bs_event *ev, struct bs_span rcpt)
{
	size_t i = rcpt.len;

	ev->rcpt = rcpt;
	ev->rcpt_domain = bs_span_make(rcpt.ptr, 0);
	while (i > 0 && rcpt.ptr[i - 1] != '@')
		i--;
	if (i > 0)
		ev->rcpt_domain = bs_span_make(rcpt.ptr + i, rcpt.len - i);
}

/*
 * See event.h. An entry runs to the next ',' outside '<>' and '"'; empty
 * entries (",,") are passed over; "<>" and '""' around it are dropped.
 */
bool
bs_event_next_rcpt(struct bs_event *ev)
{
	const char *p = ev->rcpt_more.ptr, *end, *s, *e;

	if (p == NULL) /* none: NULL + 0 is undefined (clang's UBSan) */
		return false;
	end = p + ev->rcpt_more.len;
	while (p < end && (*p == ',' || *p == ' '))
		p++;
	if (p >= end) {
		ev->rcpt_more.len = 0;
		return false;
	}
	s = p;
	p = scan_list_comma(p, end, false);
	e = p;
	if (e - s >= 2 &&
	    ((s[0] == '<' && e[-1] == '>') || (s[0] == '"' && e[-1] == '"'))) {
		s++;
		e--;
	}
	ev->rcpt_more = bs_span_make(p, (size_t)(end - p));
	bs_event_set_rcpt(ev, bs_span_make(s, (size_t)(e - s)));
	return true;
}

static const char *const reason_names[BS_REASON_COUNT] = {
	[BS_REASON_NONE] = "none",
	[BS_REASON_NO_PREFIX] = "no_prefix",
	[BS_REASON_REPEATED] = "repeated",
	[BS_REASON_PARTIAL] = "partial",
	[BS_REASON_BAD_JSON] = "bad_json",
	[BS_REASON_OTHER_PROGRAM] = "other_program",
	[BS_REASON_NOT_RESULT] = "not_result",
	[BS_REASON_BAD_DATE] = "bad_date",
	[BS_REASON_BAD_TIME] = "bad_time",
	[BS_REASON_MALFORMED] = "malformed",
};

/* See event.h. */
const char *
bs_reason_name(enum bs_reason r)
{
	if ((unsigned)r >= BS_REASON_COUNT)
		return reason_names[BS_REASON_NONE];
	return reason_names[r];
}
