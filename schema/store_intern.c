/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Interning (see store_impl.h): names (domains, providers, hosts, rules,
 * the vocabularies) and reply texts become integer ids in the `name` and
 * `reply` tables, through bounded in-memory caches (names, IP addresses,
 * replies). `reply` keeps a bounded sample of texts per normalized reply
 * (store_intern_reply(), keyed by parsers/template.c). What each trick
 * gained, measured on a 2M-line Postfix log, is noted where it is done.
 *
 * Invariants: a cached id is known to be committed or to belong to the
 * open transaction (store_intern_forget() at every rollback). Names are
 * never deleted; replies only by store_prune_events(), which bumps meta
 * 'reply_gen' so that every other writer drops its reply cache at its
 * next store_begin().
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "scan.h"
#include "store_impl.h"
#include "template.h"

/* The interned-string cache. */

static int
icache_init(struct icache *c, size_t max_n, size_t max_bytes)
{
	size_t slots = 16;

	while (slots < max_n * 2)
		slots <<= 1;
	if ((c->slot = calloc(slots, sizeof(*c->slot))) == NULL)
		return -1;
	c->mask = slots - 1;
	c->n = c->bytes = 0;
	c->max_n = max_n;
	c->max_bytes = max_bytes;
	c->buf = NULL; /* at the first put */
	return 0;
}

static void
icache_clear(struct icache *c)
{
	if (c->slot == NULL || c->n == 0)
		return;
	memset(c->slot, 0, (c->mask + 1) * sizeof(*c->slot));
	c->n = c->bytes = 0;
}

static void
icache_free(struct icache *c)
{
	free(c->slot);
	free(c->buf);
	c->slot = NULL;
	c->buf = NULL;
}

/*
 * The hash of a cached string, 8 bytes per step. (bs_hash64() takes one
 * byte per step; as the cache hash it cost 1.5% of an import.) Reply
 * rows keep bs_hash64() in their h column: that one is computed only on
 * a cache miss.
 */
static uint64_t
icache_hash(const char *s, size_t len)
{
	uint64_t h = (uint64_t)len * UINT64_C(0x9e3779b97f4a7c15), v;

	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&v, s, 8);
		h = (h ^ v) * UINT64_C(0xbf58476d1ce4e5b9);
		h ^= h >> 31;
	}
	for (v = 0; len > 0; len--)
		v = v << 8 | (unsigned char)s[len - 1];
	h = (h ^ v) * UINT64_C(0x94d049bb133111eb);
	return h ^ (h >> 29);
}

/* Returns the id of s, or 0 when s is not cached. */
static int64_t
icache_get(const struct icache *c, uint64_t h, const char *s, size_t len)
{
	size_t i;

	for (i = h & c->mask; c->slot[i].s != NULL; i = (i + 1) & c->mask)
		if (c->slot[i].h == h && c->slot[i].len == len &&
		    memcmp(c->slot[i].s, s, len) == 0)
			return c->slot[i].id;
	return 0;
}

/*
 * Caches s -> id; a full cache is emptied first. The strings go one after
 * another into one buffer (issue 14: a malloc() each, freed at every
 * clear, fragmented the writer thread's heap: an import's peak RSS grew
 * by 1.5 MiB from 10M to 20M lines); one longer than the whole buffer is
 * not cached. Fails only on ENOMEM.
 */
static int
icache_put(struct icache *c, uint64_t h, const char *s, size_t len, int64_t id)
{
	size_t i;
	char *copy;

	if (len > c->max_bytes)
		return 0;
	if (c->buf == NULL && (c->buf = malloc(c->max_bytes)) == NULL)
		return -1;
	if (c->n + 1 > c->max_n || c->bytes + len > c->max_bytes)
		icache_clear(c);
	copy = c->buf + c->bytes;
	memcpy(copy, s, len);
	for (i = h & c->mask; c->slot[i].s != NULL; i = (i + 1) & c->mask)
		;
	c->slot[i].h = h;
	c->slot[i].id = id;
	c->slot[i].s = copy;
	c->slot[i].len = len;
	c->n++;
	c->bytes += len;
	return 0;
}

/* Names. */

