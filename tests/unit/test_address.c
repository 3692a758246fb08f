/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * mail_address_ok(): what a mail_to directive may hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "address.h"

static void
mail_address_ok__addresses__accepted(void **state)
{
	static const char *const ok[] = {
		"pm@example.org",
		"postmaster",
		"first.last+tag@mail.example.co.uk",
		"Ops <ops@example.org>",
		"\"Ops, night\" <ops@example.org>",
		"<ops@example.org>",
		"j\xc3\xb6rg@b\xc3\xbc"
		"cher.example",
	};
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (!mail_address_ok(ok[i], &why))
			fail_msg("%s refused: %s", ok[i], why);
		assert_null(why);
	}
}

static void
mail_address_ok__not_addresses__refused_with_a_reason(void **state)
{
	static const char *const bad[] = {
		"",
		"not an address",
		"a@b, c@d",
		"a@b c@d",
		"<x@y",
		"x@y>",
		"Ops <ops>",
		"Ops <a@b> c",
		"a@",
		"@b",
		"a..b@c",
		".a@b",
		"a@b.",
		"a@@b",
		"pm@example.org\r\nBcc: x@y",
		"pm@example.org\x01x",
		"(comment)a@b",
		"a\"b@c",
	};
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (mail_address_ok(bad[i], &why))
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(why);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mail_address_ok__addresses__accepted),
		cmocka_unit_test(
		    mail_address_ok__not_addresses__refused_with_a_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
