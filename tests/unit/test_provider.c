/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of parsers/provider.c: the big providers' MX host names
 * (as seen in real logs and provider documentation) folded to one name,
 * registrable domains under one-, two- and more-label public suffixes
 * of the Public Suffix List (libpsl, ICANN section: wildcard and
 * exception rules, IDN suffixes as A-labels), the PSL default rule for
 * unknown TLDs, and the hosts that name no provider. Common public
 * suffixes are checked one by one, and every alias, which also proves the
 * alias table is sorted (the lookup is a binary search).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "provider.h"

/* provider_from_host() of host, from a buffer of exactly its length. */
static size_t
prov(const char *host, char *out, size_t outlen)
{
	size_t len = strlen(host), n;
	char *buf = malloc(len > 0 ? len : 1);

	assert_non_null(buf);
	memcpy(buf, host, len);
	n = provider_from_host(bs_span_make(buf, len), out, outlen);
	free(buf);
	return n;
}

static void
check(const char *host, const char *want)
{
	char out[256];
	size_t n;

	memset(out, 'Z', sizeof(out));
	n = prov(host, out, sizeof(out));
	if (want == NULL) {
		if (n != 0)
			fail_msg("\"%s\": got \"%s\", want none", host, out);
		assert_string_equal(out, "");
		return;
	}
	if (n == 0 || strcmp(out, want) != 0)
		fail_msg("\"%s\": got \"%s\" (%zu), want \"%s\"", host,
		    n ? out : "", n, want);
	assert_int_equal(n, strlen(want));
}

static void
provider_from_host__google__google_com(void **state)
{
	(void)state;
	check("gmail-smtp-in.l.google.com", "google.com");
	check("alt4.gmail-smtp-in.l.google.com", "google.com");
	check("aspmx.l.google.com", "google.com");
	check("googlemail.com", "google.com");
	check("gmail.com", "google.com");
	check("aspmx2.googlemail.com", "google.com");
}

static void
provider_from_host__microsoft__outlook_com(void **state)
{
	(void)state;
	check("example-com.mail.protection.outlook.com", "outlook.com");
	check("hotmail-com.olc.protection.outlook.com", "outlook.com");
	check("eur.olc.protection.outlook.com", "outlook.com");
	check("mx3.hotmail.com", "outlook.com");
	check("hotmail.com", "outlook.com");
	check("mx1.live.com", "outlook.com");
}

static void
provider_from_host__yahoo_and_aol__yahoo_com(void **state)
{
	(void)state;
	check("mta7.am0.yahoodns.net", "yahoo.com");
	check("mx-aol.mail.gm0.yahoodns.net", "yahoo.com");
	check("mx1.mail.yahoo.com", "yahoo.com");
	check("mailin-01.mx.aol.com", "yahoo.com");
}

static void
provider_from_host__chinese_providers__own_domain(void **state)
{
	(void)state;
	check("mx1.qq.com", "qq.com");
	check("mxbiz1.qq.com", "qq.com");
	check("exmail.qq.com", "qq.com");
	check("mx.163.com", "163.com");
	check("163mx01.mxmail.netease.com", "163.com");
	check("126mx00.mxmail.netease.com", "126.com");
	check("yeahmx01.mxmail.netease.com", "yeah.net");
	check("qiye163mx01.mxmail.netease.com", "netease.com");
	check("mx.126.com", "126.com");
	check("mx.yeah.net", "yeah.net");
	check("mxw.mxhichina.com", "aliyun.com");
	check("mx.sina.com.cn", "sina.com.cn");
}

static void
provider_from_host__other_providers__folded(void **state)
{
	(void)state;
	check("mx01.mail.icloud.com", "icloud.com");
	check("mx1.mail.me.com", "icloud.com");
	check("mxs.mail.ru", "mail.ru");
	check("mx.yandex.net", "yandex.ru");
	check("mx.yandex.ru", "yandex.ru");
	check("mx00.gmx.net", "gmx.net");
	check("mx00.gmx.com", "gmx.net");
	check("mx01.web.de", "web.de");
	check("eu-smtp-inbound-1.mimecast.com", "mimecast.com");
	check("mx0a-00123401.pphosted.com", "proofpoint.com");
	check("d123456a.ess.barracudanetworks.com", "barracudanetworks.com");
	check("mail.protonmail.ch", "protonmail.ch");
}

