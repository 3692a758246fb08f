/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of parsers/opensmtpd.c: "mta delivery" lines with result
 * Ok, TempFail (a remote reply, a connection failure, a domain given up
 * before any session) and PermFail (a reply with quotes inside, a loop),
 * "mda delivery" lines, "mta error" attempts, the queue's "Expire for"
 * lines (an expiry; "Remove for" skipped), other lines skipped,
 * malformed lines, every truncation read within bounds. Lines are our
 * own, in the format of OpenSMTPD's mta_log() (mta.c, 6.4 and later).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "opensmtpd.h"
#include "parse_test.h"
#include "syslog.h"

#define REF INT64_C(1795392000)
#define PFX "Nov 22 10:15:01 gw smtpd[2211]: 5df87c9ffd0e785d "
#define DLV                                                                    \
	PFX "mta delivery evpid=f6e94209918f7e7b from=<ops@example.org> "      \
	    "to=<amy@example.com> rcpt=<-> source=\"203.0.113.2\" "

static struct parsed
parse(const char *line)
{
	return parse_test_line(opensmtpd_parse, line, REF, 0);
}

static void
opensmtpd_parse__ok__sent_with_relay(void **state)
{
	struct parsed r = parse(
	    DLV "relay=\"192.0.2.60 (mx.example.com)\" delay=2s result=\"Ok\" "
		"stat=\"250 2.0.0 Ok: queued as 3Qz\"");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.mta, BS_MTA_OPENSMTPD);
	assert_int_equal(r.ev.status, BS_STATUS_SENT);
	assert_int_equal(r.ev.flags, 0);
	span_is("qid", r.ev.queue_id, "f6e94209");
	span_is("rcpt", r.ev.rcpt, "amy@example.com");
	span_is("domain", r.ev.rcpt_domain, "example.com");
	span_is("relay", r.ev.relay_host, "mx.example.com");
	span_is("ip", r.ev.relay_ip, "192.0.2.60");
	span_is("reply", r.ev.reply, "250 2.0.0 Ok: queued as 3Qz");
	free(r.buf);
}

static void
opensmtpd_parse__tempfail_reply__deferred(void **state)
{
	struct parsed r = parse(
	    DLV "relay=\"2001:db8::60 (mx.example.com)\" delay=0s "
		"result=\"TempFail\" stat=\"421 <amy@example.com> Service not "
		"available - too busy\"");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.status, BS_STATUS_DEFERRED);
	assert_int_equal(r.ev.flags, 0);
	span_is("ip", r.ev.relay_ip, "2001:db8::60");
	span_is("reply", r.ev.reply,
	    "421 <amy@example.com> Service not available - too busy");
	free(r.buf);
}

static void
opensmtpd_parse__domain_given_up__connect_without_ip(void **state)
{
	struct parsed r = parse(PFX
	    "mta delivery evpid=0a1b2c3d4e5f6071 from=<ops@example.org> "
	    "to=<bo@cafe.example> rcpt=<-> source=\"-\" relay=\"cafe.example\" "
	    "delay=4h result=\"TempFail\" stat=\"Network error on "
	    "destination MXs\"");
	struct parsed c = parse(
	    DLV "relay=\"192.0.2.60 (mx.example.com)\" delay=1s "
		"result=\"TempFail\" stat=\"IO Error: Connection reset by "
		"peer\"");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.status, BS_STATUS_DEFERRED);
	assert_int_equal(r.ev.flags, BS_EVENT_CONNECT);
	span_is("relay", r.ev.relay_host, "cafe.example");
	span_is("ip", r.ev.relay_ip, "");
	span_is("qid", r.ev.queue_id, "0a1b2c3d");
	assert_int_equal(c.rc, PARSE_OK);
	assert_int_equal(c.ev.flags, BS_EVENT_CONNECT);
	free(r.buf);
	free(c.buf);
}

