/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of parsers/sendmail.c: "to=" lines with stat=Sent,
 * Deferred with a remote reply, Deferred by connection and name-service
 * failures, permanent failures with and without the reply= field,
 * several recipients on one line, queued/quarantined (skipped), DSN
 * notices (expiry counted, the rest skipped), other lines skipped,
 * malformed lines, and every truncation of a long line read within
 * bounds. Lines are our own, in the field order of sendmail 8's
 * logdelivery() (deliver.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sendmail.h"
#include "parse_test.h"
#include "syslog.h"

#define REF INT64_C(1795392000)
#define PFX "Nov 22 10:15:01 mail sm-mta[4321]: 5AMAF1xa004321: "

static struct parsed
parse(const char *line)
{
	return parse_test_line(sendmail_parse, line, REF, 0);
}

static void
sendmail_parse__sent__reply_in_parentheses(void **state)
{
	struct parsed r = parse(
	    PFX "to=<ann@example.com>, ctladdr=<www@mail.example.org> (33/33), "
		"delay=00:00:02, xdelay=00:00:01, mailer=esmtp, pri=120452, "
		"relay=mx.example.com. [192.0.2.30], dsn=2.0.0, stat=Sent (Ok: "
		"queued as 4Nb7 (id 12))");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.mta, BS_MTA_SENDMAIL);
	assert_int_equal(r.ev.status, BS_STATUS_SENT);
	span_is("qid", r.ev.queue_id, "5AMAF1xa004321");
	span_is("rcpt", r.ev.rcpt, "ann@example.com");
	span_is("domain", r.ev.rcpt_domain, "example.com");
	span_is("relay", r.ev.relay_host, "mx.example.com");
	span_is("ip", r.ev.relay_ip, "192.0.2.30");
	span_is("dsn", r.ev.dsn, "2.0.0");
	span_is("reply", r.ev.reply, "Ok: queued as 4Nb7 (id 12)");
	free(r.buf);
}

static void
sendmail_parse__deferred_remote_reply__reply_text(void **state)
{
	struct parsed r = parse(
	    PFX "to=<ben@example.net>, delay=00:05:10, xdelay=00:00:01, "
		"mailer=esmtp, pri=210452, relay=mx2.example.net. "
		"[198.51.100.40], dsn=4.3.5, stat=Deferred: 451 4.3.5 Server "
		"configuration problem");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.status, BS_STATUS_DEFERRED);
	assert_int_equal(r.ev.flags, 0);
	span_is("dsn", r.ev.dsn, "4.3.5");
	span_is("reply", r.ev.reply, "451 4.3.5 Server configuration problem");
	free(r.buf);
}

static void
sendmail_parse__deferred_connection__connect_flag(void **state)
{
	static const struct {
		const char *line, *reply;
	} cases[] = {
		{ PFX "to=<c@example.org>, delay=00:00:01, mailer=esmtp, "
		      "pri=30000, relay=mx.example.org., dsn=4.0.0, "
		      "stat=Deferred: Connection refused by mx.example.org.",
		    "Connection refused by mx.example.org." },
		{ PFX "to=<c@example.org>, delay=00:00:01, mailer=esmtp, "
		      "pri=30000, relay=example.org, dsn=4.0.0, "
		      "stat=Deferred: Connection timed out with "
		      "mx.example.org.",
		    "Connection timed out with mx.example.org." },
		{ PFX "to=<c@example.org>, delay=00:00:01, mailer=esmtp, "
		      "pri=30000, relay=example.org, dsn=4.4.3, "
		      "stat=Deferred: Name server: example.org.: host name "
		      "lookup failure",
		    "Name server: example.org.: host name lookup failure" },
	};
	struct parsed r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = parse(cases[i].line);
		assert_int_equal(r.rc, PARSE_OK);
		assert_int_equal(r.ev.status, BS_STATUS_DEFERRED);
		assert_int_equal(r.ev.flags, BS_EVENT_CONNECT);
		span_is("reply", r.ev.reply, cases[i].reply);
		free(r.buf);
	}
}

