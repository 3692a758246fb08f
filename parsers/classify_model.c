/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The learned model of the classifier's weak layers: see
 * classify_model.h for what it is and bouncestat-rules(5) for the file
 * format. Features live in an open-addressing hash table; each has a run
 * of (class, weight) pairs. A word's key is word_key() of its bytes and
 * a pair "a+b"'s key is pair_key() of its words' keys, so scoring hashes
 * each token once and never builds a pair's string (modelfast, issue 14).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify_model.h"
#include "template.h"

/* SSE2 is part of x86-64 (as in classify.c; BS_NO_SIMD: the byte loop
 * only, which the tests compare). */
#if defined(__SSE2__) && defined(__x86_64__) && !defined(BS_NO_SIMD)
#include <emmintrin.h>
#define BS_SSE2 1
#endif

extern const struct bs_blob bs_default_model[];

#define MODEL_SUBJECT_MAX 1024
#define MODEL_TOKENS_MAX  256
#define MODEL_FEAT_MAX    64 /* bytes of one feature */
#define MODEL_LINE_MAX    4096
/* Character n-grams (cgram): of words of at least GRAM_WORD_MIN
 * characters, n from 3 to 5 at most; a word of L characters (L bytes or
 * more) has at most 3 L of them, so a reply at most 3 * SUBJECT_MAX. */
#define GRAM_WORD_MIN     3
#define GRAM_N_MIN        3
#define GRAM_N_MAX        5
#define MODEL_GRAMS_MAX   (3 * MODEL_SUBJECT_MAX)
/* Every word, pair and n-gram feature a reply can have (no cap). */
#define MODEL_PEND_MAX    (2 * MODEL_TOKENS_MAX + MODEL_GRAMS_MAX)
#define SEEN_BITS         65536 /* the scorer's bitmap of features counted */

struct mfeat {
	char *name;            /* with 8 zeros after its NUL (padded) */
	uint64_t hash;         /* feat_key() of name */
	uint32_t first, count; /* into weights */
	uint8_t len;           /* strlen(name), at most MODEL_FEAT_MAX */
	bool word;             /* a word or pair, not c:, e:, g: or w: */
};

/* One slot of the table: the key's low 32 bits and index + 1 (0: empty). */
struct mslot {
	uint32_t tag;
	uint32_t idx;
};

struct mweight {
	uint8_t cls;
	float w;
};

struct classify_model {
	struct mfeat *feats;
	size_t nfeats, capfeats;
	struct mweight *weights;
	size_t nweights, capweights;
	struct mslot *slots;
	size_t slot_mask;
	unsigned slot_shift;    /* 64 - log2(slots) */
	int32_t code_feat[400]; /* feature of c:200..c:599, or -1 */
	/* The weights again, a row of ncls per feature (column k: class
	 * cls_of[k], the classes with a bias in order; 0 for a class it has
	 * no weight for), when no feature names such a class twice (else
	 * NULL: the runs are summed as they are). */
	float *dense;
	size_t ncls;
	size_t rowlen; /* ncls rounded up to 4 (zeros), the rows' stride */
	uint8_t cls_of[BS_CLASS_COUNT];
	int8_t col_of[BS_CLASS_COUNT]; /* k of cls_of[k] == class, or -1 */
	uint64_t zero_key[MODEL_FEAT_MAX + 1]; /* word_key() of "00...0" */
	uint64_t x_key[MODEL_FEAT_MAX + 1];    /* ... of "xx...x" */
	double bias[BS_CLASS_COUNT];
	bool has_class[BS_CLASS_COUNT];
	double threshold;
	double nocode; /* margin for a bare text (see classify_model.h), <0 */
	unsigned min_words; /* word features that must favour the class */
	unsigned layers;    /* bit per evidence rank, bit 6: no rule */
	/* "char_grams MIN MAX": character n-grams of each word, n from
	 * gram_min to gram_max (0 0: none), features "g:..." */
	unsigned gram_min, gram_max;
	bool gram_nodigits; /* "nodigits": not of a word with a digit */
	/* The vocabulary (clsfast2, for the memo): every word that occurs in
	 * a feature's name (the pieces of a name between '+'), id 1..nvocab;
	 * vslots NULL when there are more than UINT16_MAX of them. */
	struct vslot *vslots;
	size_t vslot_mask;
	unsigned vslot_shift;
	char *vpool;    /* the words' bytes, one after another */
	uint32_t *voff; /* [id]: offset in vpool */
	uint8_t *vlen;  /* [id]: length */
	size_t nvocab;
	/* With n-grams (ngfast): the n-grams of vocabulary word id that are
	 * features, in the trainer's order, are vgram[vgfirst[id] ..
	 * vgfirst[id + 1]) (vgfirst NULL: none kept), so a known word's
	 * n-grams are not looked up when a reply is scored. */
	uint32_t *vgram, *vgfirst;
};

/* One slot of the vocabulary table: a tag (other bits of the key than
 * the slot's) and the word's id (0: empty). */
struct vslot {
	uint16_t tag;
	uint16_t id;
};

/*
 * The memo (clsfast2, issue 14): a model's answers keyed by what the
 * model reads. Scoring depends only on the code, the enhanced status,
 * the wrapper and the sequence of features found, in order; a token that
 * is not in the vocabulary is neither a feature nor half of a pair
 * feature, so the token sequence with such tokens replaced by one
 * placeholder (id 0) fixes that sequence. With character n-grams
 * (cgram), such a token's n-grams may still be features: its placeholder
 * is followed by one symbol per n-gram of it that is a feature, in
 * order (nvocab + 1 + the feature's index), which fixes what it adds.
 * Entries hold the whole key and are compared in full: a hit is exact.
 * Two entries a set; a new entry replaces one that has not served a
 * lookup first (as classify.c's cache).
 */
#define MEMO_SETS 128
#define MEMO_SYM  128 /* replies with more symbols are not kept */

struct memo_ent {
	uint64_t key;
	int32_t code, ec, es, ed;
	char wrap[16]; /* the wrapper, "" for none */
	uint16_t nsym;
	bool used, hot, ret;
	struct model_hit hit;
	uint16_t sym[MEMO_SYM];
};

/*
 * Cuts (ngfast, with n-grams only): a memo miss is mostly a reply of a
 * known template whose id (a word outside the vocabulary with n-grams
 * that are features) is new. Features count in token order, so what
 * was counted before the first such word (the scores, summed in the
 * same order, and the features counted) depends only on the key's
 * symbols before it (struct model_memo); a cut keeps that state under
 * those symbols, and a reply with the same ones resumes from it: the
 * same sums in the same order, so the same answer bit for bit as
 * scoring from the start. Two cuts a set, as the memo's entries.
 */
#define CUT_SETS  32
#define CUT_HITS  1024 /* states with more features counted are not kept */
#define CUT_CANDS 8    /* places tried a reply, the last ones */

struct memo_cut {
	uint64_t key;
	uint16_t nsym, ntok; /* symbols and tokens before the cut */
	bool used, hot;
	uint16_t sym[MEMO_SYM];
	double score[BS_CLASS_COUNT + 4]; /* as struct scorer's */
	uint32_t nhit;
	/* decide()'s choice of features over hit when best is dbest and
	 * second dsecond (-1: not known yet): its state after them */
	int16_t dbest, dsecond;
	uint8_t dnfeat;
	uint16_t dwords;
	double dgain[MODEL_TOP];
	uint32_t dfeat[MODEL_TOP];
	uint32_t hit[CUT_HITS];
};

/*
 * Words outside the vocabulary (with n-grams only): a word's symbols in
 * the key (those of its n-grams that are features) are looked up once
 * and kept under its bytes (compared in full), for the template words
 * that are no feature ("unnecessary", "nosuchuser") of replies that
 * recur. Two a set, as the memo's entries.
 */
#define WORD_SETS      256
#define WORD_ASCII_MAX 256 /* longer words: by memo_grams()'s loop */
#define WORD_MAX       32  /* bytes of a word kept */
#define WORD_GRAMS     48  /* symbols of a word kept */

struct memo_word {
	uint64_t h; /* word_key() */
	uint8_t len, nsym;
	bool used, hot;
	unsigned char w[WORD_MAX + 8]; /* padded (same_padded()) */
	uint16_t sym[WORD_GRAMS];
};

struct model_memo {
	const struct classify_model *m;
	uint64_t lookups, hits, resumed;
	struct memo_cut *cut;   /* 2 * CUT_SETS of them; NULL: no n-grams */
	uint64_t *cutseen;      /* each cut's scorer.seen (seenw words), */
	size_t seenw;           /* when the model has SEEN_BITS or fewer */
	struct memo_word *word; /* 2 * WORD_SETS; NULL: no n-grams */
	/* the features of recent enhanced statuses and wrappers (decide()) */
	struct memo_enh {
		bool used;
		int32_t ec, es, ed;
		int32_t f2, f3; /* of e:EC.ES and e:EC.ES.ED, or -1 */
	} enh[16];
	struct memo_wrap {
		char w[16]; /* "" unused */
		int32_t f;  /* of w:W, or -1 */
	} wrap[4];
	struct memo_ent ent[2 * MEMO_SETS];
};

static const char *const layer_names[] = { "token", "phrase", "status", "code",
	"broad", "fallback", "none" };
#define NLAYERS (sizeof(layer_names) / sizeof(layer_names[0]))

/* See classify_model.h. */
const struct bs_blob *
classify_model_defaults(void)
{
	return bs_default_model;
}

/* The key of a word (any bytes): eight bytes at a time, so that a
 * reply's words are read once and hashed at their end. */
static inline uint64_t
word_key(const unsigned char *p, size_t n)
{
	const uint64_t mul = UINT64_C(0x9e3779b97f4a7c15);
	uint64_t h = mul ^ n, v;
	size_t i, k;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&v, p + i, 8);
		h = (h ^ v) * mul;
		h ^= h >> 32;
	}
	if (i < n) {
		for (v = 0, k = 0; i + k < n; k++)
			v |= (uint64_t)p[i + k] << (8 * k);
		h = (h ^ v) * mul;
		h ^= h >> 32;
	}
	return h;
}

/*
 * word_key() of p[0..n) where 8 bytes may be read from p + n rounded
 * down to 8 (a padded buffer): the last bytes by one load, masked.
 */
static inline uint64_t
word_key_padded(const unsigned char *p, size_t n)
{
	const uint64_t mul = UINT64_C(0x9e3779b97f4a7c15);
	uint64_t h = mul ^ n, v;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&v, p + i, 8);
		h = (h ^ v) * mul;
		h ^= h >> 32;
	}
	if (i < n) {
		memcpy(&v, p + i, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		v = __builtin_bswap64(v);
#endif
		v &= ~UINT64_C(0) >> (64 - 8 * (n - i));
		h = (h ^ v) * mul;
		h ^= h >> 32;
	}
	return h;
}

/* True when a[0..n) and b[0..n) are equal, where 8 bytes may be read
 * from a + n and b + n rounded down to 8 (padded buffers). */
static inline bool
same_padded(const unsigned char *a, const unsigned char *b, size_t n)
{
	uint64_t x, y;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return false;
	}
	if (i == n)
		return true;
	memcpy(&x, a + i, 8);
	memcpy(&y, b + i, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
	y = __builtin_bswap64(y);
#endif
	return ((x ^ y) & (~UINT64_C(0) >> (64 - 8 * (n - i)))) == 0;
}

static uint64_t
str_key(const char *p, size_t n)
{
	return word_key((const unsigned char *)p, n);
}

/* The key of the pair "a+b" from its words' keys. */
static inline uint64_t
pair_key(uint64_t a, uint64_t b)
{
	return ((a << 23 | a >> 41) ^ b) * UINT64_C(0xff51afd7ed558ccd) +
	    UINT64_C(0x2b);
}

