/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of the classifier (parsers/classify.c): the built-in rules
 * and their samples (every example classified by its own rule, no counter
 * matching it), the rule-file parser and its file:line errors, placement
 * and replacement of rules, conditions, extraction of DNSBL and listed IP,
 * limits, the result cache, and that a failed load leaves an old
 * classifier usable. Reply texts are written for these tests; their shapes
 * follow real receivers' replies (Postfix, NetEase, Spamhaus, Gmail).
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

/* Builds a classifier from one rule text; returns NULL and the message in
 * err when it does not load. */
static struct classifier *
load_text(const char *text, char *err)
{
	struct classifier *c = classify_new();

	assert_non_null(c);
	if (classify_add_rules(c, "t.rules", text, strlen(text), err) != 0 ||
	    classify_compile(c, err) != 0) {
		classify_free(c);
		return NULL;
	}
	return c;
}

static void
expect_error(const char *text, const char *want)
{
	char err[BS_ERRLEN] = "";
	struct classifier *c = load_text(text, err);

	if (c != NULL) {
		classify_free(c);
		fail_msg("loaded, expected error \"%s\"", want);
	}
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" does not contain \"%s\"", err, want);
}

static const char *
rule_of(struct classifier *c, const char *text, const char *provider)
{
	struct classify_result r;

	classify_text(c, text, strlen(text), provider, &r);
	return r.rule;
}

static enum bs_class
class_of(struct classifier *c, const char *text)
{
	struct classify_result r;

	classify_text(c, text, strlen(text), NULL, &r);
	return r.cls;
}

static void
print_problem(void *arg, const char *msg)
{
	(void)arg;
	print_error("%s\n", msg);
}

/* ---------------------------------------------------------------- */

static void
classify_defaults__load__many_rules_all_with_patterns_jitted(void **state)
{
	struct classifier *c = classify_fixture(false);
	struct classify_stats st;

	(void)state;
	classify_get_stats(c, &st);
	assert_true(st.rules >= 150);
	assert_true(st.patterns >= 100);
	/* JIT is available on the CI machines (x86-64, arm64). */
	assert_int_equal(st.jit_patterns, st.patterns);
	classify_free(c);
}

static void
classify_check_samples__defaults__every_example_by_its_rule(void **state)
{
	struct classifier *c = classify_fixture(false);
	size_t nsamples = 0;
	int problems;

	(void)state;
	problems =
	    classify_check_samples(c, true, print_problem, NULL, &nsamples);
	assert_int_equal(problems, 0);
	assert_true(nsamples >= 2 * classify_rule_count(c));
	classify_free(c);
}

static void
classify_check_samples__shadowed_example__reported(void **state)
{
	char err[BS_ERRLEN];
	struct classifier *c;
	int problems;

	(void)state;
	c = load_text("rule broad\nclass policy\nmatch rejected\n"
		      "example 550 rejected\ncounter 550 ok\n"
		      "rule narrow\nclass spam_content\nmatch spam rejected\n"
		      "example 550 spam rejected\ncounter 550 rejected\n",
	    err);
	assert_non_null(c);
	problems = classify_check_samples(c, true, NULL, NULL, NULL);
	/* narrow's example is taken by broad; counters are checked against
	 * their own rule only */
	assert_int_equal(problems, 1);
	classify_free(c);
}

static void
classify_check_samples__matching_counter__reported(void **state)
{
	char err[BS_ERRLEN];
	struct classifier *c;

	(void)state;
	c = load_text("rule r\nclass policy\nmatch rejected\n"
		      "example 550 rejected\ncounter 550 really rejected\n",
	    err);
	assert_non_null(c);
	assert_int_equal(classify_check_samples(c, true, NULL, NULL, NULL), 1);
	classify_free(c);
}

/*
 * A counter-example is checked as the classifier reads a reply (issue 14:
 * identifiers masked): a pattern that matches only inside an id does not
 * match it, one that matches the x's an id is masked to does.
 */
static void
classify_check_samples__counter_with_id__read_masked(void **state)
{
	char err[BS_ERRLEN];
	struct classifier *c;

	(void)state;
	c = load_text("rule r\nclass policy\nmatch deadbe\n"
		      "example 550 deadbe\ncounter 550 id deadbeef0421\n",
	    err);
	assert_non_null(c);
	assert_string_equal(rule_of(c, "550 id deadbeef0421", NULL), "");
	assert_int_equal(classify_check_samples(c, true, NULL, NULL, NULL), 0);
	classify_free(c);
	c = load_text("rule r\nclass policy\nmatch id [a-z]{12}\n"
		      "example 550 id abcdefghijkl\n"
		      "counter 550 id a1b2c3d4e5f6\n",
	    err);
	assert_non_null(c);
	assert_string_equal(rule_of(c, "550 id a1b2c3d4e5f6", NULL), "r");
	assert_int_equal(classify_check_samples(c, true, NULL, NULL, NULL), 1);
	classify_free(c);
}

static void
classify_check_samples__no_counter_when_required__reported(void **state)
{
	char err[BS_ERRLEN];
	struct classifier *c;

	(void)state;
	c = load_text("rule r\nclass policy\nmatch rejected\n"
		      "example 550 rejected\n",
	    err);
	assert_non_null(c);
	assert_int_equal(classify_check_samples(c, true, NULL, NULL, NULL), 1);
	assert_int_equal(classify_check_samples(c, false, NULL, NULL, NULL), 0);
	classify_free(c);
}

/* ---------------------------------------------------------------- */
/* rule file errors: file:line: message */

static void
classify_add_rules__unknown_class__file_line_error(void **state)
{
	(void)state;
	expect_error("# c\nrule r\nclass nosuch\nmatch x\n",
	    "t.rules:3: class: unknown class \"nosuch\"");
}

static void
classify_add_rules__unknown_keyword__file_line_error(void **state)
{
	(void)state;
	expect_error("rule r\nclass policy\nmatches x\n",
	    "t.rules:3: unknown keyword \"matches\"");
}

static void
classify_add_rules__keyword_outside_rule__file_line_error(void **state)
{
	(void)state;
	expect_error("\nclass policy\n", "t.rules:2: \"class\" outside a rule");
}

static void
classify_add_rules__bad_pattern__offset_in_error(void **state)
{
	(void)state;
	expect_error("rule r\nclass policy\n\nmatch foo(bar\n",
	    "t.rules:4: match: missing closing parenthesis at offset 7");
}

static void
classify_add_rules__bad_code__file_line_error(void **state)
{
	(void)state;
	expect_error("rule r\nclass policy\ncode 4x\n", "t.rules:3: code: bad");
	expect_error(
	    "rule r\nclass policy\ncode 700\n", "t.rules:3: code: bad");
	expect_error(
	    "rule r\nclass policy\ncode 459-450\n", "t.rules:3: code: bad");
}

static void
classify_add_rules__bad_enhanced__file_line_error(void **state)
{
	(void)state;
	expect_error(
	    "rule r\nclass policy\nenhanced 5.7\n", "t.rules:3: enhanced: bad");
	expect_error("rule r\nclass policy\nenhanced 3.1.1\n",
	    "t.rules:3: enhanced: bad");
}

static void
classify_add_rules__no_class__error_at_rule_line(void **state)
{
	(void)state;
	expect_error("\n\nrule r\nmatch x\n", "t.rules:3: rule r: no class");
}

static void
classify_add_rules__no_condition__error(void **state)
{
	(void)state;
	expect_error("rule r\nclass policy\nmeaning m\n",
	    "t.rules:1: rule r: no condition");
}

static void
classify_add_rules__empty_match__error(void **state)
{
	(void)state;
	expect_error("rule r\nclass policy\nmatch x*\n",
	    "t.rules:1: rule r: pattern can match an empty reply");
}

static void
classify_add_rules__duplicate_in_file__error(void **state)
{
	(void)state;
	expect_error("rule r\nclass policy\ncode 550\n\nrule r\nclass policy\n"
		     "code 551\n",
	    "t.rules:5: duplicate rule r (first at line 1)");
}

static void
classify_add_rules__twice_given__error(void **state)
{
	(void)state;
	expect_error("rule r\nclass policy\nclass virus\n",
	    "t.rules:3: class given twice");
	expect_error("rule r\nclass policy\ncode 550\nmeaning a\nmeaning b\n",
	    "t.rules:5: meaning given twice");
}

static void
classify_add_rules__bad_name__error(void **state)
{
	(void)state;
	expect_error(
	    "rule -x\nclass policy\ncode 550\n", "t.rules:1: rule: bad name");
	expect_error(
	    "rule a b\nclass policy\ncode 550\n", "t.rules:1: rule: bad name");
}

static void
classify_add_rules__unknown_anchor__error(void **state)
{
	(void)state;
	expect_error("rule r\nclass policy\ncode 550\nafter nosuch\n",
	    "t.rules:1: rule r: after nosuch: no such rule");
}

static void
classify_add_rules__class_none__refused(void **state)
{
	(void)state;
	expect_error("rule r\nclass none\ncode 250\n",
	    "t.rules:2: class: unknown class \"none\"");
}

static void
classify_add_rules__status_and_event_names__checked(void **state)
{
	(void)state;
	expect_error("rule r\nclass policy\nstatus later\n",
	    "t.rules:3: status: unknown status \"later\"");
	expect_error("rule r\nclass policy\nevent socket\n",
	    "t.rules:3: event: unknown kind \"socket\"");
}