/* Looks name s up in the table only. 1 found, 0 not, -1 error. */
static int
name_select(struct store *st, const char *s, size_t len, int64_t *id)
{
	struct sql_stmt *q = &st->stmt[S_NAME_GET];
	int rc;

	if ((rc = sql_first_text(st, q, ":s", s, len)) != SQL_ROW)
		return rc;
	*id = sql_int64(q, 0);
	sql_reset(q);
	return 1;
}

/*
 * Looks up an interned name without creating it: 1 and *id when found
 * (id 0 is the empty string), 0 when never stored, -1 on error (message
 * in store_errmsg()). Works on read-only stores.
 */
int
store_name_lookup(struct store *st, const char *s, size_t len, int64_t *id)
{
	if (len == 0) {
		*id = 0;
		return 1;
	}
	if (len > STORE_NAME_MAX)
		len = STORE_NAME_MAX;
	return name_select(st, s, len, id);
}

/*
 * The id of the NUL-terminated name (NULL: ""), or -1 in *id when the
 * database never stored it (-1 matches no row in SQL). 0, or -1 on error
 * (store_errmsg()). Works on read-only stores.
 */
int
store_name_id(struct store *st, const char *name, int64_t *id)
{
	int rc;

	if (name == NULL)
		name = "";
	if ((rc = store_name_lookup(st, name, strlen(name), id)) == -1)
		return -1;
	if (rc == 0)
		*id = -1;
	return 0;
}

/*
 * A name about to be interned: cut to STORE_NAME_MAX, hashed, and its
 * cache slot prefetched, so that the caller can prepare several names
 * and have their cache misses overlap (the three names of each delivery:
 * icache_get 3.9% -> 3.1% of a 2M-line import).
 */
struct name_key {
	const char *s;
	size_t len;
	uint64_t h;
};

static void
name_prep(const struct icache *c, const char *s, size_t len, struct name_key *k)
{
	if (s == NULL)
		len = 0;
	if (len > STORE_NAME_MAX)
		len = STORE_NAME_MAX;
	k->s = s;
	k->len = len;
	k->h = len > 0 ? icache_hash(s, len) : 0;
	if (len > 0)
		__builtin_prefetch(&c->slot[k->h & c->mask]);
}

/*
 * Returns in *id the id of name k (of name_prep() with the same c),
 * inserting it when new, through cache c (st->names or st->addrs). 0 or
 * -1.
 */
static int
intern_key(
    struct store *st, struct icache *c, const struct name_key *k, int64_t *id)
{
	const char *s = k->s;
	size_t len = k->len;
	uint64_t h = k->h;
	int rc;

	if (len == 0) {
		*id = 0;
		return 0;
	}
	if ((*id = icache_get(c, h, s, len)) != 0)
		return 0;
	/*
	 * Insert first, look up only when the name exists: a name missing
	 * from the cache is most often new (relay IPs), and then this is one
	 * statement instead of two.
	 */
	if (sql_bind_text(st, &st->stmt[S_NAME_PUT], ":s", s, len) == -1 ||
	    sql_exec(st, &st->stmt[S_NAME_PUT]) == -1)
		return -1;
	if (sql_changes(st) == 1)
		*id = sql_last_id(st);
	else if ((rc = name_select(st, s, len, id)) != 1)
		return rc == -1 ? -1
				: store_failx(st, "name_put: not inserted");
	if (icache_put(c, h, s, len, *id) == -1)
		return store_failx(st, "name cache: out of memory");
	return 0;
}

/*
 * Returns in *id the id of name s, inserting it when new, through cache c
 * (st->names or st->addrs). 0 or -1.
 */
static int
intern_in(
    struct store *st, struct icache *c, const char *s, size_t len, int64_t *id)
{
	struct name_key k;

	name_prep(c, s, len, &k);
	return intern_key(st, c, &k, id);
}

/* Returns in *id the id of name s (len bytes), inserting it when new. */
int
store_intern_name(struct store *st, const char *s, size_t len, int64_t *id)
{
	return intern_in(st, &st->names, s, len, id);
}

/* As store_intern_name(), for a span (ptr NULL: the empty name). */
int
store_intern_span(struct store *st, struct bs_span sp, int64_t *id)
{
	return intern_in(
	    st, &st->names, sp.ptr, sp.ptr != NULL ? sp.len : 0, id);
}

/*
 * As store_intern_span(), for the logging host of every result: the last
 * host's id is kept apart, since a log has one host or a few hosts in
 * runs (a collector's file), so most lines cost a comparison of a few
 * bytes instead of a lookup in the name cache.
 */