static void
opensmtpd_parse__permfail__bounced_reply_with_quotes(void **state)
{
	struct parsed r = parse(DLV
	    "relay=\"192.0.2.60 (mx.example.com)\" delay=1s "
	    "result=\"PermFail\" stat=\"550 5.7.1 Message rejected: \"spam\" "
	    "score too high\"");
	struct parsed l = parse(DLV "relay=\"192.0.2.60 (mx.example.com)\" "
				    "delay=1s result=\"PermFail\" stat=\"Loop "
				    "detected\"");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.status, BS_STATUS_BOUNCED);
	span_is("reply", r.ev.reply,
	    "550 5.7.1 Message rejected: \"spam\" score too high");
	assert_int_equal(l.rc, PARSE_OK);
	assert_int_equal(l.ev.status, BS_STATUS_BOUNCED);
	assert_int_equal(l.ev.flags, 0);
	span_is("reply", l.ev.reply, "Loop detected");
	free(r.buf);
	free(l.buf);
}

static void
opensmtpd_parse__mda_delivery__local_result(void **state)
{
	struct parsed r = parse(
	    PFX "mda delivery evpid=9e8d7c6b5a493827 from=<ops@example.org> "
		"to=<root@gw.example.org> rcpt=<postmaster@gw.example.org> "
		"user=root delay=0s result=\"Ok\" stat=\"Delivered\"");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.status, BS_STATUS_SENT);
	span_is("rcpt", r.ev.rcpt, "root@gw.example.org");
	span_is("relay", r.ev.relay_host, "");
	span_is("reply", r.ev.reply, "Delivered");
	free(r.buf);
}

static void
opensmtpd_parse__mta_error__connect_attempt(void **state)
{
	struct parsed r = parse(PFX "mta error reason=Connection refused");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.status, BS_STATUS_ATTEMPT);
	assert_int_equal(r.ev.flags, BS_EVENT_CONNECT);
	span_is("reply", r.ev.reply, "Connection refused");
	free(r.buf);
}

#define QPFX "Nov 22 10:15:01 gw smtpd[2213]: "

static void
opensmtpd_parse__expire__expired_with_its_stat(void **state)
{
	/* As OpenSMTPD 6.8.0p2 logged it (smtpd.conf "queue ttl 30s"). */
	struct parsed r =
	    parse(QPFX "relay: Expire for 12be3b9706c6426e: "
		       "from=<@>, to=<grey2@grey.test>, rcpt=<->, "
		       "delay=30s, stat=Envelope expired");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.mta, BS_MTA_OPENSMTPD);
	assert_int_equal(r.ev.status, BS_STATUS_EXPIRED);
	assert_int_equal(r.ev.flags, 0);
	span_is("qid", r.ev.queue_id, "12be3b97");
	span_is("rcpt", r.ev.rcpt, "grey2@grey.test");
	span_is("domain", r.ev.rcpt_domain, "grey.test");
	assert_int_equal(r.ev.relay_host.len, 0);
	span_is("reply", r.ev.reply, "Envelope expired");
	free(r.buf);
}

static void
opensmtpd_parse__expire_local_odd_sender__recipient_after_to(void **state)
{
	struct parsed r = parse(
	    QPFX "delivery: Expire for f6e94209918f7e7b: from=<a>b@x.example>, "
		 "to=<amy@example.com>, rcpt=<al@example.com>, delay=4d, "
		 "stat=Envelope expired");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.status, BS_STATUS_EXPIRED);
	span_is("qid", r.ev.queue_id, "f6e94209");
	span_is("rcpt", r.ev.rcpt, "amy@example.com");
	free(r.buf);
}

static void
opensmtpd_parse__expire_malformed__bad(void **state)
{
	static const char *const lines[] = {
		QPFX "relay: Expire for 12be3b97: from=<@>, to=<a@b>",
		QPFX "relay: Expire for 12be3b9706c6426e: from=<@>",
		QPFX "relay: Expire for 12be3b9706c6426e: from=<@>, to=<a@b",
		QPFX "relay: Expire for 12be3b9706c6426e: from=<@>, to=<>, "
		     "rcpt=<->, delay=1s, stat=Envelope expired",
	};

	(void)state;
	expect_rc_all(
	    parse, lines, sizeof(lines) / sizeof(lines[0]), PARSE_BAD);
}