static void
classify_add_rules__long_line__error(void **state)
{
	char *text = malloc(6000);

	(void)state;
	assert_non_null(text);
	strcpy(text, "rule r\nclass policy\nmatch ");
	memset(text + strlen(text), 'a', 5000);
	text[26 + 5000] = '\0';
	expect_error(text, "t.rules:3: line longer than");
	free(text);
}

static void
classify_add_rules__default_file_error__names_file(void **state)
{
	struct classifier *c = classify_new();
	char err[BS_ERRLEN];
	const char *bad = "rule ok\nclass policy\ncode 550\n\nrule bad\n"
			  "class policy\nmatch (\n";

	(void)state;
	assert_int_equal(classify_add_local_rules(
			     c, "/etc/x/local.rules", bad, strlen(bad), err),
	    -1);
	assert_string_equal(err,
	    "/etc/x/local.rules:7: match: missing closing parenthesis at "
	    "offset 1");
	classify_free(c);
}

/* ---------------------------------------------------------------- */
/* order, replacement, placement */

static const char base_rules[] =
    "rule first\nclass policy\nmatch rejected\n"
    "rule second\nclass spam_content\nmatch spam\n";

static struct classifier *
load_base_plus(const char *local)
{
	struct classifier *c = classify_new();
	char err[BS_ERRLEN];

	assert_int_equal(classify_add_rules(c, "base.rules", base_rules,
			     strlen(base_rules), err),
	    0);
	if (local != NULL &&
	    classify_add_local_rules(
		c, "local.rules", local, strlen(local), err) != 0)
		fail_msg("%s", err);
	if (classify_compile(c, err) != 0)
		fail_msg("%s", err);
	return c;
}

static void
classify_event__first_match__wins(void **state)
{
	struct classifier *c = load_base_plus(NULL);

	(void)state;
	assert_string_equal(rule_of(c, "550 spam rejected", NULL), "first");
	assert_string_equal(rule_of(c, "550 spam", NULL), "second");
	assert_string_equal(rule_of(c, "550 fine", NULL), "");
	classify_free(c);
}

static void
classify_add_local_rules__new_rule__evaluated_before_defaults(void **state)
{
	struct classifier *c =
	    load_base_plus("rule mine\nclass virus\nmatch spam rejected\n");
	struct classify_rule_info info;

	(void)state;
	assert_string_equal(rule_of(c, "550 spam rejected", NULL), "mine");
	assert_int_equal(classify_rule_get(c, 0, &info), 0);
	assert_string_equal(info.name, "mine");
	assert_string_equal(info.file, "local.rules");
	classify_free(c);
}

static void
classify_add_local_rules__same_name__replaces_in_place(void **state)
{
	struct classifier *c =
	    load_base_plus("rule second\nclass virus\nmatch spam\n");
	struct classify_result r;

	(void)state;
	classify_text(c, "550 spam rejected", 17, NULL, &r);
	assert_string_equal(r.rule, "first"); /* still after "first" */
	classify_text(c, "550 spam", 8, NULL, &r);
	assert_string_equal(r.rule, "second");
	assert_int_equal(r.cls, BS_CLASS_VIRUS);
	assert_int_equal(classify_rule_count(c), 2);
	classify_free(c);
}

static void
classify_add_local_rules__after__placed_after_anchor(void **state)
{
	struct classifier *c = load_base_plus(
	    "rule late\nclass virus\nmatch spam rejected\nafter first\n"
	    "rule early\nclass loop\nmatch spam\nbefore second\n");
	struct classify_rule_info info;

	(void)state;
	assert_string_equal(rule_of(c, "550 spam rejected", NULL), "first");
	assert_string_equal(rule_of(c, "550 spam", NULL), "early");
	assert_int_equal(classify_rule_get(c, 1, &info), 0);
	assert_string_equal(info.name, "late");
	classify_free(c);
}

static void
classify_add_local_rules__disable__rule_skipped(void **state)
{
	struct classifier *c = load_base_plus("rule first\ndisable\n");
	struct classify_rule_info info;

	(void)state;
	assert_string_equal(rule_of(c, "550 spam rejected", NULL), "second");
	assert_int_equal(classify_rule_get(c, 0, &info), 0);
	assert_true(info.disabled);
	classify_free(c);
}

static void
classify_add_local_rules__disable_unknown__not_an_error(void **state)
{
	struct classifier *c = load_base_plus("rule gone-in-v2\ndisable\n");

	(void)state;
	assert_string_equal(rule_of(c, "550 spam", NULL), "second");
	classify_free(c);
}

static void
classify_add_rules__after_compile__refused(void **state)
{
	struct classifier *c = load_base_plus(NULL);
	char err[BS_ERRLEN];

	(void)state;
	assert_int_equal(classify_add_rules(c, "x",
			     "rule z\nclass virus\ncode 550\n", 28, err),
	    -1);
	assert_non_null(strstr(err, "already compiled"));
	classify_free(c);
}

/* ---------------------------------------------------------------- */
/* conditions */

static void
classify_event__code_classes__match(void **state)
{
	char err[BS_ERRLEN];
	struct classifier *c =
	    load_text("rule a\nclass greylisted\ncode 45x, 421\n"
		      "rule b\nclass policy\ncode 5xx\n"
		      "rule n\nclass network_error\ncode none\n",
		err);

	(void)state;
	assert_non_null(c);
	assert_int_equal(class_of(c, "451 x"), BS_CLASS_GREYLISTED);
	assert_int_equal(class_of(c, "421 x"), BS_CLASS_GREYLISTED);
	assert_int_equal(class_of(c, "422 x"), BS_CLASS_UNKNOWN);
	assert_int_equal(class_of(c, "554 x"), BS_CLASS_POLICY);
	assert_int_equal(
	    class_of(c, "Connection timed out"), BS_CLASS_NETWORK_ERROR);
	classify_free(c);
}

static void
classify_event__enhanced_range__match(void **state)
{
	char err[BS_ERRLEN];
	struct classifier *c =
	    load_text("rule ms\nclass blacklisted\nenhanced 5.7.606-649\n"
		      "rule any\nclass policy\nenhanced x.7.*\n"
		      "rule no\nclass unknown\nenhanced none\ncode 5xx\n",
		err);

	(void)state;
	assert_non_null(c);
	assert_int_equal(
	    class_of(c, "550 5.7.606 Access denied"), BS_CLASS_BLACKLISTED);
	assert_int_equal(class_of(c, "550 5.7.649 x"), BS_CLASS_BLACKLISTED);
	assert_int_equal(class_of(c, "550 5.7.650 x"), BS_CLASS_POLICY);
	assert_int_equal(class_of(c, "451 4.7.1 x"), BS_CLASS_POLICY);
	assert_string_equal(rule_of(c, "550 no status", NULL), "no");
	assert_string_equal(rule_of(c, "550 5.1.1 x", NULL), "");
	classify_free(c);
}

static void
classify_event__provider_scope__only_that_provider(void **state)
{
	char err[BS_ERRLEN];
	struct classifier *c =
	    load_text("rule qq\nclass rate_limited\nprovider qq.com\n"
		      "match access denied\n"
		      "rule other\nclass policy\nmatch access denied\n",
		err);

	(void)state;
	assert_non_null(c);
	assert_string_equal(rule_of(c, "550 access denied", "qq.com"), "qq");
	assert_string_equal(rule_of(c, "550 access denied", "QQ.COM"), "qq");
	assert_string_equal(rule_of(c, "550 access denied", "mx.qq.com"), "qq");
	assert_string_equal(
	    rule_of(c, "550 access denied", "notqq.com"), "other");
	assert_string_equal(rule_of(c, "550 access denied", NULL), "other");
	classify_free(c);
}

static void
classify_event__status_and_event__conditions(void **state)
{
	char err[BS_ERRLEN];
	struct classifier *c =
	    load_text("rule exp\nclass expired\nstatus expired\n"
		      "rule loc\nclass server_error\nevent local\n"
		      "rule con\nclass network_error\nevent connect\n",
		err);
	struct bs_event ev;
	struct classify_result r;

	(void)state;
	assert_non_null(c);
	memset(&ev, 0, sizeof(ev));
	ev.reply = bs_span_make("whatever", 8);
	ev.status = BS_STATUS_EXPIRED;
	classify_event(c, &ev, NULL, &r);
	assert_string_equal(r.rule, "exp");
	ev.status = BS_STATUS_DEFERRED;
	ev.flags = BS_EVENT_LOCAL;
	classify_event(c, &ev, NULL, &r);
	assert_string_equal(r.rule, "loc");
	ev.flags = BS_EVENT_CONNECT;
	classify_event(c, &ev, NULL, &r);
	assert_string_equal(r.rule, "con");
	ev.flags = 0;
	classify_event(c, &ev, NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_UNKNOWN);
	classify_free(c);
}

static void
classify_event__sent_and_expired__fixed_classes(void **state)
{
	struct classifier *c = classify_fixture(false);
	struct bs_event ev;
	struct classify_result r;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.status = BS_STATUS_SENT;
	ev.smtp_code = 250;
	ev.reply = bs_span_make("250 2.0.0 Ok: queued as 1234", 28);
	classify_event(c, &ev, NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_NONE);
	assert_false(r.permanent);
	memset(&ev, 0, sizeof(ev));
	ev.status = BS_STATUS_EXPIRED;
	classify_event(c, &ev, NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_EXPIRED);
	assert_false(r.permanent);
	/* expired with a reply: classified by the reply */
	ev.reply = bs_span_make("421 HL:ICC 163 mx3,abc 1700000000", 33);
	ev.smtp_code = 421;
	classify_event(c, &ev, NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_RATE_LIMITED);
	classify_free(c);
}

