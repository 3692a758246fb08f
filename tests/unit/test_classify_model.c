/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The learned model of the weak layers (parsers/classify_model.h): the
 * file format and its errors, where classify.c lets it decide (only over
 * weak evidence, only when confident), its explanation and the cache,
 * and the built-in model: every rule example still decided by its rule,
 * and wordings no rule, example or train row has that only the model
 * gets (written for this test; not from the holdout replies).
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
#include "classify_model.h"
#include "classify_fixture.h"

static struct classify_model *
builtin_model(void)
{
	const struct bs_blob *b = classify_model_defaults();
	struct classify_model *m;
	char err[BS_ERRLEN];

	assert_non_null(b->name);
	if ((m = classify_model_load(b->name, b->data, b->len, err)) == NULL)
		fail_msg("%s", err);
	return m;
}

static struct classify_model *
model_text(const char *text)
{
	struct classify_model *m;
	char err[BS_ERRLEN];

	if ((m = classify_model_load("t.model", text, strlen(text), err)) ==
	    NULL)
		fail_msg("%s", err);
	return m;
}

static void
expect_error(const char *text, size_t len, const char *want)
{
	char err[BS_ERRLEN] = "";
	struct classify_model *m =
	    classify_model_load("t.model", text, len, err);

	if (m != NULL) {
		classify_model_free(m);
		fail_msg("loaded, expected error \"%s\"", want);
	}
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" does not contain \"%s\"", err, want);
}

static void
print_problem(void *arg, const char *msg)
{
	(void)arg;
	print_error("%s\n", msg);
}

/* A model that knows one made-up word: zzqx means loop. */
static const char toy[] = "bouncestat-model 1\n"
			  "# a comment\n"
			  "threshold 1\n"
			  "layers code broad none\n"
			  "bias loop 0\n"
			  "bias policy 0.5\n"
			  "w zzqx loop 10\n"
			  "w zzqx+qxzz loop 5 policy -1\n";

/* ---------------------------------------------------------------- */

static void
classify_model_load__builtin__features_and_threshold(void **state)
{
	struct classify_model *m = builtin_model();

	(void)state;
	assert_true(classify_model_features(m) >= 100);
	assert_true(classify_model_threshold(m) > 0);
	assert_true(classify_model_layer(m, "code"));
	assert_true(classify_model_layer(m, NULL));
	assert_false(classify_model_layer(m, "token"));
	assert_false(classify_model_layer(m, "phrase"));
	/* clsmodel2: over enhanced status rules too (chosen on time splits
	 * and leave-source-out cross-validation). */
	assert_true(classify_model_layer(m, "status"));
	classify_model_free(m);
}

