/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of the HTML escaping of hostile text (markup, quotes,
 * control characters, invalid UTF-8, bidirectional overrides), of the
 * multipart/alternative alert (alert_compose_html(): parts, boundary,
 * quoted-printable line length), of the terminal width and character set
 * rules (term.c) and of the local calendar periods of --since
 * (parse_period(), across a daylight saving change).
 */
#define _DEFAULT_SOURCE /* open_memstream, setenv */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "alert.h"
#include "alert_mime.h"
#include "html.h"
#include "put_test.h"
#include "sanitize.h"
#include "term.h"
#include "util.h"

/* html_put_text() of len bytes of in, as a NUL-terminated string. */
static char *
escape(const char *in, size_t len)
{
	return put_output(html_put_text, in, len);
}

static void
test_escape_markup(void **state)
{
	static const char in[] = "<script>alert('x')</script> \"q\" & b";
	char *out = escape(in, sizeof(in) - 1);

	(void)state;
	assert_string_equal(out,
	    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;q&quot; "
	    "&amp; b");
	free(out);
}

static void
test_escape_hostile_bytes(void **state)
{
	/* ESC, SOH, DEL, a C1 control, CR/LF/TAB, invalid UTF-8, RLO. */
	static const char in[] = "a\x1b[31mb\x01\x7f\xc2\x85"
				 "c\r\n\td\xff\xfe"
				 "e\xe2\x80\xae"
				 "f \xe4\xb8\xad";
	char *out = escape(in, sizeof(in) - 1);

	(void)state;
	assert_string_equal(out,
	    "a[31mbc   d\xef\xbf\xbd\xef\xbf\xbd"
	    "ef \xe4\xb8\xad");
	free(out);
}

/* sanitize_name(): a '?' per byte of what cannot be shown, nothing
 * removed; cut on a character boundary. */
static void
test_sanitize_name(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(sanitize_name(out, sizeof(out),
			     "ex\x1b"
			     "ample\xe2\x80\xae.com",
			     15),
	    15);
	assert_string_equal(out, "ex?ample???.com");
	sanitize_name(out, sizeof(out), "a\tb\xff\xc2\x85\x7f", 7);
	assert_string_equal(out, "a?b????");
	sanitize_name(out, sizeof(out),
	    "b\xc3\x9c"
	    "cher.de",
	    10);
	assert_string_equal(out,
	    "b\xc3\x9c"
	    "cher.de");
	/* Room for 15 bytes: the two-byte character at 14 does not fit. */
	sanitize_name(out, 16, "abcdefghijklmn\xc3\x9c", 16);
	assert_string_equal(out, "abcdefghijklmn");
	sanitize_name(out, 1, "abc", 3);
	assert_string_equal(out, "");
}

static void
test_escape_truncated_utf8(void **state)
{
	/* A three-byte character cut after two bytes. */
	char *out = escape("x\xe4\xb8", 3);

	(void)state;
	assert_string_equal(out, "x\xef\xbf\xbd\xef\xbf\xbd");
	free(out);
}

static const char *const to_one[] = { "postmaster@example.org" };

