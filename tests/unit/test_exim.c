/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of parsers/exim.c: Exim's own main-log prefix (zone, pid,
 * millisec options), the syslog form with and without Exim's stamp in the
 * message, and every line kind: "==" deferrals (remote reply, errno with
 * strerror, timeouts, local decisions), "**" failures (new and pre-4.8x
 * host placement), expiries, "=>"/"->" deliveries, "*>" and arrivals
 * skipped, per-host attempts, malformed lines. Lines are our own, written
 * in the formats of Exim's deliver.c as seen in the Exim test suite's
 * logs. Each line is copied into a buffer of exactly its length so that
 * ASan catches any read past it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exim.h"
#include "mta.h"
#include "parse_test.h"
#include "syslog.h"

/* 2026-11-22T10:15:01Z */
#define T_UTC INT64_C(1795342501)
#define REF   INT64_C(1795392000)
#define MSGID "1tEaZk-000Ab1-3x"
#define STAMP "2026-11-22 10:15:01 "

/* Prefix by syslog_parse(), else exim_prefix(); then exim_parse(). */
static struct parsed
parse_tz(const char *line, int32_t tz)
{
	struct syslog_ctx ctx = { REF, tz, NULL, NULL };
	size_t len = strlen(line);
	struct parsed r = parse_test_buf(line, len);

	if (syslog_parse(r.buf, len, &ctx, &r.pfx) != PARSE_OK &&
	    exim_prefix(r.buf, len, &ctx, &r.pfx) != PARSE_OK) {
		r.rc = -1;
		return r;
	}
	r.rc = exim_parse(&r.pfx, &r.ev);
	return r;
}

static struct parsed
parse(const char *line)
{
	return parse_tz(line, 0);
}

/* Exim's own prefix of a truncated line, then exim_parse(). */
static void
read_main_log(const char *buf, size_t len, void *arg)
{
	struct syslog_ctx ctx = { REF, 0, NULL, NULL };
	struct syslog_prefix pfx;
	struct bs_event ev;

	(void)arg;
	if (exim_prefix(buf, len, &ctx, &pfx) == PARSE_OK)
		(void)exim_parse(&pfx, &ev);
}

static void
exim_prefix__zone_and_pid__utc_time_pid_and_message(void **state)
{
	struct parsed r = parse(STAMP "+0100 [4242] " MSGID " Completed");

	(void)state;
	assert_int_equal(r.rc, PARSE_SKIP);
	assert_int_equal(r.pfx.time, T_UTC - 3600);
	span_is("pid", r.pfx.pid, "4242");
	span_is("program", r.pfx.program, "");
	span_is("host", r.pfx.host, "");
	span_is("msg", r.pfx.msg, MSGID " Completed");
	free(r.buf);
}

static void
exim_prefix__bracketed_negative_zone__utc_time(void **state)
{
	struct parsed r = parse(STAMP "[-0530] " MSGID " Completed");

	(void)state;
	assert_int_equal(r.pfx.time, T_UTC + 5 * 3600 + 1800);
	span_is("msg", r.pfx.msg, MSGID " Completed");
	free(r.buf);
}

static void
exim_prefix__no_zone__caller_offset_and_millisec(void **state)
{
	struct parsed r =
	    parse_tz("2026-11-22 10:15:01.345 " MSGID " Completed", 7200);

	(void)state;
	assert_int_equal(r.pfx.time, T_UTC - 7200);
	assert_int_equal(r.pfx.usec, 345000);
	span_is("pid", r.pfx.pid, "");
	free(r.buf);
}

static void
exim_prefix__not_a_stamp__skip(void **state)
{
	struct syslog_ctx ctx = { REF, 0, NULL, NULL };
	struct syslog_prefix pfx;
	static const char *const lines[] = {
		"2026-11-22T10:15:01 host prog: x",
		"2026-13-22 10:15:01 x",
		"2026-11-22 10:15:01",
		"2026-11-22 25:15:01 x",
		"garbage",
		"",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		assert_int_equal(
		    exim_prefix(lines[i], strlen(lines[i]), &ctx, &pfx),
		    PARSE_SKIP);
}

static void
exim_parse__defer_rcpt_4xx__reply_stage_relay(void **state)
{
	struct parsed r = parse(STAMP MSGID
	    " == user@example.com R=dnslookup T=remote_smtp defer (-44) "
	    "H=mx1.example.com [192.0.2.10]: SMTP error from remote mail "
	    "server after RCPT TO:<user@example.com>: 451 4.7.1 Greylisted, "
	    "please try again later");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.mta, BS_MTA_EXIM);
	assert_int_equal(r.ev.status, BS_STATUS_DEFERRED);
	assert_int_equal(r.ev.flags, 0);
	span_is("qid", r.ev.queue_id, MSGID);
	span_is("rcpt", r.ev.rcpt, "user@example.com");
	span_is("domain", r.ev.rcpt_domain, "example.com");
	span_is("relay", r.ev.relay_host, "mx1.example.com");
	span_is("ip", r.ev.relay_ip, "192.0.2.10");
	span_is("stage", r.ev.stage, "RCPT TO");
	span_is("reply", r.ev.reply,
	    "451 4.7.1 Greylisted, please try again later");
	free(r.buf);
}

