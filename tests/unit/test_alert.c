/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of daemon/render/alert.c: sanitising hostile reply text, the
 * composed message (headers, encodings, folding, what the body says) and
 * running a mailer with an argv. The sample replies follow the real
 * formats of NetEase (421 HL:ICC) and Spamhaus rejections as Postfix logs
 * them.
 */
#define _GNU_SOURCE /* asprintf */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "alert.h"
#include "json.h"

#define NOW 1700000000 /* Tue, 14 Nov 2023 22:13:20 UTC */

static const char *const to_one[] = { "postmaster@example.org" };

static void
params(struct alert_params *p)
{
	memset(p, 0, sizeof(*p));
	p->from = "bouncestat <bouncestat@mx1.example.org>";
	p->to = to_one;
	p->nto = 1;
	p->hostname = "mx1.example.org";
	p->msgid_token = "bouncestat.1700000000.42";
	p->now = NOW;
	p->tzoff = 3600;
}

static struct alert_incident
throttle(void)
{
	struct alert_incident x;

	memset(&x, 0, sizeof(x));
	x.id = 7;
	x.kind = "rate_limited";
	x.key = "qq.com";
	x.start = NOW - 720;
	x.last_seen = NOW - 60;
	x.window = 600;
	x.peak = 57;
	x.baseline = 0;
	x.total = 112;
	x.sample = "421 HL:ICC The IP connection count exceeds the limit";
	x.sample_code = 421;
	x.rule = "netease-hl-icc";
	x.meaning = "too many connections from your IP";
	x.action = "Lower smtp_destination_concurrency_limit for qq.com.";
	return x;
}

static struct alert_incident
listing(void)
{
	struct alert_incident x;

	memset(&x, 0, sizeof(x));
	x.id = 8;
	x.kind = "dnsbl";
	x.key = "zen.spamhaus.org";
	x.listed_ip = "192.0.2.25";
	x.providers = "google.com, outlook.com";
	x.start = NOW - 300;
	x.last_seen = NOW - 120;
	x.window = 600;
	x.peak = 3;
	x.total = 3;
	x.sample = "554 5.7.1 Service unavailable; Client host [192.0.2.25] "
		   "blocked using zen.spamhaus.org";
	return x;
}

/*
 * The header block (up to the blank line), copied and unfolded (RFC 5322
 * 2.2.3: a line break before white space is removed); caller frees.
 */
static char *
headers_of(const char *msg)
{
	const char *end = strstr(msg, "\n\n");
	char *h, *r, *w;

	assert_non_null(end);
	h = strndup(msg, (size_t)(end - msg) + 1);
	assert_non_null(h);
	for (r = w = h; *r != '\0'; r++)
		if (!(r[0] == '\n' && (r[1] == ' ' || r[1] == '\t')))
			*w++ = *r;
	*w = '\0';
	return h;
}

/* True when some header line (not a continuation) starts with name. */
static bool
has_header(const char *hdrs, const char *name)
{
	const char *l;
	size_t n = strlen(name);

	for (l = hdrs; l != NULL && *l != '\0';) {
		if (strncmp(l, name, n) == 0)
			return true;
		l = strchr(l, '\n');
		if (l != NULL)
			l++;
	}
	return false;
}

static size_t
longest_line(const char *s)
{
	size_t best = 0, n;

	while (*s != '\0') {
		n = strcspn(s, "\n");
		if (n > best)
			best = n;
		s += n;
		if (*s == '\n')
			s++;
	}
	return best;
}

static void
alert_sanitize__crlf_and_ansi__one_clean_line(void **state)
{
	const char in[] = "550 5.7.1\r\nBcc: evil@example.com\x1b[31mred"
			  "\x1b[0m\a\xff end\t";
	char out[128];
	size_t n;

	(void)state;
	n = alert_sanitize(out, sizeof(out), in, sizeof(in) - 1);
	assert_string_equal(out, "550 5.7.1 Bcc: evil@example.comred? end");
	assert_int_equal(n, strlen(out));
}

