/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of parsers/postfix.c through mta_parse_line(): every line
 * kind (final results of smtp, lmtp, local, virtual, pipe, error; qmgr
 * expiry; per-MX "said:" attempts; connection failures alone and inside
 * a deferral; suspended repeats), with every field of the event checked;
 * replies with nested parentheses and fake "status="; skipped noise; bad
 * lines (truncated, missing '>', unknown status word, binary garbage, NUL
 * bytes, a 1 MiB line). Lines are modelled on real Postfix output
 * (corpora: kumina_postfix_exporter, postfix-grok-patterns, logwatch).
 * Each line is copied into a buffer of exactly its length so that ASan
 * catches any read past it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mta.h"
#include "parse_test.h"

/* ref 2026-11-23T00:00:00Z; "Nov 22 10:15:01" is 1795342501. */
#define REF     INT64_C(1795392000)
#define T_NOV22 INT64_C(1795342501)
#define PFX     "Nov 22 10:15:01 mail "

static struct parsed
parse_n(const char *line, size_t len)
{
	struct mta_ctx ctx;
	struct parsed r = parse_test_buf(line, len);

	memset(&ctx, 0, sizeof(ctx));
	ctx.syslog.ref_time = REF;
	r.rc = mta_parse_line(r.buf, len, &ctx, &r.ev);
	return r;
}

static struct parsed
parse(const char *line)
{
	return parse_n(line, strlen(line));
}

/* Every field of an event, as strings ("" for empty). */
struct want {
	enum bs_status status;
	unsigned flags;
	int code;
	const char *program, *queue_id, *rcpt, *rcpt_domain, *relay_host,
	    *relay_ip, *dsn, *enhanced, *reply, *stage;
};

static void
check_event(const struct parsed *r, const struct want *w)
{
	const struct bs_event *ev = &r->ev;

	assert_int_equal(r->rc, PARSE_OK);
	assert_int_equal(ev->mta, BS_MTA_POSTFIX);
	assert_int_equal(ev->time, T_NOV22);
	assert_int_equal(ev->usec, 0);
	span_is("host", ev->host, "mail");
	if (ev->status != w->status)
		fail_msg("status %s, want %s", bs_status_name(ev->status),
		    bs_status_name(w->status));
	assert_int_equal(ev->flags, w->flags);
	assert_int_equal(ev->smtp_code, w->code);
	span_is("program", ev->program, w->program);
	span_is("queue_id", ev->queue_id, w->queue_id);
	span_is("rcpt", ev->rcpt, w->rcpt);
	span_is("rcpt_domain", ev->rcpt_domain, w->rcpt_domain);
	span_is("relay_host", ev->relay_host, w->relay_host);
	span_is("relay_ip", ev->relay_ip, w->relay_ip);
	span_is("dsn", ev->dsn, w->dsn);
	span_is("enhanced", ev->enhanced, w->enhanced);
	span_is("reply", ev->reply, w->reply);
	span_is("stage", ev->stage, w->stage);
}

static void
check_line(const char *line, const struct want *w)
{
	struct parsed r = parse(line);

	check_event(&r, w);
	free(r.buf);
}

static void
check_rc(const char *line, int rc)
{
	struct parsed r = parse(line);

	if (r.rc != rc)
		fail_msg("rc %d, want %d: %s", r.rc, rc, line);
	free(r.buf);
}

static void
postfix_parse__smtp_sent__all_fields(void **state)
{
	static const struct want w = { BS_STATUS_SENT, 0, 250, "postfix/smtp",
		"5270320179", "hebj@example.se", "example.se",
		"mail.example.se", "192.0.2.10", "2.0.0", "2.0.0",
		"250 2.0.0 6FVIjIMwUJwU66FVIjAEB0 mail accepted for delivery",
		"" };

	(void)state;
	/* kumina_postfix_exporter: smtp sent */
	check_line(PFX "postfix/smtp[59649]: 5270320179: "
		       "to=<hebj@example.se>, "
		       "relay=mail.example.se[192.0.2.10]:25, delay=2017, "
		       "delays=0.1/2017/0.03/0.05, dsn=2.0.0, status=sent "
		       "(250 2.0.0 6FVIjIMwUJwU66FVIjAEB0 mail accepted for "
		       "delivery)",
	    &w);
}

static void
postfix_parse__smtp_deferred_said__reply_and_stage(void **state)
{
	static const struct want w = { BS_STATUS_DEFERRED, 0, 451,
		"postfix/smtp", "732BB407C3", "user@163.com", "163.com",
		"163mx01.mxmail.netease.com", "192.0.2.1", "4.0.0", "4.0.0",
		"451 DT:SPM 163 mx40,WsCowAAnEhlCoEVa5GjcAA--.20089S3 "
		"1514512452, please try again 15min later",
		"end of DATA" };

	(void)state;
	/* kumina: NetEase DT:SPM deferral, dsn=4.0.0, no enhanced status */
	check_line(PFX "postfix/smtp[7648]: 732BB407C3: to=<user@163.com>, "
		       "relay=163mx01.mxmail.netease.com[192.0.2.1]:25, "
		       "delay=6.2, delays=0.1/0/5.2/0.87, dsn=4.0.0, "
		       "status=deferred (host "
		       "163mx01.mxmail.netease.com[192.0.2.1] said: 451 "
		       "DT:SPM 163 mx40,WsCowAAnEhlCoEVa5GjcAA--.20089S3 "
		       "1514512452, please try again 15min later (in reply to "
		       "end of DATA command))",
	    &w);
}

