/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of parsers/syslog.c: classic stamps with year inference
 * (December -> January rollover, leap day, the one-day margin) and zone
 * offset, RFC 3339 with and without fraction and offset, journalctl
 * short-iso and short-precise, <PRI> and RFC 5424 prefixes, and lines
 * that must be skipped. Every line is copied into a buffer of exactly its
 * length, so a read past the end is caught by ASan.
 *
 * Expected epochs were computed independently (Python calendar.timegm).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "span_test.h"

#include "syslog.h"

/* 2026-11-22T12:00:00Z */
#define REF_NOV22 INT64_C(1795348800)

struct parsed {
	int rc;
	char *buf;
	struct syslog_prefix p;
};

static struct parsed
parse_n(const char *line, size_t len, int64_t ref, int32_t tz)
{
	struct syslog_ctx ctx = { ref, tz, NULL, NULL };
	struct parsed r;

	memset(&r, 0, sizeof(r));
	r.buf = malloc(len > 0 ? len : 1);
	assert_non_null(r.buf);
	memcpy(r.buf, line, len);
	r.rc = syslog_parse(r.buf, len, &ctx, &r.p);
	return r;
}

static struct parsed
parse(const char *line, int64_t ref, int32_t tz)
{
	return parse_n(line, strlen(line), ref, tz);
}

/* line, read with reference ref in zone tz, parses and is at want. */
static void
parse_at(const char *line, int64_t ref, int32_t tz, int64_t want)
{
	struct parsed r = parse(line, ref, tz);

	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.p.time, want);
	free(r.buf);
}

static void
syslog_parse__classic_two_digit_day__all_fields(void **state)
{
	struct parsed r;

	(void)state;
	r = parse("Nov 22 10:15:01 mail postfix/smtp[1234]: 732BB407C3: "
		  "removed",
	    REF_NOV22, 0);
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.p.time, INT64_C(1795342501));
	assert_int_equal(r.p.usec, 0);
	span_is("r.p.host", r.p.host, "mail");
	span_is("r.p.program", r.p.program, "postfix/smtp");
	span_is("r.p.pid", r.p.pid, "1234");
	span_is("r.p.msg", r.p.msg, "732BB407C3: removed");
	free(r.buf);
}

static void
syslog_parse__classic_space_padded_day__parses(void **state)
{
	struct parsed r;

	(void)state;
	r = parse("Nov  2 10:15:01 mx1 postfix/qmgr[7]: x", REF_NOV22, 0);
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.p.time, INT64_C(1793614501));
	span_is("r.p.host", r.p.host, "mx1");
	span_is("r.p.msg", r.p.msg, "x");
	free(r.buf);

	/* Some relays drop the padding: "Nov 2". */
	parse_at("Nov 2 10:15:01 mx1 postfix/qmgr[7]: x", REF_NOV22, 0,
	    INT64_C(1793614501));
}

static void
syslog_parse__program_without_pid__empty_pid(void **state)
{
	struct parsed r;

	(void)state;
	r = parse("Nov 22 10:15:01 192.0.2.7 postfix/smtp: connect to x",
	    REF_NOV22, 0);
	assert_int_equal(r.rc, PARSE_OK);
	span_is("r.p.host", r.p.host, "192.0.2.7");
	span_is("r.p.program", r.p.program, "postfix/smtp");
	assert_int_equal(r.p.pid.len, 0);
	span_is("r.p.msg", r.p.msg, "connect to x");
	free(r.buf);
}

static void
syslog_parse__classic_with_tz_offset__converted_to_utc(void **state)
{
	(void)state;
	/* 10:15:01 at UTC+01:00 is 09:15:01Z. */
	parse_at("Nov 22 10:15:01 mail prog: m", REF_NOV22, 3600,
	    INT64_C(1795338901));
	/* 10:15:01 at UTC-05:30 is 15:45:01Z. */
	parse_at("Nov 22 10:15:01 mail prog: m", REF_NOV22, -19800,
	    INT64_C(1795362301));
}

/* Central European time in 2026: CEST (UTC+2) from 03-29T01:00Z to
 * 10-25T01:00Z, CET (UTC+1) else; as localtime_r() with Europe/Berlin. */
static int32_t
cet_2026(int64_t t)
{
	return t >= INT64_C(1774746000) && t < INT64_C(1792890000) ? 7200
								   : 3600;
}

