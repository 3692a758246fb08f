/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of parsers/mta.c: dispatch by program name (Postfix instance
 * names, MTAs without a parser yet, unknown programs), ctx->force, the
 * prefix fields copied into the event, and the reply analysis (SMTP code,
 * enhanced status from the reply or else from dsn=).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "span_test.h"

#include "mta.h"

/* ref 2026-11-23T00:00:00Z */
#define REF INT64_C(1795392000)

#define DEFERRED_TAIL                                                          \
	"ABCDEF0123: to=<a@example.com>, relay=mx.example.com[192.0.2.1]:25, " \
	"delay=1, delays=1/0/0/0, dsn=4.0.0, status=deferred (host "           \
	"mx.example.com[192.0.2.1] said: 421 HL:ICC 163 smtp9, please try "    \
	"again (in reply to MAIL FROM command))"

struct parsed {
	int rc;
	char *buf;
	struct bs_event ev;
};

static struct parsed
parse_force(const char *line, enum bs_mta force)
{
	size_t len = strlen(line);
	struct mta_ctx ctx;
	struct parsed r;

	memset(&ctx, 0, sizeof(ctx));
	ctx.syslog.ref_time = REF;
	ctx.syslog.tz_offset = 3600;
	ctx.force = force;
	memset(&r, 0, sizeof(r));
	r.buf = malloc(len > 0 ? len : 1);
	assert_non_null(r.buf);
	memcpy(r.buf, line, len);
	r.rc = mta_parse_line(r.buf, len, &ctx, &r.ev);
	return r;
}

static struct parsed
parse(const char *line)
{
	return parse_force(line, BS_MTA_UNKNOWN);
}

static void
mta_parse_line__postfix_line__prefix_fields_and_reply(void **state)
{
	struct parsed r;

	(void)state;
	/* Zone-less stamp at UTC+01:00: 10:15:01 local is 09:15:01Z. */
	r = parse(
	    "Nov 22 10:15:01.250000 mx7 postfix/smtp[42]: " DEFERRED_TAIL);
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.mta, BS_MTA_POSTFIX);
	assert_int_equal(r.ev.time, INT64_C(1795338901));
	assert_int_equal(r.ev.usec, 250000);
	span_is("r.ev.host", r.ev.host, "mx7");
	span_is("r.ev.program", r.ev.program, "postfix/smtp");
	assert_int_equal(r.ev.status, BS_STATUS_DEFERRED);
	assert_int_equal(r.ev.smtp_code, 421);
	/* No enhanced status in the reply: dsn= stands in. */
	span_is("r.ev.enhanced", r.ev.enhanced, "4.0.0");
	span_is("r.ev.dsn", r.ev.dsn, "4.0.0");
	span_is(
	    "r.ev.reply", r.ev.reply, "421 HL:ICC 163 smtp9, please try again");
	span_is("r.ev.stage", r.ev.stage, "MAIL FROM");
	free(r.buf);
}

static void
mta_parse_line__enhanced_in_reply__wins_over_dsn(void **state)
{
	struct parsed r;

	(void)state;
	r = parse("Nov 22 10:15:01 mx7 postfix/smtp[42]: ABCDEF0124: "
		  "to=<a@example.com>, relay=mx.example.com[192.0.2.1]:25, "
		  "delay=1, delays=1/0/0/0, dsn=5.0.0, status=bounced (host "
		  "mx.example.com[192.0.2.1] said: 550 5.7.606 Access "
		  "denied, banned sending IP [192.0.2.9] (in reply to RCPT "
		  "TO command))");
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.smtp_code, 550);
	span_is("r.ev.enhanced", r.ev.enhanced, "5.7.606");
	span_is("r.ev.dsn", r.ev.dsn, "5.0.0");
	free(r.buf);
}

