/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of daemon/core/conf.c: defaults, every value syntax, bounds, the
 * "file:line: message" errors (all of them collected), the reload policy,
 * and that the generated directive list and contrib/bouncestat.conf parse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

struct errs {
	int n;
	char msg[8][512];
};

static void
collect(void *arg, const char *msg)
{
	struct errs *e = arg;

	if (e->n < 8)
		snprintf(e->msg[e->n], sizeof(e->msg[0]), "%s", msg);
	e->n++;
}

/* The errors e collected are want[0..n), in order. */
static void
want_errs(const struct errs *e, const char *const *want, int n)
{
	int i;

	assert_int_equal(e->n, n);
	for (i = 0; i < n; i++)
		assert_string_equal(e->msg[i], want[i]);
}

static struct conf *
parse(const char *text, struct errs *e)
{
	memset(e, 0, sizeof(*e));
	return conf_parse("t.conf", text, strlen(text), collect, e);
}

static void
conf_parse__empty__defaults(void **state)
{
	struct errs e;
	struct conf *c = parse("", &e);

	(void)state;
	assert_non_null(c);
	assert_int_equal(e.n, 0);
	assert_string_equal(c->database, "");
	assert_int_equal(c->nfollow, 0);
	assert_string_equal(c->rules_dir, "");
	assert_int_equal(c->commit_interval_ms, 1000);
	assert_int_equal(c->commit_lines, 2000);
	assert_int_equal(c->poll_interval_ms, 2000);
	assert_int_equal(c->rescan_interval_ms, 10000);
	assert_int_equal(c->rotate_wait_ms, 5000);
	assert_int_equal(c->max_line, 65536);
	assert_int_equal(c->max_files, 256);
	assert_int_equal(c->retention_ms, 90LL * 86400 * 1000);
	assert_int_equal(c->minute_retention_ms, 30LL * 86400 * 1000);
	assert_int_equal(c->shutdown_timeout_ms, 10000);
	assert_int_equal(c->log_level, LOG_LEVEL_INFO);
	assert_int_equal(c->start_at, CONF_START_BEGINNING);
	assert_false(c->allow_root);
	assert_string_equal(c->user, "");
	conf_free(c);
}

static void
conf_parse__every_directive__values_set(void **state)
{
	struct errs e;
	struct conf *c = parse("# a comment\n"
			       "\n"
			       "database /tmp/x.db\n"
			       "follow /var/log/mail.log\n"
			       "follow /var/log/mail/*.log\n"
			       "rules_dir /etc/r.d\n"
			       "commit_interval 250ms\n"
			       "commit_lines 50\n"
			       "poll_interval 1s\n"
			       "rescan_interval 1m\n"
			       "rotate_wait 0\n"
			       "start_at end\n"
			       "max_line 2k\n"
			       "max_files 8\n"
			       "retention 1w\n"
			       "minute_retention 2d\n"
			       "shutdown_timeout 3s\n"
			       "log_level debug\n"
			       "user bouncestat\n"
			       "allow_root yes\n",
	    &e);

	(void)state;
	assert_int_equal(e.n, 0);
	assert_non_null(c);
	assert_string_equal(c->database, "/tmp/x.db");
	assert_int_equal(c->nfollow, 2);
	assert_string_equal(c->follow[0], "/var/log/mail.log");
	assert_string_equal(c->follow[1], "/var/log/mail/*.log");
	assert_string_equal(c->rules_dir, "/etc/r.d");
	assert_int_equal(c->commit_interval_ms, 250);
	assert_int_equal(c->commit_lines, 50);
	assert_int_equal(c->poll_interval_ms, 1000);
	assert_int_equal(c->rescan_interval_ms, 60000);
	assert_int_equal(c->rotate_wait_ms, 0);
	assert_int_equal(c->start_at, CONF_START_END);
	assert_int_equal(c->max_line, 2048);
	assert_int_equal(c->max_files, 8);
	assert_int_equal(c->retention_ms, 7LL * 86400 * 1000);
	assert_int_equal(c->minute_retention_ms, 2LL * 86400 * 1000);
	assert_int_equal(c->shutdown_timeout_ms, 3000);
	assert_int_equal(c->log_level, LOG_LEVEL_DEBUG);
	assert_string_equal(c->user, "bouncestat");
	assert_true(c->allow_root);
	conf_free(c);
}

