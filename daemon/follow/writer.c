/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See writer.h. Buffers go round between two queues under one mutex:
 * free (the caller takes one to fill) and full (the thread takes one to
 * apply). An operation is a header and a payload; a record's event and
 * classification are copied by value with their spans re-pointed at
 * copies of their bytes behind them in the same buffer, which stays put
 * until the thread has applied it. Only the fields the store reads are
 * kept (store.c: store_add()); the others are cleared.
 *
 * Not here: SQL (the store's), logging (the caller's), any decision about
 * batches (the caller appends begin and commit where it wants them).
 */
#define _GNU_SOURCE /* pthread_setname_np() */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metric.h"
#include "msgtrack.h"
#include "writer.h"

enum wop {
	W_BEGIN = 1,
	W_ADD,
	W_POS,
	W_LINES,
	W_COMMIT,
	W_LC,     /* a lifecycle line for msgtrack_line() */
	W_META,   /* store_meta_set() */
	W_MSG,    /* issue 14: message_store_write() */
	W_MSGSYNC /* issue 14: message_store_sync() */
};

/* What writer_failed_op() names, by operation. */
static const char *const wop_name[] = { "", "begin", "add", "position", "lines",
	"commit", "lifecycle", "meta", "message", "message sync" };

struct whdr {
	uint32_t op;
	uint32_t size; /* header included, a multiple of 8 */
};

struct wadd {
	struct bs_event ev;
	struct classify_result cr;
	const char *provider;
	/* Issue 16, when track: what msgtrack_event() reads of the line's
	 * lifecycle part (lc_join_event()); ev.rcpt is copied too. */
	bool track;
	const char *tmpl; /* issue 14: store_add_tmpl(), or NULL */
	size_t tmpl_len;
	enum lc_kind lc_kind;
	struct bs_span lc_instance, lc_transport;
	uint64_t lc_hash; /* issue 14: lc_join_hash(), the caller's */
	uint32_t kslot;   /* issue 14: store_key_slot(), or KSLOT_OWN */
};

/*
 * wadd.kslot of a record whose key names go through the store's own
 * memo (store_add_tmpl()): without message tracking, where the reading
 * thread is the busier one (issue 14).
 */
#define KSLOT_OWN (UINT32_MAX - 1)

struct wlc {
	struct lc_line lc;
	uint64_t h; /* issue 14: lc_join_hash(), computed by the caller */
};

struct wpos {
	struct store_position pos;
};

struct wlines {
	uint64_t n[METRIC_LINE_COUNT];
};

struct wmeta {
	const char *key, *value;
};

/* Issue 14: a message of the caller's join, its recipients behind it. */
struct wmsg {
	uint32_t act; /* enum msg_act */
	int64_t id;
	struct lc_msg m;
};

struct wbuf {
	size_t used;
	char *data;
};

struct writer {
	struct store *st;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv_work; /* the thread waits: a full buffer, or stop */
	pthread_cond_t cv_idle; /* the caller waits: a free buffer, or idle */
	struct wbuf bufs[WRITER_BUFS];
	int fullq[WRITER_BUFS]; /* ring of full buffers, in order */
	size_t full_head, nfull;
	int freeq[WRITER_BUFS]; /* stack of free buffers */
	size_t nfree;
	int cur;     /* the buffer the caller fills, -1: none */
	bool busy;   /* the thread is applying a buffer */
	bool stop;   /* writer_free(): exit when the full queue is empty */
	bool failed; /* an operation failed since the last sync */
	bool seen;   /* the caller has seen failed (at a hand-over) */
	char err[BS_ERRLEN];
	uint32_t fail_op;         /* the operation that failed (enum wop) */
	uint64_t commits;         /* caller: commits appended */
	uint64_t committed;       /* thread: commits applied (under mu) */
	writer_notify_fn *notify; /* thread: after a commit or failure */
	void *notify_arg;
	struct msgtrack *mt; /* issue 16, or NULL; used by the thread */
	bool mt_txn;         /* thread: a batch begun and not committed */
	/* review12: the batch begun last follows one not committed (read
	 * by the caller once idle: writer_rolled_back()) */
	bool rolled_back;
	bool hold; /* issue 14: the caller may use the store (writer_sync()):
		    * no store_work() until the next buffer comes */
	bool work; /* issue 14: store_work() may have rows to write */
	/* Issue 14: track_event()'s line, zeroed once (calloc): only the
	 * fields set there differ from one event to the next. */
	struct lc_line tlc;
	/* Issue 14: the caller's memo of the records' key names: the
	 * caller hashes and compares them, the thread reads a slot's ids
	 * (store_add_slot()). */
	struct store_key_memo *km;
	/* Issue 14: the message store of a join on the caller's thread
	 * (writer_set_msgstore()), or NULL; kmemo: the caller probes km */
	struct message_store *ms;
	bool kmemo;
};