int
store_intern_host(struct store *st, struct bs_span sp, int64_t *id)
{
	size_t len = sp.ptr != NULL ? sp.len : 0;

	if (st->host_id >= 0 && len == st->host_len &&
	    (len == 0 || memcmp(sp.ptr, st->host, len) == 0)) {
		*id = st->host_id;
		return 0;
	}
	if (intern_in(st, &st->names, sp.ptr, len, id) == -1)
		return -1;
	if (len <= sizeof(st->host)) {
		if (len > 0)
			memcpy(st->host, sp.ptr, len);
		st->host_len = len;
		st->host_id = *id;
	}
	return 0;
}

/*
 * An IP address: interned through a cache of its own. Relay addresses
 * are many and seldom repeat; in the cache of the other names they
 * filled it every 20,000 failures, and each time it was emptied the
 * few thousand domains, providers and hosts of the log had to be looked
 * up again (14,000 lookups for a 2M-line log).
 */
int
store_intern_addr(struct store *st, struct bs_span sp, int64_t *id)
{
	return intern_in(
	    st, &st->addrs, sp.ptr, sp.ptr != NULL ? sp.len : 0, id);
}

/*
 * The span lower-cased (ASCII) into buf of STORE_NAME_MAX bytes when it
 * has capitals: domain names compare without case (RFC 5321 2.4).
 */
static struct bs_span
lower_span(struct bs_span sp, char *buf)
{
	size_t i, n = sp.ptr != NULL ? sp.len : 0;

	if (n > STORE_NAME_MAX)
		n = STORE_NAME_MAX;
	for (i = 0; i < n; i++)
		if (sp.ptr[i] >= 'A' && sp.ptr[i] <= 'Z')
			break;
	if (i == n)
		return bs_span_make(sp.ptr, n);
	memcpy(buf, sp.ptr, n);
	for (; i < n; i++)
		if (buf[i] >= 'A' && buf[i] <= 'Z')
			buf[i] = (char)(buf[i] - 'A' + 'a');
	return bs_span_make(buf, n);
}

/*
 * The three names of a counted record (store_add()): the recipient
 * domain, lower-cased, the provider and the enhanced status, interned
 * into *domain_id, *provider_id and *enhanced_id. All three are hashed
 * and their cache slots prefetched before the first is looked up, so
 * that their cache misses overlap. 0 or -1.
 */
static int
intern_keys(struct store *st, struct bs_span domain, const char *provider,
    size_t plen, struct bs_span enhanced, int64_t *domain_id,
    int64_t *provider_id, int64_t *enhanced_id)
{
	struct name_key kd, kp, ke;
	struct bs_span dom;
	char lower[STORE_NAME_MAX];

	dom = lower_span(domain, lower);
	name_prep(&st->names, dom.ptr, dom.len, &kd);
	name_prep(&st->names, provider, plen, &kp);
	name_prep(&st->names, enhanced.ptr, enhanced.len, &ke);
	if (intern_key(st, &st->names, &kd, domain_id) == -1 ||
	    intern_key(st, &st->names, &kp, provider_id) == -1 ||
	    intern_key(st, &st->names, &ke, enhanced_id) == -1)
		return -1;
	return 0;
}

/*
 * Issue 14: the three names of a result repeat (the 2M-line log's 410,000
 * results have 12,854 distinct triples, the 400 commonest are 75% of
 * them; 82% are sent results): one memo probe over the three strings
 * as logged replaces lower-casing, three hashes and three cache probes.
 * The probe (a hash of the three strings and a comparison) touches no
 * store, so the import's reading thread makes it (store_key_slot()) and
 * the writer thread only reads the slot's ids (store_add_slot()): the
 * memo's names are the caller's, its ids the store's, forgotten with
 * the names cache (store_intern_forget()).
 */

/* See store.h. */
struct store_key_memo *
store_key_memo_new(void)
{
	return calloc(1, sizeof(struct store_key_memo));
}

/* See store.h. */
void
store_key_memo_free(struct store_key_memo *m)
{
	free(m);
}

/*
 * The slot of the three names in m (see store_key_slot()): the names
 * one after another in six zeroed words, hashed and compared a word at
 * a time, with their lengths in the hash.
 */