static void
sendmail_parse__bare_deferred__empty_reply_dsn_kept(void **state)
{
	struct parsed r = parse(
	    PFX "to=<d@example.com>, delay=00:00:00, xdelay=00:00:00, "
		"mailer=esmtp, pri=41874, relay=mail.example.com., dsn=4.0.0, "
		"stat=Deferred");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.status, BS_STATUS_DEFERRED);
	span_is("reply", r.ev.reply, "");
	span_is("dsn", r.ev.dsn, "4.0.0");
	span_is("relay", r.ev.relay_host, "mail.example.com");
	free(r.buf);
}

static void
sendmail_parse__permanent_failures__bounced(void **state)
{
	struct parsed a = parse(
	    PFX "to=<e@example.com>, delay=00:00:01, xdelay=00:00:01, "
		"mailer=esmtp, pri=30452, relay=mx.example.com. [192.0.2.30], "
		"dsn=5.1.1, stat=User unknown");
	struct parsed b = parse(
	    PFX "to=<f@example.com>, delay=00:00:01, xdelay=00:00:01, "
		"mailer=esmtp, pri=30452, relay=mx.example.com. [192.0.2.30], "
		"dsn=5.7.1, reply=550 5.7.1 Service unavailable; client "
		"[203.0.113.7] blocked using zen.spamhaus.org, stat=Service "
		"unavailable");
	struct parsed c =
	    parse(PFX "to=<g@nowhere.example>, delay=00:00:00, mailer=esmtp, "
		      "pri=30452, dsn=5.1.2, stat=Host unknown (Name server: "
		      "nowhere.example: host not found)");

	(void)state;
	assert_int_equal(a.rc, PARSE_OK);
	assert_int_equal(a.ev.status, BS_STATUS_BOUNCED);
	span_is("reply", a.ev.reply, "User unknown");
	span_is("dsn", a.ev.dsn, "5.1.1");
	assert_int_equal(b.rc, PARSE_OK);
	assert_int_equal(b.ev.status, BS_STATUS_BOUNCED);
	span_is("reply", b.ev.reply,
	    "550 5.7.1 Service unavailable; client [203.0.113.7] blocked "
	    "using zen.spamhaus.org");
	assert_int_equal(c.rc, PARSE_OK);
	assert_int_equal(c.ev.status, BS_STATUS_BOUNCED);
	assert_int_equal(c.ev.flags, BS_EVENT_CONNECT);
	span_is("relay", c.ev.relay_host, "");
	free(a.buf);
	free(b.buf);
	free(c.buf);
}

static void
sendmail_parse__temporary_dsn_without_deferred__deferred(void **state)
{
	struct parsed r = parse(
	    PFX "to=<h@example.com>, delay=00:00:01, mailer=esmtp, pri=30452, "
		"relay=[192.0.2.50] [192.0.2.50], dsn=4.2.2, stat=Over quota");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.status, BS_STATUS_DEFERRED);
	span_is("relay", r.ev.relay_host, "192.0.2.50");
	span_is("ip", r.ev.relay_ip, "192.0.2.50");
	free(r.buf);
}

static void
sendmail_parse__several_recipients__first_taken(void **state)
{
	struct parsed r =
	    parse(PFX "to=<i@example.com>,<j@example.com>, delay=00:00:03, "
		      "xdelay=00:00:03, mailer=esmtp, pri=60452, "
		      "relay=mx.example.com. [IPv6:2001:db8::30], dsn=2.0.0, "
		      "stat=Sent (OK)");
	struct parsed l = parse(PFX
	    "to=kim, ctladdr=<root@mail.example.org> (0/0), delay=00:00:00, "
	    "xdelay=00:00:00, mailer=local, pri=30722, dsn=2.0.0, stat=Sent");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	span_is("rcpt", r.ev.rcpt, "i@example.com");
	span_is("ip", r.ev.relay_ip, "2001:db8::30");
	assert_int_equal(l.rc, PARSE_OK);
	assert_int_equal(l.ev.status, BS_STATUS_SENT);
	span_is("rcpt", l.ev.rcpt, "kim");
	span_is("domain", l.ev.rcpt_domain, "");
	span_is("reply", l.ev.reply, "");
	free(r.buf);
	free(l.buf);
}

