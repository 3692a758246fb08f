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

typedef void reply_fn(struct bs_span, struct reply_info *);

/* fn (reply_parse or reply_find) on an exact-length copy of text. */
static struct parsed
run_n(reply_fn *fn, const char *text, size_t len)
{
	struct parsed r;

	r.buf = malloc(len > 0 ? len : 1);
	assert_non_null(r.buf);
	memcpy(r.buf, text, len);
	fn(bs_span_make(r.buf, len), &r.ri);
	return r;
}

static struct parsed
parse_n(const char *text, size_t len)
{
	return run_n(reply_parse, text, len);
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
	reply_fn *fns[] = { reply_parse, reply_find };
	struct reply_info ri;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		fns[i](bs_span_make(NULL, 0), &ri);
		assert_int_equal(ri.code, 0);
		assert_int_equal(ri.enhanced.len, 0);
		assert_int_equal(ri.text.len, 0);
		assert_int_equal(ri.reply.len, 0);
	}
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

/* ---------------------------------------------------------------- */
/* reply_find(): the reply inside a wrapper (issue 12, cause 1) */

/* reply_find() on an exact-length copy of text; checks what it found. */
static void
find_check(const char *text, int code, const char *enhanced, const char *reply,
    enum reply_wrapper wrapper)
{
	struct parsed r = run_n(reply_find, text, strlen(text));

	assert_int_equal(r.ri.code, code);
	assert_span(r.ri.enhanced, enhanced);
	assert_span(r.ri.reply, reply);
	if (r.ri.wrapper != wrapper)
		fail_msg("wrapper %s, want %s: %s",
		    reply_wrapper_name(r.ri.wrapper),
		    reply_wrapper_name(wrapper), text);
	free(r.buf);
}

static void
reply_find__bare_reply__as_reply_parse(void **state)
{
	(void)state;
	find_check("550 5.1.1 <u@example.com>: User unknown", 550, "5.1.1",
	    "550 5.1.1 <u@example.com>: User unknown", REPLY_WRAP_NONE);
	find_check("smtp;421 4.7.0 [TSS04] deferred", 421, "4.7.0",
	    "smtp;421 4.7.0 [TSS04] deferred", REPLY_WRAP_NONE);
}

static void
reply_find__postfix_said__reply_after_host(void **state)
{
	(void)state;
	find_check(
	    "host mx.example.com[192.0.2.7] said: 550 5.1.1 "
	    "<u@example.com>: User unknown (in reply to RCPT TO command)",
	    550, "5.1.1",
	    "550 5.1.1 <u@example.com>: User unknown (in reply to RCPT TO "
	    "command)",
	    REPLY_WRAP_POSTFIX);
	find_check("host mx03.t-online.de[192.0.2.73] refused to talk to "
		   "me: 554 IP=192.0.2.1 - A problem occurred. (BL)",
	    554, "", "554 IP=192.0.2.1 - A problem occurred. (BL)",
	    REPLY_WRAP_POSTFIX);
}

static void
reply_find__exim_smtp_error__reply_after_ip(void **state)
{
	(void)state;
	find_check("SMTP error from remote mail server after RCPT "
		   "TO:<u@example.com>: host mx.example.com [192.0.2.9]: 550 "
		   "5.7.1 Rejected",
	    550, "5.7.1", "550 5.7.1 Rejected", REPLY_WRAP_EXIM);
	find_check("SMTP error from remote mail server after MAIL "
		   "FROM:<u@example.com> SIZE=4096: 553 5.7.1 [BL21] "
		   "Connections will not be accepted",
	    553, "5.7.1", "553 5.7.1 [BL21] Connections will not be accepted",
	    REPLY_WRAP_EXIM);
}

static void
reply_find__exchange_remote_server_returned__quoted_reply(void **state)
{
	(void)state;
	find_check("Remote Server returned '550 5.7.708 Service unavailable. "
		   "Access denied, traffic not accepted from this IP.'",
	    550, "5.7.708",
	    "550 5.7.708 Service unavailable. Access denied, traffic not "
	    "accepted from this IP.",
	    REPLY_WRAP_EXCHANGE);
	/* The closing quote is the wrapper's; an apostrophe inside a word
	 * does not stop that. */
	find_check("Remote Server returned '550 5.2.1 The recipient's mailbox "
		   "is disabled'",
	    550, "5.2.1", "550 5.2.1 The recipient's mailbox is disabled",
	    REPLY_WRAP_EXCHANGE);
	find_check("#550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found ##", 550,
	    "5.1.1", "550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found ##",
	    REPLY_WRAP_EXCHANGE);
}