static void
opensmtpd_parse__expire_every_truncation__in_bounds(void **state)
{
	static const char line[] =
	    QPFX "relay: Expire for 12be3b9706c6426e: from=<@>, "
		 "to=<grey2@grey.test>, rcpt=<->, delay=30s, "
		 "stat=Envelope expired";

	(void)state;
	truncations_in_bounds(opensmtpd_parse, line, sizeof(line) - 1, REF);
}

static void
opensmtpd_parse__other_lines__skip(void **state)
{
	static const char *const lines[] = {
		PFX "mta connecting address=smtp://192.0.2.60:25 "
		    "host=mx.example.com",
		PFX "mta connected",
		PFX "smtp message msgid=f6e94209 size=802 nrcpt=1 proto=ESMTP",
		"Nov 22 10:15:01 gw smtpd[2211]: smtp-in: Failed command on "
		"session 1f55bdcdf16e28a3: \"MAIL FROM:<a@b>\" => 421 4.3.0: "
		"Temporary Error",
		"Nov 22 10:15:01 gw smtpd[2211]: info: OpenSMTPD 7.3.0 "
		"starting",
		"Nov 22 10:15:01 gw smtpd[2211]: 5df87c9ffd0e785 mta connected",
		QPFX "relay: Remove for 12be3b9706c6426e: from=<@>, "
		     "to=<a@b.example>, rcpt=<->, delay=5m, stat=Removed by "
		     "administrator",
		QPFX "warn: queue: no return path!",
	};

	(void)state;
	expect_rc_all(
	    parse, lines, sizeof(lines) / sizeof(lines[0]), PARSE_SKIP);
}

static void
opensmtpd_parse__malformed_delivery__bad(void **state)
{
	static const char *const lines[] = {
		DLV "relay=\"192.0.2.60 (mx.example.com)\" delay=1s",
		DLV "relay=\"192.0.2.60 (mx.example.com)\" delay=1s "
		    "result=\"Maybe\" stat=\"x\"",
		DLV "relay=\"192.0.2.60 (mx.example.com)\" delay=1s "
		    "result=\"Ok\"",
		DLV "relay=\"192.0.2.60",
		PFX "mta delivery evpid=1 from=<a",
	};

	(void)state;
	expect_rc_all(
	    parse, lines, sizeof(lines) / sizeof(lines[0]), PARSE_BAD);
}

static void
opensmtpd_parse__every_truncation__in_bounds(void **state)
{
	static const char line[] =
	    DLV "relay=\"192.0.2.60 (mx.example.com)\" delay=1s "
		"result=\"PermFail\" stat=\"550 \\\"x\\\" y\"";

	(void)state;
	truncations_in_bounds(opensmtpd_parse, line, sizeof(line) - 1, REF);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(opensmtpd_parse__ok__sent_with_relay),
		cmocka_unit_test(opensmtpd_parse__tempfail_reply__deferred),
		cmocka_unit_test(
		    opensmtpd_parse__domain_given_up__connect_without_ip),
		cmocka_unit_test(
		    opensmtpd_parse__permfail__bounced_reply_with_quotes),
		cmocka_unit_test(opensmtpd_parse__mda_delivery__local_result),
		cmocka_unit_test(opensmtpd_parse__mta_error__connect_attempt),
		cmocka_unit_test(
		    opensmtpd_parse__expire__expired_with_its_stat),
		cmocka_unit_test(
		    opensmtpd_parse__expire_local_odd_sender__recipient_after_to),
		cmocka_unit_test(opensmtpd_parse__expire_malformed__bad),
		cmocka_unit_test(
		    opensmtpd_parse__expire_every_truncation__in_bounds),
		cmocka_unit_test(opensmtpd_parse__other_lines__skip),
		cmocka_unit_test(opensmtpd_parse__malformed_delivery__bad),
		cmocka_unit_test(opensmtpd_parse__every_truncation__in_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
