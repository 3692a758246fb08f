/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Neither of the classifier's shortcuts may change an answer (issue 14):
 * every reply of the files given as arguments is classified by a
 * classifier with its result cache and by one without
 * (classify_set_cache()), then, both without the cache, by one that
 * decides rules of many alternatives by running only the alternatives
 * whose required literal occurs (the default) and by one that runs every
 * rule's whole pattern (classify_set_split(c, false)); every field of the
 * two results of each pair must agree. All of them have the built-in
 * model of the weak layers, as the daemon does (its answers are cached
 * too). Files ending in .tsv are
 * rows of reply texts (tests/data/replies, tests/data/classify: class,
 * context, text; provider= in the context is used); any other file is a
 * mail log whose failures (every event but sent) are classified as the
 * pipeline does, with the provider of the relay host.
 *
 * Equal texts are cheap to get right; the cache is stressed by variants
 * that keep a reply's shape: after the originals, each reply is seen
 * again three times with its digit runs given other digits (the first
 * time with the same lengths, then with other lengths too), and the letters of
 * the words that hold digits (ids, hosts) changed, so that entries made by one
 * reply serve others of the same template. Then each reply is seen three
 * times more at the edges of what the classifier reads as an identifier
 * (id_variant(): ids written as the 'x's they are masked to, ids made
 * none and runs made ids, runs joined and ids split), and the originals
 * once more, after entries made by all of those.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "classify.h"
#include "classify_fixture.h"
#include "classify_model.h"
#include "mta.h"
#include "provider.h"

#define VARIANTS  3
#define ID_MIN    10 /* template_mask_ids()'s TEMPLATE_ID_MIN */
#define REPLY_MAX 2048

static char **paths;
static int npaths;

/* One failure to classify: its event (spans into text) and provider. */
struct item {
	struct bs_event ev;
	char *line; /* owns the bytes the event points into */
	char provider[128];
	bool from_text;
};

static struct item *items;
static size_t nitems, capitems;
static unsigned long mismatches, compared;

static struct classifier *
load_defaults(bool cache, bool split)
{
	struct classifier *c = classify_fixture(true);

	classify_set_cache(c, cache);
	classify_set_split(c, split);
	return c;
}

static struct item *
new_item(const char *line, size_t len)
{
	struct item *it;

	if (nitems == capitems) {
		capitems = capitems ? 2 * capitems : 1024;
		items = realloc(items, capitems * sizeof(*items));
		assert_non_null(items);
	}
	it = &items[nitems++];
	memset(it, 0, sizeof(*it));
	it->line = malloc(len + 1);
	assert_non_null(it->line);
	memcpy(it->line, line, len);
	it->line[len] = '\0';
	return it;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The rows of a .tsv file: class, context, text[, note]. */
static void
read_tsv(FILE *fp)
{
	char *buf = NULL, *text, *end, *ctx, *prov;
	size_t cap = 0;
	ssize_t n;
	struct item *it;

	while ((n = getline(&buf, &cap, fp)) > 0) {
		if (buf[0] == '#' || buf[0] == '\n')
			continue;
		if ((ctx = strchr(buf, '\t')) == NULL ||
		    (text = strchr(ctx + 1, '\t')) == NULL)
			continue;
		text++;
		end = text + strcspn(text, "\t\n");
		it = new_item(text, (size_t)(end - text));
		it->from_text = true;
		*strchr(ctx + 1, '\t') = '\0';
		if ((prov = strstr(ctx + 1, "provider=")) != NULL)
			snprintf(it->provider, sizeof(it->provider), "%.*s",
			    (int)strcspn(prov + 9, ";"), prov + 9);
		classify_event_from_text(it->line, strlen(it->line), &it->ev);
	}
	free(buf);
}

/* The failures of a mail log, as the pipeline sees them. */
static void
read_log(FILE *fp)
{
	struct mta_ctx ctx;
	struct bs_event ev;
	struct item *it;
	char *buf = NULL;
	size_t cap = 0, len;
	ssize_t n;

	memset(&ctx, 0, sizeof(ctx));
	ctx.syslog.ref_time = 1800000000;
	while ((n = getline(&buf, &cap, fp)) > 0) {
		len = (size_t)n;
		if (buf[len - 1] == '\n')
			len--;
		if (mta_parse_line(buf, len, &ctx, &ev) != PARSE_OK ||
		    ev.status == BS_STATUS_SENT)
			continue;
		it = new_item(buf, len);
		/* Re-parse the copy: the spans point into it. */
		assert_int_equal(
		    mta_parse_line(it->line, len, &ctx, &it->ev), PARSE_OK);
		provider_from_host(
		    it->ev.relay_host, it->provider, sizeof(it->provider));
	}
	free(buf);
}

/* Deterministic variation (xorshift). */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * A variant of src[0..n) into dst (REPLY_MAX bytes): digit runs get
 * other lengths and digits, letters of words holding a digit other
 * letters. Returns its length.
 */
static size_t
variant(const char *src, size_t n, char *dst, uint32_t *seed, int k)
{
	size_t i = 0, o = 0, a, j, len;
	bool digit;

	while (i < n && o + 16 < REPLY_MAX) {
		if (strchr(" <>[](),;:\"'=&", src[i]) != NULL) {
			dst[o++] = src[i++];
			continue;
		}
		for (a = i, digit = false;
		     i < n && strchr(" <>[](),;:\"'=&", src[i]) == NULL; i++)
			digit |= src[i] >= '0' && src[i] <= '9';
		for (j = a; j < i && o + 16 < REPLY_MAX;) {
			if (src[j] >= '0' && src[j] <= '9') {
				for (len = 0;
				     j < i && src[j] >= '0' && src[j] <= '9';
				     j++)
					len++;
				/* variant 1: same lengths (the digit
				 * cache's key), others: new lengths */
				if (k > 1)
					len = (len + (size_t)k) % 5 + 1;
				while (len-- > 0)
					dst[o++] = (char)('0' + rnd(seed) % 10);
			} else if (digit && src[j] >= 'a' && src[j] <= 'z') {
				dst[o++] = (char)('a' + rnd(seed) % 26);
				j++;
			} else if (digit && src[j] >= 'A' && src[j] <= 'Z') {
				dst[o++] = (char)('A' + rnd(seed) % 26);
				j++;
			} else
				dst[o++] = src[j++];
		}
	}
	return o;
}

static bool
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool
is_alnum(char ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'z') ||
	    (ch >= 'A' && ch <= 'Z');
}