static int sync_idle(struct writer *, const char *why);

/* Count rows store_work() writes between two looks at the queue. */
#define WRITER_WORK_ROWS 256

#define ALIGN8(n) (((n) + 7) & ~(size_t)7)

/*
 * Issue 16: a begin after a batch that was never committed (a failure,
 * a rollback) reloads the open messages, which rolled back with it; so
 * does one after another writer's commit (msgtrack_begin()).
 */
static int
begin(struct writer *w)
{
	if (store_begin(w->st) == -1)
		return -1;
	if (w->mt != NULL && msgtrack_begin(w->mt, w->mt_txn) == -1)
		return -1; /* apply() rolls back */
	/* Issue 14: the rows waiting rolled back with their batch */
	if (w->ms != NULL && w->mt_txn)
		message_store_forget(w->ms);
	w->rolled_back = w->mt_txn;
	w->mt_txn = true;
	return 0;
}

/* Issue 16: the changed open messages go with the batch's positions. */
static int
commit(struct writer *w)
{
	if (w->mt != NULL && msgtrack_flush(w->mt) == -1)
		return -1;
	if (w->ms != NULL && message_store_sync(w->ms) == -1)
		return -1;
	if (store_commit(w->st) == -1)
		return -1;
	w->mt_txn = false;
	return 0;
}

/* Issue 16: msgtrack_event() of a queued record. */
static int
track_event(struct writer *w, const struct wadd *a)
{
	struct lc_line *lc = &w->tlc;

	if (w->mt == NULL)
		return 0;
	lc->kind = a->lc_kind;
	lc->mta = a->ev.mta;
	lc->instance = a->lc_instance;
	lc->transport = a->lc_transport;
	return msgtrack_event_h(
	    w->mt, &a->ev, &a->cr, a->provider, lc, a->lc_hash);
}

/* Issue 14: message_store_write() of a queued message. */
static int
apply_msg(struct writer *w, const struct wmsg *a)
{
	struct lc_msg m;

	if (w->ms == NULL)
		return -1;
	m = a->m;
	m.r = m.nr > 0 ? (struct lc_rcpt *)(void *)(uintptr_t)(a + 1) : NULL;
	m.cap = m.nr;
	return message_store_write(w->ms, &m, (enum msg_act)a->act, a->id);
}

/* Operation op failed: the batch is rolled back, the rest skipped. */
static void
fail(struct writer *w, uint32_t op)
{
	pthread_mutex_lock(&w->mu);
	snprintf(w->err, sizeof(w->err), "%s", store_errmsg(w->st));
	w->fail_op = op;
	w->failed = true;
	pthread_cond_broadcast(&w->cv_idle);
	pthread_mutex_unlock(&w->mu);
	/* commit rolls back by itself; the others leave it to us */
	store_rollback(w->st);
	if (w->notify != NULL)
		w->notify(w->notify_arg);
}

/*
 * The caller's own store call for op failed (a record too large for a
 * buffer, applied on the caller's thread while the writer is idle): the
 * store's error kept, the batch rolled back, the failure seen. Returns -1.
 */
static int
inline_failed(struct writer *w, uint32_t op)
{
	snprintf(w->err, sizeof(w->err), "%s", store_errmsg(w->st));
	store_rollback(w->st);
	w->fail_op = op;
	w->seen = true;
	return -1;
}