static uint32_t
key_slot(struct store_key_memo *m, struct bs_span domain, const char *provider,
    size_t plen, struct bs_span enhanced)
{
	size_t dlen = domain.ptr != NULL ? domain.len : 0;
	size_t elen = enhanced.ptr != NULL ? enhanced.len : 0;
	size_t n = dlen + plen + elen, i, nw;
	union {
		uint64_t w[KEY_WORDS];
		char c[KEY_WORDS * 8];
	} key;
	struct key_name *k;
	uint64_t h, diff = 0;
	uint32_t slot;

	if (n > sizeof(key.c))
		return STORE_KEY_NONE;
	memset(&key, 0, sizeof(key));
	copy_short(key.c, domain.ptr, dlen);
	copy_short(key.c + dlen, provider, plen);
	copy_short(key.c + dlen + plen, enhanced.ptr, elen);
	nw = (n + 7) / 8;
	h = (uint64_t)(dlen << 16 | plen << 8 | elen) *
	    UINT64_C(0x9e3779b97f4a7c15);
	for (i = 0; i < nw; i++) {
		h = (h ^ key.w[i]) * UINT64_C(0xbf58476d1ce4e5b9);
		h ^= h >> 31;
	}
	h = (h ^ (dlen << 16 | plen << 8 | elen)) *
	    UINT64_C(0x94d049bb133111eb);
	h ^= h >> 29;
	slot = (uint32_t)(h >> 20) & (KEY_MEMO_SLOTS - 1);
	/* the lengths in the low bits: equal h, equal lengths */
	h = (h & ~(uint64_t)0xffffff) | (dlen << 16 | plen << 8 | elen);
	k = &m->slot[slot];
	for (i = 0; i < KEY_WORDS; i++)
		diff |= k->w[i] ^ key.w[i];
	if (k->h == h && diff == 0)
		return slot;
	k->h = h;
	memcpy(k->w, key.w, sizeof(key.w));
	return slot | STORE_KEY_FRESH;
}

/* See store.h. */
uint32_t
store_key_slot(struct store_key_memo *m, const struct store_record *rec)
{
	const char *prov = rec->provider != NULL ? rec->provider : "";

	return key_slot(
	    m, rec->ev->rcpt_domain, prov, strlen(prov), rec->ev->enhanced);
}

/*
 * The ids of the names of slot (of a memo whose ids are ids[]): read
 * from ids[] when known, else interned and noted there. 0 or -1.
 */
static int
intern_slot(struct store *st, struct key_ids **ids, uint32_t slot,
    struct bs_span domain, const char *provider, size_t plen,
    struct bs_span enhanced, int64_t *domain_id, int64_t *provider_id,
    int64_t *enhanced_id)
{
	struct key_ids *k;

	if (slot == STORE_KEY_NONE)
		return intern_keys(st, domain, provider, plen, enhanced,
		    domain_id, provider_id, enhanced_id);
	if (*ids == NULL &&
	    (*ids = calloc(KEY_MEMO_SLOTS, sizeof(**ids))) == NULL)
		return store_failx(st, "name cache: out of memory");
	k = &(*ids)[slot & (KEY_MEMO_SLOTS - 1)];
	if (k->ok && !(slot & STORE_KEY_FRESH)) {
		*domain_id = k->id[0];
		*provider_id = k->id[1];
		*enhanced_id = k->id[2];
		return 0;
	}
	k->ok = 0;
	if (intern_keys(st, domain, provider, plen, enhanced, domain_id,
		provider_id, enhanced_id) == -1)
		return -1;
	if ((uint64_t)*domain_id > UINT32_MAX ||
	    (uint64_t)*provider_id > UINT32_MAX ||
	    (uint64_t)*enhanced_id > UINT32_MAX)
		return 0; /* store_add() refuses them */
	k->id[0] = (uint32_t)*domain_id;
	k->id[1] = (uint32_t)*provider_id;
	k->id[2] = (uint32_t)*enhanced_id;
	k->ok = 1;
	return 0;
}

/* The three names through the store's own memo (store_add()). */
int
store_intern_keys(struct store *st, struct bs_span domain, const char *provider,
    struct bs_span enhanced, int64_t *domain_id, int64_t *provider_id,
    int64_t *enhanced_id)
{
	size_t plen = strlen(provider);
	uint32_t slot;

	if (st->kmemo == NULL && (st->kmemo = store_key_memo_new()) == NULL)
		return store_failx(st, "name cache: out of memory");
	slot = key_slot(st->kmemo, domain, provider, plen, enhanced);
	return intern_slot(st, &st->kids, slot, domain, provider, plen,
	    enhanced, domain_id, provider_id, enhanced_id);
}