/*
 * A variant of src[0..n) into dst (REPLY_MAX bytes) at the edges of what
 * the classifier reads as an identifier (issue 14: a run of ID_MIN or more
 * ASCII letters and digits holding both is masked): k 0, every id written
 * as the 'x's it is masked to (a reply without an id whose own key is
 * that of the masked ones); 1, ids made letters only and long runs of
 * letters or of digits given a digit or a letter (ids that were none and
 * the reverse); 2, a separator between two runs made a digit (runs join)
 * and the middle byte of an id made '.', then a non-ASCII byte (ids split).
 * Returns its length.
 */
static size_t
id_variant(const char *src, size_t n, char *dst, int k)
{
	size_t i = 0, j, o, len;
	bool digit, letter, id;

	if (n > REPLY_MAX)
		n = REPLY_MAX;
	memcpy(dst, src, n);
	o = n;
	while (i < n) {
		if (!is_alnum(src[i])) {
			/* join: "mx14.abcdefg" -> "mx147abcdefg" */
			if (k == 2 && i > 0 && i + 1 < n &&
			    is_alnum(src[i - 1]) && is_alnum(src[i + 1]) &&
			    src[i] != ' ')
				dst[i] = '7';
			i++;
			continue;
		}
		for (j = i, digit = letter = false; j < n && is_alnum(src[j]);
		     j++) {
			digit |= is_digit(src[j]);
			letter |= !is_digit(src[j]);
		}
		len = j - i;
		id = len >= ID_MIN && digit && letter;
		if (k == 0 && id)
			memset(dst + i, 'x', len);
		else if (k == 1 && id)
			for (; i < j; i++)
				dst[i] = is_digit(src[i]) ? 'q' : src[i];
		else if (k == 1 && len >= ID_MIN)
			dst[i + len / 2] = digit ? 'Q' : '5';
		else if (k == 1 && len == ID_MIN - 1 && digit && letter &&
		    j < n && src[j] != ' ')
			dst[j] = 'z'; /* 9 -> 10 */
		else if (k == 2 && id)
			dst[i + len / 2] = (i / 2) % 2 ? '.' : (char)0xb5;
		i = j;
	}
	return o;
}

static bool
same_span(struct bs_span a, struct bs_span b)
{
	if (a.len != b.len)
		return false;
	return a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0;
}