static void
postfix_parse__bounced_nested_parens__reply_to_last_paren(void **state)
{
	static const struct want w = { BS_STATUS_BOUNCED, 0, 550,
		"postfix/smtp", "04B0702E", "anyone@example.com", "example.com",
		"mx.example.com", "192.0.2.5", "5.1.1", "5.1.1",
		"550 5.1.1 <anyone@example.com>: Recipient address rejected: "
		"User unknown (see https://example.com/(help)) (code 7)",
		"RCPT TO" };

	(void)state;
	check_line(PFX "postfix/smtp[1]: 04B0702E: to=<anyone@example.com>, "
		       "relay=mx.example.com[192.0.2.5]:25, delay=12, "
		       "delays=6.5/0.01/0.03/5.1, dsn=5.1.1, status=bounced "
		       "(host mx.example.com[192.0.2.5] said: 550 5.1.1 "
		       "<anyone@example.com>: Recipient address rejected: "
		       "User unknown (see https://example.com/(help)) (code "
		       "7) (in reply to RCPT TO command))",
	    &w);
}

static void
postfix_parse__reply_with_fake_fields__taken_verbatim(void **state)
{
	static const struct want w = { BS_STATUS_BOUNCED, 0, 554,
		"postfix/smtp", "A1B2C3D4E5", "x@example.org", "example.org",
		"mx.example.org", "192.0.2.9", "5.7.1", "5.7.1",
		"554 5.7.1 rejected: to=<y@z>, relay=evil, status=sent (250 "
		"ok)",
		"MAIL FROM" };

	(void)state;
	check_line(PFX "postfix/smtp[1]: A1B2C3D4E5: to=<x@example.org>, "
		       "relay=mx.example.org[192.0.2.9]:25, delay=1, "
		       "delays=0/0/0/1, dsn=5.7.1, status=bounced (host "
		       "mx.example.org[192.0.2.9] said: 554 5.7.1 rejected: "
		       "to=<y@z>, relay=evil, status=sent (250 ok) (in reply "
		       "to MAIL FROM command))",
	    &w);
}

static void
postfix_parse__orig_to_and_conn_use__skipped_fields(void **state)
{
	static const struct want w = { BS_STATUS_SENT, 0, 250,
		"postfix-out/smtp", "0D9633D", "jos@example.com", "example.com",
		"mail1.example.net", "2001:db8::11", "2.0.0", "2.0.0",
		"250 2.0.0 Ok: queued as F12DF84004", "" };

	(void)state;
	/* postfix-grok-patterns smtp_0002, with conn_use and IPv6 */
	check_line(PFX "postfix-out/smtp[3]: 0D9633D: to=<jos@example.com>, "
		       "orig_to=<bestuur@example.com>, "
		       "relay=mail1.example.net[2001:db8::11]:25, "
		       "conn_use=2, delay=11, delays=5.4/0.06/5.1/0.03, "
		       "dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as "
		       "F12DF84004)",
	    &w);
}

static void
postfix_parse__local_and_virtual__no_relay_ip(void **state)
{
	static const struct want wl = { BS_STATUS_SENT, 0, 0, "postfix/local",
		"2A22C263F6", "user@host.example.com", "host.example.com",
		"local", "", "2.0.0", "2.0.0",
		"delivered to command: procmail -a \"$EXTENSION\"", "" };
	static const struct want wv = { BS_STATUS_SENT, 0, 0, "postfix/virtual",
		"199041033BE", "me@example.fr", "example.fr", "virtual", "",
		"2.0.0", "2.0.0", "delivered to maildir", "" };
	static const struct want wb = { BS_STATUS_BOUNCED, 0, 0,
		"postfix/local", "892A0205B6", "nobody@localhost", "localhost",
		"local", "", "5.1.1", "5.1.1", "unknown user: \"nobody\"", "" };

	(void)state;
	/* grok local_0001: bare addresses without <> */
	check_line(PFX "postfix/local[2]: 2A22C263F6: "
		       "to=user@host.example.com, orig_to=root@localhost, "
		       "relay=local, delay=0.07, delays=0.04/0/0/0.03, "
		       "dsn=2.0.0, status=sent (delivered to command: "
		       "procmail -a \"$EXTENSION\")",
	    &wl);
	check_line(PFX "postfix/virtual[20235]: 199041033BE: "
		       "to=<me@example.fr>, relay=virtual, delay=0.08, "
		       "delays=0.08/0/0/0, dsn=2.0.0, status=sent (delivered "
		       "to maildir)",
	    &wv);
	check_line(PFX "postfix/local[2]: 892A0205B6: to=<nobody@localhost>, "
		       "relay=local, delay=0.05, delays=0.02/0/0/0.02, "
		       "dsn=5.1.1, status=bounced (unknown user: \"nobody\")",
	    &wb);
}

