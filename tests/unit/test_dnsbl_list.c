/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of daemon/dnsbl/dnsbl_list.c: the list file format (errors
 * with file:line), replacement of a zone by a later file, the embedded
 * lists, what each answer means (Spamhaus ZEN codes, the 127.255.255.x
 * errors) and the DNS names asked (RFC 5782).
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

#include "dnsbl_list.h"
#include "event.h"

#define A(a, b, c, d)                                                          \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) |                       \
	    ((uint32_t)(c) << 8) | (uint32_t)(d))

static int
add(struct dnsbl_lists *l, const char *text, char *errbuf)
{
	return dnsbl_lists_add(l, "t.lists", text, strlen(text), errbuf);
}

static void
dnsbl_lists_add__full_stanza__every_field(void **state)
{
	struct dnsbl_lists *l = dnsbl_lists_new();
	const struct dnsbl_def *d;
	char errbuf[BS_ERRLEN];

	(void)state;
	assert_int_equal(add(l,
			     "# comment\n"
			     "list bl.example.org\n"
			     "name  Example BL\n"
			     "family both\n"
			     "delist https://example.org/delist\n"
			     "actionable no\n"
			     "check yes\n"
			     "note  a note\r\n"
			     "listed 127.0.0.2 spam source\n"
			     "listed 127.0.0.4-127.0.0.7 infected\n"
			     "error 127.255.255.254 refused\n"
			     "pass 127.0.0.1 white\n"
			     "\n"
			     "list other.example.net\n",
			     errbuf),
	    2);
	assert_int_equal(dnsbl_lists_count(l), 2);
	d = dnsbl_lists_find(l, "BL.example.org.");
	assert_non_null(d);
	assert_string_equal(d->name, "Example BL");
	assert_string_equal(d->delist, "https://example.org/delist");
	assert_string_equal(d->note, "a note");
	assert_int_equal(d->family, DNSBL_FAMILY_V4 | DNSBL_FAMILY_V6);
	assert_false(d->actionable);
	assert_true(d->check);
	assert_int_equal(d->ncodes, 4);
	assert_string_equal(d->source, "t.lists:2");
	d = dnsbl_lists_get(l, 1);
	assert_string_equal(d->zone, "other.example.net");
	assert_string_equal(d->name, "other.example.net");
	assert_true(d->actionable);
	assert_int_equal(d->family, DNSBL_FAMILY_V4);
	assert_null(dnsbl_lists_get(l, 2));
	dnsbl_lists_free(l);
}

static void
dnsbl_lists_add__bad_input__file_line_error_and_unchanged(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{ "name x\n", "t.lists:1: expected 'list ZONE'" },
		{ "list a.b\nfrobnicate 1\n", "t.lists:2: unknown keyword" },
		{ "list not a zone\n", "t.lists:1: not a DNS zone" },
		{ "list nodot\n", "t.lists:1: not a DNS zone" },
		{ "list a.b\nlisted 127.0.0.2\n",
		    "t.lists:2: an answer needs" },
		{ "list a.b\nlisted 300.0.0.2 x\n", "t.lists:2: not an IPv4" },
		{ "list a.b\nerror 127.0.0.9-127.0.0.2 x\n",
		    "t.lists:2: answer range ends" },
		{ "list a.b\nactionable maybe\n", "t.lists:2: expected yes" },
		{ "list a.b\nfamily ipv5\n", "t.lists:2: family is" },
		{ "list a.b\nname\n", "t.lists:2: a value is needed" },
		{ "list a.b\nlist A.B\n", "t.lists:2: zone defined twice" },
	};
	struct dnsbl_lists *l = dnsbl_lists_new();
	char errbuf[BS_ERRLEN];
	size_t i;

	(void)state;
	assert_int_equal(add(l, "list keep.example\n", errbuf), 1);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		errbuf[0] = '\0';
		assert_int_equal(add(l, cases[i].text, errbuf), -1);
		if (strstr(errbuf, cases[i].msg) == NULL)
			fail_msg("case %zu: got '%s'", i, errbuf);
		assert_int_equal(dnsbl_lists_count(l), 1);
	}
	/* A NUL byte and an over-long line. */
	assert_int_equal(
	    dnsbl_lists_add(l, "t.lists", "list a.b\0x\n", 11, errbuf), -1);
	{
		char *big = malloc(3000);

		memset(big, 'x', 2999);
		big[2999] = '\0';
		assert_int_equal(add(l, big, errbuf), -1);
		assert_non_null(strstr(errbuf, "line too long"));
		free(big);
	}
	assert_int_equal(dnsbl_lists_count(l), 1);
	dnsbl_lists_free(l);
}

static void
dnsbl_lists_add__same_zone_later__replaces_in_place(void **state)
{
	struct dnsbl_lists *l = dnsbl_lists_new();
	const struct dnsbl_def *d;
	char errbuf[BS_ERRLEN];

	(void)state;
	assert_int_equal(add(l,
			     "list a.example\nlisted 127.0.0.2 A\n"
			     "list b.example\n",
			     errbuf),
	    2);
	assert_int_equal(add(l, "list A.example\nactionable no\n", errbuf), 1);
	assert_int_equal(dnsbl_lists_count(l), 2);
	d = dnsbl_lists_get(l, 0);
	assert_string_equal(d->zone, "A.example");
	assert_false(d->actionable);
	assert_int_equal(d->ncodes, 0);
	dnsbl_lists_free(l);
}

