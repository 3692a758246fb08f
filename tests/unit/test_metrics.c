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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "db_fixture.h"
#include "event.h"
#include "expo.h"
#include "incident.h"
#include "dnsbl_state.h"
#include "metric.h"
#include "metrics.h"
#include "store.h"
#include "store_impl.h" /* the reading connection, for its trace hook */

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
	/* The results are a partition: cut lines are a counter apart. */
	assert_null(strstr(text, "bouncestat_lines_total{result=\"cut\"}"));
	assert_non_null(strstr(text, "\nbouncestat_lines_cut_total 1\n"));
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
metrics_render__dnsbl_and_stall__gauges(void **state)
{
	char dir[256], path[300], errbuf[BS_ERRLEN];
	struct dnsbl_state_row row;
	struct store *st;
	size_t len;
	char *text;

	(void)state;
	assert_int_equal(
	    db_fixture_make(dir, sizeof(dir), path, sizeof(path), "mdnsbl"), 0);
	assert_non_null(st = store_open(path, 0, errbuf));
	/* No stall, no self-check: the gauge is 0, the DNSBL families empty */
	assert_non_null(text = metrics_render(st, 20, 1000, &len));
	assert_non_null(strstr(text, "\nbouncestat_daemon_stalled 0\n"));
	assert_null(strstr(text, "bouncestat_dnsbl_listed{"));
	free(text);

	assert_int_equal(store_begin(st), 0);
	memset(&row, 0, sizeof(row));
	row.ip = "192.0.2.1";
	row.zone = "zen.spamhaus.org";
	row.verdict = "listed";
	row.answer = "127.0.0.2";
	row.meaning = "SBL";
	row.checked = row.since = 900;
	assert_int_equal(dnsbl_state_put(st, &row, NULL), 0);
	row.zone = "b.barracudacentral.org";
	row.verdict = "error";
	row.answer = "timeout";
	row.meaning = "";
	assert_int_equal(dnsbl_state_put(st, &row, NULL), 0);
	assert_int_equal(
	    store_meta_set(st, "daemon.stalled", "900 123 /var/log/mail.log"),
	    0);
	assert_int_equal(store_commit(st), 0);

	assert_non_null(text = metrics_render(st, 20, 1000, &len));
	assert_non_null(strstr(text, "\nbouncestat_daemon_stalled 1\n"));
	assert_non_null(strstr(text,
	    "bouncestat_dnsbl_listed{list=\"zen.spamhaus.org\","
	    "ip=\"192.0.2.1\"} 1\n"));
	assert_non_null(strstr(text,
	    "bouncestat_dnsbl_listed{list=\"b.barracudacentral.org\","
	    "ip=\"192.0.2.1\"} 0\n"));
	assert_non_null(strstr(text,
	    "bouncestat_dnsbl_check_error{list=\"b.barracudacentral.org\","
	    "ip=\"192.0.2.1\"} 1\n"));
	assert_non_null(strstr(text,
	    "bouncestat_dnsbl_check_error{list=\"zen.spamhaus.org\","
	    "ip=\"192.0.2.1\"} 0\n"));
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

/* The commit metrics_render__commit_mid_page__one_snapshot() makes from
 * another connection when the page's second SELECT starts. */
struct mid_commit {
	struct store *w;
	int selects;
	int committed;
};

static int
commit_at_second_select(unsigned type, void *arg, void *p, void *x)
{
	struct mid_commit *mc = arg;
	uint64_t more[METRIC_LINE_COUNT] = { 7, 0, 0, 0 };
	const char *sql = sqlite3_sql(p);

	(void)x;
	if (type != SQLITE_TRACE_STMT || sql == NULL ||
	    strncmp(sql, "SELECT", 6) != 0 || ++mc->selects != 2)
		return 0;
	mc->committed = store_begin(mc->w) == 0 &&
	    metric_lines_add(mc->w, more) == 0 && store_commit(mc->w) == 0;
	return 0;
}

/*
 * A scrape while the daemon commits: another connection commits more
 * lines read just as the page's second query starts. The page is the one
 * of before that commit (one snapshot: its results and lines add up); the
 * next page shows the commit. Without the read transaction the lines of
 * the commit appear in the page under way.
 */
static void
metrics_render__commit_mid_page__one_snapshot(void **state)
{
	char dir[256], path[300], errbuf[BS_ERRLEN];
	uint64_t a[METRIC_LINE_COUNT] = { 3, 5, 1, 0 };
	struct mid_commit mc = { NULL, 0, 0 };
	struct store *st;
	char *before, *mid, *after;
	size_t len;

	(void)state;
	assert_int_equal(
	    db_fixture_make(dir, sizeof(dir), path, sizeof(path), "snap"), 0);
	assert_non_null(st = store_open(path, 0, errbuf));
	assert_non_null(mc.w = store_open(path, 0, errbuf));
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(metric_lines_add(st, a), 0);
	assert_int_equal(store_commit(st), 0);

	assert_non_null(before = metrics_render(st, 20, 1000, &len));
	assert_int_equal(sqlite3_trace_v2(st->db, SQLITE_TRACE_STMT,
			     commit_at_second_select, &mc),
	    SQLITE_OK);
	assert_non_null(mid = metrics_render(st, 20, 1000, &len));
	assert_int_equal(sqlite3_trace_v2(st->db, 0, NULL, NULL), SQLITE_OK);
	assert_true(mc.committed);
	assert_string_equal(mid, before);
	assert_non_null(after = metrics_render(st, 20, 1000, &len));
	assert_non_null(
	    strstr(after, "bouncestat_lines_total{result=\"delivery\"} 10\n"));
	free(before);
	free(mid);
	free(after);
	store_close(mc.w);
	store_close(st);
	db_fixture_remove(dir, path);
}

/* A free loopback port (bound and released). */
static int
free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* GET path from 127.0.0.1:port (HTTP/1.0); the whole answer into buf. */
static void
http_get(int port, const char *path, char *buf, size_t len)
{
	struct sockaddr_in sin;
	char req[256];
	size_t off = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (off + 1 < len && (n = read(fd, buf + off, len - 1 - off)) > 0)
		off += (size_t)n;
	buf[off] = '\0';
	close(fd);
}

static void
metrics_start__scrapes__200_404_and_500(void **state)
{
	char dir[256], path[300], errbuf[BS_ERRLEN], listen[64];
	static char buf[65536];
	struct metrics *m;
	struct store *st;
	int port;

	(void)state;
	assert_int_equal(
	    db_fixture_make(dir, sizeof(dir), path, sizeof(path), "srv"), 0);
	assert_non_null(st = store_open(path, 0, errbuf));
	store_close(st);

	port = free_port();
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	assert_non_null(m = metrics_start(listen, path, 20, errbuf));
	http_get(port, "/metrics", buf, sizeof(buf));
	assert_true(strncmp(buf, "HTTP/1.0 200", 12) == 0 ||
	    strncmp(buf, "HTTP/1.1 200", 12) == 0);
	assert_non_null(strstr(buf, "text/plain; version=0.0.4"));
	assert_non_null(strstr(buf, "\nbouncestat_build_info{version="));
	http_get(port, "/nope", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 404 "));
	/* the same address twice: refused */
	assert_null(metrics_start(listen, path, 20, errbuf));
	metrics_stop(m);

	port = free_port();
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	assert_non_null(
	    m = metrics_start(listen, "/nonexistent/db", 20, errbuf));
	http_get(port, "/metrics", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 500 "));
	metrics_stop(m);
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
		cmocka_unit_test(metrics_render__dnsbl_and_stall__gauges),
		cmocka_unit_test(
		    metrics_render__unread_bytes__lag_since_position_moved),
		cmocka_unit_test(metrics_render__commit_mid_page__one_snapshot),
		cmocka_unit_test(metrics_start__scrapes__200_404_and_500),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