static void
mta_parse_line__no_dsn_no_enhanced__empty(void **state)
{
	struct parsed r;

	(void)state;
	r = parse("Nov 22 10:15:01 mx7 postfix/smtp[42]: ABCDEF0125: "
		  "to=<a@example.com>, relay=none, delay=1, status=deferred "
		  "(connect to mx.example.com[192.0.2.1]:25: Connection "
		  "refused)");
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.smtp_code, 0);
	assert_int_equal(r.ev.enhanced.len, 0);
	assert_int_equal(r.ev.dsn.len, 0);
	assert_int_equal(r.ev.flags, BS_EVENT_CONNECT);
	free(r.buf);
}

static void
mta_parse_line__postfix_instance_names__dispatched(void **state)
{
	static const char *const progs[] = { "postfix/smtp", "postfix-out/smtp",
		"postfix/relay/smtp", "postfix/error", "postfix-eu2/lmtp" };
	char line[1024];
	struct parsed r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		snprintf(line, sizeof(line), "Nov 22 10:15:01 mx7 %s[42]: %s",
		    progs[i], DEFERRED_TAIL);
		r = parse(line);
		if (r.rc != PARSE_OK)
			fail_msg("%s: rc %d", progs[i], r.rc);
		span_is("r.ev.program", r.ev.program, progs[i]);
		free(r.buf);
	}
}

static void
mta_parse_line__other_programs__skip(void **state)
{
	/*
	 * exim, exim4, sendmail, sm-*, smtpd go to their own parsers, which
	 * do not take a Postfix message (tested in test_exim.c, ...).
	 */
	static const char *const progs[] = { "postfix", "postfixsmtp",
		"dovecot", "mta-out/smtp", "xpostfix/smtp", "smtpd-filter" };
	char line[1024];
	struct parsed r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		snprintf(line, sizeof(line), "Nov 22 10:15:01 mx7 %s[42]: %s",
		    progs[i], DEFERRED_TAIL);
		r = parse(line);
		if (r.rc != PARSE_SKIP)
			fail_msg("%s: rc %d", progs[i], r.rc);
		free(r.buf);
	}
}

static void
mta_parse_line__force_postfix__any_program(void **state)
{
	struct parsed r;

	(void)state;
	r = parse_force("Nov 22 10:15:01 mx7 mta-out/smtp[42]: " DEFERRED_TAIL,
	    BS_MTA_POSTFIX);
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.mta, BS_MTA_POSTFIX);
	span_is("r.ev.program", r.ev.program, "mta-out/smtp");
	free(r.buf);
	/* Forcing an MTA without a parser skips even Postfix lines. */
	r = parse_force("Nov 22 10:15:01 mx7 postfix/smtp[42]: " DEFERRED_TAIL,
	    BS_MTA_EXIM);
	assert_int_equal(r.rc, PARSE_SKIP);
	free(r.buf);
}

static void
mta_parse_line__no_syslog_prefix__skip(void **state)
{
	struct parsed r;

	(void)state;
	r = parse(DEFERRED_TAIL);
	assert_int_equal(r.rc, PARSE_SKIP);
	free(r.buf);
	r = parse("");
	assert_int_equal(r.rc, PARSE_SKIP);
	free(r.buf);
}

static void
mta_parse_line__bad_postfix_line__bad(void **state)
{
	struct parsed r;

	(void)state;
	r = parse("Nov 22 10:15:01 mx7 postfix/smtp[42]: ABCDEF0126: "
		  "to=<a@example.com>, relay=none, delay=1, status=sideways "
		  "(x)");
	assert_int_equal(r.rc, PARSE_BAD);
	free(r.buf);
}

/*
 * The time of a stamp is computed only for results (and malformed
 * delivery lines); a day the year does not have still makes the line one
 * without a syslog prefix: skipped, never bad.
 */