static void
classify_model_load__bad_files__clear_errors(void **state)
{
	(void)state;
	expect_error("", 0, "empty model file");
	expect_error("# only a comment\n", 17, "empty model file");
	expect_error("\x1f\x8b\x08garbage", 10, "not a bouncestat model");
	expect_error("\x1f\x8b\x08\x00garbage", 11, "t.model:1: NUL byte");
	expect_error("bouncestat-model 2\n", 19, "not a bouncestat model");
	expect_error("bouncestat-model 1\nlayers code\nbias loop 0\n", 43,
	    "two classes or more");
	expect_error(
	    "bouncestat-model 1\nlayers code\nbias loop 0\nbias policy 0\n", 57,
	    "at least one 'w' line");
	expect_error("bouncestat-model 1\nw foo nosuchclass 1\n", 38,
	    "t.model:2: unknown class 'nosuchclass'");
	expect_error("bouncestat-model 1\nw foo loop x1\n", 32,
	    "t.model:2: bad weight 'x1'");
	expect_error("bouncestat-model 1\nw foo loop\n", 29,
	    "t.model:2: expected 'w FEATURE CLASS WEIGHT...'");
	expect_error("bouncestat-model 1\nw foo loop 1\nw foo loop 2\n", 44,
	    "t.model:3: feature 'foo' given twice");
	expect_error("bouncestat-model 1\nnocode_threshold -1\n", 39,
	    "t.model:2: expected 'nocode_threshold NUMBER' (>= 0)");
	expect_error("bouncestat-model 1\nlayers code sometimes\n", 40,
	    "t.model:2: unknown layer 'sometimes'");
	expect_error("bouncestat-model 1\nthreshold -1\n", 32,
	    "t.model:2: expected 'threshold NUMBER'");
	expect_error("bouncestat-model 1\nweights\n", 27,
	    "t.model:2: unknown keyword 'weights'");
	expect_error("bouncestat-model 1\nw a\0b loop 1\n", 31, "NUL byte");
	expect_error("bouncestat-model 1\nbias unknown 1\n", 34,
	    "expected 'bias CLASS WEIGHT'");
	expect_error("bouncestat-model 1\nmin_words 0\n", 31,
	    "t.model:2: expected 'min_words N' (1 to 16)");
	expect_error("bouncestat-model 1\nmin_words 1.5\n", 33,
	    "t.model:2: expected 'min_words N' (1 to 16)");
	expect_error("bouncestat-model 1\nmin_words two\n", 33,
	    "t.model:2: expected 'min_words N' (1 to 16)");
	expect_error("bouncestat-model 1\nmin_words 2 3\n", 33,
	    "t.model:2: expected 'min_words N' (1 to 16)");
	/* cgram: n from 3 to 5, MIN <= MAX */
	{
		static const char *const bad[] = { "char_grams 2 5",
			"char_grams 3 6", "char_grams 5 3", "char_grams 3",
			"char_grams 3 4.5", "char_grams three five",
			"char_grams 3 5 digits", "char_grams 3 5 nodigits x" };
		char t[80];
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			snprintf(
			    t, sizeof(t), "bouncestat-model 1\n%s\n", bad[i]);
			expect_error(t, strlen(t),
			    "t.model:2: expected 'char_grams MIN MAX "
			    "[nodigits]' (3 <= MIN <= MAX <= 5)");
		}
	}
	/* class names remembered while loading (startcut): a name like
	 * one seen before is still looked up, and refused */
	expect_error("bouncestat-model 1\nw foo loop 1 policy 2\n"
		     "w bar loop 1 polic 2\n",
	    62, "t.model:3: unknown class 'polic'");
	expect_error("bouncestat-model 1\nw foo loop 1\nw bar loopx 1\n", 46,
	    "t.model:3: unknown class 'loopx'");
	expect_error("bouncestat-model 1\nw foo loop 1\nw bar loo 1\n", 44,
	    "t.model:3: unknown class 'loo'");
	expect_error("bouncestat-model 1\nw foo loop 1.2.3\n", 36,
	    "t.model:2: bad weight '1.2.3'");
	expect_error("bouncestat-model 1\nw foo loop -\n", 32,
	    "t.model:2: bad weight '-'");
	expect_error("bouncestat-model 1\nw foo loop 1e999\n", 36,
	    "t.model:2: bad weight '1e999'");
}

/* The threshold of a model whose threshold line is "threshold s". */
static double
threshold_of(const char *s)
{
	char text[256];
	struct classify_model *m;
	double v;

	snprintf(text, sizeof(text), "bouncestat-model 1\nthreshold %s\n", s);
	m = model_text(text);
	v = classify_model_threshold(m);
	classify_model_free(m);
	return v;
}

/*
 * Numbers are read without strtod() when they are plain decimals of at
 * most 15 digits (startcut, issue 14): the value must be strtod()'s to
 * the bit, for those and for the forms left to strtod().
 */
static void
classify_model_load__numbers__as_strtod(void **state)
{
	static const char *const forms[] = { "0", "-0", "1.5", "0.1", "0.3",
		"2.675", "0.118", "123456789012345", "1234567890.12345",
		"0.00000000000001", "9.99999999999999", "0007.250",
		"1234567890123456", "0.1000000000000000055511151231257827",
		"1e-1", "1.", ".5", "+2.5", "1E3", "0x10" };
	char s[64];
	double a, b;
	size_t i;
	unsigned r = 12345;
	int k;

	(void)state;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		a = threshold_of(forms[i]);
		b = strtod(forms[i], NULL);
		if (memcmp(&a, &b, sizeof(a)) != 0)
			fail_msg("%s: %.17g, strtod %.17g", forms[i], a, b);
	}
	for (k = 0; k < 20000; k++) {
		r = r * 1103515245u + 12345u;
		snprintf(s, sizeof(s), "%u.%0*u", (r >> 8) % 100000,
		    1 + (int)(r % 9), (r >> 3) % 1000000000u);
		a = threshold_of(s);
		b = strtod(s, NULL);
		if (memcmp(&a, &b, sizeof(a)) != 0)
			fail_msg("%s: %.17g, strtod %.17g", s, a, b);
	}
}