static void
classify_event__permanent__by_code_then_enhanced_then_status(void **state)
{
	struct classifier *c = classify_fixture(false);
	struct bs_event ev;
	struct classify_result r;

	(void)state;
	classify_text(c, "550 5.1.1 User unknown", 22, NULL, &r);
	assert_true(r.permanent);
	classify_text(c, "450 4.1.1 User unknown", 22, NULL, &r);
	assert_false(r.permanent);
	memset(&ev, 0, sizeof(ev));
	ev.reply = bs_span_make("Host or domain name not found", 29);
	ev.flags = BS_EVENT_CONNECT;
	ev.status = BS_STATUS_BOUNCED;
	classify_event(c, &ev, NULL, &r);
	assert_true(r.permanent);
	assert_int_equal(r.cls, BS_CLASS_HOST_UNKNOWN);
	ev.enhanced = bs_span_make("4.4.3", 5);
	classify_event(c, &ev, NULL, &r);
	assert_false(r.permanent);
	classify_free(c);
}

/* The provider code wins over the enhanced status Postfix logs (dsn=). */
static void
classify_event__netease_token__wins_over_dsn(void **state)
{
	struct classifier *c = classify_fixture(false);
	struct bs_event ev;
	struct classify_result r;
	const char *t = "421 HL:ICC 163 mx21,QMCowACXR8vZq2Jl1dEFAA--.41521S2 "
			"1700000002";

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.status = BS_STATUS_DEFERRED;
	ev.smtp_code = 421;
	ev.reply = bs_span_make(t, strlen(t));
	ev.enhanced = bs_span_make("4.0.0", 5);
	classify_event(c, &ev, NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_RATE_LIMITED);
	assert_string_equal(r.rule, "netease-hl-icc");
	assert_true(r.meaning[0] != '\0' && r.action[0] != '\0');
	classify_free(c);
}

/* ---------------------------------------------------------------- */
/* extraction */

static void
expect_spans(
    struct classifier *c, const char *text, const char *dnsbl, const char *ip)
{
	struct classify_result r;

	classify_text(c, text, strlen(text), NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_BLACKLISTED);
	if (dnsbl == NULL)
		assert_int_equal(r.dnsbl.len, 0);
	else if (!bs_span_eq(r.dnsbl, dnsbl))
		fail_msg("dnsbl \"%.*s\", want \"%s\" in %s", (int)r.dnsbl.len,
		    r.dnsbl.ptr, dnsbl, text);
	if (ip == NULL)
		assert_int_equal(r.listed_ip.len, 0);
	else if (!bs_span_eq(r.listed_ip, ip))
		fail_msg("ip \"%.*s\", want \"%s\" in %s", (int)r.listed_ip.len,
		    r.listed_ip.ptr, ip, text);
	if (r.dnsbl.len > 0)
		assert_true(r.dnsbl.ptr >= text &&
		    r.dnsbl.ptr + r.dnsbl.len <= text + strlen(text));
}

static void
classify_event__dnsbl_and_ip__extracted(void **state)
{
	struct classifier *c = classify_fixture(false);

	(void)state;
	expect_spans(c,
	    "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked "
	    "using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1",
	    "zen.spamhaus.org", "192.0.2.1");
	expect_spans(c, "550 https://www.spamhaus.org/query/ip/192.0.2.44",
	    "spamhaus.org", "192.0.2.44");
	expect_spans(c,
	    "554 5.7.1 Service unavailable; Client host [192.0.2.3] blocked "
	    "using b.barracudacentral.org; http://www.barracudanetworks.com/"
	    "reputation/?pr=1&ip=192.0.2.3",
	    "b.barracudacentral.org", "192.0.2.3");
	expect_spans(c,
	    "554 Service unavailable; Client host [192.0.2.5] blocked using "
	    "bl.spamcop.net; Blocked - see http://www.spamcop.net/bl.shtml?"
	    "192.0.2.5",
	    "bl.spamcop.net", "192.0.2.5");
	expect_spans(c,
	    "550 5.7.1 Service unavailable; Client host [192.0.2.6] blocked "
	    "using Trend Micro RBL+. Please see http://www.mail-abuse.com/"
	    "cgi-bin/lookup?ip_address=192.0.2.6",
	    "Trend Micro RBL+", "192.0.2.6");
	expect_spans(c,
	    "550 5.7.1 :127.0.0.4:Client host 192.0.2.7 blocked using "
	    "87.blocklist.zap; Mail from IP banned.",
	    "87.blocklist.zap", "192.0.2.7");
	expect_spans(c,
	    "554 Service unavailable; Client host [mta.example.com] blocked by "
	    "zen.spamhaus.org; 192.0.2.8",
	    "zen.spamhaus.org", "192.0.2.8");
	expect_spans(c,
	    "554 IP=192.0.2.9 - A problem occurred. (Ask your postmaster for "
	    "help or to contact tosa@rx.t-online.de to clarify.) (BL)",
	    NULL, "192.0.2.9");
	expect_spans(c,
	    "550 5.7.606 Access denied, banned sending IP "
	    "[2001:db8::25]. To request removal from this list "
	    "please visit https://sender.office.com/",
	    NULL, "2001:db8::25");
	expect_spans(c, "554 HL:IPB 163 mx9,abc 1700000007", NULL, NULL);
	classify_free(c);
}

static void
classify_event__ip_for_rate_limit__extracted(void **state)
{
	struct classifier *c = classify_fixture(false);
	struct classify_result r;
	const char *t =
	    "421 HL:ICC 163 mx21,QMCowA--.1S2 1700000002 "
	    "http://mail.163.com/help/help_spam_16.htm?ip=192.0.2.77"
	    "&hostid=mx21&time=1700000002";

	(void)state;
	classify_text(c, t, strlen(t), NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_RATE_LIMITED);
	assert_true(bs_span_eq(r.listed_ip, "192.0.2.77"));
	/* not for other classes */
	classify_text(c, "550 5.1.1 <a@example.org> user unknown 192.0.2.1", 48,
	    NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_USER_UNKNOWN);
	assert_int_equal(r.listed_ip.len, 0);
	classify_free(c);
}

/* ---------------------------------------------------------------- */
/* limits, cache, reload */

static void
classify_event__pathological_pattern__unknown_and_counted(void **state)
{
	char err[BS_ERRLEN];
	struct classifier *c =
	    load_text("rule slow\nclass policy\nmatch ^(\\w+\\s?)*x$\n"
		      "rule later\nclass virus\nmatch aaaa\n",
		err);
	struct classify_result r;
	struct classify_stats st;
	char text[200];

	(void)state;
	assert_non_null(c);
	/* an 'x' is present, so the required-character check does not
	 * short-cut the exponential backtracking */
	text[0] = 'x';
	memset(text + 1, 'a', 60);
	strcpy(text + 61, "!");
	classify_text(c, text, strlen(text), NULL, &r);
	assert_true(r.limit_hit);
	assert_int_equal(r.cls, BS_CLASS_UNKNOWN);
	assert_string_equal(r.rule, "slow");
	classify_get_stats(c, &st);
	assert_int_equal(st.limit_hits, 1);
	/* and the classifier keeps working */
	assert_int_equal(class_of(c, "550 aaaa bbbb"), BS_CLASS_VIRUS);
	classify_free(c);
}

static void
classify_event__digits_vary__served_from_cache(void **state)
{
	struct classifier *c = classify_fixture(false);
	struct classify_result r;
	struct classify_stats st;
	char text[256];
	int i;

	(void)state;
	for (i = 1; i <= 50; i++) {
		snprintf(text, sizeof(text),
		    "554 5.7.1 Service unavailable; Client host [192.0.2.%d] "
		    "blocked using zen.spamhaus.org; https://www.spamhaus.org/"
		    "query/ip/192.0.2.%d",
		    i, i);
		classify_text(c, text, strlen(text), NULL, &r);
		assert_int_equal(r.cls, BS_CLASS_BLACKLISTED);
		assert_true(bs_span_eq(r.dnsbl, "zen.spamhaus.org"));
		if (r.listed_ip.len == 0 || atoi(r.listed_ip.ptr + 8) != i)
			fail_msg("listed ip wrong at %d", i);
	}
	classify_get_stats(c, &st);
	/* 1-9, 10-50: two normalised shapes (digit counts differ) */
	assert_true(st.cache_hits >= 45);
	classify_free(c);
}

/* A rule that tells digits apart must not be answered from the cache. */
static void
classify_event__digit_sensitive_rule__not_cached_wrongly(void **state)
{
	char err[BS_ERRLEN];
	struct classifier *c =
	    load_text("rule s3150\nclass blacklisted\nmatch \\(S3150\\)\n"
		      "rule other\nclass policy\nmatch \\(S\\d+\\)\n",
		err);

	(void)state;
	assert_non_null(c);
	assert_string_equal(rule_of(c, "550 blocked (S3150)", NULL), "s3150");
	assert_string_equal(rule_of(c, "550 blocked (S3140)", NULL), "other");
	assert_string_equal(rule_of(c, "550 blocked (S3150)", NULL), "s3150");
	assert_string_equal(rule_of(c, "550 blocked (S3140)", NULL), "other");
	classify_free(c);
}