static void
dnsbl_meaning__spamhaus_codes__listing_or_error(void **state)
{
	struct dnsbl_lists *l;
	const struct dnsbl_def *d;
	const char *m;
	char errbuf[BS_ERRLEN];

	(void)state;
	l = dnsbl_lists_load("/nonexistent-dnsbl-dir-for-test", errbuf);
	assert_null(l); /* a named directory must exist */
	l = dnsbl_lists_load(NULL, errbuf);
	assert_non_null(l);
	assert_true(dnsbl_lists_count(l) >= 30);
	d = dnsbl_lists_find(l, "zen.spamhaus.org");
	assert_non_null(d);
	assert_true(d->actionable);
	assert_true(d->family & DNSBL_FAMILY_V6);
	assert_int_equal(dnsbl_meaning(d, A(127, 0, 0, 2), &m), DNSBL_LISTED);
	assert_non_null(strstr(m, "SBL"));
	assert_int_equal(dnsbl_meaning(d, A(127, 0, 0, 3), &m), DNSBL_LISTED);
	assert_non_null(strstr(m, "CSS"));
	assert_int_equal(dnsbl_meaning(d, A(127, 0, 0, 6), &m), DNSBL_LISTED);
	assert_non_null(strstr(m, "XBL"));
	assert_int_equal(dnsbl_meaning(d, A(127, 0, 0, 11), &m), DNSBL_LISTED);
	assert_non_null(strstr(m, "PBL"));
	assert_int_equal(
	    dnsbl_meaning(d, A(127, 255, 255, 254), &m), DNSBL_ERROR);
	assert_non_null(strstr(m, "public"));
	assert_int_equal(
	    dnsbl_meaning(d, A(127, 255, 255, 255), &m), DNSBL_ERROR);
	assert_non_null(strstr(m, "quota"));
	/* Undescribed 127/8: a listing; outside 127/8: an error. */
	assert_int_equal(dnsbl_meaning(d, A(127, 0, 0, 99), &m), DNSBL_LISTED);
	assert_int_equal(dnsbl_meaning(d, A(198, 51, 100, 1), &m), DNSBL_ERROR);
	assert_non_null(strstr(m, "outside 127.0.0.0/8"));
	d = dnsbl_lists_find(l, "dnsbl-2.uceprotect.net");
	assert_non_null(d);
	assert_false(d->actionable);
	assert_false(dnsbl_lists_find(l, "dnsbl-3.uceprotect.net")->actionable);
	assert_true(dnsbl_lists_find(l, "dnsbl-1.uceprotect.net")->actionable);
	d = dnsbl_lists_find(l, "hostkarma.junkemailfilter.com");
	assert_int_equal(dnsbl_meaning(d, A(127, 0, 0, 1), &m), DNSBL_PASS);
	assert_int_equal(dnsbl_meaning(d, A(127, 0, 0, 2), &m), DNSBL_LISTED);
	assert_string_equal(dnsbl_verdict_name(DNSBL_ERROR), "error");
	dnsbl_lists_free(l);
}

static void
dnsbl_lists_load__operator_dir__adds_and_overrides(void **state)
{
	char dir[] = "/tmp/test_dnsbl_XXXXXX", path[256], errbuf[BS_ERRLEN];
	struct dnsbl_lists *l;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/local.lists", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("list zen.spamhaus.org\nactionable no\n"
	      "list bl.local.example\nlisted 127.0.0.2 local\n",
	    fp);
	fclose(fp);
	l = dnsbl_lists_load(dir, errbuf);
	assert_non_null(l);
	assert_false(dnsbl_lists_find(l, "zen.spamhaus.org")->actionable);
	assert_non_null(dnsbl_lists_find(l, "bl.local.example"));
	dnsbl_lists_free(l);
	fp = fopen(path, "w");
	fputs("list bad zone\n", fp);
	fclose(fp);
	assert_null(dnsbl_lists_load(dir, errbuf));
	assert_non_null(strstr(errbuf, "local.lists:1: not a DNS zone"));
	unlink(path);
	rmdir(dir);
}

static void
dnsbl_query_name__v4_v6_garbage__rfc5782(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(
	    dnsbl_query_name("198.51.100.7", "zen.example", out, sizeof(out)),
	    DNSBL_FAMILY_V4);
	assert_string_equal(out, "7.100.51.198.zen.example");
	assert_int_equal(
	    dnsbl_query_name("2001:db8::1", "z.example", out, sizeof(out)),
	    DNSBL_FAMILY_V6);
	assert_string_equal(out,
	    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.8.b.d.0.1.0.0.2.z.example");
	assert_int_equal(
	    dnsbl_query_name("not-an-ip", "z.example", out, sizeof(out)), 0);
	assert_int_equal(dnsbl_query_name("1.2.3.4", "z.example", out, 8), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dnsbl_lists_add__full_stanza__every_field),
		cmocka_unit_test(
		    dnsbl_lists_add__bad_input__file_line_error_and_unchanged),
		cmocka_unit_test(
		    dnsbl_lists_add__same_zone_later__replaces_in_place),
		cmocka_unit_test(
		    dnsbl_meaning__spamhaus_codes__listing_or_error),
		cmocka_unit_test(
		    dnsbl_lists_load__operator_dir__adds_and_overrides),
		cmocka_unit_test(dnsbl_query_name__v4_v6_garbage__rfc5782),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