/*
 * min_words: the model decides only when that many words or word pairs
 * favour its class over the second; the reply code and enhanced status
 * count as no word, however strong.
 */
static void
classify_event__toy_model_min_words__one_word_is_not_enough(void **state)
{
	static const char two[] = "bouncestat-model 1\n"
				  "threshold 1\n"
				  "min_words 2\n"
				  "layers code broad none\n"
				  "bias loop 0\n"
				  "bias policy 0.5\n"
				  "w c:550 loop 8\n"
				  "w zzqx loop 10\n"
				  "w zzqx+qxzz loop 5 policy -1\n";
	struct classifier *c = classify_fixture(false);
	struct classify_result r;
	const char *t;

	(void)state;
	classify_set_model(c, model_text(two));
	/* One word and the code: margin 17.5, but one word only. */
	t = "550 zzqx happened";
	classify_text(c, t, strlen(t), NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_UNKNOWN);
	assert_string_equal(r.rule, "");
	/* A word and a pair: two words, the model decides. */
	t = "550 zzqx qxzz";
	classify_text(c, t, strlen(t), NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_LOOP);
	assert_string_equal(r.rule, "model");
	assert_string_equal(r.explain,
	    "model: 'zzqx', code 550, 'zzqx qxzz' -> loop (margin 23.5)");
	classify_free(c);
}

/*
 * Without a min_words line the model needs one word on its side (the
 * default, bouncestat-rules(5)): the reply code alone, however strong,
 * decides nothing.
 */
static void
classify_event__toy_model_default_min_words__code_alone_is_not_enough(
    void **state)
{
	static const char nocfg[] = "bouncestat-model 1\n"
				    "threshold 1\n"
				    "layers code broad none\n"
				    "bias loop 0\n"
				    "bias policy 0.5\n"
				    "w c:550 loop 8\n"
				    "w zzqx loop 3\n";
	struct classifier *c = classify_fixture(false);
	struct classify_result r;
	const char *t;

	(void)state;
	classify_set_model(c, model_text(nocfg));
	/* margin 7.5, but no word */
	t = "550 qqqq happened";
	classify_text(c, t, strlen(t), NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_UNKNOWN);
	assert_string_equal(r.rule, "");
	/* one word: enough by default */
	t = "550 zzqx happened";
	classify_text(c, t, strlen(t), NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_LOOP);
	assert_string_equal(r.rule, "model");
	classify_free(c);
}

/*
 * The built-in model no longer decides on one word (issue 12, classifier5):
 * a German connection limit said 'ip', and the model (min_words 1) made it
 * blacklisted on that word and the code alone.
 */
static void
classify_event__builtin_model__no_decision_on_one_word(void **state)
{
	struct classifier *c = classify_fixture(false);
	struct classify_result r;
	const char *t = "421 Zu viele Verbindungen von Ihrer IP-Adresse";

	(void)state;
	classify_set_model(c, builtin_model());
	classify_text(c, t, strlen(t), NULL, &r);
	if (strcmp(r.rule, "model") == 0)
		fail_msg("the model decided: %s", r.explain);
	classify_free(c);
}

static void
classify_event__toy_model__decides_only_over_weak_evidence(void **state)
{
	struct classifier *c = classify_fixture(false);
	struct classify_result r;
	const char *t;

	(void)state;
	classify_set_model(c, model_text(toy));
	/* No rule knows "550 zzqx": the model decides, and says why. */
	t = "550 zzqx happened";
	classify_text(c, t, strlen(t), NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_LOOP);
	assert_string_equal(r.rule, "model");
	assert_string_equal(r.evidence, "model");
	assert_string_equal(r.explain, "model: 'zzqx' -> loop (margin 9.5)");
	assert_string_equal(r.meaning, "A mail loop.");
	assert_string_equal(
	    r.action, "Check MX, relay and forwarding settings.");
	/* A word pair, shown as two words. */
	t = "550 zzqx qxzz";
	classify_text(c, t, strlen(t), NULL, &r);
	assert_string_equal(
	    r.explain, "model: 'zzqx', 'zzqx qxzz' -> loop (margin 15.5)");
	/* An enhanced status rule outranks the model. */
	t = "550 5.1.1 zzqx";
	classify_text(c, t, strlen(t), NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_USER_UNKNOWN);
	assert_string_equal(r.rule, "enh-user-unknown");
	/* A specific phrase too. */
	t = "552 zzqx mailbox full";
	classify_text(c, t, strlen(t), NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_MAILBOX_FULL);
	assert_string_not_equal(r.rule, "model");
	/* Below the threshold: the rules' answer (unknown) stays. */
	t = "550 nothing the model knows";
	classify_text(c, t, strlen(t), NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_UNKNOWN);
	assert_string_equal(r.rule, "");
	classify_free(c);
}