/*
 * With a digit-sensitive candidate, the very same reply repeated is
 * served from the cache (keyed by its exact bytes), a reply differing in
 * a digit is not.
 */
static void
classify_event__digit_sensitive_same_reply__served_from_cache(void **state)
{
	char err[BS_ERRLEN];
	struct classifier *c =
	    load_text("rule s3150\nclass blacklisted\nmatch \\(S3150\\)\n"
		      "rule other\nclass policy\nmatch \\(S\\d+\\)\n",
		err);
	struct classify_stats st;
	int i;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < 10; i++)
		assert_string_equal(
		    rule_of(c, "550 blocked (S3150)", NULL), "s3150");
	classify_get_stats(c, &st);
	assert_int_equal(st.cache_hits, 9);
	assert_string_equal(rule_of(c, "550 blocked (S3140)", NULL), "other");
	classify_get_stats(c, &st);
	assert_int_equal(st.cache_hits, 9);
	classify_free(c);
}

/*
 * Issue 14: rules read a reply with its identifiers masked
 * (template_mask_ids()): replies that differ only in an id are one cache
 * entry, and no rule matches inside an id, not even one written for it.
 */
static void
classify_event__replies_differing_in_ids__one_entry_ids_unseen(void **state)
{
	char err[BS_ERRLEN];
	struct classifier *c =
	    load_text("rule in-id\nclass spam_content\nmatch deadbeef\n"
		      "rule busy\nclass rate_limited\nmatch server busy\n",
		err);
	struct classify_stats st;
	char reply[] = "451 4.7.500 Server busy "
		       "[SN4PEPF0000BFA.namprd02.prod.outlook.com]";

	(void)state;
	assert_non_null(c);
	assert_string_equal(rule_of(c, reply, NULL), "busy");
	memcpy(reply + 25, "BN8NAM12FT053", 13); /* another id */
	assert_string_equal(rule_of(c, reply, NULL), "busy");
	memcpy(reply + 25, "deadbeef0421", 12);
	assert_string_equal(rule_of(c, reply, NULL), "busy");
	classify_get_stats(c, &st);
	assert_int_equal(st.lookups, 3);
	assert_int_equal(st.cache_hits, 2);
	/* a word of letters only, or a short one, is no id: seen */
	assert_string_equal(rule_of(c, "550 deadbeefcafe", NULL), "in-id");
	assert_string_equal(rule_of(c, "550 deadbeef01", NULL), "");
	assert_string_equal(rule_of(c, "550 deadbeef1", NULL), "in-id");
	classify_free(c);
}

/*
 * Issue 14: a cached classifier answers as an uncached one at the edges of
 * what it reads as an identifier. Every entry is under the key of a reply
 * with its ids masked and a lookup first tries the reply's own key, so a
 * hit there must mean the reply has no id: replies whose digit-normalised
 * bytes would equal a masked one's if a byte beside the digits ('/', ':',
 * a non-ASCII byte) were read as a digit, ids that are the 'x's of a masked
 * one, runs of 9, 10 and cut at the subject's 1024 bytes, a
 * digit-sensitive rule's exact key, and a code that ends the text (the
 * whole text is read). Rules are written to match inside ids and the
 * 'x's they are masked to, so any entry served to the wrong reply shows.
 */
static void
classify_event__cached_uncached__same_at_id_edges(void **state)
{
	static const char rules[] =
	    "rule in-id\nclass spam_content\nmatch deadbe\n"
	    "rule xs\nclass policy\nmatch \\bx{10,}\\b\n"
	    "rule digits\nclass blacklisted\nmatch err 421\n"
	    "rule rate\nclass rate_limited\nmatch hour limit\n";
	static const char *const texts[] = {
		"550 blocked id deadbe\xb5"
		"f0421",
		"550 blocked id deadbe5f0421",
		"550 blocked id deadbe:f0421",
		"550 blocked id deadbe0f0421",
		"550 blocked id deadbe/f0421",
		"550 blocked id deadbe9f0421",
		"550 blocked id deadbe\xb5"
		"f0421",
		"550 blocked id xxxxxxxxxxxx",
		"550 blocked id deadbeef0421",
		"550 blocked id deadbeefcafe",
		"550 blocked id deadbeef042",
		"550 blocked id deadbeef0",
		"550 blocked id deadbeef0421",
		"550 err 421 ref xxxxxxxxxx",
		"550 err 421 ref deadbeef01",
		"550 err 422 ref deadbeef01",
		"550 err 421 ref deadbeef01",
		"send spam mail rejected: exceeded hour limit deadbeef01\" "
		"code=550",
		"send spam mail rejected: exceeded hour limit xxxxxxxxxx\" "
		"code=550",
		"send spam mail rejected: exceeded hour limit deadbeefzz\" "
		"code=550",
	};
	char err[BS_ERRLEN], longer[1100];
	struct classifier *cached = load_text(rules, err),
			  *plain = load_text(rules, err);
	struct classify_result a, b;
	size_t i, k, n;

	(void)state;
	assert_non_null(cached);
	assert_non_null(plain);
	classify_set_cache(plain, false);
	for (k = 0; k < 2; k++)
		for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
			n = strlen(texts[i]);
			classify_text(cached, texts[i], n, NULL, &a);
			classify_text(plain, texts[i], n, NULL, &b);
			if (strcmp(a.rule, b.rule) != 0)
				fail_msg("\"%s\": cached %s, uncached %s",
				    texts[i], a.rule, b.rule);
		}
	/* as the definition says, without the cache */
	assert_string_equal(rule_of(plain, texts[0], NULL), "in-id");
	assert_string_equal(rule_of(plain, texts[1], NULL), "xs");
	assert_string_equal(rule_of(plain, texts[10], NULL), "xs");
	assert_string_equal(rule_of(plain, texts[11], NULL), "in-id");
	/* a run cut at 1024 bytes is judged on its part inside them: ten
	 * letters there and digits after them are no id, the reverse is */
	memset(longer, ' ', sizeof(longer));
	memcpy(longer, "550 blocked", 11);
	for (k = 0; k < 2; k++) {
		memcpy(
		    longer + 1014, k ? "deadbeefzz123" : "deadbeef01zzz", 13);
		for (i = 0; i < 2; i++) {
			classify_text(i ? plain : cached, longer,
			    sizeof(longer), NULL, i ? &b : &a);
		}
		assert_string_equal(a.rule, b.rule);
		assert_string_equal(a.rule, k ? "in-id" : "xs");
	}
	classify_free(cached);
	classify_free(plain);
}

/* Spans found in the masked reply point into the reply itself, with its
 * own bytes (and so do those of a later reply served from the cache). */
static void
classify_event__span_over_an_id__points_into_the_reply(void **state)
{
	char err[BS_ERRLEN];
	struct classifier *c = load_text(
	    "rule listed\nclass blacklisted\nmatch listed by (?<dnsbl>\\S+)\n",
	    err);
	struct classify_result r;
	const char *texts[] = { "554 listed by bl0ck1ist0rg.example",
		"554 listed by zz9ck1ist7rq.example" };
	size_t i;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < 2; i++) {
		assert_int_equal(
		    classify_text(c, texts[i], strlen(texts[i]), NULL, &r), 0);
		assert_string_equal(r.rule, "listed");
		assert_ptr_equal(r.dnsbl.ptr, texts[i] + 14);
		assert_int_equal(r.dnsbl.len, 20);
	}
	classify_free(c);
}

/* The listed IP of text (a blacklisted reply), "" when none. */
static const char *
listed_ip_of(struct classifier *c, const char *text)
{
	static char ip[64];
	struct classify_result r;

	assert_int_equal(classify_text(c, text, strlen(text), NULL, &r), 0);
	assert_true(r.listed_ip.len < sizeof(ip));
	memcpy(ip, r.listed_ip.len ? r.listed_ip.ptr : "", r.listed_ip.len);
	ip[r.listed_ip.len] = '\0';
	return ip;
}

/*
 * Issue 14: a reply served from the cache looks for its listed IP from
 * where the first of its template found it, unless an earlier candidate
 * failed only by its digits (an octet over 255, 127/8): then from there.
 */
static void
classify_event__cached_listed_ip__digit_values_decide(void **state)
{
	char err[BS_ERRLEN];
	struct classifier *c =
	    load_text("rule bl\nclass blacklisted\nmatch blocked\n", err);
	struct classify_stats st;

	(void)state;
	assert_non_null(c);
	assert_string_equal(
	    listed_ip_of(c, "550 blocked 300.1.2.3 via 10.0.0.1"), "10.0.0.1");
	assert_string_equal(
	    listed_ip_of(c, "550 blocked 200.1.2.3 via 10.0.0.1"), "200.1.2.3");
	assert_string_equal(
	    listed_ip_of(c, "550 blocked 127.0.0.1 via 10.0.0.2"), "10.0.0.2");
	assert_string_equal(
	    listed_ip_of(c, "550 blocked 128.0.0.1 via 10.0.0.2"), "128.0.0.1");
	assert_string_equal(
	    listed_ip_of(c, "550 blocked 198.51.100.7 via 10.0.0.3"),
	    "198.51.100.7");
	assert_string_equal(
	    listed_ip_of(c, "550 blocked 398.51.100.7 via 10.0.0.3"),
	    "10.0.0.3");
	assert_string_equal(listed_ip_of(c, "550 blocked 1.2.3 now"), "");
	assert_string_equal(listed_ip_of(c, "550 blocked 9.9.9 now"), "");
	classify_get_stats(c, &st);
	assert_int_equal(st.cache_hits, 5); /* all but the 1st, 5th, 7th */
	classify_free(c);
}