static void
conf_parse__check_ip__addresses_only(void **state)
{
	struct conf *c;
	struct errs e;

	(void)state;
	c = parse("check_ip 198.51.100.7\ncheck_ip 2001:db8::25\n"
		  "dnsbl_interval 1h\ndnsbl_resolver 127.0.0.1:5353\n",
	    &e);
	assert_non_null(c);
	assert_int_equal(c->ncheck_ip, 2);
	assert_string_equal(c->check_ip[1], "2001:db8::25");
	assert_int_equal(c->dnsbl_interval_ms, 3600000);
	assert_int_equal(c->dnsbl_timeout_ms, 5000);
	assert_int_equal(c->stall_after_ms, 1800000);
	assert_int_equal(c->dnsbl_check, CONF_DNSBL_AUTO);
	conf_free(c);
	assert_null(parse("check_ip mail.example.com\ncheck_ip 1.2.3\n"
			  "dnsbl_interval 10s\n",
	    &e));
	assert_int_equal(e.n, 3);
	assert_non_null(strstr(e.msg[0], "t.conf:1: check_ip: not an IPv4"));
	assert_non_null(strstr(e.msg[1], "t.conf:2:"));
	assert_non_null(strstr(e.msg[2], "t.conf:3: dnsbl_interval"));
}

static void
conf_parse__summed_duration__milliseconds(void **state)
{
	struct errs e;
	struct conf *c = parse("retention 1d12h\nrotate_wait 1m30s\n", &e);

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->retention_ms, 36LL * 3600 * 1000);
	assert_int_equal(c->rotate_wait_ms, 90000);
	conf_free(c);
}

static void
conf_parse__duration_without_unit__error(void **state)
{
	struct errs e;

	(void)state;
	assert_null(parse("commit_interval 1000\n", &e));
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msg[0],
	    "t.conf:1: commit_interval: missing "
	    "unit (ms, s, m, h, d, w), not '1000'");
}

static void
conf_parse__unknown_unit__error(void **state)
{
	struct errs e;

	(void)state;
	assert_null(parse("rotate_wait 5 s\n", &e));
	assert_int_equal(e.n, 1);
	assert_null(parse("rotate_wait 5y\n", &e));
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.msg[0], "unknown unit"));
}

static void
conf_parse__detect_thresholds__kept_in_order_bad_one_error(void **state)
{
	struct errs e;
	struct conf *c;

	(void)state;
	assert_non_null(c = parse("detect window=5m\n"
				  "detect rate_limited.min_count=20\n",
			    &e));
	assert_int_equal(c->ndetect, 2);
	assert_string_equal(c->detect[1], "rate_limited.min_count=20");
	conf_free(c);
	assert_null(parse("\ndetect rate_limited.min_count=abc\n", &e));
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.msg[0], "t.conf:2: detect: "));
	assert_null(parse("detect nosuchkind.factor=2\n", &e));
	assert_int_equal(e.n, 1);
}

static void
conf_parse__journal_directives__mode_and_matches_in_order(void **state)
{
	struct errs e;
	struct conf *c;

	(void)state;
	assert_non_null(c = parse("", &e));
	assert_int_equal(c->journal, CONF_JOURNAL_AUTO);
	assert_int_equal(c->njournal_match, 0);
	conf_free(c);
	assert_non_null(
	    c = parse("journal off\n"
		      "journal_match _SYSTEMD_UNIT=postfix@-.service\n"
		      "journal_match SYSLOG_IDENTIFIER=exim _PID=1\n",
		&e));
	assert_int_equal(c->journal, CONF_JOURNAL_OFF);
	assert_int_equal(c->njournal_match, 2);
	assert_string_equal(
	    c->journal_match[1], "SYSLOG_IDENTIFIER=exim _PID=1");
	conf_free(c);
	assert_null(parse("journal sometimes\n", &e));
	assert_int_equal(e.n, 1);
}

static void
conf_parse__out_of_range__error_with_bounds(void **state)
{
	struct errs e;

	(void)state;
	assert_null(parse("\n\ncommit_lines 0\n", &e));
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msg[0],
	    "t.conf:3: commit_lines: '0' is out "
	    "of range (1 to 1000000)");
	assert_null(parse("commit_interval 2m\n", &e));
	assert_string_equal(e.msg[0],
	    "t.conf:1: commit_interval: '2m' is "
	    "out of range (50ms to 1m)");
	assert_null(parse("max_line 2M\n", &e));
	assert_int_equal(e.n, 1);
}

