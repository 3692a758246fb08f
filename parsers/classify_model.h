/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * A small learned model for the weak end of the classifier (issue 12): a
 * linear model (one weight per feature and class, plus a bias per class)
 * over the words and word pairs of a reply, its reply code and enhanced
 * status. It is data: a text file of weights (parsers/model/NAME.model,
 * embedded like the rule files; format in bouncestat-rules(5)), written
 * by tests/model/train_model.py from the train replies and the rules'
 * examples. classify.c asks it only when the deciding rule's evidence is
 * in the model's "layers" (e.g. a basic code or a broad word, or no rule
 * at all) and takes its class only when the best class beats the second
 * by at least the model's threshold; provider tokens, specific phrases
 * and enhanced status rules always win.
 *
 * Tokens (the training script does exactly the same): bytes of the
 * reply (at most 1024; the classifier hands it over with its ids masked,
 * template_mask_ids(), and so does the script); e-mail addresses (a run of
 * bytes other than space, control and <>()[]"',; around an '@') blanked; ASCII
 * letters lower-cased, every digit read as '0'; a word is a run of ASCII
 * letters and digits and of non-ASCII characters below U+2000 (é, ж); a
 * character from U+2E80 on (CJK, kana, Hangul) is a token of its own;
 * anything else separates (so do U+00A0-U+00BF, ×, ÷, U+2000-U+2E7F,
 * U+3000-U+303F, U+FF00-U+FFEF and bad UTF-8). Words shorter than 2
 * bytes, words of digits only and masked ids (10 or more 'x': no
 * evidence, not even their length) are dropped; features are the tokens,
 * each pair of neighbouring tokens "a+b", "c:NNN" (the reply code),
 * "e:C.S" (the enhanced status's class and subject), "e:C.S.D" (the whole
 * enhanced status) and "w:KIND" (the wrapper the reply was found in:
 * postfix, exim, exchange, client, other); with "char_grams MIN MAX" in
 * the model (cgram), also the character n-grams "g:..." (n from MIN to
 * MAX, 3 to 5 at most) of each word of three characters or more that
 * does not start with a digit, '<' and '>' added at its start and end
 * ("reject": g:<re, g:rej, ..., g:ct>, g:<rej, ...): all n-grams of a
 * length, then of the next, after the token's pair with the next token.
 * A feature counts once; none is dropped (at most 256 tokens are read).
 * Digits never matter, so a result is cacheable under the classifier's
 * digit-normalised key.
 *
 * Pure: no I/O; errors go to errbuf.
 */
#ifndef BS_PARSERS_CLASSIFY_MODEL_H
#define BS_PARSERS_CLASSIFY_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blob.h"
#include "event.h"

#define MODEL_TOP 3 /* features named in an explanation */

struct classify_model;

/* What the model said about one reply (small: classify.c caches it). */
struct model_hit {
	int16_t cls;              /* enum bs_class, or -1: not confident */
	float margin;             /* best score minus the second best */
	uint32_t feat[MODEL_TOP]; /* strongest features for cls */
	uint8_t nfeat;
};

/* The built-in model files (parsers/model/NAME.model), NULL-terminated. */
const struct bs_blob *classify_model_defaults(void);

/*
 * Parses a model file (text of len bytes; name for messages "name:line:
 * message"). Returns the model, or NULL with the message in errbuf
 * (BS_ERRLEN bytes): an empty file, a missing "bouncestat-model 1"
 * header, an unknown class or keyword, a bad number, a duplicate feature.
 */
struct classify_model *classify_model_load(
    const char *name, const char *text, size_t len, char *errbuf);
void classify_model_free(struct classify_model *);

/*
 * True when the model may decide over a rule of this evidence rank
 * ("token" ... "fallback"), or over no rule at all (evidence NULL).
 */
bool classify_model_layer(const struct classify_model *, const char *evidence);

/*
 * Scores a reply (code 0 and enh_cls 0 when absent; wrapper: the kind
 * reply_wrapper_name() names, NULL or "none" when the text was the reply
 * itself). Returns true and
 * fills *hit when the best class beats the second by the threshold and
 * at least the model's min_words word features (words or word pairs, not
 * the code or status) favour it over the second; false (hit->cls -1)
 * otherwise (hit->margin is set; hit->feat only when the margin reached
 * the threshold).
 */
bool classify_model_score(const struct classify_model *, int code, int enh_cls,
    int enh_subj, int enh_det, const char *wrapper, const char *s, size_t n,
    struct model_hit *hit);

/*
 * The memo (clsfast2, issue 14): the model's answers kept by what it
 * reads, so a reply that differs from one scored before only in tokens
 * the model has no feature for (ids, host names, time stamps) is not
 * scored again. The key is the code, the enhanced status, the wrapper
 * and the token sequence with every token that no feature's name
 * contains replaced by one placeholder; entries are compared in full, so
 * an answer from the memo is the one classify_model_score() gives.
 * With n-grams, a token outside the vocabulary is followed in the key by
 * those of its n-grams that are features, in order (they are looked up
 * for the key; the memo keeps those of 512 recurring words). A reply
 * not in the memo resumes, with n-grams, from a cut: the scores kept at
 * its first word outside the vocabulary by an earlier reply with the
 * same symbols up to there (64 cuts; ngfast). Bounded (256 entries of
 * at most 128 symbols, about 75 KB; with n-grams about 0.5 MB more; a
 * reply of more symbols is scored every time). NULL when the model's
 * vocabulary does not fit (more than 65535 words, or words and features
 * together with n-grams) or memory is short: then scoring is done every
 * time.
 */
struct model_memo;
struct model_memo *classify_model_memo_new(const struct classify_model *);
void classify_model_memo_free(struct model_memo *);

/* As classify_model_score(), through memo mm (NULL, or another model's:
 * none). */
bool classify_model_score_memo(const struct classify_model *,
    struct model_memo *mm, int code, int enh_cls, int enh_subj, int enh_det,
    const char *wrapper, const char *s, size_t n, struct model_hit *hit);

/* Replies looked up in the memo and answered from it, for tests. */
void classify_model_memo_stats(
    const struct model_memo *, uint64_t *lookups, uint64_t *hits);

/*
 * Replies not in the memo that were scored from a cut (ngfast, models
 * with n-grams only): what was counted before the reply's first word
 * outside the vocabulary with n-grams that are features (an id), kept
 * from an earlier reply with the same symbols up to there; the same
 * sums in the same order, so the same answer. For tests and benches.
 */
uint64_t classify_model_memo_resumed(const struct model_memo *);

/*
 * One line for a postmaster: "model: 'rate', 'exceeded' -> rate_limited
 * (margin 2.3)". Returns buf.
 */
char *classify_model_explain(const struct classify_model *,
    const struct model_hit *, char *buf, size_t len);

/*
 * The least margin for the model to decide a bare text: one no rule
 * matched that has neither a reply code nor an enhanced status (the
 * model file's "nocode_threshold"); below 0 (no such line): never, such
 * a text stays unknown.
 */
double classify_model_nocode(const struct classify_model *);

/*
 * The word, pair and n-gram features of the reply s[0..n) as scoring
 * reads them (the code, status and wrapper features are not listed), in
 * order, repeats included: fn(arg, name, len) for each; returns their
 * number. For the trainer (classify_holdout -F) and tests: the C code is
 * the definition the trainer's copy is checked against.
 */
size_t classify_model_text_features(const struct classify_model *,
    const char *s, size_t n, void (*fn)(void *, const char *, size_t),
    void *arg);

/* Number of features and the threshold, for listings and tests. */
size_t classify_model_features(const struct classify_model *);
double classify_model_threshold(const struct classify_model *);

/*
 * Which entry of a two-entry cache set to fill (the classifier's cache and
 * the model's memo): a free one, else one that has not served a lookup
 * since it was filled; when both have, the first, and *age is set (the
 * caller clears the second's mark, so that it goes next).
 */
static inline int
cache_set_victim(bool used0, bool hot0, bool used1, bool hot1, bool *age)
{
	*age = false;
	if (!used0)
		return 0;
	if (!used1)
		return 1;
	if (!hot0)
		return 0;
	if (!hot1)
		return 1;
	*age = true;
	return 0;
}

#endif