static void
alert_sanitize__c1_and_bidi__removed(void **state)
{
	/* U+009B (CSI in C1), U+202E (right-to-left override). */
	const char in[] = "a\xc2\x9b"
			  "31mb\xe2\x80\xae"
			  "c";
	char out[64];

	(void)state;
	alert_sanitize(out, sizeof(out), in, sizeof(in) - 1);
	assert_string_equal(out, "a31mbc");
}

static void
alert_sanitize__long_utf8__cut_on_character_boundary(void **state)
{
	const char in[] = "\xe9\x82\xae\xe7\xae\xb1\xe5\xb7\xb2\xe6\xbb\xa1";
	char out[8];
	size_t n;

	(void)state;
	n = alert_sanitize(out, sizeof(out), in, sizeof(in) - 1);
	/* Two 3-byte characters fit in 7 bytes, not a third one's part. */
	assert_int_equal(n, 6);
	assert_memory_equal(out, in, 6);
	assert_int_equal(out[6], '\0');
}

static void
alert_address_ok__controls__refused(void **state)
{
	(void)state;
	assert_true(alert_address_ok("postmaster"));
	assert_true(alert_address_ok("Post Master <pm@example.org>"));
	assert_false(alert_address_ok("pm@example.org\nBcc: x@y"));
	assert_false(alert_address_ok("pm@example.org\r"));
	assert_false(alert_address_ok(""));
	assert_false(alert_address_ok("pm\xff@example.org"));
}

static void
alert_compose__throttle__well_formed_message(void **state)
{
	struct alert_incident x = throttle();
	struct alert_params p;
	char err[BS_ERRLEN], *msg, *h;
	size_t len;

	(void)state;
	params(&p);
	msg = alert_compose(&p, &x, 1, &len, err);
	assert_non_null(msg);
	assert_int_equal(len, strlen(msg));
	h = headers_of(msg);
	assert_non_null(strstr(h, "Date: Tue, 14 Nov 2023 23:13:20 +0100\n"));
	assert_non_null(
	    strstr(h, "From: bouncestat <bouncestat@mx1.example.org>\n"));
	assert_non_null(strstr(h, "To: postmaster@example.org\n"));
	assert_non_null(strstr(
	    h, "Message-ID: <bouncestat.1700000000.42@mx1.example.org>\n"));
	assert_non_null(strstr(h, "Content-Type: text/plain; charset=utf-8\n"));
	assert_non_null(strstr(h, "Content-Transfer-Encoding: 7bit\n"));
	assert_non_null(strstr(h, "MIME-Version: 1.0\n"));
	/* The Subject names the incident, its start and its size. */
	assert_true(has_header(h,
	    "Subject: [bouncestat] mx1.example.org: "
	    "qq.com is throttling us since 23:01"));
	assert_non_null(strstr(h, "57 in 10 min, normally ~0"));
	assert_true(longest_line(msg) <= 78);
	/* The body: what, since when, size, reply, action, how to see more. */
	assert_non_null(strstr(msg, "OPEN: qq.com is throttling us"));
	assert_non_null(strstr(msg, "Since:    2023-11-14 23:01 +0100"));
	assert_non_null(strstr(msg, "421 HL:ICC The IP connection count"));
	assert_non_null(strstr(msg,
	    "Action:   Lower "
	    "smtp_destination_concurrency_limit"));
	assert_non_null(strstr(msg,
	    "bouncestat incidents --since "
	    "2023-11-14T23:01+01:00"));
	assert_true(longest_line(msg) <= 78);
	free(h);
	free(msg);
}

static void
alert_compose__dnsbl__delist_hint_and_providers(void **state)
{
	struct alert_incident x[2] = { throttle(), listing() };
	struct alert_params p;
	char err[BS_ERRLEN], *msg, *h;
	size_t len;

	(void)state;
	params(&p);
	alert_sort(x, 2);
	assert_string_equal(x[0].kind, "dnsbl");
	msg = alert_compose(&p, x, 2, &len, err);
	assert_non_null(msg);
	h = headers_of(msg);
	assert_non_null(strstr(h, "listed on zen.spamhaus.org"));
	assert_non_null(strstr(h, "+1 more"));
	assert_non_null(strstr(msg, "(192.0.2.25) according to google.com,"));
	assert_non_null(strstr(msg, "https://check.spamhaus.org/"));
	assert_non_null(strstr(msg, "2 new incidents"));
	free(h);
	free(msg);
}

