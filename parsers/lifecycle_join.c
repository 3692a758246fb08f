/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See lifecycle_join.h. A chained hash table of open messages, a list in
 * order of last use (the head is the newest: eviction takes the tail)
 * and a list of messages changed since the last flush. Strings longer
 * than their field are cut (the field sizes are in lifecycle_join.h).
 */
#include <stdlib.h>
#include <string.h>

#include "lifecycle_join.h"

#define LC_DAY         86400
#define LC_EVBITS      ((size_t)1 << 20) /* 128 KiB */
#define LC_SPARE       64                /* freed records kept for reuse */
/* ... with their recipient array up to this. Issue 14: not more than a
 * message's first array (2): a reused record carried its array to the
 * next message, so most open messages (deferred ones, one recipient)
 * held 8 recipients' room, 2.7 KB each (10M-line log: 3,756 slots for
 * 1,054 recipients; peak RSS +2.6 MiB at 20M lines). */
#define LC_SPARE_RCPT  2
#define LC_BUCKETS_MIN 256 /* hash buckets at first */

struct lc_join {
	/* Grown with the open messages (up to nbmax): a table sized for
	 * max_open (16,384 buckets, 128 KiB) missed the CPU caches on
	 * every line of a log with a few hundred open. */
	struct lc_msg **bucket;
	size_t mask;
	size_t nbmax;
	size_t max_open;
	int64_t lifetime;
	int64_t newest; /* time of the newest line seen */
	/* At most the smallest `last` of the open messages: the quiet sweep
	 * runs only when the threshold passes it. INT64_MAX: none. */
	int64_t min_last;
	/* Freed records, for reuse (linked by hnext; no calloc per
	 * message). */
	struct lc_msg *spare;
	size_t nspare;
	/* A bit per key hash (mod LC_EVBITS) of the messages evicted or
	 * left in the store at start: only those keys are looked up in the
	 * store (ops->find) when memory has none. */
	uint64_t *evbits;
	size_t evset; /* bits set: none, no test (a cache miss a new key) */
	size_t ended; /* ended messages not written yet */
	struct lc_msg *ended_head;
	struct lc_ops ops;
	bool has_ops;
	struct lc_msg *head, *tail; /* use order, head newest */
	struct lc_msg *dirty;
	struct lc_counters c;
};

static const char *const state_names[LC_S_COUNT] = {
	"queued",
	"deferred",
	"sent",
	"bounced",
	"expired",
	"removed",
	"incomplete",
};

const char *
lc_state_name(enum lc_state s)
{
	return (unsigned)s < LC_S_COUNT ? state_names[s] : "?";
}

/* 0 and *out, or -1 for a name that is none of lc_state_name()'s. */
int
lc_state_from_name(const char *s, size_t len, enum lc_state *out)
{
	size_t i;

	for (i = 0; i < LC_S_COUNT; i++)
		if (strlen(state_names[i]) == len &&
		    memcmp(state_names[i], s, len) == 0) {
			*out = (enum lc_state)i;
			return 0;
		}
	return -1;
}

/*
 * Issue 14: memcpy(d, s, n) without a call for the short strings of a
 * message (hosts, queue ids, relays, most addresses): two overlapping
 * moves of 16, 8 or 4 bytes, inside [0, n) of both.
 */
static inline void
copy_bytes(char *d, const char *s, size_t n)
{
	unsigned char x16[16], y16[16];
	uint64_t x, y;
	uint32_t x4, y4;

	if (n >= 16 && n <= 32) {
		memcpy(x16, s, 16);
		memcpy(y16, s + n - 16, 16);
		memcpy(d, x16, 16);
		memcpy(d + n - 16, y16, 16);
	} else if (n >= 8 && n < 16) {
		memcpy(&x, s, 8);
		memcpy(&y, s + n - 8, 8);
		memcpy(d, &x, 8);
		memcpy(d + n - 8, &y, 8);
	} else if (n >= 4 && n < 8) {
		memcpy(&x4, s, 4);
		memcpy(&y4, s + n - 4, 4);
		memcpy(d, &x4, 4);
		memcpy(d + n - 4, &y4, 4);
	} else if (n > 0)
		memcpy(d, s, n);
}