static void
mta_parse_line__day_the_year_lacks__skip(void **state)
{
	struct parsed r;

	(void)state;
	r = parse("Nov 31 10:15:01 mx7 postfix/smtp[42]: " DEFERRED_TAIL);
	assert_int_equal(r.rc, PARSE_SKIP);
	free(r.buf);
	r = parse("Feb 30 10:15:01 mx7 postfix/smtp[42]: ABCDEF0126: "
		  "to=<a@example.com>, relay=none, delay=1, status=sideways "
		  "(x)");
	assert_int_equal(r.rc, PARSE_SKIP);
	free(r.buf);
	r = parse("2026-02-29T10:15:01Z mx7 postfix/smtp[42]: " DEFERRED_TAIL);
	assert_int_equal(r.rc, PARSE_SKIP);
	free(r.buf);
	/* The same lines on a day that exists: a result, with its time. */
	r = parse("Nov 30 10:15:01 mx7 postfix/smtp[42]: " DEFERRED_TAIL);
	assert_int_equal(r.rc, PARSE_OK);
	/* 2025-11-30T09:15:01Z: a week after REF, so last year's. */
	assert_int_equal(r.ev.time, INT64_C(1764494101));
	free(r.buf);
	r = parse("2028-02-29T10:15:01Z mx7 postfix/smtp[42]: " DEFERRED_TAIL);
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.time, INT64_C(1835432101));
	free(r.buf);
}

static void
mta_parse_line__solaris_msgid__parsed_with_and_without_force(void **state)
{
	static const char line[] =
	    "Feb 14 06:47:08 relay.example.edu postfix/local[8611]: [ID 197553 "
	    "mail.info] F3E9E3488: to=<bob@relay.example.edu>, relay=local, "
	    "delay=6.2, delays=0.1/0/0/6.1, dsn=4.2.2, status=deferred "
	    "(cannot update mailbox /var/mail/bob for user bob)";
	struct parsed r;

	(void)state;
	r = parse(line);
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.status, BS_STATUS_DEFERRED);
	span_is("qid", r.ev.queue_id, "F3E9E3488");
	free(r.buf);
	r = parse_force(line, BS_MTA_POSTFIX);
	assert_int_equal(r.rc, PARSE_OK);
	span_is("rcpt", r.ev.rcpt, "bob@relay.example.edu");
	free(r.buf);
}

static void
mta_parse_line__each_skip__its_reason(void **state)
{
	static const struct {
		const char *line;
		int rc;
		enum bs_reason why;
	} cases[] = {
		{ "garbage", PARSE_SKIP, BS_REASON_NO_PREFIX },
		{ "Nov 24 05:00:14 mx1 last message repeated 3 times",
		    PARSE_SKIP, BS_REASON_REPEATED },
		{ "Nov 24 05:00:14 mx1 postfix/smtp[1]: message repeated 2 "
		  "times: [ " DEFERRED_TAIL "]",
		    PARSE_SKIP, BS_REASON_REPEATED },
		{ "Nov 22 10:15:01 mail CRON[1]: " DEFERRED_TAIL, PARSE_SKIP,
		    BS_REASON_OTHER_PROGRAM },
		{ "Nov 22 10:15:01 mail postfix/qmgr[1]: ABCDEF0123: removed",
		    PARSE_SKIP, BS_REASON_NOT_RESULT },
		{ "Feb 30 10:15:01 mail postfix/smtp[1]: " DEFERRED_TAIL,
		    PARSE_SKIP, BS_REASON_BAD_DATE },
		{ "Nov 22 10:15:01 mail postfix/smtp[1]: ABCDEF0123: "
		  "to=<a@example.com>, status=deferred",
		    PARSE_BAD, BS_REASON_MALFORMED },
		{ "2026-12-05T10:00:00.1Z stdout P Nov 22 10:15:01 mail "
		  "postfix/smtp[1]: " DEFERRED_TAIL,
		    PARSE_SKIP, BS_REASON_PARTIAL },
		{ "{\"log\":\"Nov 22 10:15:01 mail postfix/smtp[1]: x",
		    PARSE_SKIP, BS_REASON_BAD_JSON },
		{ "Nov 22 10:15:01 mail postfix/smtp[1]: " DEFERRED_TAIL,
		    PARSE_OK, BS_REASON_NONE },
	};
	struct parsed r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = parse(cases[i].line);
		if (r.rc != cases[i].rc || r.ev.reason != cases[i].why)
			fail_msg("rc %d reason %s: \"%s\"", r.rc,
			    bs_reason_name(r.ev.reason), cases[i].line);
		free(r.buf);
	}
	assert_string_equal(bs_reason_name(BS_REASON_COUNT), "none");
}

