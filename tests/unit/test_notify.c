/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of daemon/notify/: the JSON document wraps the incidents'
 * objects, the Slack one escapes hostile replies, logs never show a
 * webhook's path, and exec hooks get their argv, environment and
 * standard input, fail on a non-zero exit and are killed at the limit.
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

#include "event.h"
#include "incidents.h"
#include "notify.h"

static const char hostile[] =
    "421 <script>x</script> & <!channel> \"q\" \\ \x1b[31m\r\nX-Evil: 1";

static void
sample_incident(struct incident *inc, bool open)
{
	memset(inc, 0, sizeof(*inc));
	inc->id = 7;
	inc->kind = "rate_limited";
	inc->key = "qq.com";
	inc->listed_ip = "";
	inc->providers = "";
	inc->open = open;
	inc->start = 1795331100;
	inc->last_seen = 1795331580;
	inc->resolved = open ? 0 : 1795333000;
	inc->window = 600;
	inc->peak = 6;
	inc->total = 6;
	inc->sample = hostile;
	inc->sample_code = 421;
	inc->rule = "netease-hl-icc";
	inc->action = "Lower <concurrency>";
}

static char *
payload(enum notify_format f, bool open)
{
	struct incident_item item;
	struct incident_list l;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	memset(&item, 0, sizeof(item));
	sample_incident(&item.inc, open);
	l.v = &item;
	l.n = l.cap = 1;
	notify_payload(fp, f, &l, "mx1", 1795332000);
	fclose(fp);
	return buf;
}

static void
notify_payload__json__incident_objects_and_counts(void **state)
{
	char *doc;

	(void)state;
	doc = payload(NOTIFY_JSON, true);
	assert_non_null(strstr(doc, "\"source\": \"bouncestat\""));
	assert_non_null(strstr(doc, "\"host\": \"mx1\""));
	assert_non_null(strstr(doc, "\"opened\": 1, \"resolved\": 0"));
	assert_non_null(strstr(doc, "\"kind\": \"rate_limited\""));
	assert_non_null(strstr(doc, "\"state\": \"open\""));
	/* The reply is escaped, not cut or cleaned: a JSON consumer gets
	 * it byte-exact. */
	assert_non_null(
	    strstr(doc, "\\\"q\\\" \\\\ \\u001b[31m\\u000d\\u000aX-Evil"));
	assert_null(strchr(doc, '\x1b'));
	assert_null(strchr(doc, '\r'));
	free(doc);
	doc = payload(NOTIFY_JSON, false);
	assert_non_null(strstr(doc, "\"opened\": 0, \"resolved\": 1"));
	assert_non_null(strstr(doc, "\"state\": \"resolved\""));
	free(doc);
}

static void
notify_payload__slack__markup_escaped_one_text(void **state)
{
	char *doc;

	(void)state;
	doc = payload(NOTIFY_SLACK, true);
	assert_true(strncmp(doc, "{\"text\": \"", 10) == 0);
	assert_non_null(strstr(doc,
	    "&lt;script&gt;x&lt;/script&gt; &amp; "
	    "&lt;!channel&gt;"));
	assert_non_null(strstr(doc, "_Lower &lt;concurrency&gt;_"));
	assert_null(strstr(doc, "<!channel>"));
	assert_null(strstr(doc, "\\u000d")); /* sanitised to one line */
	assert_null(strstr(doc, "\\u001b")); /* no escape at all */
	assert_non_null(strstr(doc, "*opened* rate_limited `qq.com`"));
	/* the window named, as in the mail (trial7: "in a window") */
	assert_non_null(strstr(doc, ": peak 6 in 10 min (usual "));
	free(doc);
	doc = payload(NOTIFY_SLACK, false);
	assert_non_null(strstr(doc, "*resolved* rate_limited"));
	assert_non_null(strstr(doc, "0 incidents opened, 1 resolved"));
	free(doc);
}

static void
notify_format_parse__names__json_slack_only(void **state)
{
	enum notify_format f;

	(void)state;
	assert_int_equal(notify_format_parse("json", &f), 0);
	assert_int_equal(f, NOTIFY_JSON);
	assert_int_equal(notify_format_parse("slack", &f), 0);
	assert_int_equal(f, NOTIFY_SLACK);
	assert_int_equal(notify_format_parse("xml", &f), -1);
	assert_int_equal(notify_format_parse("", &f), -1);
}

static void
webhook_display__secret_path__hidden(void **state)
{
	char out[128];

	(void)state;
	webhook_display(
	    out, sizeof(out), "https://hooks.slack.com/services/T0/B0/SECRET");
	assert_string_equal(out, "https://hooks.slack.com/...");
	webhook_display(out, sizeof(out), "http://user:pw@h.example:8080?q=1");
	assert_string_equal(out, "http://h.example:8080/...");
	webhook_display(out, sizeof(out), "nonsense");
	assert_string_equal(out, "(not a URL)");
}

struct hookdir {
	char dir[128], script[192], out[192];
};

/* A script that records argv, environment and stdin into d->out, then
 * runs body. */
