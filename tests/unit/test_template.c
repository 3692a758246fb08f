/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of parsers/template.c: template_normalize() on replies
 * shaped like Gmail's, Yahoo's and Postfix's own, and template_reply() on
 * replies that differ only by addresses, numbers and ids. Inputs are
 * copied into buffers of exactly their length, outputs checked against
 * small buffers, so that ASan catches reads and writes out of bounds.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "span_test.h"
#include "template.h"

static void
expect_norm(const char *in, const char *want)
{
	char out[256];
	char *p = span_test_copy(in, strlen(in));
	size_t n = template_normalize(p, strlen(in), out, sizeof(out));

	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
	free(p);
}

/* The template of in, as a string with 0x01 shown as '~'. */
static void
expect_tmpl(const char *in, const char *want)
{
	char out[256];
	char *p = span_test_copy(in, strlen(in));
	size_t n = template_reply(p, strlen(in), out, sizeof(out)), i;

	for (i = 0; i < n; i++)
		if (out[i] == 1)
			out[i] = '~';
	out[n] = '\0';
	assert_string_equal(out, want);
	free(p);
}

static void
template_normalize__replies__codes_kept_ids_collapsed(void **state)
{
	(void)state;
	/* Gmail's rate limit (421-4.7.0 ... gsmtp). */
	expect_norm("421-4.7.0 [192.0.2.1 15] Our system has detected an "
		    "unusual rate a640c23a62f3a-a9 - gsmtp",
	    "421-4.7.0 [#.#.#.# #] Our system has detected an unusual rate "
	    "#-# - gsmtp");
	/* Yahoo: TSS04, mixed letters and digits keep their letters. */
	expect_norm("  421   4.7.0  [TSS04] Messages from 192.0.2.1 "
		    "temporarily deferred",
	    "421 4.7.0 [TSS#] Messages from #.#.#.# temporarily deferred");
	/* Postfix: a recipient address. */
	expect_norm("550 5.1.1 <john.doe@example.com>: Recipient address "
		    "rejected",
	    "550 5.1.1 <*@*>: Recipient address rejected");
	expect_norm("mx12.example.com said 5", "mx#.example.com said #");
	expect_norm("", "");
	expect_norm("4.7.0 only", "4.7.0 only");
}

static void
template_normalize__small_buffer__truncated_and_terminated(void **state)
{
	char small[8], none[1] = { 'x' };

	(void)state;
	assert_int_equal(
	    template_normalize("550 5.7.1 blocked", 17, small, sizeof(small)),
	    7);
	assert_string_equal(small, "550 5.7");
	assert_int_equal(template_normalize("550 blocked", 11, none, 1), 0);
	assert_int_equal(none[0], '\0');
	assert_int_equal(template_normalize("550", 3, none, 0), 0);
	assert_int_equal(template_normalize(NULL, 5, small, sizeof(small)), 0);
	assert_string_equal(small, "");
}

static void
template_reply__ids_and_addresses__one_byte_each(void **state)
{
	(void)state;
	expect_tmpl("550 5.1.1 <john@example.com>: Recipient address rejected",
	    "~ ~ <~>: Recipient address rejected");
	expect_tmpl("421 4.7.0 [192.0.2.1] try again (id=ab12cd)",
	    "~ ~ [~] try again (id=~)");
	expect_tmpl("Mailbox full", "Mailbox full");
	expect_tmpl("", "");
}

static void
template_reply__replies_differing_by_ids__same_template(void **state)
{
	const char *a = "452 4.2.2 quota exceeded for u1@x.example (q=1024)";
	const char *b = "452 4.2.2 quota exceeded for u22@x.example (q=77)";
	char ta[128], tb[128];
	size_t na, nb;

	(void)state;
	na = template_reply(a, strlen(a), ta, sizeof(ta));
	nb = template_reply(b, strlen(b), tb, sizeof(tb));
	assert_int_equal(na, nb);
	assert_memory_equal(ta, tb, na);
}