/* Applies one buffer's operations; the first failure ends the batch. */
static void
apply(struct writer *w, struct wbuf *b)
{
	const char *p = b->data, *end = b->data + b->used;
	const struct whdr *h;
	const struct wadd *a;
	struct store_record rec;
	int rc = 0;

	for (; p < end && rc == 0 && !w->failed; p += h->size) {
		h = (const struct whdr *)(const void *)p;
		switch (h->op) {
		case W_BEGIN:
			rc = begin(w);
			break;
		case W_ADD:
			a = (const struct wadd *)(const void *)(h + 1);
			if (a->track && track_event(w, a) == -1) {
				rc = -1;
				break;
			}
			rec.ev = &a->ev;
			rec.cr = &a->cr;
			rec.provider = a->provider;
			rc = a->kslot == KSLOT_OWN
			    ? store_add_tmpl(w->st, &rec, a->tmpl, a->tmpl_len)
			    : store_add_slot(
				  w->st, &rec, a->tmpl, a->tmpl_len, a->kslot);
			break;
		case W_LC:
			if (w->mt != NULL) {
				const struct wlc *l =
				    (const struct wlc *)(const void *)(h + 1);

				rc = msgtrack_line_h(w->mt, &l->lc, l->h);
			}
			break;
		case W_POS:
			rc = store_put_position(w->st,
			    &((const struct wpos *)(const void *)(h + 1))->pos);
			break;
		case W_LINES:
			rc = metric_lines_add(w->st,
			    ((const struct wlines *)(const void *)(h + 1))->n);
			break;
		case W_COMMIT:
			if ((rc = commit(w)) == 0) {
				pthread_mutex_lock(&w->mu);
				w->committed++;
				pthread_cond_broadcast(&w->cv_idle);
				pthread_mutex_unlock(&w->mu);
				if (w->notify != NULL)
					w->notify(w->notify_arg);
			}
			break;
		case W_MSG:
			rc = apply_msg(
			    w, (const struct wmsg *)(const void *)(h + 1));
			break;
		case W_MSGSYNC:
			rc = w->ms != NULL ? message_store_sync(w->ms) : 0;
			break;
		case W_META:
			rc = store_meta_set(w->st,
			    ((const struct wmeta *)(const void *)(h + 1))->key,
			    ((const struct wmeta *)(const void *)(h + 1))
				->value);
			break;
		default:
			rc = -1;
			break;
		}
	}
	if (rc == -1)
		fail(w, h->op);
	b->used = 0;
}

/*
 * Issue 14: writes some count rows of a full table that the store set
 * aside (store_work()) while no buffer waits; called and returning with
 * mu held. The caller that waits in writer_sync() sees busy.
 */
static void
idle_work(struct writer *w)
{
	int rc;

	w->busy = true;
	pthread_mutex_unlock(&w->mu);
	rc = store_work(w->st, WRITER_WORK_ROWS);
	if (rc == -1)
		fail(w, W_ADD);
	pthread_mutex_lock(&w->mu);
	w->work = rc == 1;
	w->busy = false;
	pthread_cond_broadcast(&w->cv_idle);
}

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	int idx;

#ifdef __linux__
	(void)pthread_setname_np(pthread_self(), "bs-writer");
#endif
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->nfull == 0 && !w->stop) {
			if (w->work && !w->hold && !w->failed) {
				idle_work(w);
				continue;
			}
			pthread_cond_wait(&w->cv_work, &w->mu);
		}
		if (w->nfull == 0)
			break;
		idx = w->fullq[w->full_head];
		w->full_head = (w->full_head + 1) % WRITER_BUFS;
		w->nfull--;
		w->busy = true;
		pthread_mutex_unlock(&w->mu);
		if (!w->failed) {
			apply(w, &w->bufs[idx]);
			/* Rows set aside (0 rows: only asks)? */
			w->work = !w->failed && store_work(w->st, 0) == 1;
		}
		w->bufs[idx].used = 0;
		pthread_mutex_lock(&w->mu);
		w->busy = false;
		w->freeq[w->nfree++] = idx;
		pthread_cond_broadcast(&w->cv_idle);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* See writer.h. */