/* Copies sp into dst of size n, cut, NUL-terminated. */
static void
put(char *dst, size_t n, struct bs_span sp)
{
	size_t len = sp.len < n - 1 ? sp.len : n - 1;

	copy_bytes(dst, sp.ptr, len);
	dst[len] = '\0';
}

static bool
span_is(struct bs_span sp, const char *s, size_t n)
{
	size_t len = sp.len < n - 1 ? sp.len : n - 1;

	return strlen(s) == len && (len == 0 || memcmp(s, sp.ptr, len) == 0);
}

static uint64_t
key_hash(const struct lc_key *k)
{
	return lc_join_hash(k->mta, k->qid);
}

static void
evbit_set(struct lc_join *j, uint64_t h)
{
	size_t b = (size_t)(h >> 20) % LC_EVBITS;

	j->evbits[b / 64] |= UINT64_C(1) << (b % 64);
	j->evset++;
}

static bool
evbit_test(const struct lc_join *j, uint64_t h)
{
	size_t b = (size_t)(h >> 20) % LC_EVBITS;

	if (j->evset == 0)
		return false;
	return (j->evbits[b / 64] & (UINT64_C(1) << (b % 64))) != 0;
}

/* The length of sp cut to a field of n bytes (NUL included). */
static size_t
cut(struct bs_span sp, size_t n)
{
	return sp.len < n - 1 ? sp.len : n - 1;
}

/*
 * Issue 14: memcmp(a, b, n) == 0 without a call for the short keys
 * (queue ids, hosts, instances): two overlapping words of 8 or 4 bytes.
 */
static inline bool
same_bytes(const char *a, const char *b, size_t n)
{
	uint64_t x, y, u, v;
	uint32_t x4, y4, u4, v4;

	if (n >= 8 && n <= 16) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		memcpy(&u, a + n - 8, 8);
		memcpy(&v, b + n - 8, 8);
		return ((x ^ y) | (u ^ v)) == 0;
	}
	if (n >= 4 && n < 8) {
		memcpy(&x4, a, 4);
		memcpy(&y4, b, 4);
		memcpy(&u4, a + n - 4, 4);
		memcpy(&v4, b + n - 4, 4);
		return ((x4 ^ y4) | (u4 ^ v4)) == 0;
	}
	return n == 0 || memcmp(a, b, n) == 0;
}

/* True when m's key is k (cut as stored); lengths first, no strlen. */
static bool
key_is(const struct lc_msg *m, const struct lc_key *k)
{
	size_t q = cut(k->qid, sizeof(m->qid)),
	       h = cut(k->host, sizeof(m->host)),
	       i = cut(k->instance, sizeof(m->instance));

	return m->mta == k->mta && m->qlen == q && m->hlen == h &&
	    m->ilen == i && same_bytes(m->qid, k->qid.ptr, q) &&
	    same_bytes(m->host, k->host.ptr, h) &&
	    same_bytes(m->instance, k->instance.ptr, i);
}

/* Sets m's key lengths from its strings (a record read back). */
static void
key_lens(struct lc_msg *m)
{
	m->qlen = (uint8_t)strnlen(m->qid, sizeof(m->qid) - 1);
	m->hlen = (uint8_t)strnlen(m->host, sizeof(m->host) - 1);
	m->ilen = (uint8_t)strnlen(m->instance, sizeof(m->instance) - 1);
}

struct lc_join *
lc_join_new(size_t max_open, int64_t lifetime, const struct lc_ops *ops)
{
	struct lc_join *j;
	size_t n = 64;

	if (max_open < 1)
		max_open = 1;
	/* two buckets a message at most (chains of one, mostly) */
	while (n < 2 * max_open && n < ((size_t)1 << 22))
		n <<= 1;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return NULL;
	j->nbmax = n;
	if (n > LC_BUCKETS_MIN)
		n = LC_BUCKETS_MIN;
	if ((j->bucket = calloc(n, sizeof(*j->bucket))) == NULL ||
	    (j->evbits = calloc(LC_EVBITS / 64, sizeof(uint64_t))) == NULL) {
		free(j->bucket);
		free(j);
		return NULL;
	}
	j->mask = n - 1;
	j->min_last = INT64_MAX;
	j->max_open = max_open;
	j->lifetime = lifetime > 0 ? lifetime : 5 * LC_DAY;
	if (ops != NULL) {
		j->ops = *ops;
		j->has_ops = true;
	}
	return j;
}