static void
exim_parse__defer_errno_strerror__connect(void **state)
{
	struct parsed r = parse(STAMP MSGID
	    " == bob@example.org R=dnslookup T=remote_smtp defer (111): "
	    "Connection refused");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.status, BS_STATUS_DEFERRED);
	assert_int_equal(r.ev.flags, BS_EVENT_CONNECT);
	span_is("reply", r.ev.reply, "Connection refused");
	span_is("relay", r.ev.relay_host, "");
	free(r.buf);
}

static void
exim_parse__defer_timeout_with_host__connect_stage_relay(void **state)
{
	struct parsed r = parse(STAMP MSGID
	    " == bob@example.org R=dnslookup T=remote_smtp defer (110): "
	    "Connection timed out H=mx.example.org [198.51.100.7]: SMTP "
	    "timeout after pipelined MAIL FROM:<a@b.example> SIZE=1234");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.flags, BS_EVENT_CONNECT);
	span_is("relay", r.ev.relay_host, "mx.example.org");
	span_is("ip", r.ev.relay_ip, "198.51.100.7");
	span_is("stage", r.ev.stage, "MAIL FROM");
	span_is("reply", r.ev.reply, "Connection timed out");
	free(r.buf);
}

static void
exim_parse__local_decisions__local_flag(void **state)
{
	static const char *const lines[] = {
		STAMP MSGID " == carol@example.net R=dnslookup "
			    "T=remote_smtp defer (-54): retry time not "
			    "reached for any host for 'example.net'",
		STAMP MSGID " == dave@example.net routing defer (-52): "
			    "retry time not reached",
		STAMP MSGID " == erin@example.com R=dnslookup T=remote_smtp "
			    "defer (-1): domain matches queue_smtp_domains, "
			    "or -odqs set",
		STAMP MSGID " == erin@example.com R=smarthost T=smtp defer "
			    "(-51): first-pass only routing due to -odqs, "
			    "queue_smtp_domains or control=queue",
		STAMP MSGID " == erin@example.com R=r1 T=t1 defer (0): SMTP "
			    "delivery explicitly queued",
		STAMP MSGID " == c@held.example defer (-23): domain is held",
		STAMP MSGID " == c@example.com R=r T=t defer (-64): "
			    "concurrency limit reached for transport",
	};
	struct parsed r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		r = parse(lines[i]);
		assert_int_equal(r.rc, PARSE_OK);
		assert_int_equal(r.ev.status, BS_STATUS_DEFERRED);
		if (r.ev.flags != BS_EVENT_LOCAL)
			fail_msg("line %zu: flags %u", i, r.ev.flags);
		free(r.buf);
	}
}

static void
exim_parse__fail_new_format__bounced_with_relay(void **state)
{
	struct parsed r = parse(STAMP MSGID
	    " ** frank@example.com R=dnslookup T=remote_smtp "
	    "H=mx.example.com [192.0.2.20]:25 "
	    "X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes : SMTP error from "
	    "remote mail server after RCPT TO:<frank@example.com>: 550 5.1.1 "
	    "<frank@example.com>: Recipient address rejected: User unknown");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.status, BS_STATUS_BOUNCED);
	assert_int_equal(r.ev.flags, 0);
	span_is("rcpt", r.ev.rcpt, "frank@example.com");
	span_is("relay", r.ev.relay_host, "mx.example.com");
	span_is("ip", r.ev.relay_ip, "192.0.2.20");
	span_is("stage", r.ev.stage, "RCPT TO");
	span_is("reply", r.ev.reply,
	    "550 5.1.1 <frank@example.com>: Recipient address rejected: "
	    "User unknown");
	free(r.buf);
}