static void
classify_event__case_insensitive__literal_prefilter_agrees(void **state)
{
	struct classifier *c = classify_fixture(false);

	(void)state;
	assert_string_equal(
	    rule_of(c, "421 hl:icc 163 mx2", NULL), "netease-hl-icc");
	assert_string_equal(
	    rule_of(c, "550 USER UNKNOWN", NULL), "user-unknown");
	assert_string_equal(
	    rule_of(c, "554 BLOCKED USING ZEN.SPAMHAUS.ORG", NULL), "spamhaus");
	classify_free(c);
}

static void
classify_event__long_reply__truncated_not_crashing(void **state)
{
	struct classifier *c = classify_fixture(false);
	struct classify_result r;
	size_t n = 100000;
	char *t = malloc(n + 1);

	(void)state;
	assert_non_null(t);
	memset(t, 'x', n);
	memcpy(t, "550 5.1.1 ", 10);
	memcpy(t + n - 20, " user unknown", 13);
	t[n] = '\0';
	classify_text(c, t, n, NULL, &r);
	/* the text past the cut is not seen; the enhanced status still is */
	assert_int_equal(r.cls, BS_CLASS_USER_UNKNOWN);
	assert_string_equal(r.rule, "enh-user-unknown");
	free(t);
	classify_free(c);
}

static void
classify_event__unknown__stays_reachable(void **state)
{
	struct classifier *c = classify_fixture(false);
	struct classify_result r;

	(void)state;
	classify_text(c, "550 5.0.0 Sorry, no.", 20, NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_UNKNOWN);
	assert_string_equal(r.rule, "");
	classify_text(c, "450 the moon is in the wrong phase", 34, NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_UNKNOWN);
	classify_free(c);
}

/* The daemon reloads by building a new classifier and swapping only on
 * success: a failed build must leave the running one intact. */
static void
classify_new__failed_load__old_classifier_still_works(void **state)
{
	struct classifier *old = classify_fixture(false), *fresh;
	const struct bs_blob *b;
	char err[BS_ERRLEN];
	const char *bad = "rule broken\nclass policy\nmatch [a-\n";

	(void)state;
	assert_int_equal(
	    class_of(old, "421 HL:ICC 163 mx1"), BS_CLASS_RATE_LIMITED);
	fresh = classify_new();
	for (b = classify_defaults(); b->name != NULL; b++)
		assert_int_equal(
		    classify_add_rules(fresh, b->name, b->data, b->len, err),
		    0);
	assert_int_equal(classify_add_local_rules(
			     fresh, "local.rules", bad, strlen(bad), err),
	    -1);
	assert_non_null(strstr(err, "local.rules:3: match:"));
	classify_free(fresh);
	assert_int_equal(
	    class_of(old, "421 HL:ICC 163 mx1"), BS_CLASS_RATE_LIMITED);
	assert_int_equal(
	    class_of(old, "550 5.1.1 user unknown"), BS_CLASS_USER_UNKNOWN);
	classify_free(old);
}

/* Found by fuzzing: an empty reply with no buffer at all (qmgr expiry,
 * connection events) must not do pointer arithmetic on NULL. */
static void
classify_text__null_empty_reply__unknown_no_ub(void **state)
{
	struct classifier *c = classify_fixture(false);
	struct classify_result r;
	struct bs_event ev;

	(void)state;
	assert_int_equal(classify_text(c, NULL, 0, NULL, &r), 0);
	assert_non_null(r.rule);
	memset(&ev, 0, sizeof(ev));
	ev.status = BS_STATUS_DEFERRED;
	ev.enhanced = bs_span_make(NULL, 0);
	assert_int_equal(classify_event(c, &ev, NULL, &r), 0);
	assert_true((unsigned)r.cls < BS_CLASS_COUNT);
	classify_free(c);
}

/* ---------------------------------------------------------------- */
/* issue 12: replies never seen, by cause */

struct want {
	const char *text;
	enum bs_class cls;
};

/*
 * Classifies each text as `bouncestat classify` does; all must match.
 * c may be NULL: the built-in rules are loaded (and freed) for the call.
 */
static void
expect_classes(struct classifier *c, const struct want *w, size_t n)
{
	struct classifier *own = NULL;
	struct classify_result r;
	size_t i;

	if (c == NULL)
		c = own = classify_fixture(false);
	for (i = 0; i < n; i++) {
		classify_text(c, w[i].text, strlen(w[i].text), NULL, &r);
		if (r.cls != w[i].cls)
			fail_msg("%s (rule %s, evidence %s), want %s: %s",
			    bs_class_name(r.cls), *r.rule ? r.rule : "-",
			    *r.evidence ? r.evidence : "-",
			    bs_class_name(w[i].cls), w[i].text);
	}
	classify_free(own);
}

/* Cause 1: the reply is not at the start of the text. */
static void
classify_text__wrapped_reply__classified_by_the_reply(void **state)
{
	static const struct want w[] = {
		{ "host mx.example.com[192.0.2.7] said: 550 5.1.1 "
		  "<u@example.com>: Recipient address rejected: User unknown "
		  "(in reply to RCPT TO command)",
		    BS_CLASS_USER_UNKNOWN },
		{ "SMTP error from remote mail server after RCPT "
		  "TO:<u@example.com>: host mx.example.com [192.0.2.9]: 452 "
		  "4.2.2 The email account that you tried to reach is over "
		  "quota",
		    BS_CLASS_MAILBOX_FULL },
		{ "Remote Server returned '550 5.7.708 Service unavailable. "
		  "Access denied, traffic not accepted from this IP.'",
		    BS_CLASS_BLACKLISTED },
		{ "Expected response code 250 but got code \"552\", with "
		  "message \"552 5.3.4 Message size exceeds fixed limit\"",
		    BS_CLASS_MESSAGE_TOO_LARGE },
		{ "smtplib.SMTPRecipientsRefused: {'u@example.com': (550, "
		  "b'5.7.1 Relaying denied')}",
		    BS_CLASS_RELAY_DENIED },
		{ "javax.mail.MessagingException: 421 4.3.2 Service not "
		  "available, closing transmission channel",
		    BS_CLASS_SERVER_ERROR },
		{ "Can't send mail - all recipients were rejected: 550 5.7.1 "
		  "Service unavailable; client [192.0.2.11] blocked using "
		  "zen.spamhaus.org",
		    BS_CLASS_BLACKLISTED },
	};
	struct classifier *c = classify_fixture(false);
	struct classify_result r;
	const char *t = w[2].text;

	(void)state;
	expect_classes(c, w, sizeof(w) / sizeof(w[0]));
	/* What was extracted is in the result. */
	classify_text(c, t, strlen(t), NULL, &r);
	assert_int_equal(r.code, 550);
	assert_true(bs_span_eq(r.enhanced, "5.7.708"));
	assert_string_equal(r.wrapper, "exchange");
	assert_true(r.reply.ptr == strstr(t, "550 5.7.708"));
	assert_string_equal(r.evidence, "token");
	classify_free(c);
}

/* Cause 2: a text without a code is not a connection failure. */
static void
classify_text__no_code_no_phrase__unknown_not_network(void **state)
{
	struct classifier *c = classify_fixture(false);
	struct classify_result r;
	struct bs_event ev;
	const char *t = "Message could not be processed at this time";

	(void)state;
	classify_text(c, t, strlen(t), NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_UNKNOWN);
	assert_string_equal(r.evidence, "");
	classify_event_from_text(t, strlen(t), &ev);
	assert_false(ev.flags & BS_EVENT_CONNECT);
	/* The MTA parser's word that it was connection-level still counts. */
	ev.flags |= BS_EVENT_CONNECT;
	classify_event(c, &ev, NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_NETWORK_ERROR);
	assert_string_equal(r.rule, "fallback-connect");
	assert_string_equal(r.evidence, "fallback");
	/* A known phrase without a code still decides. */
	assert_int_equal(class_of(c,
			     "TLS handshake failed: certificate "
			     "verify failed"),
	    BS_CLASS_TLS_ERROR);
	assert_int_equal(class_of(c,
			     "Host or domain name not found. Name "
			     "service error for name=example.invalid"),
	    BS_CLASS_HOST_UNKNOWN);
	classify_free(c);
}

/* Cause 3: broad words never beat a phrase, an enhanced status or a
 * code; they decide only when nothing else does. */