static void
template_reply__small_buffer__bounded(void **state)
{
	char out[6];

	(void)state;
	memset(out, 'z', sizeof(out));
	assert_int_equal(template_reply("Mailbox full", 12, out, 4), 4);
	assert_memory_equal(out, "Mail", 4);
	assert_int_equal(out[4], 'z');
	assert_int_equal(template_reply("Mailbox full", 12, out, 0), 0);
	assert_int_equal(template_reply(NULL, 12, out, sizeof(out)), 0);
}

/*
 * template_reply() as the byte loop it replaced (issue 14): a
 * delimiter is kept, a word with a digit or '@' is one byte 1, another
 * word is copied; all cut at outlen.
 */
static size_t
reply_ref(const char *s, size_t len, char *out, size_t outlen)
{
	static const char delim[] = " []<>(),;:\"'=&";
	size_t i = 0, j, n = 0;
	bool var;

	while (i < len && n < outlen) {
		if (memchr(delim, s[i], sizeof(delim) - 1) != NULL) {
			out[n++] = s[i++];
			continue;
		}
		var = false;
		for (j = i;
		     j < len && memchr(delim, s[j], sizeof(delim) - 1) == NULL;
		     j++)
			var |= (s[j] >= '0' && s[j] <= '9') || s[j] == '@';
		if (var)
			out[n++] = 1;
		else
			while (i < j && n < outlen)
				out[n++] = s[i++];
		i = j;
	}
	return n;
}

/*
 * Issue 14: the SSE2 class masks of template_reply() (words and runs of
 * delimiters across 16-byte steps, the last bytes by the table) against
 * reply_ref() on generated texts of every length to 300, in heap copies
 * of exactly the text and of exactly outlen bytes (ASan). The portable
 * build (test_template_scalar) runs the same checks on the table loop.
 */
static void
template_reply__generated_texts__same_as_byte_loop(void **state)
{
	static const char alpha[] = "abcXYZ.-/_%+\x80\xff\t"
				    " []<>(),;:\"'=&0123456789@";
	static const size_t outs[] = { 1, 3, 16, 17, 40, 300 };
	char text[300], want[300];
	unsigned seed = 12345;
	size_t len, i, o, nw, ng;
	char *in, *got;
	int round;

	(void)state;
	for (round = 0; round < 4000; round++) {
		len = (size_t)round % 301;
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245U + 12345U;
			/* long words now and then: several steps */
			text[i] = (seed >> 16) % 4 != 0 && round % 3 == 0
			    ? 'w'
			    : alpha[(seed >> 16) % (sizeof(alpha) - 1)];
		}
		in = malloc(len > 0 ? len : 1);
		assert_non_null(in);
		memcpy(in, text, len);
		for (o = 0; o < sizeof(outs) / sizeof(outs[0]); o++) {
			got = malloc(outs[o]);
			assert_non_null(got);
			nw = reply_ref(in, len, want, outs[o]);
			ng = template_reply(in, len, got, outs[o]);
			assert_int_equal(ng, nw);
			assert_memory_equal(got, want, nw);
			free(got);
		}
		free(in);
	}
}

/*
 * template_mask_ids() of in: want is the masked text, or NULL when none
 * of in is an identifier (then out must be left alone).
 */
static void
expect_mask(const char *in, const char *want)
{
	size_t n = strlen(in);
	char *p = span_test_copy(in, n);
	char *out = malloc(n + 1);
	bool masked;

	assert_non_null(out);
	memset(out, '#', n + 1);
	masked = template_mask_ids(p, n, out);
	if (want == NULL) {
		assert_false(masked);
		for (size_t i = 0; i < n + 1; i++)
			assert_int_equal(out[i], '#');
	} else {
		assert_true(masked);
		assert_memory_equal(out, want, n);
		assert_int_equal(out[n], '#'); /* nothing past len */
	}
	free(out);
	free(p);
}