/* The UTC time of a classic stamp read in January, in ctx's zone. */
static int64_t
classic_at(const char *line, struct syslog_ctx *ctx)
{
	struct syslog_prefix p;

	assert_int_equal(syslog_parse(line, strlen(line), ctx, &p), PARSE_OK);
	return p.time;
}

/*
 * Zone-less stamps are read in the offset of their own date (trial8:
 * with TZ=Europe/Berlin, a summer line read in winter, or by a daemon
 * started in winter, came out an hour late: the offset of "now" was
 * used for every line), with and without the memo; the hour that the
 * change repeats takes the later offset without a memo.
 */
static void
syslog_parse__classic_across_dst__offset_of_its_date(void **state)
{
	struct syslog_memo memo;
	struct syslog_ctx plain = { INT64_C(1798768800), 3600, NULL, cet_2026 };
	struct syslog_ctx with = plain;
	struct syslog_ctx *c[] = { &plain, &with, &with };
	size_t i;

	(void)state;
	memset(&memo, 0, sizeof(memo));
	with.memo = &memo;
	for (i = 0; i < 3; i++) {
		assert_int_equal(classic_at("Oct 24 12:00:00 mx prog: m", c[i]),
		    INT64_C(1792836000));
		assert_int_equal(classic_at("Oct 24 12:00:01 mx prog: m", c[i]),
		    INT64_C(1792836001));
		assert_int_equal(classic_at("Oct 25 01:30:00 mx prog: m", c[i]),
		    INT64_C(1792884600));
		/* Repeated: without a memo the later offset; with one,
		 * after 01:30, the first pass (trial10). */
		assert_int_equal(classic_at("Oct 25 02:30:00 mx prog: m", c[i]),
		    i == 0 ? INT64_C(1792891800) : INT64_C(1792888200));
		assert_int_equal(classic_at("Oct 26 12:00:00 mx prog: m", c[i]),
		    INT64_C(1793012400));
		assert_int_equal(classic_at("Mar 29 12:00:00 mx prog: m", c[i]),
		    INT64_C(1774778400));
	}
}

/*
 * trial10: the hour a DST change repeats (Oct 25 02:00-02:59 in Berlin)
 * read in order through a memo: its first pass in CEST, the second, once
 * the clock went back, in CET for the rest of the hour (before: every
 * line in CET, so the report showed 00:00Z empty and 01:00Z double). A
 * line a few minutes back (a host clock's jitter) stays in its pass.
 */
static void
syslog_parse__repeated_hour_in_order__each_pass_its_offset(void **state)
{
	static const struct {
		const char *line;
		int64_t t;
	} want[] = {
		{ "Oct 25 01:59:00 mx prog: m", INT64_C(1792886340) },
		/* first pass, CEST: 00:10Z, 00:50Z, 00:45Z (5 min back) */
		{ "Oct 25 02:10:00 mx prog: m", INT64_C(1792887000) },
		{ "Oct 25 02:50:00 mx prog: m", INT64_C(1792889400) },
		{ "Oct 25 02:45:00 mx prog: m", INT64_C(1792889100) },
		/* the clock went back: CET, 01:05Z, then 01:55Z */
		{ "Oct 25 02:05:00 mx prog: m", INT64_C(1792890300) },
		{ "Oct 25 02:55:00 mx prog: m", INT64_C(1792893300) },
		{ "Oct 25 03:05:00 mx prog: m", INT64_C(1792893900) },
	};
	struct syslog_memo memo;
	struct syslog_ctx ctx = { INT64_C(1793012400), 3600, NULL, cet_2026 };
	size_t i;

	(void)state;
	memset(&memo, 0, sizeof(memo));
	ctx.memo = &memo;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (classic_at(want[i].line, &ctx) != want[i].t)
			fail_msg("\"%s\": %lld, want %lld", want[i].line,
			    (long long)classic_at(want[i].line, &ctx),
			    (long long)want[i].t);
}

/*
 * trial10: the daemon's reference time is its last commit, up to
 * commit_interval before a line: "Jan  1 00:00:05" read with a reference
 * of Dec 31 23:59:50 came out a year back (2026-01-01). It is 2027-01-01;
 * a January line over a day ahead of the reference is still of its year.
 */