static void
classify_event__broad_words__last_resort(void **state)
{
	static const struct want w[] = {
		/* phrase over the broad "rejected"/"blocked" */
		{ "421 4.7.0 Rejected: too many connections from your IP",
		    BS_CLASS_RATE_LIMITED },
		{ "550 5.7.1 Rejected: cannot find your reverse hostname",
		    BS_CLASS_REVERSE_DNS },
		{ "421 4.7.0 TLS required for RCPT domain, closing connection",
		    BS_CLASS_TLS_ERROR },
		/* enhanced status over the broad word */
		{ "451 4.3.0 Mail server temporarily rejected message",
		    BS_CLASS_SERVER_ERROR },
		{ "452 4.2.2 Message rejected", BS_CLASS_MAILBOX_FULL },
		/* "mailbox unavailable" is weak; the status decides */
		{ "550 5.7.1 Requested action not taken: mailbox unavailable",
		    BS_CLASS_POLICY },
		/* hedges and allow/block lists are no listing */
		{ "550 5.7.1 Your IP may be blacklisted, ask your provider",
		    BS_CLASS_POLICY },
		{ "550 5.7.1 Sender blocked by the recipient's Tenant "
		  "Allow/Block List",
		    BS_CLASS_POLICY },
		/* the sender's own account, not the recipient's mailbox */
		{ "550 Message sending for this account is disabled",
		    BS_CLASS_AUTH_FAILED },
		/* a Yahoo token with a permanent code is a block */
		{ "553 5.7.2 [TSS06] Messages from 192.0.2.1 permanently "
		  "deferred due to user complaints",
		    BS_CLASS_BLACKLISTED },
		/* nothing better: the broad word decides */
		{ "550 Blocked", BS_CLASS_POLICY },
		{ "550 Requested action not taken: mailbox unavailable",
		    BS_CLASS_USER_UNKNOWN },
	};
	struct classifier *c = classify_fixture(false);
	struct classify_result r;

	(void)state;
	expect_classes(c, w, sizeof(w) / sizeof(w[0]));
	classify_text(c, "550 Blocked", 11, NULL, &r);
	assert_string_equal(r.evidence, "broad");
	classify_free(c);
}

/* The documented order: token > phrase > status > code > broad. */
static void
classify_compile__evidence_ranks__order_of_evaluation(void **state)
{
	char err[BS_ERRLEN] = "";
	struct classifier *c = load_text(
	    "rule broad-first\nclass policy\nevidence broad\nmatch refused\n"
	    "rule code\nclass server_error\ncode 421\n"
	    "rule status\nclass rate_limited\nenhanced 4.7.28\n"
	    "rule phrase\nclass greylisted\nmatch greylist\n"
	    "rule token\nclass blacklisted\nevidence token\nmatch HL:IPB\n",
	    err);
	struct classify_rule_info info;
	static const char *const order[] = { "token", "phrase", "status",
		"code", "broad-first" };
	static const char *const rank[] = { "token", "phrase", "status", "code",
		"broad" };
	size_t i;

	(void)state;
	if (c == NULL)
		fail_msg("%s", err);
	for (i = 0; i < 5; i++) {
		assert_int_equal(classify_rule_get(c, i, &info), 0);
		assert_string_equal(info.name, order[i]);
		assert_string_equal(info.evidence, rank[i]);
	}
	assert_string_equal(
	    rule_of(c, "421 4.7.28 greylist HL:IPB refused", NULL), "token");
	assert_string_equal(
	    rule_of(c, "421 4.7.28 greylist refused", NULL), "phrase");
	assert_string_equal(rule_of(c, "421 4.7.28 refused", NULL), "status");
	assert_string_equal(rule_of(c, "421 refused", NULL), "code");
	assert_string_equal(rule_of(c, "550 refused", NULL), "broad-first");
	classify_free(c);
	expect_error("rule r\nclass policy\nevidence strong\nmatch x\n",
	    "evidence: unknown rank");
	expect_error("rule r\nclass policy\nevidence broad\nevidence token\n"
		     "match x\n",
	    "evidence given twice");
}

/* Cause 4: a misleading code and wording the rules did not know. */
static void
classify_event__misleading_code__wording_decides(void **state)
{
	static const struct want w[] = {
		{ "450 4.2.1 Peak SMTP relay limit exceeded for customer",
		    BS_CLASS_RATE_LIMITED },
		{ "421 4.4.2 Message submission rate for this client has "
		  "exceeded the configured limit",
		    BS_CLASS_RATE_LIMITED },
		{ "451 4.5.0 SMTP protocol violation, see RFC 2821",
		    BS_CLASS_PROTOCOL_ERROR },
		{ "452 收件人邮箱空间不足", BS_CLASS_MAILBOX_FULL },
		{ "553 5.7.1 Mensaje rechazado por política AntiSpam",
		    BS_CLASS_SPAM_CONTENT },
		{ "535 5.7.1 Application-specific password required",
		    BS_CLASS_AUTH_FAILED },
	};

	(void)state;
	expect_classes(NULL, w, sizeof(w) / sizeof(w[0]));
}

/* Cause 5: wording that had no rule at all. */
static void
classify_event__wording_without_rule__now_known(void **state)
{
	static const struct want w[] = {
		{ "550 No user found", BS_CLASS_USER_UNKNOWN },
		{ "550 Sorry, no mailbox by that name", BS_CLASS_USER_UNKNOWN },
		{ "Domain may not exist", BS_CLASS_HOST_UNKNOWN },
		{ "550 5.2.1 Boite du destinataire archivée",
		    BS_CLASS_MAILBOX_DISABLED },
		{ "Sorry, I couldn't find any host by that name. (#5.1.2)",
		    BS_CLASS_HOST_UNKNOWN },
	};

	(void)state;
	expect_classes(NULL, w, sizeof(w) / sizeof(w[0]));
}

/*
 * Phrase families generalise: wordings that no example or train reply
 * has, with words inserted or in another order, take the class.
 */
static void
classify_event__phrase_family_variants__class_of_the_family(void **state)
{
	static const struct want w[] = {
		{ "550 The mailbox you are writing to is currently inactive",
		    BS_CLASS_MAILBOX_DISABLED },
		{ "550 Recipient account has been closed",
		    BS_CLASS_MAILBOX_DISABLED },
		{ "550 No such person at this address", BS_CLASS_USER_UNKNOWN },
		{ "550 Recipient user@example.com is not known",
		    BS_CLASS_USER_UNKNOWN },
		{ "550 The recipient domain is invalid",
		    BS_CLASS_HOST_UNKNOWN },
		{ "554 No MX records for example.invalid",
		    BS_CLASS_HOST_UNKNOWN },
		{ "554 Client host name 203.0.113.9 cannot be resolved",
		    BS_CLASS_REVERSE_DNS },
		{ "550 Your IP address 203.0.113.9 has been temporarily "
		  "blocked",
		    BS_CLASS_BLACKLISTED },
		{ "550 Message rejected by the recipient's organization",
		    BS_CLASS_POLICY },
		{ "550 Delivery not permitted by site rules", BS_CLASS_POLICY },
	};

	(void)state;
	expect_classes(NULL, w, sizeof(w) / sizeof(w[0]));
}

/*
 * Postfix says "Recipient address rejected: Access denied" for its access
 * tables (a policy); Microsoft's directory based edge blocking says it
 * with 5.4.1 (the recipient does not exist).
 */
static void
classify_event__access_denied_recipient__policy_unless_541(void **state)
{
	static const struct want w[] = {
		{ "554 5.7.1 <user@example.com>: Recipient address rejected: "
		  "Access denied",
		    BS_CLASS_POLICY },
		{ "550 5.4.1 Recipient address rejected: Access denied. "
		  "AS(201806281) [PR2FRA01FT009.eop-fra01.prod.protection."
		  "outlook.com]",
		    BS_CLASS_USER_UNKNOWN },
		{ "550 5.7.1 <sender@example.com>: Sender address rejected: "
		  "Access denied",
		    BS_CLASS_POLICY },
	};

	(void)state;
	expect_classes(NULL, w, sizeof(w) / sizeof(w[0]));
}

/* The languages replies are refused in (45-languages.rules). */
static void
classify_event__other_languages__main_classes(void **state)
{
	static const struct want w[] = {
		{ "550 收件人邮件地址不存在", BS_CLASS_USER_UNKNOWN },
		{ "554 邮件被反垃圾系统认定为垃圾邮件", BS_CLASS_SPAM_CONTENT },
		{ "550 5.1.1 Adresse d au moins un destinataire invalide",
		    BS_CLASS_USER_UNKNOWN },
		{ "552 5.1.1 Boite du destinataire pleine",
		    BS_CLASS_MAILBOX_FULL },
		{ "550 5.1.1 Die E-Mail-Adresse des Empfängers existiert nicht",
		    BS_CLASS_USER_UNKNOWN },
		{ "552 Das Postfach des Empfängers ist voll",
		    BS_CLASS_MAILBOX_FULL },
		{ "550 Usuario desconocido", BS_CLASS_USER_UNKNOWN },
		{ "552 El buzón está lleno", BS_CLASS_MAILBOX_FULL },
		{ "550 Endereço de e-mail não existe", BS_CLASS_USER_UNKNOWN },
		{ "452 A caixa de entrada do destinatário está sem espaço de "
		  "armazenamento",
		    BS_CLASS_MAILBOX_FULL },
		{ "550 Пользователь не найден", BS_CLASS_USER_UNKNOWN },
		{ "552 Почтовый ящик переполнен", BS_CLASS_MAILBOX_FULL },
		{ "550 送信先のメールアドレスがありません",
		    BS_CLASS_USER_UNKNOWN },
		{ "452 受信トレイがいっぱいです", BS_CLASS_MAILBOX_FULL },
		{ "550 Docelowe konto nie istnieje", BS_CLASS_USER_UNKNOWN },
		{ "552 Skrzynka odbiorcy jest pełna", BS_CLASS_MAILBOX_FULL },
		{ "550 Przekroczono limit wysyłania", BS_CLASS_RATE_LIMITED },
	};

	(void)state;
	expect_classes(NULL, w, sizeof(w) / sizeof(w[0]));
}