static void
sendmail_parse__dsn_notices__expiry_only(void **state)
{
	struct parsed e = parse(PFX "5AMAF1xb004399: DSN: Cannot send "
				    "message for 5 days");
	struct parsed b = parse(PFX "5AMAF1xb004399: DSN: User unknown");
	struct parsed w = parse(PFX "5AMAF1xb004399: DSN: Warning: could "
				    "not send message for past 4 hours");
	/* trial9: Sendmail 8.17.1.9 logs the expiry of a message with the
	 * null sender (its notice goes to the postmaster) so: an expiry. */
	struct parsed p = parse(PFX "5AMAF1xb004399: postmaster notify: "
				    "Cannot send message for 20 seconds");
	struct parsed pb = parse(PFX "5AMAF1xb004399: postmaster notify: "
				     "User unknown");

	(void)state;
	assert_int_equal(e.rc, PARSE_OK);
	assert_int_equal(e.ev.status, BS_STATUS_EXPIRED);
	span_is("qid", e.ev.queue_id, "5AMAF1xa004321");
	span_is("rcpt", e.ev.rcpt, "");
	span_is("reply", e.ev.reply, "Cannot send message for 5 days");
	assert_int_equal(b.rc, PARSE_SKIP);
	assert_int_equal(w.rc, PARSE_SKIP);
	assert_int_equal(p.rc, PARSE_OK);
	assert_int_equal(p.ev.status, BS_STATUS_EXPIRED);
	span_is("qid", p.ev.queue_id, "5AMAF1xa004321");
	span_is("reply", p.ev.reply, "Cannot send message for 20 seconds");
	assert_int_equal(pb.rc, PARSE_SKIP);
	free(e.buf);
	free(pb.buf);
	free(b.buf);
	free(w.buf);
	free(p.buf);
}

static void
sendmail_parse__other_lines__skip(void **state)
{
	static const char *const lines[] = {
		PFX "from=<a@example.org>, size=1234, class=0, nrcpts=1, "
		    "msgid=<x@example.org>, proto=ESMTP, daemon=MTA, "
		    "relay=client.example.org [203.0.113.9]",
		PFX "to=<a@example.com>, delay=00:00:00, mailer=esmtp, "
		    "pri=30000, stat=queued",
		PFX "ruleset=check_rcpt, arg1=<x@example.com>, "
		    "relay=[203.0.113.9], reject=550 5.7.1 <x@example.com>... "
		    "Relaying denied",
		"Nov 22 10:15:01 mail sm-mta[4321]: STARTTLS=client, "
		"relay=mx.example.com., version=TLSv1.3, verify=OK",
		"Nov 22 10:15:01 mail sm-mta[4321]: starting daemon "
		"(8.17.1.9): SMTP+queueing@00:10:00",
	};

	(void)state;
	expect_rc_all(
	    parse, lines, sizeof(lines) / sizeof(lines[0]), PARSE_SKIP);
}

static void
sendmail_parse__malformed_to_lines__bad(void **state)
{
	static const char *const lines[] = {
		PFX "to=<a@example.com>, delay=00:00:00, mailer=esmtp",
		PFX "to=<a@example.com",
		PFX "to=<a@example.com>, Delay=1, stat=Sent",
		PFX "to=<a@example.com>",
	};

	(void)state;
	expect_rc_all(
	    parse, lines, sizeof(lines) / sizeof(lines[0]), PARSE_BAD);
}