static void
syslog_parse__january_line_read_on_dec31__next_year(void **state)
{
	struct syslog_memo memo;
	struct syslog_ctx ctx = { INT64_C(1798761590), 0, NULL, NULL };
	int i;

	(void)state;
	parse_at("Jan  1 00:00:05 mail prog: m", INT64_C(1798761590), 0,
	    INT64_C(1798761605));
	/* In Berlin (UTC+1): Dec 31 23:59:50 local is 22:59:50Z. */
	parse_at("Jan  1 00:00:05 mail prog: m", INT64_C(1798757990), 3600,
	    INT64_C(1798758005));
	/* Read on Dec 30: over a day ahead, so Jan 1 of 2026. */
	parse_at("Jan  1 00:00:05 mail prog: m", INT64_C(1798588800), 0,
	    INT64_C(1767225605));
	/* Through the memo, twice (its day is the year after's). */
	memset(&memo, 0, sizeof(memo));
	ctx.memo = &memo;
	for (i = 0; i < 2; i++)
		assert_int_equal(classic_at("Jan  1 00:00:05 mx prog: m", &ctx),
		    INT64_C(1798761605));
}

static void
syslog_parse__december_line_read_in_january__previous_year(void **state)
{
	(void)state;
	/* ref 2027-01-10T00:00Z: "Dec 31" is 2026-12-31. */
	parse_at("Dec 31 23:59:59 mail prog: m", INT64_C(1799539200), 0,
	    INT64_C(1798761599));
	/* ...and "Jan  1" of the same read is 2027-01-01. */
	parse_at("Jan  1 00:30:00 mail prog: m", INT64_C(1799539200), 0,
	    INT64_C(1798763400));
}

static void
syslog_parse__new_year_in_local_zone__year_of_local_time(void **state)
{
	(void)state;
	/*
	 * ref 2026-12-31T23:00Z is already 2027-01-01T00:00 at UTC+01:00:
	 * "Jan  1 00:30:00" local is 2026-12-31T23:30Z, half an hour after
	 * ref (inside the one-day margin), in year 2027.
	 */
	parse_at("Jan  1 00:30:00 mail prog: m", INT64_C(1798758000), 3600,
	    INT64_C(1798759800));
}

static void
syslog_parse__stamp_more_than_a_day_ahead__previous_year(void **state)
{
	(void)state;
	/* ref 2026-11-22T00:00Z; ref + 1 day is Nov 23 00:00:00. */
	parse_at("Nov 23 00:00:00 mail prog: m", INT64_C(1795305600), 0,
	    INT64_C(1795392000));
	parse_at("Nov 23 00:00:01 mail prog: m", INT64_C(1795305600), 0,
	    INT64_C(1763856001));
}

static void
syslog_parse__leap_day__latest_leap_year(void **state)
{
	(void)state;
	/* ref 2029-01-10: "Feb 29" can only be 2028. */
	parse_at("Feb 29 12:00:00 mail prog: m", INT64_C(1862697600), 0,
	    INT64_C(1835438400));
	/* ref 2027-06-01: not 2027 (no Feb 29), but 2024. */
	parse_at("Feb 29 12:00:00 mail prog: m", INT64_C(1811808000), 0,
	    INT64_C(1709208000));
}

static void
syslog_parse__short_precise__usec(void **state)
{
	struct parsed r;

	(void)state;
	r = parse(
	    "Nov 22 10:15:01.123456 mail postfix/smtp[1]: m", REF_NOV22, 0);
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.p.time, INT64_C(1795342501));
	assert_int_equal(r.p.usec, 123456);
	span_is("r.p.host", r.p.host, "mail");
	free(r.buf);
}

static void
syslog_parse__rfc3339_fraction_and_offset__exact_utc(void **state)
{
	struct parsed r;

	(void)state;
	r = parse(
	    "2026-11-22T10:15:01.123456+01:00 mail postfix/smtp[9]: hi", 0, 0);
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.p.time, INT64_C(1795338901));
	assert_int_equal(r.p.usec, 123456);
	span_is("r.p.host", r.p.host, "mail");
	span_is("r.p.program", r.p.program, "postfix/smtp");
	span_is("r.p.pid", r.p.pid, "9");
	span_is("r.p.msg", r.p.msg, "hi");
	free(r.buf);
}

static void
syslog_parse__rfc3339_zulu_without_fraction__exact_utc(void **state)
{
	struct parsed r;

	(void)state;
	/* ref and tz must not matter for a stamp with a zone. */
	r = parse("2026-11-22T10:15:01Z mail prog: m", 42, 7200);
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.p.time, INT64_C(1795342501));
	assert_int_equal(r.p.usec, 0);
	free(r.buf);
}

