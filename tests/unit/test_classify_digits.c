/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The classifier's cache against rules that can tell digits apart (issue
 * 14): replies that differ only in their digits share a cache key unless
 * a rule that reads digits is, or may be, a candidate. Each sequence of
 * replies below is classified in order by a classifier with its cache and
 * one without, on rules written for the purpose; every answer must be the
 * expected one from both, so a cache entry made by one reply must never
 * answer a reply whose digits a rule reads differently. The test rules:
 *   - a literal with digits ("tss04": the scan reads digits as '0'
 *     for the cache, so "tss05" must not serve "tss04");
 *   - a digit class without digits in its literal ("limit [0-4]00");
 *   - a pattern blind to digits ("user \d+ unknown"), which must be served
 *     from the cache (the test fails if it never is);
 *   - a reply answered by a rule blind to digits while a rule that reads
 *     them ("tss04") is a candidate: later replies of its template are
 *     served from the cache unless that rule matches them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "classify.h"

static const char rules[] = "rule tss-literal\n"
			    "class blacklisted\n"
			    "match \\[tss04\\] messages\n"
			    "rule limit-class\n"
			    "class rate_limited\n"
			    "match limit [0-4]00 per\n"
			    "rule user-any-digits\n"
			    "class user_unknown\n"
			    "match user \\d+ unknown\n"
			    "rule deferred-words\n"
			    "class policy\n"
			    "match messages from|per hour\n";

struct want {
	const char *text;
	enum bs_class cls;
};

static struct classifier *
load(bool cache)
{
	struct classifier *c = classify_new();
	char err[BS_ERRLEN];

	assert_non_null(c);
	assert_int_equal(
	    classify_add_rules(c, "digits.rules", rules, strlen(rules), err),
	    0);
	assert_int_equal(classify_compile(c, err), 0);
	classify_set_cache(c, cache);
	return c;
}

static void
check_sequence(const struct want *w, size_t n)
{
	struct classifier *cached = load(true), *plain = load(false);
	struct classify_result a, b;
	size_t i;

	for (i = 0; i < n; i++) {
		assert_int_equal(classify_text(cached, w[i].text,
				     strlen(w[i].text), NULL, &a),
		    0);
		assert_int_equal(classify_text(plain, w[i].text,
				     strlen(w[i].text), NULL, &b),
		    0);
		if (a.cls != w[i].cls || b.cls != w[i].cls)
			fail_msg("%s: cached %d, uncached %d, want %d",
			    w[i].text, (int)a.cls, (int)b.cls, (int)w[i].cls);
		assert_string_equal(a.rule, b.rule);
	}
	classify_free(cached);
	classify_free(plain);
}

static void
test_digit_literal(void **state)
{
	static const struct want w[] = {
		{ "421 4.7.0 [TSS05] Messages from 192.0.2.1 deferred",
		    BS_CLASS_POLICY },
		{ "421 4.7.0 [TSS04] Messages from 192.0.2.1 deferred",
		    BS_CLASS_BLACKLISTED },
		{ "421 4.7.0 [TSS05] Messages from 192.0.2.7 deferred",
		    BS_CLASS_POLICY },
		{ "421 4.7.0 [TSS04] Messages from 192.0.2.7 deferred",
		    BS_CLASS_BLACKLISTED },
	};

	(void)state;
	check_sequence(w, sizeof(w) / sizeof(w[0]));
}

static void
test_digit_class(void **state)
{
	static const struct want w[] = {
		{ "450 4.7.1 limit 500 per hour", BS_CLASS_POLICY },
		{ "450 4.7.1 limit 300 per hour", BS_CLASS_RATE_LIMITED },
		{ "450 4.7.1 limit 900 per hour", BS_CLASS_POLICY },
		{ "450 4.7.1 limit 100 per hour", BS_CLASS_RATE_LIMITED },
	};

	(void)state;
	check_sequence(w, sizeof(w) / sizeof(w[0]));
}

static void
test_digit_blind_is_cached(void **state)
{
	struct classifier *c = load(true);
	struct classify_result r;
	struct classify_stats st;
	static const char *const texts[] = { "550 5.1.1 user 1234 unknown",
		"550 5.1.1 user 9876 unknown", "550 5.1.1 user 5555 unknown" };
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		classify_text(c, texts[i], strlen(texts[i]), NULL, &r);
		assert_int_equal(r.cls, BS_CLASS_USER_UNKNOWN);
	}
	classify_get_stats(c, &st);
	assert_int_equal(st.cache_hits, 2);
	classify_free(c);
}

/*
 * "[TSS05] Messages from" is answered by deferred-words (blind to digits)
 * while tss-literal, which reads digits, comes first: a reply of the same
 * template is answered from the cache after tss-literal alone is run on
 * it (and does not match); one that it matches ([TSS04]) is classified in
 * full, and the entry still serves the template afterwards.
 */
static void
test_digit_rule_checked_on_hit(void **state)
{
	static const struct want w[] = {
		{ "421 4.7.0 [TSS05] Messages from 192.0.2.1 deferred",
		    BS_CLASS_POLICY },
		{ "421 4.7.0 [TSS06] Messages from 192.0.2.7 deferred",
		    BS_CLASS_POLICY },
		{ "421 4.7.0 [TSS04] Messages from 192.0.2.8 deferred",
		    BS_CLASS_BLACKLISTED },
		{ "421 4.7.0 [TSS07] Messages from 192.0.2.9 deferred",
		    BS_CLASS_POLICY },
		{ "421 4.7.0 [TSS04] Messages from 192.0.2.3 deferred",
		    BS_CLASS_BLACKLISTED },
	};
	static const uint64_t hits[] = { 0, 1, 1, 2, 2 };
	struct classifier *c = load(true);
	struct classify_result r;
	struct classify_stats st;
	size_t i;

	(void)state;
	check_sequence(w, sizeof(w) / sizeof(w[0]));
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		classify_text(c, w[i].text, strlen(w[i].text), NULL, &r);
		assert_int_equal(r.cls, w[i].cls);
		classify_get_stats(c, &st);
		assert_int_equal(st.cache_hits, hits[i]);
	}
	classify_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digit_literal),
		cmocka_unit_test(test_digit_class),
		cmocka_unit_test(test_digit_blind_is_cached),
		cmocka_unit_test(test_digit_rule_checked_on_hit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