static void
alert_compose__hostile_reply__no_header_or_escape(void **state)
{
	struct alert_incident x = throttle();
	struct alert_params p;
	char err[BS_ERRLEN], *msg, *h, sample[3000];
	size_t len, i;

	(void)state;
	params(&p);
	x.key = "evil.example\r\nBcc: victim@example.com\r\n";
	snprintf(sample, sizeof(sample),
	    "421 busy\r\nSubject: injected\n\x1b]0;title\a\x1b[2J%0*d", 2000,
	    7);
	x.sample = sample;
	x.action = "\x1b[31mred\x1b[0m action";
	msg = alert_compose(&p, &x, 1, &len, err);
	assert_non_null(msg);
	h = headers_of(msg);
	assert_false(has_header(h, "Bcc:"));
	assert_false(has_header(msg, "Subject: injected"));
	assert_false(has_header(h, "Subject: injected"));
	for (i = 0; i < len; i++) {
		assert_true(msg[i] != '\r');
		assert_true(msg[i] != 0x1b);
		assert_true(msg[i] != '\a');
	}
	/* Long replies are cut and wrapped: no line beyond 78. */
	assert_true(longest_line(msg) <= 78);
	assert_non_null(strstr(msg, "[...]"));
	free(h);
	free(msg);
}

static void
alert_compose__non_ascii__encoded_subject_and_qp_body(void **state)
{
	struct alert_incident x = throttle();
	struct alert_params p;
	char err[BS_ERRLEN], *msg, *h;
	size_t len, i;

	(void)state;
	params(&p);
	/* A provider's reply in Chinese, as NetEase and Tencent send. */
	x.key = "\xe4\xbe\x8b\xe5\xad\x90.example";
	x.sample = "450 \xe9\x82\xae\xe7\xae\xb1\xe5\xb7\xb2\xe6\xbb\xa1 "
		   "Mailbox full";
	msg = alert_compose(&p, &x, 1, &len, err);
	assert_non_null(msg);
	h = headers_of(msg);
	assert_non_null(strstr(h, "Subject: =?utf-8?B?"));
	assert_non_null(
	    strstr(h, "Content-Transfer-Encoding: quoted-printable\n"));
	for (i = 0; i < len; i++)
		assert_true((unsigned char)msg[i] < 0x80);
	assert_true(longest_line(msg) <= 76 + 2);
	assert_non_null(strstr(msg, "=E9=82=AE=E7=AE=B1"));
	free(h);
	free(msg);
}

static void
alert_compose__bad_addresses__refused(void **state)
{
	static const char *const bad_to[] = { "a@b\nBcc: c@d" };
	struct alert_incident x = throttle();
	struct alert_params p;
	char err[BS_ERRLEN];
	size_t len;

	(void)state;
	params(&p);
	p.to = bad_to;
	assert_null(alert_compose(&p, &x, 1, &len, err));
	params(&p);
	p.from = "x\r\nBcc: y";
	assert_null(alert_compose(&p, &x, 1, &len, err));
	params(&p);
	assert_null(alert_compose(&p, &x, 0, &len, err));
}

static void
alert_sort__resolved_and_kinds__worst_first(void **state)
{
	struct alert_incident x[3] = { throttle(), throttle(), listing() };

	(void)state;
	x[0].resolved = true;
	x[0].id = 1;
	x[1].id = 2;
	x[2].resolved = true;
	alert_sort(x, 3);
	assert_int_equal(x[0].id, 2); /* the only open one */
	assert_int_equal(x[1].id, 8); /* resolved listing before throttle */
	assert_int_equal(x[2].id, 1);
}

/* Writes an executable shell script into dir; returns its path. */
static char *
script(const char *dir, const char *name, const char *body)
{
	char *path;
	FILE *fp;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "#!/bin/sh\n%s\n", body);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, 0755), 0);
	return path;
}