static void
syslog_parse__rfc3339_short_fraction_and_negative_offset__scaled(void **state)
{
	struct parsed r;

	(void)state;
	r = parse("2026-11-22T10:15:01.5-05:30 mail prog: m", 0, 0);
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.p.time, INT64_C(1795362301));
	assert_int_equal(r.p.usec, 500000);
	free(r.buf);
	/* Nanoseconds: digits past the sixth are dropped. */
	r = parse("2026-11-22T10:15:01.123456789Z mail prog: m", 0, 0);
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.p.usec, 123456);
	free(r.buf);
}

static void
syslog_parse__journalctl_short_iso__offset_without_colon(void **state)
{
	struct parsed r;

	(void)state;
	r = parse("2026-11-22T10:15:01+0100 mail postfix/smtp[5]: m", 0, 0);
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.p.time, INT64_C(1795338901));
	span_is("r.p.program", r.p.program, "postfix/smtp");
	free(r.buf);
}

static void
syslog_parse__pri_before_classic__parses(void **state)
{
	struct parsed r;

	(void)state;
	r = parse("<22>Nov 22 10:15:01 mail postfix/smtp[1]: m", REF_NOV22, 0);
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.p.time, INT64_C(1795342501));
	span_is("r.p.host", r.p.host, "mail");
	free(r.buf);
}

static void
syslog_parse__rfc5424__fields(void **state)
{
	struct parsed r;

	(void)state;
	r = parse("<22>1 2026-11-22T10:15:01.003Z mail postfix/smtp 4711 - - "
		  "732BB407C3: removed",
	    0, 0);
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.p.time, INT64_C(1795342501));
	assert_int_equal(r.p.usec, 3000);
	span_is("r.p.host", r.p.host, "mail");
	span_is("r.p.program", r.p.program, "postfix/smtp");
	span_is("r.p.pid", r.p.pid, "4711");
	span_is("r.p.msg", r.p.msg, "732BB407C3: removed");
	free(r.buf);

	/* Structured data with an escaped ']' and NILVALUE procid. */
	r = parse("<13>1 2026-11-22T10:15:01Z h app - ID47 "
		  "[ex@32473 a=\"x\\]y\"][b@1 c=\"d\"] the msg",
	    0, 0);
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.p.pid.len, 0);
	span_is("r.p.program", r.p.program, "app");
	span_is("r.p.msg", r.p.msg, "the msg");
	free(r.buf);
}

static void
syslog_parse__not_a_prefix__skip(void **state)
{
	static const char *const bad[] = {
		"",
		"garbage",
		"Foo 22 10:15:01 mail prog: m",
		"nov 22 10:15:01 mail prog: m",
		"Nov 32 10:15:01 mail prog: m",
		"Nov 31 10:15:01 mail prog: m",
		"Feb 30 10:15:01 mail prog: m",
		"Nov 22 24:15:01 mail prog: m",
		"Nov 22 10:60:01 mail prog: m",
		"Nov 22 10:15:61 mail prog: m",
		"Nov 22 10:15",
		"Nov 22 10:15:01",
		"Nov 22 10:15:01 mail",
		"Nov 22 10:15:01 mail last message repeated 3 times",
		"Nov 22 10:15:01 mail prog[12",
		"Nov 22 10:15:01 mail prog[12] no colon",
		"Nov 22 10:15:01.  mail prog: m",
		"2026-13-22T10:15:01Z mail prog: m",
		"2026-02-29T10:15:01Z mail prog: m",
		"2026-11-22T10:15:01 mail prog: m",
		"2026-11-22 10:15:01 mail prog: m",
		"2026-11-22T10:15:01+24:00 mail prog: m",
		"2026-11-22T10:15:01+01:60 mail prog: m",
		"2026-11-22T10:15:01+1 mail prog: m",
		"<999999>Nov 22 10:15:01 mail prog: m",
		"<22>1 - mail prog - - - m",
		"<22",
	};
	struct parsed r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = parse(bad[i], REF_NOV22, 0);
		if (r.rc != PARSE_SKIP)
			fail_msg("not skipped: \"%s\"", bad[i]);
		free(r.buf);
	}
}