static void
test_alert_multipart(void **state)
{
	struct alert_params p;
	struct alert_incident x;
	char errbuf[BS_ERRLEN], *msg, *b, *line, *save = NULL;
	size_t len, parts = 0, closes = 0;
	bool in_html = false;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.from = "bouncestat <bouncestat@mx1.example.org>";
	p.to = to_one;
	p.nto = 1;
	p.hostname = "mx1.example.org";
	p.msgid_token = "bouncestat.1700000000.42";
	p.now = 1700000000;
	memset(&x, 0, sizeof(x));
	x.kind = "rate_limited";
	x.key = "qq.com";
	x.start = p.now - 720;
	x.last_seen = p.now - 60;
	x.window = 600;
	x.peak = 57;
	x.total = 112;
	x.sample = "421 <script>x</script> \xff long reply text that goes on "
		   "and on and on past any sane width of a mail line, "
		   "repeated to be sure it is longer than 76 characters";
	x.action = "Lower the concurrency for qq.com.";
	msg = alert_compose_html(&p, &x, 1, &len, errbuf);
	assert_non_null(msg);
	assert_int_equal(strlen(msg), len);
	assert_non_null(strstr(msg,
	    "Content-Type: multipart/alternative;\n "
	    "boundary=\"=_bouncestat_bouncestat.1700000000."
	    "42_0\"\n"));
	/* One MIME-Version, the text part's headers moved into it. */
	b = strstr(msg, "MIME-Version: 1.0\n");
	assert_non_null(b);
	assert_null(strstr(b + 1, "MIME-Version:"));
	assert_non_null(strstr(msg,
	    "\n--=_bouncestat_bouncestat.1700000000.42_0\n"
	    "Content-Type: text/plain; charset=utf-8\n"));
	assert_non_null(strstr(msg,
	    "Content-Type: text/html; charset=utf-8\n"
	    "Content-Transfer-Encoding: "
	    "quoted-printable\n"));
	for (line = strtok_r(msg, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strcmp(line, "--=_bouncestat_bouncestat.1700000000.42_0") ==
		    0) {
			parts++;
			in_html = parts == 2;
		} else if (strcmp(line,
			       "--=_bouncestat_bouncestat.1700000000.42_0--") ==
		    0)
			closes++;
		/* No line of the HTML part is longer than QP allows, none
		 * holds raw markup of the reply. */
		if (in_html) {
			assert_true(strlen(line) <= 76);
			assert_null(strstr(line, "<script"));
		}
	}
	assert_int_equal(parts, 2);
	assert_int_equal(closes, 1);
	free(msg);
}

static void
test_term_width(void **state)
{
	FILE *fp = tmpfile(); /* not a terminal */

	(void)state;
	assert_non_null(fp);
	unsetenv("COLUMNS");
	assert_int_equal(term_width(fp), 80);
	setenv("COLUMNS", "132", 1);
	assert_int_equal(term_width(fp), 132);
	setenv("COLUMNS", "40", 1); /* never narrower than 80 */
	assert_int_equal(term_width(fp), 80);
	setenv("COLUMNS", "12x", 1);
	assert_int_equal(term_width(fp), 80);
	setenv("COLUMNS", "99999", 1);
	assert_int_equal(term_width(fp), TERM_COLS_MAX);
	unsetenv("COLUMNS");
	fclose(fp);
}

static void
test_term_utf8(void **state)
{
	(void)state;
	unsetenv("BOUNCESTAT_ASCII");
	setenv("LC_ALL", "C", 1);
	assert_false(term_utf8());
	setenv("LC_ALL", "C.UTF-8", 1);
	assert_true(term_utf8());
	setenv("BOUNCESTAT_ASCII", "1", 1);
	assert_false(term_utf8());
	unsetenv("BOUNCESTAT_ASCII");
	unsetenv("LC_ALL");
	setenv("NO_COLOR", "1", 1);
	assert_false(term_colour(stdout));
	unsetenv("NO_COLOR");
}

static void
test_term_ascii(void **state)
{
	char s[] = "a\xe4\xb8\xad b\xc3\xa9 \xf0\x9f\x98\x80!";

	(void)state;
	term_ascii(s);
	assert_string_equal(s, "a? b? ?!");
}

/* Epoch of a UTC time. */
static int64_t
utc(int y, int mo, int d, int h)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	return (int64_t)timegm(&tm);
}