/*
 * Phrase families of the third collection's train replies, in wordings no
 * example has: a DNSBL query error is the receiver's fault, counts and
 * quotas of recipients are rate limits, DNS resolve errors mean an
 * unknown domain, a threat list or spam statistics block the IP, relaying
 * with the recipient in the middle of the phrase is still a relay refusal,
 * and the Chinese and French wordings of unknown users and full mailboxes.
 */
static void
classify_event__third_collection_families__class_of_the_family(void **state)
{
	static const struct want w[] = {
		{ "554 5.7.1 Service unavailable; Client host [203.0.113.9] "
		  "blocked using sbl.spamhaus.org; Error: open resolver",
		    BS_CLASS_SERVER_ERROR },
		{ "452 The number of recipients exceeds the limit",
		    BS_CLASS_RATE_LIMITED },
		{ "550 Daily sending quota reached", BS_CLASS_RATE_LIMITED },
		{ "451 4.4.0 DNS resolve failure for example.org",
		    BS_CLASS_HOST_UNKNOWN },
		{ "421 Connect to unreachable host mx.example.org",
		    BS_CLASS_NETWORK_ERROR },
		{ "554 IP 203.0.113.9 was blocked by Example Reputation List",
		    BS_CLASS_BLACKLISTED },
		{ "550 relaying for <user@example.org> is denied",
		    BS_CLASS_RELAY_DENIED },
		{ "450 4.1.8 Unable to verify sender address",
		    BS_CLASS_SENDER_AUTH },
		{ "550 Invalid RCPT TO address", BS_CLASS_USER_UNKNOWN },
		{ "550 邮箱未开通", BS_CLASS_USER_UNKNOWN },
		{ "452 收信人空间不足", BS_CLASS_MAILBOX_FULL },
		{ "550 Cette adresse n'accepte plus de messages",
		    BS_CLASS_USER_UNKNOWN },
	};

	(void)state;
	expect_classes(NULL, w, sizeof(w) / sizeof(w[0]));
}

/* Issue 12, fourth collection: each family the rules learnt from its train
 * part classifies wordings that no rule example and no train row has. */
static void
classify_event__fourth_collection_families__class_of_the_family(void **state)
{
	static const struct want w[] = {
		{ "550 <x@example.org>... Retransmissão proibida",
		    BS_CLASS_RELAY_DENIED },
		{ "553 Unauthenticated relaying prohibited",
		    BS_CLASS_RELAY_DENIED },
		{ "551 É necessária autenticação para enviar",
		    BS_CLASS_AUTH_FAILED },
		{ "553 5.7.1 <a@example.org>: Sender address rejected: not "
		  "owned by auth user b@example.org",
		    BS_CLASS_AUTH_FAILED },
		{ "550 No access for your host", BS_CLASS_BLACKLISTED },
		{ "550 DY-002 messages from 203.0.113.9 weren't sent",
		    BS_CLASS_BLACKLISTED },
		{ "550 Your mail is not welcome here", BS_CLASS_POLICY },
		{ "554 Message matched a filter rule", BS_CLASS_POLICY },
		{ "501 EHLO must be a fully-qualified domain name",
		    BS_CLASS_PROTOCOL_ERROR },
		{ "451 Mailbox is busy, try later", BS_CLASS_SERVER_ERROR },
		{ "Recipient name is unknown", BS_CLASS_USER_UNKNOWN },
		{ "Mailbox was full", BS_CLASS_MAILBOX_FULL },
		{ "Could not send the message for the last 5 days",
		    BS_CLASS_EXPIRED },
		{ "421 No greeting banner from 203.0.113.9",
		    BS_CLASS_NETWORK_ERROR },
	};

	(void)state;
	expect_classes(NULL, w, sizeof(w) / sizeof(w[0]));
}

/* Issue 12, fifth collection: each family the rules learnt from its train
 * part classifies wordings that no rule example and no train row has. */
static void
classify_event__fifth_collection_families__class_of_the_family(void **state)
{
	static const struct want w[] = {
		{ "421HL:ICC 163 mx9", BS_CLASS_RATE_LIMITED },
		{ "554HL:IHU 126 mx3", BS_CLASS_BLACKLISTED },
		{ "451 系统检测到您的IP发出了数量异常庞大的邮件",
		    BS_CLASS_RATE_LIMITED },
		{ "421 お使いのIPから大量の迷惑メールが送信されています",
		    BS_CLASS_RATE_LIMITED },
		{ "450 Você está recebendo mensagens a uma taxa que impede "
		  "novas entregas",
		    BS_CLASS_RATE_LIMITED },
		{ "530 此网域需要使用TLS", BS_CLASS_TLS_ERROR },
		{ "530 このドメインへの送信には TLS が必要です",
		    BS_CLASS_TLS_ERROR },
		{ "550 您的IP未列入本网域的白名单", BS_CLASS_POLICY },
		{ "550 寄件者不在許可清單中", BS_CLASS_POLICY },
		{ "421 送信元はホワイトリストにありません", BS_CLASS_POLICY },
		{ "421 连接超时", BS_CLASS_NETWORK_ERROR },
		{ "451 処理がタイムアウトしました", BS_CLASS_NETWORK_ERROR },
		{ "451 不支持多个目标网域", BS_CLASS_PROTOCOL_ERROR },
		{ "550 5.5.0 Service refuse. LPN007_401",
		    BS_CLASS_SPAM_CONTENT },
	};

	(void)state;
	expect_classes(NULL, w, sizeof(w) / sizeof(w[0]));
}

/* Issue 12, sixth collection: each family the rules learnt from its train
 * part classifies wordings that no rule example and no train row has. */
static void
classify_event__sixth_collection_families__class_of_the_family(void **state)
{
	static const struct want w[] = {
		{ "554 Service unavailable; Client host blocked using",
		    BS_CLASS_BLACKLISTED },
		{ "452 4.2.2 mailbox has exhausted its storage",
		    BS_CLASS_MAILBOX_FULL },
		{ "550 5.7.1 Rejected: phishing content",
		    BS_CLASS_SPAM_CONTENT },
		{ "550 5.7.26 This message fails to pass authentication checks",
		    BS_CLASS_SENDER_AUTH },
		{ "550 <a@example.nl>... Doorsturen geweigerd, sorry",
		    BS_CLASS_RELAY_DENIED },
		{ "550 5.2.1 Suspended mailbox", BS_CLASS_MAILBOX_DISABLED },
		{ "550 Rejected by recipient's block list", BS_CLASS_POLICY },
		{ "554 5.7.1 relay operation denied", BS_CLASS_RELAY_DENIED },
		{ "421 Your IP (203.0.113.5) is filtered and this connection "
		  "will be closed",
		    BS_CLASS_BLACKLISTED },
		{ "451 DNS resolving error for example.net",
		    BS_CLASS_HOST_UNKNOWN },
		{ "421 mx1 server not ready", BS_CLASS_SERVER_ERROR },
		{ "550 [SPF] 203.0.113.5 not permitted", BS_CLASS_SENDER_AUTH },
		{ "452 4.3.2 thread limit exceeded, try later",
		    BS_CLASS_RATE_LIMITED },
		{ "Could not authenticate to the relay", BS_CLASS_AUTH_FAILED },
		{ "Die Nachricht an info@example.de konnte nicht zugestellt "
		  "werden: info wurde nicht in example.de gefunden.",
		    BS_CLASS_USER_UNKNOWN },
	};

	(void)state;
	expect_classes(NULL, w, sizeof(w) / sizeof(w[0]));
}

/* Issue 12, seventh collection: wordings of the families the rules learnt
 * from its train rows (hour/minute quotas, "only N messages a day", a
 * server that "reached its limit for", send-as permission, rejected or
 * too simple passwords, "invalid login or password", STARTTLS not
 * offered, "TLS error", Go's "i/o timeout"), in words that no rule
 * example and no train row has. */
static void
classify_event__seventh_collection_families__class_of_the_family(void **state)
{
	static const struct want w[] = {
		{ "550 5.7.1 Sender exceeded hour quota",
		    BS_CLASS_RATE_LIMITED },
		{ "554 Data command rejected: only 200 mails a day allowed",
		    BS_CLASS_RATE_LIMITED },
		{ "421 mx.example.org has reached the limit for accepting "
		  "connections from you",
		    BS_CLASS_RATE_LIMITED },
		{ "550 5.7.1 User is not authorized to send as this address",
		    BS_CLASS_AUTH_FAILED },
		{ "535 5.7.8 Bad user name and password",
		    BS_CLASS_AUTH_FAILED },
		{ "535 5.7.0 password too weak, authentication refused",
		    BS_CLASS_AUTH_FAILED },
		{ "421 4.7.0 STARTTLS is not supported by this server",
		    BS_CLASS_TLS_ERROR },
		{ "Remote host mx.example.net does not offer STARTTLS",
		    BS_CLASS_TLS_ERROR },
		{ "smtp: TLS error while talking to mx.example.net",
		    BS_CLASS_TLS_ERROR },
		{ "read tcp 192.0.2.1:51234->203.0.113.9:25: i/o timeout",
		    BS_CLASS_NETWORK_ERROR },
	};

	(void)state;
	expect_classes(NULL, w, sizeof(w) / sizeof(w[0]));
}

/*
 * Eighth collection (issue 12): wordings of the families its train rows
 * taught, none of them an example or a train row: Japanese and Chinese
 * (simplified, traditional) bounce wordings, Cox and AOL block codes, a
 * bare IP "has been blocked", TLS, sender/login mismatch, a DNS look-up
 * failure, multiple From headers, a policy reason, a sender domain, and
 * a code at the very end of a text (the engine reads the whole text).
 */
