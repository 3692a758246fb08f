/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The reply classifier: rule files (data) -> an ordered rule table ->
 * one class per delivery event. The user-facing description of the rule
 * format is bouncestat-rules(5) (contrib/bouncestat-rules.5); this is the
 * implementer's summary.
 *
 * Rule files are line oriented: "#" starts a comment line, "rule NAME"
 * opens a block, then one keyword per line: class, code, enhanced, match
 * (repeatable: alternatives), provider, status, event, evidence, meaning,
 * action, example and counter (repeatable samples), before/after NAME
 * (placement) and disable. A rule matches when every condition it has
 * holds; it needs at least one of match, code, enhanced, status or event.
 *
 * Order: evidence decides, strongest first: provider token > specific
 * phrase > enhanced status > basic code > broad word > fallback (issue
 * 12: a broad word such as "blocked" must never beat a phrase or an
 * enhanced status). Each rule has a rank ("evidence", else inferred by
 * default_evidence()); at compile time the table is sorted by rank,
 * stably, and then evaluated in order: the first match wins. Before the
 * sort the built-in files come first in name order, rules in file order;
 * an operator rule with a known name replaces that rule in place, a new
 * one is inserted before all built-in rules (after earlier operator rules)
 * or where "before"/"after" says. Two facts precede the rules: a sent
 * event has class none, an expired event without any reply text has class
 * expired.
 *
 * Extraction: the reply is looked for inside the text first
 * (reply_find(): "host X said:", Exim's "SMTP error from remote mail
 * server", Exchange's "Remote Server returned", client libraries);
 * patterns run on the reply from its code on, and its code and enhanced
 * status stand in for an event's missing ones. classify_event_from_text()
 * never marks a bare text connection-level, so the connection fallback
 * applies only to events an MTA parser marked so.
 * Identifiers are masked before anything reads the reply
 * (template_mask_ids(): a run of 10 or more letters and digits holding
 * both reads as that many 'x'): patterns, the cache key and the model
 * read the masked reply, spans are its offsets into the reply itself.
 *
 * Matching: patterns are PCRE2, compiled once, caseless, no UTF (bytes;
 * case folding for ASCII only), unnamed groups do not capture; the named
 * groups (?<dnsbl>...) and (?<ip>...) give the DNSBL and listed-IP spans.
 * For blacklisted, rate_limited and reverse_dns results without an ip
 * group the first IP address in the reply (not 127/8) is taken. Subjects
 * are cut to CLASSIFY_SUBJECT_MAX bytes. Match, depth and heap limits are
 * set; a limit hit ends the classification as unknown with limit_hit set
 * and a counter bumped.
 *
 * Speed (no cost linear in the number of rules for a common reply, no
 * allocation per event; issue 14):
 *   - cache first: the subject (ids masked) is hashed with every digit
 *     read as '0' (a length-preserving normalisation: IPs, counters,
 *     timestamps),
 *     together with code, enhanced status, provider, status and event
 *     kind, and that key is looked up before anything else, so a
 *     recurring template costs the reply's extraction and one hash. A
 *     rule whose pattern can tell one digit from another (a digit outside
 *     a {m,n} quantifier or a 0-9 class, \x-style escapes,
 *     backreferences, or a literal with a digit) is "digit-sensitive".
 *     When such a rule is, or may be, a candidate for the subject (its
 *     literal occurs with digits read as '0', so it may occur in another
 *     subject of the same normalised key), the answer is cached under a
 *     hash of the subject's exact bytes and the normalised key's entry
 *     only says so (RULE_EXACT); otherwise under the normalised key. But
 *     when the answer's rule is not digit-sensitive (or none matched),
 *     it holds for every subject of the key on which no digit-sensitive
 *     rule before it matches, so it is kept under the normalised key
 *     with those rules (up to DSR_MAX): a lookup runs just them, and
 *     only a match sends the subject the way of the exact key (Outlook's
 *     "(S843)" replies, against a rule for "(S31nn)": the benchmark
 *     log's hits 74.8% -> 77.9%). A
 *     cached answer is thus exactly what the rules would give (up to a
 *     64-bit hash collision); test_classify_same and test_classify_digits
 *     compare. The cache has CLASSIFY_CACHE_SIZE entries, two per set;
 *     a reply seen once replaces an entry that has not served a lookup
 *     before one that has. The ids are looked for only when the reply's
 *     own key misses (a hit under it means the reply has none, see
 *     classify_event()): with them masked, Gmail's, Outlook's and
 *     NetEase's per-message ids no longer make every reply a miss (the
 *     benchmark log's failures: 53% -> 75% hits).
 *   - prefilter: from every pattern a required literal is extracted (the
 *     longest run of plain characters of each top-level alternative, at
 *     least 4 bytes, its last 16 bytes when longer), and each literal is
 *     anchored on one of its 4-byte windows, chosen at compile time by
 *     the expected cost of the scan (how often the window occurs in the
 *     rules' own samples; then rare bytes; few literals per anchor). One
 *     pass over the subject, lower-cased with digits read as '0', tests
 *     four windows per step against a filter of the anchors and looks up
 *     only those that pass; the literals of an anchor are compared in two
 *     masked words. Rules without such a literal are always candidates.
 *     Candidates are then narrowed by precomputed masks per SMTP code and
 *     per enhanced class.subject, and tried in table order.
 *   - before a pattern runs, one of its alternatives must have its
 *     literal found and its other required literals (up to REQ_MAX more
 *     runs, e.g. "keyword" of "\bkeywords? rejected\b", and one literal
 *     of a required group of alternatives) present; a rule
 *     of many alternatives runs only those (split matching, split_rule()),
 *     and an alternative that is plain text with \b at its ends or not is
 *     decided by looking for the text, without PCRE2.
 *   - lower-casing, digit zeroing and the hash go 16 bytes a step with
 *     SSE2 (x86-64), 8 with SWAR elsewhere (same hash).
 *
 * Pure: no I/O, no globals but constant tables; errors go to errbuf.
 */
#include <sys/types.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

/* SSE2 is part of x86-64: 16 bytes per step where the code has it, the
 * same results 8 bytes at a time (SWAR) elsewhere. */
#if defined(__SSE2__) && defined(__x86_64__) && !defined(BS_NO_SIMD)
#include <emmintrin.h>
#define BS_SSE2 1
#endif

#include "classify.h"
#include "classify_model.h"
#include "reply.h"
#include "scan.h"
#include "template.h"

extern const struct bs_blob bs_default_rules[];

#define CLASSIFY_SUBJECT_MAX 1024
#define CLASSIFY_CACHE_SIZE  4096 /* power of two */
#define CLASSIFY_MATCH_LIMIT 100000
#define CLASSIFY_DEPTH_LIMIT 1000
#define CLASSIFY_HEAP_LIMIT  1024 /* KiB */
#define CLASSIFY_JIT_STACK   (512 * 1024)
#define RULE_LINE_MAX        4096
#define RULE_NAME_MAX        64
#define LIT_MIN              4
#define LIT_MAX              16
#define CODE_BUCKETS         502 /* 0: none, 1..500: 100..599, 501: other */
#define ENH_KEYS             34  /* 0: none, 1 + 11 * class + subject */
#define GROUP_MAX            32  /* groups of one name kept per rule */
#define FILTER_BITS          15  /* 32 KiB of filter bytes */

/*
 * Evidence ranks, strongest first (see the header comment). Rules are
 * evaluated rank by rank, in table order within a rank.
 */
#define EV_DEFAULT  -1
#define EV_TOKEN    0
#define EV_PHRASE   1
#define EV_STATUS   2
#define EV_CODE     3
#define EV_BROAD    4
#define EV_FALLBACK 5
#define EV_COUNT    6

static const char *const evidence_names[EV_COUNT] = { "token", "phrase",
	"status", "code", "broad", "fallback" };

#define EVENT_REPLY   0x1
#define EVENT_CONNECT 0x2
#define EVENT_LOCAL   0x4

struct enh_cond {
	int cls; /* 2, 4 or 5; 0 for any */
	int slo, shi;
	int dlo, dhi;
};

struct sample {
	char *text;
	int line;
	bool counter;
};

/*
 * A literal every match of an alternative contains (lower case, at most
 * LIT_MAX bytes, no NUL), and the ones an alternative has besides the one
 * its prefilter entry is for: before an alternative's pattern is run,
 * these must occur too (a pattern "\\bkeywords? rejected\\b" is
 * filtered by " rejected", which many replies have, and then by "keyword").
 */
#define REQ_MAX 3
#define ANY_MAX 4

struct reqlit {
	unsigned char b[LIT_MAX];
	unsigned char len;
	unsigned char rare; /* offset of its rarest byte (reqs_occur()) */
	uint64_t w[2],
	    mask[2]; /* b and its length's mask, as in struct literal */
};

struct reqs {
	struct reqlit lit[REQ_MAX];
	size_t n;
	struct reqlit any[ANY_MAX]; /* one of these must occur, if nany */
	size_t nany;
};

/*
 * An alternative that is plain text, with \b at either end or not
 * (\bConnection timed out\b): decided by looking for its text, without
 * PCRE2 (plain_occurs()). len 0: not such an alternative.
 */
#define PLAIN_MAX 64

struct plain {
	unsigned char b[PLAIN_MAX]; /* lower case */
	size_t len;
	size_t rare; /* offset of its rarest byte */
	bool wb_start, wb_end;
};

struct rule {
	char *name;
	char *file;
	int line;
	enum bs_class cls;
	bool disabled;
	bool has_class;

	bool has_code;
	bool code_none;
	uint64_t codes[8]; /* bit (code - 100) for 100..599 */

	struct enh_cond *enh;
	size_t nenh;
	bool has_enh;
	bool enh_none;

	char *pattern; /* combined alternatives, or NULL */
	char **parts;  /* the match lines */
	size_t nparts;
	pcre2_code *re;
	pcre2_code *re1; /* the first match line's, while parsing */
	bool jit;        /* run by the JIT (compiled on first use) */
	bool jit_ready;  /* ... and compiled (jit_now()) */
	bool digit_sensitive;
	int grp_dnsbl[GROUP_MAX];
	int grp_ip[GROUP_MAX];

	char **prov;
	size_t nprov;
	unsigned events;   /* EVENT_* mask, 0: any */
	unsigned statuses; /* 1 << bs_status, 0: any */

	char *meaning;
	char *action;
	struct sample *samples;
	size_t nsamples;

	char **lits; /* required literals, lower case; NULL: always */
	size_t nlits;
	struct reqs *req;    /* more required literals of each, or NULL */
	char **alts;         /* the top-level alternative of each literal */
	pcre2_code **alt_re; /* alts compiled (split rules), or NULL; each
			      * NULL until its first use (alt_now()) */
	struct plain *plain; /* alts that are plain text (split_rule()) */
	bool nosplit;        /* a top-level (?i)-style option setting */
	bool always;

	int place; /* 0, 'b'efore or 'a'fter */
	char *anchor;
	int evidence; /* EV_*; EV_DEFAULT until compile */
};

struct literal {
	const unsigned char *bytes;
	size_t len;
	size_t rule;
	size_t alt;   /* index into the rule's lits, alts and alt_re */
	size_t off;   /* of its anchor: the 4 bytes the scan looks up */
	uint32_t key; /* the anchor, digits read as '0' (anchor_key()) */
	bool digits;  /* has a digit: then also compared exactly */
	/* bytes zero-padded to LIT_MAX (as two words), the same with digits
	 * read as '0', and the masks of its length: a hit is checked in two
	 * compares */
	uint64_t w[2], zw[2], mask[2];
};

/* A literal hit of a subject: its literal's rule and alt (issue 14: read
 * for each candidate rule, so kept apart from the large struct literal). */
struct lit_hit {
	uint32_t rule, alt;
};

/* Key tails whose replies' ids are guessed (classify_event()). */
#define ID_GUESS_SIZE 256

/* cache_entry.rule of a normalised key whose subjects need exact keys */
#define RULE_EXACT -2

/* Most digit-sensitive rules a normalised key's entry checks (dsr). */
#define DSR_MAX 3

/* Most literal hits remembered per subject for split rules. */
#define HITS_MAX 64

struct prefix_slot {
	uint32_t key;
	uint32_t first; /* index into lits (sorted by anchor) */
	uint32_t count;
	bool used;
};

struct cache_entry {
	uint64_t key;
	int32_t rule; /* -1: no rule matched */
	uint16_t d_off, d_len, i_off, i_len;
	uint16_t ip_from; /* where find_ip() may start: its hint */
	bool used;
	bool hot; /* served a lookup since it was filled */
	bool has_dnsbl, has_ip;
	/* The answer holds for every subject of this normalised key on
	 * which none of these digit-sensitive rules (evaluated before the
	 * answer's rule) matches: see ds_none_match(). */
	uint8_t ndsr;
	uint16_t dsr[DSR_MAX];
	struct model_hit mh; /* the model's class, cls -1: none */
};

struct classifier {
	struct rule **rules;
	size_t nrules, caprules;
	size_t local_pos;
	bool compiled;

	/* compiled state */
	size_t nwords;
	uint64_t *code_mask; /* CODE_BUCKETS x nwords */
	uint64_t *enh_mask;  /* ENH_KEYS x nwords */
	uint64_t *always;
	uint64_t *dmask;
	uint64_t *cand;
	uint64_t *pcand;       /* rules with a digit literal that may occur */
	unsigned char *filter; /* 1 << FILTER_BITS bytes, 1: an anchor's */
	struct literal *lits;
	size_t nlits;
	struct prefix_slot *slots;
	size_t slot_mask;
	struct cache_entry *cache;
	bool nocache;                  /* classify_set_cache(c, false) */
	bool nosplit;                  /* classify_set_split(c, false) */
	struct lit_hit hits[HITS_MAX]; /* literal hits of the subject */
	size_t nhits;
	bool hits_over;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	/*
	 * The subject of every match is copied here first: PCRE2's JIT may
	 * read up to a vector's width past the subject's end (safe only
	 * within a page), so it must never run on the end of a caller's
	 * buffer; the padding keeps those reads inside memory we own.
	 */
	char subj[CLASSIFY_SUBJECT_MAX + 64];
	/* The subject with its identifiers masked (template_mask_ids()),
	 * when it has one: what the rules and the model read. */
	char msubj[CLASSIFY_SUBJECT_MAX];
	/* The subject lower-cased, and lower-cased with digits read as '0',
	 * each zero-padded by LIT_MAX (scan_subject). */
	unsigned char lsubj[CLASSIFY_SUBJECT_MAX + LIT_MAX];
	unsigned char zsubj[CLASSIFY_SUBJECT_MAX + LIT_MAX];
	pcre2_jit_stack *jstack;

	struct classify_stats stats;
	struct classify_model *model; /* weak layers (classify_model.c) */
	struct model_memo *memo;      /* its answers (with the cache) */
	char model_why[256];
	/* per key tail: did its last reply have an id (classify_event()) */
	bool id_guess[ID_GUESS_SIZE];
	/* find_ip() of the event being classified (event_ip()) */
	size_t ip_from, ip_hint;
};

static const unsigned char lower_tab[256] = {
#define L4(i)  L1(i), L1(i + 1), L1(i + 2), L1(i + 3)
#define L1(i)  (unsigned char)((i) >= 'A' && (i) <= 'Z' ? (i) + 32 : (i))
#define L16(i) L4(i), L4(i + 4), L4(i + 8), L4(i + 12)
#define L64(i) L16(i), L16(i + 16), L16(i + 32), L16(i + 48)
	L64(0), L64(64), L64(128), L64(192)
#undef L64
#undef L16
#undef L4
#undef L1
};

/* ---------------------------------------------------------------- */
/* small helpers */

static void seterr(char *errbuf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
seterr(char *errbuf, const char *fmt, ...)
{
	va_list ap;

	if (errbuf == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, BS_ERRLEN, fmt, ap);
	va_end(ap);
}

static char *
dupn(const char *s, size_t n)
{
	char *p;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static int
push_str(char ***v, size_t *n, const char *s, size_t len)
{
	char **nv, *d;

	if ((d = dupn(s, len)) == NULL)
		return -1;
	if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL) {
		free(d);
		return -1;
	}
	nv[(*n)++] = d;
	*v = nv;
	return 0;
}

static void
free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
bit_get(const uint64_t *m, size_t i)
{
	return (m[i / 64] >> (i % 64)) & 1;
}

static void
bit_set(uint64_t *m, size_t i)
{
	m[i / 64] |= UINT64_C(1) << (i % 64);
}

static uint64_t
mix64(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= UINT64_C(0x9e3779b97f4a7c15);
	h ^= h >> 29;
	return h;
}

static inline uint64_t
mix_bytes(uint64_t h, const char *p, size_t n)
{
	uint64_t v;
	uint32_t lo, hi;

	h = mix64(h, n);
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&v, p, 8);
		h = mix64(h, v);
	}
	/* The rest in one word (the length is mixed in already): 4 to 7
	 * bytes as their first and last 4, overlapping; 1 to 3 as the first,
	 * the middle and the last byte. Issue 14: the key's tail hashes an
	 * enhanced status and a provider name for every reply. */
	if (n >= 4) {
		memcpy(&lo, p, 4);
		memcpy(&hi, p + n - 4, 4);
		h = mix64(h, (uint64_t)hi << 32 | lo);
	} else if (n > 0)
		h = mix64(h,
		    (uint64_t)(unsigned char)p[0] |
			(uint64_t)(unsigned char)p[n / 2] << 8 |
			(uint64_t)(unsigned char)p[n - 1] << 16);
	return h;
}

/* ---------------------------------------------------------------- */
/* rules: allocation */

static void
rule_free(struct rule *r)
{
	size_t i;

	if (r == NULL)
		return;
	free(r->name);
	free(r->file);
	free(r->enh);
	free(r->pattern);
	free_strv(r->parts, r->nparts);
	pcre2_code_free(r->re);
	pcre2_code_free(r->re1);
	free_strv(r->prov, r->nprov);
	free(r->meaning);
	free(r->action);
	for (i = 0; i < r->nsamples; i++)
		free(r->samples[i].text);
	free(r->samples);
	if (r->alt_re != NULL)
		for (i = 0; i < r->nlits; i++)
			pcre2_code_free(r->alt_re[i]);
	free(r->alt_re);
	free(r->plain);
	free_strv(r->alts, r->nlits);
	free_strv(r->lits, r->nlits);
	free(r->req);
	free(r->anchor);
	free(r);
}

/*
 * Returns a new, empty classifier (caller frees with classify_free()), or
 * NULL when out of memory.
 */
struct classifier *
classify_new(void)
{
	return calloc(1, sizeof(struct classifier));
}

/* Frees a classifier and everything it owns; accepts NULL. */
void
classify_free(struct classifier *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nrules; i++)
		rule_free(c->rules[i]);
	free(c->rules);
	free(c->code_mask);
	free(c->enh_mask);
	free(c->always);
	free(c->dmask);
	free(c->cand);
	free(c->pcand);
	free(c->filter);
	free(c->lits);
	free(c->slots);
	free(c->cache);
	classify_model_memo_free(c->memo);
	classify_model_free(c->model);
	pcre2_match_data_free(c->md);
	pcre2_match_context_free(c->mctx);
	pcre2_jit_stack_free(c->jstack);
	free(c);
}

/* Returns the embedded default rule files, ending with a NULL name. */
const struct bs_blob *
classify_defaults(void)
{
	return bs_default_rules;
}

static ssize_t
find_rule(const struct classifier *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nrules; i++)
		if (strcmp(c->rules[i]->name, name) == 0)
			return (ssize_t)i;
	return -1;
}