struct writer *
writer_new(struct store *st, char *errbuf)
{
	struct writer *w;
	int i, e;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		goto nomem;
	w->st = st;
	w->cur = -1;
	if ((w->km = store_key_memo_new()) == NULL)
		goto nomem;
	for (i = 0; i < WRITER_BUFS; i++) {
		if ((w->bufs[i].data = malloc(WRITER_BUF_BYTES)) == NULL)
			goto nomem;
		w->freeq[w->nfree++] = i;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv_work, NULL);
	pthread_cond_init(&w->cv_idle, NULL);
	/* Issue 14: before the thread runs; see writer_set_msgtrack(). */
	store_work_enable(st, true);
	if ((e = pthread_create(&w->th, NULL, writer_main, w)) != 0) {
		store_work_enable(st, false);
		snprintf(errbuf, BS_ERRLEN, "writer thread: %s", strerror(e));
		pthread_cond_destroy(&w->cv_idle);
		pthread_cond_destroy(&w->cv_work);
		pthread_mutex_destroy(&w->mu);
		goto fail;
	}
	return w;
nomem:
	snprintf(errbuf, BS_ERRLEN, "writer: out of memory");
fail:
	if (w != NULL) {
		for (i = 0; i < WRITER_BUFS; i++)
			free(w->bufs[i].data);
		store_key_memo_free(w->km);
	}
	free(w);
	return NULL;
}

/* See writer.h. */
void
writer_set_msgtrack(struct writer *w, struct msgtrack *mt)
{
	pthread_mutex_lock(&w->mu);
	w->mt = mt;
	/* Issue 14: with message tracking the thread is the import's bound
	 * and never waits for records, so full count tables are written at
	 * once, without the memory of a table set aside. */
	store_work_enable(w->st, mt == NULL);
	w->kmemo = mt != NULL;
	pthread_mutex_unlock(&w->mu);
}

/* See writer.h. */
void
writer_set_msgstore(struct writer *w, struct message_store *ms)
{
	pthread_mutex_lock(&w->mu);
	w->ms = ms;
	/* as with msgtrack on the thread: tables written at once, and the
	 * key memo probed by the caller */
	store_work_enable(w->st, ms == NULL);
	w->kmemo = ms != NULL;
	pthread_mutex_unlock(&w->mu);
}

/* See writer.h. */
void
writer_set_caller_keys(struct writer *w, bool caller)
{
	pthread_mutex_lock(&w->mu);
	w->kmemo = caller;
	pthread_mutex_unlock(&w->mu);
}

void
writer_free(struct writer *w)
{
	int i;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv_work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	store_work_enable(w->st, false);
	pthread_cond_destroy(&w->cv_idle);
	pthread_cond_destroy(&w->cv_work);
	pthread_mutex_destroy(&w->mu);
	for (i = 0; i < WRITER_BUFS; i++)
		free(w->bufs[i].data);
	store_key_memo_free(w->km);
	free(w);
}

/*
 * Hands the current buffer (if any) to the thread; with take, waits for
 * a free one and makes it current. Returns -1 when the thread has failed.
 */
static int
hand_over(struct writer *w, bool take)
{
	int rc;

	pthread_mutex_lock(&w->mu);
	if (w->cur >= 0 && w->bufs[w->cur].used > 0) {
		w->fullq[(w->full_head + w->nfull) % WRITER_BUFS] = w->cur;
		w->nfull++;
		w->cur = -1;
		w->hold = false;
		pthread_cond_signal(&w->cv_work);
	}
	if (take && w->cur < 0) {
		while (w->nfree == 0)
			pthread_cond_wait(&w->cv_idle, &w->mu);
		w->cur = w->freeq[--w->nfree];
	}
	if (w->failed)
		w->seen = true;
	rc = w->seen ? -1 : 0;
	pthread_mutex_unlock(&w->mu);
	return rc;
}

/*
 * Room for an operation of size bytes (a multiple of 8, at most
 * WRITER_BUF_BYTES) in the current buffer, its header written. NULL when
 * the thread has failed.
 */