static void
exim_parse__fail_old_format__relay_from_text(void **state)
{
	struct parsed r = parse(STAMP MSGID
	    " ** gina@example.com R=dnslookup T=remote_smtp: SMTP error from "
	    "remote mail server after RCPT TO:<gina@example.com>: host "
	    "mx.example.com [192.0.2.21]: 550 5.7.1 Service unavailable; "
	    "client [203.0.113.5] blocked using zen.spamhaus.org");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.status, BS_STATUS_BOUNCED);
	span_is("relay", r.ev.relay_host, "mx.example.com");
	span_is("ip", r.ev.relay_ip, "192.0.2.21");
	span_is("stage", r.ev.stage, "RCPT TO");
	span_is("reply", r.ev.reply,
	    "550 5.7.1 Service unavailable; client [203.0.113.5] blocked "
	    "using zen.spamhaus.org");
	free(r.buf);
}

static void
exim_parse__fail_local_and_data_stage__reply(void **state)
{
	struct parsed r = parse(STAMP MSGID
	    " ** kim@example.com <kim@alias.example> R=dnslookup "
	    "T=remote_smtp H=mx.example.com [2001:db8::25] : SMTP error "
	    "from remote mail server after end of data: 552 5.3.4 Message "
	    "size exceeds fixed limit");
	struct parsed u = parse(STAMP MSGID " ** nobody@example.com : "
					    "Unrouteable address");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	span_is("rcpt", r.ev.rcpt, "kim@example.com");
	span_is("ip", r.ev.relay_ip, "2001:db8::25");
	span_is("stage", r.ev.stage, "end of data");
	span_is(
	    "reply", r.ev.reply, "552 5.3.4 Message size exceeds fixed limit");
	assert_int_equal(u.rc, PARSE_OK);
	assert_int_equal(u.ev.status, BS_STATUS_BOUNCED);
	span_is("reply", u.ev.reply, "Unrouteable address");
	span_is("domain", u.ev.rcpt_domain, "example.com");
	free(r.buf);
	free(u.buf);
}

static void
exim_parse__retry_timeout__expired(void **state)
{
	struct parsed a =
	    parse(STAMP MSGID " ** hank@example.org: retry timeout exceeded");
	struct parsed b = parse(STAMP MSGID
	    " ** ivy@example.org R=dnslookup T=remote_smtp "
	    "H=mx.example.org [198.51.100.8] : SMTP error from remote mail "
	    "server after end of data: 451 4.3.0 Try later: retry timeout "
	    "exceeded");

	(void)state;
	assert_int_equal(a.rc, PARSE_OK);
	assert_int_equal(a.ev.status, BS_STATUS_EXPIRED);
	span_is("rcpt", a.ev.rcpt, "hank@example.org");
	span_is("reply", a.ev.reply, "retry timeout exceeded");
	assert_int_equal(b.rc, PARSE_OK);
	assert_int_equal(b.ev.status, BS_STATUS_EXPIRED);
	span_is("relay", b.ev.relay_host, "mx.example.org");
	span_is("reply", b.ev.reply, "retry timeout exceeded");
	free(a.buf);
	free(b.buf);
}

static void
exim_parse__deliveries__sent_with_confirmation(void **state)
{
	struct parsed a = parse(STAMP MSGID
	    " => jack@example.com R=dnslookup T=remote_smtp "
	    "H=mx.example.com [192.0.2.10] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 "
	    "CV=yes C=\"250 2.0.0 Ok: queued as 4Xyz\" QT=2s DT=1s");
	struct parsed b = parse(STAMP MSGID
	    " -> jill@example.com R=dnslookup T=remote_smtp "
	    "H=mx.example.com [192.0.2.10] C=\"250 OK \\\"id\\\"\"");
	struct parsed c = parse(STAMP MSGID
	    " => lou <lou@local.example> R=local_user T=mail_spool");

	(void)state;
	assert_int_equal(a.rc, PARSE_OK);
	assert_int_equal(a.ev.status, BS_STATUS_SENT);
	span_is("relay", a.ev.relay_host, "mx.example.com");
	span_is("reply", a.ev.reply, "250 2.0.0 Ok: queued as 4Xyz");
	assert_int_equal(b.rc, PARSE_OK);
	assert_int_equal(b.ev.status, BS_STATUS_SENT);
	span_is("rcpt", b.ev.rcpt, "jill@example.com");
	span_is("reply", b.ev.reply, "250 OK \\\"id\\\"");
	assert_int_equal(c.rc, PARSE_OK);
	span_is("rcpt", c.ev.rcpt, "lou@local.example");
	span_is("relay", c.ev.relay_host, "");
	free(a.buf);
	free(b.buf);
	free(c.buf);
}