static int
insert_rule(struct classifier *c, size_t at, struct rule *r)
{
	struct rule **nv;
	size_t ncap;

	if (c->nrules == c->caprules) {
		ncap = c->caprules ? c->caprules * 2 : 64;
		if ((nv = realloc(c->rules, ncap * sizeof(*nv))) == NULL)
			return -1;
		c->rules = nv;
		c->caprules = ncap;
	}
	memmove(c->rules + at + 1, c->rules + at,
	    (c->nrules - at) * sizeof(*c->rules));
	c->rules[at] = r;
	c->nrules++;
	if (at < c->local_pos)
		c->local_pos++;
	return 0;
}

static void
remove_rule(struct classifier *c, size_t at)
{
	memmove(c->rules + at, c->rules + at + 1,
	    (c->nrules - at - 1) * sizeof(*c->rules));
	c->nrules--;
	if (at < c->local_pos)
		c->local_pos--;
}

/* ---------------------------------------------------------------- */
/* pattern analysis */

/* Skips a character class starting at p[i] == '['; returns the index
 * after its closing bracket. */
static size_t
skip_class(const char *p, size_t n, size_t i)
{
	i++;
	if (i < n && p[i] == '^')
		i++;
	if (i < n && p[i] == ']')
		i++;
	while (i < n && p[i] != ']') {
		if (p[i] == '\\' && i + 1 < n)
			i += 2;
		else if (p[i] == '[' && i + 1 < n && p[i + 1] == ':') {
			const char *e = strstr(p + i + 2, ":]");

			i = e != NULL && (size_t)(e - p) < n
			    ? (size_t)(e - p) + 2
			    : i + 1;
		} else
			i++;
	}
	return i < n ? i + 1 : n;
}

/* Skips a group starting at p[i] == '('; returns the index after the
 * matching parenthesis. */
static size_t
skip_group(const char *p, size_t n, size_t i)
{
	int depth = 0;

	while (i < n) {
		if (p[i] == '\\') {
			i += 2;
			continue;
		}
		if (p[i] == '[') {
			i = skip_class(p, n, i);
			continue;
		}
		if (p[i] == '(')
			depth++;
		else if (p[i] == ')' && --depth == 0)
			return i + 1;
		i++;
	}
	return n;
}

/* Length of a {m}, {m,} or {m,n} quantifier at p[i], 0 if none; *min
 * gets m. */
static size_t
quant_len(const char *p, size_t n, size_t i, int *min)
{
	size_t j = i + 1;
	int m = 0;

	if (i >= n || p[i] != '{')
		return 0;
	if (j >= n || !is_digit(p[j]))
		return 0;
	while (j < n && is_digit(p[j]))
		m = m * 10 + (p[j++] - '0');
	if (j < n && p[j] == ',') {
		j++;
		while (j < n && is_digit(p[j]))
			j++;
	}
	if (j >= n || p[j] != '}')
		return 0;
	*min = m;
	return j + 1 - i;
}

/* Skips the arguments of an escape "\e" with p[i] == e; returns the index
 * after the escape. */
static size_t
skip_escape_args(const char *p, size_t n, size_t i)
{
	char e = p[i++];
	char close;
	size_t k;

	switch (e) {
	case 'x':
	case 'o':
	case 'N':
	case 'p':
	case 'P':
		if (i < n && p[i] == '{') {
			while (i < n && p[i] != '}')
				i++;
			return i < n ? i + 1 : n;
		}
		if (e == 'x') {
			for (k = 0;
			     k < 2 && i < n && isxdigit((unsigned char)p[i]);
			     k++)
				i++;
		} else if (e == 'p' || e == 'P')
			i++;
		return i;
	case 'c':
		return i + 1 < n ? i + 1 : n;
	case 'g':
	case 'k':
		if (i < n && (p[i] == '{' || p[i] == '<' || p[i] == '\'')) {
			close = p[i] == '{' ? '}' : p[i] == '<' ? '>' : '\'';
			while (i < n && p[i] != close)
				i++;
			return i < n ? i + 1 : n;
		}
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		while (i < n && is_digit(p[i]))
			i++;
		return i;
	default:
		if (is_digit(e))
			while (i < n && is_digit(p[i]))
				i++;
		return i;
	}
}

/*
 * True when the pattern may treat two digits differently (see the header
 * comment): then normalising digits for the cache is not exact for it.
 */
static bool
pattern_digit_sensitive(const char *p)
{
	size_t n = strlen(p), i = 0, j, end;
	int m;

	while (i < n) {
		if (p[i] == '\\') {
			if (i + 1 < n && strchr("xoNpPcgk0123456789", p[i + 1]))
				return true;
			i += 2;
		} else if (p[i] == '[') {
			end = skip_class(p, n, i);
			for (j = i + 1; j < end; j++) {
				if (p[j] == '\\' && j + 1 < end) {
					if (strchr(
						"xoNpPc0123456789", p[j + 1]))
						return true;
					j++;
					continue;
				}
				if (p[j] == '0' && j + 2 < end &&
				    p[j + 1] == '-' && p[j + 2] == '9') {
					j += 2;
					continue;
				}
				if (is_digit(p[j]))
					return true;
			}
			i = end;
		} else if (p[i] == '{' && (j = quant_len(p, n, i, &m)) > 0) {
			i += j;
		} else if (p[i] == '(' && i + 2 < n && p[i + 1] == '?' &&
		    (p[i + 2] == 'P' || p[i + 2] == 'C')) {
			return true;
		} else if (is_digit(p[i])) {
			return true;
		} else
			i++;
	}
	return false;
}

#define RUN_MAX 64

#define RUNS_MAX 8

/* The longest literal run seen so far in one sequence, and the last
 * LIT_MAX bytes of each of its first RUNS_MAX runs of at least LIT_MIN. */
struct litscan {
	unsigned char run[RUN_MAX];
	size_t runlen;
	unsigned char best[RUN_MAX];
	size_t bestlen;
	struct reqlit runs[RUNS_MAX];
	size_t nruns;
	struct reqlit any[ANY_MAX]; /* the first required group of */
	size_t nany;                /* alternatives, one literal each */
};

static void
lit_keep(struct litscan *ls, const unsigned char *b, size_t len)
{
	struct reqlit *q;

	if (len < LIT_MIN || ls->nruns == RUNS_MAX)
		return;
	q = &ls->runs[ls->nruns++];
	if (len > LIT_MAX) {
		b += len - LIT_MAX;
		len = LIT_MAX;
	}
	memcpy(q->b, b, len);
	q->len = (unsigned char)len;
}

static void
lit_break(struct litscan *ls)
{
	if (ls->runlen > ls->bestlen) {
		memcpy(ls->best, ls->run, ls->runlen);
		ls->bestlen = ls->runlen;
	}
	lit_keep(ls, ls->run, ls->runlen);
	ls->runlen = 0;
}

static void
lit_add(struct litscan *ls, unsigned char ch)
{
	if (ls->runlen < RUN_MAX)
		ls->run[ls->runlen++] = ch;
}

/* True when p[i..end) has a '|' outside groups and classes. */
static bool
has_top_alt(const char *p, size_t i, size_t end)
{
	while (i < end) {
		if (p[i] == '\\')
			i += 2;
		else if (p[i] == '[')
			i = skip_class(p, end, i);
		else if (p[i] == '(')
			i = skip_group(p, end, i);
		else if (p[i] == '|')
			return true;
		else
			i++;
	}
	return false;
}

static int seq_literal(const char *p, size_t i, size_t end, struct litscan *ls);

/*
 * The end of the alternative of p[i..end) that starts at i: the next '|'
 * outside classes and groups, or end.
 */
static size_t
alt_end(const char *p, size_t i, size_t end)
{
	while (i < end && p[i] != '|') {
		if (p[i] == '\\')
			i += 2;
		else if (p[i] == '[')
			i = skip_class(p, end, i);
		else if (p[i] == '(')
			i = skip_group(p, end, i);
		else
			i++;
	}
	return i > end ? end : i;
}

/*
 * A required group p[i..end) of several alternatives: when each has a
 * literal (ANY_MAX at most), one of them occurs in every match; they go
 * to ls->any. Otherwise nothing is claimed.
 */
static void
group_any(const char *p, size_t i, size_t end, struct litscan *ls)
{
	struct litscan inner;
	size_t start, k = 0;

	for (;;) {
		start = i;
		i = alt_end(p, i, end);
		if (k == ANY_MAX || seq_literal(p, start, i, &inner) == -1 ||
		    inner.bestlen < LIT_MIN)
			return;
		ls->any[k].len =
		    (unsigned char)(inner.bestlen > LIT_MAX ? LIT_MAX
							    : inner.bestlen);
		memcpy(ls->any[k].b,
		    inner.best + (inner.bestlen - ls->any[k].len),
		    ls->any[k].len);
		k++;
		if (i >= end)
			break;
		i++; /* '|' */
	}
	ls->nany = k;
}

/*
 * The longest literal that every match of the sequence p[i..end) (one
 * alternative) must contain, lower-cased, into ls->best. Groups that are
 * not optional and have a single alternative are searched too. Returns 0,
 * or -1 when the pattern uses syntax this scan does not follow ((?x),
 * \Q...\E, verbs): then no literal is claimed.
 */
static int
seq_literal(const char *p, size_t i, size_t end, struct litscan *ls)
{
	struct litscan inner;
	size_t k, q, gend, cstart;
	unsigned char ch;
	bool have, group;
	int m;

	ls->runlen = ls->bestlen = ls->nruns = ls->nany = 0;
	while (i < end) {
		have = group = false;
		cstart = gend = 0;
		if (p[i] == '(') {
			if (i + 2 < end && p[i + 1] == '?' &&
			    strchr("imnsx-^", p[i + 2]) != NULL) {
				/* inline options (?i) or group (?i:...) */
				for (k = i + 2;
				     k < end && strchr("imnsx-^", p[k]) != NULL;
				     k++)
					if (p[k] == 'x')
						return -1;
				if (k < end && p[k] == ')') {
					i = k + 1;
					continue;
				}
				if (k < end && p[k] == ':')
					cstart = k + 1;
			} else if (i + 1 < end && p[i + 1] == '*')
				return -1;
			else if (i + 1 < end && p[i + 1] != '?')
				cstart = i + 1;
			else if (i + 2 < end &&
			    (p[i + 2] == ':' || p[i + 2] == '>'))
				cstart = i + 3;
			else if (i + 3 < end &&
			    ((p[i + 2] == '<' && p[i + 3] != '=' &&
				 p[i + 3] != '!') ||
				p[i + 2] == '\'' ||
				(p[i + 2] == 'P' && p[i + 3] == '<'))) {
				/* named group: content after the name */
				for (k = i + 3;
				     k < end && p[k] != '>' && p[k] != '\'';
				     k++)
					;
				if (k < end)
					cstart = k + 1;
			}
			lit_break(ls);
			gend = skip_group(p, end, i);
			group = cstart != 0 && gend > cstart;
			i = gend;
		} else if (p[i] == '[') {
			lit_break(ls);
			i = skip_class(p, end, i);
		} else if (p[i] == '\\' && i + 1 < end) {
			ch = (unsigned char)p[i + 1];
			if (ch == 'Q')
				return -1;
			if (isalnum(ch)) {
				lit_break(ls);
				i = skip_escape_args(p, end, i + 1);
			} else {
				lit_add(ls, ch);
				have = true;
				i += 2;
			}
		} else if (strchr(".^$)|", p[i]) != NULL) {
			lit_break(ls);
			i++;
		} else {
			lit_add(ls, lower_tab[(unsigned char)p[i]]);
			have = true;
			i++;
		}
		/* a quantifier on what came just before */
		m = 1;
		q = 0;
		if (i < end && (p[i] == '?' || p[i] == '*')) {
			m = 0;
			q = 1;
		} else if (i < end && p[i] == '+')
			q = 1;
		else
			q = quant_len(p, end, i, &m);
		if (q > 0) {
			if (have && m == 0 && ls->runlen > 0)
				ls->runlen--;
			lit_break(ls);
			i += q;
			if (i < end && (p[i] == '?' || p[i] == '+'))
				i++;
		}
		if (group && m > 0 && ls->nany == 0 &&
		    has_top_alt(p, cstart, gend - 1))
			group_any(p, cstart, gend - 1, ls);
		if (group && m > 0 && !has_top_alt(p, cstart, gend - 1)) {
			if (seq_literal(p, cstart, gend - 1, &inner) == -1)
				return -1;
			for (k = 0; k < inner.nruns; k++)
				lit_keep(
				    ls, inner.runs[k].b, inner.runs[k].len);
			if (inner.bestlen > ls->bestlen) {
				memcpy(ls->best, inner.best, inner.bestlen);
				ls->bestlen = inner.bestlen;
			}
		}
	}
	lit_break(ls);
	return 0;
}

