/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Alert e-mail: a batch of incidents -> one RFC 5322 message (RFC 2045
 * MIME, text/plain; charset=utf-8) -> `sendmail -t -oi`.
 *
 * Composition is pure (no clock, no environment: the caller passes the
 * time, the host name and a unique token for the Message-ID) and treats
 * every string of an incident as hostile, because reply texts, DNSBL names
 * and recipient domains come from remote servers: control characters
 * (C0, DEL, C1, so no CR/LF and no ANSI escape) are removed, invalid UTF-8
 * becomes '?', header values are single lines, non-ASCII header text is
 * RFC 2047-encoded and folded, and body lines are wrapped and sent as
 * 7bit when ASCII, else quoted-printable (RFC 2045 6.7), so no line is too
 * long for SMTP (RFC 5321 4.5.3.1.6). Lines end in LF: sendmail reads a
 * local text stream and converts.
 *
 * alert_sendmail() runs the mailer with an argv (posix_spawn; no shell,
 * so nothing in the message or the path is ever interpreted) and reports
 * its exit status. It is the one function here that does I/O.
 */
#ifndef BS_DAEMON_ALERT_H
#define BS_DAEMON_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sanitize.h"

#include "event.h"

#define ALERT_SAMPLE_MAX 600 /* bytes of a sample reply that are shown */

/*
 * One incident as the message shows it. Strings may be NULL (= none) and
 * are borrowed for the call. Times are epoch seconds, 0 = unknown.
 */
struct alert_incident {
	int64_t id;
	const char *kind;      /* detect_kind_name(): "rate_limited", ... */
	const char *key;       /* provider or domain; DNSBL for "dnsbl" */
	const char *listed_ip; /* "dnsbl": the IP the DNSBL lists */
	const char *providers; /* "dnsbl": receivers that said so, ", " */
	bool resolved;         /* false: open */
	int64_t start;
	int64_t last_seen;
	int64_t resolved_at;
	int64_t window;     /* seconds of the detection window */
	int64_t peak;       /* largest window count */
	int64_t peak_total; /* rate kinds: results in that window */
	double baseline;    /* usual count per window (rate for rates) */
	int64_t total;      /* events during the incident */
	const char *sample; /* a sample reply (hostile) */
	int sample_code;    /* its SMTP code, 0 if none */
	const char *rule;   /* the classifier rule it matched */
	const char *meaning;
	const char *action; /* the rule's suggested action */
	/* issue 16: message records (0: none or unknown) */
	int64_t messages; /* messages with a recipient in the incident */
	int64_t expiring; /* deferred ones expiring within 24 h */
};

struct alert_params {
	const char *from;      /* From: address (operator-supplied) */
	const char *const *to; /* To: addresses */
	size_t nto;
	const char *hostname;    /* this host, named in Subject and body */
	const char *msgid_token; /* unique left part of the Message-ID */
	const char *cli;         /* the program, e.g. "bouncestat" (NULL:
				    that) for the commands shown */
	const char *db;          /* --db for those commands, NULL: none */
	int64_t now;             /* Date: */
	int32_t tzoff;           /* seconds east of UTC for shown times */
	/* NULL: tzoff for every time; else each time's own offset (e.g.
	   local_tz_offset(): a time before a DST change keeps its offset) */
	int32_t (*tzoff_at)(int64_t t);
};

/*
 * True when an operator-supplied address (or "Name <addr>") is fit for a
 * header: non-empty, at most 254 bytes, valid UTF-8 with no control
 * characters.
 */
bool alert_address_ok(const char *);

/*
 * Sorts inc (n entries) worst first: open before resolved, then DNSBL
 * listing, blacklisting, auth failure, throttling, bounce rate, deferral
 * rate, greylisting, then by how far the peak is above the baseline.
 */
void alert_sort(struct alert_incident *inc, size_t n);

/* Which notes of an incident alert_incident_notes() gives. */
enum alert_notes {
	ALERT_NOTES_COUNTS, /* Messages (and the command), Expiring */
	ALERT_NOTES_LINKS   /* Delist (dnsbl) or Help, More */
};

/* Called with a note's label and its value (sanitised, one line). */
typedef void (*alert_note_fn)(void *arg, const char *label, const char *value);

/*
 * The notes the text body gives about x around its reply and action, so
 * that the HTML part tells the same: with ALERT_NOTES_COUNTS, Messages
 * (how many, and the command that lists them) and Expiring; with
 * ALERT_NOTES_LINKS, Delist (a dnsbl incident's delisting page) or Help
 * (a big receiver's postmaster page) and More (the incidents command).
 * Calls fn(arg, label, value) per note, in that order; value is valid
 * during the call. Returns 0, or -1 when memory ran out (a note may then
 * be cut or missing).
 */
int alert_incident_notes(const struct alert_params *p,
    const struct alert_incident *x, enum alert_notes which, alert_note_fn fn,
    void *arg);

/*
 * Composes one message for the n incidents of inc (n >= 1; shown in the
 * given order, the first one named in the Subject: call alert_sort()
 * first). Returns the message (NUL-terminated; the caller frees it with
 * free()) and its length in *lenp, or NULL with errbuf set (BS_ERRLEN
 * bytes) on a bad parameter or when memory runs out.
 */
char *alert_compose(const struct alert_params *p,
    const struct alert_incident *inc, size_t n, size_t *lenp, char *errbuf);

/*
 * Runs `path -t -oi` (with its argv, no shell; SIGPIPE reset to default
 * in the child) and writes the len bytes of msg to its standard input.
 * Returns 0 when it exited with status 0; otherwise -1 with errbuf
 * telling how it failed (could not start, exit status N, signal N).
 */
int alert_sendmail(const char *path, const char *msg, size_t len, char *errbuf);

#endif