static void
provider_from_host__case_and_trailing_dot__normalised(void **state)
{
	(void)state;
	check("MX1.QQ.COM", "qq.com");
	check("Gmail-SMTP-In.L.Google.Com.", "google.com");
	check("mx.Example.CO.UK", "example.co.uk");
}

static void
provider_from_host__registrable_domain__one_label_above_suffix(void **state)
{
	(void)state;
	check("mx.example.co.uk", "example.co.uk");
	check("a.b.c.example.com", "example.com");
	check("example.com", "example.com");
	check("mail.example.com.cn", "example.com.cn");
	check("mx.example.cn", "example.cn");
	check("mx.example.co.jp", "example.co.jp");
	check("mx.example.com.au", "example.com.au");
	check("mx.example.de", "example.de");
	check("mx-1.ex_ample.org", "ex_ample.org");
	/* Unknown TLD: the PSL default rule "*". */
	check("mx.example.zz", "example.zz");
	check("mx.example.mail", "example.mail");
}

static void
provider_from_host__common_suffixes__found(void **state)
{
	static const char *const sfx[] = { "com", "net", "org", "edu", "gov",
		"io", "co", "uk", "co.uk", "ac.uk", "org.uk", "com.cn",
		"net.cn", "org.cn", "gov.cn", "edu.cn", "cn", "de", "fr", "pl",
		"ru", "jp", "co.jp", "ne.jp", "or.jp", "com.au", "net.au", "au",
		"com.br", "br", "it", "nl", "es", "ch", "at", "be", "se", "no",
		"dk", "fi", "cz", "in", "co.in", "tw", "com.tw", "hk", "com.hk",
		"kr", "co.kr", "sg", "com.sg", "nz", "co.nz", "za", "co.za",
		"mx", "com.mx", "ar", "com.ar", "tr", "com.tr", "ua", "com.ua",
		"eu", "us", "ca", "info", "biz", "me", "tv", "cc", "xyz", "top",
		"online", "site" };
	char host[64], want[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(host, sizeof(host), "mx1.mail.example.%s", sfx[i]);
		snprintf(want, sizeof(want), "example.%s", sfx[i]);
		check(host, want);
		/* A bare public suffix names no provider. */
		if (strchr(sfx[i], '.') != NULL)
			check(sfx[i], NULL);
	}
}

static void
provider_from_host__multi_label_suffix__one_label_above(void **state)
{
	(void)state;
	check("mx.something.co.uk", "something.co.uk");
	check("mail.council.gov.uk", "council.gov.uk");
	/* Three- and four-label ICANN suffixes (US K12 schools). */
	check("mx.school.k12.ak.us", "school.k12.ak.us");
	check("k12.ak.us", NULL);
	check("mx.example.kyoto.jp", "example.kyoto.jp");
	check("mx.example.com.cn", "example.com.cn");
}

static void
provider_from_host__wildcard_and_exception__psl_rules(void **state)
{
	(void)state;
	/* "*.ck": every second-level name is a suffix ... */
	check("mx.example.foo.ck", "example.foo.ck");
	check("foo.ck", NULL);
	/* ... but "!www.ck" makes www.ck registrable. */
	check("mx.www.ck", "www.ck");
	/* "*.kawasaki.jp" with "!city.kawasaki.jp". */
	check(
	    "mx.example.nakahara.kawasaki.jp", "example.nakahara.kawasaki.jp");
	check("mx.city.kawasaki.jp", "city.kawasaki.jp");
}

static void
provider_from_host__idn__a_labels(void **state)
{
	(void)state;
	/* müller.de, as DNS and MTAs write it. */
	check("mx.xn--mller-kva.de", "xn--mller-kva.de");
	/* пример.рф: an IDN TLD. */
	check("mx.xn--e1afmkfd.xn--p1ai", "xn--e1afmkfd.xn--p1ai");
	/* 公司.cn: an IDN second-level suffix. */
	check("mx.example.xn--55qx5d.cn", "example.xn--55qx5d.cn");
	check("xn--55qx5d.cn", NULL);
	/* U-labels are no host names in a log. */
	check("mx.m\xc3\xbcller.de", NULL);
}

