/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The model's memo (classify_model.h, clsfast2, issue 14): an answer
 * from the memo is always the one scoring gives (the whole model_hit,
 * byte for byte), on the built-in model and on toy models whose pair
 * features have halves that are no word features; replies that differ
 * only in tokens the model does not know share an entry, and the code,
 * the enhanced status, the wrapper, a known word or an unknown word in
 * between keep entries apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "classify_model.h"

static struct classify_model *
load_text(const char *text)
{
	struct classify_model *m;
	char err[BS_ERRLEN];

	if ((m = classify_model_load("t.model", text, strlen(text), err)) ==
	    NULL)
		fail_msg("%s", err);
	return m;
}

/* The first lines of every toy model: one word decides. */
#define TOY_HEAD "bouncestat-model 1\nthreshold 1\nmin_words 1\n"

struct reply {
	int code, ec, es, ed;
	const char *wrapper;
	const char *text;
};

/* Scores r with and without the memo: both must agree exactly. Returns
 * the class. */
static int
check(const struct classify_model *m, struct model_memo *mm,
    const struct reply *r)
{
	struct model_hit a, b;
	bool ra, rb;

	ra = classify_model_score(m, r->code, r->ec, r->es, r->ed, r->wrapper,
	    r->text, strlen(r->text), &a);
	rb = classify_model_score_memo(m, mm, r->code, r->ec, r->es, r->ed,
	    r->wrapper, r->text, strlen(r->text), &b);
	if (ra != rb || memcmp(&a, &b, sizeof(a)) != 0)
		fail_msg("memo differs (%d/%d cls %d/%d margin %g/%g) on "
			 "\"%.80s\"",
		    ra, rb, a.cls, b.cls, (double)a.margin, (double)b.margin,
		    r->text);
	return a.cls;
}

static uint32_t rng = 12345;