static int byte_rarity(unsigned char ch);

/* *q from *x, with its rarest byte and compare words. */
static void
req_words(struct reqlit *q, const struct reqlit *x)
{
	unsigned char m[LIT_MAX] = { 0 };
	size_t i;

	memset(q, 0, sizeof(*q));
	memcpy(q->b, x->b, x->len);
	q->len = x->len;
	for (i = 1; i < q->len; i++)
		if (byte_rarity(q->b[i]) > byte_rarity(q->b[q->rare]))
			q->rare = (unsigned char)i;
	memset(m, 0xff, q->len);
	memcpy(q->w, q->b, sizeof(q->w));
	memcpy(q->mask, m, sizeof(q->mask));
}

/*
 * The other required literals of the alternative whose literal was just
 * added (see struct reqs), from ls, into r->req[r->nlits - 1]. Returns 0,
 * or -1 when out of memory.
 */
static int
add_req(struct rule *r, const struct litscan *ls)
{
	const char *best = r->lits[r->nlits - 1];
	size_t blen = strlen(best), k;
	struct reqs *q, *nv;

	if ((nv = realloc(r->req, r->nlits * sizeof(*nv))) == NULL)
		return -1;
	r->req = nv;
	q = &r->req[r->nlits - 1];
	q->n = 0;
	for (k = 0; k < ls->nruns && q->n < REQ_MAX; k++) {
		const struct reqlit *x = &ls->runs[k];

		if (x->len == blen && memcmp(x->b, best, blen) == 0)
			continue;
		req_words(&q->lit[q->n++], x);
	}
	q->nany = ls->nany;
	for (k = 0; k < ls->nany; k++)
		req_words(&q->any[k], &ls->any[k]);
	return 0;
}

/*
 * Adds to r->lits the required literal of each top-level alternative of
 * pattern p; sets r->always when some alternative has none of at least
 * LIT_MIN bytes. Returns 0, or -1 when out of memory.
 */
static int
extract_literals(struct rule *r, const char *p)
{
	struct litscan ls;
	size_t n = strlen(p), i = 0, start, nalts = r->nlits, k;

	/* An unscoped option setting ((?i), (?-i)) reaches into the
	 * alternatives after it: such a rule is never split. */
	for (k = 0; k + 2 < n; k++) {
		size_t e = k + 2;

		if (p[k] == '\\') {
			k++;
			continue;
		}
		if (p[k] != '(' || p[k + 1] != '?')
			continue;
		/* recursion and subroutine calls reach other alternatives */
		if (strchr("R&0123456789+", p[k + 2]) != NULL ||
		    (p[k + 2] == '-' && k + 3 < n && is_digit(p[k + 3])) ||
		    (p[k + 2] == 'P' && k + 3 < n && p[k + 3] == '>'))
			r->nosplit = true;
		while (e < n && strchr("imnsx-^", p[e]) != NULL)
			e++;
		if (e > k + 2 && e < n && p[e] == ')')
			r->nosplit = true;
	}

	for (;;) {
		start = i;
		i = alt_end(p, i, n);
		if (seq_literal(p, start, i, &ls) == -1 ||
		    ls.bestlen < LIT_MIN) {
			r->always = true;
			return 0;
		}
		if (push_str(&r->alts, &nalts, p + start, i - start) == -1)
			return -1;
		/* The last LIT_MAX bytes of a long run: replies share
		 * prefixes ("Recipient address rejected: ") more than
		 * endings, so the end tells rules apart. */
		if (push_str(&r->lits, &r->nlits,
			(const char *)ls.best +
			    (ls.bestlen > LIT_MAX ? ls.bestlen - LIT_MAX : 0),
			ls.bestlen > LIT_MAX ? LIT_MAX : ls.bestlen) == -1)
			return -1;
		if (add_req(r, &ls) == -1)
			return -1;
		if (i >= n)
			break;
		i++; /* '|' */
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* rule file parsing */

struct parse {
	struct classifier *c;
	const char *file;
	bool local;
	char *errbuf;
	struct rule *cur;
	int line;
	char **names; /* rules of this file, for duplicates */
	int *lines;
	size_t nnames;
};

static int perr(struct parse *ps, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
perr(struct parse *ps, int line, const char *fmt, ...)
{
	char msg[BS_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	seterr(ps->errbuf, "%s:%d: %s", ps->file, line, msg);
	return -1;
}

static bool
valid_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > RULE_NAME_MAX || !isalnum((unsigned char)s[0]))
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

/* Next item of a list separated by blanks or commas. */
static bool
next_item(const char **p, const char *end, const char **item, size_t *len)
{
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t' || *s == ','))
		s++;
	if (s == end)
		return false;
	*item = s;
	while (s < end && *s != ' ' && *s != '\t' && *s != ',')
		s++;
	*len = (size_t)(s - *item);
	*p = s;
	return true;
}

static int
parse_int(const char *s, size_t n, int *out)
{
	int v = 0;
	size_t i;

	if (n == 0 || n > 3)
		return -1;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "421", "4xx", "55x", "450-459" or "none" */
static int
parse_codes(struct parse *ps, struct rule *r, const char *v, size_t vn)
{
	const char *p = v, *end = v + vn, *it = v, *dash;
	size_t n = 0, k;
	int lo, hi, code;
	char pat[3];

	r->has_code = true;
	while (next_item(&p, end, &it, &n)) {
		if (n == 4 && memcmp(it, "none", 4) == 0) {
			r->code_none = true;
			continue;
		}
		dash = memchr(it, '-', n);
		if (dash != NULL) {
			if (parse_int(it, (size_t)(dash - it), &lo) == -1 ||
			    parse_int(dash + 1, n - (size_t)(dash - it) - 1,
				&hi) == -1 ||
			    lo < 100 || hi > 599 || lo > hi)
				goto bad;
			for (code = lo; code <= hi; code++)
				bit_set(r->codes, (size_t)(code - 100));
			continue;
		}
		if (n != 3 || it[0] < '1' || it[0] > '5')
			goto bad;
		for (k = 0; k < 3; k++) {
			pat[k] = lower_tab[(unsigned char)it[k]];
			if (!is_digit(pat[k]) && pat[k] != 'x')
				goto bad;
		}
		for (code = 100; code <= 599; code++) {
			char d[3] = { (char)('0' + code / 100),
				(char)('0' + code / 10 % 10),
				(char)('0' + code % 10) };

			for (k = 0; k < 3; k++)
				if (pat[k] != 'x' && pat[k] != d[k])
					break;
			if (k == 3)
				bit_set(r->codes, (size_t)(code - 100));
		}
	}
	return 0;
bad:
	return perr(ps, ps->line,
	    "code: bad value \"%.*s\" (want e.g. 421, 4xx, 55x, 450-459, none)",
	    (int)n, it);
}

static int
parse_range(const char *s, size_t n, int *lo, int *hi)
{
	const char *dash;

	if (n == 1 && (*s == '*' || *s == 'x' || *s == 'X')) {
		*lo = 0;
		*hi = 999;
		return 0;
	}
	if ((dash = memchr(s, '-', n)) != NULL) {
		if (parse_int(s, (size_t)(dash - s), lo) == -1 ||
		    parse_int(dash + 1, n - (size_t)(dash - s) - 1, hi) == -1 ||
		    *lo > *hi)
			return -1;
		return 0;
	}
	if (parse_int(s, n, lo) == -1)
		return -1;
	*hi = *lo;
	return 0;
}

/* "5.7.1", "x.1.1", "5.7.*", "5.7.606-649", "none" */
static int
parse_enh(struct parse *ps, struct rule *r, const char *v, size_t vn)
{
	const char *p = v, *end = v + vn, *it = v, *d1, *d2;
	struct enh_cond ec, *nv;
	size_t n = 0;

	r->has_enh = true;
	while (next_item(&p, end, &it, &n)) {
		if (n == 4 && memcmp(it, "none", 4) == 0) {
			r->enh_none = true;
			continue;
		}
		d1 = memchr(it, '.', n);
		d2 = d1 != NULL ? memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - it))
				: NULL;
		if (d1 == NULL || d2 == NULL || d1 - it != 1)
			goto bad;
		if (*it == '2' || *it == '4' || *it == '5')
			ec.cls = *it - '0';
		else if (*it == 'x' || *it == 'X' || *it == '*')
			ec.cls = 0;
		else
			goto bad;
		if (parse_range(d1 + 1, (size_t)(d2 - d1 - 1), &ec.slo,
			&ec.shi) == -1 ||
		    parse_range(d2 + 1, n - (size_t)(d2 + 1 - it), &ec.dlo,
			&ec.dhi) == -1)
			goto bad;
		if ((nv = realloc(r->enh, (r->nenh + 1) * sizeof(*nv))) == NULL)
			return perr(ps, ps->line, "out of memory");
		nv[r->nenh++] = ec;
		r->enh = nv;
	}
	return 0;
bad:
	return perr(ps, ps->line,
	    "enhanced: bad value \"%.*s\" (want e.g. 5.7.1, x.1.1, 5.7.*, "
	    "5.7.606-649, none)",
	    (int)n, it);
}

static int
parse_providers(struct parse *ps, struct rule *r, const char *v, size_t vn)
{
	const char *p = v, *end = v + vn, *it;
	char buf[256];
	size_t n, k;

	while (next_item(&p, end, &it, &n)) {
		if (n >= sizeof(buf) || memchr(it, '.', n) == NULL)
			return perr(ps, ps->line,
			    "provider: \"%.*s\" is not a domain name", (int)n,
			    it);
		for (k = 0; k < n; k++) {
			buf[k] = (char)lower_tab[(unsigned char)it[k]];
			if (!isalnum((unsigned char)buf[k]) && buf[k] != '.' &&
			    buf[k] != '-')
				return perr(ps, ps->line,
				    "provider: \"%.*s\" is not a domain name",
				    (int)n, it);
		}
		if (push_str(&r->prov, &r->nprov, buf, n) == -1)
			return perr(ps, ps->line, "out of memory");
	}
	return 0;
}

static int
parse_statuses(struct parse *ps, struct rule *r, const char *v, size_t vn)
{
	const char *p = v, *end = v + vn, *it;
	enum bs_status st;
	size_t n;

	while (next_item(&p, end, &it, &n)) {
		if (bs_status_from_name(it, n, &st) == -1 ||
		    st == BS_STATUS_NONE)
			return perr(ps, ps->line,
			    "status: unknown status \"%.*s\" (want deferred, "
			    "bounced, expired, attempt, sent)",
			    (int)n, it);
		r->statuses |= 1u << st;
	}
	return 0;
}

static int
parse_events(struct parse *ps, struct rule *r, const char *v, size_t vn)
{
	const char *p = v, *end = v + vn, *it;
	size_t n;

	while (next_item(&p, end, &it, &n)) {
		if (n == 5 && memcmp(it, "reply", 5) == 0)
			r->events |= EVENT_REPLY;
		else if (n == 7 && memcmp(it, "connect", 7) == 0)
			r->events |= EVENT_CONNECT;
		else if (n == 5 && memcmp(it, "local", 5) == 0)
			r->events |= EVENT_LOCAL;
		else
			return perr(ps, ps->line,
			    "event: unknown kind \"%.*s\" (want reply, "
			    "connect, local)",
			    (int)n, it);
	}
	return 0;
}

static pcre2_code *
compile_pattern(const char *pat, int *err, PCRE2_SIZE *off)
{
	return pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
	    PCRE2_CASELESS | PCRE2_NO_AUTO_CAPTURE | PCRE2_DUPNAMES |
		PCRE2_NEVER_UTF | PCRE2_NEVER_UCP,
	    err, off, NULL);
}

static int
pattern_error(
    struct parse *ps, int line, const char *what, int err, PCRE2_SIZE off)
{
	PCRE2_UCHAR msg[128];

	if (pcre2_get_error_message(err, msg, sizeof(msg)) < 0)
		snprintf((char *)msg, sizeof(msg), "error %d", err);
	return perr(
	    ps, line, "%s: %s at offset %zu", what, (char *)msg, (size_t)off);
}

/* Collects the group numbers called name into g[GROUP_MAX] (-1 ends). */
static void
named_groups(pcre2_code *re, const char *name, int *g)
{
	PCRE2_SPTR tab;
	uint32_t cnt = 0, esz = 0, i;
	size_t k = 0;

	for (i = 0; i < GROUP_MAX; i++)
		g[i] = -1;
	if (pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &cnt) != 0 ||
	    pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &esz) != 0 ||
	    pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &tab) != 0)
		return;
	for (i = 0; i < cnt && k < GROUP_MAX; i++) {
		PCRE2_SPTR e = tab + (size_t)i * esz;

		if (strcmp((const char *)e + 2, name) == 0)
			g[k++] = (e[0] << 8) | e[1];
	}
}

