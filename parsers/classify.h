/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The reply classifier: an ordered table of rules (data, not code), each a
 * PCRE2 pattern over the reply text and/or conditions on the SMTP code and
 * enhanced status, optionally scoped to a provider, each with an evidence
 * rank (token, phrase, status, code, broad, fallback). Rules are tried by
 * rank, in table order within a rank; the first match wins.
 * Pure: rule text comes from the caller (embedded defaults from
 * classify_defaults(), operator files read by the daemon); no I/O.
 *
 * Lifecycle: classify_new(), classify_add_rules() for each rule text in
 * order (a later rule with the same name replaces an earlier one in place),
 * classify_add_local_rules() for the operator's files, classify_compile(),
 * then classify_event() any number of times. A classifier is not
 * thread-safe (one match-data block is reused). Classifiers share nothing:
 * a failed load of a new one leaves an old one fully usable. The rule
 * format and matching order are documented in bouncestat-rules(5) and at
 * the top of classify.c.
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
	bool permanent;           /* 5xx code / 5.x.x status / bounce */
	const char *rule;         /* rule name, owned by the classifier */
	const char *meaning;      /* one line, may be "" */
	const char *action;       /* suggested action, may be "" */
	struct bs_span dnsbl;     /* e.g. "zen.spamhaus.org", into the reply */
	struct bs_span listed_ip; /* e.g. "192.0.2.1", into the reply */
	bool limit_hit;           /* a PCRE2 limit stopped a match */
	/* What the decision rested on (see classify_event()): */
	int code;                /* the event's code, else the one found */
	struct bs_span enhanced; /* likewise for the enhanced status */
	struct bs_span reply;    /* the reply found in the text, into it */
	struct bs_span read;     /* ... as rules and model read it: cut to
				  * 1024 bytes, ids masked (then into the
				  * classifier's buffer, valid until the
				  * next classify_event()) */
	const char *wrapper;     /* what surrounded it: reply_wrapper_name() */
	const char *evidence;    /* rank of the deciding rule, "" if none */
	const char *explain;     /* the model's words that decided, else "" */
};

struct classify_stats {
	uint64_t lookups;
	uint64_t cache_hits;
	uint64_t limit_hits;
	uint64_t pattern_runs;  /* PCRE2 matches run (after the prefilter) */
	uint32_t rules;         /* rules in force after compile */
	uint32_t patterns;      /* rules with a pattern */
	uint32_t jit_patterns;  /* ... run by the JIT */
	uint32_t jit_done;      /* ... of which compiled so far: each pattern
				 * is JIT-compiled on its first run */
	uint64_t model_scored;  /* replies the model was asked about */
	uint64_t model_memo;    /* ... answered from its memo (with the
				 * cache; classify_model.h) */
	uint64_t model_resumed; /* ... scored from a cut of its memo */
};

/* One rule as loaded, for listings and tests. Pointers are owned by the
 * classifier. */
struct classify_rule_info {
	const char *name;
	const char *file; /* rule file that defined it last */
	int line;         /* line of its "rule" keyword */
	enum bs_class cls;
	const char *meaning;
	const char *action;
	const char *pattern;  /* NULL when the rule has none */
	const char *evidence; /* rank: "token", "phrase", ... "fallback" */
	bool disabled;
};

typedef void classify_report_fn(void *arg, const char *msg);

/* The built-in rule files (parsers/rules/NN-name.rules), in load order. */
const struct bs_blob *classify_defaults(void);

struct classifier *classify_new(void);
void classify_free(struct classifier *);

/*
 * Adds the rules of one rule file (text of len bytes; name is used in error
 * messages as "name:line: message"). Returns 0, or -1 with the message in
 * errbuf (BS_ERRLEN bytes).
 */
int classify_add_rules(struct classifier *, const char *name, const char *text,
    size_t len, char *errbuf);

/*
 * Like classify_add_rules(), for an operator's rule file: a rule with a new
 * name goes after the rules of earlier operator files and before every
 * rule added by classify_add_rules() (unless placed with "before" or
 * "after"), so that it can refine the built-in rules; a rule with a known
 * name replaces that one in place.
 */