static void
classify_event__toy_model_layers_none__code_rule_kept(void **state)
{
	static const char only_none[] = "bouncestat-model 1\n"
					"layers none\n"
					"bias loop 0\n"
					"bias policy 0\n"
					"w zzqx loop 10\n";
	struct classifier *c = classify_fixture(false);
	struct classify_result r, r0;
	const char *t = "552 zzqx";

	(void)state;
	classify_text(c, t, strlen(t), NULL, &r0);
	assert_string_not_equal(r0.rule, "");
	classify_set_model(c, model_text(only_none));
	classify_text(c, t, strlen(t), NULL, &r);
	assert_int_equal(r.cls, r0.cls);
	assert_string_equal(r.rule, r0.rule);
	/* "layers off": never. */
	classify_set_model(c,
	    model_text("bouncestat-model 1\nlayers off\n"
		       "bias loop 0\nbias policy 0\n"
		       "w zzqx loop 10\n"));
	t = "550 zzqx";
	classify_text(c, t, strlen(t), NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_UNKNOWN);
	/* How an operator turns it off: "layers off" alone, no weights. */
	classify_set_model(c, model_text("bouncestat-model 1\nlayers off\n"));
	classify_text(c, t, strlen(t), NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_UNKNOWN);
	classify_free(c);
}

/*
 * clsmodel2: the whole enhanced status (e:C.S.D) and the wrapper kind
 * (w:KIND) are features; "layers status" lets the model overrule an
 * enhanced status rule; nocode_threshold lets it decide a bare text (no
 * rule, no code, no enhanced status) when it is that sure.
 */
static const char toy2[] = "bouncestat-model 1\n"
			   "threshold 1\n"
			   "nocode_threshold 3\n"
			   "layers status code broad none\n"
			   "bias loop 0\n"
			   "bias policy 0\n"
			   "w zzqx loop 2\n"
			   "w zzqx+qxzz loop 2\n"
			   "w qxzz policy 0.5\n"
			   "w yyqw loop 0.6\n"
			   "w e:5.1.1 loop 4\n"
			   "w w:exim loop 3\n";

static void
classify_event__toy_model_status_detail_wrapper_nocode(void **state)
{
	struct classifier *c = classify_fixture(false);
	struct classify_result r;
	const char *t;

	(void)state;
	classify_set_model(c, model_text(toy2));
	/* Over an enhanced status rule, named with its detail. */
	t = "550 5.1.1 zzqx";
	classify_text(c, t, strlen(t), NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_LOOP);
	assert_string_equal(
	    r.explain, "model: status 5.1.1, 'zzqx' -> loop (margin 6.0)");
	/* A bare text: decided only at nocode_threshold 3 or more. */
	t = "zzqx qxzz";
	classify_text(c, t, strlen(t), NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_LOOP);
	assert_string_equal(r.rule, "model");
	t = "zzqx";
	classify_text(c, t, strlen(t), NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_UNKNOWN);
	assert_string_equal(r.rule, "");
	/* The wrapper decides; the cache keeps the bare reply apart. */
	t = "550 yyqw";
	classify_text(c, t, strlen(t), NULL, &r);
	assert_int_not_equal(r.cls, BS_CLASS_LOOP);
	t = "SMTP error from remote mail server after RCPT "
	    "TO:<a@example.org>: host mx.example.org [192.0.2.1]: 550 yyqw";
	classify_text(c, t, strlen(t), NULL, &r);
	assert_string_equal(r.wrapper, "exim");
	assert_int_equal(r.cls, BS_CLASS_LOOP);
	assert_string_equal(
	    r.explain, "model: wrapper exim, 'yyqw' -> loop (margin 3.6)");
	classify_free(c);
}