/* Validates and files the finished rule ps->cur. */
static int
finish_rule(struct parse *ps)
{
	struct classifier *c = ps->c;
	struct rule *r = ps->cur;
	size_t i, len, at;
	ssize_t old, anchor;
	int err;
	PCRE2_SIZE off;
	uint32_t minlen;
	char *pat;

	if (r == NULL)
		return 0;
	ps->cur = NULL;
	if (!r->disabled) {
		if (!r->has_class) {
			perr(ps, r->line, "rule %s: no class", r->name);
			goto fail;
		}
		if (r->nparts == 0 && !r->has_code && !r->has_enh &&
		    r->statuses == 0 && r->events == 0) {
			perr(ps, r->line,
			    "rule %s: no condition (want match, code, "
			    "enhanced, status or event)",
			    r->name);
			goto fail;
		}
	}
	if (r->nparts > 0) {
		if (r->nparts == 1) {
			pat = strdup(r->parts[0]);
		} else {
			for (len = 0, i = 0; i < r->nparts; i++)
				len += strlen(r->parts[i]) + 6;
			if ((pat = malloc(len + 1)) != NULL) {
				pat[0] = '\0';
				for (i = 0; i < r->nparts; i++) {
					strcat(pat, i ? "|(?:" : "(?:");
					strcat(pat, r->parts[i]);
					strcat(pat, ")");
				}
			}
		}
		if (pat == NULL) {
			perr(ps, r->line, "out of memory");
			goto fail;
		}
		r->pattern = pat;
		/* one match line: parse_line() compiled it already */
		if (r->nparts == 1 && r->re1 != NULL) {
			r->re = r->re1;
			r->re1 = NULL;
		} else if ((r->re = compile_pattern(pat, &err, &off)) == NULL) {
			pattern_error(ps, r->line, "match", err, off);
			goto fail;
		}
		if (pcre2_pattern_info(r->re, PCRE2_INFO_MINLENGTH, &minlen) ==
			0 &&
		    minlen == 0) {
			perr(ps, r->line,
			    "rule %s: pattern can match an empty reply",
			    r->name);
			goto fail;
		}
		named_groups(r->re, "dnsbl", r->grp_dnsbl);
		named_groups(r->re, "ip", r->grp_ip);
		r->digit_sensitive = pattern_digit_sensitive(pat);
		for (i = 0; i < r->nparts && !r->always; i++)
			if (extract_literals(r, r->parts[i]) == -1) {
				perr(ps, r->line, "out of memory");
				goto fail;
			}
		if (r->always) {
			free_strv(r->alts, r->nlits);
			r->alts = NULL;
			free_strv(r->lits, r->nlits);
			r->lits = NULL;
			free(r->req);
			r->req = NULL;
			r->nlits = 0;
		}
	} else
		r->always = true;

	/* file it */
	for (i = 0; i < ps->nnames; i++)
		if (strcmp(ps->names[i], r->name) == 0) {
			perr(ps, r->line,
			    "duplicate rule %s (first at line %d)", r->name,
			    ps->lines[i]);
			goto fail;
		}
	{
		char **nv = realloc(ps->names, (ps->nnames + 1) * sizeof(*nv));
		int *nl;

		if (nv == NULL) {
			perr(ps, r->line, "out of memory");
			goto fail;
		}
		ps->names = nv;
		if ((nl = realloc(ps->lines, (ps->nnames + 1) * sizeof(*nl))) ==
		    NULL) {
			perr(ps, r->line, "out of memory");
			goto fail;
		}
		ps->lines = nl;
		ps->names[ps->nnames] = r->name;
		ps->lines[ps->nnames++] = r->line;
	}

	anchor = -1;
	if (r->place != 0) {
		if ((anchor = find_rule(c, r->anchor)) < 0) {
			perr(ps, r->line, "rule %s: %s %s: no such rule",
			    r->name, r->place == 'b' ? "before" : "after",
			    r->anchor);
			ps->nnames--;
			goto fail;
		}
		if (strcmp(r->anchor, r->name) == 0) {
			perr(ps, r->line, "rule %s: placed relative to itself",
			    r->name);
			ps->nnames--;
			goto fail;
		}
	}
	old = find_rule(c, r->name);
	if (old >= 0 && anchor < 0) {
		rule_free(c->rules[old]);
		c->rules[old] = r;
		return 0;
	}
	if (old >= 0) {
		rule_free(c->rules[old]);
		remove_rule(c, (size_t)old);
		anchor = find_rule(c, r->anchor);
	}
	if (anchor >= 0)
		at = (size_t)anchor + (r->place == 'a' ? 1 : 0);
	else if (ps->local)
		at = c->local_pos;
	else
		at = c->nrules;
	if (insert_rule(c, at, r) == -1) {
		perr(ps, r->line, "out of memory");
		ps->nnames--;
		goto fail;
	}
	if (ps->local && anchor < 0)
		c->local_pos = at + 1;
	return 0;
fail:
	rule_free(r);
	return -1;
}

static int
set_once(struct parse *ps, char **dst, const char *kw, const char *v, size_t n)
{
	if (*dst != NULL)
		return perr(ps, ps->line, "%s given twice in rule %s", kw,
		    ps->cur->name);
	if ((*dst = dupn(v, n)) == NULL)
		return perr(ps, ps->line, "out of memory");
	return 0;
}

static int
add_sample(struct parse *ps, const char *v, size_t n, bool counter)
{
	struct rule *r = ps->cur;
	struct sample *ns;

	if (n == 0)
		return perr(ps, ps->line, "%s: empty sample",
		    counter ? "counter" : "example");
	if ((ns = realloc(r->samples, (r->nsamples + 1) * sizeof(*ns))) == NULL)
		return perr(ps, ps->line, "out of memory");
	r->samples = ns;
	if ((ns[r->nsamples].text = dupn(v, n)) == NULL)
		return perr(ps, ps->line, "out of memory");
	ns[r->nsamples].line = ps->line;
	ns[r->nsamples].counter = counter;
	r->nsamples++;
	return 0;
}

static int
parse_line(struct parse *ps, const char *s, size_t n)
{
	const char *kw, *v;
	size_t kwn, vn;
	struct rule *r;
	enum bs_class cls;
	int err;
	PCRE2_SIZE off;
	pcre2_code *re;
	char *tmp;

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (
	    n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (n == 0 || *s == '#')
		return 0;
	kw = s;
	for (kwn = 0; kwn < n && s[kwn] != ' ' && s[kwn] != '\t'; kwn++)
		;
	v = s + kwn;
	vn = n - kwn;
	while (vn > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vn--;
	}
#define KW(w) (kwn == sizeof(w) - 1 && memcmp(kw, w, kwn) == 0)
	if (KW("rule")) {
		if (finish_rule(ps) == -1)
			return -1;
		if (!valid_name(v, vn))
			return perr(ps, ps->line,
			    "rule: bad name \"%.*s\" (letters, digits, '-', "
			    "'_', '.'; at most %d)",
			    (int)vn, v, RULE_NAME_MAX);
		if ((r = calloc(1, sizeof(*r))) == NULL ||
		    (r->name = dupn(v, vn)) == NULL ||
		    (r->file = strdup(ps->file)) == NULL) {
			rule_free(r);
			return perr(ps, ps->line, "out of memory");
		}
		r->line = ps->line;
		r->evidence = EV_DEFAULT;
		ps->cur = r;
		return 0;
	}
	if ((r = ps->cur) == NULL)
		return perr(ps, ps->line,
		    "\"%.*s\" outside a rule (start one "
		    "with \"rule NAME\")",
		    (int)kwn, kw);
	if (KW("disable")) {
		if (vn != 0)
			return perr(ps, ps->line, "disable takes no value");
		r->disabled = true;
		return 0;
	}
	if (vn == 0)
		return perr(ps, ps->line, "%.*s: missing value", (int)kwn, kw);
	if (KW("class")) {
		if (r->has_class)
			return perr(ps, ps->line,
			    "class given twice in rule %s", r->name);
		if (bs_class_from_name(v, vn, &cls) == -1 ||
		    cls == BS_CLASS_NONE)
			return perr(ps, ps->line,
			    "class: unknown class \"%.*s\"", (int)vn, v);
		r->cls = cls;
		r->has_class = true;
		return 0;
	}
	if (KW("code")) {
		if (r->has_code)
			return perr(ps, ps->line, "code given twice in rule %s",
			    r->name);
		return parse_codes(ps, r, v, vn);
	}
	if (KW("enhanced")) {
		if (r->has_enh)
			return perr(ps, ps->line,
			    "enhanced given twice in rule %s", r->name);
		return parse_enh(ps, r, v, vn);
	}
	if (KW("match")) {
		if ((tmp = dupn(v, vn)) == NULL)
			return perr(ps, ps->line, "out of memory");
		if ((re = compile_pattern(tmp, &err, &off)) == NULL) {
			free(tmp);
			return pattern_error(ps, ps->line, "match", err, off);
		}
		free(tmp);
		if (push_str(&r->parts, &r->nparts, v, vn) == -1) {
			pcre2_code_free(re);
			return perr(ps, ps->line, "out of memory");
		}
		/* kept for finish_rule() while it is the only line */
		pcre2_code_free(r->re1);
		r->re1 = r->nparts == 1 ? re : NULL;
		if (r->nparts != 1)
			pcre2_code_free(re);
		return 0;
	}
	if (KW("evidence")) {
		int k;

		if (r->evidence != EV_DEFAULT)
			return perr(ps, ps->line,
			    "evidence given twice in rule %s", r->name);
		for (k = 0; k < EV_COUNT; k++)
			if (strlen(evidence_names[k]) == vn &&
			    memcmp(evidence_names[k], v, vn) == 0)
				break;
		if (k == EV_COUNT)
			return perr(ps, ps->line,
			    "evidence: unknown rank \"%.*s\" (token, phrase, "
			    "status, code, broad or fallback)",
			    (int)vn, v);
		r->evidence = k;
		return 0;
	}
	if (KW("provider"))
		return parse_providers(ps, r, v, vn);
	if (KW("status"))
		return parse_statuses(ps, r, v, vn);
	if (KW("event"))
		return parse_events(ps, r, v, vn);
	if (KW("meaning"))
		return set_once(ps, &r->meaning, "meaning", v, vn);
	if (KW("action"))
		return set_once(ps, &r->action, "action", v, vn);
	if (KW("example"))
		return add_sample(ps, v, vn, false);
	if (KW("counter"))
		return add_sample(ps, v, vn, true);
	if (KW("before") || KW("after")) {
		if (r->place != 0)
			return perr(ps, ps->line,
			    "rule %s: placed twice (before/after)", r->name);
		if (!valid_name(v, vn))
			return perr(ps, ps->line,
			    "%.*s: bad rule name \"%.*s\"", (int)kwn, kw,
			    (int)vn, v);
		r->place = *kw;
		if ((r->anchor = dupn(v, vn)) == NULL)
			return perr(ps, ps->line, "out of memory");
		return 0;
	}
#undef KW
	return perr(ps, ps->line, "unknown keyword \"%.*s\"", (int)kwn, kw);
}

static int
add_rules(struct classifier *c, const char *name, const char *text, size_t len,
    bool local, char *errbuf)
{
	struct parse ps;
	const char *p = text, *end = text + len, *nl;
	int rc = -1;

	memset(&ps, 0, sizeof(ps));
	ps.c = c;
	ps.file = name != NULL ? name : "(rules)";
	ps.local = local;
	ps.errbuf = errbuf;
	if (c->compiled) {
		seterr(errbuf, "%s: classifier already compiled", ps.file);
		return -1;
	}
	while (p < end) {
		ps.line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (nl - p > RULE_LINE_MAX) {
			perr(&ps, ps.line, "line longer than %d bytes",
			    RULE_LINE_MAX);
			goto out;
		}
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL) {
			perr(&ps, ps.line, "NUL byte in rule file");
			goto out;
		}
		if (parse_line(&ps, p, (size_t)(nl - p)) == -1)
			goto out;
		p = nl + 1;
	}
	if (finish_rule(&ps) == -1)
		goto out;
	rc = 0;
out:
	rule_free(ps.cur);
	free(ps.names);
	free(ps.lines);
	return rc;
}

/*
 * Parses one rule file (text of len bytes, name for messages) and adds its
 * rules in order at the end of the table; a rule whose name is already
 * known replaces it in place. Returns 0, or -1 with "name:line: message"
 * in errbuf; on error the rules of this file before the bad one may have
 * been added (the caller discards the classifier).
 */
int
classify_add_rules(struct classifier *c, const char *name, const char *text,
    size_t len, char *errbuf)
{
	return add_rules(c, name, text, len, false, errbuf);
}

/* See classify.h: the operator's variant of classify_add_rules(). */
int
classify_add_local_rules(struct classifier *c, const char *name,
    const char *text, size_t len, char *errbuf)
{
	return add_rules(c, name, text, len, true, errbuf);
}

/* ---------------------------------------------------------------- */
/* compile */

static bool
code_ok(const struct rule *r, int code)
{
	if (!r->has_code)
		return true;
	if (code == 0)
		return r->code_none;
	if (code < 100 || code > 599)
		return false;
	return bit_get(r->codes, (size_t)(code - 100));
}

static int
enh_key(int cls, int subj)
{
	int ci;

	switch (cls) {
	case 2:
		ci = 0;
		break;
	case 4:
		ci = 1;
		break;
	case 5:
		ci = 2;
		break;
	default:
		return 0;
	}
	return 1 + 11 * ci + (subj > 9 ? 10 : subj);
}

static bool
enh_key_ok(const struct rule *r, int key)
{
	int cls, subj;
	size_t i;

	if (!r->has_enh)
		return true;
	if (key == 0)
		return r->enh_none;
	cls = (key - 1) / 11 == 0 ? 2 : (key - 1) / 11 == 1 ? 4 : 5;
	subj = (key - 1) % 11;
	for (i = 0; i < r->nenh; i++) {
		const struct enh_cond *e = &r->enh[i];

		if (e->cls != 0 && e->cls != cls)
			continue;
		if (subj == 10 ? e->shi >= 10
			       : (subj >= e->slo && subj <= e->shi))
			return true;
	}
	return false;
}

static int
lit_cmp(const void *a, const void *b)
{
	const struct literal *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return x->alt < y->alt ? -1 : x->alt > y->alt;
}

static unsigned char
zero_digit(unsigned char ch)
{
	return is_digit(ch) ? '0' : ch;
}

/* Four bytes as the scan reads them from the subject (little-endian). */
static uint32_t
anchor_key(const unsigned char *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	    (uint32_t)b[3] << 24;
}

static size_t
slot_hash(uint32_t key, size_t mask)
{
	return (size_t)((key * UINT32_C(0x9e3779b1)) >> 12) & mask;
}

static uint32_t
filter_hash(uint32_t w)
{
	return (w * UINT32_C(2654435761)) >> (32 - FILTER_BITS);
}

/*
 * How rare byte ch (lower case, digits as '0') is in English reply text,
 * as a rank: 11 for a space, higher for rarer bytes, 40 for any not
 * listed. It picks the byte a required literal is looked for at and
 * breaks ties between anchor windows the samples do not tell apart
 * (place_anchors(); anchored on its first bytes, a literal's common words
 * such as "mail" or "the " stopped the scan about 50 times a reply).
 */
static int
byte_rarity(unsigned char ch)
{
	static const char common[] = " etaoinsr0hldcumpgf.ywbvk:-/x";
	const char *q;

	if (ch == '\0' || (q = strchr(common, ch)) == NULL)
		return 40;
	return 11 + (int)(q - common);
}

/* Fills l->digits, w, zw and mask from l->bytes and len (the anchor:
 * place_anchors()). */
static void
lit_words(struct literal *l)
{
	unsigned char b[LIT_MAX] = { 0 }, z[LIT_MAX] = { 0 },
		      m[LIT_MAX] = { 0 };
	size_t i;

	memcpy(b, l->bytes, l->len);
	memset(m, 0xff, l->len);
	l->digits = false;
	for (i = 0; i < l->len; i++) {
		z[i] = zero_digit(b[i]);
		l->digits |= z[i] != b[i];
	}
	memcpy(l->w, b, sizeof(l->w));
	memcpy(l->zw, z, sizeof(l->zw));
	memcpy(l->mask, m, sizeof(l->mask));
}

/* A candidate anchor: its sample count and literals (place_anchors()). */
struct key_count {
	uint32_t key;
	uint32_t seen; /* times in the rules' samples */
	uint32_t count;
	bool used;
};

static struct key_count *
key_slot(struct key_count *t, size_t mask, uint32_t key)
{
	size_t j;

	for (j = slot_hash(key, mask); t[j].used && t[j].key != key;
	     j = (j + 1) & mask)
		;
	return &t[j];
}

static int
len_cmp(const void *a, const void *b)
{
	const struct literal *const *x = a, *const *y = b;

	if ((*x)->len != (*y)->len)
		return (*x)->len < (*y)->len ? -1 : 1;
	return *x < *y ? -1 : *x > *y;
}

/*
 * Counts in t (the candidate anchors) their occurrences in the samples of
 * the rules (example and counter replies: the text the rules are about),
 * lower-cased with digits read as '0'.
 */
static void
count_in_samples(struct classifier *c, struct key_count *t, size_t mask)
{
	const unsigned char *u;
	struct key_count *kc;
	uint32_t win;
	size_t i, k, j;

	for (i = 0; i < c->nrules; i++)
		for (k = 0; k < c->rules[i]->nsamples; k++) {
			u = (const unsigned char *)c->rules[i]->samples[k].text;
			for (win = 0, j = 0; u[j] != '\0'; j++) {
				win = win >> 8 |
				    (uint32_t)zero_digit(lower_tab[u[j]]) << 24;
				if (j < 3)
					continue;
				kc = key_slot(t, mask, win);
				if (kc->used)
					kc->seen++;
			}
		}
}

