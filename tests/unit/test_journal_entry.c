/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of daemon/follow/journal_entry.c, the pure half of the
 * journal input: an entry's fields written as a `journalctl -o json` line
 * read back exactly by parsers/journal.c (time to the microsecond, host,
 * identifier, pid, a MESSAGE with quotes, backslashes, newlines, control
 * characters and bytes that are not UTF-8), through the MTA parser to a
 * deferral; absent fields omitted; a MESSAGE too long for the buffer cut
 * (never inside an escape) and flagged; no room at all is 0. And the
 * default filter: which units and identifiers are mail. Reading real
 * journal files is tested with the binary (tests/integration/
 * daemon_journal.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "journal.h"
#include "journal_entry.h"
#include "mta.h"

#define RT 1796521338065123ULL

static struct bs_span
sp(const char *s)
{
	return bs_span_make(s, strlen(s));
}

static struct journal_entry
entry(const char *msg)
{
	struct journal_entry e;

	memset(&e, 0, sizeof(e));
	e.realtime = RT;
	e.host = sp("mx1");
	e.ident = sp("postfix/smtp");
	e.pid = sp("4242");
	e.msg = bs_span_make(msg, strlen(msg));
	return e;
}

static void
assert_span(struct bs_span s, const char *want, size_t len)
{
	assert_int_equal(s.len, len);
	assert_memory_equal(s.ptr, want, len);
}

/* Builds the line of e and parses it back with parsers/journal.c. */
static void
round_trip(const struct journal_entry *e, char *buf, size_t cap,
    struct syslog_prefix *out, char *scratch, size_t slen, bool *cut)
{
	size_t len;

	len = journal_entry_line(e, buf, cap - 1, cut);
	assert_true(len > 0);
	assert_true(len <= cap - 1);
	/* The line is not NUL-terminated: terminate it for strstr() and
	 * strlen() in the tests (valgrind read past it before). */
	buf[len] = '\0';
	assert_int_equal(journal_parse(buf, len, scratch, slen, out), PARSE_OK);
}

static void
journal_entry_line__plain_fields__read_back_exactly(void **state)
{
	static const char msg[] = "ABC123: removed";
	struct journal_entry e = entry(msg);
	struct syslog_prefix p;
	char buf[512], scratch[512];
	bool cut;

	(void)state;
	round_trip(&e, buf, sizeof(buf), &p, scratch, sizeof(scratch), &cut);
	assert_false(cut);
	assert_int_equal(p.time, (int64_t)(RT / 1000000));
	assert_int_equal(p.usec, (int32_t)(RT % 1000000));
	assert_span(p.host, "mx1", 3);
	assert_span(p.program, "postfix/smtp", 12);
	assert_span(p.pid, "4242", 4);
	assert_span(p.msg, msg, sizeof(msg) - 1);
}

static void
journal_entry_line__hostile_bytes__round_trip_exact(void **state)
{
	static const char msg[] = "a\"b\\c\nd\te\rf\x01g\x1fh\x7fi\xff\xc3(j/";
	struct journal_entry e = entry(msg);
	struct syslog_prefix p;
	char buf[512], scratch[512];
	bool cut;

	(void)state;
	e.host = sp("h\"x");
	round_trip(&e, buf, sizeof(buf), &p, scratch, sizeof(scratch), &cut);
	assert_false(cut);
	assert_null(memchr(buf, '\n', strlen(buf)));
	assert_span(p.msg, msg, sizeof(msg) - 1);
	assert_span(p.host, "h\"x", 3);
}

static void
journal_entry_line__absent_fields__omitted(void **state)
{
	struct journal_entry e = entry("hello");
	struct syslog_prefix p;
	char buf[256], scratch[256];
	bool cut;

	(void)state;
	e.host = e.pid = bs_span_make(NULL, 0);
	round_trip(&e, buf, sizeof(buf), &p, scratch, sizeof(scratch), &cut);
	assert_null(strstr(buf, "_HOSTNAME"));
	assert_null(strstr(buf, "SYSLOG_PID"));
	assert_int_equal(p.host.len, 0);
	assert_int_equal(p.pid.len, 0);
	assert_span(p.msg, "hello", 5);
}

static void
journal_entry_line__message_too_long__cut_and_flagged(void **state)
{
	char msg[300], buf[160], scratch[160];
	struct journal_entry e;
	struct syslog_prefix p;
	bool cut;

	(void)state;
	memset(msg, 'x', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	e = entry(msg);
	round_trip(&e, buf, sizeof(buf), &p, scratch, sizeof(scratch), &cut);
	assert_true(cut);
	assert_true(p.msg.len > 0 && p.msg.len < sizeof(msg) - 1);
	assert_memory_equal(p.msg.ptr, msg, p.msg.len);
}

static void
journal_entry_line__cut_at_escape__never_inside_it(void **state)
{
	char msg[200], scratch[200];
	struct journal_entry e;
	struct syslog_prefix p;
	size_t cap;
	bool cut;

	(void)state;
	memset(msg, '\n', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	e = entry(msg);
	/* Every buffer size from the smallest that holds the fields up:
	 * the line always parses, with a message of whole newlines. */
	for (cap = 100; cap < 140; cap++) {
		char buf[140];
		size_t len = journal_entry_line(&e, buf, cap, &cut);

		if (len == 0)
			continue;
		assert_true(cut);
		assert_int_equal(
		    journal_parse(buf, len, scratch, sizeof(scratch), &p),
		    PARSE_OK);
		assert_memory_equal(p.msg.ptr, msg, p.msg.len);
	}
}

static void
journal_entry_line__no_room_for_fields__zero(void **state)
{
	struct journal_entry e = entry("hello");
	char buf[40];
	bool cut;

	(void)state;
	assert_int_equal(journal_entry_line(&e, buf, sizeof(buf), &cut), 0);
}

static void
journal_entry_line__postfix_deferral__mta_parser_reads_it(void **state)
{
	static const char msg[] =
	    "A00000000B: to=<u11@example.com>, relay=mx.example.com"
	    "[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=4.7.0, "
	    "status=deferred (host mx.example.com[192.0.2.1] said: 421 "
	    "4.7.0 Try again later (in reply to RCPT TO command))";
	struct journal_entry e = entry(msg);
	char buf[1024], scratch[1024];
	struct mta_ctx ctx;
	struct bs_event ev;
	size_t len;
	bool cut;

	(void)state;
	len = journal_entry_line(&e, buf, sizeof(buf), &cut);
	memset(&ctx, 0, sizeof(ctx));
	ctx.scratch = scratch;
	ctx.scratch_len = sizeof(scratch);
	assert_int_equal(mta_parse_line(buf, len, &ctx, &ev), PARSE_OK);
	assert_int_equal(ev.status, BS_STATUS_DEFERRED);
	assert_int_equal(ev.time, (int64_t)(RT / 1000000));
	assert_span(ev.queue_id, "A00000000B", 10);
	assert_span(ev.rcpt_domain, "example.com", 11);
}

static void
journal_entry_is_mail__mta_units_and_idents__true(void **state)
{
	(void)state;
	assert_true(journal_entry_is_mail(sp("postfix@-.service"), sp("")));
	assert_true(
	    journal_entry_is_mail(sp("postfix@postfix-out.service"), sp("")));
	assert_true(journal_entry_is_mail(sp("exim4.service"), sp("exim")));
	assert_true(journal_entry_is_mail(sp("sendmail.service"), sp("")));
	assert_true(journal_entry_is_mail(sp("opensmtpd.service"), sp("")));
	assert_true(journal_entry_is_mail(sp(""), sp("postfix/smtp")));
	assert_true(
	    journal_entry_is_mail(sp("cron.service"), sp("postfix/qmgr")));
}

static void
journal_entry_is_mail__other_entries__false(void **state)
{
	(void)state;
	assert_false(
	    journal_entry_is_mail(sp("postfix.service"), sp("systemd")));
	assert_false(journal_entry_is_mail(sp("postfix@.service"), sp("")));
	assert_false(journal_entry_is_mail(sp("postfix@-.socket"), sp("")));
	assert_false(journal_entry_is_mail(sp("exim4.timer"), sp("")));
	assert_false(journal_entry_is_mail(sp("cron.service"), sp("CRON")));
	assert_false(journal_entry_is_mail(sp(""), sp("postfix/")));
	assert_false(journal_entry_is_mail(sp(""), sp("postfixadmin")));
	assert_false(journal_entry_is_mail(sp(""), sp("")));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    journal_entry_line__plain_fields__read_back_exactly),
		cmocka_unit_test(
		    journal_entry_line__hostile_bytes__round_trip_exact),
		cmocka_unit_test(journal_entry_line__absent_fields__omitted),
		cmocka_unit_test(
		    journal_entry_line__message_too_long__cut_and_flagged),
		cmocka_unit_test(
		    journal_entry_line__cut_at_escape__never_inside_it),
		cmocka_unit_test(journal_entry_line__no_room_for_fields__zero),
		cmocka_unit_test(
		    journal_entry_line__postfix_deferral__mta_parser_reads_it),
		cmocka_unit_test(
		    journal_entry_is_mail__mta_units_and_idents__true),
		cmocka_unit_test(journal_entry_is_mail__other_entries__false),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