/* The key of the n-gram "g:" p[0..n) (p padded, see word_key_padded()). */
static inline uint64_t
gram_key(const unsigned char *p, size_t n)
{
	return word_key_padded(p, n) ^ UINT64_C(0x6a09e667f3bcc909);
}

/* The key of a feature name: an n-gram "g:..." by gram_key() of what
 * follows "g:", a pair "a+b" (one '+', words on both sides) by
 * pair_key(), anything else by word_key(). */
static uint64_t
feat_key(const char *p, size_t n)
{
	const char *plus = memchr(p, '+', n);

	if (n > 2 && p[0] == 'g' && p[1] == ':') {
		unsigned char pad[MODEL_FEAT_MAX + 8];

		if (n - 2 > MODEL_FEAT_MAX) /* refused by add_feature() */
			return str_key(p, n);
		memcpy(pad, p + 2, n - 2);
		memset(pad + n - 2, 0, 8);
		return gram_key(pad, n - 2);
	}

	if (plus != NULL && plus > p && plus < p + n - 1 &&
	    memchr(plus + 1, '+', n - (size_t)(plus + 1 - p)) == NULL)
		return pair_key(str_key(p, (size_t)(plus - p)),
		    str_key(plus + 1, n - (size_t)(plus + 1 - p)));
	return str_key(p, n);
}

/* The first slot to probe for key h. */
static inline size_t
slot_of(const struct classify_model *m, uint64_t h)
{
	return (size_t)((h * UINT64_C(0x9e3779b97f4a7c15)) >> m->slot_shift);
}

static void merr(char *errbuf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
merr(char *errbuf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, BS_ERRLEN, fmt, ap);
	va_end(ap);
}

/*
 * The next feature of key h in probe order, from slot *i on (start with
 * *i = slot_of(m, h)); *i is left past it. NULL at the first empty slot.
 */
static inline const struct mfeat *
probe_next(const struct classify_model *m, uint64_t h, size_t *i)
{
	const struct mfeat *f;
	size_t k;

	for (k = *i;; k = (k + 1) & m->slot_mask) {
		if (m->slots[k].idx == 0)
			return NULL;
		if (m->slots[k].tag != (uint32_t)h)
			continue;
		f = &m->feats[m->slots[k].idx - 1];
		if (f->hash == h) {
			*i = (k + 1) & m->slot_mask;
			return f;
		}
	}
}

/* True when the name's bytes at f (padded) are p[0..n), p padded when
 * padded is (then without a call to memcmp()). */
static inline bool
same_name(const char *f, const unsigned char *p, size_t n, bool padded)
{
	return padded ? same_padded((const unsigned char *)f, p, n)
		      : memcmp(f, p, n) == 0;
}

/*
 * Finds the feature named a (b NULL), or the pair "a+b" (a and b:
 * normalised words), of key h; its index, or -1. The bytes are compared
 * only for a feature of key h; padded: a and b are padded buffers.
 */
static inline long
find_name(const struct classify_model *m, const unsigned char *a, size_t na,
    const unsigned char *b, size_t nb, uint64_t h, bool padded)
{
	const struct mfeat *f;
	size_t i, n = b == NULL ? na : na + 1 + nb;

	if (m->slots == NULL)
		return -1;
	for (i = slot_of(m, h); (f = probe_next(m, h, &i)) != NULL;)
		if (f->len == n && same_name(f->name, a, na, padded) &&
		    (b == NULL ||
			(f->name[na] == '+' &&
			    same_name(f->name + na + 1, b, nb, padded))))
			return f - m->feats;
	return -1;
}

/* Finds a feature by bytes; its index, or -1. */
static long
find_feat(const struct classify_model *m, const char *p, size_t n, uint64_t h)
{
	return find_name(m, (const unsigned char *)p, n, NULL, 0, h, false);
}

/* Finds the n-gram feature "g:" g[0..n) of key h (gram_key()); g is
 * padded. */
static inline long
find_gram(const struct classify_model *m, const unsigned char *g, size_t n,
    uint64_t h)
{
	const struct mfeat *f;
	size_t i;

	if (m->slots == NULL)
		return -1;
	for (i = slot_of(m, h); (f = probe_next(m, h, &i)) != NULL;)
		if (f->len == n + 2 && f->name[0] == 'g' && f->name[1] == ':' &&
		    same_padded((const unsigned char *)f->name + 2, g, n))
			return f - m->feats;
	return -1;
}

static void
put_slot(struct classify_model *m, size_t k)
{
	size_t j;

	for (j = slot_of(m, m->feats[k].hash); m->slots[j].idx != 0;
	     j = (j + 1) & m->slot_mask)
		;
	m->slots[j].tag = (uint32_t)m->feats[k].hash;
	m->slots[j].idx = (uint32_t)k + 1;
}

static int
build_slots(struct classify_model *m, char *errbuf)
{
	size_t cap = 16, i;
	unsigned bits = 4;

	while (cap < m->nfeats * 2) {
		cap *= 2;
		bits++;
	}
	if ((m->slots = calloc(cap, sizeof(*m->slots))) == NULL) {
		merr(errbuf, "model: out of memory");
		return -1;
	}
	m->slot_mask = cap - 1;
	m->slot_shift = 64 - bits;
	for (i = 0; i < m->nfeats; i++)
		put_slot(m, i);
	return 0;
}

/*
 * The common form of a model's numbers, "-0.118" ([-]DIGITS[.DIGITS], at
 * most 15 digits), without strtod() (startcut, issue 14: strtod() was 17
 * of the 38 M instructions of loading the embedded model): the digits
 * as an integer m < 10^15 < 2^53 and the fraction's length k <= 14 are
 * exact doubles, as is 10^k, and IEEE division rounds correctly, so m /
 * 10^k is the double nearest the decimal, which is what strtod() returns
 * (in the default rounding mode; "-x" is -(x): rounding to nearest is
 * symmetric). False for anything else: parse_num() asks strtod().
 */
static bool
parse_num_fast(const char *s, double *out)
{
	static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
		1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
	uint64_t m = 0;
	int digits = 0, frac = -1;
	bool neg = *s == '-';
	double v;

	if (neg)
		s++;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9') {
			if (++digits > 15)
				return false;
			m = m * 10 + (uint64_t)(*s - '0');
			if (frac >= 0)
				frac++;
		} else if (*s == '.' && frac < 0 && s[1] >= '0' && s[1] <= '9')
			frac = 0;
		else
			return false;
	}
	v = (double)m / pow10[frac < 0 ? 0 : frac];
	*out = neg ? -v : v;
	return true;
}

/* Parses a number; false when s is not one. */
static bool
parse_num(const char *s, double *out)
{
	char *end;

	if (parse_num_fast(s, out))
		return true;
	errno = 0;
	*out = strtod(s, &end);
	return end != s && *end == '\0' && errno == 0 && isfinite(*out);
}

/*
 * The last names parse_class() resolved, by their first bytes and length
 * (a model names the same twenty classes 23,000 times; looking each up
 * in the list of names was 6.6 M instructions of loading). Only a name
 * equal to the one remembered is answered from here, with the class
 * bs_class_from_name() gave it; anything else asks it again.
 */
struct class_memo {
	char name[24];
	int8_t cls; /* -1: empty */
};

static bool
parse_class_memo(struct class_memo *cm, const char *s, enum bs_class *cls)
{
	size_t n = strlen(s);
	/* s[1] is the NUL of a one-byte name; no two class names share a
	 * slot today (only speed depends on it) */
	struct class_memo *e =
	    &cm[((unsigned char)s[0] + 4u * (unsigned char)s[1] + 25 * n) & 63];

	if (e->cls >= 0 && n < sizeof(e->name) &&
	    memcmp(e->name, s, n + 1) == 0) {
		*cls = (enum bs_class)e->cls;
		return true;
	}
	if (bs_class_from_name(s, n, cls) != 0 || *cls == BS_CLASS_NONE ||
	    *cls == BS_CLASS_UNKNOWN)
		return false;
	if (n < sizeof(e->name)) {
		memcpy(e->name, s, n + 1);
		e->cls = (int8_t)*cls;
	}
	return true;
}

static bool
parse_class(const char *s, enum bs_class *cls)
{
	return bs_class_from_name(s, strlen(s), cls) == 0 &&
	    *cls != BS_CLASS_NONE && *cls != BS_CLASS_UNKNOWN;
}

/* Splits a line into at most max words (in place); the count. */
static size_t
split_words(char *s, char **w, size_t max)
{
	size_t n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || n == max)
			return n;
		w[n++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t')
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
}

static int
add_feature(struct classify_model *m, const char *name, uint64_t hash, char **w,
    size_t nw, struct class_memo *cm, char *errbuf, const char *fname, int line)
{
	struct mfeat *f;
	enum bs_class cls;
	double v;
	size_t i, len = strlen(name);

	if (len == 0 || len > MODEL_FEAT_MAX || nw == 0 || nw % 2 != 0) {
		merr(errbuf, "%s:%d: expected 'w FEATURE CLASS WEIGHT...'",
		    fname, line);
		return -1;
	}
	if (m->nfeats == m->capfeats) {
		m->capfeats = m->capfeats ? m->capfeats * 2 : 256;
		f = realloc(m->feats, m->capfeats * sizeof(*f));
		if (f == NULL)
			goto oom;
		m->feats = f;
	}
	f = &m->feats[m->nfeats];
	f->first = (uint32_t)m->nweights;
	f->count = 0;
	f->hash = hash;
	f->len = (uint8_t)len;
	f->word = len < 2 || name[1] != ':';
	for (i = 0; i < nw; i += 2) {
		if (!parse_class_memo(cm, w[i], &cls)) {
			merr(errbuf, "%s:%d: unknown class '%.40s'", fname,
			    line, w[i]);
			return -1;
		}
		if (!parse_num(w[i + 1], &v)) {
			merr(errbuf, "%s:%d: bad weight '%.40s'", fname, line,
			    w[i + 1]);
			return -1;
		}
		if (m->nweights == m->capweights) {
			struct mweight *nwts;

			m->capweights =
			    m->capweights ? m->capweights * 2 : 1024;
			nwts =
			    realloc(m->weights, m->capweights * sizeof(*nwts));
			if (nwts == NULL)
				goto oom;
			m->weights = nwts;
		}
		m->weights[m->nweights].cls = (uint8_t)cls;
		m->weights[m->nweights].w = (float)v;
		m->nweights++;
		f->count++;
	}
	/* + 8 zeros after the NUL: see same_padded() */
	if ((f->name = calloc(len + 9, 1)) == NULL)
		goto oom;
	memcpy(f->name, name, len);
	m->nfeats++;
	return 0;
oom:
	merr(errbuf, "%s: out of memory", fname);
	return -1;
}