static void
classify_event__toy_model_cached__same_answer_digits_ignored(void **state)
{
	struct classifier *c = classify_fixture(false);
	struct classify_result r;
	struct classify_stats st;
	const char *a = "550 zzqx 1234 at mx1.example.net";
	const char *b = "550 zzqx 9876 at mx7.example.net";
	const char *e = "550 zzqx@example.net";
	const char *bad = "550 zzqx \xe6\x97\xa5\xff\xc3 \xf0\x9f";

	(void)state;
	classify_set_model(c, model_text(toy));
	classify_text(c, a, strlen(a), NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_LOOP);
	classify_text(c, b, strlen(b), NULL, &r);
	classify_get_stats(c, &st);
	assert_int_equal(st.cache_hits, 1);
	assert_int_equal(r.cls, BS_CLASS_LOOP);
	assert_string_equal(r.rule, "model");
	assert_string_equal(r.explain, "model: 'zzqx' -> loop (margin 9.5)");
	classify_set_cache(c, false);
	classify_text(c, b, strlen(b), NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_LOOP);
	/* An address is blanked: zzqx@example.net names no word. */
	classify_text(c, e, strlen(e), NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_UNKNOWN);
	/* Broken UTF-8 is no problem. */
	classify_text(c, bad, strlen(bad), NULL, &r);
	assert_int_equal(r.cls, BS_CLASS_LOOP);
	classify_free(c);
}

static void
classify_check_samples__builtin_model__every_example_by_its_rule(void **state)
{
	struct classifier *c = classify_fixture(false);
	size_t nsamples = 0;

	(void)state;
	classify_set_model(c, builtin_model());
	assert_int_equal(
	    classify_check_samples(c, true, print_problem, NULL, &nsamples), 0);
	assert_true(nsamples >= 2 * classify_rule_count(c));
	classify_free(c);
}

/*
 * Wordings written for this test (not from any reply file) that the rules
 * alone get wrong or leave unknown and the built-in model gets right.
 * Retraining must keep them (or replace them with others like them).
 * With min_words 2 (classifier5) two earlier ones were no longer decided
 * by the model ("554 rejected because of poor IP reputation": one word
 * for blacklisted; "554 content scored too high as junk") and were
 * replaced by wordings of the same classes. The model retrained in the
 * fifteenth pass no longer decides "554 no mail server found for domain"
 * (unknown); it was replaced by "550 recipient domain has no mail host",
 * host_unknown by the model before and after that retraining.
 */
static void
classify_event__builtin_model__unseen_wordings(void **state)
{
	static const struct {
		const char *text;
		enum bs_class cls;
	} t[] = {
		{ "450 you are sending messages too quickly, please wait",
		    BS_CLASS_RATE_LIMITED },
		{ "550 connecting IP appears on a reputation list",
		    BS_CLASS_BLACKLISTED },
		{ "550 recipient domain has no mail host",
		    BS_CLASS_HOST_UNKNOWN },
		{ "554 junk content detected in message body",
		    BS_CLASS_SPAM_CONTENT },
		{ "552 message exceeds maximum allowed size",
		    BS_CLASS_MESSAGE_TOO_LARGE },
	};
	struct classifier *c = classify_fixture(false);
	struct classify_result r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		classify_text(c, t[i].text, strlen(t[i].text), NULL, &r);
		if (r.cls == t[i].cls)
			fail_msg("rules alone already right: %s", t[i].text);
	}
	classify_set_model(c, builtin_model());
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		classify_text(c, t[i].text, strlen(t[i].text), NULL, &r);
		if (r.cls != t[i].cls)
			fail_msg("%s: got %s, want %s", t[i].text,
			    bs_class_name(r.cls), bs_class_name(t[i].cls));
		assert_string_equal(r.rule, "model");
		assert_int_equal(strncmp(r.explain, "model: ", 7), 0);
		assert_non_null(strchr(r.explain, '\''));
		/* The meaning and action are the class's, never the
		 * explanation again or empty. */
		assert_string_equal(r.meaning, bs_class_meaning(r.cls));
		assert_string_equal(r.action, bs_class_action(r.cls));
		assert_true(r.meaning[0] != '\0' && r.action[0] != '\0');
	}
	classify_free(c);
}

/* Collects listed features, separated by spaces. */
struct feat_list {
	char *buf;
	size_t len, cap, n;
};

static void
collect(void *arg, const char *name, size_t len)
{
	struct feat_list *fl = arg;

	if (fl->len + len + 2 > fl->cap) {
		fl->cap = (fl->len + len + 2) * 2;
		assert_non_null(fl->buf = realloc(fl->buf, fl->cap));
	}
	if (fl->n++ > 0)
		fl->buf[fl->len++] = ' ';
	memcpy(fl->buf + fl->len, name, len);
	fl->len += len;
	fl->buf[fl->len] = '\0';
}