static inline void *
reserve(struct writer *w, enum wop op, size_t size)
{
	struct whdr *h;
	struct wbuf *b;

	if (w->seen)
		return NULL;
	if ((w->cur < 0 || w->bufs[w->cur].used + size > WRITER_BUF_BYTES) &&
	    hand_over(w, true) == -1)
		return NULL;
	b = &w->bufs[w->cur];
	h = (struct whdr *)(void *)(b->data + b->used);
	h->op = op;
	h->size = (uint32_t)size;
	b->used += size;
	return h + 1;
}

static int
simple(struct writer *w, enum wop op)
{
	return reserve(w, op, sizeof(struct whdr)) == NULL ? -1 : 0;
}

int
writer_begin(struct writer *w)
{
	return simple(w, W_BEGIN);
}

int
writer_lines(struct writer *w, const uint64_t n[METRIC_LINE_COUNT])
{
	struct wlines *l;

	if ((l = reserve(
		 w, W_LINES, ALIGN8(sizeof(struct whdr) + sizeof(*l)))) == NULL)
		return -1;
	memcpy(l->n, n, sizeof(l->n));
	return 0;
}

/* Appends the commit and hands the buffer over: the batch is complete. */
int
writer_commit(struct writer *w)
{
	if (simple(w, W_COMMIT) == -1)
		return -1;
	w->commits++;
	return hand_over(w, false);
}

/* Copies sp's bytes to *tail and points sp at the copy. */
static void
move_span(struct bs_span *sp, char **tail)
{
	if (sp->ptr == NULL)
		return;
	memcpy(*tail, sp->ptr, sp->len);
	sp->ptr = *tail;
	*tail += sp->len;
}