static int
parse_line(struct classify_model *m, char *s, const char *name, int line,
    bool *header, struct class_memo *cm, char *errbuf)
{
	char *w[2 + 2 * BS_CLASS_COUNT];
	size_t nw, i, k;
	enum bs_class cls;
	double v;

	nw = split_words(s, w, sizeof(w) / sizeof(w[0]));
	if (nw == 0 || w[0][0] == '#')
		return 0;
	if (!*header) {
		if (nw != 2 || strcmp(w[0], "bouncestat-model") != 0 ||
		    strcmp(w[1], "1") != 0) {
			merr(errbuf,
			    "%s:%d: not a bouncestat model (the first line "
			    "must be 'bouncestat-model 1')",
			    name, line);
			return -1;
		}
		*header = true;
		return 0;
	}
	if (strcmp(w[0], "w") == 0 && nw >= 2) {
		uint64_t h = feat_key(w[1], strlen(w[1]));

		if (find_feat(m, w[1], strlen(w[1]), h) >= 0) {
			merr(errbuf, "%s:%d: feature '%.64s' given twice", name,
			    line, w[1]);
			return -1;
		}
		if (add_feature(
			m, w[1], h, w + 2, nw - 2, cm, errbuf, name, line))
			return -1;
		/* Rebuild the table as it grows (load time only). */
		if (m->nfeats * 2 > m->slot_mask + 1 || m->slots == NULL) {
			free(m->slots);
			m->slots = NULL;
			if (build_slots(m, errbuf) == -1)
				return -1;
		} else
			put_slot(m, m->nfeats - 1);
		return 0;
	}
	if (strcmp(w[0], "bias") == 0) {
		if (nw != 3 || !parse_class(w[1], &cls) ||
		    !parse_num(w[2], &v)) {
			merr(errbuf, "%s:%d: expected 'bias CLASS WEIGHT'",
			    name, line);
			return -1;
		}
		m->bias[cls] = v;
		m->has_class[cls] = true;
		return 0;
	}
	if (strcmp(w[0], "threshold") == 0) {
		if (nw != 2 || !parse_num(w[1], &v) || v < 0) {
			merr(errbuf,
			    "%s:%d: expected 'threshold NUMBER' (>= 0)", name,
			    line);
			return -1;
		}
		m->threshold = v;
		return 0;
	}
	if (strcmp(w[0], "nocode_threshold") == 0) {
		if (nw != 2 || !parse_num(w[1], &v) || v < 0) {
			merr(errbuf,
			    "%s:%d: expected 'nocode_threshold NUMBER' (>= 0)",
			    name, line);
			return -1;
		}
		m->nocode = v;
		return 0;
	}
	if (strcmp(w[0], "min_words") == 0) {
		if (nw != 2 || !parse_num(w[1], &v) || v < 1 || v > 16 ||
		    v != (double)(unsigned)v) {
			merr(errbuf, "%s:%d: expected 'min_words N' (1 to 16)",
			    name, line);
			return -1;
		}
		m->min_words = (unsigned)v;
		return 0;
	}
	if (strcmp(w[0], "char_grams") == 0) {
		double hi;

		if (nw < 3 || nw > 4 ||
		    (nw == 4 && strcmp(w[3], "nodigits") != 0) ||
		    !parse_num(w[1], &v) || !parse_num(w[2], &hi) ||
		    v != (double)(unsigned)v || hi != (double)(unsigned)hi ||
		    v < GRAM_N_MIN || hi < v || hi > GRAM_N_MAX) {
			merr(errbuf,
			    "%s:%d: expected 'char_grams MIN MAX [nodigits]' "
			    "(%d <= MIN <= MAX <= %d)",
			    name, line, GRAM_N_MIN, GRAM_N_MAX);
			return -1;
		}
		m->gram_min = (unsigned)v;
		m->gram_max = (unsigned)hi;
		m->gram_nodigits = nw == 4;
		return 0;
	}
	if (strcmp(w[0], "layers") == 0) {
		m->layers = 0;
		for (i = 1; i < nw; i++) {
			if (strcmp(w[i], "off") == 0 && nw == 2)
				break;
			for (k = 0; k < NLAYERS; k++)
				if (strcmp(w[i], layer_names[k]) == 0)
					break;
			if (k == NLAYERS) {
				merr(errbuf,
				    "%s:%d: unknown layer '%.40s' (token, "
				    "phrase, status, code, broad, fallback, "
				    "none or off)",
				    name, line, w[i]);
				return -1;
			}
			m->layers |= 1u << k;
		}
		if (nw < 2) {
			merr(errbuf, "%s:%d: 'layers' needs a list or 'off'",
			    name, line);
			return -1;
		}
		return 0;
	}
	merr(errbuf, "%s:%d: unknown keyword '%.40s'", name, line, w[0]);
	return -1;
}

/*
 * Fills m->dense from the runs; leaves it NULL when a feature names a
 * class twice (a dense row would sum the two in another order). -1: out
 * of memory.
 */
static int
make_dense(struct classify_model *m)
{
	size_t i, j;
	int col[BS_CLASS_COUNT];
	float *row;

	for (i = 0; i <= MODEL_FEAT_MAX; i++) {
		unsigned char zeros[MODEL_FEAT_MAX];

		memset(zeros, '0', sizeof(zeros));
		m->zero_key[i] = word_key(zeros, i);
		memset(zeros, 'x', sizeof(zeros));
		m->x_key[i] = word_key(zeros, i);
	}
	m->ncls = 0;
	for (i = 0; i < BS_CLASS_COUNT; i++) {
		col[i] = m->col_of[i] = -1;
		if (m->has_class[i]) {
			col[i] = m->col_of[i] = (int8_t)m->ncls;
			m->cls_of[m->ncls++] = (uint8_t)i;
		}
	}
	if (m->nfeats == 0 || m->ncls == 0)
		return 0;
	m->rowlen = (m->ncls + 3) & ~(size_t)3;
	if ((m->dense = calloc(m->nfeats * m->rowlen, sizeof(float))) == NULL)
		return -1;
	for (i = 0; i < m->nfeats; i++) {
		row = m->dense + i * m->rowlen;
		for (j = 0; j < m->feats[i].count; j++) {
			const struct mweight *w =
			    &m->weights[m->feats[i].first + j];

			if (col[w->cls] < 0) /* no bias: never decides */
				continue;
			if (row[col[w->cls]] != 0 || w->w == 0) {
				free(m->dense);
				m->dense = NULL;
				return 0;
			}
			row[col[w->cls]] = w->w;
		}
	}
	return 0;
}

/* The first vocabulary slot to probe for key h, and its tag. */
static inline size_t
vslot_of(const struct classify_model *m, uint64_t h)
{
	return (size_t)((h * UINT64_C(0xc2b2ae3d27d4eb4f)) >> m->vslot_shift);
}

static inline uint16_t
vtag_of(uint64_t h)
{
	return (uint16_t)(h >> 48);
}

/* The id of the word p[0..n) of key h (word_key()) in the vocabulary, or
 * 0: none; p is padded (see same_padded()). */
static inline uint16_t
vocab_find(const struct classify_model *m, const unsigned char *p, size_t n,
    uint64_t h)
{
	const struct vslot *v;
	size_t i;

	if (n > MODEL_FEAT_MAX)
		return 0;
	for (i = vslot_of(m, h);; i = (i + 1) & m->vslot_mask) {
		v = &m->vslots[i];
		if (v->id == 0)
			return 0;
		if (v->tag == vtag_of(h) && m->vlen[v->id] == n &&
		    same_padded(
			(const unsigned char *)m->vpool + m->voff[v->id], p, n))
			return v->id;
	}
}

/*
 * Builds the vocabulary: each piece between '+' of each feature's name
 * (a superset of the words a token must be to take part in a feature;
 * see struct model_memo). Leaves vslots NULL (no memo) when the words
 * are too many for 16-bit ids. -1: out of memory.
 */
static int
make_vocab(struct classify_model *m)
{
	size_t i, cap = 16, pool = 0, j, n;
	unsigned bits = 4;
	const char *p, *q;
	unsigned char word[MODEL_FEAT_MAX + 8];
	uint64_t h;
	char *vp;
	uint32_t *vo;
	uint8_t *vl;

	for (i = 0; i < m->nfeats; i++)
		pool += m->feats[i].len;
	/* at most one word a byte of the names, and at least one a name */
	while (cap < 2 * (m->nfeats + pool / 2 + 1) && bits < 20) {
		cap *= 2;
		bits++;
	}
	m->vslots = calloc(cap, sizeof(*m->vslots));
	m->vpool = calloc(pool + 8, 1); /* + 8: see same_padded() */
	m->voff = malloc((pool + 2) * sizeof(*m->voff));
	m->vlen = malloc(pool + 2);
	if (m->vslots == NULL || m->vpool == NULL || m->voff == NULL ||
	    m->vlen == NULL)
		return -1;
	m->vslot_mask = cap - 1;
	m->vslot_shift = 64 - bits;
	m->nvocab = 0;
	pool = 0; /* bytes used */
	for (i = 0; i < m->nfeats; i++)
		for (p = m->feats[i].name;
		     *p != '\0' && strncmp(m->feats[i].name, "g:", 2) != 0;
		     p = q) {
			q = strchr(p, '+');
			if (q == NULL)
				q = p + strlen(p);
			n = (size_t)(q - p);
			if (*q == '+')
				q++;
			if (n == 0)
				continue;
			h = str_key(p, n);
			memset(word, 0, sizeof(word));
			memcpy(word, p, n); /* padded, for vocab_find() */
			if (vocab_find(m, word, n, h) != 0)
				continue;
			if (m->nvocab + 1 > UINT16_MAX ||
			    (m->nvocab + 1) * 2 > cap) {
				/* too many: no memo */
				free(m->vslots);
				free(m->vpool);
				free(m->voff);
				free(m->vlen);
				m->vslots = NULL;
				m->vpool = NULL;
				m->voff = NULL;
				m->vlen = NULL;
				m->nvocab = 0;
				return 0;
			}
			m->nvocab++;
			memcpy(m->vpool + pool, p, n);
			m->voff[m->nvocab] = (uint32_t)pool;
			m->vlen[m->nvocab] = (uint8_t)n;
			pool += n;
			for (j = vslot_of(m, h); m->vslots[j].id != 0;
			     j = (j + 1) & m->vslot_mask)
				;
			m->vslots[j].tag = vtag_of(h);
			m->vslots[j].id = (uint16_t)m->nvocab;
		}
	/* Only what is used (a bound was allocated). */
	if ((vp = realloc(m->vpool, pool + 8)) != NULL)
		m->vpool = vp;
	if ((vo = realloc(m->voff, (m->nvocab + 1) * sizeof(*vo))) != NULL)
		m->voff = vo;
	if ((vl = realloc(m->vlen, m->nvocab + 1)) != NULL)
		m->vlen = vl;
	/* The same words in a table of at most half load, the least such
	 * (kept small: it is read for every token). */
	for (cap = 16, bits = 4; cap < 2 * m->nvocab; cap *= 2)
		bits++;
	free(m->vslots);
	if ((m->vslots = calloc(cap, sizeof(*m->vslots))) == NULL)
		return -1;
	m->vslot_mask = cap - 1;
	m->vslot_shift = 64 - bits;
	for (i = 1; i <= m->nvocab; i++) {
		h = str_key(m->vpool + m->voff[i], m->vlen[i]);
		for (j = vslot_of(m, h); m->vslots[j].id != 0;
		     j = (j + 1) & m->vslot_mask)
			;
		m->vslots[j].tag = vtag_of(h);
		m->vslots[j].id = (uint16_t)i;
	}
	return 0;
}

static int make_vgrams(struct classify_model *m);