/*
 * Chooses each literal's anchor (l->off, l->key) among its 4-byte windows,
 * greedily, shortest literals (fewest windows) first, by the expected
 * cost of the scan: an anchor found in a reply costs a lookup, and one
 * compare for each literal on it. How often a window is found is taken
 * from the rules' samples; among windows the samples do not tell apart,
 * the one of rarer bytes (byte_rarity()). Returns 0, or -1 when out of
 * memory.
 */
#define ANCHOR_LOOKUP_COST 3 /* compares */

static int
place_anchors(struct classifier *c)
{
	struct key_count *t, *kc;
	struct literal **order;
	unsigned char z[LIT_MAX];
	size_t i, k, o, size, mask;
	uint64_t cost, best;
	int rar, bestrar;

	for (size = 16; size < 2 * LIT_MAX * c->nlits; size *= 2)
		;
	mask = size - 1;
	if ((t = calloc(size, sizeof(*t))) == NULL)
		return -1;
	if ((order = calloc(c->nlits ? c->nlits : 1, sizeof(*order))) == NULL) {
		free(t);
		return -1;
	}
	for (i = 0; i < c->nlits; i++) {
		order[i] = &c->lits[i];
		memcpy(z, c->lits[i].zw, sizeof(z));
		for (o = 0; o + 4 <= c->lits[i].len; o++) {
			kc = key_slot(t, mask, anchor_key(z + o));
			kc->used = true;
			kc->key = anchor_key(z + o);
		}
	}
	count_in_samples(c, t, mask);
	qsort(order, c->nlits, sizeof(*order), len_cmp);
	for (i = 0; i < c->nlits; i++) {
		struct literal *l = order[i];

		memcpy(z, l->zw, sizeof(z));
		best = UINT64_MAX;
		bestrar = 0;
		for (o = 0; o + 4 <= l->len; o++) {
			kc = key_slot(t, mask, anchor_key(z + o));
			cost = (2 * (uint64_t)kc->seen + 1) *
			    (1 + (kc->count == 0 ? ANCHOR_LOOKUP_COST : 0));
			for (rar = 0, k = o; k < o + 4; k++)
				rar += byte_rarity(z[k]);
			if (cost < best || (cost == best && rar > bestrar)) {
				best = cost;
				bestrar = rar;
				l->off = o;
			}
		}
		l->key = anchor_key(z + l->off);
		key_slot(t, mask, l->key)->count++;
	}
	free(order);
	free(t);
	return 0;
}

static int
build_prefilter(struct classifier *c)
{
	size_t i, j, k, n = 0, nslots;
	uint32_t key;

	for (i = 0; i < c->nrules; i++)
		if (!c->rules[i]->disabled)
			n += c->rules[i]->nlits;
	if ((c->lits = calloc(n ? n : 1, sizeof(*c->lits))) == NULL)
		return -1;
	for (i = 0; i < c->nrules; i++) {
		if (c->rules[i]->disabled)
			continue;
		for (j = 0; j < c->rules[i]->nlits; j++) {
			struct literal *l = &c->lits[c->nlits++];

			l->bytes = (const unsigned char *)c->rules[i]->lits[j];
			l->len = strlen(c->rules[i]->lits[j]);
			l->rule = i;
			l->alt = j;
			lit_words(l);
			/* Its presence can differ between subjects that
			 * differ only in digits: the cache must know. */
			if (l->digits)
				bit_set(c->dmask, i);
		}
	}
	if (place_anchors(c) == -1)
		return -1;
	qsort(c->lits, c->nlits, sizeof(*c->lits), lit_cmp);
	for (nslots = 16; nslots < 2 * c->nlits; nslots *= 2)
		;
	if ((c->slots = calloc(nslots, sizeof(*c->slots))) == NULL ||
	    (c->filter = calloc(1u << FILTER_BITS, 1)) == NULL)
		return -1;
	c->slot_mask = nslots - 1;
	for (i = 0; i < c->nlits; i = k) {
		key = c->lits[i].key;
		for (k = i + 1; k < c->nlits && c->lits[k].key == key; k++)
			;
		c->filter[filter_hash(key)] = 1;
		for (j = slot_hash(key, c->slot_mask); c->slots[j].used;
		     j = (j + 1) & c->slot_mask)
			;
		c->slots[j].used = true;
		c->slots[j].key = key;
		c->slots[j].first = (uint32_t)i;
		c->slots[j].count = (uint32_t)(k - i);
	}
	return 0;
}

/*
 * The evidence rank a rule has when its file does not say: a provider
 * condition makes it provider-specific (token), a pattern a phrase, then
 * enhanced status, then reply code; a rule on status or event kind alone
 * is a fallback.
 */
static int
default_evidence(const struct rule *r)
{
	if (r->evidence != EV_DEFAULT)
		return r->evidence;
	if (r->disabled)
		return EV_TOKEN; /* listed first; never tried */
	if (r->nprov > 0)
		return EV_TOKEN;
	if (r->nparts > 0)
		return EV_PHRASE;
	if (r->has_enh)
		return EV_STATUS;
	if (r->has_code)
		return EV_CODE;
	return EV_FALLBACK;
}

/*
 * Orders the table by evidence rank, keeping table order within a rank
 * (a stable insertion sort: a few hundred rules, once per load).
 */
static void
sort_by_evidence(struct classifier *c)
{
	struct rule *r;
	size_t i, j;

	for (i = 0; i < c->nrules; i++)
		c->rules[i]->evidence = default_evidence(c->rules[i]);
	for (i = 1; i < c->nrules; i++) {
		r = c->rules[i];
		for (j = i; j > 0 && c->rules[j - 1]->evidence > r->evidence;
		     j--)
			c->rules[j] = c->rules[j - 1];
		c->rules[j] = r;
	}
}

static int split_rule(struct rule *r);

/*
 * Compiles the rule table: prefilter tables, the result cache and the one
 * match-data block. Patterns were compiled (and so checked) when their
 * rules were parsed; the JIT compiles each on its first run (jit_now(),
 * alt_now()): most never run in an import, and compiling them all here
 * was three quarters of loading the rules (76 of 125 M instructions for
 * the default rules). Interpreted when the JIT is not available. Returns
 * 0, or -1 with errbuf. Rules cannot be added afterwards.
 */
int
classify_compile(struct classifier *c, char *errbuf)
{
	size_t i, b, k, w;
	uint32_t cap, maxcap = 1, jit = 0;
	struct rule *r;

	if (c->compiled) {
		seterr(errbuf, "classifier already compiled");
		return -1;
	}
	if (pcre2_config(PCRE2_CONFIG_JIT, &jit) != 0)
		jit = 0;
	sort_by_evidence(c);
	c->nwords = (c->nrules + 63) / 64;
	if (c->nwords == 0)
		c->nwords = 1;
	w = c->nwords;
	if ((c->code_mask = calloc(CODE_BUCKETS * w, 8)) == NULL ||
	    (c->enh_mask = calloc(ENH_KEYS * w, 8)) == NULL ||
	    (c->always = calloc(w, 8)) == NULL ||
	    (c->dmask = calloc(w, 8)) == NULL ||
	    (c->cand = calloc(w, 8)) == NULL ||
	    (c->pcand = calloc(w, 8)) == NULL ||
	    (c->cache = calloc(CLASSIFY_CACHE_SIZE, sizeof(*c->cache))) == NULL)
		goto nomem;
	memset(&c->stats, 0, sizeof(c->stats));
	for (i = 0; i < c->nrules; i++) {
		r = c->rules[i];
		if (r->disabled)
			continue;
		c->stats.rules++;
		if (r->re != NULL) {
			c->stats.patterns++;
			if (jit) {
				r->jit = true;
				c->stats.jit_patterns++;
			}
			if (pcre2_pattern_info(
				r->re, PCRE2_INFO_CAPTURECOUNT, &cap) == 0 &&
			    cap + 1 > maxcap)
				maxcap = cap + 1;
			if (split_rule(r) == -1)
				goto nomem;
		}
		if (r->always)
			bit_set(c->always, i);
		if (r->digit_sensitive)
			bit_set(c->dmask, i);
		for (b = 0; b < CODE_BUCKETS; b++) {
			int code = b == 0           ? 0
			    : b == CODE_BUCKETS - 1 ? 1000
						    : (int)b + 99;

			if (code_ok(r, code))
				bit_set(c->code_mask + b * w, i);
		}
		for (k = 0; k < ENH_KEYS; k++)
			if (enh_key_ok(r, (int)k))
				bit_set(c->enh_mask + k * w, i);
	}
	if (build_prefilter(c) == -1)
		goto nomem;
	if ((c->md = pcre2_match_data_create(maxcap, NULL)) == NULL ||
	    (c->mctx = pcre2_match_context_create(NULL)) == NULL)
		goto nomem;
	pcre2_set_match_limit(c->mctx, CLASSIFY_MATCH_LIMIT);
	pcre2_set_depth_limit(c->mctx, CLASSIFY_DEPTH_LIMIT);
	pcre2_set_heap_limit(c->mctx, CLASSIFY_HEAP_LIMIT);
	if (c->stats.jit_patterns > 0) {
		if ((c->jstack = pcre2_jit_stack_create(
			 32 * 1024, CLASSIFY_JIT_STACK, NULL)) == NULL)
			goto nomem;
		pcre2_jit_stack_assign(c->mctx, NULL, c->jstack);
	}
	c->compiled = true;
	return 0;
nomem:
	seterr(errbuf, "classifier: out of memory");
	return -1;
}

/* Turns split matching off (false) or on (true, the default). */
void
classify_set_split(struct classifier *c, bool on)
{
	c->nosplit = !on;
}

/* Turns the result cache off (false) or on (true, the default). */
void
classify_set_cache(struct classifier *c, bool on)
{
	c->nocache = !on;
}

/* Copies the counters into *st. */
void
classify_get_stats(const struct classifier *c, struct classify_stats *st)
{
	uint64_t lookups;

	*st = c->stats;
	classify_model_memo_stats(c->memo, &lookups, &st->model_memo);
	st->model_resumed = classify_model_memo_resumed(c->memo);
}

/* ---------------------------------------------------------------- */
/* classification */

struct enh {
	int cls, subj, det; /* cls 0: none */
};

static struct enh
parse_enhanced(struct bs_span sp)
{
	struct enh e = { 0, 0, 0 };
	const char *p = sp.ptr, *end;
	int v[3] = { 0, 0, 0 }, k, nd;

	if (sp.ptr == NULL || sp.len < 5 || sp.len > 9)
		return e;
	end = sp.ptr + sp.len;
	if (*p != '2' && *p != '4' && *p != '5')
		return e;
	/* three runs of 1 to 3 digits, a '.' between them, nothing else */
	for (k = 0; k < 3; k++) {
		for (nd = 0; p < end && is_digit(*p); p++, nd++) {
			if (nd == 3)
				return e;
			v[k] = v[k] * 10 + (*p - '0');
		}
		if (nd == 0 || (k < 2 && (p == end || *p++ != '.')))
			return e;
	}
	if (p != end)
		return e;
	e.cls = v[0];
	e.subj = v[1];
	e.det = v[2];
	return e;
}

static bool
provider_ok(const struct rule *r, const char *prov)
{
	size_t i, pl, rl;

	if (r->nprov == 0)
		return true;
	if (prov == NULL || *prov == '\0')
		return false;
	pl = strlen(prov);
	for (i = 0; i < r->nprov; i++) {
		rl = strlen(r->prov[i]);
		if (pl < rl)
			continue;
		if (pl > rl && prov[pl - rl - 1] != '.')
			continue;
		{
			size_t k;

			for (k = 0; k < rl; k++)
				if (lower_tab[(
					unsigned char)prov[pl - rl + k]] !=
				    (unsigned char)r->prov[i][k])
					break;
			if (k == rl)
				return true;
		}
	}
	return false;
}

static unsigned
event_kind(unsigned flags)
{
	if (flags & BS_EVENT_CONNECT)
		return EVENT_CONNECT;
	if (flags & BS_EVENT_LOCAL)
		return EVENT_LOCAL;
	return EVENT_REPLY;
}

/* The conditions of r other than its pattern. */
static bool
conds_ok(const struct rule *r, const struct bs_event *ev, int code,
    struct enh e, const char *prov)
{
	size_t i;

	if (!code_ok(r, code))
		return false;
	if (r->has_enh) {
		if (e.cls == 0) {
			if (!r->enh_none)
				return false;
		} else {
			for (i = 0; i < r->nenh; i++) {
				const struct enh_cond *c = &r->enh[i];

				if ((c->cls == 0 || c->cls == e.cls) &&
				    e.subj >= c->slo && e.subj <= c->shi &&
				    e.det >= c->dlo && e.det <= c->dhi)
					break;
			}
			if (i == r->nenh)
				return false;
		}
	}
	if (r->statuses != 0 &&
	    ((unsigned)ev->status >= 32 || !(r->statuses & (1u << ev->status))))
		return false;
	if (r->events != 0 && !(r->events & event_kind(ev->flags)))
		return false;
	return provider_ok(r, prov);
}

enum match_rc {
	M_NO,
	M_YES,
	M_LIMIT
};

struct spans {
	size_t d_off, d_len, i_off, i_len;
	bool has_dnsbl, has_ip;
};

static void
group_span(const PCRE2_SIZE *ov, uint32_t npairs, const int *g, size_t *off,
    size_t *len, bool *has)
{
	int k;

	for (k = 0; k < GROUP_MAX && g[k] >= 0; k++) {
		if ((uint32_t)g[k] >= npairs || ov[2 * g[k]] == PCRE2_UNSET)
			continue;
		*off = ov[2 * g[k]];
		*len = ov[2 * g[k] + 1] - ov[2 * g[k]];
		*has = true;
		return;
	}
}

/*
 * JIT-compiles r's pattern on its first run; when the JIT fails, r is
 * interpreted from then on. The classifier, like its cache and match
 * data, is used by one thread at a time (the daemon's reading thread).
 */
static void
jit_now(struct classifier *c, struct rule *r)
{
	r->jit_ready = true;
	if (pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE) == 0) {
		c->stats.jit_done++;
		return;
	}
	r->jit = false;
	c->stats.jit_patterns--;
}

static enum match_rc
run_pattern(struct classifier *c, struct rule *r, const char *s, size_t n,
    struct spans *sp)
{
	const PCRE2_SIZE *ov;
	uint32_t npairs;
	int rc;

	c->stats.pattern_runs++;
	if (r->jit && !r->jit_ready)
		jit_now(c, r);
	if (n > CLASSIFY_SUBJECT_MAX)
		n = CLASSIFY_SUBJECT_MAX;
	memcpy(c->subj, s, n);
	if (r->jit)
		rc = pcre2_jit_match(
		    r->re, (PCRE2_SPTR)c->subj, n, 0, 0, c->md, c->mctx);
	else
		rc = pcre2_match(
		    r->re, (PCRE2_SPTR)c->subj, n, 0, 0, c->md, c->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return M_NO;
	if (rc < 0)
		return M_LIMIT; /* match/depth/heap/JIT stack limit */
	if (sp != NULL) {
		ov = pcre2_get_ovector_pointer(c->md);
		npairs = pcre2_get_ovector_count(c->md);
		group_span(ov, npairs, r->grp_dnsbl, &sp->d_off, &sp->d_len,
		    &sp->has_dnsbl);
		group_span(
		    ov, npairs, r->grp_ip, &sp->i_off, &sp->i_len, &sp->has_ip);
	}
	return M_YES;
}

static bool
is_word(unsigned char ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'z') ||
	    (ch >= 'A' && ch <= 'Z') || ch == '_';
}