static bool
same_str(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

static void
compare(struct classifier *x, struct classifier *y, const char *what,
    const struct bs_event *ev, const char *provider)
{
	struct classify_result a, b;

	classify_event(x, ev, provider, &a);
	classify_event(y, ev, provider, &b);
	compared++;
	if (a.cls == b.cls && a.permanent == b.permanent &&
	    a.limit_hit == b.limit_hit && a.code == b.code &&
	    same_str(a.rule, b.rule) && same_str(a.meaning, b.meaning) &&
	    same_str(a.action, b.action) && same_str(a.evidence, b.evidence) &&
	    same_str(a.wrapper, b.wrapper) && same_span(a.dnsbl, b.dnsbl) &&
	    same_span(a.listed_ip, b.listed_ip) &&
	    same_span(a.enhanced, b.enhanced) && same_span(a.reply, b.reply))
		return;
	if (++mismatches <= 10)
		print_error("%s: %s/%s dnsbl=%.*s ip=%.*s, against %s/%s "
			    "dnsbl=%.*s ip=%.*s: %.*s\n",
		    what, bs_class_name(a.cls), a.rule, (int)a.dnsbl.len,
		    a.dnsbl.ptr ? a.dnsbl.ptr : "", (int)a.listed_ip.len,
		    a.listed_ip.ptr ? a.listed_ip.ptr : "",
		    bs_class_name(b.cls), b.rule, (int)b.dnsbl.len,
		    b.dnsbl.ptr ? b.dnsbl.ptr : "", (int)b.listed_ip.len,
		    b.listed_ip.ptr ? b.listed_ip.ptr : "", (int)ev->reply.len,
		    ev->reply.ptr ? ev->reply.ptr : "");
}

/* Reads the files given as arguments, once for both tests. */
static int
load_items(void **state)
{
	FILE *fp;
	int p;

	(void)state;
	for (p = 0; p < npaths; p++) {
		if ((fp = fopen(paths[p], "r")) == NULL) {
			fprintf(stderr, "cannot open %s\n", paths[p]);
			return -1;
		}
		if (ends_with(paths[p], ".tsv"))
			read_tsv(fp);
		else
			read_log(fp);
		fclose(fp);
	}
	return nitems > 0 ? 0 : -1;
}

static int
free_items(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < nitems; i++)
		free(items[i].line);
	free(items);
	return 0;
}

/* compare() on item it's event with the reply buf[0..n) instead. */
static void
compare_as(struct classifier *x, struct classifier *y, const char *what,
    const struct item *it, const char *buf, size_t n)
{
	struct bs_event ev = it->ev;

	if (it->from_text)
		classify_event_from_text(buf, n, &ev);
	else
		ev.reply = bs_span_make(buf, n);
	compare(x, y, what, &ev, it->provider[0] ? it->provider : NULL);
}

/*
 * Every item, then VARIANTS variants of each, through x and y: 0
 * answers may differ. Returns x's stats for the message.
 */
static void
same_answers(struct classifier *x, struct classifier *y, const char *what,
    struct classify_stats *st)
{
	char buf[REPLY_MAX];
	uint32_t seed = 2463534242u;
	size_t i, n;
	int k;

	mismatches = compared = 0;
	for (i = 0; i < nitems; i++)
		compare(x, y, what, &items[i].ev,
		    items[i].provider[0] ? items[i].provider : NULL);
	for (k = 1; k <= VARIANTS; k++)
		for (i = 0; i < nitems; i++) {
			if (items[i].ev.reply.len == 0)
				continue;
			n = variant(items[i].ev.reply.ptr,
			    items[i].ev.reply.len, buf, &seed, k);
			compare_as(x, y, what, &items[i], buf, n);
		}
	/* at the edges of identifiers, then the originals again (their own
	 * keys now hit entries made by the variants, if any would) */
	for (k = 0; k <= 2; k++)
		for (i = 0; i < nitems; i++) {
			if (items[i].ev.reply.len == 0)
				continue;
			n = id_variant(items[i].ev.reply.ptr,
			    items[i].ev.reply.len, buf, k);
			compare_as(x, y, what, &items[i], buf, n);
		}
	for (i = 0; i < nitems; i++)
		compare(x, y, what, &items[i].ev,
		    items[i].provider[0] ? items[i].provider : NULL);
	classify_get_stats(x, st);
}

static void
classify_cache__cached_and_uncached__same_answers(void **state)
{
	struct classifier *cached = load_defaults(true, true);
	struct classifier *plain = load_defaults(false, true);
	struct classify_stats st;

	(void)state;
	same_answers(cached, plain, "cached", &st);
	print_message(
	    "%lu answers compared (%zu failures and %d variants "
	    "of each, 3 at id edges, originals again), cache hits %.1f%%, %lu differ\n",
	    compared, nitems, VARIANTS,
	    st.lookups ? 100.0 * (double)st.cache_hits / (double)st.lookups
		       : 0.0,
	    mismatches);
	assert_int_equal(mismatches, 0);
	classify_free(cached);
	classify_free(plain);
}

static void
classify_split__split_and_whole__same_answers(void **state)
{
	struct classifier *split = load_defaults(false, true);
	struct classifier *whole = load_defaults(false, false);
	struct classify_stats st;

	(void)state;
	same_answers(split, whole, "split", &st);
	print_message(
	    "%lu answers compared (%zu failures and %d variants "
	    "of each, 3 at id edges, originals again), %lu pattern runs, %lu differ\n",
	    compared, nitems, VARIANTS, (unsigned long)st.pattern_runs,
	    mismatches);
	assert_int_equal(mismatches, 0);
	classify_free(split);
	classify_free(whole);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    classify_cache__cached_and_uncached__same_answers),
		cmocka_unit_test(classify_split__split_and_whole__same_answers),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE.tsv|FILE.log...\n", argv[0]);
		return 2;
	}
	paths = argv + 1;
	npaths = argc - 1;
	return cmocka_run_group_tests(tests, load_items, free_items);
}