static void
conf_parse__bounds_inclusive__accepted(void **state)
{
	struct errs e;
	struct conf *c = parse("commit_interval 50ms\ncommit_lines "
			       "1000000\nmax_line 1024\nmax_files 4096\n",
	    &e);

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->commit_interval_ms, 50);
	assert_int_equal(c->max_line, 1024);
	conf_free(c);
}

static void
conf_parse__several_errors__all_reported(void **state)
{
	static const char *const want[] = {
		"t.conf:1: commit_lines: expected a whole number, not 'many'",
		"t.conf:2: unknown directive 'bogus' ('bouncestat "
		"check-config --directives' lists them)",
		"t.conf:3: log_level: expected one of error, warning, info, "
		"debug, not 'loud'",
		"t.conf:5: allow_root: expected yes or no, not 'perhaps'",
	};
	struct errs e;

	(void)state;
	assert_null(parse("commit_lines many\n"
			  "bogus 1\n"
			  "log_level loud\n"
			  "follow /ok\n"
			  "allow_root perhaps\n",
	    &e));
	want_errs(&e, want, 4);
}

/* trial6: a misspelt directive names the one it most likely meant. */
static void
conf_parse__misspelt__near_name(void **state)
{
	static const char *const want[] = {
		"t.conf:1: unknown directive 'databse' (did you mean "
		"database?)",
		"t.conf:2: unknown directive 'metric_listen' (did you mean "
		"metrics_listen?)",
		"t.conf:3: unknown directive 'webhooks' (did you mean "
		"webhook?)",
		"t.conf:4: unknown directive 'xyz' ('bouncestat check-config "
		"--directives' lists them)",
	};
	struct errs e;

	(void)state;
	assert_null(parse("databse /tmp/x.db\n"
			  "metric_listen 127.0.0.1:9154\n"
			  "webhooks https://example.org/\n"
			  "xyz 1\n",
	    &e));
	want_errs(&e, want, 4);
}

static void
conf_parse__given_twice__error(void **state)
{
	struct errs e;

	(void)state;
	assert_null(parse("commit_lines 5\n\ncommit_lines 6\n", &e));
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msg[0],
	    "t.conf:3: commit_lines: given twice "
	    "(first at line 1)");
}

static void
conf_parse__missing_value__error(void **state)
{
	struct errs e;

	(void)state;
	assert_null(parse("database\n", &e));
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msg[0], "t.conf:1: database: missing value");
	assert_null(parse("database   # only a comment\n", &e));
	assert_int_equal(e.n, 1);
}

static void
conf_parse__comments_and_space__stripped(void **state)
{
	struct errs e;
	struct conf *c = parse("  follow\t/var/log/a b.log   # trailing\r\n"
			       "follow /var/log/x#y.log\n"
			       "\t# indented comment\n"
			       "LOG_LEVEL info\n",
	    &e);

	(void)state;
	/* Directive names are case-sensitive. */
	assert_null(c);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msg[0],
	    "t.conf:4: unknown directive "
	    "'LOG_LEVEL' (did you mean log_level?)");
	c = parse("  follow\t/var/log/a b.log   # trailing\r\n"
		  "follow /var/log/x#y.log\n"
		  "\t# indented comment\n"
		  "log_level INFO\n",
	    &e);
	assert_non_null(c);
	assert_int_equal(c->nfollow, 2);
	assert_string_equal(c->follow[0], "/var/log/a b.log");
	assert_string_equal(c->follow[1], "/var/log/x#y.log");
	assert_int_equal(c->log_level, LOG_LEVEL_INFO);
	conf_free(c);
}

static void
conf_parse__no_final_newline__last_line_read(void **state)
{
	struct errs e;
	struct conf *c = parse("commit_lines 7", &e);

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->commit_lines, 7);
	conf_free(c);
}

static void
conf_parse__sizes__suffixes(void **state)
{
	struct errs e;
	struct conf *c = parse("max_line 1M\n", &e);

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->max_line, 1048576);
	conf_free(c);
	c = parse("max_line 4096\n", &e);
	assert_non_null(c);
	assert_int_equal(c->max_line, 4096);
	conf_free(c);
	assert_null(parse("max_line 4kb\n", &e));
	assert_null(parse("max_line -4k\n", &e));
	assert_null(parse("max_line 99999999999999999999\n", &e));
}

