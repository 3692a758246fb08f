/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of parsers/reply.c: RFC 5321 reply codes, RFC 3463 enhanced
 * status codes in their usual and qmail ("#5.1.1") spellings, the
 * "smtp;" prefix, and texts that have neither. The reply texts follow
 * real ones (corpora/provider_replies.tsv, logwatch). Each text is copied
 * into a buffer of exactly its length so that ASan catches over-reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reply.h"

struct parsed {
	char *buf;
	struct reply_info ri;
};

static struct parsed
parse_n(const char *text, size_t len)
{
	struct parsed r;

	r.buf = malloc(len > 0 ? len : 1);
	assert_non_null(r.buf);
	memcpy(r.buf, text, len);
	reply_parse(bs_span_make(r.buf, len), &r.ri);
	return r;
}

static struct parsed
parse(const char *text)
{
	return parse_n(text, strlen(text));
}

static void
assert_span(struct bs_span sp, const char *want)
{
	char got[512];

	assert_true(sp.len < sizeof(got));
	memcpy(got, sp.len ? sp.ptr : "", sp.len);
	got[sp.len] = '\0';
	assert_string_equal(got, want);
}

/* Parses text and checks code, enhanced status and rest. */
static void
check(const char *text, int code, const char *enhanced, const char *rest)
{
	struct parsed r = parse(text);

	if (r.ri.code != code)
		fail_msg("\"%s\": code %d, want %d", text, r.ri.code, code);
	assert_span(r.ri.enhanced, enhanced);
	assert_span(r.ri.text, rest);
	free(r.buf);
}

static bool
is_enhanced(const char *s)
{
	char *buf = malloc(strlen(s) + 1);
	bool res;

	assert_non_null(buf);
	memcpy(buf, s, strlen(s));
	res = reply_is_enhanced(bs_span_make(buf, strlen(s)));
	free(buf);
	return res;
}

static void
reply_parse__code_and_enhanced__split(void **state)
{
	(void)state;
	check("550 5.7.1 Service unavailable", 550, "5.7.1",
	    "Service unavailable");
	check("450 4.7.1 <a@b.example>: Recipient address rejected: "
	      "Greylisted",
	    450, "4.7.1",
	    "<a@b.example>: Recipient address rejected: Greylisted");
	check("550 5.7.606 Access denied, banned sending IP [192.0.2.1].", 550,
	    "5.7.606", "Access denied, banned sending IP [192.0.2.1].");
	check("250 2.0.0 Ok: queued as 71111424269E", 250, "2.0.0",
	    "Ok: queued as 71111424269E");
}

static void
reply_parse__multiline_hyphen__first_code(void **state)
{
	(void)state;
	check("421-4.7.28 [192.0.2.1      15] Our system has detected an "
	      "unusual rate of 421-4.7.28 unsolicited mail",
	    421, "4.7.28",
	    "[192.0.2.1      15] Our system has detected an unusual rate of "
	    "421-4.7.28 unsolicited mail");
	check("550-\"The recipient cannot be verified.\"", 550, "",
	    "\"The recipient cannot be verified.\"");
}

static void
reply_parse__smtp_prefix__tolerated(void **state)
{
	(void)state;
	check("smtp;550 5.1.1 <u@example.com>: no such user", 550, "5.1.1",
	    "<u@example.com>: no such user");
	check("SMTP; 554 5.7.1 rejected", 554, "5.7.1", "rejected");
}

static void
reply_parse__provider_code_without_enhanced__empty_enhanced(void **state)
{
	(void)state;
	check("451 DT:SPM 163 mx14,QMCowAD3 1514512449, please try again", 451,
	    "", "DT:SPM 163 mx14,QMCowAD3 1514512449, please try again");
	check("421 HL:ICC 163 smtp9, try again later", 421, "",
	    "HL:ICC 163 smtp9, try again later");
	check("421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily "
	      "deferred",
	    421, "4.7.0",
	    "[TSS04] Messages from 192.0.2.1 temporarily deferred");
}

static void
reply_parse__code_at_end__code_only(void **state)
{
	(void)state;
	check("550", 550, "", "");
	check("  452 ", 452, "", "");
}