static void
provider_from_host__private_suffix__not_a_provider_boundary(void **state)
{
	(void)state;
	/* The PSL's private section (tenants) is left out. */
	check("mx.foo.blogspot.com", "blogspot.com");
	check("foo.github.io", "github.io");
}

static void
provider_from_host__every_alias__folded(void **state)
{
	static const char *const alias[][2] = { { "aol.com", "yahoo.com" },
		{ "foxmail.com", "qq.com" }, { "gmail.com", "google.com" },
		{ "gmx.com", "gmx.net" }, { "gmx.de", "gmx.net" },
		{ "googlemail.com", "google.com" },
		{ "hotmail.com", "outlook.com" }, { "live.com", "outlook.com" },
		{ "mac.com", "icloud.com" }, { "me.com", "icloud.com" },
		{ "msn.com", "outlook.com" }, { "mxhichina.com", "aliyun.com" },
		{ "ppe-hosted.com", "proofpoint.com" },
		{ "pphosted.com", "proofpoint.com" },
		{ "psmtp.com", "google.com" }, { "yahoodns.net", "yahoo.com" },
		{ "yandex.com", "yandex.ru" }, { "yandex.net", "yandex.ru" },
		{ "ymail.com", "yahoo.com" } };
	char host[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++) {
		check(alias[i][0], alias[i][1]);
		snprintf(host, sizeof(host), "mx1.%s", alias[i][0]);
		check(host, alias[i][1]);
	}
}

static void
provider_from_host__no_provider__zero(void **state)
{
	static const char *const none[] = { "", "none", "local", "virtual",
		"dovecot", "unknown", "localhost", "192.0.2.1", "[192.0.2.1]",
		"2001:db8::1", "10.0.0.1.", "co.uk", "com.cn", "a..b.com",
		".example.com", "example.com..", "ex ample.com",
		"private/dovecot-lmtp", "mx.example.com[192.0.2.1]",
		"exa\x01mple.com", "example.com\xc3\xa9" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		check(none[i], NULL);
}

static void
provider_from_host__small_buffer__zero(void **state)
{
	char out[8];

	(void)state;
	memset(out, 'Z', sizeof(out));
	assert_int_equal(prov("mx.example.com", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(prov("mx.example.com", out, 0), 0);
	assert_int_equal(out[0], '\0');
	/* Exactly large enough: "qq.com" and its NUL. */
	assert_int_equal(prov("mx1.qq.com", out, 7), 6);
	assert_string_equal(out, "qq.com");
}

static void
provider_from_host__long_host__bounded(void **state)
{
	char host[400], out[256];
	size_t i;

	(void)state;
	/* 253 characters: the longest name DNS allows. */
	for (i = 0; i < 249; i++)
		host[i] = i % 2 ? '.' : 'a';
	memcpy(host + 249, ".com", 5);
	assert_int_equal(prov(host, out, sizeof(out)), 5);
	assert_string_equal(out, "a.com");
	/* Longer than that: not a host name. */
	for (i = 0; i < 300; i++)
		host[i] = 'a';
	memcpy(host + 300, ".com", 5);
	assert_int_equal(prov(host, out, sizeof(out)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(provider_from_host__google__google_com),
		cmocka_unit_test(provider_from_host__microsoft__outlook_com),
		cmocka_unit_test(provider_from_host__yahoo_and_aol__yahoo_com),
		cmocka_unit_test(
		    provider_from_host__chinese_providers__own_domain),
		cmocka_unit_test(provider_from_host__other_providers__folded),
		cmocka_unit_test(
		    provider_from_host__case_and_trailing_dot__normalised),
		cmocka_unit_test(
		    provider_from_host__registrable_domain__one_label_above_suffix),
		cmocka_unit_test(provider_from_host__common_suffixes__found),
		cmocka_unit_test(
		    provider_from_host__multi_label_suffix__one_label_above),
		cmocka_unit_test(
		    provider_from_host__wildcard_and_exception__psl_rules),
		cmocka_unit_test(provider_from_host__idn__a_labels),
		cmocka_unit_test(
		    provider_from_host__private_suffix__not_a_provider_boundary),
		cmocka_unit_test(provider_from_host__every_alias__folded),
		cmocka_unit_test(provider_from_host__no_provider__zero),
		cmocka_unit_test(provider_from_host__small_buffer__zero),
		cmocka_unit_test(provider_from_host__long_host__bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