/* The three names of a slot of the caller's memo (store_add_slot()). */
int
store_intern_keys_slot(struct store *st, uint32_t slot, struct bs_span domain,
    const char *provider, struct bs_span enhanced, int64_t *domain_id,
    int64_t *provider_id, int64_t *enhanced_id)
{
	return intern_slot(st, &st->kids_ext, slot, domain, provider,
	    strlen(provider), enhanced, domain_id, provider_id, enhanced_id);
}

/* Replies. */

/*
 * The h of a reply row: a hash of its sample key, the
 * reply code, enhanced status and class ids and the text reduced to what
 * the reports group replies by: for unclassified replies the normalized
 * text (template_normalize(), the key of `report --unknown`), for the others
 * their template_reply(). Bit 62 is set, so that it never equals the h of
 * a row written by earlier versions (31 bits of the text's hash): those
 * rows stay valid, are not found again by text, and go with their events.
 */
/* See store.h. */
size_t
store_reply_template(const char *s, size_t len, bool unknown, char *buf)
{
	if (len > STORE_REPLY_MAX)
		len = STORE_REPLY_MAX;
	return unknown ? template_normalize(s, len, buf, STORE_TEMPLATE_MAX)
		       : template_reply(s, len, buf, STORE_TEMPLATE_MAX);
}

/* tmpl: the reply's store_reply_template(), NULL: made here. */
static int64_t
reply_key(struct store *st, const char *s, size_t len, int code,
    int64_t enhanced, int64_t cls, const char *tmpl, size_t n)
{
	char buf[STORE_TEMPLATE_MAX];
	int64_t head[3] = { code, enhanced, cls };
	uint64_t h;

	if (tmpl == NULL) {
		n = store_reply_template(
		    s, len, cls == st->class_id[BS_CLASS_UNKNOWN], buf);
		tmpl = buf;
	}
	h = bs_hash64(BS_HASH_INIT, head, sizeof(head));
	h = bs_hash64(h, tmpl, n);
	return (int64_t)((h & 0x3fffffffffffffffULL) | (1ULL << 62));
}

/*
 * Returns in *id the id of a reply row for text s of an event with this
 * code, enhanced status and class (name ids): the row of the same text
 * when stored, else a new row while fewer than REPLY_SAMPLES rows share
 * its sample key (reply_key()), else the newest of those. So the table
 * keeps a bounded sample of exact texts per normalized reply instead of
 * every text that differs only by ids and numbers (2M-line log: 36,600
 * rows, 6.8 MB -> 3,500 rows, 0.4 MB): counts stay exact, and every
 * sample shown is a reply really received with the same code, status,
 * class and normalized text.
 */