int classify_add_local_rules(struct classifier *, const char *name,
    const char *text, size_t len, char *errbuf);

struct classify_model;

/*
 * Gives the classifier a learned model for its weak layers
 * (classify_model.h; NULL: none, the default). The classifier owns it
 * from then on. A reply whose deciding rule's evidence is one of the
 * model's layers (or that no rule matched, layer "none") takes the
 * model's class when the model is confident of another one: then the
 * result's rule and evidence are "model", its meaning and action the
 * class's (bs_class_meaning()), and its explain the model's one-line
 * explanation (valid until the next classify_event()).
 */
void classify_set_model(struct classifier *, struct classify_model *);

/*
 * Compiles the rule table (patterns were checked when added; the JIT, when
 * available, compiles each on its first run). 0, or -1 with errbuf.
 */
int classify_compile(struct classifier *, char *errbuf);

/*
 * Classifies ev (its status, smtp_code, enhanced, reply and flags) for the
 * receiver's provider (may be NULL). The reply is first looked for inside
 * the text (reply_find(): a wrapper such as "host X said:" or "Remote
 * Server returned '...'"); patterns and the model run on the reply found
 * with its identifiers masked (template_mask_ids(); spans point into the
 * reply itself), and an event without a code or enhanced status takes
 * those found. Rules are tried by
 * evidence rank (token, phrase, status, code, broad, fallback), in table
 * order within a rank; the first match wins. Sent events get
 * BS_CLASS_NONE, expired ones without a reply BS_CLASS_EXPIRED, anything
 * no rule matches BS_CLASS_UNKNOWN. Always fills *out; returns 0.
 */
int classify_event(struct classifier *, const struct bs_event *ev,
    const char *provider, struct classify_result *out);

void classify_get_stats(const struct classifier *, struct classify_stats *);

/*
 * Turns the result caches (see classify.c, and the model's memo,
 * classify_model.h) off or on (the default). The answers are the same
 * either way; tests compare them.
 */
void classify_set_cache(struct classifier *, bool on);

/*
 * Turns split matching (see classify.c: a rule of many alternatives is
 * decided by running only those whose required literal occurs, and a
 * pattern is not run when no alternative has all its required literals)
 * off or on (the default). The answers are the same either way; tests
 * compare them.
 */
void classify_set_split(struct classifier *, bool on);

/*
 * Fills *ev for a bare reply text the way `bouncestat classify` sees it:
 * code and enhanced status by reply_find() (so also from inside a
 * wrapper); status bounced for a permanent reply, else deferred. The
 * event is never connection-level: only an MTA parser can say that, so a
 * text with no code and no known phrase stays unknown. Spans point into
 * text.
 */
void classify_event_from_text(
    const char *text, size_t len, struct bs_event *ev);

/* classify_event_from_text() then classify_event(). Returns 0. */
int classify_text(struct classifier *, const char *text, size_t len,
    const char *provider, struct classify_result *out);

/* Rules in evaluation order (disabled ones included), after compile. */
size_t classify_rule_count(const struct classifier *);
int classify_rule_get(
    const struct classifier *, size_t i, struct classify_rule_info *);

/*
 * Checks every enabled rule's samples: each "example" must be classified
 * by that very rule (so no earlier rule shadows it) and no "counter" may
 * match it (its first 1024 bytes, identifiers masked as classify_event()
 * masks a reply's: template_mask_ids()). Samples are classified as by
 * classify_event_from_text(), with the rule's first provider, status and
 * event kind when it has those conditions. With require, a rule without
 * an example or without a counter is a problem too. Each problem is
 * reported as "file:line: message" through fn. Returns the number of
 * problems; *nsamples (may be NULL) gets the number of samples checked.
 */
int classify_check_samples(struct classifier *, bool require,
    classify_report_fn *fn, void *arg, size_t *nsamples);

#endif