static uint32_t
next(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

/* Replies of real templates with their ids, addresses and words varied. */
static const char *const templates[] = {
	"452-4.2.2 The recipient's inbox is out of storage space. Please "
	"direct the 452-4.2.2 recipient to 452 4.2.2  "
	"https://support.google.com/mail/?p=OverQuotaTemp %s - gsmtp",
	"550 5.5.0 Requested action not taken: mailbox unavailable "
	"(S2017062302). [%s.eop-nam47.prod.protection.outlook.com "
	"2026-11-06T15:18:11.656Z]",
	"550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient %s@trakar.es "
	"not found by SMTP address lookup",
	"421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due "
	"to unexpected volume or user complaints %s",
	"%s 收件人邮箱空间不足 mailbox full",
	"554 5.7.1 Service unavailable; Client host [%s] blocked using "
	"zen.spamhaus.org",
	"451 4.3.0 Error: queue file write error %s",
	"%s",
};

static const char *const words[] = { "rate", "limited", "user", "unknown",
	"mailbox", "full", "blocked", "spam", "policy", "quota", "exceeded",
	"b0198c849b417", "CO17PEPFEA7EC2CD", "zzqx", "é", "жизнь", "x", "00",
	"a@b.c", "too", "many", "connections", "not", "found" };

/* The built-in model: thousands of varied replies, memo against plain. */
static void
memo__builtin__same_answers(void **state)
{
	const struct bs_blob *b = classify_model_defaults();
	static const char *const wraps[] = { NULL, "none", "postfix", "exim",
		"exchange", "client", "other" };
	struct classify_model *m;
	struct model_memo *mm;
	char err[BS_ERRLEN], fill[400], text[1200];
	const char *t, *p;
	uint64_t lookups, hits;
	struct reply r;
	size_t i, k, nw;

	(void)state;
	if ((m = classify_model_load(b->name, b->data, b->len, err)) == NULL)
		fail_msg("%s", err);
	assert_non_null(mm = classify_model_memo_new(m));
	for (i = 0; i < 6000; i++) {
		fill[0] = '\0';
		nw = 1 + next() % (i % 50 == 0 ? 120 : 4);
		for (k = 0; k < nw; k++) {
			if (k > 0)
				strcat(fill, next() % 3 ? " " : "-");
			if (next() % 2) /* an id: n-grams unless a digit
					   starts it (cgram) */
				snprintf(fill + strlen(fill), 20,
				    next() % 4 ? "%u%c%x" : "%x%c%u",
				    next() % 100000, 'a' + (int)(next() % 26),
				    next());
			else /* mostly a few, so that replies recur */
				strcat(fill,
				    words[next() %
					(i % 4 == 0 ? sizeof(words) /
						    sizeof(words[0])
						    : 3)]);
			if (strlen(fill) > sizeof(fill) - 40)
				break;
		}
		t = templates[next() %
		    (sizeof(templates) / sizeof(templates[0]))];
		p = strstr(t, "%s");
		snprintf(text, sizeof(text), "%.*s%s%s", (int)(p - t), t, fill,
		    p + 2);
		r.code = (int[]){ 0, 452, 550, 421, 451, 554 }[next() % 6];
		r.ec = r.code / 100;
		r.es = (int)(next() % 8);
		r.ed = (int)(next() % 3);
		if (next() % 4 == 0)
			r.ec = r.es = r.ed = 0;
		r.wrapper = wraps[next() % (sizeof(wraps) / sizeof(wraps[0]))];
		r.text = text;
		check(m, mm, &r);
		/* the same reply again (an n-gram model's keys are more
		 * often unique: ids that start with a letter) */
		if (i % 4 == 0)
			check(m, mm, &r);
	}
	classify_model_memo_stats(mm, &lookups, &hits);
	/* Exercised both ways: hits and misses. */
	assert_true(hits > 100);
	assert_true(lookups > hits);
	classify_model_memo_free(mm);
	classify_model_free(m);
}

/*
 * A toy model: a pair whose halves are no features, a code, a status and
 * a wrapper feature. "aa qq bb" must not answer "aa bb" (an unknown word
 * in between breaks the pair), nor the other way round.
 */
static void
memo__toy__keeps_what_the_model_reads_apart(void **state)
{
	static const char toy[] = TOY_HEAD "layers code broad none\n"
					   "bias loop 0\n"
					   "bias policy 0.5\n"
					   "w aa+bb loop 10\n"
					   "w c:550 loop 1\n"
					   "w e:5.7 policy 3\n"
					   "w w:exim policy 3\n"
					   "w x+y+z loop 5\n";
	const struct reply rs[] = {
		{ 0, 0, 0, 0, NULL, "aa bb" },
		{ 0, 0, 0, 0, NULL, "aa qq bb" },
		{ 0, 0, 0, 0, NULL, "aa bb" },
		{ 0, 0, 0, 0, NULL, "aa rr bb" },
		{ 0, 0, 0, 0, NULL, "zz aa bb" },
		{ 0, 0, 0, 0, NULL, "aa bb zz" },
		{ 0, 0, 0, 0, NULL, "yy aa bb" },
		{ 550, 5, 7, 1, NULL, "aa bb" },
		{ 550, 5, 7, 2, NULL, "aa bb" },
		{ 550, 5, 1, 1, NULL, "aa bb" },
		{ 451, 5, 7, 1, NULL, "aa bb" },
		{ 0, 0, 0, 0, "exim", "aa bb" },
		{ 0, 0, 0, 0, "postfix", "aa bb" },
		{ 0, 0, 0, 0, "none", "aa bb" },
		{ 0, 0, 0, 0, NULL, "aa x y z bb" },
		{ 0, 0, 0, 0, NULL, "x y z" },
	};
	struct classify_model *m = load_text(toy);
	struct model_memo *mm;
	uint64_t lookups, hits;
	size_t i, pass;
	int cls[sizeof(rs) / sizeof(rs[0])];

	(void)state;
	assert_non_null(mm = classify_model_memo_new(m));
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < sizeof(rs) / sizeof(rs[0]); i++)
			cls[i] = check(m, mm, &rs[i]);
	/* The pair decides only when its words are neighbours. */
	assert_int_equal(cls[0], BS_CLASS_LOOP);
	assert_int_equal(cls[1], -1);
	assert_int_equal(cls[4], BS_CLASS_LOOP);
	classify_model_memo_stats(mm, &lookups, &hits);
	assert_int_equal(lookups, 2 * (sizeof(rs) / sizeof(rs[0])));
	/*
	 * The second pass: every reply a hit. The first: "aa bb" again,
	 * "aa rr bb" (as "aa qq bb"), "yy aa bb" (as "zz aa bb"; but "aa bb
	 * zz" is not: an unknown word keeps its place), "aa bb" with the
	 * wrapper "none" (as none) and "aa x y z bb" (words of one letter
	 * are no tokens).
	 */
	assert_int_equal(hits, sizeof(rs) / sizeof(rs[0]) + 5);
	classify_model_memo_free(mm);
	classify_model_free(m);
}