/* See classify_model.h. */
struct classify_model *
classify_model_load(
    const char *name, const char *text, size_t len, char *errbuf)
{
	struct classify_model *m;
	char buf[MODEL_LINE_MAX];
	struct class_memo cm[64];
	size_t pos = 0, n, k, ncls = 0;
	bool header = false;
	int line = 0;

	for (k = 0; k < sizeof(cm) / sizeof(cm[0]); k++)
		cm[k].cls = -1;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		merr(errbuf, "%s: out of memory", name);
		return NULL;
	}
	m->threshold = 1.0;
	m->nocode = -1;
	m->min_words = 1;
	m->layers = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);

		n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		line++;
		if (n >= sizeof(buf)) {
			merr(errbuf, "%s:%d: line too long", name, line);
			goto fail;
		}
		if (memchr(text + pos, '\0', n) != NULL) {
			merr(errbuf, "%s:%d: NUL byte (not a text file)", name,
			    line);
			goto fail;
		}
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		if (n > 0 && buf[n - 1] == '\r')
			buf[n - 1] = '\0';
		if (parse_line(m, buf, name, line, &header, cm, errbuf) == -1)
			goto fail;
		pos += n + 1;
	}
	if (!header) {
		merr(errbuf, "%s: empty model file (no 'bouncestat-model 1')",
		    name);
		goto fail;
	}
	for (k = 0; k < BS_CLASS_COUNT; k++)
		ncls += m->has_class[k];
	/* A model that may decide nothing ("layers off", or no layers
	 * line) needs no weights: that is how an operator turns it off. */
	if (m->layers != 0 && (ncls < 2 || m->nfeats == 0)) {
		merr(errbuf,
		    "%s: a model needs 'bias' lines for two classes or more "
		    "and at least one 'w' line (or 'layers off')",
		    name);
		goto fail;
	}
	if (make_dense(m) == -1 || make_vocab(m) == -1 ||
	    make_vgrams(m) == -1) {
		merr(errbuf, "%s: out of memory", name);
		goto fail;
	}
	for (k = 0; k < 400; k++) {
		char c[8];

		snprintf(c, sizeof(c), "c:%zu", k + 200);
		m->code_feat[k] =
		    (int32_t)find_feat(m, c, strlen(c), feat_key(c, strlen(c)));
	}
	return m;
fail:
	classify_model_free(m);
	return NULL;
}

/* See classify_model.h. */
void
classify_model_free(struct classify_model *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nfeats; i++)
		free(m->feats[i].name);
	free(m->feats);
	free(m->weights);
	free(m->slots);
	free(m->dense);
	free(m->vslots);
	free(m->vpool);
	free(m->voff);
	free(m->vlen);
	free(m->vgram);
	free(m->vgfirst);
	free(m);
}

/* See classify_model.h. */
bool
classify_model_layer(const struct classify_model *m, const char *evidence)
{
	size_t k;

	if (m == NULL)
		return false;
	if (evidence == NULL || *evidence == '\0')
		return (m->layers & (1u << (NLAYERS - 1))) != 0;
	/* the names' first letters differ: one strcmp() at most */
	for (k = 0; k + 1 < NLAYERS; k++)
		if (evidence[0] == layer_names[k][0] &&
		    strcmp(evidence, layer_names[k]) == 0)
			return (m->layers & (1u << k)) != 0;
	return false;
}

struct scorer {
	const struct classify_model *m;
	double score[BS_CLASS_COUNT + 4]; /* + 4: a row's padding */
	/* every feature a reply can have (the code, two statuses and the
	 * wrapper too): none is dropped */
	uint32_t hit[MODEL_PEND_MAX + 4];
	size_t nhit;
	/* bit f % SEEN_BITS of each feature f in hit: exact for a model of
	 * SEEN_BITS features or fewer (cgram: a reply's n-grams repeat,
	 * and each repeat scanned hit), else a hint to scan hit */
	uint64_t seen[SEEN_BITS / 64];
};

/* Adds feature f's weights to the scores (the same double sums in any
 * build: column i is class cls_of[i]). */
static inline void
add_row(struct scorer *sc, uint32_t f)
{
	const struct classify_model *m = sc->m;
	size_t i;

	if (m->dense != NULL) {
		const float *row = m->dense + (size_t)f * m->rowlen;

#ifdef BS_SSE2
		for (i = 0; i < m->rowlen; i += 4) {
			__m128 x = _mm_loadu_ps(row + i);

			_mm_storeu_pd(sc->score + i,
			    _mm_add_pd(
				_mm_loadu_pd(sc->score + i), _mm_cvtps_pd(x)));
			_mm_storeu_pd(sc->score + i + 2,
			    _mm_add_pd(_mm_loadu_pd(sc->score + i + 2),
				_mm_cvtps_pd(_mm_movehl_ps(x, x))));
		}
#else
		for (i = 0; i < m->ncls; i++)
			sc->score[i] += row[i];
#endif
	} else {
		const struct mweight *w = &m->weights[m->feats[f].first];

		for (i = 0; i < m->feats[f].count; i++)
			sc->score[w[i].cls] += w[i].w;
	}
}

/* Adds the weights of features hit[from..nhit) in that order (as
 * add_row() one after another: the same sums). With SSE2 and rows of 24
 * columns (up to 24 classes: the built-in models) the 24 sums stay in
 * registers from one row to the next (ngfast). */
static void
add_rows(struct scorer *sc, size_t from)
{
	size_t i;

#ifdef BS_SSE2
	const struct classify_model *m = sc->m;

	if (m->dense != NULL && m->rowlen == 24) {
		__m128d a[12];
		size_t k;

		for (k = 0; k < 12; k++)
			a[k] = _mm_loadu_pd(sc->score + 2 * k);
		for (i = from; i < sc->nhit; i++) {
			const float *row = m->dense + (size_t)sc->hit[i] * 24;

			for (k = 0; k < 6; k++) {
				__m128 x = _mm_loadu_ps(row + 4 * k);

				a[2 * k] =
				    _mm_add_pd(a[2 * k], _mm_cvtps_pd(x));
				a[2 * k + 1] = _mm_add_pd(a[2 * k + 1],
				    _mm_cvtps_pd(_mm_movehl_ps(x, x)));
			}
		}
		for (k = 0; k < 12; k++)
			_mm_storeu_pd(sc->score + 2 * k, a[k]);
		return;
	}
#endif
	for (i = from; i < sc->nhit; i++)
		add_row(sc, sc->hit[i]);
}

/* Marks feature f counted, in hit (a feature counts once); false when
 * it was already (or f < 0: none). */
static inline bool
mark_feat(struct scorer *sc, long f)
{
	uint64_t bit;
	size_t i;

	if (f < 0)
		return false;
	bit = UINT64_C(1) << (f & 63);
	if (sc->seen[(f >> 6) & (SEEN_BITS / 64 - 1)] & bit) {
		if (sc->m->nfeats <= SEEN_BITS)
			return false;
		for (i = 0; i < sc->nhit; i++) /* maybe: look */
			if (sc->hit[i] == (uint32_t)f)
				return false;
	}
	if (sc->nhit == sizeof(sc->hit) / sizeof(sc->hit[0]))
		return false;
	sc->hit[sc->nhit++] = (uint32_t)f;
	sc->seen[(f >> 6) & (SEEN_BITS / 64 - 1)] |= bit;
	return true;
}

/* Counts feature f (a feature counts once). */
static inline void
count_feat(struct scorer *sc, long f)
{
	if (mark_feat(sc, f))
		add_row(sc, (uint32_t)f);
}

/* Length of the UTF-8 sequence at p (1 for a stray byte) and its code
 * point (0xFFFD for a bad one). */
static size_t
utf8_char(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (p[0] < 0xc0 || p[0] > 0xf7) {
		*cp = 0xfffd;
		return 1;
	}
	len = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (len > n) {
		*cp = 0xfffd;
		return 1;
	}
	c = p[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		c = c << 6 | (p[i] & 0x3f);
	}
	*cp = c;
	return len;
}

static bool
addr_delim(unsigned char ch)
{
	return ch <= ' ' || strchr("<>()[]\"',;", ch) != NULL;
}

/* Blanks e-mail addresses (a run of non-delimiters around '@') in
 * u[0..n): an address names a mailbox, not a meaning. */
static void
blank_addresses(unsigned char *u, size_t n)
{
	size_t i, l, r;

	for (i = 0; i < n; i++) {
		if (u[i] != '@')
			continue;
		for (l = i; l > 0 && !addr_delim(u[l - 1]); l--)
			;
		for (r = i + 1; r < n && !addr_delim(u[r]); r++)
			;
		memset(u + l, ' ', r - l);
		i = r;
	}
}

/* A byte as an ASCII word byte ('0' for a digit, lower case for a
 * letter), 1: a byte of a UTF-8 sequence (see classify_model_score()),
 * 0: an ASCII separator. */
/* clang-format off */
static const unsigned char byte_kind[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	'0', '0', '0', '0', '0', '0', '0', '0', '0', '0', 0, 0, 0, 0, 0, 0,
	0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0, 0, 0, 0, 0,
	0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0, 0, 0, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};
/* clang-format on */

/*
 * The token stream (see classify_model.h): each token is counted as it
 * ends, after the pair it ends, so features come in the order token 0,
 * pair 0+1, token 1, pair 1+2, ...
 */
/* A word, pair or n-gram feature of the reply, to be looked up. */
enum {
	PEND_WORD,
	PEND_PAIR,
	PEND_GRAM,
	/* n-grams already looked up (ngfast), alen of them: features
	 * vgram[key...] (a known word's), or symbols sym[key...] (an
	 * unknown word's in the memo's key) */
	PEND_VRUN,
	PEND_SRUN
};
struct pend {
	uint64_t key;
	uint16_t aoff, alen; /* the word, the pair's first word or the
				n-gram (in tokens.gbuf) */
	uint16_t boff, blen; /* the pair's second word */
	uint32_t slot;       /* slot_of(key) */
	uint8_t kind;        /* PEND_* */
};

/*
 * The token stream (see classify_model.h), in the order the features
 * count (the trainer's): token 0, pair 0+1, n-grams of token 0, token 1,
 * pair 1+2, n-grams of token 1, ... They are looked up only once all are
 * known (lookup_all()), so that the table's memory is fetched for all of
 * them at once rather than one miss after another.
 */
struct tokens {
	struct scorer *sc;
	const unsigned char *norm;
	size_t ntok;
	size_t poff, plen; /* the previous token, if ntok > 0 */
	uint64_t phash;
	struct pend pend[MODEL_PEND_MAX];
	size_t npend;
	/* "<word>" of each word with n-grams, one after another (+ 8:
	 * padding, see word_key_padded()) */
	unsigned char gbuf[MODEL_SUBJECT_MAX + 2 * MODEL_TOKENS_MAX + 8];
	size_t gpos;
	/* For the memo: the tokens only, and the key's symbols (struct
	 * model_memo); their features are made from toks only when
	 * scoring is needed (replay()), in the same order. */
	bool vocab;
	bool sym_over; /* more than MEMO_SYM symbols: no memo */
	size_t nsym;
	uint16_t sym[MEMO_SYM];
	struct tok {
		uint64_t h;
		uint16_t off, len;
	} toks[MODEL_TOKENS_MAX];
	/* with n-grams, of toks[k]: its vocabulary id (0: none), and (id
	 * 0) its n-grams that are features, sym[gsym[k] .. gsym[k] +
	 * ngsym[k]) (ngsym GSYM_UNKNOWN: look them up) */
	uint16_t id[MODEL_TOKENS_MAX];
	uint16_t gsym[MODEL_TOKENS_MAX], ngsym[MODEL_TOKENS_MAX];
	size_t pk; /* in replay(): the previous token's index + 1, else 0 */
	struct model_memo *mm; /* the memo's words (oov_grams()), or NULL */
	/* The places a cut may be (struct memo_cut): the last CUT_CANDS
	 * tokens outside the vocabulary with n-gram symbols (never token
	 * 0), in order; cut c is at token cut[c].tok, whose placeholder is
	 * symbol cut[c].sym. Cuts save_from... are kept in cut_mm when
	 * their pend (snap) is reached. */
	size_t ncut, save_from;
	struct cut_at {
		uint16_t tok, sym;
		uint32_t snap;
		uint64_t key;
	} cut[CUT_CANDS];
	struct model_memo *cut_mm;
	struct memo_cut *from; /* the cut the scorer resumed from, or NULL */
};
#define GSYM_UNKNOWN UINT16_MAX

/*
 * Writes "<" w ">" (w[0..len): a token's normalised bytes) to buf, with
 * 8 bytes of zeros after it, and the offset of each of its characters in
 * b (b[u]: the end); returns u, the characters, or 0 when the word has
 * no n-grams (fewer than GRAM_WORD_MIN characters, or a digit first:
 * a number with a unit; with nodigits, a digit anywhere: an id). Words
 * are whole UTF-8 characters (see classify_model_score_memo()).
 */