static void
conf_parse__booleans__all_spellings(void **state)
{
	static const char *const yes[] = { "yes", "true", "on", "1", "YES" };
	static const char *const no[] = { "no", "false", "off", "0", "No" };
	char text[64];
	struct errs e;
	struct conf *c;
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		snprintf(text, sizeof(text), "allow_root %s\n", yes[i]);
		assert_non_null(c = parse(text, &e));
		assert_true(c->allow_root);
		conf_free(c);
		snprintf(text, sizeof(text), "allow_root %s\n", no[i]);
		assert_non_null(c = parse(text, &e));
		assert_false(c->allow_root);
		conf_free(c);
	}
}

static void
conf_parse__long_line__error(void **state)
{
	char *text = malloc(CONF_LINE_MAX + 64);
	struct errs e;

	(void)state;
	assert_non_null(text);
	memset(text, 'a', CONF_LINE_MAX + 10);
	memcpy(text, "follow /", 8);
	strcpy(text + CONF_LINE_MAX + 10, "\nbogus 1\n");
	assert_null(parse(text, &e));
	assert_int_equal(e.n, 2);
	assert_string_equal(e.msg[0],
	    "t.conf:1: line longer than 4096 "
	    "bytes");
	free(text);
}

static void
conf_parse__nul_byte__error(void **state)
{
	static const char text[] = "commit_lines 5\nfollow /a\0b\n";
	struct errs e;

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_null(conf_parse("t.conf", text, sizeof(text) - 1, collect, &e));
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msg[0], "t.conf:2: NUL byte in line");
}

static void
conf_parse__too_many_follow__error(void **state)
{
	char *text = malloc((CONF_FOLLOW_MAX + 1) * 16);
	struct errs e;
	size_t i, off = 0;

	(void)state;
	assert_non_null(text);
	for (i = 0; i <= CONF_FOLLOW_MAX; i++)
		off += (size_t)sprintf(text + off, "follow /f%zu\n", i);
	assert_null(parse(text, &e));
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.msg[0], "more than 256 entries"));
	free(text);
}

static void
conf_load__missing_optional__defaults(void **state)
{
	struct errs e;
	struct conf *c;

	(void)state;
	memset(&e, 0, sizeof(e));
	c = conf_load("/nonexistent/bouncestat.conf", false, collect, &e);
	assert_non_null(c);
	assert_int_equal(e.n, 0);
	assert_string_equal(c->source, "(defaults)");
	conf_free(c);
}

static void
conf_load__missing_required__error(void **state)
{
	struct errs e;

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_null(
	    conf_load("/nonexistent/bouncestat.conf", true, collect, &e));
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msg[0],
	    "/nonexistent/bouncestat.conf: No such "
	    "file or directory");
}

static void
conf_load__file__parsed_with_its_name(void **state)
{
	char path[] = "/tmp/test_conf.XXXXXX";
	struct errs e;
	struct conf *c;
	FILE *fp;
	int fd;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	fputs("commit_lines 9\nmax_files 0\n", fp);
	fclose(fp);
	memset(&e, 0, sizeof(e));
	assert_null(conf_load(path, true, collect, &e));
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.msg[0], ":2: max_files: '0' is out of "));
	assert_int_equal(strncmp(e.msg[0], path, strlen(path)), 0);
	fp = fopen(path, "w");
	fputs("commit_lines 9\n", fp);
	fclose(fp);
	assert_non_null(c = conf_load(path, true, collect, &e));
	assert_int_equal(c->commit_lines, 9);
	assert_string_equal(c->source, path);
	conf_free(c);
	unlink(path);
}

/*
 * conf_load_all() (check-config): the configuration comes back after
 * errors, each bad line leaving its default, with every directive's
 * line; mail_to takes addresses only.
 */