static void
reply_parse__not_a_code__zero(void **state)
{
	(void)state;
	check("5500 too long", 0, "", "5500 too long");
	check("550x", 0, "", "550x");
	check("354 go ahead", 0, "", "354 go ahead");
	check("650 no", 0, "", "650 no");
	check("55 short", 0, "", "55 short");
	check("connect to mx.example.com[192.0.2.1]:25: Connection refused", 0,
	    "", "connect to mx.example.com[192.0.2.1]:25: Connection refused");
	check("", 0, "", "");
}

static void
reply_parse__qmail_hash_status__enhanced(void **state)
{
	(void)state;
	check("511 sorry, no mailbox here by that name (#5.1.1 - chkuser)", 511,
	    "5.1.1", "sorry, no mailbox here by that name (#5.1.1 - chkuser)");
	check("553 sorry, that domain isn't in my list of allowed rcpthosts "
	      "(#5.7.1)",
	    553, "5.7.1",
	    "sorry, that domain isn't in my list of allowed rcpthosts "
	    "(#5.7.1)");
	check("550 #5.1.0 Address rejected", 550, "5.1.0", "Address rejected");
	/* "(#" not followed by a status proves nothing. */
	check("550 see (#faq) (#9.9.9)", 550, "", "see (#faq) (#9.9.9)");
}

static void
reply_parse__enhanced_without_code__enhanced(void **state)
{
	(void)state;
	check("5.1.1 user unknown", 0, "5.1.1", "user unknown");
}

static void
reply_parse__malformed_enhanced__ignored(void **state)
{
	(void)state;
	check("550 5.1234.1 x", 550, "", "5.1234.1 x");
	check("550 6.1.1 x", 550, "", "6.1.1 x");
	check("550 5.1.1.1 x", 550, "", "5.1.1.1 x");
	check("550 5.1. x", 550, "", "5.1. x");
	check("550 5.1.1x x", 550, "", "5.1.1x x");
	check("550 5.1.1: x", 550, "5.1.1", ": x");
}

static void
reply_parse__len_cuts_text__reads_only_len(void **state)
{
	struct parsed r;

	(void)state;
	/* "550 5.7" of "550 5.7.1": no enhanced status within len. */
	r = parse_n("550 5.7.1 blocked", 7);
	assert_int_equal(r.ri.code, 550);
	assert_int_equal(r.ri.enhanced.len, 0);
	assert_span(r.ri.text, "5.7");
	free(r.buf);
	r = parse_n("550 5.7.1 blocked", 2);
	assert_int_equal(r.ri.code, 0);
	free(r.buf);
}

static void
reply_parse__null_text__empty(void **state)
{
	struct reply_info ri;

	(void)state;
	reply_parse(bs_span_make(NULL, 0), &ri);
	assert_int_equal(ri.code, 0);
	assert_int_equal(ri.enhanced.len, 0);
	assert_int_equal(ri.text.len, 0);
}

static void
reply_is_enhanced__forms__rfc3463_only(void **state)
{
	(void)state;
	assert_true(is_enhanced("4.7.0"));
	assert_true(is_enhanced("5.7.606"));
	assert_true(is_enhanced("2.0.0"));
	assert_true(is_enhanced("5.100.999"));
	assert_false(is_enhanced("4.7.0 "));
	assert_false(is_enhanced("4.7"));
	assert_false(is_enhanced("3.1.1"));
	assert_false(is_enhanced("5.1000.1"));
	assert_false(is_enhanced("5..1"));
	assert_false(is_enhanced("x"));
	assert_false(is_enhanced(""));
	assert_false(reply_is_enhanced(bs_span_make(NULL, 0)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reply_parse__code_and_enhanced__split),
		cmocka_unit_test(reply_parse__multiline_hyphen__first_code),
		cmocka_unit_test(reply_parse__smtp_prefix__tolerated),
		cmocka_unit_test(
		    reply_parse__provider_code_without_enhanced__empty_enhanced),
		cmocka_unit_test(reply_parse__code_at_end__code_only),
		cmocka_unit_test(reply_parse__not_a_code__zero),
		cmocka_unit_test(reply_parse__qmail_hash_status__enhanced),
		cmocka_unit_test(reply_parse__enhanced_without_code__enhanced),
		cmocka_unit_test(reply_parse__malformed_enhanced__ignored),
		cmocka_unit_test(reply_parse__len_cuts_text__reads_only_len),
		cmocka_unit_test(reply_parse__null_text__empty),
		cmocka_unit_test(reply_is_enhanced__forms__rfc3463_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