int
store_intern_reply(struct store *st, const char *s, size_t len, int code,
    int64_t enhanced, int64_t cls, const char *tmpl, size_t tmpl_len,
    int64_t *id)
{
	struct sql_stmt *q = &st->stmt[S_REPLY_GET];
	uint64_t h, kh, th;
	int64_t key, rid, newest = 0;
	size_t tlen;
	char kb[1 + sizeof(int64_t)];
	const void *text;
	int rc, same = 0;

	if (len == 0 || s == NULL) {
		*id = 0;
		return 0;
	}
	if (len > STORE_REPLY_MAX)
		len = STORE_REPLY_MAX;
	h = icache_hash(s, len);
	if ((*id = icache_get(&st->replies, h, s, len)) != 0)
		return 0;
	key = reply_key(st, s, len, code, enhanced, cls, tmpl, tmpl_len);
	/* A full sample key is cached as 0x00 and its 8 bytes (no reply
	 * text starts with a NUL) with the id of its newest sample: a text
	 * with a unique id then costs no SELECT of 8 rows (2M-line import:
	 * 1.08 -> 0.95 s). */
	kb[0] = '\0';
	memcpy(kb + 1, &key, sizeof(key));
	kh = icache_hash(kb, sizeof(kb));
	if ((*id = icache_get(&st->replies, kh, kb, sizeof(kb))) != 0)
		return 0;
	if (sql_bind_int64(st, q, ":h", key) == -1)
		return -1;
	while ((rc = sql_step(st, q)) == SQL_ROW) {
		rid = sql_int64(q, 0);
		text = sql_blob(q, 1, &tlen);
		if (tlen == len && memcmp(text, s, len) == 0) {
			*id = rid;
			break;
		}
		/* Cached: once the key is full, they are found no other way. */
		th = icache_hash(text, tlen);
		if (icache_get(&st->replies, th, text, tlen) == 0 &&
		    icache_put(&st->replies, th, text, tlen, rid) == -1) {
			sql_reset(q);
			return store_failx(st, "reply cache: out of memory");
		}
		same++;
		if (rid > newest)
			newest = rid;
	}
	if (rc == -1)
		return -1;
	sql_reset(q);
	if (*id == 0 && same >= REPLY_SAMPLES) {
		*id = newest;
		if (icache_put(&st->replies, kh, kb, sizeof(kb), newest) == -1)
			return store_failx(st, "reply cache: out of memory");
		return 0;
	}
	if (*id == 0) {
		/* Not cached until seen again: replies carrying message ids
		 * are unique and would only push the repeating ones out. */
		if (sql_bind_int64(st, &st->stmt[S_REPLY_PUT], ":h", key) ==
			-1 ||
		    sql_bind_text(
			st, &st->stmt[S_REPLY_PUT], ":text", s, len) == -1 ||
		    sql_exec(st, &st->stmt[S_REPLY_PUT]) == -1)
			return -1;
		*id = sql_last_id(st);
		return 0;
	}
	if (icache_put(&st->replies, h, s, len, *id) == -1)
		return store_failx(st, "reply cache: out of memory");
	return 0;
}

/* Open, close, forget. */

/* Caches the ids of the public vocabularies (one transaction). */
static int
intern_vocab(struct store *st)
{
	const char *s;
	int i;

	if (store_begin(st) == -1)
		return -1;
	for (i = 0; i < BS_STATUS_COUNT; i++) {
		s = bs_status_name((enum bs_status)i);
		if (store_intern_name(st, s, strlen(s), &st->status_id[i]) ==
		    -1)
			goto fail;
	}
	for (i = 0; i < BS_CLASS_COUNT; i++) {
		s = bs_class_name((enum bs_class)i);
		if (store_intern_name(st, s, strlen(s), &st->class_id[i]) == -1)
			goto fail;
	}
	for (i = 0; i < BS_MTA_COUNT; i++) {
		s = bs_mta_name((enum bs_mta)i);
		if (store_intern_name(st, s, strlen(s), &st->mta_id[i]) == -1)
			goto fail;
	}
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
}

/*
 * Sets up the caches of a writing store and caches the ids of the public
 * vocabularies (one transaction). 0 or -1.
 */
int
store_intern_open(struct store *st)
{
	if (icache_init(&st->names, NAME_CACHE_MAX, NAME_CACHE_BYTES) == -1 ||
	    icache_init(&st->addrs, ADDR_CACHE_MAX, ADDR_CACHE_BYTES) == -1 ||
	    icache_init(&st->replies, REPLY_CACHE_MAX, REPLY_CACHE_BYTES) == -1)
		return store_failx(st, "out of memory");
	return intern_vocab(st);
}

/* Frees the caches (store_close()). */
void
store_intern_close(struct store *st)
{
	icache_free(&st->names);
	icache_free(&st->addrs);
	icache_free(&st->replies);
	store_key_memo_free(st->kmemo);
	st->kmemo = NULL;
	free(st->kids);
	free(st->kids_ext);
	st->kids = st->kids_ext = NULL;
}

/*
 * Forgets every cached id: after a rollback (SQLite may hand a
 * rolled-back id to a different string).
 */
void
store_intern_forget(struct store *st)
{
	icache_clear(&st->names);
	icache_clear(&st->addrs);
	icache_clear(&st->replies);
	if (st->kids != NULL)
		memset(st->kids, 0, KEY_MEMO_SLOTS * sizeof(*st->kids));
	if (st->kids_ext != NULL)
		memset(st->kids_ext, 0, KEY_MEMO_SLOTS * sizeof(*st->kids_ext));
	st->host_id = -1;
}

/* Forgets the cached reply ids: replies were deleted (reply_gen moved). */
void
store_intern_forget_replies(struct store *st)
{
	icache_clear(&st->replies);
}