/* Issue 14: ids are runs of >= 10 letters and digits holding both. */
static void
template_mask_ids__replies__ids_only(void **state)
{
	(void)state;
	/* Gmail's tracking id, Outlook's server name, NetEase's id */
	expect_mask(
	    "550 5.7.1 blocked. 81c5c1c3a19d9-43008e4dbbdsi1587345d62.893 "
	    "- gsmtp",
	    "550 5.7.1 blocked. xxxxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxx.893 "
	    "- gsmtp");
	expect_mask("451 4.7.500 Server busy (S3150) "
		    "[SN4PEPF0000BFA.namprd02.prod.outlook.com]",
	    "451 4.7.500 Server busy (S3150) "
	    "[xxxxxxxxxxxxxx.namprd02.prod.outlook.com]");
	expect_mask(
	    "554 DT:SPM mx14,KDnafW00FfJCoqQInJKRff--.41542S2 1700000000",
	    "554 DT:SPM mx14,xxxxxxxxxxxxxxxxxxxxxx--.41542S2 1700000000");
	/* none: short mixed words, words of letters or digits only, codes */
	expect_mask("421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily "
		    "deferred; see https://postmaster.yahoo.com/421dnsnr.html",
	    NULL);
	expect_mask(
	    "550 unsolicitedmailmessages 12345678901234567890 HT204137", NULL);
	/* exactly 10 and 9; a run ends at any other byte, also a UTF-8 one */
	expect_mask("abcdefghi0", "xxxxxxxxxx");
	expect_mask("abcdefgh0", NULL);
	expect_mask("abcde\xc3\xa9"
		    "12345 abcd-12345",
	    NULL);
	expect_mask("", NULL);
	/* at the start and at the end */
	expect_mask("0123456789a x 0123456789a", "xxxxxxxxxxx x xxxxxxxxxxx");
}

/* The masked text by the definition, a byte at a time. */
static bool
mask_ref(const char *s, size_t n, char *out)
{
	bool any = false, d, l;
	size_t i = 0, j, k;

	memcpy(out, s, n);
	while (i < n) {
		for (j = i, d = l = false; j < n; j++) {
			unsigned char c = (unsigned char)s[j];

			if (c >= '0' && c <= '9')
				d = true;
			else if ((c >= 'a' && c <= 'z') ||
			    (c >= 'A' && c <= 'Z'))
				l = true;
			else
				break;
		}
		if (j - i >= TEMPLATE_ID_MIN && d && l) {
			for (k = i; k < j; k++)
				out[k] = 'x';
			any = true;
		}
		i = j == i ? i + 1 : j;
	}
	return any;
}

/*
 * Generated texts of every length to beyond the bit path's 1024 bytes,
 * with runs across its 16-byte steps and 64-bit words: the same as the
 * definition.
 */
static void
template_mask_ids__generated_texts__same_as_definition(void **state)
{
	static const char alpha[] = "aZq09x5.- \x80\xff@";
	char text[1100], want[1100], got[1100];
	unsigned seed = 777;
	size_t len, i;
	bool w, g;
	char *in;
	int round;

	(void)state;
	for (round = 0; round < 6000; round++) {
		len = round < 1100 ? (size_t)round : (size_t)(seed >> 8) % 1100;
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245U + 12345U;
			/* long runs of letters and digits now and then */
			text[i] = (seed >> 16) % 8 != 0 && round % 2 == 0
			    ? alpha[(seed >> 20) % 6]
			    : alpha[(seed >> 16) % (sizeof(alpha) - 1)];
		}
		in = span_test_copy(text, len);
		w = mask_ref(in, len, want);
		memcpy(got, in, len);
		g = template_mask_ids(in, len, got);
		assert_int_equal(g, w);
		assert_memory_equal(got, want, len);
		free(in);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    template_reply__generated_texts__same_as_byte_loop),
		cmocka_unit_test(
		    template_normalize__replies__codes_kept_ids_collapsed),
		cmocka_unit_test(
		    template_normalize__small_buffer__truncated_and_terminated),
		cmocka_unit_test(
		    template_reply__ids_and_addresses__one_byte_each),
		cmocka_unit_test(
		    template_reply__replies_differing_by_ids__same_template),
		cmocka_unit_test(template_reply__small_buffer__bounded),
		cmocka_unit_test(template_mask_ids__replies__ids_only),
		cmocka_unit_test(
		    template_mask_ids__generated_texts__same_as_definition),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