static void
classify_event__eighth_collection_families__class_of_the_family(void **state)
{
	static const struct want w[] = {
		{ "552 您的郵件過大，請壓縮附件後重試",
		    BS_CLASS_MESSAGE_TOO_LARGE },
		{ "452 4.2.2 宛先のメールボックスが一杯です",
		    BS_CLASS_MAILBOX_FULL },
		{ "451 システムエラーが発生しました。しばらくしてから再送してください",
		    BS_CLASS_SERVER_ERROR },
		{ "554 郵件系統錯誤，請稍後再試", BS_CLASS_SERVER_ERROR },
		{ "421 too busy for you now. AUP#CXCNCT",
		    BS_CLASS_RATE_LIMITED },
		{ "421 (DYN:T2) http://postmaster.info.aol.com/errors/"
		  "421dynt2.html",
		    BS_CLASS_BLACKLISTED },
		{ "550 203.0.113.5 has been blocked", BS_CLASS_BLACKLISTED },
		{ "550 5.7.1 TLS encryption required for this domain",
		    BS_CLASS_TLS_ERROR },
		{ "553 5.7.1 Sender address is not the same as the "
		  "authenticated user",
		    BS_CLASS_AUTH_FAILED },
		{ "550 5.7.1 Unauthorised use of the sender address "
		  "<a@example.com>",
		    BS_CLASS_AUTH_FAILED },
		{ "421 4.4.0 Failure in DNS lookup of your host, try again",
		    BS_CLASS_REVERSE_DNS },
		{ "550 Message header contains multiple From headers",
		    BS_CLASS_PROTOCOL_ERROR },
		{ "550 5.7.1 Rejected for policy reason R17", BS_CLASS_POLICY },
		{ "550 Our server requires a valid sender domain",
		    BS_CLASS_SENDER_AUTH },
		{ "Mail deferred: too many mails, exceeded daily limit\" "
		  "code=451",
		    BS_CLASS_RATE_LIMITED },
	};

	(void)state;
	expect_classes(NULL, w, sizeof(w) / sizeof(w[0]));
}

/*
 * Ninth collection (issue 12): the families its train rules cover, in
 * wordings that no example and no train row has: a mailbox holding too
 * many messages (not a sending limit), concurrent deliveries, a client
 * not from a trusted network, a forward-path domain refused, an invalid
 * HELO name or one that is a bare IP, and a banned file type (not a
 * block list).
 */
static void
classify_event__ninth_collection_families__class_of_the_family(void **state)
{
	static const struct want w[] = {
		{ "452 4.2.2 user@example.org: too many messages in this "
		  "mailbox, try later",
		    BS_CLASS_MAILBOX_FULL },
		{ "451 4.7.0 Too many simultaneous deliveries to this "
		  "recipient",
		    BS_CLASS_RATE_LIMITED },
		{ "554 5.7.1 Client is not from a trusted network",
		    BS_CLASS_RELAY_DENIED },
		{ "553 the forward-path domain example.org is not allowed here",
		    BS_CLASS_RELAY_DENIED },
		{ "501 5.5.2 Invalid HELO name, see RFC 5321 section 4.1.1.1",
		    BS_CLASS_PROTOCOL_ERROR },
		{ "550 Rejected: HELO name contains an IP address literal "
		  "without brackets",
		    BS_CLASS_PROTOCOL_ERROR },
		{ "554 5.7.1 Forbidden file type (.scr) in attachment",
		    BS_CLASS_POLICY },
	};

	(void)state;
	expect_classes(NULL, w, sizeof(w) / sizeof(w[0]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    classify_text__null_empty_reply__unknown_no_ub),
		cmocka_unit_test(
		    classify_defaults__load__many_rules_all_with_patterns_jitted),
		cmocka_unit_test(
		    classify_check_samples__defaults__every_example_by_its_rule),
		cmocka_unit_test(
		    classify_check_samples__shadowed_example__reported),
		cmocka_unit_test(
		    classify_check_samples__matching_counter__reported),
		cmocka_unit_test(
		    classify_check_samples__no_counter_when_required__reported),
		cmocka_unit_test(
		    classify_add_rules__unknown_class__file_line_error),
		cmocka_unit_test(
		    classify_add_rules__unknown_keyword__file_line_error),
		cmocka_unit_test(
		    classify_add_rules__keyword_outside_rule__file_line_error),
		cmocka_unit_test(
		    classify_add_rules__bad_pattern__offset_in_error),
		cmocka_unit_test(classify_add_rules__bad_code__file_line_error),
		cmocka_unit_test(
		    classify_add_rules__bad_enhanced__file_line_error),
		cmocka_unit_test(
		    classify_add_rules__no_class__error_at_rule_line),
		cmocka_unit_test(classify_add_rules__no_condition__error),
		cmocka_unit_test(classify_add_rules__empty_match__error),
		cmocka_unit_test(classify_add_rules__duplicate_in_file__error),
		cmocka_unit_test(classify_add_rules__twice_given__error),
		cmocka_unit_test(classify_add_rules__bad_name__error),
		cmocka_unit_test(classify_add_rules__unknown_anchor__error),
		cmocka_unit_test(classify_add_rules__class_none__refused),
		cmocka_unit_test(
		    classify_add_rules__status_and_event_names__checked),
		cmocka_unit_test(classify_add_rules__long_line__error),
		cmocka_unit_test(
		    classify_add_rules__default_file_error__names_file),
		cmocka_unit_test(classify_event__first_match__wins),
		cmocka_unit_test(
		    classify_event__replies_differing_in_ids__one_entry_ids_unseen),
		cmocka_unit_test(
		    classify_event__span_over_an_id__points_into_the_reply),
		cmocka_unit_test(
		    classify_event__cached_listed_ip__digit_values_decide),
		cmocka_unit_test(
		    classify_event__cached_uncached__same_at_id_edges),
		cmocka_unit_test(
		    classify_check_samples__counter_with_id__read_masked),
		cmocka_unit_test(
		    classify_add_local_rules__new_rule__evaluated_before_defaults),
		cmocka_unit_test(
		    classify_add_local_rules__same_name__replaces_in_place),
		cmocka_unit_test(
		    classify_add_local_rules__after__placed_after_anchor),
		cmocka_unit_test(
		    classify_add_local_rules__disable__rule_skipped),
		cmocka_unit_test(
		    classify_add_local_rules__disable_unknown__not_an_error),
		cmocka_unit_test(classify_add_rules__after_compile__refused),
		cmocka_unit_test(classify_event__code_classes__match),
		cmocka_unit_test(classify_event__enhanced_range__match),
		cmocka_unit_test(
		    classify_event__provider_scope__only_that_provider),
		cmocka_unit_test(classify_event__status_and_event__conditions),
		cmocka_unit_test(
		    classify_event__sent_and_expired__fixed_classes),
		cmocka_unit_test(
		    classify_event__permanent__by_code_then_enhanced_then_status),
		cmocka_unit_test(classify_event__netease_token__wins_over_dsn),
		cmocka_unit_test(classify_event__dnsbl_and_ip__extracted),
		cmocka_unit_test(classify_event__ip_for_rate_limit__extracted),
		cmocka_unit_test(
		    classify_event__pathological_pattern__unknown_and_counted),
		cmocka_unit_test(
		    classify_event__digits_vary__served_from_cache),
		cmocka_unit_test(
		    classify_event__digit_sensitive_rule__not_cached_wrongly),
		cmocka_unit_test(
		    classify_event__digit_sensitive_same_reply__served_from_cache),
		cmocka_unit_test(
		    classify_event__case_insensitive__literal_prefilter_agrees),
		cmocka_unit_test(
		    classify_event__long_reply__truncated_not_crashing),
		cmocka_unit_test(classify_event__unknown__stays_reachable),
		cmocka_unit_test(
		    classify_new__failed_load__old_classifier_still_works),
		cmocka_unit_test(
		    classify_text__wrapped_reply__classified_by_the_reply),
		cmocka_unit_test(
		    classify_text__no_code_no_phrase__unknown_not_network),
		cmocka_unit_test(classify_event__broad_words__last_resort),
		cmocka_unit_test(
		    classify_compile__evidence_ranks__order_of_evaluation),
		cmocka_unit_test(
		    classify_event__misleading_code__wording_decides),
		cmocka_unit_test(
		    classify_event__wording_without_rule__now_known),
		cmocka_unit_test(
		    classify_event__phrase_family_variants__class_of_the_family),
		cmocka_unit_test(
		    classify_event__access_denied_recipient__policy_unless_541),
		cmocka_unit_test(classify_event__other_languages__main_classes),
		cmocka_unit_test(
		    classify_event__third_collection_families__class_of_the_family),
		cmocka_unit_test(
		    classify_event__fourth_collection_families__class_of_the_family),
		cmocka_unit_test(
		    classify_event__fifth_collection_families__class_of_the_family),
		cmocka_unit_test(
		    classify_event__sixth_collection_families__class_of_the_family),
		cmocka_unit_test(
		    classify_event__seventh_collection_families__class_of_the_family),
		cmocka_unit_test(
		    classify_event__eighth_collection_families__class_of_the_family),
		cmocka_unit_test(
		    classify_event__ninth_collection_families__class_of_the_family),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