/*
 * A delivery line dated before 2000 or over a day after the present
 * (time_max) is skipped with reason bad_time, in every format that reads
 * a year: RFC 3339 syslog, RFC 5424, journalctl short-iso, journal JSON
 * (__REALTIME_TIMESTAMP), Exim's main log. The bounds are inclusive.
 */
static void
mta_parse_line__time_out_of_range__bad_time(void **state)
{
#define JSON_LINE(t)                                                           \
	"{\"__REALTIME_TIMESTAMP\":\"" t "\",\"SYSLOG_IDENTIFIER\":"           \
	"\"postfix/smtp\",\"_PID\":\"1\",\"_HOSTNAME\":\"mx\",\"MESSAGE\":"    \
	"\"" DEFERRED_TAIL "\"}"
#define EXIM_LINE(t)                                                           \
	t " 1tEaZk-000Ab1-3x == a@example.com R=dnslookup T=remote_smtp "      \
	  "defer (-44) H=mx.example.com [192.0.2.1]: SMTP error from remote "  \
	  "mail server after RCPT TO:<a@example.com>: 421 HL:ICC try again"
	static const struct {
		const char *line;
		int rc;
	} cases[] = {
		{ "1970-01-01T00:00:01+00:00 mx postfix/smtp[1]: " DEFERRED_TAIL,
		    PARSE_SKIP },
		{ "1999-12-31T23:59:59Z mx postfix/smtp[1]: " DEFERRED_TAIL,
		    PARSE_SKIP },
		{ "2000-01-01T00:00:00Z mx postfix/smtp[1]: " DEFERRED_TAIL,
		    PARSE_OK },
		{ "2026-11-24T00:00:00Z mx postfix/smtp[1]: " DEFERRED_TAIL,
		    PARSE_OK },
		{ "2026-11-24T00:00:01Z mx postfix/smtp[1]: " DEFERRED_TAIL,
		    PARSE_SKIP },
		{ "9999-12-31T23:59:59+00:00 mx postfix/smtp[1]: " DEFERRED_TAIL,
		    PARSE_SKIP },
		{ "<22>1 1970-01-01T00:00:01Z mx postfix/smtp 1 - - " DEFERRED_TAIL,
		    PARSE_SKIP },
		{ "<22>1 9999-12-31T23:59:59Z mx postfix/smtp 1 - - " DEFERRED_TAIL,
		    PARSE_SKIP },
		{ "<22>1 2026-11-22T10:15:01Z mx postfix/smtp 1 - - " DEFERRED_TAIL,
		    PARSE_OK },
		{ "1970-01-01T00:00:01+0000 mx postfix/smtp[1]: " DEFERRED_TAIL,
		    PARSE_SKIP },
		{ "9999-12-31T23:59:59+0000 mx postfix/smtp[1]: " DEFERRED_TAIL,
		    PARSE_SKIP },
		{ "2026-11-22T10:15:01+0000 mx postfix/smtp[1]: " DEFERRED_TAIL,
		    PARSE_OK },
		{ JSON_LINE("1000000"), PARSE_SKIP },
		{ JSON_LINE("253402300799000000"), PARSE_SKIP },
		{ JSON_LINE("1795342501123456"), PARSE_OK },
		{ EXIM_LINE("1970-01-01 00:00:01"), PARSE_SKIP },
		{ EXIM_LINE("9999-12-31 23:59:59"), PARSE_SKIP },
		{ EXIM_LINE("2026-11-22 10:15:01"), PARSE_OK },
	};
	struct mta_ctx ctx;
	struct bs_event ev;
	char buf[1024];
	size_t i, len;
	int rc;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	ctx.syslog.ref_time = REF;
	ctx.time_max = REF + BS_TIME_AHEAD; /* 2026-11-24T00:00:00Z */
	ctx.scratch = buf;
	ctx.scratch_len = sizeof(buf);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[1024];

		len = strlen(cases[i].line);
		memcpy(line, cases[i].line, len + 1);
		rc = mta_parse_line(line, len, &ctx, &ev);
		if (rc != cases[i].rc ||
		    ev.reason !=
			(rc == PARSE_OK ? BS_REASON_NONE : BS_REASON_BAD_TIME))
			fail_msg("rc %d reason %s: \"%s\"", rc,
			    bs_reason_name(ev.reason), cases[i].line);
	}
	/* time_max 0: no upper bound (the lower one stays) */
	ctx.time_max = 0;
	memcpy(buf, "9999-12-31T23:59:59Z mx postfix/smtp[1]: ", 41);
	memcpy(buf + 41, DEFERRED_TAIL, sizeof(DEFERRED_TAIL));
	assert_int_equal(mta_parse_line(buf, strlen(buf), &ctx, &ev), PARSE_OK);