/*
 * Character 3-5-grams (cgram): every word of three characters or more
 * that does not start with a digit, marked '<' '>', cut into characters
 * (é is one), all 3-grams, then 4-grams, then 5-grams, after the word's
 * pair with the next word; none for "ab" or "0xyz" (9xyz). Written out by
 * hand from the trainer's definition (train_model.py's cg35).
 */
static void
classify_model_text_features__char_grams__every_ngram_in_order(void **state)
{
	struct classify_model *m = model_text("bouncestat-model 1\n"
					      "char_grams 3 5\n"
					      "layers off\n");
	struct classify_model *plain = model_text("bouncestat-model 1\n"
						  "layers off\n");
	static const char text[] = "Mail rejected: ab 9xyz \xc3\xa9t\xc3\xa9";
	struct feat_list fl = { NULL, 0, 0, 0 };
	size_t n;

	(void)state;
	n = classify_model_text_features(m, text, strlen(text), collect, &fl);
	assert_int_equal(n, fl.n);
	assert_string_equal(fl.buf,
	    "mail mail+rejected "
	    "g:<ma g:mai g:ail g:il> g:<mai g:mail g:ail> g:<mail g:mail> "
	    "rejected rejected+ab "
	    "g:<re g:rej g:eje g:jec g:ect g:cte g:ted g:ed> "
	    "g:<rej g:reje g:ejec g:ject g:ecte g:cted g:ted> "
	    "g:<reje g:rejec g:eject g:jecte g:ected g:cted> "
	    "ab ab+0xyz 0xyz 0xyz+\xc3\xa9t\xc3\xa9 \xc3\xa9t\xc3\xa9 "
	    "g:<\xc3\xa9t g:\xc3\xa9t\xc3\xa9 g:t\xc3\xa9> "
	    "g:<\xc3\xa9t\xc3\xa9 g:\xc3\xa9t\xc3\xa9> g:<\xc3\xa9t\xc3\xa9>");
	/* without "char_grams": words and pairs only */
	fl.len = fl.n = 0;
	classify_model_text_features(plain, text, strlen(text), collect, &fl);
	assert_string_equal(fl.buf,
	    "mail mail+rejected rejected rejected+ab ab ab+0xyz 0xyz "
	    "0xyz+\xc3\xa9t\xc3\xa9 \xc3\xa9t\xc3\xa9");
	/* "nodigits": none of a word with a digit anywhere (ids) */
	classify_model_free(m);
	m = model_text("bouncestat-model 1\n"
		       "char_grams 3 3 nodigits\n"
		       "layers off\n");
	fl.len = fl.n = 0;
	classify_model_text_features(m, "Eop0 mail q9", 12, collect, &fl);
	assert_string_equal(
	    fl.buf, "eop0 eop0+mail mail mail+q0 g:<ma g:mai g:ail g:il> q0");
	free(fl.buf);
	classify_model_free(m);
	classify_model_free(plain);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * No feature of a long reply is dropped: a model that has every word,
 * pair and n-gram of a reply of 1,000 bytes (about 2,600 distinct
 * features) at 0.001 each scores their sum (the scorer kept at most 514
 * before cgram).
 */
static void
classify_model_score__long_reply__no_feature_dropped(void **state)
{
	struct classify_model *lister = model_text("bouncestat-model 1\n"
						   "char_grams 3 5\n"
						   "layers off\n");
	struct classify_model *m;
	struct feat_list fl = { NULL, 0, 0, 0 };
	char text[1001], **names, *model, *p, err[BS_ERRLEN];
	struct model_hit hit;
	size_t i, k, n, distinct, off;
	uint32_t r = 7;

	(void)state;
	for (i = 0; i + 9 <= 1000; i += 9) {
		for (k = 0; k < 8; k++) {
			r = r * 1103515245u + 12345u;
			text[i + k] = (char)('a' + (r >> 16) % 26);
		}
		text[i + 8] = ' ';
	}
	text[i] = '\0';
	classify_model_text_features(lister, text, strlen(text), collect, &fl);
	assert_non_null(names = calloc(fl.n, sizeof(*names)));
	for (n = 0, p = strtok(fl.buf, " "); p != NULL; p = strtok(NULL, " "))
		names[n++] = p;
	assert_int_equal(n, fl.n);
	qsort(names, n, sizeof(*names), str_cmp);
	assert_non_null(model = malloc(n * 90 + 200));
	off = (size_t)sprintf(model,
	    "bouncestat-model 1\nchar_grams 3 5\nthreshold 0\nmin_words 1\n"
	    "layers none\nbias policy 0\nbias loop 0\n");
	for (i = 0, distinct = 0; i < n; i++)
		if (i == 0 || strcmp(names[i], names[i - 1]) != 0) {
			off += (size_t)sprintf(
			    model + off, "w %s policy 0.001\n", names[i]);
			distinct++;
		}
	assert_true(distinct > 2000);
	if ((m = classify_model_load("t.model", model, off, err)) == NULL)
		fail_msg("%s", err);
	assert_true(classify_model_score(
	    m, 0, 0, 0, 0, NULL, text, strlen(text), &hit));
	assert_int_equal(hit.cls, BS_CLASS_POLICY);
	assert_float_equal(hit.margin, (double)distinct * (double)0.001f,
	    1e-6 * (double)distinct);
	free(names);
	free(model);
	free(fl.buf);
	classify_model_free(m);
	classify_model_free(lister);
}

/* An unseen word is read by its n-grams; without "char_grams" they are
 * not looked up; the explanation names them as parts of words. */
static void
classify_model_score__char_grams__unseen_word_and_explanation(void **state)
{
	static const char body[] = "threshold 1\n"
				   "min_words 1\n"
				   "layers none\n"
				   "bias loop 0\n"
				   "bias policy 0\n"
				   "w zzqx loop 1\n"
				   "w g:<rej loop 5\n"
				   "w g:ted> loop 3\n"
				   "w g:jec loop 2\n";
	char text[512], buf[256];
	struct classify_model *m, *off;
	struct model_hit hit;

	(void)state;
	snprintf(
	    text, sizeof(text), "bouncestat-model 1\nchar_grams 3 5\n%s", body);
	m = model_text(text);
	snprintf(text, sizeof(text), "bouncestat-model 1\n%s", body);
	off = model_text(text);
	assert_true(classify_model_score(
	    m, 0, 0, 0, 0, NULL, "zzqx Rejected", 13, &hit));
	assert_int_equal(hit.cls, BS_CLASS_LOOP);
	assert_string_equal(classify_model_explain(m, &hit, buf, sizeof(buf)),
	    "model: 'rej...', '...ted', '...jec...' -> loop (margin 11.0)");
	/* "rejecting": g:<rej and g:jec, not g:ted> */
	assert_true(classify_model_score(
	    m, 0, 0, 0, 0, NULL, "zzqx rejecting", 14, &hit));
	assert_float_equal(hit.margin, 8.0, 1e-6);
	assert_true(classify_model_score(
	    off, 0, 0, 0, 0, NULL, "zzqx Rejected", 13, &hit));
	assert_float_equal(hit.margin, 1.0, 1e-6);
	classify_model_free(m);
	classify_model_free(off);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    classify_model_load__builtin__features_and_threshold),
		cmocka_unit_test(classify_model_load__bad_files__clear_errors),
		cmocka_unit_test(classify_model_load__numbers__as_strtod),
		cmocka_unit_test(
		    classify_event__toy_model_min_words__one_word_is_not_enough),
		cmocka_unit_test(
		    classify_event__toy_model_default_min_words__code_alone_is_not_enough),
		cmocka_unit_test(
		    classify_event__builtin_model__no_decision_on_one_word),
		cmocka_unit_test(
		    classify_event__toy_model__decides_only_over_weak_evidence),
		cmocka_unit_test(
		    classify_event__toy_model_layers_none__code_rule_kept),
		cmocka_unit_test(
		    classify_event__toy_model_status_detail_wrapper_nocode),
		cmocka_unit_test(
		    classify_event__toy_model_cached__same_answer_digits_ignored),
		cmocka_unit_test(
		    classify_check_samples__builtin_model__every_example_by_its_rule),
		cmocka_unit_test(
		    classify_event__builtin_model__unseen_wordings),
		cmocka_unit_test(
		    classify_model_text_features__char_grams__every_ngram_in_order),
		cmocka_unit_test(
		    classify_model_score__long_reply__no_feature_dropped),
		cmocka_unit_test(
		    classify_model_score__char_grams__unseen_word_and_explanation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