static void
reply_find__client_libraries__receiver_code_not_expected_code(void **state)
{
	(void)state;
	/* Swift Mailer: "250" is what the client wanted, not the reply. */
	find_check("Expected response code 250 but got code \"552\", with "
		   "message \"552 5.2.2 Mailbox full\"",
	    552, "5.2.2", "552 5.2.2 Mailbox full", REPLY_WRAP_CLIENT);
	/* Python smtplib */
	find_check("(550, b'5.1.1 The email account that you tried to reach "
		   "does not exist')",
	    550, "5.1.1",
	    "550, b'5.1.1 The email account that you tried to reach does not "
	    "exist",
	    REPLY_WRAP_CLIENT);
	/* ... also inside the dict smtplib raises, with a full stop after */
	find_check("{'u@example.org': (550, b'5.7.1 relay not permitted')}.",
	    550, "5.7.1", "550, b'5.7.1 relay not permitted",
	    REPLY_WRAP_CLIENT);
	/* Another such quote inside: the last one is not the closing one. */
	find_check("errors: [\"550 5.1.1 no such user\", \"\"]", 550, "5.1.1",
	    "550 5.1.1 no such user\", \"\"]", REPLY_WRAP_OTHER);
	/* Java Mail */
	find_check("MessagingException: 421 4.3.2 too many connections", 421,
	    "4.3.2", "421 4.3.2 too many connections", REPLY_WRAP_CLIENT);
	/* Roundcube: the status in parentheses further on */
	find_check("SMTP Error (550): Failed to add recipient (5.7.1 "
		   "<u@example.com>: Relay access denied)",
	    550, "5.7.1",
	    "550): Failed to add recipient (5.7.1 <u@example.com>: Relay "
	    "access denied)",
	    REPLY_WRAP_CLIENT);
}

static void
reply_find__numbers_that_are_no_code__ignored(void **state)
{
	(void)state;
	/* IP octets, ports, sizes, dates and 2xx expectations */
	find_check("connect to mx.example.com[192.0.2.45]:465: Connection "
		   "timed out",
	    0, "",
	    "connect to mx.example.com[192.0.2.45]:465: Connection timed out",
	    REPLY_WRAP_NONE);
	find_check("delivered after 4500 seconds on 2026-05-23", 0, "",
	    "delivered after 4500 seconds on 2026-05-23", REPLY_WRAP_NONE);
	find_check("Expected response code 250 but got an empty response", 0,
	    "", "Expected response code 250 but got an empty response",
	    REPLY_WRAP_NONE);
	/* A code with the wrong second digit (RFC 5321 4.2.1: 0-5). */
	find_check(
	    "port 587 refused", 0, "", "port 587 refused", REPLY_WRAP_NONE);
}

static void
reply_find__no_code__status_found_whole_text_kept(void **state)
{
	(void)state;
	find_check("Sorry, no mailbox here by that name. (#5.1.1)", 0, "5.1.1",
	    "Sorry, no mailbox here by that name. (#5.1.1)", REPLY_WRAP_NONE);
	find_check("permanent: 5.7.1 Service unavailable; client [192.0.2.1] "
		   "blocked using zen.spamhaus.org",
	    0, "5.7.1",
	    "permanent: 5.7.1 Service unavailable; client [192.0.2.1] blocked "
	    "using zen.spamhaus.org",
	    REPLY_WRAP_NONE);
	/* Version and tracking numbers are no status: subject 0-7 only. */
	find_check("451 example.yahoo.com Resources temporarily unavailable "
		   "[#4.16.1].",
	    451, "",
	    "451 example.yahoo.com Resources temporarily unavailable "
	    "[#4.16.1].",
	    REPLY_WRAP_NONE);
	find_check("deferred - 4.16.55.1; see the error codes", 0, "",
	    "deferred - 4.16.55.1; see the error codes", REPLY_WRAP_NONE);
}