static void
syslog_parse__len_shorter_than_string__reads_only_len(void **state)
{
	static const char line[] = "Nov 22 10:15:01 mail prog: message";
	struct parsed r;

	(void)state;
	/* Cut before the tag's ':' -> no prefix. */
	r = parse_n(line, strlen("Nov 22 10:15:01 mail prog"), REF_NOV22, 0);
	assert_int_equal(r.rc, PARSE_SKIP);
	free(r.buf);
	/* Cut inside the message -> the message ends at len. */
	r = parse_n(
	    line, strlen("Nov 22 10:15:01 mail prog: mes"), REF_NOV22, 0);
	assert_int_equal(r.rc, PARSE_OK);
	span_is("r.p.msg", r.p.msg, "mes");
	free(r.buf);
	/* A colon and nothing else: empty message. */
	r = parse_n(line, strlen("Nov 22 10:15:01 mail prog:"), REF_NOV22, 0);
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.p.msg.len, 0);
	free(r.buf);
}

static void
syslog_parse__nul_bytes__ordinary_bytes(void **state)
{
	static const char line[] = "Nov 22 10:15:01 mail prog: a\0b";
	struct parsed r;

	(void)state;
	r = parse_n(line, sizeof(line) - 1, REF_NOV22, 0);
	assert_int_equal(r.rc, PARSE_OK);
	assert_int_equal(r.p.msg.len, 3);
	assert_memory_equal(r.p.msg.ptr, "a\0b", 3);
	free(r.buf);
	/* A NUL inside the stamp is no digit. */
	r = parse_n("Nov 22 10:1\0:01 mail prog: m", 28, REF_NOV22, 0);
	assert_int_equal(r.rc, PARSE_SKIP);
	free(r.buf);
}

static bool
same_span(struct bs_span a, struct bs_span b)
{
	return a.ptr == b.ptr && a.len == b.len;
}

/*
 * syslog_parse_untimed() then syslog_stamp_time() gives what
 * syslog_parse() gives, for every stamp format.
 */
static void
syslog_parse_untimed__then_stamp_time__same_as_syslog_parse(void **state)
{
	static const char *const lines[] = {
		"Nov 22 10:15:01 mail postfix/smtp[123]: m",
		"Nov  2 10:15:01 mail prog: m",
		"Dec 31 23:59:59.123456 mail prog[1]: m",
		"Feb 29 12:00:00 mail prog: m",
		"2026-11-22T10:15:01.5-03:30 mail prog[7]: m",
		"2026-11-22T10:15:01+0100 mail prog: m",
		"<22>1 2026-11-22T10:15:01Z mail prog 9 - - m",
		"<13>Nov 22 10:15:01 mail prog: m",
	};
	struct syslog_ctx ctx = { REF_NOV22, 3600, NULL, NULL };
	struct syslog_prefix whole, split;
	struct syslog_stamp st;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		assert_int_equal(
		    syslog_parse(lines[i], strlen(lines[i]), &ctx, &whole),
		    PARSE_OK);
		assert_int_equal(syslog_parse_untimed(
				     lines[i], strlen(lines[i]), &split, &st),
		    PARSE_OK);
		assert_int_equal(split.time, 0);
		assert_int_equal(syslog_stamp_time(&st, &ctx, &split), 0);
		if (whole.time != split.time || whole.usec != split.usec ||
		    !same_span(whole.host, split.host) ||
		    !same_span(whole.program, split.program) ||
		    !same_span(whole.pid, split.pid) ||
		    !same_span(whole.msg, split.msg))
			fail_msg("differs: \"%s\"", lines[i]);
	}
}

/*
 * Issue 14: through a memo, a sequence of lines (stamps repeated, cut,
 * followed by other bytes, days the year lacks, a December stamp read in
 * November) parses and times as without one.
 */