/* Copies s (may be NULL) to *tail, NUL-terminated; returns the copy. */
static const char *
move_str(const char *s, size_t n, char **tail)
{
	char *d = *tail;

	if (s == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	*tail += n + 1;
	return d;
}

int
writer_add(
    struct writer *w, const struct store_record *rec, const struct lc_line *lc)
{
	return writer_add_src(w, rec, lc, NULL, 0, NULL, 0);
}

int
writer_add_tmpl(struct writer *w, const struct store_record *rec,
    const struct lc_line *lc, const char *tmpl, size_t tmpl_len)
{
	return writer_add_src(w, rec, lc, tmpl, tmpl_len, NULL, 0);
}

/*
 * Issue 14: a record parsed from a line ([src, src + srclen)) is copied
 * with the whole line, one memcpy() instead of one a span (a dozen
 * calls a record), its spans re-pointed into the copy. A span elsewhere
 * (a journald message decoded into the scratch buffer, a constant such
 * as pickup's "local") is copied on its own as before. The bytes the
 * thread reads are the same either way.
 */
struct block {
	uintptr_t b; /* the line, 0: none */
	size_t n;    /* its length */
	char *base;  /* its copy */
};

/* Copies the line (if any) to *tail. */
static void
block_copy(struct block *k, const char *src, size_t srclen, char **tail)
{
	k->b = (uintptr_t)src;
	k->n = src != NULL ? srclen : 0;
	k->base = *tail;
	if (k->n > 0) {
		memcpy(*tail, src, k->n);
		*tail += k->n;
	}
}

/* Points sp into the line's copy, or copies its bytes to *tail. */
static inline void
block_move(const struct block *k, struct bs_span *sp, char **tail)
{
	uintptr_t off = (uintptr_t)sp->ptr - k->b;

	if (off <= k->n && sp->len <= k->n - off)
		sp->ptr = k->base + off;
	else
		move_span(sp, tail);
}

/* The bytes a span may take in a record: at most its length. */
static inline size_t
span_room(struct bs_span sp)
{
	return sp.ptr != NULL ? sp.len : 0;
}

int
writer_add_src(struct writer *w, const struct store_record *rec,
    const struct lc_line *lc, const char *tmpl, size_t tmpl_len,
    const char *src, size_t srclen)
{
	const struct bs_event *ev = rec->ev;
	const struct classify_result *cr = rec->cr;
	const char *prov = rec->provider != NULL ? rec->provider : "";
	/* Issue 14: of a delivery (`sent`) the store and the join read
	 * neither the reply and its parts nor the rule (store_add(),
	 * lc_join_event()): those are left out. */
	bool full = ev->status != BS_STATUS_SENT;
	size_t rlen =
	    full && cr != NULL && cr->rule != NULL ? strlen(cr->rule) : 0;
	size_t plen = strlen(prov), need;
	bool track = lc != NULL && w->mt != NULL;
	struct block k;
	struct wadd *a;
	char *tail;

	/* The line, and room for every span should none be in it. */
	need = sizeof(struct whdr) + sizeof(struct wadd) +
	    (src != NULL ? srclen : 0) + span_room(ev->host) +
	    span_room(ev->queue_id) + span_room(ev->rcpt_domain) +
	    span_room(ev->relay_host) + span_room(ev->enhanced) + rlen + 1 +
	    plen + 1;
	if (full) {
		need += span_room(ev->relay_ip) + span_room(ev->dsn) +
		    span_room(ev->reply) + span_room(ev->stage) +
		    span_room(ev->program);
		if (cr != NULL)
			need += span_room(cr->dnsbl) + span_room(cr->listed_ip);
	}
	if (track)
		need += span_room(ev->rcpt) + span_room(lc->instance) +
		    span_room(lc->transport);
	if (tmpl != NULL)
		need += tmpl_len;
	need = ALIGN8(need);
	if (need > WRITER_BUF_BYTES) {
		/* Rare (lines are cut at 64 KiB): applied here, in order,
		 * while the thread is idle. */
		if (writer_sync(w) == -1)
			return -1;
		if ((track &&
			msgtrack_event(w->mt, ev, cr, rec->provider, lc) ==
			    -1) ||
		    store_add_tmpl(w->st, rec, tmpl, tmpl_len) == -1)
			return inline_failed(w, W_ADD);
		return 0;
	}
	if ((a = reserve(w, W_ADD, need)) == NULL)
		return -1;
	tail = (char *)(a + 1);
	memset(a, 0, sizeof(*a));
	block_copy(&k, src, srclen, &tail);
	a->ev.time = ev->time;
	a->ev.usec = ev->usec;
	a->ev.mta = ev->mta;
	a->ev.status = ev->status;
	a->ev.flags = ev->flags;
	a->ev.smtp_code = ev->smtp_code;
	a->ev.reason = ev->reason;
#define MOVE(f)                                                                \
	do {                                                                   \
		a->ev.f = ev->f;                                               \
		block_move(&k, &a->ev.f, &tail);                               \
	} while (0)
	MOVE(host);
	MOVE(queue_id);
	MOVE(rcpt_domain);
	MOVE(relay_host);
	MOVE(enhanced);
	if (full) {
		MOVE(relay_ip);
		MOVE(dsn);
		MOVE(reply);
		MOVE(stage);
		MOVE(program); /* its instance (trial12) */
	}
	if (cr != NULL) {
		a->cr.cls = cr->cls;
		a->cr.permanent = cr->permanent;
		a->cr.limit_hit = cr->limit_hit;
		a->cr.code = cr->code;
		if (full) {
			a->cr.dnsbl = cr->dnsbl;
			block_move(&k, &a->cr.dnsbl, &tail);
			a->cr.listed_ip = cr->listed_ip;
			block_move(&k, &a->cr.listed_ip, &tail);
			a->cr.rule = move_str(cr->rule, rlen, &tail);
		}
	}
	a->provider = move_str(prov, plen, &tail);
	/* Here, not before: a record applied above (too large) has no
	 * slot. With message tracking the thread is the busier one: the
	 * memo is probed here (issue 14). */
	a->kslot = w->kmemo ? store_key_slot(w->km, rec) : KSLOT_OWN;
	if (tmpl != NULL) {
		memcpy(tail, tmpl, tmpl_len);
		a->tmpl = tail;
		a->tmpl_len = tmpl_len;
		tail += tmpl_len;
	}
	if (track) {
		a->track = true;
		MOVE(rcpt);
		a->lc_kind = lc->kind;
		a->lc_instance = lc->instance;
		block_move(&k, &a->lc_instance, &tail);
		a->lc_transport = lc->transport;
		block_move(&k, &a->lc_transport, &tail);
		a->lc_hash = lc_join_hash(ev->mta, ev->queue_id);
	}
#undef MOVE
	return 0;
}

int
writer_lc(struct writer *w, const struct lc_line *lc)
{
	return writer_lc_src(w, lc, NULL, 0);
}

int
writer_lc_src(
    struct writer *w, const struct lc_line *lc, const char *src, size_t srclen)
{
	/* The line, and room for every span should none be in it. Issue
	 * 14: not the transport, which only a result line has and
	 * lc_join_line() does not read (cleared in the copy). */
	size_t need = ALIGN8(sizeof(struct whdr) + sizeof(struct wlc) +
	    (src != NULL ? srclen : 0) + span_room(lc->host) +
	    span_room(lc->instance) + span_room(lc->queue_id) +
	    span_room(lc->sender) + span_room(lc->sasl_user) +
	    span_room(lc->client) + span_room(lc->message_id));
	struct block k;
	struct wlc *a;
	char *tail;

	if (need > WRITER_BUF_BYTES) {
		/* As in writer_add(): here, while the thread is idle. */
		if (writer_sync(w) == -1)
			return -1;
		if (w->mt != NULL && msgtrack_line(w->mt, lc) == -1)
			return inline_failed(w, W_LC);
		return 0;
	}
	if ((a = reserve(w, W_LC, need)) == NULL)
		return -1;
	tail = (char *)(a + 1);
	block_copy(&k, src, srclen, &tail);
	a->lc = *lc;
	a->h = lc_join_hash(lc->mta, lc->queue_id);
	block_move(&k, &a->lc.host, &tail);
	block_move(&k, &a->lc.instance, &tail);
	block_move(&k, &a->lc.queue_id, &tail);
	block_move(&k, &a->lc.sender, &tail);
	block_move(&k, &a->lc.sasl_user, &tail);
	block_move(&k, &a->lc.client, &tail);
	block_move(&k, &a->lc.message_id, &tail);
	a->lc.transport = bs_span_make(NULL, 0);
	return 0;
}

/* See writer.h. */
int
writer_msg(
    struct writer *w, const struct lc_msg *m, enum msg_act act, int64_t id)
{
	size_t rb = m->nr * sizeof(struct lc_rcpt);
	size_t need = ALIGN8(sizeof(struct whdr) + sizeof(struct wmsg) + rb);
	struct lc_msg tmp;
	struct wmsg *a;

	if (need > WRITER_BUF_BYTES) {
		/* Rare (hundreds of recipients): written here, in order,
		 * while the thread is idle, as writer_add_src() does. */
		if (writer_sync(w) == -1)
			return -1;
		tmp = *m;
		if (w->ms == NULL ||
		    message_store_write(w->ms, &tmp, act, id) == -1)
			return inline_failed(w, W_MSG);
		return 0;
	}
	if ((a = reserve(w, W_MSG, need)) == NULL)
		return -1;
	a->act = (uint32_t)act;
	a->id = id;
	a->m = *m;
	if (rb > 0)
		memcpy(a + 1, m->r, rb);
	return 0;
}

/* See writer.h. */
bool
writer_rolled_back(const struct writer *w)
{
	return w->rolled_back;
}

/* See writer.h. */
int
writer_msgsync(struct writer *w)
{
	if (simple(w, W_MSGSYNC) == -1) {
		(void)writer_sync(w);
		return -1;
	}
	return writer_sync(w);
}

int
writer_position(struct writer *w, const struct store_position *pos)
{
	size_t klen = pos->key != NULL ? strlen(pos->key) : 0;
	size_t plen = pos->path != NULL ? strlen(pos->path) : 0;
	struct wpos *a;
	char *tail;

	if (klen + plen + 64 + sizeof(*a) > WRITER_BUF_BYTES) {
		/* Keys and paths are short (PATH_MAX): as writer_add_src()'s
		 * large records, applied here, in order, while the thread is
		 * idle. */
		if (writer_sync(w) == -1)
			return -1;
		return store_put_position(w->st, pos) == -1
		    ? inline_failed(w, W_POS)
		    : 0;
	}
	a = reserve(w, W_POS,
	    ALIGN8(sizeof(struct whdr) + sizeof(*a) + klen + plen + 2));
	if (a == NULL)
		return -1;
	tail = (char *)(a + 1);
	a->pos = *pos;
	a->pos.key = move_str(pos->key, klen, &tail);
	a->pos.path = move_str(pos->path, plen, &tail);
	return 0;
}

int
writer_meta(struct writer *w, const char *key, const char *value)
{
	size_t klen = strlen(key), vlen = strlen(value);
	struct wmeta *m;
	char *tail;

	if (klen + vlen + 64 + sizeof(*m) > WRITER_BUF_BYTES) {
		/* A long list of files: applied here, as writer_position()'s
		 * long keys. */
		if (writer_sync(w) == -1)
			return -1;
		return store_meta_set(w->st, key, value) == -1
		    ? inline_failed(w, W_META)
		    : 0;
	}
	if ((m = reserve(w, W_META,
		 ALIGN8(sizeof(struct whdr) + sizeof(*m) + klen + vlen + 2))) ==
	    NULL)
		return -1;
	tail = (char *)(m + 1);
	m->key = move_str(key, klen, &tail);
	m->value = move_str(value, vlen, &tail);
	return 0;
}

/* See writer.h. */
int
writer_sync(struct writer *w)
{
	return sync_idle(w, NULL);
}

/* See writer.h. */
void
writer_sync_failed(struct writer *w, const char *why)
{
	(void)sync_idle(w, why);
}

/*
 * writer_sync(); with why non-NULL (a failure of the caller's), the
 * message of a failure seen by an earlier sync is kept, else why is.
 */
static int
sync_idle(struct writer *w, const char *why)
{
	int rc;

	hand_over(w, false);
	pthread_mutex_lock(&w->mu);
	w->hold = true; /* the caller may use the store until it hands over */
	while (w->nfull > 0 || w->busy)
		pthread_cond_wait(&w->cv_idle, &w->mu);
	rc = w->failed || w->seen ? -1 : 0;
	if (rc == 0 && why == NULL)
		w->err[0] = '\0';
	else if (rc == 0 && w->err[0] == '\0')
		snprintf(w->err, sizeof(w->err), "%s", why);
	w->failed = false;
	w->seen = false;
	/* What failed was skipped: nothing is left to apply. */
	w->committed = w->commits;
	pthread_mutex_unlock(&w->mu);
	return rc;
}

/* See writer.h. */
int
writer_wait_commits(struct writer *w, uint64_t behind)
{
	int rc;

	pthread_mutex_lock(&w->mu);
	while (!w->failed && w->commits - w->committed > behind)
		pthread_cond_wait(&w->cv_idle, &w->mu);
	if (w->failed)
		w->seen = true;
	rc = w->seen ? -1 : 0;
	pthread_mutex_unlock(&w->mu);
	return rc;
}

/* See writer.h. */
int
writer_poll(struct writer *w)
{
	int rc;

	pthread_mutex_lock(&w->mu);
	if (w->failed)
		w->seen = true;
	rc = w->seen ? -1 : w->committed == w->commits ? 1 : 0;
	pthread_mutex_unlock(&w->mu);
	return rc;
}

/* See writer.h. */
void
writer_set_notify(struct writer *w, writer_notify_fn *fn, void *arg)
{
	pthread_mutex_lock(&w->mu);
	w->notify = fn;
	w->notify_arg = arg;
	pthread_mutex_unlock(&w->mu);
}

/* See writer.h. */
const char *
writer_failed_op(const struct writer *w)
{
	return w->fail_op < sizeof(wop_name) / sizeof(wop_name[0])
	    ? wop_name[w->fail_op]
	    : "?";
}

const char *
writer_errmsg(const struct writer *w)
{
	return w->err;
}