void
lc_msg_clear(struct lc_msg *m)
{
	free(m->r);
	m->r = NULL;
	m->nr = m->cap = 0;
}

static void
msg_free(struct lc_msg *m)
{
	if (m != NULL) {
		lc_msg_clear(m);
		free(m);
	}
}

/* Frees m into the spare list (its small recipient array kept). */
static void
msg_release(struct lc_join *j, struct lc_msg *m)
{
	if (j->nspare >= LC_SPARE) {
		msg_free(m);
		return;
	}
	if (m->cap > LC_SPARE_RCPT)
		lc_msg_clear(m);
	m->nr = 0;
	m->hnext = j->spare;
	j->spare = m;
	j->nspare++;
}

/*
 * A record for a new message of key k, from the spare list or malloc:
 * every field set (strings empty), not in any list. NULL: no memory.
 */
static struct lc_msg *
msg_new(struct lc_join *j, const struct lc_key *k)
{
	struct lc_msg *m;
	struct lc_rcpt *r = NULL;
	size_t cap = 0;

	if ((m = j->spare) != NULL) {
		j->spare = m->hnext;
		j->nspare--;
		r = m->r;
		cap = m->cap;
	} else if ((m = malloc(sizeof(*m))) == NULL)
		return NULL;
	m->mta = (uint8_t)k->mta;
	put(m->host, sizeof(m->host), k->host);
	put(m->instance, sizeof(m->instance), k->instance);
	put(m->qid, sizeof(m->qid), k->qid);
	m->qlen = (uint8_t)cut(k->qid, sizeof(m->qid));
	m->hlen = (uint8_t)cut(k->host, sizeof(m->host));
	m->ilen = (uint8_t)cut(k->instance, sizeof(m->instance));
	m->id = 0;
	m->first = m->last = m->final = 0;
	m->state = LC_S_QUEUED;
	m->has_start = m->has_sender = false;
	m->sender[0] = m->sasl_user[0] = m->client[0] = '\0';
	m->message_id[0] = '\0';
	m->size = m->nrcpt = -1;
	m->failed = m->rcpt_dropped = 0;
	m->nr = 0;
	m->cap = cap;
	m->r = r;
	m->h = 0;
	m->hnext = m->prev = m->next = m->dprev = m->dnext = NULL;
	m->dirty = m->in_dirty = false;
	return m;
}

static void
lru_unlink(struct lc_join *j, struct lc_msg *m)
{
	if (m->prev != NULL)
		m->prev->next = m->next;
	else
		j->head = m->next;
	if (m->next != NULL)
		m->next->prev = m->prev;
	else
		j->tail = m->prev;
	m->prev = m->next = NULL;
}

static void
lru_front(struct lc_join *j, struct lc_msg *m)
{
	m->prev = NULL;
	m->next = j->head;
	if (j->head != NULL)
		j->head->prev = m;
	j->head = m;
	if (j->tail == NULL)
		j->tail = m;
}

static void
hash_unlink(struct lc_join *j, struct lc_msg *m)
{
	struct lc_msg **pp = &j->bucket[m->h & j->mask];

	while (*pp != NULL && *pp != m)
		pp = &(*pp)->hnext;
	if (*pp == m)
		*pp = m->hnext;
	m->hnext = NULL;
}

/* Removes m from every list and frees it (it must not be dirty). */
static void
drop(struct lc_join *j, struct lc_msg *m)
{
	hash_unlink(j, m);
	lru_unlink(j, m);
	j->c.open--;
	msg_release(j, m);
}

static void
mark(struct lc_join *j, struct lc_msg *m)
{
	m->dirty = true;
	if (!m->in_dirty) {
		m->in_dirty = true;
		m->dprev = NULL;
		m->dnext = j->dirty;
		if (j->dirty != NULL)
			j->dirty->dprev = m;
		j->dirty = m;
	}
}