/*
 * Character n-grams (cgram): a word outside the vocabulary is no feature
 * but its n-grams may be, so "mail rejected" must not answer "mail
 * accepted" (both a known word and an unknown one: the key by ids alone
 * was the same). A word whose n-grams that are features are the same
 * ("rejecting": only g:<rej of the model) may share the entry.
 */
static void
memo__char_grams__unseen_words_by_their_ngrams(void **state)
{
	static const char toy[] =
	    TOY_HEAD "char_grams 3 5\n"
		     "layers code broad none\n"
		     "bias policy 0\n"
		     "bias user_unknown 0\n"
		     "w mail policy 0.5 user_unknown 0.5\n"
		     "w g:<rej policy 3\n"
		     "w g:<acc user_unknown 3\n"
		     "w g:ted> policy 0.25\n";
	/* replies of one code, enhanced status and wrapper: by their text */
	static const char *const texts[] = { "mail rejected", "mail accepted",
		"mail rejecting", "mail rejects", "mail accepting", "mail zzz",
		"mail qqq" };
	struct reply r = { 550, 5, 7, 1, NULL, NULL };
	struct classify_model *m = load_text(toy);
	struct model_memo *mm;
	uint64_t lookups, hits;
	struct model_hit h;
	size_t i;
	float margin[sizeof(texts) / sizeof(texts[0])];

	(void)state;
	assert_non_null(mm = classify_model_memo_new(m));
	/* n-grams are no words (min_words), so nothing is decided; the
	 * margins tell the answers apart (check() compares them) */
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		r.text = texts[i];
		assert_int_equal(check(m, mm, &r), -1);
		classify_model_score(m, r.code, r.ec, r.es, r.ed, r.wrapper,
		    r.text, strlen(r.text), &h);
		margin[i] = h.margin;
	}
	assert_float_equal(margin[0], 3.25, 1e-6);
	assert_float_equal(margin[1], 2.75, 1e-6);
	assert_float_equal(margin[2], 3.0, 1e-6);
	assert_float_equal(margin[4], 3.0, 1e-6);
	assert_float_equal(margin[5], 0.0, 1e-6);
	classify_model_memo_stats(mm, &lookups, &hits);
	assert_int_equal(lookups, sizeof(texts) / sizeof(texts[0]));
	/* "rejects" as "rejecting" (g:<rej only; "rejected" has ted> too)
	 * and "qqq" as "zzz" (no n-gram a feature); "accepting" not as
	 * "accepted" (ted>) */
	assert_int_equal(hits, 2);
	classify_model_memo_free(mm);
	classify_model_free(m);
}

/*
 * ngfast: every n-gram counted exactly once on every path. Each feature
 * has its own power of two (class policy only), so the margin is the
 * set of features counted, bit by bit: a missed or mis-hashed n-gram
 * clears its bit, one counted twice carries into another. Paths: a
 * known word's n-grams (precomputed at load: "mailbox"), an unknown
 * ASCII word's ("rejected", the ids) and a UTF-8 one's ("réjeté"), both
 * from the memo's key; the second reply resumes from a cut (its prefix
 * up to the id was scored by the first) and the third from the memo.
 */