static void
postfix_parse__pipe_and_lmtp__relay_forms(void **state)
{
	static const struct want wp = { BS_STATUS_BOUNCED, 0, 0, "postfix/pipe",
		"95ECE24E0", "tom@example.com", "example.com", "dovecot", "",
		"5.4.6", "5.4.6", "mail forwarding loop for tom@example.com",
		"" };
	static const struct want wl = { BS_STATUS_SENT, 0, 250, "postfix/lmtp",
		"AD6E41CDC05C", "admin@example.com", "example.com",
		"mail.example.com", "", "2.0.0", "2.0.0",
		"250 2.0.0 <admin@example.com> qYyyBMsl9FRuZQAAA15QOA Saved",
		"" };

	(void)state;
	check_line(PFX "postfix/pipe[4]: 95ECE24E0: to=<tom@example.com>, "
		       "relay=dovecot, delay=0.12, delays=0.03/0/0/0.08, "
		       "dsn=5.4.6, status=bounced (mail forwarding loop for "
		       "tom@example.com)",
	    &wp);
	/* grok smtp_0017: LMTP over a unix socket has no IP */
	check_line(PFX "postfix/lmtp[4]: AD6E41CDC05C: "
		       "to=<admin@example.com>, "
		       "relay=mail.example.com[private/dovecot-lmtp], "
		       "delay=0.15, delays=0.04/0/0.02/0.08, dsn=2.0.0, "
		       "status=sent (250 2.0.0 <admin@example.com> "
		       "qYyyBMsl9FRuZQAAA15QOA Saved)",
	    &wl);
}

static void
postfix_parse__error_suspended__flag_and_reason(void **state)
{
	static const struct want w = { BS_STATUS_DEFERRED,
		BS_EVENT_SUSPENDED | BS_EVENT_CONNECT, 0, "postfix/error",
		"2DC5552A34", "user@yahoo.com", "yahoo.com", "none", "",
		"4.4.2", "4.4.2",
		"lost connection with mta7.am0.yahoodns.net[192.0.2.22] while "
		"sending RCPT TO",
		"RCPT TO" };
	static const struct want w2 = { BS_STATUS_DEFERRED, BS_EVENT_SUSPENDED,
		0, "postfix/error", "2DC5552A35", "to@localhost", "localhost",
		"none", "", "4.3.0", "4.3.0", "transport is unavailable", "" };
	static const struct want w3 = { BS_STATUS_DEFERRED, BS_EVENT_SUSPENDED,
		421, "postfix/error", "2DC5552A36", "a@qq.com", "qq.com",
		"none", "", "4.0.0", "4.0.0",
		"421 HL:ICC 163 smtp9, please try again later", "MAIL FROM" };

	(void)state;
	/* grok error_0001 */
	check_line(PFX "postfix/error[9]: 2DC5552A34: to=<user@yahoo.com>, "
		       "relay=none, delay=63495, delays=63350/144/0/0, "
		       "dsn=4.4.2, status=deferred (delivery temporarily "
		       "suspended: lost connection with "
		       "mta7.am0.yahoodns.net[192.0.2.22] while sending RCPT "
		       "TO)",
	    &w);
	check_line(PFX "postfix/error[9]: 2DC5552A35: to=<to@localhost>, "
		       "relay=none, delay=238024, delays=238024/0/0/0, "
		       "dsn=4.3.0, status=deferred (delivery temporarily "
		       "suspended: transport is unavailable)",
	    &w2);
	/* A suspended "said:" is taken apart like any other. */
	check_line(PFX "postfix/error[9]: 2DC5552A36: to=<a@qq.com>, "
		       "relay=none, delay=1, delays=1/0/0/0, dsn=4.0.0, "
		       "status=deferred (delivery temporarily suspended: host "
		       "mx1.qq.com[192.0.2.3] said: 421 HL:ICC 163 smtp9, "
		       "please try again later (in reply to MAIL FROM "
		       "command))",
	    &w3);
}