static size_t
gram_word(const unsigned char *w, size_t len, bool nodigits, unsigned char *buf,
    uint16_t *b)
{
	size_t i, u = 0, clen;
	uint32_t cp;

	if (len < GRAM_WORD_MIN || w[0] < 'a' ||
	    (nodigits && memchr(w, '0', len) != NULL))
		return 0;
	buf[0] = '<';
	memcpy(buf + 1, w, len);
	buf[len + 1] = '>';
	memset(buf + len + 2, 0, 8);
	b[u++] = 0;
	for (i = 0; i < len; i += clen) {
		b[u++] = (uint16_t)(i + 1);
		clen = w[i] < 0x80 ? 1 : utf8_char(w + i, len - i, &cp);
	}
	b[u++] = (uint16_t)(len + 1);
	b[u] = (uint16_t)(len + 2);
	return u >= GRAM_WORD_MIN + 2 ? u : 0;
}

/* The n-grams of the token norm[off..off+len), as features to look up:
 * all of length gram_min, then gram_min + 1, ... (the trainer's order). */
static void
add_grams(struct tokens *t, size_t off, size_t len)
{
	const struct classify_model *m = t->sc->m;
	uint16_t b[MODEL_SUBJECT_MAX + 3];
	size_t u, n, k, at = t->gpos;
	struct pend *p;

	if (m->gram_min == 0 ||
	    (u = gram_word(
		 t->norm + off, len, m->gram_nodigits, t->gbuf + at, b)) == 0)
		return;
	t->gpos += len + 2;
	for (n = m->gram_min; n <= m->gram_max; n++)
		for (k = 0; k + n <= u; k++) {
			p = &t->pend[t->npend++];
			p->kind = PEND_GRAM;
			p->aoff = (uint16_t)(at + b[k]);
			p->alen = (uint16_t)(b[k + n] - b[k]);
			p->key = gram_key(t->gbuf + p->aoff, p->alen);
		}
}

/*
 * The n-grams of each vocabulary word that are features (struct
 * classify_model's vgram), looked up as add_grams() looks them up. A
 * piece of a name with ':' is no token's; -1: out of memory.
 */
static int
make_vgrams(struct classify_model *m)
{
	unsigned char buf[MODEL_FEAT_MAX + 10];
	uint16_t b[MODEL_FEAT_MAX + 3];
	size_t id, u, n, k, gl, nv = 0, cap = 0;
	const unsigned char *w;
	uint32_t *v;
	long f;

	if (m->gram_min == 0 || m->vslots == NULL)
		return 0;
	if ((m->vgfirst = malloc((m->nvocab + 2) * sizeof(uint32_t))) == NULL)
		return -1;
	m->vgfirst[0] = 0;
	for (id = 1; id <= m->nvocab; id++) {
		m->vgfirst[id] = (uint32_t)nv;
		w = (const unsigned char *)m->vpool + m->voff[id];
		if (memchr(w, ':', m->vlen[id]) != NULL ||
		    (u = gram_word(w, m->vlen[id], m->gram_nodigits, buf, b)) ==
			0)
			continue;
		for (n = m->gram_min; n <= m->gram_max; n++)
			for (k = 0; k + n <= u; k++) {
				gl = (size_t)(b[k + n] - b[k]);
				f = find_gram(m, buf + b[k], gl,
				    gram_key(buf + b[k], gl));
				if (f < 0)
					continue;
				if (nv == cap) {
					cap = cap ? 2 * cap : 4096;
					if ((v = realloc(m->vgram,
						 cap * sizeof(*v))) == NULL)
						return -1;
					m->vgram = v;
				}
				m->vgram[nv++] = (uint32_t)f;
			}
	}
	m->vgfirst[m->nvocab + 1] = (uint32_t)nv;
	if (nv > 0 && (v = realloc(m->vgram, nv * sizeof(*v))) != NULL)
		m->vgram = v;
	return 0;
}

/* The previous token's n-grams: those that are features when the memo's
 * key has them (ngfast: not looked up twice), else all to look up. */
static void
prev_grams(struct tokens *t)
{
	const struct classify_model *m = t->sc->m;
	size_t k = t->pk - 1, i, id;
	struct pend *p;

	if (t->pk != 0 && (id = t->id[k]) != 0 && m->vgfirst != NULL) {
		if ((i = m->vgfirst[id + 1] - m->vgfirst[id]) > 0) {
			p = &t->pend[t->npend++];
			p->kind = PEND_VRUN;
			p->key = m->vgfirst[id];
			p->alen = (uint16_t)i;
		}
		return;
	}
	if (t->pk == 0 || t->ngsym[k] == GSYM_UNKNOWN) {
		add_grams(t, t->poff, t->plen);
		return;
	}
	if (t->ngsym[k] > 0) {
		p = &t->pend[t->npend++];
		p->kind = PEND_SRUN;
		p->key = t->gsym[k];
		p->alen = t->ngsym[k];
	}
}

/*
 * The features the token norm[off..off+len) of key h adds (see above):
 * the pair it ends, the previous token's n-grams, itself. tk: the token
 * with its vocabulary id (replay()), or NULL; a token outside the
 * vocabulary is neither a feature nor half of a pair feature (struct
 * model_memo), so those are not looked up.
 */
static inline void
add_pends(struct tokens *t, size_t off, size_t len, uint64_t h, size_t k1)
{
	struct pend *p;
	bool known = k1 == 0 || t->id[k1 - 1] != 0,
	     pknown = t->pk == 0 || t->id[t->pk - 1] != 0;

	if (t->ntok > 0 && known && pknown &&
	    t->plen + len + 1 <= MODEL_FEAT_MAX) {
		p = &t->pend[t->npend++];
		p->key = pair_key(t->phash, h);
		p->aoff = (uint16_t)t->poff;
		p->alen = (uint16_t)t->plen;
		p->boff = (uint16_t)off;
		p->blen = (uint16_t)len;
		p->kind = PEND_PAIR;
	}
	if (t->ntok > 0 && t->sc->m->gram_min != 0)
		prev_grams(t);
	if (known && len <= MODEL_FEAT_MAX) {
		p = &t->pend[t->npend++];
		p->key = h;
		p->aoff = (uint16_t)off;
		p->alen = (uint16_t)len;
		p->blen = 0;
		p->kind = PEND_WORD;
	}
	t->ntok++;
	t->poff = off;
	t->plen = len;
	t->phash = h;
	t->pk = k1;
}

/* After the last token: its n-grams. */
static void
finish_pends(struct tokens *t)
{
	if (t->ntok > 0 && t->sc->m->gram_min != 0)
		prev_grams(t);
}

/*
 * memo_grams() of an ASCII word (ngfast): its n-grams are its n-byte
 * runs, so each is hashed from one load (gram_key() of up to 8 bytes is
 * one round) without gram_word()'s character offsets. False (nothing
 * done) for any other word.
 */