/* Removes m from the dirty list. */
static void
dirty_unlink(struct lc_join *j, struct lc_msg *m)
{
	if (!m->in_dirty)
		return;
	if (m->dprev != NULL)
		m->dprev->dnext = m->dnext;
	else
		j->dirty = m->dnext;
	if (m->dnext != NULL)
		m->dnext->dprev = m->dprev;
	m->in_dirty = false;
	m->dprev = m->dnext = NULL;
}

/*
 * Writes the ended messages (ops->put) and frees them. 0 or -1 (put
 * failed: the rest stay queued).
 */
static int
drain(struct lc_join *j)
{
	struct lc_msg *m;

	while ((m = j->ended_head) != NULL) {
		if (j->has_ops && j->ops.put(j->ops.arg, m) == -1)
			return -1;
		j->ended_head = m->dnext;
		j->ended--;
		msg_release(j, m);
	}
	return 0;
}

static struct lc_msg *
lookup(struct lc_join *j, const struct lc_key *k, uint64_t h)
{
	struct lc_msg *m;

	for (m = j->bucket[h & j->mask]; m != NULL; m = m->hnext)
		if (m->h == h && key_is(m, k))
			return m;
	return NULL;
}

/*
 * Doubles the hash table when the open messages outnumber half its
 * buckets (up to nbmax); every message in it is in the use list. Without memory
 * the table stays as it is (longer chains).
 */