static void
exim_parse__other_lines__skip(void **state)
{
	static const char *const lines[] = {
		STAMP MSGID " *> test@example.com R=dnslookup T=remote_smtp "
			    "H=mx.example.com [192.0.2.10]",
		STAMP MSGID " <= sender@example.org H=client.example.org "
			    "[203.0.113.9] P=esmtps S=1234 id=abc@x",
		STAMP MSGID " Completed",
		STAMP MSGID " Completed QT=3s",
		STAMP MSGID " Message is frozen",
		STAMP MSGID " H=(helo.example) [203.0.113.9] F=<a@b.example> "
			    "rejected after DATA: spam detected",
		STAMP "H=client.example [203.0.113.9] F=<a@b.example> "
		      "rejected RCPT <c@d.example>: Unrouteable address",
		STAMP "Start queue run: pid=1234",
		STAMP MSGID " ==",
		STAMP "1tEaZk-000Ab1 == a@b",
	};

	(void)state;
	expect_rc_all(
	    parse, lines, sizeof(lines) / sizeof(lines[0]), PARSE_SKIP);
}

static void
exim_parse__per_host_attempts__attempt(void **state)
{
	struct parsed a = parse(
	    STAMP MSGID " H=mx1.example.com [192.0.2.10] Connection refused");
	struct parsed b = parse(STAMP MSGID
	    " H=mx1.example.com [192.0.2.10]: SMTP error from remote mail "
	    "server after RCPT TO:<user@example.com>: 421 4.7.0 Try again "
	    "later, closing connection");
	struct parsed c = parse(
	    STAMP MSGID " mx2.example.com [192.0.2.11] Connection timed out");
	struct parsed d = parse(STAMP MSGID
	    " H=mx.example.com [192.0.2.10] TLS error on connection "
	    "(SSL_connect): timed out");

	(void)state;
	assert_int_equal(a.rc, PARSE_OK);
	assert_int_equal(a.ev.status, BS_STATUS_ATTEMPT);
	assert_int_equal(a.ev.flags, BS_EVENT_CONNECT);
	span_is("relay", a.ev.relay_host, "mx1.example.com");
	span_is("rcpt", a.ev.rcpt, "");
	assert_int_equal(b.rc, PARSE_OK);
	assert_int_equal(b.ev.status, BS_STATUS_ATTEMPT);
	assert_int_equal(b.ev.flags, 0);
	span_is("rcpt", b.ev.rcpt, "user@example.com");
	span_is("domain", b.ev.rcpt_domain, "example.com");
	span_is("reply", b.ev.reply,
	    "421 4.7.0 Try again later, closing connection");
	assert_int_equal(c.rc, PARSE_OK);
	span_is("relay", c.ev.relay_host, "mx2.example.com");
	span_is("ip", c.ev.relay_ip, "192.0.2.11");
	assert_int_equal(d.rc, PARSE_OK);
	assert_int_equal(d.ev.status, BS_STATUS_ATTEMPT);
	span_is("reply", d.ev.reply,
	    "TLS error on connection (SSL_connect): timed out");
	free(a.buf);
	free(b.buf);
	free(c.buf);
	free(d.buf);
}

static void
exim_parse__syslog_forms__same_event(void **state)
{
	struct parsed a = parse("Nov 22 10:15:01 mail exim[1234]: " MSGID
				" == a@example.com R=dnslookup T=remote_smtp "
				"defer (-44) H=mx.example.com [192.0.2.10]: "
				"SMTP error from remote mail server after "
				"RCPT TO:<a@example.com>: 450 4.2.1 Slow "
				"down");
	struct parsed b = parse("Nov 22 10:15:01 mail exim[1234]: "
				"2026-11-22 10:15:01 [1234] " MSGID
				" ** a@example.com R=dnslookup T=remote_smtp "
				"H=mx.example.com [192.0.2.10] : SMTP error "
				"from remote mail server after MAIL "
				"FROM:<s@example.org>: 550 5.7.1 Rejected");

	(void)state;
	assert_int_equal(a.rc, PARSE_OK);
	assert_int_equal(a.pfx.time, T_UTC);
	span_is("reply", a.ev.reply, "450 4.2.1 Slow down");
	assert_int_equal(b.rc, PARSE_OK);
	assert_int_equal(b.ev.status, BS_STATUS_BOUNCED);
	span_is("qid", b.ev.queue_id, MSGID);
	span_is("stage", b.ev.stage, "MAIL FROM");
	span_is("reply", b.ev.reply, "550 5.7.1 Rejected");
	free(a.buf);
	free(b.buf);
}