/*
 * Fills *pl when alternative a is plain text (characters that are not
 * special, or escaped punctuation), with \b or not at either end; else
 * leaves pl->len 0.
 */
static void
plain_alt(const char *a, struct plain *pl)
{
	size_t n = strlen(a), i = 0, k;
	unsigned char ch;

	memset(pl, 0, sizeof(*pl));
	while (i < n) {
		if (a[i] == '\\') {
			ch = (unsigned char)a[i + 1];
			if (ch == 'b' && (i == 0 || i + 2 == n)) {
				if (i == 0)
					pl->wb_start = true;
				else
					pl->wb_end = true;
				i += 2;
				continue;
			}
			if (ch == '\0' || ch >= 0x80 || isalnum(ch))
				goto not_plain;
			i++;
		} else if ((unsigned char)a[i] >= 0x80 ||
		    strchr("^$.|?*+()[]{}", a[i]) != NULL)
			goto not_plain;
		if (pl->len == PLAIN_MAX)
			goto not_plain;
		pl->b[pl->len++] = lower_tab[(unsigned char)a[i++]];
	}
	if (pl->len == 0)
		goto not_plain;
	for (k = 1; k < pl->len; k++)
		if (byte_rarity(pl->b[k]) > byte_rarity(pl->b[pl->rare]))
			pl->rare = k;
	return;
not_plain:
	memset(pl, 0, sizeof(*pl));
}

/*
 * Does plain alternative pl match the subject (c->lsubj, n bytes)? As
 * PCRE2 would without UCP: caseless for ASCII letters, \b between a word
 * byte (ASCII letter, digit, '_') and a non-word byte or an end.
 */
static bool
plain_occurs(const struct classifier *c, const struct plain *pl, size_t n)
{
	const unsigned char *hay = c->lsubj, *p, *last;
	size_t pos;

	if (n < pl->len)
		return false;
	last = hay + (n - pl->len) + pl->rare;
	for (p = hay + pl->rare; p <= last; p++) {
		p = memchr(p, pl->b[pl->rare], (size_t)(last - p) + 1);
		if (p == NULL)
			return false;
		pos = (size_t)(p - hay) - pl->rare;
		if (memcmp(hay + pos, pl->b, pl->len) != 0)
			continue;
		if (pl->wb_start &&
		    (pos > 0 && is_word(hay[pos - 1])) == is_word(hay[pos]))
			continue;
		if (pl->wb_end &&
		    is_word(hay[pos + pl->len - 1]) ==
			(pos + pl->len < n && is_word(hay[pos + pl->len])))
			continue;
		return true;
	}
	return false;
}

/*
 * Split matching. A rule whose pattern has several top-level
 * alternatives, each with its required literal (see the prefilter), and no
 * capture groups (its answer is then only "matches or not") has every
 * alternative compiled on its own as well. The prefilter's pass remembers
 * which literals it found; such a rule is then decided by running only
 * the alternatives whose literal occurs, each on the whole subject. A
 * pattern a|b|c matches a subject exactly when one of a, b, c does, and an
 * alternative whose literal is absent cannot match, so the answer is the
 * one the whole pattern gives; with 40 alternatives it is several times
 * cheaper. A limit hit in an alternative falls back to the whole pattern.
 * Rules with an unscoped option setting ((?i) reaches into the
 * alternatives after it), recursion or subroutine calls, and subjects with
 * more than HITS_MAX literal hits use the whole pattern.
 * test_classify_same compares both ways.
 */
static int
split_rule(struct rule *r)
{
	uint32_t cap = 1;
	size_t i;

	if (r->always || r->nosplit || r->nlits < 1 || r->alts == NULL ||
	    pcre2_pattern_info(r->re, PCRE2_INFO_CAPTURECOUNT, &cap) != 0 ||
	    cap != 0 || !r->jit)
		return 0;
	if ((r->plain = calloc(r->nlits, sizeof(*r->plain))) == NULL)
		return -1;
	for (i = 0; i < r->nlits; i++)
		plain_alt(r->alts[i], &r->plain[i]);
	if (r->nlits < 2)
		return 0;
	/* each compiled on its first use: alt_now() */
	if ((r->alt_re = calloc(r->nlits, sizeof(*r->alt_re))) == NULL)
		return -1;
	return 0;
}

/*
 * Compiles alternative alt of split rule r for the JIT on its first use.
 * false when that fails (not expected): then r stops being split (its
 * alt_re freed) and the caller runs the whole pattern.
 */
static bool
alt_now(struct rule *r, size_t alt)
{
	int err;
	PCRE2_SIZE off;
	size_t i;

	if ((r->alt_re[alt] = compile_pattern(r->alts[alt], &err, &off)) !=
		NULL &&
	    pcre2_jit_compile(r->alt_re[alt], PCRE2_JIT_COMPLETE) == 0)
		return true;
	for (i = 0; i < r->nlits; i++)
		pcre2_code_free(r->alt_re[i]);
	free(r->alt_re);
	r->alt_re = NULL;
	return false;
}

/*
 * Do the literals of q all occur in the subject (c->lsubj, n bytes: see
 * scan_subject())?
 */
static bool
reqlit_occurs(const struct classifier *c, const struct reqlit *x, size_t n)
{
	const unsigned char *hay = c->lsubj, *p, *last;
	uint64_t v[2];

	if (n < x->len)
		return false;
	/* where its rarest byte is, compare it whole (the padding after
	 * the subject keeps the 16-byte loads inside lsubj) */
	last = hay + (n - x->len) + x->rare;
	for (p = hay + x->rare; p <= last; p++) {
		p = memchr(p, x->b[x->rare], (size_t)(last - p) + 1);
		if (p == NULL)
			return false;
		memcpy(v, p - x->rare, sizeof(v));
		if ((((v[0] ^ x->w[0]) & x->mask[0]) |
			((v[1] ^ x->w[1]) & x->mask[1])) == 0)
			return true;
	}
	return false;
}

static bool
reqs_occur(const struct classifier *c, const struct reqs *q, size_t n)
{
	size_t k;

	for (k = 0; k < q->n; k++)
		if (!reqlit_occurs(c, &q->lit[k], n))
			return false;
	if (q->nany == 0)
		return true;
	for (k = 0; k < q->nany; k++)
		if (reqlit_occurs(c, &q->any[k], n))
			return true;
	return false;
}

/*
 * May rule idx (not always a candidate) match the subject? Only when one
 * of its alternatives has its prefilter literal found (c->hits) and its
 * other required literals occur. Unknown (true) when there were more hits
 * than c->hits holds. When true, *first is the first such hit (0 when
 * unknown), so that run_split() need not test its literals again.
 */
static bool
some_alt_occurs(const struct classifier *c, const struct rule *r, size_t idx,
    size_t n, size_t *first)
{
	size_t h;

	*first = 0;
	if (c->hits_over)
		return true;
	for (h = 0; h < c->nhits; h++)
		if (c->hits[h].rule == idx &&
		    reqs_occur(c, &r->req[c->hits[h].alt], n)) {
			*first = h;
			return true;
		}
	return false;
}

/*
 * Rule idx (a split rule) against s[0..n): see split_rule(). The hits
 * before hit first are not this rule's or have literals that do not occur
 * (some_alt_occurs()); known says that those of hit first do (issue 14:
 * they were tested there already).
 */
static enum match_rc
run_split(struct classifier *c, struct rule *r, size_t idx, const char *s,
    size_t n, size_t first, bool known)
{
	size_t h, g, alt;
	bool seen, copied = false, counted = false;
	int rc;

	if (n > CLASSIFY_SUBJECT_MAX)
		n = CLASSIFY_SUBJECT_MAX;
	for (h = first; h < c->nhits; h++) {
		if (c->hits[h].rule != idx)
			continue;
		alt = c->hits[h].alt;
		if (!(known && h == first)) {
			for (seen = false, g = 0; g < h && !seen; g++)
				seen = c->hits[g].rule == idx &&
				    c->hits[g].alt == alt;
			if (seen || !reqs_occur(c, &r->req[alt], n))
				continue;
		}
		if (!counted) {
			c->stats.pattern_runs++;
			counted = true;
		}
		if (r->plain[alt].len > 0) {
			if (plain_occurs(c, &r->plain[alt], n))
				return M_YES;
			continue;
		}
		if (r->alt_re[alt] == NULL && !alt_now(r, alt)) {
			c->stats.pattern_runs--;
			return run_pattern(c, r, s, n, NULL);
		}
		if (!copied) {
			memcpy(c->subj, s, n);
			copied = true;
		}
		rc = pcre2_jit_match(r->alt_re[alt], (PCRE2_SPTR)c->subj, n, 0,
		    0, c->md, c->mctx);
		if (rc >= 0)
			return M_YES;
		if (rc != PCRE2_ERROR_NOMATCH) {
			c->stats.pattern_runs--;
			return run_pattern(c, r, s, n, NULL);
		}
	}
	return M_NO;
}

/*
 * The 8 bytes of v with every ASCII digit made '0': the digits are found
 * all at once (SWAR): a byte is a digit when its low 7 bits are at least
 * 0x30 and below 0x3a and its high bit is clear.
 */
static uint64_t
zero_digits(uint64_t v)
{
	const uint64_t ones = UINT64_C(0x0101010101010101);
	const uint64_t highs = ones * 0x80, low7 = v & ~highs;
	uint64_t dig;

	dig = (low7 + ones * (0x80 - 0x30)) & ~(low7 + ones * (0x80 - 0x3a)) &
	    ~v & highs;
	return v & ~((dig >> 7) * 0x0f);
}

/* The 8 bytes of v with every ASCII capital made small (SWAR). */
static uint64_t
lower_ascii(uint64_t v)
{
	const uint64_t ones = UINT64_C(0x0101010101010101);
	const uint64_t highs = ones * 0x80, low7 = v & ~highs;
	uint64_t up;

	up = (low7 + ones * (0x80 - 0x41)) & ~(low7 + ones * (0x80 - 0x5b)) &
	    ~v & highs;
	return v | up >> 2;
}

#ifdef BS_SSE2
/* zero_digits() and lower_ascii() for 16 bytes. */
static __m128i
zero_digits16(__m128i v)
{
	/* v + (0x80 - '0') is below -128 + 10, as a signed byte, just for
	 * the digits: one add and one compare */
	__m128i d =
	    _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - '0'))),
		_mm_set1_epi8((char)(-128 + 10)));

	return _mm_andnot_si128(_mm_and_si128(d, _mm_set1_epi8(0x0f)), v);
}

static __m128i
lower_ascii16(__m128i v)
{
	__m128i up = scan_range16(v, 'A', 'Z');

	return _mm_or_si128(v, _mm_and_si128(up, _mm_set1_epi8(0x20)));
}
#endif

/*
 * The hash of the subject with every digit read as '0' (a
 * length-preserving normalisation: IPs, counters, timestamps), 8 bytes
 * per step. Byte by byte, in the prefilter's loop, it was half the cost of
 * scan_subject() (4.5% of an import).
 */
static uint64_t
digit_hash(const unsigned char *u, size_t n)
{
	uint64_t h = UINT64_C(0x84222325cbf29ce4), h2 = UINT64_C(0x5bd1e995), v;
	size_t i = 0;

	/* Two lanes, the even and the odd 8 bytes: each mix64() waits for
	 * the one before it (a multiply), so two chains run side by side. */
	for (; i + 16 <= n; i += 16) {
#ifdef BS_SSE2
		__m128i x = zero_digits16(
		    _mm_loadu_si128((const __m128i *)(const void *)(u + i)));

		h = mix64(h, (uint64_t)_mm_cvtsi128_si64(x));
		h2 = mix64(
		    h2, (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(x, x)));
#else
		memcpy(&v, u + i, 8);
		h = mix64(h, zero_digits(v));
		memcpy(&v, u + i + 8, 8);
		h2 = mix64(h2, zero_digits(v));
#endif
	}
	for (; i + 8 <= n; i += 8) {
		memcpy(&v, u + i, 8);
		h = mix64(h, zero_digits(v));
	}
	/* The last 1 to 7 bytes as the last 8 (overlapping bytes already
	 * hashed; the length is mixed in), the byte loop only when shorter. */
	if (i < n && n >= 8) {
		memcpy(&v, u + n - 8, 8);
		h = mix64(h, zero_digits(v));
	} else if (i < n) {
		for (v = 0; i < n; i++)
			v = v << 8 | u[i];
		h = mix64(h, zero_digits(v));
	}
	return mix64(mix64(h, h2), n);
}

/*
 * The literals anchored on win (the 4 bytes at zu + i) that occur there:
 * see scan_subject().
 */
static void
scan_anchor(struct classifier *c, size_t i, uint32_t win, size_t n)
{
	const unsigned char *lu = c->lsubj, *zu = c->zsubj;
	const struct prefix_slot *sl;
	const struct literal *l;
	uint64_t x[2];
	size_t j, k, end, pos;

	for (j = slot_hash(win, c->slot_mask);; j = (j + 1) & c->slot_mask) {
		sl = &c->slots[j];
		if (!sl->used)
			return;
		if (sl->key == win)
			break;
	}
	for (k = sl->first, end = k + sl->count; k < end; k++) {
		l = &c->lits[k];
		if (i < l->off || (pos = i - l->off) + l->len > n)
			continue;
		memcpy(x, zu + pos, sizeof(x));
		if ((((x[0] ^ l->zw[0]) & l->mask[0]) |
			((x[1] ^ l->zw[1]) & l->mask[1])) != 0)
			continue;
		if (l->digits) {
			bit_set(c->pcand, l->rule);
			memcpy(x, lu + pos, sizeof(x));
			if ((((x[0] ^ l->w[0]) & l->mask[0]) |
				((x[1] ^ l->w[1]) & l->mask[1])) != 0)
				continue;
		}
		bit_set(c->cand, l->rule);
		if (c->nhits < HITS_MAX) {
			c->hits[c->nhits].rule = (uint32_t)l->rule;
			c->hits[c->nhits++].alt = (uint32_t)l->alt;
		} else
			c->hits_over = true;
	}
}

/* The 4 bytes at p as a little-endian number (anchor_key()). */
static uint32_t
load_le32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

/*
 * The candidate rules of subject s[0..n) by literal, into c->cand (cleared
 * first), and into c->pcand the rules with a literal that has a digit and
 * occurs when digits are read as '0' (it may occur in a subject that
 * differs from this one only in digits: see classify_event()). The scan
 * runs over the subject lower-cased with digits read as '0', four
 * windows of 4 bytes per step: their filter bytes are or-ed, and only
 * when one is set is each looked up (scan_anchor()). Windows that reach
 * into the zero padding hold a NUL, which no anchor has.
 */