static void
test_periods(void **state)
{
	int64_t now, s, e;

	(void)state;
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	/* Sunday 2026-12-06 13:00 in Berlin. */
	now = utc(2026, 12, 6, 12);
	assert_int_equal(parse_period("today", now, &s, &e), 0);
	assert_int_equal(s, utc(2026, 12, 5, 23));
	assert_int_equal(e, now);
	assert_int_equal(parse_period("yesterday", now, &s, &e), 0);
	assert_int_equal(s, utc(2026, 12, 4, 23));
	assert_int_equal(e, utc(2026, 12, 5, 23));
	assert_int_equal(parse_period("this-week", now, &s, &e), 0);
	assert_int_equal(s, utc(2026, 11, 29, 23)); /* Monday 00:00 */
	assert_int_equal(parse_period("last-week", now, &s, &e), 0);
	assert_int_equal(s, utc(2026, 11, 22, 23));
	assert_int_equal(e, utc(2026, 11, 29, 23));
	assert_int_equal(parse_period("tomorrow", now, &s, &e), -1);
	/* A date the calendar has, else an error (not the next month). */
	assert_int_equal(parse_time_arg("2026-02-30", now, &s), -1);
	assert_int_equal(parse_time_arg("2026-04-31T10:00Z", now, &s), -1);
	assert_int_equal(parse_time_arg("2026-02-29", now, &s), -1);
	assert_int_equal(parse_time_arg("2028-02-29T00:00Z", now, &s), 0);
	assert_int_equal(s, utc(2028, 2, 29, 0));
	assert_int_equal(parse_time_arg("2100-02-29", now, &s), -1);
	assert_int_equal(parse_time_arg("2000-02-29T00:00Z", now, &s), 0);
	assert_int_equal(parse_time_arg("2026-12-31T23:00Z", now, &s), 0);
	assert_int_equal(s, utc(2026, 12, 31, 23));
	/* parse_time_arg() takes them too, start only. */
	assert_int_equal(parse_time_arg("yesterday", now, &s), 0);
	assert_int_equal(s, utc(2026, 12, 4, 23));
	/* Monday 2026-03-30, after the change to summer time on Sunday:
	 * yesterday had 23 hours. */
	now = utc(2026, 3, 30, 10);
	assert_int_equal(parse_period("yesterday", now, &s, &e), 0);
	assert_int_equal(s, utc(2026, 3, 28, 23));
	assert_int_equal(e, utc(2026, 3, 29, 22));
	assert_int_equal(parse_period("this-week", now, &s, NULL), 0);
	assert_int_equal(s, utc(2026, 3, 29, 22));
	/* --utc */
	tz_use_utc();
	assert_int_equal(parse_period("today", now, &s, NULL), 0);
	assert_int_equal(s, utc(2026, 3, 30, 0));
	{
		char z[32];

		tz_label(z, sizeof(z), now);
		assert_string_equal(z, "UTC");
		setenv("TZ", "Asia/Kolkata", 1);
		tzset();
		tz_label(z, sizeof(z), now);
		assert_string_equal(z, "UTC+05:30");
	}
	unsetenv("TZ");
	tzset();
}

/* The one formatter of UTC offsets (alert dates, incidents, headers). */
static void
tz_offset_str__signs_and_minutes__both_forms(void **state)
{
	static const struct {
		long off;
		const char *plain, *colon;
	} c[] = {
		{ 0, "+0000", "+00:00" },
		{ 3600, "+0100", "+01:00" },
		{ 19800, "+0530", "+05:30" },
		{ -16200, "-0430", "-04:30" },
		{ -36000, "-1000", "-10:00" },
		{ 45 * 60 + 12 * 3600 + 59, "+1245", "+12:45" },
	};
	char out[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		tz_offset_str(out, sizeof(out), c[i].off, false);
		assert_string_equal(out, c[i].plain);
		tz_offset_str(out, sizeof(out), c[i].off, true);
		assert_string_equal(out, c[i].colon);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tz_offset_str__signs_and_minutes__both_forms),
		cmocka_unit_test(test_escape_markup),
		cmocka_unit_test(test_escape_hostile_bytes),
		cmocka_unit_test(test_escape_truncated_utf8),
		cmocka_unit_test(test_sanitize_name),
		cmocka_unit_test(test_alert_multipart),
		cmocka_unit_test(test_term_width),
		cmocka_unit_test(test_term_utf8),
		cmocka_unit_test(test_term_ascii),
		cmocka_unit_test(test_periods),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