static void
exim_parse__new_msgid_format__queue_id(void **state)
{
	struct parsed r = parse(
	    STAMP "1tEaZk-000000005vi-0000 ** a@example.com : Unrouteable "
		  "address");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	span_is("qid", r.ev.queue_id, "1tEaZk-000000005vi-0000");
	free(r.buf);
}

static void
exim_parse__malformed_results__bad(void **state)
{
	static const char *const lines[] = {
		STAMP MSGID " == a@example.com R=dnslookup T=remote_smtp",
		STAMP MSGID " == a@example.com R=r T=t defer (-44",
		STAMP MSGID " ** a@example.com",
		STAMP MSGID " ** a@example.com : ",
	};

	(void)state;
	expect_rc_all(
	    parse, lines, sizeof(lines) / sizeof(lines[0]), PARSE_BAD);
}

static void
exim_parse__every_truncation__in_bounds(void **state)
{
	static const char *const lines[] = {
		STAMP
		"+0100 [77] " MSGID " == u@example.com R=d T=r defer "
		"(-44) H=mx.example.com [192.0.2.1]:25*: SMTP error from remote "
		"mail server after RCPT TO:<u@example.com>: host mx [1.2.3.4]: "
		"451 x",
		STAMP MSGID " ** u@example.com <p@example.com> F=<s@x> R=d "
			    "T=r H=mx [2001:db8::1] : LMTP error after end of "
			    "data: 452 y",
		STAMP MSGID " => u@example.com H=m [192.0.2.1] C=\"250 \\",
		STAMP MSGID " H=m [192.0.2.1]: SMTP error from remote mail "
			    "server after RCPT TO:<u@example.com",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		parse_test_truncations(
		    read_main_log, NULL, lines[i], strlen(lines[i]));
}

static void
mta_parse_line__exim_main_log__exim_event_unless_forced(void **state)
{
	static const char line[] = STAMP MSGID " == a@example.com R=d T=r "
					       "defer (-44) H=mx.example.com "
					       "[192.0.2.1]: SMTP error from "
					       "remote mail server after RCPT "
					       "TO:<a@example.com>: 451 4.7.1 "
					       "Try later";
	struct mta_ctx ctx;
	struct bs_event ev;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	ctx.syslog.ref_time = REF;
	assert_int_equal(
	    mta_parse_line(line, sizeof(line) - 1, &ctx, &ev), PARSE_OK);
	assert_int_equal(ev.mta, BS_MTA_EXIM);
	assert_int_equal(ev.time, T_UTC);
	assert_int_equal(ev.smtp_code, 451);
	span_is("enhanced", ev.enhanced, "4.7.1");
	span_is("stage", ev.stage, "RCPT TO");
	ctx.force = BS_MTA_EXIM;
	assert_int_equal(
	    mta_parse_line(line, sizeof(line) - 1, &ctx, &ev), PARSE_OK);
	ctx.force = BS_MTA_POSTFIX;
	assert_int_equal(
	    mta_parse_line(line, sizeof(line) - 1, &ctx, &ev), PARSE_SKIP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    exim_prefix__zone_and_pid__utc_time_pid_and_message),
		cmocka_unit_test(
		    exim_prefix__bracketed_negative_zone__utc_time),
		cmocka_unit_test(
		    exim_prefix__no_zone__caller_offset_and_millisec),
		cmocka_unit_test(exim_prefix__not_a_stamp__skip),
		cmocka_unit_test(exim_parse__defer_rcpt_4xx__reply_stage_relay),
		cmocka_unit_test(exim_parse__defer_errno_strerror__connect),
		cmocka_unit_test(
		    exim_parse__defer_timeout_with_host__connect_stage_relay),
		cmocka_unit_test(exim_parse__local_decisions__local_flag),
		cmocka_unit_test(
		    exim_parse__fail_new_format__bounced_with_relay),
		cmocka_unit_test(exim_parse__fail_old_format__relay_from_text),
		cmocka_unit_test(exim_parse__fail_local_and_data_stage__reply),
		cmocka_unit_test(exim_parse__retry_timeout__expired),
		cmocka_unit_test(
		    exim_parse__deliveries__sent_with_confirmation),
		cmocka_unit_test(exim_parse__other_lines__skip),
		cmocka_unit_test(exim_parse__per_host_attempts__attempt),
		cmocka_unit_test(exim_parse__syslog_forms__same_event),
		cmocka_unit_test(exim_parse__new_msgid_format__queue_id),
		cmocka_unit_test(exim_parse__malformed_results__bad),
		cmocka_unit_test(exim_parse__every_truncation__in_bounds),
		cmocka_unit_test(
		    mta_parse_line__exim_main_log__exim_event_unless_forced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