static void
postfix_parse__deferred_connect_failures__connect_flag(void **state)
{
	static const struct want w1 = { BS_STATUS_DEFERRED, BS_EVENT_CONNECT, 0,
		"postfix/smtp", "ABCDEF1234", "to@example.com", "example.com",
		"none", "", "4.4.1", "4.4.1",
		"connect to mx1.example.com[192.0.2.1]:25: Connection timed "
		"out",
		"" };
	static const struct want w2 = { BS_STATUS_DEFERRED, BS_EVENT_CONNECT, 0,
		"postfix/smtp", "ABCDEF1235", "to@example.com", "example.com",
		"none", "", "4.4.3", "4.4.3",
		"Host or domain name not found. Name service error for "
		"name=example.com type=MX: Host not found, try again",
		"" };
	static const struct want w3 = { BS_STATUS_DEFERRED, BS_EVENT_CONNECT, 0,
		"postfix/smtp", "ABCDEF1236", "to@sample.net", "sample.net",
		"sample.net", "192.0.2.1", "4.4.2", "4.4.2",
		"conversation with sample.net[192.0.2.1] timed out while "
		"receiving the initial server greeting",
		"initial server greeting" };

	(void)state;
	check_line(PFX "postfix/smtp[1]: ABCDEF1234: to=<to@example.com>, "
		       "relay=none, delay=306142, "
		       "delays=306142/0.04/0.18/0, dsn=4.4.1, "
		       "status=deferred (connect to "
		       "mx1.example.com[192.0.2.1]:25: Connection timed out)",
	    &w1);
	check_line(PFX "postfix/smtp[1]: ABCDEF1235: to=<to@example.com>, "
		       "relay=none, delay=27077, delays=27077/0/0.57/0, "
		       "dsn=4.4.3, status=deferred (Host or domain name not "
		       "found. Name service error for name=example.com "
		       "type=MX: Host not found, try again)",
	    &w2);
	check_line(PFX "postfix/smtp[1]: ABCDEF1236: to=<to@sample.net>, "
		       "relay=sample.net[192.0.2.1]:25, delay=322, "
		       "delays=0.04/0/322/0, dsn=4.4.2, status=deferred "
		       "(conversation with sample.net[192.0.2.1] timed out "
		       "while receiving the initial server greeting)",
	    &w3);
}

static void
postfix_parse__relay_differs_from_said_host__relay_field_kept(void **state)
{
	static const struct want w = { BS_STATUS_DEFERRED, 0, 450,
		"postfix/smtp", "ED59C3D01", "user@example.com", "example.com",
		"smarthost.example.net", "192.0.2.40", "4.7.1", "4.7.1",
		"450 4.7.1 <user@example.com>: Recipient address rejected: "
		"Greylisted for 5 minutes",
		"RCPT TO" };

	(void)state;
	check_line(PFX "postfix/smtp[1]: ED59C3D01: to=<user@example.com>, "
		       "relay=smarthost.example.net[192.0.2.40]:587, "
		       "delay=1, delays=0/0/0.5/0.5, dsn=4.7.1, "
		       "status=deferred (host mail2.example.com[192.0.2.41] "
		       "said: 450 4.7.1 <user@example.com>: Recipient "
		       "address rejected: Greylisted for 5 minutes (in reply "
		       "to RCPT TO command))",
	    &w);
}

static void
postfix_parse__softbounce__deferred(void **state)
{
	static const struct want w = { BS_STATUS_DEFERRED, 0, 0,
		"postfix/local", "D8962E54", "anyone@example.com",
		"example.com", "local", "", "4.1.1", "4.1.1",
		"unknown user: \"to\"", "" };

	(void)state;
	check_line(PFX "postfix/local[1]: D8962E54: to=<anyone@example.com>, "
		       "relay=local, delay=0.21, delays=0.05/0.02/0/0.14, "
		       "dsn=4.1.1, status=SOFTBOUNCE (unknown user: \"to\")",
	    &w);
}

static void
postfix_parse__empty_and_odd_recipients__domain_after_last_at(void **state)
{
	static const struct want w1 = { BS_STATUS_BOUNCED, 0, 0, "postfix/smtp",
		"ABCDE12345", "", "", "none", "", "5.4.6", "5.4.6",
		"mail for sample.net loops back to myself", "" };
	static const struct want w2 = { BS_STATUS_BOUNCED, 0, 550,
		"postfix/smtp", "ABCDE12346", "\"a@b\"@example.com",
		"example.com", "mx.example.com", "192.0.2.2", "5.0.0", "5.0.0",
		"550 no", "RCPT TO" };

	(void)state;
	check_line(PFX "postfix/smtp[1]: ABCDE12345: to=<>, relay=none, "
		       "delay=1, delays=1/0/0/0, dsn=5.4.6, status=bounced "
		       "(mail for sample.net loops back to myself)",
	    &w1);
	check_line(PFX "postfix/smtp[1]: ABCDE12346: "
		       "to=<\"a@b\"@example.com>, "
		       "relay=mx.example.com[192.0.2.2]:25, delay=1, "
		       "delays=1/0/0/0, dsn=5.0.0, status=bounced (host "
		       "mx.example.com[192.0.2.2] said: 550 no (in reply to "
		       "RCPT TO command))",
	    &w2);
}

