/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The reply classifier: an ordered table of rules (data, not code), each a
 * PCRE2 pattern over the reply text and/or conditions on the SMTP code and
 * enhanced status, optionally scoped to a provider. First match wins.
 * Pure: rule text comes from the caller (embedded defaults from
 * classify_defaults(), operator files read by the daemon); no I/O.
 *
 * Lifecycle: classify_new(), classify_add_rules() for each rule text in
 * order (a later rule with the same name replaces an earlier one in place),
 * classify_compile(), then classify_event() any number of times. A
 * classifier is not thread-safe (one match-data block is reused).
 */
#ifndef BS_PARSERS_CLASSIFY_H
#define BS_PARSERS_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "blob.h"
#include "event.h"

struct classifier;

struct classify_result {
	enum bs_class cls;
	bool permanent;		  /* 5xx code / 5.x.x status / bounce */
	const char *rule;	  /* rule name, owned by the classifier */
	const char *meaning;	  /* one line, may be "" */
	const char *action;	  /* suggested action, may be "" */
	struct bs_span dnsbl;	  /* e.g. "zen.spamhaus.org", into the reply */
	struct bs_span listed_ip; /* e.g. "192.0.2.1", into the reply */
	bool limit_hit;		  /* a PCRE2 limit stopped a match */
};

struct classify_stats {
	uint64_t lookups;
	uint64_t cache_hits;
	uint64_t limit_hits;
};

/* The built-in rule files (parsers/rules/NN-name.rules), in load order. */
const struct bs_blob *classify_defaults(void);

struct classifier *classify_new(void);
void classify_free(struct classifier *);

/*
 * Adds the rules of one rule file (text of len bytes; name is used in error
 * messages as "name:line: message"). Returns 0, or -1 with the message in
 * errbuf (BS_ERRLEN bytes).
 */
int classify_add_rules(struct classifier *, const char *name,
    const char *text, size_t len, char *errbuf);

/* Compiles all patterns (JIT when available). 0, or -1 with errbuf. */
int classify_compile(struct classifier *, char *errbuf);

/*
 * Classifies ev (its status, smtp_code, enhanced, reply and flags) for the
 * receiver's provider (may be NULL). Sent events get BS_CLASS_NONE, expired
 * ones without a reply BS_CLASS_EXPIRED. Always fills *out; returns 0.
 */
int classify_event(struct classifier *, const struct bs_event *ev,
    const char *provider, struct classify_result *out);

void classify_get_stats(const struct classifier *, struct classify_stats *);

#endif