static void
scan_subject(struct classifier *c, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	const unsigned char *filter = c->filter;
	unsigned char *lu = c->lsubj, *zu = c->zsubj;
	uint32_t w0, w1, w2, w3;
	uint64_t v;
	size_t i;

	memset(c->cand, 0, c->nwords * 8);
	memset(c->pcand, 0, c->nwords * 8);
	c->nhits = 0;
	c->hits_over = false;
	i = 0;
#ifdef BS_SSE2
	for (; i + 16 <= n; i += 16) {
		__m128i x = lower_ascii16(
		    _mm_loadu_si128((const __m128i *)(const void *)(u + i)));

		_mm_storeu_si128((__m128i *)(void *)(lu + i), x);
		_mm_storeu_si128((__m128i *)(void *)(zu + i), zero_digits16(x));
	}
#endif
	for (; i + 8 <= n; i += 8) {
		memcpy(&v, u + i, 8);
		v = lower_ascii(v);
		memcpy(lu + i, &v, 8);
		v = zero_digits(v);
		memcpy(zu + i, &v, 8);
	}
	for (; i < n; i++) {
		lu[i] = lower_tab[u[i]];
		zu[i] = zero_digit(lu[i]);
	}
	memset(lu + n, 0, LIT_MAX);
	memset(zu + n, 0, LIT_MAX);
	for (i = 0; i + 4 <= n; i += 4) {
		w0 = load_le32(zu + i);
		w1 = load_le32(zu + i + 1);
		w2 = load_le32(zu + i + 2);
		w3 = load_le32(zu + i + 3);
		if ((filter[filter_hash(w0)] | filter[filter_hash(w1)] |
			filter[filter_hash(w2)] | filter[filter_hash(w3)]) == 0)
			continue;
		if (filter[filter_hash(w0)])
			scan_anchor(c, i, w0, n);
		if (filter[filter_hash(w1)])
			scan_anchor(c, i + 1, w1, n);
		if (filter[filter_hash(w2)])
			scan_anchor(c, i + 2, w2, n);
		if (filter[filter_hash(w3)])
			scan_anchor(c, i + 3, w3, n);
	}
}

/* Byte classes of find_ip(): 1 alnum . : _, 2 digit, hex letter, ':'. */
static const unsigned char ip_tab[256] = {
#define R10(c)                                                                 \
	[c] = 3, [c + 1] = 3, [c + 2] = 3, [c + 3] = 3, [c + 4] = 3, [c + 5] = 3
	R10('a'),
	R10('A'),
	['0'] = 3,
	['1'] = 3,
	['2'] = 3,
	['3'] = 3,
	['4'] = 3,
	['5'] = 3,
	['6'] = 3,
	['7'] = 3,
	['8'] = 3,
	['9'] = 3,
	[':'] = 3,
	['.'] = 1,
	['_'] = 1,
	['g'] = 1,
	['h'] = 1,
	['i'] = 1,
	['j'] = 1,
	['k'] = 1,
	['l'] = 1,
	['m'] = 1,
	['n'] = 1,
	['o'] = 1,
	['p'] = 1,
	['q'] = 1,
	['r'] = 1,
	['s'] = 1,
	['t'] = 1,
	['u'] = 1,
	['v'] = 1,
	['w'] = 1,
	['x'] = 1,
	['y'] = 1,
	['z'] = 1,
	['G'] = 1,
	['H'] = 1,
	['I'] = 1,
	['J'] = 1,
	['K'] = 1,
	['L'] = 1,
	['M'] = 1,
	['N'] = 1,
	['O'] = 1,
	['P'] = 1,
	['Q'] = 1,
	['R'] = 1,
	['S'] = 1,
	['T'] = 1,
	['U'] = 1,
	['V'] = 1,
	['W'] = 1,
	['X'] = 1,
	['Y'] = 1,
	['Z'] = 1,
#undef R10
};

#ifdef BS_SSE2
/*
 * Bit k set when p[k] may start an address for find_ip(): ip_tab 2 at
 * p[k], not ip_tab 1 at p[k - 1]. Reads p[-1] to p[15].
 */
static unsigned
ip_starts16(const char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i pv = _mm_loadu_si128((const __m128i *)(const void *)(p - 1));
	__m128i lv = _mm_or_si128(v, _mm_set1_epi8(0x20));
	__m128i lp = _mm_or_si128(pv, _mm_set1_epi8(0x20));
	__m128i start, word;

	start = _mm_or_si128(
	    _mm_or_si128(scan_range16(v, '0', '9'), scan_range16(lv, 'a', 'f')),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8(':')));
	word = _mm_or_si128(_mm_or_si128(scan_range16(pv, '0', '9'),
				scan_range16(lp, 'a', 'z')),
	    _mm_or_si128(_mm_cmpeq_epi8(pv, _mm_set1_epi8('.')),
		_mm_or_si128(_mm_cmpeq_epi8(pv, _mm_set1_epi8(':')),
		    _mm_cmpeq_epi8(pv, _mm_set1_epi8('_')))));
	return (unsigned)_mm_movemask_epi8(_mm_andnot_si128(word, start));
}
#endif

/*
 * First IPv4 (not 127/8) or IPv6 address in s[from..n) (s[from - 1] is
 * read as its left neighbour). *hint gets where a subject that differs
 * from s only in its digits' values (a reply of the same cached
 * template) may start looking: an address there starts no earlier than
 * this one, or than the first start at which a candidate failed only by
 * a value (an octet over 255, a first octet of 127); every other
 * candidate fails by the byte classes alone (see cache_hit()).
 */
static bool
find_ip(const char *s, size_t n, size_t from, size_t *off, size_t *len,
    size_t *hint)
{
	size_t i, j, k, vfail = n;
	int oct, parts, digits, colons, groups, glen, dbl;
	bool ok, hasdig, vbad;

	for (i = from; i < n; i++) {
#ifdef BS_SSE2
		if (i > 0 && i + 16 <= n) {
			unsigned m = ip_starts16(s + i);

			if (m == 0) {
				i += 15;
				continue;
			}
			i += (size_t)__builtin_ctz(m);
		} else
#endif
			/* after a byte of ip_tab 1 (alnum . : _) no address
			 * starts; one starts with a byte of ip_tab 2 (digit,
			 * hex, ':') */
			if ((i > 0 && (ip_tab[(unsigned char)s[i - 1]] & 1)) ||
			    !(ip_tab[(unsigned char)s[i]] & 2))
				continue;
		/* IPv4 */
		if (is_digit(s[i])) {
			j = i;
			ok = true;
			vbad = false;
			for (parts = 0; parts < 4 && ok; parts++) {
				oct = 0;
				for (digits = 0;
				     j < n && is_digit(s[j]) && digits < 4;
				     digits++)
					oct = oct * 10 + (s[j++] - '0');
				if (digits == 0 || digits > 3) {
					ok = false;
					continue;
				}
				/* a value fails the address, its shape reads on
				 */
				if (oct > 255 || (parts == 0 && oct == 127))
					vbad = true;
				if (parts < 3) {
					if (j < n && s[j] == '.')
						j++;
					else
						ok = false;
				}
			}
			if (ok &&
			    !(j < n &&
				(is_digit(s[j]) ||
				    (s[j] == '.' && j + 1 < n &&
					is_digit(s[j + 1])) ||
				    isalpha((unsigned char)s[j])))) {
				if (vbad) {
					if (vfail == n)
						vfail = i;
				} else {
					*off = i;
					*len = j - i;
					*hint = vfail < i ? vfail : i;
					return true;
				}
			}
		}
		/* IPv6 */
		if (ip_tab[(unsigned char)s[i]] & 2) { /* hex digit or ':' */
			colons = groups = glen = dbl = 0;
			hasdig = false;
			for (k = i; k < n && (ip_tab[(unsigned char)s[k]] & 2);
			     k++) {
				if (s[k] == ':') {
					if (glen > 0)
						groups++;
					if (k > i && s[k - 1] == ':')
						dbl++;
					colons++;
					glen = 0;
				} else {
					if (++glen > 4)
						break;
					if (is_digit(s[k]))
						hasdig = true;
				}
			}
			if (glen > 0)
				groups++;
			if (glen <= 4 && hasdig && colons >= 2 && dbl <= 1 &&
			    (dbl == 1 ? groups <= 7 : groups == 8) &&
			    (k == n || !isalnum((unsigned char)s[k])) &&
			    s[k - 1] != ':') {
				*off = i;
				*len = k - i;
				*hint = vfail < i ? vfail : i;
				return true;
			}
		}
	}
	*hint = vfail;
	return false;
}

/*
 * find_ip() for the event being classified: from c->ip_from (0, or a
 * cache entry's hint), its hint into c->ip_hint (kept with the entry).
 */
static bool
event_ip(
    struct classifier *c, const char *s, size_t n, size_t *off, size_t *len)
{
	return find_ip(s, n, c->ip_from, off, len, &c->ip_hint);
}

static void
fill_result(const struct rule *r, struct classify_result *out)
{
	out->cls = r->cls;
	out->evidence = evidence_names[r->evidence];
	out->rule = r->name;
	out->meaning = r->meaning != NULL ? r->meaning : "";
	out->action = r->action != NULL ? r->action : "";
}

static void
fill_spans(struct classifier *c, const struct classify_result *res,
    const char *s, size_t n, const struct spans *sp,
    struct classify_result *out)
{
	size_t off, len;

	if (sp->has_dnsbl)
		out->dnsbl = bs_span_make(s + sp->d_off, sp->d_len);
	if (sp->has_ip)
		out->listed_ip = bs_span_make(s + sp->i_off, sp->i_len);
	else if ((res->cls == BS_CLASS_BLACKLISTED ||
		     res->cls == BS_CLASS_RATE_LIMITED ||
		     res->cls == BS_CLASS_REVERSE_DNS) &&
	    event_ip(c, s, n, &off, &len))
		out->listed_ip = bs_span_make(s + off, len);
}

/* The model's class replaces a weak rule's (see model_try()). */
static void
model_fill(struct classifier *c, const struct model_hit *mh, const char *s,
    size_t n, struct classify_result *out)
{
	size_t off, len;

	out->cls = (enum bs_class)mh->cls;
	out->rule = "model";
	out->evidence = "model";
	out->meaning = bs_class_meaning(out->cls);
	out->action = bs_class_action(out->cls);
	out->explain = classify_model_explain(
	    c->model, mh, c->model_why, sizeof(c->model_why));
	out->dnsbl = out->listed_ip = bs_span_make(NULL, 0);
	if ((out->cls == BS_CLASS_BLACKLISTED ||
		out->cls == BS_CLASS_RATE_LIMITED ||
		out->cls == BS_CLASS_REVERSE_DNS) &&
	    event_ip(c, s, n, &off, &len))
		out->listed_ip = bs_span_make(s + off, len);
}

/*
 * The learned model (classify_model.h) decides instead of rule r (NULL:
 * none matched) when r's evidence is one of the model's layers, r is no
 * event or status fallback, the event is a receiver's reply (not marked
 * connection-level, local or suspended: the local MTA's own texts), a
 * reply no rule matched has a code or an enhanced status or the model is
 * at least its nocode_threshold sure (else such a text stays unknown, as
 * documented), and the model is confident of another class. The model
 * reads m (the subject as the rules read it), spans point into s; both
 * are n bytes. Its answer is kept in *mh (the cache entry).
 */
static void
model_try(struct classifier *c, const struct rule *r, unsigned flags, int code,
    struct enh e, const char *m, const char *s, size_t n, struct model_hit *mh,
    struct classify_result *out)
{
	bool bare = r == NULL && code == 0 && e.cls == 0;

	mh->cls = -1;
	if (c->model == NULL || n == 0 ||
	    (flags &
		(BS_EVENT_CONNECT | BS_EVENT_LOCAL | BS_EVENT_SUSPENDED)) ||
	    (bare && classify_model_nocode(c->model) < 0) ||
	    (r != NULL && (r->events != 0 || r->statuses != 0)) ||
	    !classify_model_layer(
		c->model, r != NULL ? evidence_names[r->evidence] : NULL))
		return;
	c->stats.model_scored++;
	if (classify_model_score_memo(c->model, c->nocache ? NULL : c->memo,
		code, e.cls, e.subj, e.det, out->wrapper, m, n, mh) &&
	    (!bare || mh->margin >= classify_model_nocode(c->model)) &&
	    (r == NULL || (int)r->cls != mh->cls))
		model_fill(c, mh, s, n, out);
	else
		mh->cls = -1;
}

/* See classify.h. */
void
classify_set_model(struct classifier *c, struct classify_model *m)
{
	classify_model_memo_free(c->memo);
	classify_model_free(c->model);
	c->model = m;
	c->memo = classify_model_memo_new(m); /* NULL: score every time */
	if (c->cache != NULL)
		memset(c->cache, 0, CLASSIFY_CACHE_SIZE * sizeof(*c->cache));
}

/* The cache key of s[0..n) by its exact bytes; tail: see classify_event(). */
static uint64_t
exact_key(const char *s, size_t n, uint64_t tail)
{
	return mix64(mix_bytes(UINT64_C(0x6a09e667f3bcc909), s, n), tail);
}

/*
 * The cache is set-associative, two entries a set: a reply seen once
 * (many carry a unique id) replaces an entry that has not served a lookup
 * rather than one that has, so the entries of recurring templates stay.
 */
static struct cache_entry *
cache_get(struct classifier *c, uint64_t key)
{
	struct cache_entry *set = &c->cache[key & (CLASSIFY_CACHE_SIZE - 2)];

	if (set[0].used && set[0].key == key)
		return &set[0];
	if (set[1].used && set[1].key == key)
		return &set[1];
	return NULL;
}

/* The entry to fill for key (marked used, with the key; not hot). */
static struct cache_entry *
cache_put(struct classifier *c, uint64_t key)
{
	struct cache_entry *set = &c->cache[key & (CLASSIFY_CACHE_SIZE - 2)],
			   *e;
	bool age;

	if ((e = cache_get(c, key)) == NULL) {
		e = &set[cache_set_victim(
		    set[0].used, set[0].hot, set[1].used, set[1].hot, &age)];
		if (age)
			set[1].hot = false;
	}
	memset(e, 0, sizeof(*e));
	e->used = true;
	e->key = key;
	e->mh.cls = -1;
	return e;
}

/* Fills *out from cache entry ce (a rule or none) for subject s[0..n). */
static int
cache_hit(struct classifier *c, struct cache_entry *ce, const char *s, size_t n,
    struct classify_result *out)
{
	struct spans sp;

	c->stats.cache_hits++;
	ce->hot = true;
	c->ip_from = ce->ip_from;
	if (ce->rule >= 0)
		fill_result(c->rules[ce->rule], out);
	if (ce->mh.cls >= 0)
		model_fill(c, &ce->mh, s, n, out);
	if (ce->rule < 0 || ce->mh.cls >= 0)
		return 0;
	sp.has_dnsbl = ce->has_dnsbl;
	sp.has_ip = ce->has_ip;
	sp.d_off = ce->d_off;
	sp.d_len = ce->d_len;
	sp.i_off = ce->i_off;
	sp.i_len = ce->i_len;
	fill_spans(c, out, s, n, &sp, out);
	return 0;
}

/*
 * Does none of the digit-sensitive rules of entry ce (ds_keep()) match
 * subject m[0..n)? Each is run whole (as with classify_set_split(c,
 * false)): a match, or a limit, sends the subject the way of the exact
 * key.
 */
static bool
ds_none_match(
    struct classifier *c, const struct cache_entry *ce, const char *m, size_t n)
{
	size_t k;

	for (k = 0; k < ce->ndsr; k++)
		if (run_pattern(c, c->rules[ce->dsr[k]], m, n, NULL) != M_NO)
			return false;
	return true;
}

/*
 * A subject whose normalised key has a digit-sensitive candidate (ds: the
 * rules that are, or may be for a subject of the same key, candidates
 * after the code and status masks) was answered by rule idx (-1: none),
 * which is not digit-sensitive. Every rule that is not digit-sensitive
 * answers alike on each subject of the key (its literal and pattern read
 * digits as digits, its conditions are in the key), so rule idx decides
 * each of them unless a digit-sensitive rule before it matches. Puts into
 * ce those rules (with their conditions met) and returns true, or false
 * when they are more than DSR_MAX (then the exact key is used, as for an
 * answer by a digit-sensitive rule).
 */
static bool
ds_keep(struct classifier *c, const uint64_t *ds, long idx,
    const struct bs_event *ev, int code, struct enh e, const char *provider,
    struct cache_entry *ce)
{
	size_t i, k, end = idx < 0 ? c->nrules : (size_t)idx;
	uint64_t word;
	struct rule *r;

