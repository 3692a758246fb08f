/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The classifier compiles for the JIT lazily (issue 14, start-up cost):
 * classify_compile() leaves every pattern to be JIT-compiled on its first
 * run, and the alternatives of split rules to be compiled on theirs; a
 * rule with one match line keeps the code compiled when that line was
 * checked. What must not change: a bad pattern is still refused when the
 * rules load, with its file and line; a rule first used after thousands
 * of replies decided by others still matches, with its named groups; and
 * split and whole-pattern matching still agree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "classify.h"

static const char rules[] =
    "rule busy\n"
    "class rate_limited\n"
    "match too\\s+many\\s+connections\\s+from\n"
    "rule listed\n"
    "class blacklisted\n"
    "match \\[(?<ip>\\d+\\.\\d+\\.\\d+\\.\\d+)\\] blocked using "
    "(?<dnsbl>[a-z0-9.-]+\\.[a-z]{2,})\n"
    "rule spammy\n"
    "class spam_content\n"
    "match spam\\s+detected\\s+id\\d+|content\\s+rejected\\s+as\\s+bulk"
    "|looks\\s+like\\s+phish(?:ing)?\\b|virus\\s+found\\s+in\\s+part\n"
    "rule two-lines\n"
    "class user_unknown\n"
    "match no\\s+such\\s+user\\s+here\n"
    "match mailbox\\s+\\w+\\s+unavailable\n";

static struct classifier *
load(bool cache, bool split)
{
	struct classifier *c = classify_new();
	char err[BS_ERRLEN];

	assert_non_null(c);
	if (classify_add_rules(c, "lazy.rules", rules, strlen(rules), err) !=
		0 ||
	    classify_compile(c, err) != 0)
		fail_msg("%s", err);
	classify_set_cache(c, cache);
	classify_set_split(c, split);
	return c;
}

static void
expect_error(const char *text, const char *want)
{
	struct classifier *c = classify_new();
	char err[BS_ERRLEN] = "";

	assert_non_null(c);
	if (classify_add_rules(c, "t.rules", text, strlen(text), err) == 0 &&
	    classify_compile(c, err) == 0)
		fail_msg("loaded, expected error \"%s\"", want);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" does not contain \"%s\"", err, want);
	classify_free(c);
}

/* Bad patterns are refused when the rules load, not on first use. */
static void
classify_add_rules__bad_pattern__refused_at_load(void **state)
{
	(void)state;
	expect_error("rule r\nclass policy\nmatch (\n",
	    "t.rules:3: match: missing closing parenthesis at offset 1");
	expect_error("rule r\nclass policy\nmatch fine\nmatch [z-a]\n",
	    "t.rules:4: match: range out of order");
	/* the one line's code, kept from the check, is the rule's */
	expect_error("rule r\nclass policy\nmatch x?\n",
	    "rule r: pattern can match an empty reply");
	expect_error("rule r\nclass policy\nmatch x\nmatch y*\n",
	    "rule r: pattern can match an empty reply");
}

/* Nothing is JIT-compiled before a pattern runs. */
static void
classify_compile__rules__nothing_jit_compiled(void **state)
{
	struct classifier *c = load(true, true);
	struct classify_stats st;

	(void)state;
	classify_get_stats(c, &st);
	assert_int_equal(st.patterns, 4);
	assert_int_equal(st.jit_done, 0);
	assert_true(st.jit_patterns == 0 || st.jit_patterns == st.patterns);
	classify_free(c);
}

struct want {
	const char *text;
	enum bs_class cls;
	const char *dnsbl, *ip;
};

static void
check(struct classifier *c, const struct want *w)
{
	struct classify_result r;

	assert_int_equal(
	    classify_text(c, w->text, strlen(w->text), NULL, &r), 0);
	if (r.cls != w->cls)
		fail_msg("%s: class %s (rule %s), want %s", w->text,
		    bs_class_name(r.cls), r.rule, bs_class_name(w->cls));
	if (w->dnsbl != NULL) {
		assert_int_equal(r.dnsbl.len, strlen(w->dnsbl));
		assert_memory_equal(r.dnsbl.ptr, w->dnsbl, r.dnsbl.len);
	}
	if (w->ip != NULL) {
		assert_int_equal(r.listed_ip.len, strlen(w->ip));
		assert_memory_equal(r.listed_ip.ptr, w->ip, r.listed_ip.len);
	}
}

/*
 * Thousands of replies decided by one rule (and by one alternative of the
 * split rule), then each other rule and alternative for the first time:
 * every answer the expected one, with the cache and split matching on or
 * off.
 */
static void
classify_event__rule_first_used_after_thousands__matches_with_groups(
    void **state)
{
	static const struct want later[] = {
		{ "550 5.7.1 Service unavailable; client [192.0.2.7] blocked "
		  "using zen.spamhaus.org",
		    BS_CLASS_BLACKLISTED, "zen.spamhaus.org", "192.0.2.7" },
		{ "554 5.7.1 message looks like phishing",
		    BS_CLASS_SPAM_CONTENT, NULL, NULL },
		{ "554 5.7.1 virus found in part 2", BS_CLASS_SPAM_CONTENT,
		    NULL, NULL },
		{ "554 5.7.1 content rejected as bulk", BS_CLASS_SPAM_CONTENT,
		    NULL, NULL },
		{ "550 5.1.1 mailbox bob unavailable", BS_CLASS_USER_UNKNOWN,
		    NULL, NULL },
		{ "550 5.1.1 no such user here", BS_CLASS_USER_UNKNOWN, NULL,
		    NULL },
		{ "550 5.1.1 nothing any rule knows", BS_CLASS_UNKNOWN, NULL,
		    NULL },
	};
	struct classify_stats st;
	struct classifier *c;
	struct want w;
	char text[128];
	size_t i;
	int k;

	(void)state;
	for (k = 0; k < 4; k++) {
		c = load(k & 1, k & 2);
		for (i = 0; i < 3000; i++) {
			snprintf(text, sizeof(text),
			    i % 2 ? "421 4.7.0 too many connections from "
				    "198.51.100.%zu"
				  : "554 5.7.1 spam detected id%zu",
			    i % 250);
			w.text = text;
			w.cls = i % 2 ? BS_CLASS_RATE_LIMITED
				      : BS_CLASS_SPAM_CONTENT;
			w.dnsbl = w.ip = NULL;
			check(c, &w);
		}
		classify_get_stats(c, &st);
		assert_true(st.jit_done <= 2);
		for (i = 0; i < sizeof(later) / sizeof(later[0]); i++)
			check(c, &later[i]);
		classify_get_stats(c, &st);
		assert_true(st.jit_done <= st.jit_patterns);
		if (st.jit_patterns > 0 && k == 0)
			assert_true(st.jit_done >= 2);
		classify_free(c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    classify_add_rules__bad_pattern__refused_at_load),
		cmocka_unit_test(classify_compile__rules__nothing_jit_compiled),
		cmocka_unit_test(
		    classify_event__rule_first_used_after_thousands__matches_with_groups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
