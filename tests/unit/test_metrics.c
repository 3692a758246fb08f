/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of daemon/metrics/: label values escaped per the exposition
 * format whatever bytes they hold, the metrics_listen syntax, and the
 * text rendered from a real store (line counts that add up across
 * batches, open incidents, a hostile file name).
 */
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

#include "db_fixture.h"
#include "event.h"
#include "expo.h"
#include "incident.h"
#include "metric.h"
#include "metrics.h"
#include "store.h"

/* expo_label_value() of s, into a static-free heap string. */
static char *
escaped(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	expo_label_value(fp, s);
	fclose(fp);
	return buf;
}

static void
expo_label_value__quote_backslash_newline__escaped(void **state)
{
	char *v;

	(void)state;
	v = escaped("a\"b\\c\nd");
	assert_string_equal(v, "a\\\"b\\\\c\\nd");
	free(v);
}

static void
expo_label_value__controls_and_bad_utf8__replaced(void **state)
{
	char *v;

	(void)state;
	/* CR, ESC, a lone continuation byte, an overlong '/', C1 NEL:
	 * one U+FFFD per byte of the last three */
	v = escaped("x\ry\x1b[2J\x80z\xc0\xaf\xc2\x85");
	assert_string_equal(v,
	    "x\xef\xbf\xbdy\xef\xbf\xbd[2J\xef\xbf\xbdz\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	free(v);
	v = escaped("caf\xc3\xa9 \xe6\xbc\xa2");
	assert_string_equal(v, "caf\xc3\xa9 \xe6\xbc\xa2"); /* valid: kept */
	free(v);
}

static void
expo_sample__labels__one_line(void **state)
{
	const char *labels[4] = { "kind", "rate_limited", "key", "q\"q.com" };
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	(void)state;
	expo_sample(fp, "m", labels, 2, 42);
	fclose(fp);
	assert_string_equal(
	    buf, "m{kind=\"rate_limited\",key=\"q\\\"q.com\"} 42\n");
	free(buf);
}

static void
metrics_parse_listen__forms__accepted_or_refused(void **state)
{
	struct sockaddr_storage ss;
	char errbuf[BS_ERRLEN];
	size_t len;

	(void)state;
	assert_int_equal(
	    metrics_parse_listen("127.0.0.1:9154", &ss, &len, errbuf), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(
	    metrics_parse_listen("[::1]:9154", &ss, &len, errbuf), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(
	    metrics_parse_listen("localhost:9154", &ss, &len, errbuf), -1);
	assert_int_equal(metrics_parse_listen("9154", &ss, &len, errbuf), -1);
	assert_int_equal(
	    metrics_parse_listen("127.0.0.1:99999", &ss, &len, errbuf), -1);
	assert_int_equal(
	    metrics_parse_listen("127.0.0.1:", &ss, &len, errbuf), -1);
	assert_int_equal(metrics_parse_listen("::1:80", &ss, &len, errbuf), -1);
	assert_non_null(strstr(errbuf, "ADDR:PORT"));
}

static void
metrics_render__store__lines_incidents_files(void **state)
{
	char dir[256], path[300], errbuf[BS_ERRLEN];
	uint64_t a[METRIC_LINE_COUNT] = { 3, 5, 1, 0 };
	uint64_t b[METRIC_LINE_COUNT] = { 2, 0, 0, 1 };
	struct incident inc;
	struct store *st;
	int64_t id;
	size_t len;
	char *text;

	(void)state;
	assert_int_equal(
	    db_fixture_make(dir, sizeof(dir), path, sizeof(path), "metrics"),
	    0);
	assert_non_null(st = store_open(path, 0, errbuf));
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(metric_lines_add(st, a), 0);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(metric_lines_add(st, b), 0);
	memset(&inc, 0, sizeof(inc));
	inc.kind = "rate_limited";
	inc.key = "evil\"}\n# x";
	inc.listed_ip = inc.providers = inc.sample = inc.rule = "";
	inc.action = "";
	inc.open = true;
	inc.start = inc.detected = inc.last_seen = inc.until = 600;
	inc.window = 600;
	assert_int_equal(incident_insert(st, &inc, &id), 0);
	assert_int_equal(
	    store_meta_set(st, "daemon.files", "/nonexistent/a\"b\n/x"), 0);
	assert_int_equal(store_commit(st), 0);

	assert_non_null(text = metrics_render(st, 20, 1000, &len));
	assert_int_equal(strlen(text), len);
	assert_non_null(
	    strstr(text, "bouncestat_lines_total{result=\"delivery\"} 5\n"));
	assert_non_null(
	    strstr(text, "bouncestat_lines_total{result=\"skipped\"} 5\n"));
	assert_non_null(
	    strstr(text, "bouncestat_lines_total{result=\"bad\"} 1\n"));
	assert_non_null(
	    strstr(text, "bouncestat_lines_total{result=\"cut\"} 1\n"));
	assert_non_null(strstr(text,
	    "bouncestat_incidents_open{kind=\"rate_limited\",key=\"evil\\\"}\\n# x\"} 1\n"));
	assert_non_null(strstr(text,
	    "bouncestat_follow_lag_seconds{file=\"/nonexistent/a\\\"b\"} 0\n"));
	assert_non_null(strstr(text, "bouncestat_build_info{version=\""));
	assert_null(strstr(text, "\n# x"));
	free(text);
	store_close(st);
	db_fixture_remove(dir, path);
}

static void
metrics_render__unread_bytes__lag_since_position_moved(void **state)
{
	char dir[256], path[300], log[320], files[700], errbuf[BS_ERRLEN];
	struct store_position pos;
	struct store *st;
	struct stat sb;
	char *text, want[400];
	size_t len;
	FILE *fp;

	(void)state;
	assert_int_equal(
	    db_fixture_make(dir, sizeof(dir), path, sizeof(path), "lag"), 0);
	snprintf(log, sizeof(log), "%s/mail.log", dir);
	assert_non_null(fp = fopen(log, "w"));
	fputs("0123456789012345678901234567890123456789\n", fp); /* 41 */
	fclose(fp);
	assert_int_equal(stat(log, &sb), 0);
	assert_non_null(st = store_open(path, 0, errbuf));
	memset(&pos, 0, sizeof(pos));
	pos.key = "file:x";
	pos.path = log;
	pos.ino = (int64_t)sb.st_ino;
	pos.offset = 20; /* 21 bytes unread */
	pos.updated = 1000;
	snprintf(files, sizeof(files), "%s\n/nonexistent/b", log);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_put_position(st, &pos), 0);
	assert_int_equal(store_meta_set(st, "daemon.files", files), 0);
	assert_int_equal(store_commit(st), 0);

	assert_non_null(text = metrics_render(st, 20, 1300, &len));
	snprintf(want, sizeof(want),
	    "bouncestat_follow_lag_seconds{file=\"%s\"} 300\n", log);
	assert_non_null(strstr(text, want));
	assert_non_null(strstr(text,
	    "bouncestat_follow_lag_seconds{file=\"/nonexistent/b\"} 0\n"));
	free(text);

	/* read to the end: 0 */
	pos.offset = 41;
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_put_position(st, &pos), 0);
	assert_int_equal(store_commit(st), 0);
	assert_non_null(text = metrics_render(st, 20, 1300, &len));
	snprintf(want, sizeof(want),
	    "bouncestat_follow_lag_seconds{file=\"%s\"} 0\n", log);
	assert_non_null(strstr(text, want));
	free(text);
	store_close(st);
	unlink(log);
	db_fixture_remove(dir, path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    expo_label_value__quote_backslash_newline__escaped),
		cmocka_unit_test(
		    expo_label_value__controls_and_bad_utf8__replaced),
		cmocka_unit_test(expo_sample__labels__one_line),
		cmocka_unit_test(
		    metrics_parse_listen__forms__accepted_or_refused),
		cmocka_unit_test(metrics_render__store__lines_incidents_files),
		cmocka_unit_test(
		    metrics_render__unread_bytes__lag_since_position_moved),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