static void
postfix_parse__qmgr_expired__expired_without_reply(void **state)
{
	static const struct want w1 = { BS_STATUS_EXPIRED, 0, 0, "postfix/qmgr",
		"BACE842E72", "", "", "", "", "", "", "", "" };
	static const struct want w2 = { BS_STATUS_EXPIRED, 0, 0, "postfix/qmgr",
		"BACE842E73", "", "", "", "", "", "", "", "" };
	static const struct want w3 = { BS_STATUS_EXPIRED, 0, 0, "postfix/qmgr",
		"585BC3F", "", "", "", "", "", "", "", "" };

	(void)state;
	check_line(PFX "postfix/qmgr[3663]: BACE842E72: "
		       "from=<noreply@example.com>, status=expired, returned "
		       "to sender",
	    &w1);
	check_line(PFX "postfix/qmgr[3663]: BACE842E73: "
		       "from=<noreply@example.com>, status=force-expired, "
		       "returned to sender",
	    &w2);
	check_line(PFX "postfix/qmgr[3663]: 585BC3F: from=<>, "
		       "status=expired, returned to sender",
	    &w3);
}

static void
postfix_parse__attempt_said__relay_from_text(void **state)
{
	static const struct want w1 = { BS_STATUS_ATTEMPT, 0, 421,
		"postfix/smtp", "644D53D", "", "", "gmail-smtp-in.l.google.com",
		"192.0.2.26", "", "4.7.28",
		"421-4.7.28 [192.0.2.99      15] Our system has detected an "
		"unusual rate of 421-4.7.28 unsolicited mail originating from "
		"your IP address.",
		"end of DATA" };
	static const struct want w2 = { BS_STATUS_ATTEMPT, 0, 554,
		"postfix/smtp", "644D53E", "", "", "mx.example.com",
		"192.0.2.1", "", "5.7.1",
		"554 5.7.1 example.com Connection not authorized", "" };
	static const struct want w3 = { BS_STATUS_ATTEMPT, 0, 535,
		"postfix/smtp", "D0F29603B4", "", "", "xyz.example.com",
		"192.0.2.4", "", "5.7.8",
		"535 5.7.8 Error: authentication failed: authentication "
		"failure",
		"" };

	(void)state;
	check_line(PFX "postfix/smtp[1]: 644D53D: host "
		       "gmail-smtp-in.l.google.com[192.0.2.26] said: "
		       "421-4.7.28 [192.0.2.99      15] Our system has "
		       "detected an unusual rate of 421-4.7.28 unsolicited "
		       "mail originating from your IP address. (in reply to "
		       "end of DATA command)",
	    &w1);
	check_line(PFX "postfix/smtp[1]: 644D53E: host "
		       "mx.example.com[192.0.2.1] refused to talk to me: 554 "
		       "5.7.1 example.com Connection not authorized",
	    &w2);
	/* grok smtp_0032 */
	check_line(PFX "postfix/smtp[1]: D0F29603B4: SASL authentication "
		       "failed; server xyz.example.com[192.0.2.4] said: 535 "
		       "5.7.8 Error: authentication failed: authentication "
		       "failure",
	    &w3);
}

static void
postfix_parse__attempt_connect_failures__connect_flag(void **state)
{
	static const struct want w1 = { BS_STATUS_ATTEMPT, BS_EVENT_CONNECT, 0,
		"postfix/smtp", "", "", "", "aspmx.l.google.com",
		"2001:db8:400b:c02::1a", "", "",
		"connect to aspmx.l.google.com[2001:db8:400b:c02::1a]:25: "
		"Network is unreachable",
		"" };
	static const struct want w2 = { BS_STATUS_ATTEMPT, BS_EVENT_CONNECT, 0,
		"postfix/smtp", "B99FE3D", "", "", "mx3.hotmail.com",
		"192.0.2.72", "", "",
		"lost connection with mx3.hotmail.com[192.0.2.72] while "
		"receiving the initial server greeting",
		"initial server greeting" };
	static const struct want w3 = { BS_STATUS_ATTEMPT, BS_EVENT_CONNECT, 0,
		"postfix/smtp", "78D6B41", "", "", "mx00.gmx.com", "192.0.2.4",
		"", "",
		"conversation with mx00.gmx.com[192.0.2.4] timed out while "
		"sending RCPT TO",
		"RCPT TO" };
	static const struct want w4 = { BS_STATUS_ATTEMPT, BS_EVENT_CONNECT, 0,
		"postfix/smtp", "78D6B42", "", "", "", "", "", "",
		"Host or domain name not found. Name service error for "
		"name=example.invalid type=MX: Host not found, try again",
		"" };
	static const struct want w5 = { BS_STATUS_ATTEMPT, BS_EVENT_CONNECT, 0,
		"postfix/smtp", "78D6B43", "", "", "mx.example.com",
		"192.0.2.8", "", "",
		"connect to mx.example.com[192.0.2.8]:25: Connection refused",
		"" };

	(void)state;
	check_line(PFX "postfix/smtp[1]: connect to "
		       "aspmx.l.google.com[2001:db8:400b:c02::1a]:25: Network "
		       "is unreachable",
	    &w1);
	check_line(PFX "postfix/smtp[1]: B99FE3D: lost connection with "
		       "mx3.hotmail.com[192.0.2.72] while receiving the "
		       "initial server greeting",
	    &w2);
	check_line(PFX "postfix/smtp[1]: 78D6B41: conversation with "
		       "mx00.gmx.com[192.0.2.4] timed out while sending RCPT "
		       "TO",
	    &w3);
	check_line(PFX "postfix/smtp[1]: 78D6B42: Host or domain name not "
		       "found. Name service error for name=example.invalid "
		       "type=MX: Host not found, try again",
	    &w4);
	check_line(PFX "postfix/smtp[1]: 78D6B43: connect to "
		       "mx.example.com[192.0.2.8]:25: Connection refused",
	    &w5);
}