#undef JSON_LINE
#undef EXIM_LINE
}

static void
mta_parse_line__cri_record__inner_line_parsed(void **state)
{
	struct parsed r;

	(void)state;
	r = parse("2026-12-05T10:00:00.123456789Z stdout F Nov 22 10:15:01 "
		  "mail postfix/smtp[1]: " DEFERRED_TAIL);
	assert_int_equal(r.rc, PARSE_OK);
	span_is("host", r.ev.host, "mail");
	span_is("rcpt", r.ev.rcpt, "a@example.com");
	assert_int_equal(r.ev.smtp_code, 421);
	free(r.buf);
}

static void
mta_parse_line__docker_json__log_decoded_into_scratch(void **state)
{
	static const char line[] =
	    "{\"log\":\"Nov 22 10:15:01 mail postfix/smtp[1]: ABCDEF0123: "
	    "to=\\u003ca@example.com\\u003e, relay=mx.example.com[192.0.2.1]:25, "
	    "delay=1, delays=1/0/0/0, dsn=2.0.0, status=sent (250 ok)\\n\","
	    "\"stream\":\"stdout\",\"time\":\"2026-11-22T10:15:01.1Z\"}";
	char scratch[sizeof(line)];
	struct mta_ctx ctx;
	struct bs_event ev;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	ctx.syslog.ref_time = REF;
	assert_int_equal(mta_parse_line(line, sizeof(line) - 1, &ctx, &ev),
	    PARSE_SKIP); /* no scratch for the escapes */
	assert_int_equal(ev.reason, BS_REASON_BAD_JSON);
	ctx.scratch = scratch;
	ctx.scratch_len = sizeof(scratch);
	assert_int_equal(
	    mta_parse_line(line, sizeof(line) - 1, &ctx, &ev), PARSE_OK);
	span_is("rcpt", ev.rcpt, "a@example.com");
	span_is("reply", ev.reply, "250 ok");
	assert_int_equal(ev.status, BS_STATUS_SENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    mta_parse_line__solaris_msgid__parsed_with_and_without_force),
		cmocka_unit_test(mta_parse_line__each_skip__its_reason),
		cmocka_unit_test(mta_parse_line__time_out_of_range__bad_time),
		cmocka_unit_test(mta_parse_line__cri_record__inner_line_parsed),
		cmocka_unit_test(
		    mta_parse_line__docker_json__log_decoded_into_scratch),
		cmocka_unit_test(
		    mta_parse_line__postfix_line__prefix_fields_and_reply),
		cmocka_unit_test(
		    mta_parse_line__enhanced_in_reply__wins_over_dsn),
		cmocka_unit_test(mta_parse_line__no_dsn_no_enhanced__empty),
		cmocka_unit_test(
		    mta_parse_line__postfix_instance_names__dispatched),
		cmocka_unit_test(mta_parse_line__other_programs__skip),
		cmocka_unit_test(mta_parse_line__force_postfix__any_program),
		cmocka_unit_test(mta_parse_line__no_syslog_prefix__skip),
		cmocka_unit_test(mta_parse_line__bad_postfix_line__bad),
		cmocka_unit_test(mta_parse_line__day_the_year_lacks__skip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