static void
sendmail_parse__every_truncation__in_bounds(void **state)
{
	static const char line[] = PFX
	    "to=<f@example.com>,\"|/usr/bin/procmail\", ctladdr=<w@x> (1/1), "
	    "delay=00:00:01, mailer=esmtp, pri=30452, relay=mx.example.com. "
	    "[IPv6:2001:db8::1] (may be forged), dsn=5.7.1, reply=550 5.7.1 "
	    "x, stat=Service unavailable";

	(void)state;
	truncations_in_bounds(sendmail_parse, line, sizeof(line) - 1, REF);
}

static void
sendmail_parse__several_recipients__rest_for_next_rcpt(void **state)
{
	struct parsed r =
	    parse(PFX "to=<ann@example.com>,<bob@example.net>,"
		      "\"c, d\"@example.org, delay=00:00:02, "
		      "mailer=esmtp, pri=1, dsn=2.0.0, stat=Sent (ok)");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	span_is("rcpt", r.ev.rcpt, "ann@example.com");
	span_is("domain", r.ev.rcpt_domain, "example.com");
	assert_true(bs_event_next_rcpt(&r.ev));
	span_is("rcpt", r.ev.rcpt, "bob@example.net");
	span_is("domain", r.ev.rcpt_domain, "example.net");
	assert_int_equal(r.ev.status, BS_STATUS_SENT);
	assert_true(bs_event_next_rcpt(&r.ev));
	span_is("rcpt", r.ev.rcpt, "\"c, d\"@example.org");
	span_is("domain", r.ev.rcpt_domain, "example.org");
	assert_false(bs_event_next_rcpt(&r.ev));
	free(r.buf);
}

static void
sendmail_parse__bare_recipient_list__each_with_its_domain(void **state)
{
	struct parsed r = parse(PFX "to=ann@example.com,bob@example.net, "
				    "delay=00:00:02, mailer=esmtp, pri=1, "
				    "dsn=4.0.0, stat=Deferred: 451 4.3.5 busy");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	span_is("rcpt", r.ev.rcpt, "ann@example.com");
	assert_true(bs_event_next_rcpt(&r.ev));
	span_is("rcpt", r.ev.rcpt, "bob@example.net");
	span_is("domain", r.ev.rcpt_domain, "example.net");
	span_is("reply", r.ev.reply, "451 4.3.5 busy");
	assert_false(bs_event_next_rcpt(&r.ev));
	assert_false(bs_event_next_rcpt(&r.ev));
	free(r.buf);
}

static void
sendmail_parse__one_recipient__no_next_rcpt(void **state)
{
	struct parsed r =
	    parse(PFX "to=<ann@example.com>,, delay=00:00:02, "
		      "mailer=esmtp, pri=1, dsn=2.0.0, stat=Sent");

	(void)state;
	assert_int_equal(r.rc, PARSE_OK);
	span_is("rcpt", r.ev.rcpt, "ann@example.com");
	assert_false(bs_event_next_rcpt(&r.ev));
	free(r.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    sendmail_parse__several_recipients__rest_for_next_rcpt),
		cmocka_unit_test(
		    sendmail_parse__bare_recipient_list__each_with_its_domain),
		cmocka_unit_test(sendmail_parse__one_recipient__no_next_rcpt),
		cmocka_unit_test(sendmail_parse__sent__reply_in_parentheses),
		cmocka_unit_test(
		    sendmail_parse__deferred_remote_reply__reply_text),
		cmocka_unit_test(
		    sendmail_parse__deferred_connection__connect_flag),
		cmocka_unit_test(
		    sendmail_parse__bare_deferred__empty_reply_dsn_kept),
		cmocka_unit_test(sendmail_parse__permanent_failures__bounced),
		cmocka_unit_test(
		    sendmail_parse__temporary_dsn_without_deferred__deferred),
		cmocka_unit_test(
		    sendmail_parse__several_recipients__first_taken),
		cmocka_unit_test(sendmail_parse__dsn_notices__expiry_only),
		cmocka_unit_test(sendmail_parse__other_lines__skip),
		cmocka_unit_test(sendmail_parse__malformed_to_lines__bad),
		cmocka_unit_test(sendmail_parse__every_truncation__in_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