	ce->ndsr = 0;
	for (i = 0; i < c->nwords && i * 64 < end; i++)
		for (word = ds[i]; word != 0; word &= word - 1) {
			k = i * 64 + (size_t)__builtin_ctzll(word);
			if (k >= end)
				break;
			r = c->rules[k];
			if (!conds_ok(r, ev, code, e, provider))
				continue;
			if (r->re == NULL || ce->ndsr == DSR_MAX ||
			    k > UINT16_MAX)
				return false;
			ce->dsr[ce->ndsr++] = (uint16_t)k;
		}
	return true;
}

/*
 * The entry to fill with the answer of a subject, by rule idx (-1: none):
 * under the normalised key nkey when no digit-sensitive rule is a
 * candidate (dmix 0; then key is nkey) or when ds_keep() can say which to
 * check, else under the exact key.
 */
static struct cache_entry *
answer_entry(struct classifier *c, uint64_t dmix, uint64_t nkey, uint64_t key,
    long idx, const struct bs_event *ev, int code, struct enh e,
    const char *provider)
{
	struct cache_entry keep, *ce;

	if (dmix != 0 && !c->nocache &&
	    (idx < 0 || !bit_get(c->dmask, (size_t)idx)) &&
	    ds_keep(c, c->pcand, idx, ev, code, e, provider, &keep)) {
		ce = cache_put(c, nkey);
		ce->ndsr = keep.ndsr;
		memcpy(ce->dsr, keep.dsr, sizeof(ce->dsr));
		return ce;
	}
	return cache_put(c, key);
}

/*
 * Classifies ev: see classify.h and the header comment for the order.
 * provider may be NULL; out is always filled, its strings are owned by the
 * classifier and its spans point into ev->reply. Returns 0.
 */
int
classify_event(struct classifier *c, const struct bs_event *ev,
    const char *provider, struct classify_result *out)
{
	struct reply_info ri;
	struct bs_span enh_sp;
	const char *s, *m;
	size_t n;
	int code;
	const uint64_t *cm, *em;
	struct cache_entry *ce;
	struct spans sp;
	struct enh e;
	uint64_t key, nkey, xkey, tail, word, dmix = 0;
	bool *pred, known;
	size_t i, w, bucket, first;
	enum match_rc mr;
	struct rule *r;

	memset(out, 0, sizeof(*out));
	out->rule = out->meaning = out->action = out->evidence = "";
	out->explain = "";
	out->wrapper = reply_wrapper_name(REPLY_WRAP_NONE);
	c->stats.lookups++;
	if (ev->status == BS_STATUS_SENT) {
		out->cls = BS_CLASS_NONE;
		return 0;
	}
	/* The reply inside the text; the event's own code and status (an
	 * MTA parser's reading) take precedence over what is found. */
	reply_find(
	    ev->reply.ptr != NULL ? ev->reply : bs_span_make("", 0), &ri);
	s = ri.reply.ptr != NULL ? ri.reply.ptr : "";
	n = ri.reply.ptr != NULL ? ri.reply.len : 0;
	/* A code that ends the text ("... exceeded hour limit\" code=550")
	 * leaves no words after it: the patterns read the whole text. */
	if (ri.wrapper != REPLY_WRAP_NONE && ri.text.len == 0) {
		s = ev->reply.ptr;
		n = ev->reply.len;
	}
	code = ev->smtp_code != 0 ? ev->smtp_code : ri.code;
	enh_sp = ev->enhanced.len > 0 ? ev->enhanced : ri.enhanced;
	out->code = code;
	out->enhanced = enh_sp;
	out->reply = out->read = bs_span_make(s, n);
	out->wrapper = reply_wrapper_name(ri.wrapper);
	out->cls = BS_CLASS_UNKNOWN;
	e = parse_enhanced(enh_sp);
	if (code >= 200 && code <= 599)
		out->permanent = code >= 500;
	else if (e.cls != 0)
		out->permanent = e.cls == 5;
	else
		out->permanent = ev->status == BS_STATUS_BOUNCED;
	if (ev->status == BS_STATUS_EXPIRED && ev->reply.len == 0) {
		out->cls = BS_CLASS_EXPIRED;
		out->meaning = "The message stayed in the queue until its "
			       "lifetime ran out (status=expired).";
		return 0;
	}
	if (!c->compiled)
		return 0;
	if (n > CLASSIFY_SUBJECT_MAX)
		n = CLASSIFY_SUBJECT_MAX;
	/*
	 * The cache first, under the digit-normalised key; an entry there
	 * may say that this template needs the exact key. Rules and model
	 * read m, the subject with its identifiers masked (spans are offsets
	 * into it, and so into s), and every entry is under a key of such
	 * an m. So a hit under s's own key means s has no identifier (its
	 * runs of letters and digits are those of an m's, digits aside):
	 * only a miss pays for looking for them.
	 */
	tail = mix64(UINT64_C(0x5a), (uint64_t)code);
	if (enh_sp.ptr != NULL)
		tail = mix_bytes(tail, enh_sp.ptr, enh_sp.len);
	tail = mix64(tail, UINT64_C(0xa5));
	if (provider != NULL)
		tail = mix_bytes(tail, provider, strlen(provider));
	tail = mix64(tail,
	    (uint64_t)ev->status << 8 | event_kind(ev->flags) |
		(ev->flags & BS_EVENT_SUSPENDED) << 4 |
		(uint64_t)ri.wrapper << 16); /* the model reads it */
	m = s;
	out->read = bs_span_make(s, n);
	/* Masking first or hashing first gives the same key: which is
	 * cheaper is guessed from the last reply of the same tail (code,
	 * status, provider...: Gmail's and Outlook's replies have ids). */
	pred = &c->id_guess[tail % ID_GUESS_SIZE];
	if (*pred && !c->nocache) {
		if ((*pred = template_mask_ids(s, n, c->msubj))) {
			m = c->msubj;
			out->read = bs_span_make(m, n);
		}
		nkey = mix64(digit_hash((const unsigned char *)m, n), tail);
		ce = cache_get(c, nkey);
	} else {
		nkey = mix64(digit_hash((const unsigned char *)s, n), tail);
		ce = c->nocache ? NULL : cache_get(c, nkey);
		if (ce == NULL && template_mask_ids(s, n, c->msubj)) {
			*pred = true;
			m = c->msubj;
			out->read = bs_span_make(m, n);
			nkey = mix64(
			    digit_hash((const unsigned char *)m, n), tail);
			ce = c->nocache ? NULL : cache_get(c, nkey);
		}
	}
	if (ce != NULL) {
		if (ce->rule != RULE_EXACT &&
		    (ce->ndsr == 0 || ds_none_match(c, ce, m, n)))
			return cache_hit(c, ce, s, n, out);
		xkey = exact_key(m, n, tail);
		if ((ce = cache_get(c, xkey)) != NULL)
			return cache_hit(c, ce, s, n, out);
	}

	c->ip_from = c->ip_hint = 0;
	scan_subject(c, m, n);
	if (code == 0)
		bucket = 0;
	else if (code >= 100 && code <= 599)
		bucket = (size_t)code - 99;
	else
		bucket = CODE_BUCKETS - 1;
	w = c->nwords;
	cm = c->code_mask + bucket * w;
	em = c->enh_mask + (size_t)enh_key(e.cls, e.subj) * w;
	for (i = 0; i < w; i++) {
		word = (c->cand[i] | c->always[i]) & cm[i] & em[i];
		c->cand[i] = word;
		c->pcand[i] =
		    (word | (c->pcand[i] & cm[i] & em[i])) & c->dmask[i];
		dmix |= c->pcand[i];
	}
	/*
	 * A digit-sensitive rule is or may be a candidate for some subject
	 * with this one's normalised key: key on the exact bytes instead,
	 * and say so under the normalised key.
	 */
	key = nkey;
	if (dmix != 0) {
		key = exact_key(m, n, tail);
		if (!c->nocache) {
			/* an entry that checks its digit-sensitive rules
			 * stays (one matched this subject) */
			if ((ce = cache_get(c, nkey)) == NULL ||
			    ce->rule == RULE_EXACT) {
				ce = cache_put(c, nkey);
				ce->rule = RULE_EXACT;
			}
			if ((ce = cache_get(c, key)) != NULL)
				return cache_hit(c, ce, s, n, out);
		}
	}

	for (i = 0; i < w; i++) {
		word = c->cand[i];
		while (word != 0) {
			size_t idx = i * 64 + (size_t)__builtin_ctzll(word);

			word &= word - 1;
			r = c->rules[idx];
			if (!conds_ok(r, ev, code, e, provider))
				continue;
			memset(&sp, 0, sizeof(sp));
			if (r->re != NULL) {
				known = !r->always && !c->nosplit;
				first = 0;
				if (known &&
				    !some_alt_occurs(c, r, idx, n, &first))
					mr = M_NO;
				else if (c->nosplit)
					mr = run_pattern(c, r, m, n, &sp);
				else if (r->alt_re != NULL && !c->hits_over)
					mr = run_split(
					    c, r, idx, m, n, first, known);
				else if (r->nlits == 1 && r->plain != NULL &&
				    r->plain[0].len > 0) {
					c->stats.pattern_runs++;
					mr = plain_occurs(c, &r->plain[0], n)
					    ? M_YES
					    : M_NO;
				} else
					mr = run_pattern(c, r, m, n, &sp);
				if (mr == M_NO)
					continue;
				if (mr == M_LIMIT) {
					c->stats.limit_hits++;
					out->limit_hit = true;
					out->cls = BS_CLASS_UNKNOWN;
					out->rule = r->name;
					out->meaning =
					    "A pattern match limit "
					    "stopped classification.";
					return 0;
				}
			}
			fill_result(r, out);
			fill_spans(c, out, s, n, &sp, out);
			ce = answer_entry(c, dmix, nkey, key, (long)idx, ev,
			    code, e, provider);
			ce->rule = (int32_t)idx;
			ce->has_dnsbl = sp.has_dnsbl;
			ce->has_ip = sp.has_ip;
			ce->d_off = (uint16_t)sp.d_off;
			ce->d_len = (uint16_t)sp.d_len;
			ce->i_off = (uint16_t)sp.i_off;
			ce->i_len = (uint16_t)sp.i_len;
			model_try(
			    c, r, ev->flags, code, e, m, s, n, &ce->mh, out);
			ce->ip_from = (uint16_t)c->ip_hint;
			return 0;
		}
	}
	ce = answer_entry(c, dmix, nkey, key, -1, ev, code, e, provider);
	ce->rule = -1;
	model_try(c, NULL, ev->flags, code, e, m, s, n, &ce->mh, out);
	ce->ip_from = (uint16_t)c->ip_hint;
	return 0;
}

/* See classify.h. */
void
classify_event_from_text(const char *text, size_t len, struct bs_event *ev)
{
	struct reply_info ri;

	memset(ev, 0, sizeof(*ev));
	ev->reply = bs_span_make(text, len);
	reply_find(ev->reply, &ri);
	ev->smtp_code = ri.code;
	ev->enhanced = ri.enhanced;
	if (ri.code >= 500 ||
	    (ri.code == 0 && ri.enhanced.len > 0 && ri.enhanced.ptr[0] == '5'))
		ev->status = BS_STATUS_BOUNCED;
	else
		ev->status = BS_STATUS_DEFERRED;
}

/* See classify.h. */
int
classify_text(struct classifier *c, const char *text, size_t len,
    const char *provider, struct classify_result *out)
{
	struct bs_event ev;

	classify_event_from_text(text, len, &ev);
	return classify_event(c, &ev, provider, out);
}

/* Number of rules in the table, disabled ones included. */
size_t
classify_rule_count(const struct classifier *c)
{
	return c->nrules;
}

/* Describes rule i (0-based, evaluation order). Returns 0, or -1 when i
 * is out of range. */
int
classify_rule_get(
    const struct classifier *c, size_t i, struct classify_rule_info *info)
{
	const struct rule *r;

	if (i >= c->nrules)
		return -1;
	r = c->rules[i];
	info->name = r->name;
	info->file = r->file;
	info->line = r->line;
	info->cls = r->cls;
	info->meaning = r->meaning != NULL ? r->meaning : "";
	info->action = r->action != NULL ? r->action : "";
	info->pattern = r->pattern;
	info->evidence = r->evidence >= 0 && r->evidence < EV_COUNT
	    ? evidence_names[r->evidence]
	    : evidence_names[default_evidence(r)];
	info->disabled = r->disabled;
	return 0;
}

static void report(classify_report_fn *fn, void *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
report(classify_report_fn *fn, void *arg, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (fn != NULL)
		fn(arg, msg);
}

static void
sample_event(const struct rule *r, const char *text, struct bs_event *ev)
{
	int st;

	classify_event_from_text(text, strlen(text), ev);
	if (r->statuses != 0) {
		for (st = 1; st < BS_STATUS_COUNT; st++)
			if (r->statuses & (1u << st))
				break;
		ev->status = (enum bs_status)st;
	}
	if (r->events != 0) {
		ev->flags &= ~(unsigned)(BS_EVENT_CONNECT | BS_EVENT_LOCAL);
		if (r->events & EVENT_CONNECT)
			ev->flags |= BS_EVENT_CONNECT;
		else if (r->events & EVENT_LOCAL)
			ev->flags |= BS_EVENT_LOCAL;
	}
}

/* See classify.h. */
int
classify_check_samples(struct classifier *c, bool require,
    classify_report_fn *fn, void *arg, size_t *nsamples)
{
	struct classify_result res;
	struct bs_event ev;
	struct rule *r;
	const char *prov;
	size_t i, j, nex, nco, count = 0;
	int problems = 0;
	struct enh e;
	enum match_rc mr;

	if (!c->compiled) {
		report(fn, arg, "classifier not compiled");
		return 1;
	}
	for (i = 0; i < c->nrules; i++) {
		r = c->rules[i];
		if (r->disabled)
			continue;
		prov = r->nprov > 0 ? r->prov[0] : NULL;
		nex = nco = 0;
		for (j = 0; j < r->nsamples; j++) {
			const struct sample *sa = &r->samples[j];

			count++;
			if (!sa->counter)
				sample_event(r, sa->text, &ev);
			else
				classify_event_from_text(
				    sa->text, strlen(sa->text), &ev);
			if (!sa->counter) {
				nex++;
				classify_event(c, &ev, prov, &res);
				if (res.rule != r->name) {
					report(fn, arg,
					    "%s:%d: example of rule %s is "
					    "classified %s by rule %s",
					    r->file, sa->line, r->name,
					    bs_class_name(res.cls),
					    *res.rule ? res.rule : "(none)");
					problems++;
				}
				continue;
			}
			nco++;
			e = parse_enhanced(ev.enhanced);
			if (!conds_ok(r, &ev, ev.smtp_code, e, prov))
				continue;
			mr = M_YES;
			if (r->re != NULL) {
				/* read as classify_event() reads a reply:
				 * cut, identifiers masked */
				size_t n = strlen(sa->text);
				const char *t = sa->text;

				if (n > CLASSIFY_SUBJECT_MAX)
					n = CLASSIFY_SUBJECT_MAX;
				if (template_mask_ids(t, n, c->msubj))
					t = c->msubj;
				mr = run_pattern(c, r, t, n, NULL);
			}
			if (mr != M_NO) {
				report(fn, arg,
				    "%s:%d: counter-example matches rule %s",
				    r->file, sa->line, r->name);
				problems++;
			}
		}
		if (require && (nex == 0 || nco == 0)) {
			report(fn, arg, "%s:%d: rule %s has no %s", r->file,
			    r->line, r->name, nex == 0 ? "example" : "counter");
			problems++;
		}
	}
	if (nsamples != NULL)
		*nsamples = count;
	return problems;
}