static void
conf_load_all__errors__configuration_kept_with_lines(void **state)
{
	char path[] = "/tmp/test_conf.XXXXXX";
	struct errs e;
	struct conf *c;
	FILE *fp;
	int fd, nerr = -1;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	fputs("check_ip 1.2.3\nuser nobody_x\nmail_to not an address\n"
	      "mail_to pm@example.org\nmax_files 0\ncommit_lines 9\n",
	    fp);
	fclose(fp);
	memset(&e, 0, sizeof(e));
	assert_null(conf_load(path, true, collect, &e));
	assert_int_equal(e.n, 3);
	memset(&e, 0, sizeof(e));
	assert_non_null(c = conf_load_all(path, true, collect, &e, &nerr));
	assert_int_equal(nerr, 3);
	assert_int_equal(e.n, 3);
	assert_non_null(strstr(e.msg[1], ":3: mail_to: not a mail address"));
	assert_string_equal(c->user, "nobody_x");
	assert_int_equal(c->ncheck_ip, 0);
	assert_int_equal(c->nmail_to, 1);
	assert_int_equal(c->commit_lines, 9);
	assert_int_equal(conf_line(c, "user"), 2);
	assert_int_equal(conf_line(c, "commit_lines"), 6);
	assert_int_equal(conf_line(c, "metrics_listen"), 0);
	assert_int_equal(conf_line(c, "no_such_directive"), 0);
	conf_free(c);
	unlink(path);
}

/* A UTF-8 byte-order mark before line 1 is skipped, not a directive. */
static void
conf_parse__utf8_bom__skipped(void **state)
{
	struct errs e;
	struct conf *c =
	    parse("\xef\xbb\xbfuser nobody\r\ncommit_lines 7\n", &e);

	(void)state;
	assert_non_null(c);
	assert_int_equal(e.n, 0);
	assert_string_equal(c->user, "nobody");
	assert_int_equal(c->commit_lines, 7);
	assert_int_equal(conf_line(c, "user"), 1);
	conf_free(c);
}

/* Each entry of a list directive keeps its own line (check-config). */
static void
conf_list_line__repeated_directive__each_entry_its_line(void **state)
{
	struct errs e;
	struct conf *c = parse("exec /a\n# x\nwebhook http://h/1\n\n"
			       "exec /b\nwebhook http://h/2\n",
	    &e);

	(void)state;
	assert_non_null(c);
	assert_int_equal(c->nexec, 2);
	assert_int_equal(conf_list_line(c, "exec", 0), 1);
	assert_int_equal(conf_list_line(c, "exec", 1), 5);
	assert_int_equal(conf_list_line(c, "webhook", 0), 3);
	assert_int_equal(conf_list_line(c, "webhook", 1), 6);
	assert_int_equal(conf_list_line(c, "webhook", 2), 0);
	assert_int_equal(conf_list_line(c, "mail_to", 0), 0);
	assert_int_equal(conf_list_line(c, "user", 0), 0);
	conf_free(c);
}

static void
conf_changed_fixed__fixed_and_reloadable__only_fixed_reported(void **state)
{
	struct errs e, e2;
	struct conf *a = parse("database /a.db\ncommit_lines 5\n", &e);
	struct conf *b = parse("database /b.db\ncommit_lines 6\nmax_line "
			       "2k\nfollow /x\n",
	    &e);

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	memset(&e2, 0, sizeof(e2));
	assert_int_equal(conf_changed_fixed(a, b, collect, &e2), 2);
	assert_string_equal(e2.msg[0], "database: changed, restart to apply");
	assert_string_equal(e2.msg[1], "max_line: changed, restart to apply");
	assert_int_equal(conf_changed_fixed(a, a, NULL, NULL), 0);
	assert_false(conf_follow_equal(a, b));
	assert_true(conf_follow_equal(a, a));
	conf_free(a);
	conf_free(b);
}

/*
 * The directive list printed by check-config --directives is a sample
 * configuration: with every "#name value" line uncommented it must parse,
 * which proves each default and example is valid.
 */
static void
conf_print_directives__uncommented__parses(void **state)
{
	char *buf = NULL, *out, *p, *nl;
	size_t len = 0, n = 0;
	struct errs e;
	struct conf *c;
	FILE *fp;

	(void)state;
	assert_non_null(fp = open_memstream(&buf, &len));
	conf_print_directives(fp);
	fclose(fp);
	assert_true(len > 1000);
	assert_non_null(out = calloc(1, len + 1));
	for (p = buf; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		if (p[0] == '#' && p[1] >= 'a' && p[1] <= 'z') {
			strncat(out, p + 1, (size_t)(nl - p));
			n++;
		}
	}
	assert_int_equal(n, 41); /* one per directive */
	memset(&e, 0, sizeof(e));
	c = conf_parse("sample", out, strlen(out), collect, &e);
	if (c == NULL)
		fail_msg("%s", e.msg[0]);
	assert_int_equal(c->nfollow, 1);
	assert_int_equal(c->ndetect, 1);
	assert_int_equal(c->njournal_match, 1);
	assert_string_equal(
	    c->journal_match[0], "_SYSTEMD_UNIT=postfix@-.service");
	assert_int_equal(c->nmail_to, 1);
	assert_string_equal(c->mail_to[0], "postmaster@example.com");
	conf_free(c);
	free(out);
	free(buf);
}