static void
postfix_parse__long_queue_id__accepted(void **state)
{
	static const struct want w = { BS_STATUS_SENT, 0, 250, "postfix/smtp",
		"4Bx3zN6QxBzKnNg", "a@example.com", "example.com",
		"mx.example.com", "192.0.2.1", "2.0.0", "2.0.0", "250 ok", "" };

	(void)state;
	check_line(PFX "postfix/smtp[1]: 4Bx3zN6QxBzKnNg: to=<a@example.com>, "
		       "relay=mx.example.com[192.0.2.1]:25, delay=1, "
		       "delays=1/0/0/0, dsn=2.0.0, status=sent (250 ok)",
	    &w);
}

static void
postfix_parse__cut_line__reply_to_end(void **state)
{
	static const struct want w = { BS_STATUS_BOUNCED, 0, 550,
		"postfix/smtp", "ABCDEF99", "a@example.com", "example.com",
		"mx.example.com", "192.0.2.1", "5.7.1", "5.7.1",
		"550 5.7.1 blocked (see", "" };

	(void)state;
	check_line(PFX "postfix/smtp[1]: ABCDEF99: to=<a@example.com>, "
		       "relay=mx.example.com[192.0.2.1]:25, delay=1, "
		       "delays=1/0/0/0, dsn=5.7.1, status=bounced (host "
		       "mx.example.com[192.0.2.1] said: 550 5.7.1 blocked "
		       "(see",
	    &w);
}

static void
postfix_parse__noise__skip(void **state)
{
	static const char *const noise[] = {
		PFX "postfix/smtpd[1830]: connect from example.com[192.0.2.1]",
		PFX "postfix/smtpd[1]: NOQUEUE: reject: RCPT from "
		    "x[192.0.2.1]: 554 5.7.1 <a@b>: Relay access denied; "
		    "from=<s@x> to=<a@b> proto=ESMTP helo=<x>",
		PFX "postfix/submission/smtpd[1]: 3D74ADB7400B: "
		    "client=example.com[192.0.2.1]",
		PFX "postfix/cleanup[1894]: C6E0DDB74006: "
		    "message-id=<A40CF64D@example.com>",
		PFX "postfix/cleanup[1]: C6E0DDB74006: milter-reject: "
		    "END-OF-MESSAGE from x[192.0.2.1]: 5.7.1 spam; "
		    "from=<a@b> to=<c@d>",
		PFX "postfix/qmgr[18719]: C6E0DDB74006: from=<t@example.com>, "
		    "size=309891, nrcpt=1 (queue active)",
		PFX "postfix/qmgr[18719]: 3D74ADB7400B: removed",
		PFX "postfix/qmgr[1]: warning: bounce_queue_lifetime is "
		    "larger than maximal_queue_lifetime",
		PFX "postfix/pickup[1]: 6526CDB7400B: uid=0 from=<root>",
		PFX "postfix/bounce[1]: 732BB407C3: sender non-delivery "
		    "notification: 8D4F2407C5",
		PFX "postfix/postscreen[1]: CONNECT from [192.0.2.1]:1234 to "
		    "[192.0.2.2]:25",
		PFX "postfix/smtp[1]: Trusted TLS connection established to "
		    "mx.example.com[192.0.2.1]:25: TLSv1.3",
		PFX "postfix/smtp[1]: B0ADE20FC7: enabling PIX workarounds: "
		    "disable_esmtp",
		PFX "postfix/smtp[1]: warning: problem talking to service "
		    "private/scache: Connection timed out",
		PFX "postfix/smtp[1]: warning: connect to 127.0.0.1:12525: "
		    "Connection refused",
		PFX "postfix/smtp[1]: certificate verification failed for "
		    "mx.example.com[192.0.2.1]:25: self-signed certificate",
		PFX "postfix/smtp[1]: 3E29030F86: to=<u@yahoo.com>, "
		    "relay=none, delay=0.01, delays=0.01/0/0/0, dsn=5.1.1, "
		    "status=undeliverable-but-not-cached (User unknown)",
		PFX "postfix/virtual[1]: 3E29030F87: to=<u@example.com>, "
		    "relay=virtual, delay=0.09, delays=0.03/0/0/0.06, "
		    "dsn=2.0.0, status=deliverable (delivers to maildir)",
		PFX "postfix/smtp[1]: 3E29030F88: host x[192.0.2.1] greeted "
		    "me with my own hostname x",
		PFX "postfix/smtp[1]: 3E29030F88",
		PFX "postfix/smtp[1]: ",
		PFX "postfix[1]: 3E29030F88: to=<a@b>, relay=none, delay=1, "
		    "dsn=5.0.0, status=bounced (x)",
		/* Another program's line (exim[1] would go to the Exim
		 * parser, which takes this as a failure). */
		PFX "dovecot[1]: 1abcde-000001-AB ** a@b: 550 no",
		PFX "kernel: [123.456] eth0: link up",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(noise) / sizeof(noise[0]); i++)
		check_rc(noise[i], PARSE_SKIP);
}

