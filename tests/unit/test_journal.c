/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of parsers/journal.c: `journalctl -o json` lines in the
 * compact (systemd >= 246) and spaced forms, MESSAGE with escapes decoded
 * into the scratch buffer, MESSAGE as an array of byte values and as an
 * array of strings, \u escapes with surrogate pairs, fields in any order,
 * nested values skipped; MESSAGE null, missing scratch, scratch too
 * small and malformed JSON are PARSE_BAD; other text is PARSE_SKIP; every
 * truncation of a line stays in bounds. Lines are our own, with the
 * fields journald documents in systemd.journal-fields(7).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "journal.h"
#include "mta.h"
#include "parse_test.h"

#define RT "1795342501123456"

static char scratch[4096];

static struct parsed
parse_s(const char *line, char *s, size_t slen)
{
	size_t len = strlen(line);
	struct parsed r = parse_test_buf(line, len);

	r.rc = journal_parse(r.buf, len, s, slen, &r.pfx);
	return r;
}

static struct parsed
parse(const char *line)
{
	return parse_s(line, scratch, sizeof(scratch));
}

/* A truncated line, with a large and with a small scratch buffer. */
static void
read_json(const char *buf, size_t len, void *arg)
{
	struct syslog_prefix pfx;
	char small[8];

	(void)arg;
	(void)journal_parse(buf, len, scratch, sizeof(scratch), &pfx);
	(void)journal_parse(buf, len, small, sizeof(small), &pfx);
}

static void
journal_parse__compact_postfix_line__prefix_fields(void **state)
{
	struct parsed r = parse(
	    "{\"__CURSOR\":\"s=1;i=2\",\"__REALTIME_TIMESTAMP\":\"" RT "\","
	    "\"__MONOTONIC_TIMESTAMP\":\"123\",\"_HOSTNAME\":\"mail\","
	    "\"SYSLOG_IDENTIFIER\":\"postfix/smtp\",\"SYSLOG_PID\":\"4711\","
	    "\"_PID\":\"4711\",\"PRIORITY\":\"6\",\"MESSAGE\":\"4F9D: "
	    "to=<a@example.com>, relay=none, delay=1, dsn=4.4.1, "
	    "status=deferred (connect to mx.example.com[192.0.2.1]:25: "
	    "Connection refused)\"}");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.pfx.time, INT64_C(1795342501));
	assert_int_equal(r.pfx.usec, 123456);
	span_is("host", r.pfx.host, "mail");
	span_is("program", r.pfx.program, "postfix/smtp");
	span_is("pid", r.pfx.pid, "4711");
	span_is("msg", r.pfx.msg,
	    "4F9D: to=<a@example.com>, relay=none, delay=1, dsn=4.4.1, "
	    "status=deferred (connect to mx.example.com[192.0.2.1]:25: "
	    "Connection refused)");
	/* Unescaped strings are used in place. */
	assert_true(r.pfx.msg.ptr > r.buf && r.pfx.msg.ptr < r.buf + 600);
	free(r.buf);
}

static void
journal_parse__spaced_form_escapes__decoded_into_scratch(void **state)
{
	struct parsed r = parse(
	    "{ \"MESSAGE\" : \"5df87c9ffd0e785d mta delivery evpid=1 "
	    "stat=\\\"550 \\\\x\\u00e9\\ud83d\\ude00\\/\\t\\\"\", "
	    "\"SYSLOG_IDENTIFIER\" : \"smtpd\", \"_PID\" : \"99\", "
	    "\"__REALTIME_TIMESTAMP\" : \"" RT "\", \"_HOSTNAME\" : \"gw\" }");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	span_is("program", r.pfx.program, "smtpd");
	span_is("pid", r.pfx.pid, "99");
	span_is("msg", r.pfx.msg,
	    "5df87c9ffd0e785d mta delivery evpid=1 stat=\"550 \\x\xc3\xa9"
	    "\xf0\x9f\x98\x80/\t\"");
	assert_true(r.pfx.msg.ptr >= scratch &&
	    r.pfx.msg.ptr < scratch + sizeof(scratch));
	free(r.buf);
}