static void
syslog_parse_untimed_memo__line_sequence__same_as_without(void **state)
{
	static const char *const lines[] = {
		"Nov 22 10:15:01 mail postfix/smtp[123]: m",
		"Nov 22 10:15:01 mail postfix/qmgr[9]: n",
		"Nov 22 10:15:01 <mail.info> mail prog: m",
		"Nov 22 10:15:01 mail",
		"Nov 22 10:15:01 ",
		"Nov 22 10:15:01",
		"Nov 22 10:15:01x mail prog: m",
		"Nov 22 10:15:01.5 mail prog: m",
		"Nov 22 10:15:01.5 mail prog: m",
		"Nov 30 23:59:59 mail prog: m",
		"Nov 31 10:15:01 mail prog: m",
		"Nov 31 10:15:02 mail prog: m",
		"Feb 28 12:00:00 mail prog: m",
		"Feb 29 12:00:00 mail prog: m",
		"Feb 29 12:00:01 mail prog: m",
		"Nov 23 10:15:00 mail prog: m",
		"Nov 23 10:15:02 mail prog: m",
		"Nov 23 23:59:59 mail prog: m",
		"Dec 24 00:00:00 mail prog: m",
		"Dec 24 00:00:01 mail prog: m",
		"2026-11-22T10:15:01.5-03:30 mail prog[7]: m",
		"2026-11-22T10:15:01.5-03:30 mail prog[7]: [ID 1 mail.info] m",
		"2026-11-22T10:15:01+0100 mail prog: m",
		"<13>Nov 22 10:15:01 mail prog: m",
		"<13>Nov 22 10:15:01 mail prog: m",
		"Nov 22 10:15:01 mail prog: m",
	};
	struct syslog_memo memo;
	struct syslog_ctx plain = { REF_NOV22, 3600, NULL, NULL };
	struct syslog_ctx with = { REF_NOV22, 3600, &memo, NULL };
	struct syslog_prefix a, b;
	struct syslog_stamp sa, sb;
	size_t i, n, len;
	int ra, rb;

	(void)state;
	memset(&memo, 0, sizeof(memo));
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		len = strlen(lines[i]);
		/* the whole line, then every cut of it */
		for (n = len + 1; n-- > 0;) {
			ra = syslog_parse_untimed(lines[i], n, &a, &sa);
			rb = syslog_parse_untimed_memo(
			    lines[i], n, &memo, &b, &sb);
			if (ra != rb)
				fail_msg(
				    "rc differs: \"%.*s\"", (int)n, lines[i]);
			if (ra != PARSE_OK)
				continue;
			if (!same_span(a.host, b.host) ||
			    !same_span(a.program, b.program) ||
			    !same_span(a.pid, b.pid) ||
			    !same_span(a.msg, b.msg))
				fail_msg("differs: \"%.*s\"", (int)n, lines[i]);
			ra = syslog_stamp_time(&sa, &plain, &a);
			rb = syslog_stamp_time(&sb, &with, &b);
			if (ra != rb ||
			    (ra == 0 && (a.time != b.time || a.usec != b.usec)))
				fail_msg(
				    "time differs: \"%.*s\"", (int)n, lines[i]);
		}
	}
}

/*
 * Issue 14: the memo's day is only good for the reference time and zone
 * it was computed with. One memo through stamps timed against reference
 * times stepping over a new year and a leap day (as the files of one
 * import, each timed by its mtime) and zones either side of UTC: every
 * time as without a memo.
 */