static void
postfix_parse__broken_delivery_lines__bad(void **state)
{
	static const char *const bad[] = {
		/* no closing '>' */
		PFX "postfix/smtp[1]: ABCDEF01: to=<a@example.com, "
		    "relay=none, delay=1, dsn=4.4.1, status=deferred (x)",
		/* unknown status word */
		PFX "postfix/smtp[1]: ABCDEF02: to=<a@example.com>, "
		    "relay=none, delay=1, dsn=4.4.1, status=weird (x)",
		/* truncated before '(' */
		PFX "postfix/smtp[1]: ABCDEF03: to=<a@example.com>, "
		    "relay=none, delay=1, dsn=4.4.1, status=deferred",
		PFX "postfix/smtp[1]: ABCDEF04: to=<a@example.com>, "
		    "relay=none, delay=1, dsn=4.4.1, status=deferred ",
		/* truncated before status= */
		PFX "postfix/smtp[1]: ABCDEF05: to=<a@example.com>, "
		    "relay=none, delay=1, dsn=4.4.1, sta",
		PFX "postfix/smtp[1]: ABCDEF06: to=<a@exa",
		PFX "postfix/smtp[1]: ABCDEF07: to=<a@example.com>, relay",
		/* no relay= */
		PFX "postfix/smtp[1]: ABCDEF08: to=<a@example.com>, delay=1, "
		    "dsn=4.4.1, status=deferred (x)",
		/* qmgr expiry with a status word that is not an expiry */
		PFX "postfix/qmgr[1]: ABCDEF09: from=<a@example.com>, "
		    "status=bogus, returned to sender",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_rc(bad[i], PARSE_BAD);
}

static void
postfix_parse__binary_garbage__no_crash(void **state)
{
	unsigned char buf[512];
	uint32_t x = 2463534242u;
	struct parsed r;
	size_t i, n, plen = strlen(PFX "postfix/smtp[1]: ");
	int round;

	(void)state;
	memcpy(buf, PFX "postfix/smtp[1]: ", plen);
	for (round = 0; round < 2000; round++) {
		n = plen + (size_t)(round % (int)(sizeof(buf) - plen));
		for (i = plen; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = (unsigned char)x;
		}
		/* Half the rounds look like a delivery line. */
		if (round % 2 && n > plen + 40)
			memcpy(buf + plen, "ABCDEF01: to=<a@b>, relay=x, ",
			    strlen("ABCDEF01: to=<a@b>, relay=x, "));
		r = parse_n((const char *)buf, n);
		assert_true(r.rc == PARSE_OK || r.rc == PARSE_SKIP ||
		    r.rc == PARSE_BAD);
		if (r.rc == PARSE_OK) {
			/* Every span lies inside the line. */
			assert_true(r.ev.reply.len <= n);
			assert_true(r.ev.rcpt.len <= n);
		}
		free(r.buf);
	}
	/* Pure garbage without a syslog prefix. */
	r = parse_n("\x01\xff\x7f\x00garbage\x00\x80", 13);
	assert_int_equal(r.rc, PARSE_SKIP);
	free(r.buf);
}

static void
postfix_parse__nul_bytes_in_line__kept_in_spans(void **state)
{
	static const char line[] = PFX
	    "postfix/smtp[1]: ABCDEF11: to=<a\0b@example.com>, "
	    "relay=mx.example.com[192.0.2.1]:25, delay=1, delays=1/0/0/0, "
	    "dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.1] said: "
	    "550 5.1.1 no\0such user (in reply to RCPT TO command))";
	struct parsed r;

	(void)state;
	r = parse_n(line, sizeof(line) - 1);
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.status, BS_STATUS_BOUNCED);
	assert_int_equal(r.ev.rcpt.len, 15);
	assert_memory_equal(r.ev.rcpt.ptr, "a\0b@example.com", 15);
	span_is("rcpt_domain", r.ev.rcpt_domain, "example.com");
	assert_int_equal(r.ev.reply.len, 22);
	assert_memory_equal(r.ev.reply.ptr, "550 5.1.1 no\0such user", 22);
	span_is("stage", r.ev.stage, "RCPT TO");
	free(r.buf);
}

