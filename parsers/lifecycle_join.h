/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The message lifecycle join (issue 16): the lines of one message,
 * spread over a log, brought together by (MTA, logging host, Postfix
 * instance, queue id) into one record: sender, SASL user, client,
 * message-id, size, recipients with their last result, class and
 * attempts, and the outcome once the message left the queue.
 *
 * Bounded: at most max_open messages are held; past that the one seen
 * least recently is handed to the store (ops->put) and dropped from
 * memory (counted as evicted), and a later line of it brings it back
 * (ops->find). A message quiet for longer than the queue lifetime plus a
 * day is closed as "incomplete". Recipients per message are bounded too
 * (LC_RCPT_MAX; more are counted, not kept).
 *
 * Queue ids are reused (Postfix's short ids come from the inode and the
 * time): a message ends at "removed" (Postfix) or "Completed" (Exim), or
 * for Sendmail once every recipient has a final result, and a start line
 * (smtpd client=, pickup, Exim <=, Sendmail from=) for a queue id that
 * is still open closes the old message as "incomplete" (counted as
 * reused) and starts a new one.
 *
 * Persistence is the caller's: a message that ends is handed to ops->put
 * at once and freed (so memory holds open messages only), and
 * lc_join_flush() hands every changed open message to ops->put inside
 * the caller's transaction (with the input positions); lc_join_restore()
 * loads the open ones back at start.
 * Allocation is per message (one record, a recipient array), never per
 * line; no I/O, no clock, no globals.
 */
#ifndef BS_PARSERS_LIFECYCLE_JOIN_H
#define BS_PARSERS_LIFECYCLE_JOIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "classify.h"
#include "event.h"
#include "lifecycle.h"

#define LC_QID_MAX   40
#define LC_HOST_MAX  64
#define LC_INST_MAX  32
#define LC_ADDR_MAX  128
#define LC_MSGID_MAX 128
#define LC_NAME_MAX  64
#define LC_RCPT_MAX  1000 /* recipients kept per message */

/* The outcome of a message (public names: lc_state_name()). */
enum lc_state {
	LC_S_QUEUED = 0, /* open, nothing failed yet */
	LC_S_DEFERRED,   /* open, a recipient's last result deferred */
	LC_S_SENT,       /* final: every recipient delivered */
	LC_S_BOUNCED,    /* final: a recipient bounced */
	LC_S_EXPIRED,    /* final: expired in the queue */
	LC_S_REMOVED,    /* final: left the queue with no result seen */
	LC_S_INCOMPLETE, /* final: its end never came (reused, quiet) */
	LC_S_COUNT
};

struct lc_rcpt {
	char addr[LC_ADDR_MAX];
	char provider[LC_NAME_MAX];
	char relay[LC_NAME_MAX];
	char transport[LC_NAME_MAX];
	int64_t first, last; /* first and last result */
	uint16_t attempts;   /* results (deferrals, the final one) */
	uint8_t status;      /* enum bs_status of the last result */
	uint8_t cls;         /* enum bs_class of the last failure, or NONE */
	int16_t code;        /* reply code of the last result */
	bool dirty;
};

struct lc_msg {
	/* The join's and the key first: a lookup reads h, hnext, the key
	 * and the links, and with the join's own fields at the end of the
	 * record (744 bytes) every line of a message missed the CPU caches
	 * on more of its cache lines (perf: the lookup a fifth faster). */
	uint64_t h;
	struct lc_msg *hnext;
	uint8_t mta;              /* enum bs_mta; key */
	uint8_t qlen, hlen, ilen; /* strlen of qid, host, instance */
	bool dirty, in_dirty;
	char qid[LC_QID_MAX];       /* key */
	char host[LC_HOST_MAX];     /* key */
	char instance[LC_INST_MAX]; /* key */
	struct lc_msg *prev, *next, *dprev, *dnext;
	/* what is known */
	int64_t id; /* the store's row id, 0: not stored yet */
	int64_t first, last, final;
	uint8_t state; /* enum lc_state */
	bool has_start;
	bool has_sender;
	int64_t size, nrcpt; /* -1 unknown */
	uint32_t failed;     /* failure results seen (any recipient) */
	uint32_t rcpt_dropped;
	size_t nr, cap;
	struct lc_rcpt *r;
	char sender[LC_ADDR_MAX];
	char sasl_user[LC_NAME_MAX];
	char client[LC_ADDR_MAX];
	char message_id[LC_MSGID_MAX];
};

struct lc_key {
	enum bs_mta mta;
	struct bs_span host, instance, qid;
};

/* The store's side; each returns 0 (find: 1 found, 0 not), -1 on error. */
struct lc_ops {
	int (*put)(void *arg, struct lc_msg *m);
	int (*find)(void *arg, const struct lc_key *k, struct lc_msg *out);
	void *arg;
};