static void
memo__char_grams__each_ngram_once_every_path(void **state)
{
	static const char *const texts[] = {
		"rejected mailbox réjeté xa0q0 mailbox gsmtp",
		"rejected mailbox réjeté xb0q0 mailbox gsmtp",
		"rejected mailbox réjeté xa0q0 mailbox gsmtp",
	};
	/* bit k: feature k below (bits 12 and 13 are only in xa0q0, 14
	 * only in xb0q0; with nodigits no id has n-grams: bits 11 to 14) */
	static const double want[][3] = {
		{ 131071 - 16384, 131071 - 12288, 131071 - 16384 },
		{ 131071 - 30720, 131071 - 30720, 131071 - 30720 },
	};
	static const char *const modes[] = { "char_grams 3 5\n",
		"char_grams 3 5 nodigits\n" };
	struct reply r = { 550, 5, 7, 1, NULL, NULL };
	struct model_hit a, b;
	char text[2048];
	size_t mode, i;

	(void)state;
	for (mode = 0; mode < 2; mode++) {
		struct classify_model *m;
		struct model_memo *mm;

		snprintf(text, sizeof(text),
		    "bouncestat-model 1\nthreshold 0\nmin_words 1\n%s"
		    "layers code broad none\n"
		    "bias policy 0\nbias user_unknown 0\n"
		    "w mailbox policy 1\n"
		    "w g:<ma policy 2\nw g:box> policy 4\n"
		    "w g:ilbo policy 8\nw g:<mail policy 16\n"
		    "w g:rej policy 32\nw g:ted> policy 64\n"
		    "w g:<reje policy 128\n"
		    "w g:réj policy 256\nw g:té> policy 512\n"
		    "w g:<réje policy 1024\n"
		    "w g:0q0 policy 2048\nw g:<xa policy 4096\n"
		    "w g:a0q policy 8192\nw g:b0q policy 16384\n"
		    "w gsmtp policy 32768\nw g:smt policy 65536\n",
		    modes[mode]);
		m = load_text(text);
		assert_non_null(mm = classify_model_memo_new(m));
		for (i = 0; i < 3; i++) {
			r.text = texts[i];
			classify_model_score(m, r.code, r.ec, r.es, r.ed,
			    r.wrapper, r.text, strlen(r.text), &a);
			classify_model_score_memo(m, mm, r.code, r.ec, r.es,
			    r.ed, r.wrapper, r.text, strlen(r.text), &b);
			if ((double)a.margin != want[mode][i] ||
			    (double)b.margin != want[mode][i])
				fail_msg("%s\"%s\": margin %.0f (memo %.0f), "
					 "want %.0f",
				    modes[mode], r.text, (double)a.margin,
				    (double)b.margin, want[mode][i]);
		}
		/* the second reply from a cut (with ids that have
		 * n-grams), the third from the memo */
		assert_int_equal(
		    classify_model_memo_resumed(mm), mode == 0 ? 1 : 0);
		classify_model_memo_free(mm);
		classify_model_free(m);
	}
}

/*
 * ngfast: a generated model with hundreds of n-gram features (every
 * 3-gram of "<abc0>" characters, some 4- and 5-grams) and replies of a
 * few templates with random ids: the memo's cuts, its words and its
 * choices of features give the same answers as scoring from the start
 * (check(): the whole model_hit), and cuts are used.
 */
static void
memo__char_grams__cuts_same_answers(void **state)
{
	static const char chars[] = "<abc0>";
	static const char *const cls[] = { "policy", "user_unknown",
		"rate_limited" };
	struct reply r = { 550, 5, 1, 1, "postfix", NULL };
	struct classify_model *m;
	struct model_memo *mm;
	char *text, id[2][16], reply[128];
	size_t len = 0, cap = 200000, i, j, k;
	uint64_t lookups, hits;

	(void)state;
	assert_non_null(text = malloc(cap));
	len += (size_t)snprintf(text + len, cap - len,
	    "bouncestat-model 1\nthreshold 0.5\nmin_words 1\n"
	    "char_grams 3 5\nlayers code broad none\n"
	    "bias policy 0.1\nbias user_unknown 0\nbias rate_limited -0.1\n"
	    "w mail policy 0.7 user_unknown 0.2\n"
	    "w box user_unknown 0.9\nw gsmtp rate_limited 0.3\n"
	    "w mail+box rate_limited 1.1\nw e:5.1 user_unknown 0.4\n"
	    "w w:postfix policy 0.2\n");
	for (i = 0; i < 216; i++) { /* every 3-gram of chars */
		char g[4] = { chars[i / 36], chars[i / 6 % 6], chars[i % 6] };

		if ((g[0] == '>' || g[2] == '<') ||
		    (g[1] == '<' || g[1] == '>'))
			continue;
		len += (size_t)snprintf(text + len, cap - len,
		    "w g:%s %s %.3f %s %.3f\n", g, cls[next() % 3],
		    (double)(next() % 2000) / 1000 - 1, cls[next() % 3],
		    (double)(next() % 2000) / 1000 - 1);
	}
	for (i = 0; i < 300; i++) { /* some 4- and 5-grams */
		char g[6] = { 0 };
		size_t n = 4 + i % 2;

		for (k = 0; k < n; k++)
			g[k] = chars[1 + next() % 4];
		if (strstr(text, g) != NULL) /* no duplicate names */
			continue;
		len +=
		    (size_t)snprintf(text + len, cap - len, "w g:%s %s %.3f\n",
			g, cls[next() % 3], (double)(next() % 2000) / 1000 - 1);
	}
	m = load_text(text);
	assert_non_null(mm = classify_model_memo_new(m));
	for (i = 0; i < 4000; i++) {
		for (j = 0; j < 2; j++) {
			size_t n = 3 + next() % 8;

			for (k = 0; k < n; k++)
				id[j][k] = "abc0123"[next() % (i % 3 ? 4 : 7)];
			id[j][n] = '\0';
		}
		switch (next() % 4) { /* templates */
		case 0:
			snprintf(
			    reply, sizeof(reply), "mail box %s gsmtp", id[0]);
			break;
		case 1:
			snprintf(reply, sizeof(reply),
			    "550 mail rejected cab%s %s box", id[0], id[1]);
			break;
		case 2:
			snprintf(reply, sizeof(reply), "%s", id[0]);
			break;
		default:
			snprintf(
			    reply, sizeof(reply), "box mail box %s", id[0]);
		}
		r.text = reply;
		check(m, mm, &r);
	}
	classify_model_memo_stats(mm, &lookups, &hits);
	assert_true(hits > 100);
	assert_true(classify_model_memo_resumed(mm) > 100);
	assert_true(lookups > hits + classify_model_memo_resumed(mm));
	classify_model_memo_free(mm);
	classify_model_free(m);
	free(text);
}