static void
postfix_parse__one_mib_line__parsed_in_bounds(void **state)
{
	static const char head[] = PFX
	    "postfix/smtp[1]: ABCDEF12: to=<a@example.com>, "
	    "relay=mx.example.com[192.0.2.1]:25, delay=1, delays=1/0/0/0, "
	    "dsn=5.7.1, status=bounced (host mx.example.com[192.0.2.1] said: "
	    "550 5.7.1 ";
	size_t big = (size_t)1 << 20, hl = sizeof(head) - 1, n;
	struct parsed r;
	char *line;

	(void)state;
	line = malloc(big);
	assert_non_null(line);
	memcpy(line, head, hl);
	memset(line + hl, 'x', big - hl);
	/* Ends with ")": the reply runs to it. */
	n = big;
	line[n - 1] = ')';
	r = parse_n(line, n);
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.smtp_code, 550);
	assert_int_equal(r.ev.reply.len, n - 1 - (hl - strlen("550 5.7.1 ")));
	free(r.buf);
	/* Cut (no ')'): the reply runs to the end. */
	line[n - 1] = 'x';
	r = parse_n(line, n);
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.reply.len, n - (hl - strlen("550 5.7.1 ")));
	free(r.buf);
	/* A megabyte of one byte after a postfix prefix: skipped. */
	memset(line, 'x', n);
	memcpy(line, PFX "postfix/smtp[1]: ", strlen(PFX "postfix/smtp[1]: "));
	r = parse_n(line, n);
	assert_int_equal(r.rc, PARSE_SKIP);
	free(r.buf);
	/* A megabyte with no prefix at all. */
	memset(line, 'A', n);
	r = parse_n(line, n);
	assert_int_equal(r.rc, PARSE_SKIP);
	free(r.buf);
	free(line);
}

static void
postfix_parse__rfc3339_prefix__time_with_usec(void **state)
{
	struct parsed r;

	(void)state;
	r = parse("2026-11-22T11:15:01.404714+01:00 mail postfix/smtp[1810]: "
		  "3D74ADB7400B: to=<t@example.to>, "
		  "relay=example.to[192.0.2.20]:25, delay=1.7, "
		  "delays=0.02/0/1.7/0.06, dsn=2.0.0, status=sent (250 "
		  "[Sniper] OK 1539154772 snipe-queue 10549)");
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.ev.time, T_NOV22);
	assert_int_equal(r.ev.usec, 404714);
	assert_int_equal(r.ev.smtp_code, 250);
	span_is("enhanced", r.ev.enhanced, "2.0.0");
	span_is("reply", r.ev.reply,
	    "250 [Sniper] OK 1539154772 snipe-queue 10549");
	free(r.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(postfix_parse__smtp_sent__all_fields),
		cmocka_unit_test(
		    postfix_parse__smtp_deferred_said__reply_and_stage),
		cmocka_unit_test(
		    postfix_parse__bounced_nested_parens__reply_to_last_paren),
		cmocka_unit_test(
		    postfix_parse__reply_with_fake_fields__taken_verbatim),
		cmocka_unit_test(
		    postfix_parse__orig_to_and_conn_use__skipped_fields),
		cmocka_unit_test(postfix_parse__local_and_virtual__no_relay_ip),
		cmocka_unit_test(postfix_parse__pipe_and_lmtp__relay_forms),
		cmocka_unit_test(
		    postfix_parse__error_suspended__flag_and_reason),
		cmocka_unit_test(
		    postfix_parse__deferred_connect_failures__connect_flag),
		cmocka_unit_test(
		    postfix_parse__relay_differs_from_said_host__relay_field_kept),
		cmocka_unit_test(postfix_parse__softbounce__deferred),
		cmocka_unit_test(
		    postfix_parse__empty_and_odd_recipients__domain_after_last_at),
		cmocka_unit_test(
		    postfix_parse__qmgr_expired__expired_without_reply),
		cmocka_unit_test(postfix_parse__attempt_said__relay_from_text),
		cmocka_unit_test(
		    postfix_parse__attempt_connect_failures__connect_flag),
		cmocka_unit_test(postfix_parse__long_queue_id__accepted),
		cmocka_unit_test(postfix_parse__cut_line__reply_to_end),
		cmocka_unit_test(postfix_parse__noise__skip),
		cmocka_unit_test(postfix_parse__broken_delivery_lines__bad),
		cmocka_unit_test(postfix_parse__binary_garbage__no_crash),
		cmocka_unit_test(
		    postfix_parse__nul_bytes_in_line__kept_in_spans),
		cmocka_unit_test(postfix_parse__one_mib_line__parsed_in_bounds),
		cmocka_unit_test(postfix_parse__rfc3339_prefix__time_with_usec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