static void
make_hook(struct hookdir *d, const char *body)
{
	FILE *fp;

	snprintf(d->dir, sizeof(d->dir), "%s/bs_hook.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(d->dir));
	snprintf(d->script, sizeof(d->script), "%s/hook", d->dir);
	snprintf(d->out, sizeof(d->out), "%s/out", d->dir);
	assert_non_null(fp = fopen(d->script, "w"));
	fprintf(fp,
	    "#!/bin/sh\n"
	    "{ echo \"argv=$1\"; env | grep '^BOUNCESTAT_' | sort; cat; } "
	    ">'%s'\n%s\n",
	    d->out, body);
	fclose(fp);
	assert_int_equal(chmod(d->script, 0700), 0);
}

static char *
slurp(const char *path)
{
	static char buf[16384];
	size_t n;
	FILE *fp = fopen(path, "r");

	if (fp == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void
rm_hook(struct hookdir *d)
{
	unlink(d->out);
	unlink(d->script);
	rmdir(d->dir);
}

static void
hook_run__exit_0__env_argv_stdin(void **state)
{
	char errbuf[BS_ERRLEN], *out;
	struct incident inc;
	struct hookdir d;

	(void)state;
	make_hook(&d, "exit 0");
	sample_incident(&inc, true);
	setenv("BOUNCESTAT_KEY", "inherited", 1); /* must not leak in */
	assert_int_equal(
	    hook_run(d.script, "opened", &inc, "mx1", 10000, errbuf), 0);
	unsetenv("BOUNCESTAT_KEY");
	assert_non_null(out = slurp(d.out));
	assert_non_null(strstr(out, "argv=opened\n"));
	assert_non_null(strstr(out, "BOUNCESTAT_EVENT=opened\n"));
	assert_non_null(strstr(out, "BOUNCESTAT_KEY=qq.com\n"));
	assert_null(strstr(out, "inherited"));
	assert_non_null(strstr(out, "BOUNCESTAT_ID=7\n"));
	assert_non_null(strstr(out, "BOUNCESTAT_START=1795331100\n"));
	assert_non_null(strstr(out, "BOUNCESTAT_HOST=mx1\n"));
	/* stdin: the document of this one incident */
	assert_non_null(strstr(out, "{\"source\": \"bouncestat\""));
	assert_non_null(strstr(out, "\"id\": 7"));
	rm_hook(&d);
}

static void
hook_run__exit_3__failure_named(void **state)
{
	char errbuf[BS_ERRLEN];
	struct incident inc;
	struct hookdir d;

	(void)state;
	make_hook(&d, "exit 3");
	sample_incident(&inc, false);
	assert_int_equal(
	    hook_run(d.script, "resolved", &inc, "mx1", 10000, errbuf), -1);
	assert_string_equal(errbuf, "exit status 3");
	assert_non_null(strstr(slurp(d.out), "BOUNCESTAT_EVENT=resolved"));
	rm_hook(&d);
}

static void
hook_run__over_time_limit__killed(void **state)
{
	char errbuf[BS_ERRLEN];
	struct incident inc;
	struct hookdir d;

	(void)state;
	make_hook(&d, "sleep 30");
	sample_incident(&inc, true);
	assert_int_equal(
	    hook_run(d.script, "opened", &inc, "mx1", 200, errbuf), -1);
	assert_non_null(strstr(errbuf, "time limit"));
	rm_hook(&d);
}

static void
hook_run__relative_or_missing__error(void **state)
{
	char errbuf[BS_ERRLEN];
	struct incident inc;

	(void)state;
	sample_incident(&inc, true);
	assert_int_equal(
	    hook_run("hook", "opened", &inc, "h", 1000, errbuf), -1);
	assert_non_null(strstr(errbuf, "absolute"));
	assert_int_equal(
	    hook_run("/nonexistent/hook", "opened", &inc, "h", 1000, errbuf),
	    -1);
}

/*
 * libcurl is loaded at the first POST (core/dl.h): a POST to a port that
 * refuses gets libcurl's own error, not "cannot load" (the soname the
 * build found is the one installed).
 */
static void
webhook_post__loads_libcurl__its_error(void **state)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	char url[64], errbuf[BS_ERRLEN];
	int fd;

	(void)state;
	/* a bound port that does not listen: the connection is refused */
	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/hook",
	    (unsigned)ntohs(a.sin_port));
	assert_int_equal(webhook_init(errbuf), 0);
	assert_int_equal(webhook_post(url, "{}", 2, 5000, errbuf), -1);
	assert_null(strstr(errbuf, "cannot load"));
	assert_non_null(strstr(errbuf, "127.0.0.1"));
	/* a second run loads nothing again */
	webhook_cleanup();
	assert_int_equal(webhook_post(url, "{}", 2, 5000, errbuf), -1);
	assert_null(strstr(errbuf, "cannot load"));
	webhook_cleanup();
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    notify_payload__json__incident_objects_and_counts),
		cmocka_unit_test(
		    notify_payload__slack__markup_escaped_one_text),
		cmocka_unit_test(notify_format_parse__names__json_slack_only),
		cmocka_unit_test(webhook_display__secret_path__hidden),
		cmocka_unit_test(webhook_post__loads_libcurl__its_error),
		cmocka_unit_test(hook_run__exit_0__env_argv_stdin),
		cmocka_unit_test(hook_run__exit_3__failure_named),
		cmocka_unit_test(hook_run__over_time_limit__killed),
		cmocka_unit_test(hook_run__relative_or_missing__error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