static void
grow(struct lc_join *j)
{
	struct lc_msg **nb, *m;
	size_t n = (j->mask + 1) * 2;

	if ((nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	for (m = j->head; m != NULL; m = m->next) {
		m->hnext = nb[m->h & (n - 1)];
		nb[m->h & (n - 1)] = m;
	}
	free(j->bucket);
	j->bucket = nb;
	j->mask = n - 1;
}

/* Inserts m (its key and h set) at the front. */
static void
insert(struct lc_join *j, struct lc_msg *m)
{
	struct lc_msg **b;

	if (2 * (j->c.open + 1) > j->mask + 1 && j->mask + 1 < j->nbmax)
		grow(j);
	b = &j->bucket[m->h & j->mask];

	m->hnext = *b;
	*b = m;
	lru_front(j, m);
	j->c.open++;
	/* a new one's last is 0 here: seen() follows */
	if (m->last > 0 && m->last < j->min_last)
		j->min_last = m->last;
}

/*
 * Makes room for one more message: the least recently used goes to the
 * store (if it changed) and out of memory. 0 or -1 (put failed).
 */
static int
evict(struct lc_join *j)
{
	struct lc_msg *m;

	while (j->c.open >= j->max_open && (m = j->tail) != NULL) {
		if (m->dirty && j->has_ops && j->ops.put(j->ops.arg, m) == -1)
			return -1;
		dirty_unlink(j, m);
		m->dirty = false;
		j->c.evicted++;
		evbit_set(j, m->h);
		drop(j, m);
	}
	return 0;
}

/* The outcome of a message that left the queue, from its recipients. */
static enum lc_state
outcome(const struct lc_msg *m)
{
	bool sent = false, bounced = false, expired = false;
	size_t i;

	if (m->state == LC_S_EXPIRED)
		return LC_S_EXPIRED;
	for (i = 0; i < m->nr; i++)
		switch (m->r[i].status) {
		case BS_STATUS_SENT:
			sent = true;
			break;
		case BS_STATUS_BOUNCED:
			bounced = true;
			break;
		case BS_STATUS_EXPIRED:
			expired = true;
			break;
		default:
			break;
		}
	if (expired)
		return LC_S_EXPIRED;
	if (bounced)
		return LC_S_BOUNCED;
	return sent ? LC_S_SENT : LC_S_REMOVED;
}

/*
 * Ends m: it leaves the table at once (a new message may take its queue
 * id) and waits in the ended list for drain(), which writes and frees it
 * before the join's entry point returns.
 */
static void
finish(struct lc_join *j, struct lc_msg *m, int64_t t, enum lc_state st)
{
	m->final = t > 0 ? t : m->last;
	if (m->final <= 0)
		m->final = 1;
	m->state = (uint8_t)st;
	j->c.closed++;
	hash_unlink(j, m);
	lru_unlink(j, m);
	dirty_unlink(j, m);
	j->c.open--;
	m->dnext = j->ended_head;
	j->ended_head = m;
	j->ended++;
}

/*
 * The open message of key k, from memory, else from the store (when it
 * may be there), else a new one when create. *m NULL when none. 0 or -1.
 */
static int
find(struct lc_join *j, const struct lc_key *k, uint64_t h, bool create,
    struct lc_msg **out)
{
	struct lc_msg *m, tmp;
	int rc;

	*out = NULL;
	if ((m = lookup(j, k, h)) != NULL) {
		if (m != j->head) {
			lru_unlink(j, m);
			lru_front(j, m);
		}
		*out = m;
		return 0;
	}
	rc = 0;
	/* The store must not hand back a message that ended here: write
	 * the ended ones first. */
	if (j->ended > 0 && drain(j) == -1)
		return -1;
	if (j->has_ops && evbit_test(j, h)) {
		memset(&tmp, 0, sizeof(tmp));
		if ((rc = j->ops.find(j->ops.arg, k, &tmp)) == -1)
			return -1;
	}
	if (rc == 0 && !create)
		return 0;
	if (evict(j) == -1) {
		if (rc == 1)
			lc_msg_clear(&tmp);
		return -1;
	}
	if ((m = msg_new(j, k)) == NULL) {
		if (rc == 1)
			lc_msg_clear(&tmp);
		return -1;
	}
	if (rc == 1) {
		lc_msg_clear(m);
		*m = tmp;
		key_lens(m);
		j->c.reloaded++;
	} else
		j->c.opened++;
	m->h = h;
	m->hnext = m->prev = m->next = m->dprev = m->dnext = NULL;
	m->dirty = m->in_dirty = false;
	insert(j, m);
	*out = m;
	return 0;
}

static void
seen(struct lc_join *j, struct lc_msg *m, int64_t t)
{
	if (t <= 0) { /* an information line carries no time */
		if (m->last == 0)
			m->first = m->last = j->newest;
		if (m->last < j->min_last)
			j->min_last = m->last;
		return;
	}
	if (m->first == 0 || (t > 0 && t < m->first))
		m->first = t;
	if (t > m->last)
		m->last = t;
	if (t > j->newest)
		j->newest = t;
	if (m->last < j->min_last)
		j->min_last = m->last;
}

/* The MTAs that log no end of a message (no "removed", "Completed"). */
static bool
logs_no_end(const struct lc_msg *m)
{
	return m->mta == BS_MTA_SENDMAIL || m->mta == BS_MTA_OPENSMTPD;
}

/*
 * Sendmail and OpenSMTPD log no end: a message ends when every recipient
 * has (Sendmail's from= line's nrcpts, OpenSMTPD's "smtp message ...
 * nrcpt=" line). Without that line (a log that starts after it),
 * how many recipients there are is unknown: the message stays open, so
 * that a later line still joins it, but once every recipient seen has a
 * final result its state is their outcome (sent, bounced, expired), not
 * queued; a deferred recipient makes it deferred again.
 */
static void
maybe_done(struct lc_join *j, struct lc_msg *m)
{
	size_t i, done = 0;

	if (!logs_no_end(m) || m->final != 0)
		return;
	for (i = 0; i < m->nr; i++)
		if (m->r[i].status == BS_STATUS_SENT ||
		    m->r[i].status == BS_STATUS_BOUNCED ||
		    m->r[i].status == BS_STATUS_EXPIRED)
			done++;
	if (m->nrcpt > 0) {
		if (done + m->rcpt_dropped >= (size_t)m->nrcpt)
			finish(j, m, m->last, outcome(m));
	} else if (m->nr > 0 && done == m->nr)
		m->state = (uint8_t)outcome(m);
}

/*
 * The state of a message that ends with no end line (quiet too long, or
 * its queue id reused): incomplete, but for a Sendmail or OpenSMTPD
 * message whose recipients all had a final result (maybe_done()), which
 * keeps it.
 */
static enum lc_state
unended(const struct lc_msg *m)
{
	if (logs_no_end(m) &&
	    (m->state == LC_S_SENT || m->state == LC_S_BOUNCED ||
		m->state == LC_S_EXPIRED))
		return (enum lc_state)m->state;
	return LC_S_INCOMPLETE;
}

/*
 * The class a recipient keeps when its message expires: the class of
 * its last failure, when it had one (the receiver's throttle or block
 * that kept it queued, which is what `messages --class` and an
 * incident's messages look for); else the expiry's own (expired). The
 * status says it expired.
 */
static uint8_t
expired_class(uint8_t last, int expiry)
{
	if (last != BS_CLASS_NONE && last != BS_CLASS_EXPIRED)
		return last;
	return (uint8_t)expiry;
}

/*
 * The message left the queue undelivered (Postfix's qmgr "status=expired"
 * with no recipient, Exim's "cancelled by timeout_frozen_after"): every
 * recipient neither sent nor bounced expired at time t, keeping the class
 * of its last failure. The message is expired when one did.
 */
static void
expire_pending(struct lc_msg *m, int64_t t)
{
	size_t i;
	bool any = m->nr == 0;

	for (i = 0; i < m->nr; i++)
		if (m->r[i].status != BS_STATUS_SENT &&
		    m->r[i].status != BS_STATUS_BOUNCED) {
			m->r[i].status = BS_STATUS_EXPIRED;
			m->r[i].cls =
			    expired_class(m->r[i].cls, BS_CLASS_EXPIRED);
			m->r[i].last = t;
			m->r[i].dirty = true;
			any = true;
		}
	if (any)
		m->state = LC_S_EXPIRED;
}

int
lc_join_line(struct lc_join *j, const struct lc_line *lc)
{
	return lc_join_line_h(j, lc, lc_join_hash(lc->mta, lc->queue_id));
}

int
lc_join_line_h(struct lc_join *j, const struct lc_line *lc, uint64_t h)
{
	struct lc_key k = { lc->mta, lc->host, lc->instance, lc->queue_id };
	struct lc_msg *m;

	if (lc->queue_id.len == 0)
		return 0;
	if (find(j, &k, h, lc->kind != LC_END, &m) == -1)
		return -1;
	if (m == NULL)
		return 0;
	/* A start line of a queue id still open: the id was reused. */
	if (lc->kind == LC_START && (m->has_start || m->nr > 0)) {
		j->c.reused++;
		finish(j, m, m->last, unended(m));
		if (find(j, &k, h, true, &m) == -1)
			return -1;
	}
	seen(j, m, lc->time);
	if (lc->kind == LC_START)
		m->has_start = true;
	if (lc->has_sender && !m->has_sender) {
		put(m->sender, sizeof(m->sender), lc->sender);
		m->has_sender = true;
	}
	if (lc->sasl_user.len > 0)
		put(m->sasl_user, sizeof(m->sasl_user), lc->sasl_user);
	if (lc->client.len > 0)
		put(m->client, sizeof(m->client), lc->client);
	if (lc->message_id.len > 0)
		put(m->message_id, sizeof(m->message_id), lc->message_id);
	if (lc->size >= 0)
		m->size = lc->size;
	if (lc->nrcpt >= 0)
		m->nrcpt = lc->nrcpt;
	if (lc->cancelled)
		expire_pending(m, lc->time);
	/* Issue 14: an end line hands the message to drain() (ops->put)
	 * at once: no need to link it into the dirty list, from which
	 * finish() would unlink it again (put reads no dirty flag). */
	if (lc->kind == LC_END) {
		finish(j, m, lc->time, outcome(m));
		return drain(j);
	}
	mark(j, m);
	maybe_done(j, m);
	return drain(j);
}

static struct lc_rcpt *
rcpt_of(struct lc_msg *m, struct bs_span addr)
{
	struct lc_rcpt *r;
	size_t i, n;

	for (i = 0; i < m->nr; i++)
		if (span_is(addr, m->r[i].addr, sizeof(m->r[i].addr)))
			return &m->r[i];
	if (m->nr >= LC_RCPT_MAX)
		return NULL;
	if (m->nr == m->cap) {
		n = m->cap == 0 ? 2 : m->cap * 2;
		if (n > LC_RCPT_MAX)
			n = LC_RCPT_MAX;
		if ((r = realloc(m->r, n * sizeof(*r))) == NULL)
			return NULL;
		m->r = r;
		m->cap = n;
	}
	/* Issue 14: not a memset() of all 400 bytes: every field set, the
	 * strings empty (nothing reads past a string's NUL). */
	r = &m->r[m->nr++];
	put(r->addr, sizeof(r->addr), addr);
	r->provider[0] = r->relay[0] = r->transport[0] = '\0';
	r->first = r->last = 0;
	r->attempts = 0;
	r->status = 0;
	r->code = 0;
	r->dirty = false;
	r->cls = BS_CLASS_NONE;
	return r;
}

/*
 * A local decision of our MTA (Exim's "retry time not reached", its
 * queue-only deferrals: flag local) is no reply and no failure: the
 * recipient stays deferred with the code, class, relay and result count
 * of the receiver's last reply (or none yet).
 */
static bool
local_decision(const struct bs_event *ev)
{
	return ev->status == BS_STATUS_DEFERRED &&
	    (ev->flags & BS_EVENT_LOCAL) != 0;
}

int
lc_join_event(struct lc_join *j, const struct bs_event *ev,
    const struct classify_result *cr, const char *provider,
    const struct lc_line *lc)
{
	return lc_join_event_h(
	    j, ev, cr, provider, lc, lc_join_hash(ev->mta, ev->queue_id));
}

int
lc_join_event_h(struct lc_join *j, const struct bs_event *ev,
    const struct classify_result *cr, const char *provider,
    const struct lc_line *lc, uint64_t h)
{
	struct bs_span inst = lc != NULL ? lc->instance : bs_span_make("", 0);
	struct lc_key k = { ev->mta, ev->host, inst, ev->queue_id };
	struct lc_msg *m;
	struct lc_rcpt *r;
	size_t i;

	/* Per-MX attempts are in the event table; the message waits for
	 * the result. A result without a queue id has no message. */
	if (ev->queue_id.len == 0 || ev->status == BS_STATUS_ATTEMPT ||
	    ev->status == BS_STATUS_NONE)
		return 0;
	if (find(j, &k, h, true, &m) == -1)
		return -1;
	seen(j, m, ev->time);
	mark(j, m);
	if (ev->status != BS_STATUS_SENT && !local_decision(ev))
		m->failed++;
	if (ev->rcpt.len == 0) {
		/* Postfix qmgr "status=expired, returned to sender": every
		 * recipient not delivered expired. */
		if (ev->status == BS_STATUS_EXPIRED)
			expire_pending(m, ev->time);
		return 0;
	}
	if ((r = rcpt_of(m, ev->rcpt)) == NULL) {
		m->rcpt_dropped++;
		j->c.dropped++;
		return 0;
	}
	if (r->first == 0)
		r->first = ev->time;
	if (ev->time > r->last)
		r->last = ev->time;
	r->status = (uint8_t)ev->status;
	put(r->provider, sizeof(r->provider),
	    bs_span_make(provider, provider != NULL ? strlen(provider) : 0));
	if (local_decision(ev))
		goto keep_reply;
	if (r->attempts < UINT16_MAX)
		r->attempts++;
	r->code = (int16_t)ev->smtp_code;
	if (ev->status == BS_STATUS_EXPIRED && cr != NULL)
		r->cls = expired_class(r->cls, cr->cls);
	else if (ev->status != BS_STATUS_SENT && cr != NULL)
		r->cls = (uint8_t)cr->cls;
	put(r->relay, sizeof(r->relay), ev->relay_host);
keep_reply:
	if (lc != NULL && lc->kind == LC_RESULT)
		put(r->transport, sizeof(r->transport), lc->transport);
	r->dirty = true;
	if (m->final == 0)
		m->state =
		    (uint8_t)(ev->status == BS_STATUS_DEFERRED ? LC_S_DEFERRED
							       : m->state);
	if (m->final == 0 && ev->status != BS_STATUS_DEFERRED &&
	    m->state == LC_S_DEFERRED) {
		m->state = LC_S_QUEUED;
		for (i = 0; i < m->nr; i++)
			if (m->r[i].status == BS_STATUS_DEFERRED)
				m->state = LC_S_DEFERRED;
	}
	maybe_done(j, m);
	return drain(j);
}

int
lc_join_flush(struct lc_join *j)
{
	struct lc_msg *m, *prev;
	int64_t quiet = j->newest - j->lifetime - LC_DAY, low = INT64_MAX;
	size_t i;

	/*
	 * Messages quiet for longer than they can stay queued: every open
	 * one, not only the least recently used ones, since use order is
	 * not time order (an older log imported after a newer one) and
	 * messages restored from the store come back in time order: the
	 * same messages must end whatever order they were seen in. The
	 * sweep runs only when one may be that old (min_last).
	 */
	if (j->min_last < quiet) {
		for (m = j->tail; m != NULL; m = prev) {
			prev = m->prev;
			if (m->last < quiet) {
				j->c.quiet++;
				finish(j, m, m->last, unended(m));
			} else if (m->last < low)
				low = m->last;
		}
		j->min_last = low;
	}
	if (drain(j) == -1)
		return -1;
	while ((m = j->dirty) != NULL) {
		if (j->has_ops && j->ops.put(j->ops.arg, m) == -1)
			return -1;
		dirty_unlink(j, m);
		m->dirty = false;
		for (i = 0; i < m->nr; i++)
			m->r[i].dirty = false;
	}
	return 0;
}

int
lc_join_restore(struct lc_join *j, struct lc_msg *src)
{
	struct lc_key k;
	struct lc_msg *m;

	if (j->c.open >= j->max_open) {
		k.mta = (enum bs_mta)src->mta;
		k.host = bs_span_make(src->host, strlen(src->host));
		k.instance = bs_span_make(src->instance, strlen(src->instance));
		k.qid = bs_span_make(src->qid, strlen(src->qid));
		evbit_set(j, key_hash(&k));
		lc_msg_clear(src);
		return 0;
	}
	if ((m = malloc(sizeof(*m))) == NULL) {
		lc_msg_clear(src);
		return -1;
	}
	*m = *src;
	src->r = NULL;
	src->nr = src->cap = 0;
	k.mta = (enum bs_mta)m->mta;
	k.host = bs_span_make(m->host, strlen(m->host));
	k.instance = bs_span_make(m->instance, strlen(m->instance));
	k.qid = bs_span_make(m->qid, strlen(m->qid));
	m->h = key_hash(&k);
	m->hnext = m->prev = m->next = m->dprev = m->dnext = NULL;
	m->dirty = m->in_dirty = false;
	key_lens(m);
	/* restored newest first: each goes behind the others */
	insert(j, m);
	lru_unlink(j, m);
	m->prev = j->tail;
	if (j->tail != NULL)
		j->tail->next = m;
	else
		j->head = m;
	j->tail = m;
	if (m->last > j->newest)
		j->newest = m->last;
	return 0;
}

void
lc_join_reset(struct lc_join *j)
{
	struct lc_msg *m;

	while ((m = j->ended_head) != NULL) {
		j->ended_head = m->dnext;
		msg_free(m);
	}
	j->ended = 0;
	while ((m = j->dirty) != NULL)
		dirty_unlink(j, m);
	while ((m = j->head) != NULL)
		drop(j, m);
	memset(j->evbits, 0, LC_EVBITS / 8);
	j->evset = 0;
	j->min_last = INT64_MAX;
}

int64_t
lc_join_newest(const struct lc_join *j)
{
	return j->newest;
}

void
lc_join_set_newest(struct lc_join *j, int64_t t)
{
	if (t > j->newest)
		j->newest = t;
}

void
lc_join_free(struct lc_join *j)
{
	struct lc_msg *m;

	if (j == NULL)
		return;
	lc_join_reset(j);
	while ((m = j->spare) != NULL) {
		j->spare = m->hnext;
		msg_free(m);
	}
	free(j->evbits);
	free(j->bucket);
	free(j);
}

const struct lc_counters *
lc_join_counters(const struct lc_join *j)
{
	return &j->c;
}