static void
journal_parse__message_as_bytes_and_array__decoded(void **state)
{
	struct parsed b = parse("{\"__REALTIME_TIMESTAMP\":\"" RT "\","
				"\"SYSLOG_IDENTIFIER\":\"exim\","
				"\"MESSAGE\":[104,105,255,33]}");
	struct parsed a = parse("{\"__REALTIME_TIMESTAMP\":\"" RT "\","
				"\"SYSLOG_IDENTIFIER\":[\"exim\",\"x\"],"
				"\"MESSAGE\":[\"first\",\"second\"],"
				"\"X\":{\"y\":[1,{\"z\":\"}\"}]}}");

	(void)state;
	assert_int_equal(b.rc, PARSE_OK);
	span_is("msg", b.pfx.msg, "hi\xff!");
	assert_int_equal(a.rc, PARSE_OK);
	span_is("program", a.pfx.program, "exim");
	span_is("msg", a.pfx.msg, "first");
	free(b.buf);
	free(a.buf);
}

static void
journal_parse__undecodable_message__bad_with_program(void **state)
{
	const char *esc = "{\"__REALTIME_TIMESTAMP\":\"" RT "\","
			  "\"SYSLOG_IDENTIFIER\":\"postfix/smtp\","
			  "\"MESSAGE\":\"a\\\"b\"}";
	struct parsed n = parse("{\"__REALTIME_TIMESTAMP\":\"" RT "\","
				"\"SYSLOG_IDENTIFIER\":\"postfix/smtp\","
				"\"MESSAGE\":null}");
	struct parsed cut = parse("{\"__REALTIME_TIMESTAMP\":\"" RT "\","
				  "\"SYSLOG_IDENTIFIER\":\"exim\","
				  "\"MESSAGE\":\"1tEaZk-000Ab1-3x ** a@b");
	struct parsed none = parse_s(esc, NULL, 0);
	struct parsed small = parse_s(esc, scratch, 2);
	struct parsed ok = parse_s(esc, scratch, 3);

	(void)state;
	assert_int_equal(n.rc, PARSE_BAD);
	span_is("program", n.pfx.program, "postfix/smtp");
	assert_int_equal(cut.rc, PARSE_BAD);
	span_is("program", cut.pfx.program, "exim");
	assert_int_equal(none.rc, PARSE_BAD);
	assert_int_equal(small.rc, PARSE_BAD);
	assert_int_equal(ok.rc, PARSE_OK);
	span_is("msg", ok.pfx.msg, "a\"b");
	free(n.buf);
	free(cut.buf);
	free(none.buf);
	free(small.buf);
	free(ok.buf);
}

static void
journal_parse__not_json__skip(void **state)
{
	static const char *const lines[] = {
		"Nov 22 10:15:01 mail postfix/smtp[1]: x",
		"",
		"   ",
		"{\"MESSAGE\":\"no time\"}",
	};

	(void)state;
	expect_rc_all(
	    parse, lines, sizeof(lines) / sizeof(lines[0]), PARSE_SKIP);
}

static void
journal_parse__malformed_json__bad(void **state)
{
	static const char *const lines[] = {
		"{\"MESSAGE\":\"x\"",
		"{\"MESSAGE\" \"x\"}",
		"{MESSAGE:\"x\"}",
		"{\"__REALTIME_TIMESTAMP\":\"12x\",\"MESSAGE\":\"x\"}",
		"{\"__REALTIME_TIMESTAMP\":\"" RT "\",\"MESSAGE\":\"x\\u12\"}",
		"{\"__REALTIME_TIMESTAMP\":\"" RT "\",\"MESSAGE\":[1,256]}",
		"{\"__REALTIME_TIMESTAMP\":\"" RT "\",\"MESSAGE\":\"x\",}x",
		"{\"__REALTIME_TIMESTAMP\":\"" RT "\",\"X\":[1,2}",
	};

	(void)state;
	expect_rc_all(
	    parse, lines, sizeof(lines) / sizeof(lines[0]), PARSE_BAD);
}