static void
syslog_stamp_time_memo__reference_and_zone_change__same_as_without(void **state)
{
	/* pairs: a day's first second, then another of the same day */
	static const char *const lines[][2] = {
		{ "Dec 31 00:00:00 mail prog: m",
		    "Dec 31 23:59:59 mail prog: m" },
		{ "Jan  1 00:00:00 mail prog: m",
		    "Jan  1 23:00:00 mail prog: m" },
		{ "Jan  2 00:00:00 mail prog: m",
		    "Jan  2 12:00:00 mail prog: m" },
		{ "Feb 28 00:00:00 mail prog: m",
		    "Feb 28 23:59:59 mail prog: m" },
		{ "Feb 29 00:00:00 mail prog: m",
		    "Feb 29 12:00:00 mail prog: m" },
		{ "Mar  1 00:00:00 mail prog: m",
		    "Mar  1 06:00:00 mail prog: m" },
		{ "Nov 31 00:00:00 mail prog: m",
		    "Nov 31 10:15:01 mail prog: m" },
	};
	/* 2027-12-30T00:00:00Z and 2028-02-27T00:00:00Z (a leap year) */
	static const int64_t from[] = { INT64_C(1830124800),
		INT64_C(1835222400) };
	static const int32_t tzs[] = { 0, 3600, -36000, 50400 };
	struct syslog_memo memo;
	struct syslog_ctx plain, with;
	struct syslog_prefix a, b;
	struct syslog_stamp st;
	const size_t nf = sizeof(from) / sizeof(from[0]), nh = 4 * 24 / 3,
		     nz = sizeof(tzs) / sizeof(tzs[0]), nk = nf * nh * nz;
	const char *line;
	size_t f, h, z, i, k, len;
	int ra, rb;

	(void)state;
	memset(&memo, 0, sizeof(memo));
	/*
	 * Each pair, both ways round, at every reference time and zone in
	 * turn, the zone changing first (k < nk), then the reference time:
	 * the memo holds the day from the other second at the same step,
	 * or from the step before.
	 */
	for (i = 0; i < 2 * sizeof(lines) / sizeof(lines[0]); i++)
		for (k = 0; k < 2 * nk * 2; k++) {
			f = k / 2 % nk / (nh * nz);
			h = k / 2 < nk ? k / 2 % nk / nz % nh : k / 2 % nk % nh;
			z = k / 2 < nk ? k / 2 % nz : k / 2 % nk / nh % nz;
			plain.ref_time = from[f] + (int64_t)h * 3 * 3600;
			plain.tz_offset = tzs[z];
			plain.memo = NULL;
			plain.tz_at = i % 4 < 2 ? NULL : cet_2026;
			with = plain;
			with.memo = &memo;
			line = lines[i / 2][(i + k) % 2];
			len = strlen(line);
			assert_int_equal(syslog_parse_untimed_memo(
					     line, len, &memo, &a, &st),
			    PARSE_OK);
			b = a;
			ra = syslog_stamp_time(&st, &plain, &a);
			rb = syslog_stamp_time(&st, &with, &b);
			if (ra != rb || a.time != b.time)
				fail_msg("\"%s\" at %lld, tz %d: %d %lld, "
					 "memo %d %lld",
				    line, (long long)plain.ref_time,
				    (int)tzs[z], ra, (long long)a.time, rb,
				    (long long)b.time);
		}
}

/* The calendar check is left to syslog_stamp_time(). */
static void
syslog_stamp_time__day_the_year_lacks__fails(void **state)
{
	static const char *const lines[] = {
		"Nov 31 10:15:01 mail prog: m",
		"Feb 30 10:15:01 mail prog: m",
	};
	struct syslog_ctx ctx = { REF_NOV22, 0, NULL, NULL };
	struct syslog_prefix p;
	struct syslog_stamp st;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		assert_int_equal(
		    syslog_parse_untimed(lines[i], strlen(lines[i]), &p, &st),
		    PARSE_OK);
		assert_int_equal(syslog_stamp_time(&st, &ctx, &p), -1);
	}
}

static void
syslog_epoch__known_dates__match_timegm(void **state)
{
	(void)state;
	assert_int_equal(syslog_epoch(1970, 1, 1, 0, 0, 0), 0);
	assert_int_equal(syslog_epoch(1969, 12, 31, 0, 0, 0), -86400);
	assert_int_equal(syslog_epoch(2000, 3, 1, 0, 0, 0), INT64_C(951868800));
	assert_int_equal(
	    syslog_epoch(1900, 3, 1, 0, 0, 0), INT64_C(-2203891200));
	assert_int_equal(
	    syslog_epoch(2400, 2, 29, 0, 0, 0), INT64_C(13574563200));
	assert_int_equal(
	    syslog_epoch(2026, 1, 2, 0, 0, 0), INT64_C(1767312000));
	assert_int_equal(
	    syslog_epoch(2026, 11, 22, 10, 15, 1), INT64_C(1795342501));
}

static void
syslog_parse__solaris_msgid__dropped_from_msg(void **state)
{
	struct parsed r;

	(void)state;
	r = parse("Feb 14 06:47:08 relay.example.edu postfix/local[8611]: "
		  "[ID 197553 mail.info] F3E9E3488: to=<a@b>, status=deferred",
	    REF_NOV22, 0);
	assert_int_equal(r.rc, PARSE_OK);
	span_is("host", r.p.host, "relay.example.edu");
	span_is("program", r.p.program, "postfix/local");
	span_is("pid", r.p.pid, "8611");
	span_is("msg", r.p.msg, "F3E9E3488: to=<a@b>, status=deferred");
	free(r.buf);
}

static void
syslog_parse__malformed_solaris_msgid__kept_in_msg(void **state)
{
	struct parsed r;

	(void)state;
	r = parse("Feb 14 06:47:08 h postfix/local[1]: [ID x mail.info] m",
	    REF_NOV22, 0);
	assert_int_equal(r.rc, PARSE_OK);
	span_is("msg", r.p.msg, "[ID x mail.info] m");
	free(r.buf);
	r = parse("Feb 14 06:47:08 h postfix/local[1]: [ID 1 mail.info m",
	    REF_NOV22, 0);
	assert_int_equal(r.rc, PARSE_OK);
	span_is("msg", r.p.msg, "[ID 1 mail.info m");
	free(r.buf);
}

