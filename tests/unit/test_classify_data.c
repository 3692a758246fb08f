/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Data-driven test of the built-in rules and the built-in model of the
 * weak layers (classify_model.h), as `bouncestat classify` loads them:
 * each row of a
 * tests/data/classify/NAME.tsv file (path given as the only argument) is a
 * reply text with the class the project expects for it:
 *
 *   class <TAB> context <TAB> reply text <TAB> note
 *
 * context is "-" or key=value pairs separated by ';': provider=DOMAIN
 * (passed to classify_event), status=NAME, event=connect|local|reply
 * (override what classify_event_from_text() infers), and the expectations
 * dnsbl=TEXT, ip=TEXT, rule=NAME. Lines starting with '#' are comments.
 * Every mismatch is printed as file:line; the test fails if there is one,
 * or, when a minimum accuracy in percent is given as a second argument
 * (for real replies labelled by people, tests/data/replies/train.tsv),
 * when the share of rows classified as expected is below it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "classify.h"
#include "classify_fixture.h"
#include "classify_model.h"

static const char *data_path;
static double min_accuracy = 100.0;

struct row {
	const char *cls;
	char *ctx;
	const char *text;
	const char *provider;
	const char *dnsbl;
	const char *ip;
	const char *rule;
	const char *status;
	const char *event;
};

/* Cuts *p at the next sep; returns the piece, NULL when *p is NULL. */
static char *
cut(char **p, char sep)
{
	char *s = *p, *e;

	if (s == NULL)
		return NULL;
	if ((e = strchr(s, sep)) != NULL) {
		*e = '\0';
		*p = e + 1;
	} else
		*p = NULL;
	return s;
}

static int
parse_ctx(struct row *r, int line)
{
	char *p = r->ctx, *kv, *eq;

	if (strcmp(p, "-") == 0)
		return 0;
	while ((kv = cut(&p, ';')) != NULL) {
		if ((eq = strchr(kv, '=')) == NULL) {
			print_error("%s:%d: bad context item \"%s\"\n",
			    data_path, line, kv);
			return -1;
		}
		*eq++ = '\0';
		if (strcmp(kv, "provider") == 0)
			r->provider = eq;
		else if (strcmp(kv, "dnsbl") == 0)
			r->dnsbl = eq;
		else if (strcmp(kv, "ip") == 0)
			r->ip = eq;
		else if (strcmp(kv, "rule") == 0)
			r->rule = eq;
		else if (strcmp(kv, "status") == 0)
			r->status = eq;
		else if (strcmp(kv, "event") == 0)
			r->event = eq;
		else {
			print_error("%s:%d: unknown context key \"%s\"\n",
			    data_path, line, kv);
			return -1;
		}
	}
	return 0;
}

static bool
span_is(struct bs_span sp, const char *want)
{
	if (want == NULL)
		return true;
	if (strcmp(want, "-") == 0)
		return sp.len == 0;
	return bs_span_eq(sp, want);
}

static void
classify_data__rows__expected_class(void **state)
{
	struct classifier *c = classify_fixture(true);
	struct classify_result res;
	struct bs_event ev;
	struct row r;
	enum bs_status st;
	char *buf = NULL, *p, *f[4];
	size_t cap = 0, len;
	int line = 0, rows = 0, bad = 0, k;
	FILE *fp;

	(void)state;
	if ((fp = fopen(data_path, "r")) == NULL)
		fail_msg("cannot open %s", data_path);
	while (getline(&buf, &cap, fp) != -1) {
		line++;
		len = strlen(buf);
		while (
		    len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (len == 0 || buf[0] == '#')
			continue;
		p = buf;
		for (k = 0; k < 4; k++)
			f[k] = cut(&p, '\t');
		if (f[2] == NULL || *f[2] == '\0') {
			print_error("%s:%d: want class<TAB>context<TAB>text\n",
			    data_path, line);
			bad++;
			continue;
		}
		memset(&r, 0, sizeof(r));
		r.cls = f[0];
		r.ctx = f[1];
		r.text = f[2];
		if (parse_ctx(&r, line) == -1) {
			bad++;
			continue;
		}
		rows++;
		classify_event_from_text(r.text, strlen(r.text), &ev);
		if (r.status != NULL) {
			if (bs_status_from_name(
				r.status, strlen(r.status), &st) == -1)
				fail_msg("%s:%d: bad status", data_path, line);
			ev.status = st;
		}
		if (r.event != NULL) {
			ev.flags &=
			    ~(unsigned)(BS_EVENT_CONNECT | BS_EVENT_LOCAL);
			if (strcmp(r.event, "connect") == 0)
				ev.flags |= BS_EVENT_CONNECT;
			else if (strcmp(r.event, "local") == 0)
				ev.flags |= BS_EVENT_LOCAL;
		}
		classify_event(c, &ev, r.provider, &res);
		if (strcmp(bs_class_name(res.cls), r.cls) != 0 ||
		    (r.rule != NULL && strcmp(res.rule, r.rule) != 0) ||
		    !span_is(res.dnsbl, r.dnsbl) ||
		    !span_is(res.listed_ip, r.ip)) {
			print_error("%s:%d: got %s (rule %s, dnsbl \"%.*s\", "
				    "ip \"%.*s\"), want %s%s%s: %s\n",
			    data_path, line, bs_class_name(res.cls),
			    *res.rule ? res.rule : "-", (int)res.dnsbl.len,
			    res.dnsbl.ptr ? res.dnsbl.ptr : "",
			    (int)res.listed_ip.len,
			    res.listed_ip.ptr ? res.listed_ip.ptr : "", r.cls,
			    r.rule ? " rule " : "", r.rule ? r.rule : "",
			    r.text);
			bad++;
		}
	}
	free(buf);
	fclose(fp);
	classify_free(c);
	print_message("%s: %d rows, %d mismatches (%.1f%% right)\n", data_path,
	    rows, bad, rows > 0 ? 100.0 * (rows - bad) / rows : 0.0);
	assert_true(rows > 0);
	if (min_accuracy >= 100.0)
		assert_int_equal(bad, 0);
	else if (100.0 * (rows - bad) / rows < min_accuracy)
		fail_msg("%s: accuracy below %.1f%%", data_path, min_accuracy);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(classify_data__rows__expected_class),
	};

	char *end;

	if (argc != 2 && argc != 3) {
		fprintf(stderr,
		    "usage: test_classify_data FILE.tsv [MIN_PERCENT]\n");
		return 2;
	}
	data_path = argv[1];
	if (argc == 3) {
		min_accuracy = strtod(argv[2], &end);
		if (*end != '\0' || min_accuracy <= 0 || min_accuracy > 100) {
			fprintf(stderr, "test_classify_data: bad percent %s\n",
			    argv[2]);
			return 2;
		}
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