static char *
slurp(const char *path)
{
	static char buf[65536];
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void
rmdir_all(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void
alert_sendmail__capture_script__gets_argv_and_message(void **state)
{
	char dir[] = "/tmp/bs_alert_test.XXXXXX", err[BS_ERRLEN], *sm, *cmd;
	char path[300];

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_true(
	    asprintf(&cmd, "printf '%%s|' \"$@\" > %s/args; cat > %s/msg", dir,
		dir) > 0);
	sm = script(dir, "sendmail", cmd);
	assert_int_equal(alert_sendmail(sm, "To: x\n\nhello\n", 13, err), 0);
	snprintf(path, sizeof(path), "%s/args", dir);
	assert_string_equal(slurp(path), "-t|-oi|");
	snprintf(path, sizeof(path), "%s/msg", dir);
	assert_string_equal(slurp(path), "To: x\n\nhello\n");
	free(sm);
	free(cmd);

	/* A mailer that fails is an error, with its status. */
	sm = script(dir, "fail", "cat >/dev/null; exit 75");
	assert_int_equal(alert_sendmail(sm, "x\n", 2, err), -1);
	assert_non_null(strstr(err, "exit status 75"));
	free(sm);
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(alert_sendmail(path, "x\n", 2, err), -1);
	rmdir_all(dir);
}

static void
alert_sendmail__mailer_exits_early__error_not_sigpipe(void **state)
{
	char dir[] = "/tmp/bs_alert_test.XXXXXX", err[BS_ERRLEN], *sm;
	size_t len = 4 << 20;
	char *big = malloc(len);

	(void)state;
	assert_non_null(big);
	memset(big, 'x', len);
	assert_non_null(mkdtemp(dir));
	/* Exits 0 without reading: the message did not go out. */
	sm = script(dir, "early", "exit 0");
	assert_int_equal(alert_sendmail(sm, big, len, err), -1);
	assert_non_null(strstr(err, "did not read"));
	free(sm);
	free(big);
	rmdir_all(dir);
}

/* What fn writes of len bytes of s, as a string the caller frees. */
static char *
written(void (*fn)(FILE *, const char *, size_t), const char *s, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&buf, &n);

	assert_non_null(fp);
	fn(fp, s, len);
	fclose(fp);
	return buf;
}

/* The report's form of the one sanitiser drops what the mail's drops:
 * bidi overrides too (each byte a '?', so columns stay aligned). */
static void
fput_sanitized__bidi_and_c1__question_marks(void **state)
{
	static const char in[] = "a\xe2\x80\xae"
				 "b\xc2\x9b"
				 "c\x1b[2J"
				 "d\te";
	char *out = written(fput_sanitized, in, sizeof(in) - 1);

	(void)state;
	assert_string_equal(out, "a???b??c?[2Jd e");
	free(out);
}

/* JSON output escapes bidi overrides: `| jq .` on a terminal shows
 * \u202e, not a reordered line. */
static void
json_put_str__bidi_override__escaped(void **state)
{
	static const char in[] = "gmail.com\xe2\x80\xae"
				 "moc.evil";
	char *out = written(json_put_str, in, sizeof(in) - 1);

	(void)state;
	assert_string_equal(out, "\"gmail.com\\u202emoc.evil\"");
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(alert_sanitize__crlf_and_ansi__one_clean_line),
		cmocka_unit_test(alert_sanitize__c1_and_bidi__removed),
		cmocka_unit_test(fput_sanitized__bidi_and_c1__question_marks),
		cmocka_unit_test(json_put_str__bidi_override__escaped),
		cmocka_unit_test(
		    alert_sanitize__long_utf8__cut_on_character_boundary),
		cmocka_unit_test(alert_address_ok__controls__refused),
		cmocka_unit_test(alert_compose__throttle__well_formed_message),
		cmocka_unit_test(
		    alert_compose__dnsbl__delist_hint_and_providers),
		cmocka_unit_test(
		    alert_compose__hostile_reply__no_header_or_escape),
		cmocka_unit_test(
		    alert_compose__non_ascii__encoded_subject_and_qp_body),
		cmocka_unit_test(alert_compose__bad_addresses__refused),
		cmocka_unit_test(alert_sort__resolved_and_kinds__worst_first),
		cmocka_unit_test(
		    alert_sendmail__capture_script__gets_argv_and_message),
		cmocka_unit_test(
		    alert_sendmail__mailer_exits_early__error_not_sigpipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