static void
syslog_parse__freebsd_priority__between_stamp_and_host(void **state)
{
	static const char *const lines[] = {
		"Jun 17 14:37:39 <mail.notice> robin sm-mta[2794]: m",
		"Jun 17 14:37:39 <2.6> robin sm-mta[2794]: m",
	};
	struct parsed r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		r = parse(lines[i], REF_NOV22, 0);
		assert_int_equal(r.rc, PARSE_OK);
		span_is("host", r.p.host, "robin");
		span_is("program", r.p.program, "sm-mta");
		span_is("msg", r.p.msg, "m");
		free(r.buf);
	}
}

static void
syslog_parse__broken_freebsd_priority__skip(void **state)
{
	static const char *const lines[] = {
		"Jun 17 14:37:39 <mail.notice robin sm-mta[2794]: m",
		"Jun 17 14:37:39 <mail> robin sm-mta[2794]: m",
		"Jun 17 14:37:39 <.> robin sm-mta[2794]: m",
		"Jun 17 14:37:39 <mail.info>",
	};
	struct parsed r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		r = parse(lines[i], REF_NOV22, 0);
		if (r.rc != PARSE_SKIP)
			fail_msg("not skipped: \"%s\"", lines[i]);
		free(r.buf);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(syslog_parse__solaris_msgid__dropped_from_msg),
		cmocka_unit_test(
		    syslog_parse__malformed_solaris_msgid__kept_in_msg),
		cmocka_unit_test(
		    syslog_parse__freebsd_priority__between_stamp_and_host),
		cmocka_unit_test(syslog_parse__broken_freebsd_priority__skip),
		cmocka_unit_test(
		    syslog_parse__classic_two_digit_day__all_fields),
		cmocka_unit_test(
		    syslog_parse__classic_space_padded_day__parses),
		cmocka_unit_test(syslog_parse__program_without_pid__empty_pid),
		cmocka_unit_test(
		    syslog_parse__classic_with_tz_offset__converted_to_utc),
		cmocka_unit_test(
		    syslog_parse__classic_across_dst__offset_of_its_date),
		cmocka_unit_test(
		    syslog_parse__repeated_hour_in_order__each_pass_its_offset),
		cmocka_unit_test(
		    syslog_parse__january_line_read_on_dec31__next_year),
		cmocka_unit_test(
		    syslog_parse__december_line_read_in_january__previous_year),
		cmocka_unit_test(
		    syslog_parse__new_year_in_local_zone__year_of_local_time),
		cmocka_unit_test(
		    syslog_parse__stamp_more_than_a_day_ahead__previous_year),
		cmocka_unit_test(syslog_parse__leap_day__latest_leap_year),
		cmocka_unit_test(syslog_parse__short_precise__usec),
		cmocka_unit_test(
		    syslog_parse__rfc3339_fraction_and_offset__exact_utc),
		cmocka_unit_test(
		    syslog_parse__rfc3339_zulu_without_fraction__exact_utc),
		cmocka_unit_test(
		    syslog_parse__rfc3339_short_fraction_and_negative_offset__scaled),
		cmocka_unit_test(
		    syslog_parse__journalctl_short_iso__offset_without_colon),
		cmocka_unit_test(syslog_parse__pri_before_classic__parses),
		cmocka_unit_test(syslog_parse__rfc5424__fields),
		cmocka_unit_test(syslog_parse__not_a_prefix__skip),
		cmocka_unit_test(
		    syslog_parse__len_shorter_than_string__reads_only_len),
		cmocka_unit_test(syslog_parse__nul_bytes__ordinary_bytes),
		cmocka_unit_test(
		    syslog_parse_untimed__then_stamp_time__same_as_syslog_parse),
		cmocka_unit_test(syslog_stamp_time__day_the_year_lacks__fails),
		cmocka_unit_test(
		    syslog_parse_untimed_memo__line_sequence__same_as_without),
		cmocka_unit_test(
		    syslog_stamp_time_memo__reference_and_zone_change__same_as_without),
		cmocka_unit_test(syslog_epoch__known_dates__match_timegm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