static bool
ascii_grams(struct tokens *t, size_t off, size_t len)
{
	const struct classify_model *m = t->sc->m;
	const uint64_t mul = UINT64_C(0x9e3779b97f4a7c15);
	const unsigned char *w = t->norm + off;
	unsigned char buf[WORD_ASCII_MAX + 10];
	uint64_t v, h, mask;
	size_t n, k, u = len + 2, i;
	unsigned char any = 0;
	long f;

	if (len > WORD_ASCII_MAX || m->gram_max > 8)
		return false;
	for (i = 0; i < len; i++)
		any |= w[i];
	if (any >= 0x80)
		return false;
	if (len < GRAM_WORD_MIN || w[0] < 'a' ||
	    (m->gram_nodigits && memchr(w, '0', len) != NULL))
		return true; /* no n-grams (gram_word()) */
	buf[0] = '<';
	memcpy(buf + 1, w, len);
	buf[len + 1] = '>';
	memset(buf + len + 2, 0, 8);
	for (n = m->gram_min; n <= m->gram_max; n++) {
		mask = ~UINT64_C(0) >> (64 - 8 * n);
		for (k = 0; k + n <= u; k++) {
			memcpy(&v, buf + k, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
			v = __builtin_bswap64(v);
#endif
			/* gram_key(buf + k, n): word_key_padded(), one round */
			h = ((mul ^ n) ^ (v & mask)) * mul;
			h ^= h >> 32;
			h ^= UINT64_C(0x6a09e667f3bcc909);
			if ((f = find_gram(m, buf + k, n, h)) < 0)
				continue;
			if (t->nsym == MEMO_SYM) {
				t->sym_over = true;
				return true;
			}
			t->sym[t->nsym++] =
			    (uint16_t)(m->nvocab + 1 + (size_t)f);
		}
	}
	return true;
}

/* The memo key's symbols after a token outside the vocabulary: each of
 * its n-grams that is a feature (see struct model_memo). */
static void
memo_grams(struct tokens *t, size_t off, size_t len)
{
	const struct classify_model *m = t->sc->m;
	unsigned char buf[MODEL_SUBJECT_MAX + 10];
	uint16_t b[MODEL_SUBJECT_MAX + 3];
	size_t u, n, k, gl;
	long f;

	if (ascii_grams(t, off, len))
		return;
	if ((u = gram_word(t->norm + off, len, m->gram_nodigits, buf, b)) == 0)
		return;
	for (n = m->gram_min; n <= m->gram_max; n++)
		for (k = 0; k + n <= u; k++) {
			gl = (size_t)(b[k + n] - b[k]);
			f = find_gram(
			    m, buf + b[k], gl, gram_key(buf + b[k], gl));
			if (f < 0)
				continue;
			if (t->nsym == MEMO_SYM) {
				t->sym_over = true;
				return;
			}
			t->sym[t->nsym++] =
			    (uint16_t)(m->nvocab + 1 + (size_t)f);
		}
}

/*
 * The key's symbols after the token norm[off..off+len) of key h outside
 * the vocabulary (memo_grams()), from the memo's words when it is one
 * of them: the same word (bytes compared) has the same n-grams.
 */
static void
oov_grams(struct tokens *t, size_t off, size_t len, uint64_t h)
{
	struct model_memo *mm = t->mm;
	struct memo_word *set, *e;
	size_t i, at = t->nsym;
	bool age;

	if (mm == NULL || len > WORD_MAX) {
		memo_grams(t, off, len);
		return;
	}
	set = &mm->word[2 * (h % WORD_SETS)];
	for (i = 0; i < 2; i++)
		if (set[i].used && set[i].h == h && set[i].len == len &&
		    same_padded(set[i].w, t->norm + off, len)) {
			e = &set[i];
			e->hot = true;
			if (t->nsym + e->nsym > MEMO_SYM) {
				t->sym_over = true;
				return;
			}
			memcpy(t->sym + t->nsym, e->sym,
			    e->nsym * sizeof(e->sym[0]));
			t->nsym += e->nsym;
			return;
		}
	memo_grams(t, off, len);
	if (t->sym_over || t->nsym - at > WORD_GRAMS)
		return;
	e = &set[cache_set_victim(
	    set[0].used, set[0].hot, set[1].used, set[1].hot, &age)];
	if (age)
		set[1].hot = false;
	e->h = h;
	e->len = (uint8_t)len;
	e->used = true;
	e->hot = false;
	memset(e->w, 0, sizeof(e->w));
	memcpy(e->w, t->norm + off, len);
	e->nsym = (uint8_t)(t->nsym - at);
	memcpy(e->sym, t->sym + at, e->nsym * sizeof(e->sym[0]));
}

/* Token tok (its placeholder: symbol sym) is a place for a cut. */
static void
add_cut(struct tokens *t, size_t tok, size_t sym)
{
	if (t->ncut == CUT_CANDS) { /* the last ones */
		memmove(
		    t->cut, t->cut + 1, (CUT_CANDS - 1) * sizeof(t->cut[0]));
		t->ncut--;
	}
	t->cut[t->ncut].tok = (uint16_t)tok;
	t->cut[t->ncut].sym = (uint16_t)sym;
	t->ncut++;
}

/* token() with n-grams: the id of token k (id), and for one outside the
 * vocabulary its n-grams' symbols and maybe a cut (out of line: the
 * built-in model without n-grams reads replies as before). */
static __attribute__((noinline)) void
gram_token(
    struct tokens *t, size_t k, uint16_t id, size_t off, size_t len, uint64_t h)
{
	size_t at;

	t->id[k] = id;
	if (id != 0)
		return;
	t->ngsym[k] = GSYM_UNKNOWN;
	if (t->sym_over)
		return;
	at = t->nsym;
	oov_grams(t, off, len, h);
	if (t->sym_over)
		return;
	t->gsym[k] = (uint16_t)at;
	t->ngsym[k] = (uint16_t)(t->nsym - at);
	if (t->ngsym[k] > 0 && k > 0)
		add_cut(t, k, at - 1);
}

static inline void
token(struct tokens *t, size_t off, size_t len, uint64_t h)
{
	uint16_t id;

	if (t->ntok == MODEL_TOKENS_MAX)
		return;
	if (t->vocab) {
		size_t k = t->ntok++;

		t->toks[k].h = h;
		t->toks[k].off = (uint16_t)off;
		t->toks[k].len = (uint16_t)len;
		id = vocab_find(t->sc->m, t->norm + off, len, h);
		if (t->nsym == MEMO_SYM)
			t->sym_over = true;
		else
			t->sym[t->nsym++] = id;
		if (t->sc->m->gram_min != 0)
			gram_token(t, k, id, off, len, h);
		return;
	}
	add_pends(t, off, len, h, 0);
}

/* The features of the tokens kept for the memo (as token() would have
 * made them), from token from on (after a cut's state: from the cut's
 * token); the snap of each cut to keep is the pend its token starts. */
static void
replay(struct tokens *t, size_t from)
{
	size_t k, n = t->ntok, c = t->save_from;

	t->ntok = from;
	if (from > 0) {
		t->pk = from;
		t->poff = t->toks[from - 1].off;
		t->plen = t->toks[from - 1].len;
		t->phash = t->toks[from - 1].h;
	}
	for (k = from; k < n; k++) {
		if (c < t->ncut && k == t->cut[c].tok)
			t->cut[c++].snap = (uint32_t)t->npend;
		/* ids only with n-grams (gram_token()) */
		add_pends(t, t->toks[k].off, t->toks[k].len, t->toks[k].h,
		    t->sc->m->gram_min != 0 ? k + 1 : 0);
	}
}

/* The keys of the cuts' symbols (cut c: sym[0..cut[c].sym)). */
static void
cut_keys(struct tokens *tk)
{
	const uint64_t mul = UINT64_C(0x9e3779b97f4a7c15);
	uint64_t h = mul, k;
	size_t i = 0, c;

	for (c = 0; c < tk->ncut; c++) {
		for (; i < tk->cut[c].sym; i++) {
			h = (h ^ tk->sym[i]) * mul;
			h ^= h >> 29;
		}
		k = h ^ h >> 31;
		k *= UINT64_C(0xbf58476d1ce4e5b9);
		tk->cut[c].key = k ^ k >> 30;
	}
}

/* The memo's cut of the reply's symbols before its cut c, or NULL. */
static struct memo_cut *
cut_get(struct model_memo *mm, const struct tokens *tk, size_t c)
{
	const struct cut_at *at = &tk->cut[c];
	struct memo_cut *e = &mm->cut[2 * (at->key % CUT_SETS)];
	size_t i;

	for (i = 0; i < 2; i++, e++)
		if (e->used && e->key == at->key && e->nsym == at->sym &&
		    e->ntok == at->tok &&
		    memcmp(e->sym, tk->sym, at->sym * sizeof(e->sym[0])) == 0)
			return e;
	return NULL;
}

/* Keeps the scorer's state as the reply's cut c (at its snap, before
 * the cut token's features). */
static void
cut_put(struct tokens *t, size_t cn)
{
	const struct scorer *sc = t->sc;
	const struct cut_at *at = &t->cut[cn];
	struct memo_cut *set = &t->cut_mm->cut[2 * (at->key % CUT_SETS)], *c;
	bool age;

	if (sc->nhit > CUT_HITS)
		return;
	c = &set[cache_set_victim(
	    set[0].used, set[0].hot, set[1].used, set[1].hot, &age)];
	if (c == t->from) /* decide() keeps its choice there */
		return;
	if (age)
		set[1].hot = false;
	c->key = at->key;
	c->dbest = c->dsecond = -1;
	c->nsym = at->sym;
	c->ntok = at->tok;
	c->used = true;
	c->hot = false;
	memcpy(c->sym, t->sym, at->sym * sizeof(c->sym[0]));
	memcpy(c->score, sc->score, sizeof(c->score));
	c->nhit = (uint32_t)sc->nhit;
	memcpy(c->hit, sc->hit, sc->nhit * sizeof(c->hit[0]));
	memcpy(t->cut_mm->cutseen +
		(size_t)(c - t->cut_mm->cut) * t->cut_mm->seenw,
	    sc->seen, t->cut_mm->seenw * sizeof(sc->seen[0]));
}

/* The scorer as it was at cut c of memo mm (as count_feat() left it);
 * the scorer need not be reset. */
static void
cut_restore(
    struct scorer *sc, const struct model_memo *mm, const struct memo_cut *c)
{
	size_t i;
	uint32_t f;

	memcpy(sc->score, c->score, sizeof(sc->score));
	sc->nhit = c->nhit;
	memcpy(sc->hit, c->hit, c->nhit * sizeof(sc->hit[0]));
	if (mm->seenw > 0) { /* every word scorer_reset() clears */
		memcpy(sc->seen,
		    mm->cutseen + (size_t)(c - mm->cut) * mm->seenw,
		    mm->seenw * sizeof(sc->seen[0]));
		return;
	}
	memset(sc->seen, 0, sizeof(sc->seen));
	for (i = 0; i < c->nhit; i++) {
		f = c->hit[i];
		sc->seen[(f >> 6) & (SEEN_BITS / 64 - 1)] |= UINT64_C(1)
		    << (f & 63);
	}
}

/* Looks up and counts the pending features in order; the memory they
 * need is prefetched first, slots, then features and their rows. */
static void
lookup_all(struct tokens *t)
{
	const struct classify_model *m = t->sc->m;
	const struct mslot *sl;
	struct pend *p;
	size_t i, j, c = t->save_from, from;
	const size_t sym0 = m->nvocab + 1; /* the first n-gram symbol */
	long f;

	if (m->slots == NULL)
		return;
	for (i = 0; i < t->npend; i++) {
		p = &t->pend[i];
		if (p->kind >= PEND_VRUN)
			continue;
		p->slot = (uint32_t)slot_of(m, p->key);
		__builtin_prefetch(&m->slots[p->slot]);
	}
	for (i = 0; i < t->npend; i++) {
		p = &t->pend[i];
		if (p->kind >= PEND_VRUN)
			continue;
		sl = &m->slots[p->slot];
		if (sl->idx != 0 && sl->tag == (uint32_t)p->key) {
			__builtin_prefetch(&m->feats[sl->idx - 1]);
			if (m->dense != NULL)
				__builtin_prefetch(m->dense +
				    (size_t)(sl->idx - 1) * m->rowlen);
		}
	}
	from = t->sc->nhit; /* rows added in runs: add_rows() */
	for (i = 0; i < t->npend; i++) {
		if (c < t->ncut && t->cut[c].snap == i) {
			add_rows(t->sc, from);
			from = t->sc->nhit;
			while (c < t->ncut && t->cut[c].snap == i)
				cut_put(t, c++);
		}
		p = &t->pend[i];
		if (p->kind == PEND_VRUN) {
			for (j = 0; j < p->alen; j++)
				mark_feat(t->sc, m->vgram[p->key + j]);
			continue;
		}
		if (p->kind == PEND_SRUN) {
			for (j = 0; j < p->alen; j++)
				mark_feat(t->sc, t->sym[p->key + j] - sym0);
			continue;
		}
		if (p->kind == PEND_WORD) /* norm is padded */
			f = find_name(m, t->norm + p->aoff, p->alen, NULL, 0,
			    p->key, true);
		else if (p->kind == PEND_PAIR)
			f = find_name(m, t->norm + p->aoff, p->alen,
			    t->norm + p->boff, p->blen, p->key, true);
		else
			f = find_gram(m, t->gbuf + p->aoff, p->alen, p->key);
		mark_feat(t->sc, f);
	}
	add_rows(t->sc, from);
	while (c < t->ncut && t->cut[c].snap == t->npend)
		cut_put(t, c++);
}

/* True when the word p[0..n) of key h is all '0' (digits only); h is
 * word_key() of it when n <= MODEL_FEAT_MAX. */
static inline bool
all_digits(const struct classify_model *m, const unsigned char *p, size_t n,
    uint64_t h)
{
	size_t i;

	if (n <= MODEL_FEAT_MAX && h != m->zero_key[n])
		return false;
	for (i = 0; i < n; i++)
		if (p[i] != '0')
			return false;
	return true;
}

/* True when the word p[0..n) of key h (as in all_digits()) is an
 * identifier the classifier masked (template_mask_ids(): at least
 * TEMPLATE_ID_MIN 'x'): no evidence, not even by its length. */
static inline bool
masked_id(const struct classify_model *m, const unsigned char *p, size_t n,
    uint64_t h)
{
	size_t i;

	if (n < TEMPLATE_ID_MIN || (n <= MODEL_FEAT_MAX && h != m->x_key[n]))
		return false;
	for (i = 0; i < n; i++)
		if (p[i] != 'x')
			return false;
	return true;
}

/* The word norm[start..end) ended: a token unless shorter than 2 bytes,
 * digits only or a masked identifier. */
static inline void
end_word(const struct classify_model *m, struct tokens *t,
    const unsigned char *norm, size_t start, size_t end)
{
	size_t wl = end - start;
	/* a word longer than a feature needs no key */
	uint64_t h =
	    wl <= MODEL_FEAT_MAX ? word_key_padded(norm + start, wl) : 0;

	if (wl >= 2 && !all_digits(m, norm + start, wl, h) &&
	    !masked_id(m, norm + start, wl, h))
		token(t, start, wl, h);
}

static char *put_int(char *p, int v);

/* The features e:EC.ES (*f2) and e:EC.ES.ED (*f3) (-1: none), through
 * memo mm's recent ones when mm is not NULL. */
static void
enh_feats(const struct classify_model *m, struct model_memo *mm, int ec, int es,
    int ed, long *f2, long *f3)
{
	char feat[48], *fe;
	struct memo_enh *e = NULL;

	if (mm != NULL) {
		e = &mm->enh[((unsigned)ec * 31u + (unsigned)es * 7u +
				 (unsigned)ed) %
		    16];
		if (e->used && e->ec == ec && e->es == es && e->ed == ed) {
			*f2 = e->f2;
			*f3 = e->f3;
			return;
		}
	}
	memcpy(feat, "e:", 2);
	fe = put_int(feat + 2, ec);
	*fe++ = '.';
	fe = put_int(fe, es);
	*f2 = find_feat(
	    m, feat, (size_t)(fe - feat), feat_key(feat, (size_t)(fe - feat)));
	*fe++ = '.';
	fe = put_int(fe, ed);
	*f3 = find_feat(
	    m, feat, (size_t)(fe - feat), feat_key(feat, (size_t)(fe - feat)));
	if (e != NULL) {
		e->used = true;
		e->ec = ec;
		e->es = es;
		e->ed = ed;
		e->f2 = (int32_t)*f2;
		e->f3 = (int32_t)*f3;
	}
}

/* The feature w:WRAPPER (-1: none), through memo mm's recent ones when
 * mm is not NULL. */
static long
wrap_feat(const struct classify_model *m, struct model_memo *mm,
    const char *wrapper, size_t wl)
{
	char feat[2 * MODEL_FEAT_MAX + 2];
	struct memo_wrap *w = NULL;
	long f;
	size_t i;

	if (mm != NULL && wl > 0 && wl < sizeof(w->w)) {
		for (i = 0; i < 4; i++)
			if (strcmp(mm->wrap[i].w, wrapper) == 0)
				return mm->wrap[i].f;
		w = &mm->wrap[(unsigned char)wrapper[0] % 4];
	}
	if (wl + 2 > MODEL_FEAT_MAX)
		f = -1; /* as feature(): too long for a feature */
	else {
		memcpy(feat, "w:", 2);
		memcpy(feat + 2, wrapper, wl);
		f = find_feat(m, feat, wl + 2, feat_key(feat, wl + 2));
	}
	if (w != NULL) {
		memcpy(w->w, wrapper, wl + 1);
		w->f = (int32_t)f;
	}
	return f;
}

/* Writes v in decimal at p (as "%d" would); the end. */
static char *
put_int(char *p, int v)
{
	char d[12];
	unsigned u;
	size_t k = 0;

	if (v < 0) {
		*p++ = '-';
		u = 0u - (unsigned)v;
	} else
		u = (unsigned)v;
	do {
		d[k++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	while (k > 0)
		*p++ = d[--k];
	return p;
}

static bool decide(const struct classify_model *m, struct tokens *tk, int code,
    int enh_cls, int enh_subj, int enh_det, const char *wrapper,
    struct model_hit *hit);

/* The memo's entry for this key (NULL: none), the key in *keyp. */
static struct memo_ent *
memo_get(struct model_memo *mm, const struct tokens *tk, int code, int enh_cls,
    int enh_subj, int enh_det, const char *wrap, uint64_t *keyp)
{
	const uint64_t mul = UINT64_C(0x9e3779b97f4a7c15);
	uint64_t h = (uint64_t)(uint32_t)code << 32 ^
	    (uint64_t)(uint32_t)enh_cls << 20 ^ (uint64_t)tk->nsym;
	struct memo_ent *e;
	size_t i;

	h = (h ^ (uint64_t)(uint32_t)enh_subj) * mul;
	h = (h ^ (uint64_t)(uint32_t)enh_det) * mul;
	for (i = 0; wrap[i] != '\0'; i++)
		h = (h ^ (unsigned char)wrap[i]) * mul;
	/* four symbols a round */
	for (i = 0; i + 4 <= tk->nsym; i += 4) {
		h = (h ^
			((uint64_t)tk->sym[i] | (uint64_t)tk->sym[i + 1] << 16 |
			    (uint64_t)tk->sym[i + 2] << 32 |
			    (uint64_t)tk->sym[i + 3] << 48)) *
		    mul;
		h ^= h >> 29;
	}
	for (; i < tk->nsym; i++) {
		h = (h ^ tk->sym[i]) * mul;
		h ^= h >> 29;
	}
	h ^= h >> 31; /* every bit into the low ones (the set) */
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	h ^= h >> 30;
	*keyp = h;
	e = &mm->ent[2 * (h % MEMO_SETS)];
	for (i = 0; i < 2; i++, e++)
		if (e->used && e->key == h && e->nsym == tk->nsym &&
		    e->code == code && e->ec == enh_cls && e->es == enh_subj &&
		    e->ed == enh_det && strcmp(e->wrap, wrap) == 0 &&
		    memcmp(e->sym, tk->sym, tk->nsym * sizeof(e->sym[0])) == 0)
			return e;
	return NULL;
}

/* Keeps an answer in the memo (see cache_put() in classify.c). */
static void
memo_put(struct model_memo *mm, const struct tokens *tk, int code, int enh_cls,
    int enh_subj, int enh_det, const char *wrap, uint64_t key, bool ret,
    const struct model_hit *hit)
{
	struct memo_ent *set = &mm->ent[2 * (key % MEMO_SETS)], *e;
	bool age;

	e = &set[cache_set_victim(
	    set[0].used, set[0].hot, set[1].used, set[1].hot, &age)];
	if (age)
		set[1].hot = false;
	memset(e, 0, sizeof(*e));
	e->key = key;
	e->code = code;
	e->ec = enh_cls;
	e->es = enh_subj;
	e->ed = enh_det;
	memcpy(e->wrap, wrap, strlen(wrap) + 1);
	e->nsym = (uint16_t)tk->nsym;
	memcpy(e->sym, tk->sym, tk->nsym * sizeof(e->sym[0]));
	e->used = true;
	e->ret = ret;
	e->hit = *hit;
}

/* See classify_model.h. */
struct model_memo *
classify_model_memo_new(const struct classify_model *m)
{
	struct model_memo *mm;

	/* n-gram symbols follow the ids (see struct model_memo) */
	if (m == NULL || m->vslots == NULL ||
	    (m->gram_min != 0 && m->nvocab + 1 + m->nfeats > UINT16_MAX) ||
	    (mm = calloc(1, sizeof(*mm))) == NULL)
		return NULL;
	mm->m = m;
	mm->seenw = m->nfeats <= SEEN_BITS ? (m->nfeats + 63) / 64 : 0;
	if (m->gram_min != 0 &&
	    ((mm->cut = calloc(2 * CUT_SETS, sizeof(*mm->cut))) == NULL ||
		(mm->cutseen = calloc(2 * CUT_SETS * mm->seenw + 1,
		     sizeof(*mm->cutseen))) == NULL ||
		(mm->word = calloc(2 * WORD_SETS, sizeof(*mm->word))) ==
		    NULL)) {
		classify_model_memo_free(mm);
		return NULL;
	}
	return mm;
}

/* See classify_model.h. */
void
classify_model_memo_free(struct model_memo *mm)
{
	if (mm != NULL) {
		free(mm->cut);
		free(mm->cutseen);
		free(mm->word);
	}
	free(mm);
}

/* See classify_model.h. */
uint64_t
classify_model_memo_resumed(const struct model_memo *mm)
{
	return mm != NULL ? mm->resumed : 0;
}

/* See classify_model.h. */
void
classify_model_memo_stats(
    const struct model_memo *mm, uint64_t *lookups, uint64_t *hits)
{
	*lookups = mm != NULL ? mm->lookups : 0;
	*hits = mm != NULL ? mm->hits : 0;
}

/* See classify_model.h. */
bool
classify_model_score(const struct classify_model *m, int code, int enh_cls,
    int enh_subj, int enh_det, const char *wrapper, const char *s, size_t n,
    struct model_hit *hit)
{
	return classify_model_score_memo(
	    m, NULL, code, enh_cls, enh_subj, enh_det, wrapper, s, n, hit);
}

/* An empty scorer: no score, no feature counted. */
static void
scorer_reset(struct scorer *sc)
{
	const struct classify_model *m = sc->m;

	memset(sc->score, 0, sizeof(sc->score));
	sc->nhit = 0;
	/* the words a model's features can set */
	memset(sc->seen, 0,
	    m->nfeats < SEEN_BITS ? (m->nfeats + 63) / 64 * sizeof(uint64_t)
				  : sizeof(sc->seen));
}

/*
 * Before replay(): when the reply has a cut token and the memo a cut of
 * its symbols, the scorer gets the cut's state and the token is
 * returned (replay from it); else 0 (the scorer reset), and the states
 * will be kept at the cuts.
 */
static size_t
resume(struct model_memo *mm, struct tokens *tk)
{
	struct memo_cut *c;

	size_t k;

	if (mm == NULL || mm->cut == NULL || tk->ncut == 0) {
		scorer_reset(tk->sc);
		return 0;
	}
	cut_keys(tk);
	tk->cut_mm = mm;
	for (k = tk->ncut; k-- > 0;) /* the latest first */
		if ((c = cut_get(mm, tk, k)) != NULL) {
			mm->resumed++;
			c->hot = true;
			cut_restore(tk->sc, mm, c);
			tk->from = c;
			tk->save_from = k + 1; /* the later ones are new */
			return tk->cut[k].tok;
		}
	tk->save_from = 0;
	scorer_reset(tk->sc);
	return 0;
}

/* Tokens of a reply to score through memo mm (NULL: none; then no
 * vocabulary ids either). */
static void
tokens_init(struct tokens *tk, struct scorer *sc, unsigned char *norm,
    struct model_memo *mm)
{
	tk->sc = sc;
	tk->norm = norm;
	tk->ntok = tk->poff = tk->plen = tk->npend = tk->gpos = tk->nsym = 0;
	tk->phash = 0;
	tk->vocab = mm != NULL;
	tk->mm = mm;
	tk->sym_over = false;
	tk->pk = 0;
	tk->ncut = 0;
	tk->save_from = SIZE_MAX; /* none kept */
	tk->cut_mm = NULL;
	tk->from = NULL;
}

/*
 * Reads the reply s[0..n) (n at most MODEL_SUBJECT_MAX) into tokens
 * (see classify_model.h; tests/model/train_model.py does the same):
 * norm (MODEL_SUBJECT_MAX + 8 bytes) gets its normalised bytes, u
 * (MODEL_SUBJECT_MAX) the copy with addresses blanked when it has any.
 */
static inline void
read_reply(const struct classify_model *m, struct tokens *tk, const char *s,
    size_t n, unsigned char *norm, unsigned char *u)
{
	const unsigned char *in = (const unsigned char *)s;
	size_t i, start = 0, clen;
	bool in_word = false;
	uint32_t cp;

	if (memchr(s, '@', n) != NULL) {
		memcpy(u, s, n);
		blank_addresses(u, n);
		in = u;
	}
	memset(norm + n, 0, 8);
	/* Tokens: see classify_model.h (tests/model/train_model.py too). */
	for (i = 0; i < n; i += clen) {
		unsigned char w;
		int kind; /* 0: separator, 1: word byte(s), 2: own token */

#ifdef BS_SSE2
		/* 16 ASCII bytes at once: letters and digits found by
		 * comparison, the words' ends by the mask's bits. */
		if (i + 16 <= n) {
			__m128i x = _mm_loadu_si128(
			    (const __m128i *)(const void *)(in + i));

			if (_mm_movemask_epi8(x) == 0) {
				__m128i lc =
				    _mm_or_si128(x, _mm_set1_epi8(0x20));
				__m128i let = _mm_and_si128(
				    _mm_cmpgt_epi8(lc, _mm_set1_epi8('a' - 1)),
				    _mm_cmpgt_epi8(_mm_set1_epi8('z' + 1), lc));
				__m128i dig = _mm_and_si128(
				    _mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
				    _mm_cmpgt_epi8(_mm_set1_epi8('9' + 1), x));
				unsigned bits, pos = 0, rest;

				_mm_storeu_si128((__m128i *)(void *)(norm + i),
				    _mm_or_si128(_mm_and_si128(let, lc),
					_mm_and_si128(
					    dig, _mm_set1_epi8('0'))));
				bits = (unsigned)_mm_movemask_epi8(
				    _mm_or_si128(let, dig));
				for (;;) {
					rest = (in_word ? ~bits : bits) &
					    (0xffffu << pos) & 0xffffu;
					if (rest == 0)
						break;
					pos = (unsigned)__builtin_ctz(rest);
					if (in_word) {
						end_word(m, tk, norm, start,
						    i + pos);
						in_word = false;
					} else {
						in_word = true;
						start = i + pos;
					}
				}
				clen = 16;
				continue;
			}
		}
#endif
		w = byte_kind[in[i]];
		clen = 1;
		if (w > 1) { /* an ASCII letter or digit */
			if (!in_word) {
				in_word = true;
				start = i;
			}
			norm[i] = w;
			continue;
		}
		if (w == 0) {
			kind = 0;
			norm[i] = 0; /* read (masked) by word_key_padded() */
		} else {
			clen = utf8_char(in + i, n - i, &cp);
			memcpy(norm + i, in + i, clen);
			if (cp == 0xfffd || (cp >= 0xa0 && cp <= 0xbf) ||
			    cp == 0xd7 || cp == 0xf7 ||
			    (cp >= 0x2000 && cp < 0x2e80) ||
			    (cp >= 0x3000 && cp <= 0x303f) ||
			    (cp >= 0xff00 && cp <= 0xffef))
				kind = 0;
			else if (cp >= 0x2e80)
				kind = 2;
			else {
				if (!in_word) {
					in_word = true;
					start = i;
				}
				continue;
			}
		}
		if (in_word) {
			end_word(m, tk, norm, start, i);
			in_word = false;
		}
		if (kind == 2)
			token(tk, i, clen, word_key_padded(norm + i, clen));
	}
	if (in_word)
		end_word(m, tk, norm, start, n);
}

/* See classify_model.h. */
bool
classify_model_score_memo(const struct classify_model *m, struct model_memo *mm,
    int code, int enh_cls, int enh_subj, int enh_det, const char *wrapper,
    const char *s, size_t n, struct model_hit *hit)
{
	struct scorer sc;
	struct tokens tk;
	unsigned char norm[MODEL_SUBJECT_MAX + 8], u[MODEL_SUBJECT_MAX];
	bool ret;
	const char *wrap = "";
	struct memo_ent *me;
	uint64_t key = 0;

	memset(hit, 0, sizeof(*hit));
	hit->cls = -1;
	if (m == NULL)
		return false;
	if (n > MODEL_SUBJECT_MAX)
		n = MODEL_SUBJECT_MAX;
	/* The memo: only this model's, and a key it can hold. */
	if (mm != NULL && mm->m == m && wrapper != NULL &&
	    strcmp(wrapper, "none") != 0) {
		if (strlen(wrapper) < sizeof(mm->ent[0].wrap))
			wrap = wrapper;
		else
			mm = NULL;
	}
	if (mm != NULL && mm->m != m)
		mm = NULL;
	sc.m = m;
	tokens_init(&tk, &sc, norm, mm);
	read_reply(m, &tk, s, n, norm, u);
	if (mm != NULL && tk.sym_over)
		mm = NULL;
	if (mm != NULL) {
		mm->lookups++;
		me = memo_get(
		    mm, &tk, code, enh_cls, enh_subj, enh_det, wrap, &key);
		if (me != NULL) {
			mm->hits++;
			me->hot = true;
			*hit = me->hit;
			return me->ret;
		}
	}
	if (tk.vocab) /* resume() resets the scorer or restores a cut */
		replay(&tk, resume(mm, &tk));
	else
		scorer_reset(&sc);
	ret = decide(m, &tk, code, enh_cls, enh_subj, enh_det, wrapper, hit);
	if (mm != NULL)
		memo_put(mm, &tk, code, enh_cls, enh_subj, enh_det, wrap, key,
		    ret, hit);
	return ret;
}

/*
 * Looks up the reply's features (tk) and the code's, status's and
 * wrapper's, and decides (see classify_model_score()).
 */
static bool
decide(const struct classify_model *m, struct tokens *tk, int code, int enh_cls,
    int enh_subj, int enh_det, const char *wrapper, struct model_hit *hit)
{
	struct scorer *sc = tk->sc;
	size_t i, j, wl, start = 0;
	long f2, f3;
	int best = -1, second = -1;
	unsigned words = 0;
	double gain[MODEL_TOP] = { 0 };
	struct memo_cut *fc = tk->from;

	finish_pends(tk);
	lookup_all(tk);
	if (code >= 200 && code <= 599)
		count_feat(sc, m->code_feat[code - 200]);
	if (enh_cls != 0) {
		enh_feats(m, tk->mm, enh_cls, enh_subj, enh_det, &f2, &f3);
		count_feat(sc, f2);
		count_feat(sc, f3);
	}
	if (wrapper != NULL && strcmp(wrapper, "none") != 0 &&
	    (wl = strlen(wrapper)) + 2 < 2 * MODEL_FEAT_MAX + 2)
		count_feat(sc, wrap_feat(m, tk->mm, wrapper, wl));
	if (m->dense != NULL) { /* columns to classes */
		double col[BS_CLASS_COUNT];

		memcpy(col, sc->score, sizeof(col));
		memset(sc->score, 0, sizeof(sc->score));
		for (i = 0; i < m->ncls; i++)
			sc->score[m->cls_of[i]] = col[i];
	}
	for (i = 0; i < BS_CLASS_COUNT; i++) {
		if (!m->has_class[i])
			continue;
		sc->score[i] += m->bias[i];
		if (best < 0 || sc->score[i] > sc->score[best]) {
			second = best;
			best = (int)i;
		} else if (second < 0 || sc->score[i] > sc->score[second])
			second = (int)i;
	}
	if (best < 0 || second < 0)
		return false;
	hit->margin = (float)(sc->score[best] - sc->score[second]);
	/* Not confident: the features are not needed (classify.c reads
	 * them only for a decision). */
	if (hit->margin < m->threshold)
		return false;
	/* The features that favour best over second most (those of the
	 * cut's features as kept at the cut, when it has them for best and
	 * second: the same loop's state). */
	if (fc != NULL && fc->dbest == best && fc->dsecond == second) {
		start = fc->nhit;
		words = fc->dwords;
		hit->nfeat = fc->dnfeat;
		memcpy(gain, fc->dgain, sizeof(gain));
		memcpy(hit->feat, fc->dfeat, sizeof(hit->feat));
		fc = NULL;
	}
	for (i = start; i <= sc->nhit; i++) {
		const struct mfeat *f;
		double g = 0;

		if (fc != NULL && i == fc->nhit) {
			fc->dbest = (int16_t)best;
			fc->dsecond = (int16_t)second;
			fc->dwords = (uint16_t)words;
			fc->dnfeat = hit->nfeat;
			memcpy(fc->dgain, gain, sizeof(gain));
			memcpy(fc->dfeat, hit->feat, sizeof(hit->feat));
		}
		if (i == sc->nhit)
			break;
		f = &m->feats[sc->hit[i]];
		if (m->dense != NULL) {
			/* the same sum: each class once in a run */
			const float *row =
			    m->dense + (size_t)sc->hit[i] * m->rowlen;

			g = (double)row[m->col_of[best]] -
			    (double)row[m->col_of[second]];
		} else
			for (j = 0; j < f->count; j++) {
				const struct mweight *w =
				    &m->weights[f->first + j];

				if (w->cls == best)
					g += w->w;
				else if (w->cls == second)
					g -= w->w;
			}
		if (g <= 0)
			continue;
		/* Words and pairs; the code, status and wrapper are no
		 * words. */
		if (f->word)
			words++;
		for (j = hit->nfeat; j > 0 && gain[j - 1] < g; j--)
			if (j < MODEL_TOP) {
				gain[j] = gain[j - 1];
				hit->feat[j] = hit->feat[j - 1];
			}
		if (j < MODEL_TOP) {
			gain[j] = g;
			hit->feat[j] = sc->hit[i];
			if (hit->nfeat < MODEL_TOP)
				hit->nfeat++;
		}
	}
	if (words < m->min_words)
		return false;
	hit->cls = (int16_t)best;
	return true;
}

/* See classify_model.h. */
char *
classify_model_explain(const struct classify_model *m,
    const struct model_hit *hit, char *buf, size_t len)
{
	size_t off, i;
	int k;

	k = snprintf(buf, len, "model:");
	off = k > 0 ? (size_t)k : 0;
	for (i = 0; i < hit->nfeat && off < len; i++) {
		const char *f = m->feats[hit->feat[i]].name;
		char word[MODEL_FEAT_MAX + 1], *p;

		/* c:550 -> code 550, e:5.1 -> status 5.1.x, e:5.1.1 ->
		 * status 5.1.1, w:exim -> wrapper exim, a+b -> 'a b' */
		if (strncmp(f, "c:", 2) == 0)
			k = snprintf(buf + off, len - off, "%s code %s",
			    i ? "," : "", f + 2);
		else if (strncmp(f, "e:", 2) == 0)
			k = snprintf(buf + off, len - off, "%s status %s%s",
			    i ? "," : "", f + 2,
			    strchr(f + 2, '.') == strrchr(f + 2, '.') ? ".x"
								      : "");
		else if (strncmp(f, "w:", 2) == 0)
			k = snprintf(buf + off, len - off, "%s wrapper %s",
			    i ? "," : "", f + 2);
		else if (strncmp(f, "g:", 2) == 0) {
			/* g:<rej -> 'rej...', g:ion> -> '...ion', g:ect ->
			 * '...ect...': a part of a word */
			const char *g = f + 2;
			size_t gl = strlen(g);
			bool head = gl > 0 && g[0] == '<',
			     tail = gl > 0 && g[gl - 1] == '>';

			if (head) {
				g++;
				gl--;
			}
			if (tail && gl > 0)
				gl--;
			k = snprintf(buf + off, len - off, "%s '%s%.*s%s'",
			    i ? "," : "", head ? "" : "...", (int)gl, g,
			    tail ? "" : "...");
		} else {
			snprintf(word, sizeof(word), "%s", f);
			if ((p = strchr(word, '+')) != NULL)
				*p = ' ';
			k = snprintf(buf + off, len - off, "%s '%s'",
			    i ? "," : "", word);
		}
		off += k > 0 ? (size_t)k : 0;
	}
	if (off < len)
		snprintf(buf + off, len - off, " -> %s (margin %.1f)",
		    hit->cls >= 0 ? bs_class_name((enum bs_class)hit->cls)
				  : "-",
		    (double)hit->margin);
	return buf;
}

/* See classify_model.h. */
size_t
classify_model_text_features(const struct classify_model *m, const char *s,
    size_t n, void (*fn)(void *, const char *, size_t), void *arg)
{
	struct scorer sc;
	struct tokens tk;
	unsigned char norm[MODEL_SUBJECT_MAX + 8], u[MODEL_SUBJECT_MAX];
	char name[2 * MODEL_FEAT_MAX + 2];
	const struct pend *p;
	size_t i, len;

	if (m == NULL)
		return 0;
	if (n > MODEL_SUBJECT_MAX)
		n = MODEL_SUBJECT_MAX;
	sc.m = m;
	tokens_init(&tk, &sc, norm, NULL);
	read_reply(m, &tk, s, n, norm, u);
	finish_pends(&tk);
	for (i = 0; i < tk.npend; i++) {
		p = &tk.pend[i];
		len = p->alen;
		if (p->kind == PEND_GRAM) {
			memcpy(name, "g:", 2);
			memcpy(name + 2, tk.gbuf + p->aoff, len);
			len += 2;
		} else {
			memcpy(name, norm + p->aoff, len);
			if (p->kind == PEND_PAIR) {
				name[len++] = '+';
				memcpy(name + len, norm + p->boff, p->blen);
				len += p->blen;
			}
		}
		fn(arg, name, len);
	}
	return tk.npend;
}

/* See classify_model.h. */
double
classify_model_nocode(const struct classify_model *m)
{
	return m != NULL ? m->nocode : -1;
}

/* See classify_model.h. */
size_t
classify_model_features(const struct classify_model *m)
{
	return m != NULL ? m->nfeats : 0;
}

/* See classify_model.h. */
double
classify_model_threshold(const struct classify_model *m)
{
	return m != NULL ? m->threshold : 0;
}