struct lc_counters {
	uint64_t opened, closed, evicted, reloaded, reused, quiet, dropped;
	uint64_t open; /* held now */
};

struct lc_join;

/*
 * A join holding at most max_open (>= 1) messages; lifetime: the MTA's
 * queue lifetime in seconds (messages quiet for lifetime + 1 day are
 * closed). ops may be NULL (nothing persisted: `parse`). Caller frees
 * with lc_join_free(). NULL on allocation failure.
 */
struct lc_join *lc_join_new(
    size_t max_open, int64_t lifetime, const struct lc_ops *ops);
void lc_join_free(struct lc_join *);

/* A lifecycle line (lc->kind LC_START, LC_INFO, LC_END). 0 or -1 (ops). */
int lc_join_line(struct lc_join *, const struct lc_line *lc);

/*
 * A delivery result of one recipient, with its class and provider, and
 * the line's lifecycle fields (transport, instance; may be NULL). 0 or -1.
 */
int lc_join_event(struct lc_join *, const struct bs_event *ev,
    const struct classify_result *cr, const char *provider,
    const struct lc_line *lc);

/* Hash of the queue id only: host and instance rarely differ, and are
 * compared on a match. Its first 16 bytes, read as two words (a
 * multiply a byte was a chain of 10 to 16 dependent multiplies, a third
 * of the lookup's time). */
static inline uint64_t
lc_join_hash(enum bs_mta mta, struct bs_span qid)
{
	unsigned char b[16] = { 0 };
	uint64_t a, c, h;
	size_t n = qid.len < 16 ? qid.len : 16;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* Issue 14: the same two words without a call to memcpy() for
	 * the ids of 8 to 16 bytes (Postfix's: 10 to 15): the bytes past
	 * n are zero either way. */
	if (n >= 8) {
		memcpy(&a, qid.ptr, 8);
		if (n == 8)
			c = 0;
		else {
			memcpy(&c, qid.ptr + n - 8, 8);
			c >>= 8 * (16 - n);
		}
	} else
#endif
	{
		if (n > 0)
			memcpy(b, qid.ptr, n);
		memcpy(&a, b, 8);
		memcpy(&c, b + 8, 8);
	}
	h = (a ^ (uint64_t)n) * UINT64_C(0x9e3779b97f4a7c15);
	h = (h ^ (h >> 32) ^ c) * UINT64_C(0xff51afd7ed558ccd);
	return (h ^ (h >> 29) ^ (uint64_t)mta) * UINT64_C(0xbf58476d1ce4e5b9);
}

/*
 * Issue 14: the join's hash of a message key (the queue id and the
 * MTA; host and instance are compared on a match), computed by the
 * caller (the reading thread) so that the join's thread need not:
 * lc_join_line_h() and lc_join_event_h() are lc_join_line() and
 * lc_join_event() given h = lc_join_hash(mta, queue id) of lc / ev.
 */
int lc_join_line_h(struct lc_join *, const struct lc_line *lc, uint64_t h);
int lc_join_event_h(struct lc_join *, const struct bs_event *ev,
    const struct classify_result *cr, const char *provider,
    const struct lc_line *lc, uint64_t h);

/*
 * Hands every changed message to ops->put, then frees the final ones and
 * closes the quiet ones (older than lifetime + 1 day before the newest
 * line seen). Inside the caller's transaction. 0 or -1 (put failed: the
 * rest stay dirty).
 */
int lc_join_flush(struct lc_join *);

/*
 * Takes back an open message read from the store (m is copied, its
 * recipient array m->r taken over: the caller must not free it). 0 or -1
 * (allocation). When the join is full, the message is not taken (r
 * freed) and later lines look it up with ops->find.
 */
int lc_join_restore(struct lc_join *, struct lc_msg *m);

/* Drops every message held (after a rollback); they are reloaded. */
void lc_join_reset(struct lc_join *);

/*
 * The time of the newest line seen (the quiet threshold's base, and the
 * time of a message first seen on a time-less line). The caller
 * persists it with the open messages and gives it back after a restart
 * (lc_join_set_newest(): the larger of it and the restored messages').
 */
int64_t lc_join_newest(const struct lc_join *);
void lc_join_set_newest(struct lc_join *, int64_t t);

const struct lc_counters *lc_join_counters(const struct lc_join *);

/* "queued", "deferred", "sent", "bounced", "expired", "removed",
 * "incomplete"; "?" out of range. */
const char *lc_state_name(enum lc_state);
int lc_state_from_name(const char *s, size_t len, enum lc_state *out);

/* Frees a message's recipients (for records read by the store). */
void lc_msg_clear(struct lc_msg *);

#endif