/* Another model's memo is not used; "layers off" and NULL are fine. */
static void
memo__other_model__ignored(void **state)
{
	struct classify_model *a = load_text("bouncestat-model 1\n"
					     "threshold 1\nmin_words 1\n"
					     "layers none\nbias loop 0\n"
					     "bias policy 0\nw aa loop 5\n");
	struct classify_model *b = load_text("bouncestat-model 1\n"
					     "threshold 1\nmin_words 1\n"
					     "layers none\nbias loop 0\n"
					     "bias policy 0\nw aa policy 5\n");
	struct classify_model *off =
	    load_text("bouncestat-model 1\nlayers off\n");
	struct model_memo *ma;
	const struct reply r = { 0, 0, 0, 0, NULL, "aa bb" };
	uint64_t lookups, hits;

	(void)state;
	assert_non_null(ma = classify_model_memo_new(a));
	assert_int_equal(check(a, ma, &r), BS_CLASS_LOOP);
	assert_int_equal(check(b, ma, &r), BS_CLASS_POLICY);
	assert_int_equal(check(off, ma, &r), -1);
	classify_model_memo_stats(ma, &lookups, &hits);
	assert_int_equal(lookups, 1);
	assert_int_equal(hits, 0);
	assert_null(classify_model_memo_new(NULL));
	classify_model_memo_stats(NULL, &lookups, &hits);
	assert_int_equal(lookups, 0);
	classify_model_memo_free(NULL);
	classify_model_memo_free(ma);
	classify_model_free(a);
	classify_model_free(b);
	classify_model_free(off);
}

/* More words than 16-bit ids: no memo, scoring as ever. */
static void
memo__huge_vocabulary__none(void **state)
{
	size_t n = 70000, i, len = 0;
	char *text = malloc(n * 32 + 200);
	struct classify_model *m;
	struct model_hit a;

	(void)state;
	assert_non_null(text);
	len += (size_t)sprintf(text,
	    "bouncestat-model 1\nthreshold 1\n"
	    "min_words 1\nlayers none\nbias loop 0\n"
	    "bias policy 0\n");
	for (i = 0; i < n; i++) /* words of letters: digits read as 0 */
		len += (size_t)sprintf(text + len, "w q%c%c%c%c loop 2\n",
		    'a' + (int)(i % 26), 'a' + (int)(i / 26 % 26),
		    'a' + (int)(i / 676 % 26), 'a' + (int)(i / 17576));
	m = load_text(text);
	assert_null(classify_model_memo_new(m));
	assert_true(classify_model_score_memo(
	    m, NULL, 0, 0, 0, 0, NULL, "qaaaa qzzzc", 11, &a));
	assert_int_equal(a.cls, BS_CLASS_LOOP);
	classify_model_free(m);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(memo__builtin__same_answers),
		cmocka_unit_test(memo__toy__keeps_what_the_model_reads_apart),
		cmocka_unit_test(memo__other_model__ignored),
		cmocka_unit_test(
		    memo__char_grams__unseen_words_by_their_ngrams),
		cmocka_unit_test(memo__huge_vocabulary__none),
		cmocka_unit_test(memo__char_grams__each_ngram_once_every_path),
		cmocka_unit_test(memo__char_grams__cuts_same_answers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