static void
reply_find__code_in_url_fragment__not_a_reply(void **state)
{
	(void)state;
	/* Mimecast's replies end in a link to its code table. */
	find_check("Envelope blocked - User Entry - "
		   "https://community.mimecast.com/docs/DOC-1369#550",
	    0, "",
	    "Envelope blocked - User Entry - "
	    "https://community.mimecast.com/docs/DOC-1369#550",
	    REPLY_WRAP_NONE);
	find_check("see https://example.com/codes.html#550 for help", 0, "",
	    "see https://example.com/codes.html#550 for help", REPLY_WRAP_NONE);
	/* A '#' after a blank or a parenthesis still leads a code. */
	find_check("user@example.com #550 5.1.1 not found ##", 550, "5.1.1",
	    "550 5.1.1 not found ##", REPLY_WRAP_EXCHANGE);
	find_check("Sorry, no mailbox here by that name. (#5.1.1)", 0, "5.1.1",
	    "Sorry, no mailbox here by that name. (#5.1.1)", REPLY_WRAP_NONE);
}

static void
reply_find__short_texts__safe(void **state)
{
	(void)state;
	find_check("", 0, "", "", REPLY_WRAP_NONE);
	find_check("5", 0, "", "5", REPLY_WRAP_NONE);
	find_check("x 55", 0, "", "x 55", REPLY_WRAP_NONE);
	find_check("x 550", 550, "", "550", REPLY_WRAP_OTHER);
	find_check("x (550", 550, "", "550", REPLY_WRAP_CLIENT);
	find_check("x 5500", 0, "", "x 5500", REPLY_WRAP_NONE);
}

/*
 * Issue 14 (clsfast3): reply_find() jumps to the bytes where a code or a
 * status can start, sixteen at a time with SSE2. A code, and a status
 * without a code, at every offset of texts of every length up to 48, in
 * filler with decoys ('2', '4' and '5' not starting either) after a
 * first word (so the text does not start with the reply) and text after
 * it, each in an
 * exact-size heap copy (ASan: no read past it): found where it is.
 */
static void
reply_find__every_offset__found_where_it_is(void **state)
{
	static const char fill[] = " 2a4 5x";
	static const char *const tok[] = { "550 ", "5.7.1 " };
	struct reply_info ri;
	size_t len, k, i, t;
	char *buf;

	(void)state;
	for (t = 0; t < 2; t++)
		for (len = strlen(tok[t]) + 1; len <= 48; len++)
			for (k = 2; k + strlen(tok[t]) < len; k++) {
				assert_non_null(buf = malloc(len));
				for (i = 0; i < len; i++)
					buf[i] = i < k
					    ? fill[i % (sizeof(fill) - 1)]
					    : 'z';
				buf[0] = 'q';
				buf[k - 1] = ' ';
				memcpy(buf + k, tok[t], strlen(tok[t]));
				reply_find(bs_span_make(buf, len), &ri);
				if (t == 0) {
					assert_int_equal(ri.code, 550);
					assert_ptr_equal(ri.reply.ptr, buf + k);
				} else {
					assert_int_equal(ri.code, 0);
					assert_int_equal(ri.enhanced.len, 5);
					assert_ptr_equal(
					    ri.enhanced.ptr, buf + k);
				}
				free(buf);
			}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reply_find__every_offset__found_where_it_is),
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
		cmocka_unit_test(reply_find__bare_reply__as_reply_parse),
		cmocka_unit_test(reply_find__postfix_said__reply_after_host),
		cmocka_unit_test(reply_find__exim_smtp_error__reply_after_ip),
		cmocka_unit_test(
		    reply_find__exchange_remote_server_returned__quoted_reply),
		cmocka_unit_test(
		    reply_find__client_libraries__receiver_code_not_expected_code),
		cmocka_unit_test(reply_find__numbers_that_are_no_code__ignored),
		cmocka_unit_test(
		    reply_find__no_code__status_found_whole_text_kept),
		cmocka_unit_test(reply_find__code_in_url_fragment__not_a_reply),
		cmocka_unit_test(reply_find__short_texts__safe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