/* contrib/bouncestat.conf parses and mentions every directive. */
static void
conf_load__contrib_sample__valid_and_complete(void **state)
{
	char *buf = NULL, *sample, *p, *nl, name[64];
	size_t len = 0;
	long slen;
	struct errs e;
	struct conf *c;
	FILE *fp;

	(void)state;
	memset(&e, 0, sizeof(e));
	c = conf_load(BS_SRC_DIR "/contrib/bouncestat.conf", true, collect, &e);
	if (c == NULL)
		fail_msg("%s", e.msg[0]);
	conf_free(c);
	assert_non_null(fp = fopen(BS_SRC_DIR "/contrib/bouncestat.conf", "r"));
	fseek(fp, 0, SEEK_END);
	slen = ftell(fp);
	rewind(fp);
	assert_non_null(sample = calloc(1, (size_t)slen + 1));
	assert_int_equal(fread(sample, 1, (size_t)slen, fp), (size_t)slen);
	fclose(fp);
	assert_non_null(fp = open_memstream(&buf, &len));
	conf_print_directives(fp);
	fclose(fp);
	for (p = buf; *p != '\0'; p = nl + 1) {
		char pat[80];

		nl = strchr(p, '\n');
		/* "#name value": one line per directive. */
		if (p[0] != '#' || sscanf(p + 1, "%63[a-z_]", name) != 1)
			continue;
		snprintf(pat, sizeof(pat), "\n#%s ", name);
		if (strstr(sample, pat) != NULL)
			continue;
		snprintf(pat, sizeof(pat), "\n%s ", name);
		if (strstr(sample, pat) == NULL)
			fail_msg("%s is not in the sample", name);
	}
	free(buf);
	free(sample);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(conf_parse__empty__defaults),
		cmocka_unit_test(conf_parse__every_directive__values_set),
		cmocka_unit_test(conf_parse__summed_duration__milliseconds),
		cmocka_unit_test(conf_parse__check_ip__addresses_only),
		cmocka_unit_test(conf_parse__duration_without_unit__error),
		cmocka_unit_test(conf_parse__unknown_unit__error),
		cmocka_unit_test(
		    conf_parse__detect_thresholds__kept_in_order_bad_one_error),
		cmocka_unit_test(conf_parse__out_of_range__error_with_bounds),
		cmocka_unit_test(conf_parse__bounds_inclusive__accepted),
		cmocka_unit_test(conf_parse__several_errors__all_reported),
		cmocka_unit_test(conf_parse__misspelt__near_name),
		cmocka_unit_test(conf_parse__given_twice__error),
		cmocka_unit_test(conf_parse__missing_value__error),
		cmocka_unit_test(conf_parse__comments_and_space__stripped),
		cmocka_unit_test(conf_parse__no_final_newline__last_line_read),
		cmocka_unit_test(conf_parse__sizes__suffixes),
		cmocka_unit_test(conf_parse__booleans__all_spellings),
		cmocka_unit_test(conf_parse__long_line__error),
		cmocka_unit_test(conf_parse__nul_byte__error),
		cmocka_unit_test(conf_parse__too_many_follow__error),
		cmocka_unit_test(
		    conf_parse__journal_directives__mode_and_matches_in_order),
		cmocka_unit_test(conf_load__missing_optional__defaults),
		cmocka_unit_test(conf_load__missing_required__error),
		cmocka_unit_test(conf_load__file__parsed_with_its_name),
		cmocka_unit_test(
		    conf_load_all__errors__configuration_kept_with_lines),
		cmocka_unit_test(
		    conf_changed_fixed__fixed_and_reloadable__only_fixed_reported),
		cmocka_unit_test(
		    conf_list_line__repeated_directive__each_entry_its_line),
		cmocka_unit_test(conf_parse__utf8_bom__skipped),
		cmocka_unit_test(conf_print_directives__uncommented__parses),
		cmocka_unit_test(conf_load__contrib_sample__valid_and_complete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