static void
journal_parse__every_truncation__in_bounds(void **state)
{
	static const char line[] =
	    "{ \"__REALTIME_TIMESTAMP\" : \"" RT "\", \"MESSAGE\" : "
	    "\"a\\\"\\u00e9\\ud83d\\ude00\\\\\", \"Y\" : [ 1, [\"]\"], "
	    "{\"a\":null} ], \"SYSLOG_IDENTIFIER\":[101,120],"
	    "\"_HOSTNAME\":\"h\\n\" }";
	struct syslog_prefix pfx;
	size_t len = sizeof(line) - 1;
	char *buf;

	(void)state;
	parse_test_truncations(read_json, NULL, line, len);
	buf = parse_test_copy(line, len);
	assert_int_equal(
	    journal_parse(buf, len, scratch, sizeof(scratch), &pfx), PARSE_OK);
	span_is("program", pfx.program, "ex");
	span_is("host", pfx.host, "h\n");
	free(buf);
}

static void
mta_parse_line__json_lines__dispatched_with_scratch(void **state)
{
	static const char osmtpd[] =
	    "{\"__REALTIME_TIMESTAMP\":\"" RT "\",\"SYSLOG_IDENTIFIER\":"
	    "\"smtpd\",\"MESSAGE\":\"0a1b2c3d4e5f6071 mta delivery "
	    "evpid=7c6b5a4938271605 from=<a@b.example> to=<c@163.example> "
	    "rcpt=<-> source=\\\"192.0.2.5\\\" relay=\\\"192.0.2.10 "
	    "(mx1.163.example)\\\" delay=0s result=\\\"TempFail\\\" "
	    "stat=\\\"421 4.7.0 HL:ICC\\\"\"}";
	static const char other[] = "{\"__REALTIME_TIMESTAMP\":\"" RT "\","
				    "\"SYSLOG_IDENTIFIER\":\"cron\","
				    "\"MESSAGE\":null}";
	struct mta_ctx ctx;
	struct bs_event ev;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	ctx.scratch = scratch;
	ctx.scratch_len = sizeof(scratch);
	assert_int_equal(
	    mta_parse_line(osmtpd, sizeof(osmtpd) - 1, &ctx, &ev), PARSE_OK);
	assert_int_equal(ev.mta, BS_MTA_OPENSMTPD);
	assert_int_equal(ev.status, BS_STATUS_DEFERRED);
	assert_int_equal(ev.time, INT64_C(1795342501));
	assert_int_equal(ev.smtp_code, 421);
	span_is("relay", ev.relay_host, "mx1.163.example");
	span_is("reply", ev.reply, "421 4.7.0 HL:ICC");
	/* Without a scratch buffer the escaped message cannot be read. */
	ctx.scratch = NULL;
	ctx.scratch_len = 0;
	assert_int_equal(
	    mta_parse_line(osmtpd, sizeof(osmtpd) - 1, &ctx, &ev), PARSE_BAD);
	/* Another program's unreadable line is only skipped. */
	assert_int_equal(
	    mta_parse_line(other, sizeof(other) - 1, &ctx, &ev), PARSE_SKIP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    journal_parse__compact_postfix_line__prefix_fields),
		cmocka_unit_test(
		    journal_parse__spaced_form_escapes__decoded_into_scratch),
		cmocka_unit_test(
		    journal_parse__message_as_bytes_and_array__decoded),
		cmocka_unit_test(
		    journal_parse__undecodable_message__bad_with_program),
		cmocka_unit_test(journal_parse__not_json__skip),
		cmocka_unit_test(journal_parse__malformed_json__bad),
		cmocka_unit_test(journal_parse__every_truncation__in_bounds),
		cmocka_unit_test(
		    mta_parse_line__json_lines__dispatched_with_scratch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
