/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Private to the store's own files (store.c: errors, transactions and
 * records; store_open.c: open, migrations and statements; store_intern.c:
 * names, replies and their caches; store_count.c: the in-memory count
 * tables and their flush; store_pos.c: positions and meta): the store
 * object, its statements and limits, and what one part calls in another.
 * query.c and incident.c see none of it (store_priv.h is theirs).
 *
 * Invariants: a cached id is known to be committed or to belong to the
 * open transaction, so every rollback clears the caches
 * (store_intern_forget()); count tables and buffered event rows belong to
 * the open transaction and are written before COMMIT.
 */
#ifndef BS_SCHEMA_STORE_IMPL_H
#define BS_SCHEMA_STORE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "event.h"
#include "sql.h"
#include "store.h"
#include "store_priv.h"

#define STORE_APPLICATION_ID 1651733620 /* 0x62737474 "bstt" */
#define STORE_BUSY_MS        5000
#define STORE_NAME_MAX       255  /* longer names are cut */
#define STORE_REPLY_MAX      4096 /* longer replies are cut */
#define STORE_QUEUE_ID_MAX   64
/*
 * Keys per count table before a flush, and per rollup table (written out
 * also while being filled: roll_spill()). A table has at most twice as
 * many 32-byte slots as keys: 1 MiB for hours and minutes, 0.5 MiB per
 * rollup (issue 14: import peak RSS <= 32 MiB; at 2^15 for both the five
 * tables took 8 MiB of a 39 MiB peak).
 */
#define STORE_COUNT_MAX      (1 << 14)
#define STORE_ROLL_MAX       (1 << 13)
/*
 * Issue 14 (importfast): the month table holds twice as many (1 MiB at
 * most). Every month row written out before COMMIT is written again
 * when the same key comes back (a month's keys recur every day): at
 * 2^13 the 2M-line log's 14,074 month keys were written 24,587 times.
 */
#define STORE_ROLL_MONTH_MAX (1 << 14)
#define STORE_FLUSH_ROWS     64 /* count rows per multi-row UPSERT */
#define STORE_EVENT_ROWS     32 /* event rows per multi-row INSERT */
#define NAME_CACHE_MAX       16384
#define NAME_CACHE_BYTES     (2 << 20)
#define ADDR_CACHE_MAX       8192
#define ADDR_CACHE_BYTES     (256 << 10)
#define REPLY_CACHE_MAX      8192
#define REPLY_CACHE_BYTES    (4 << 20)
#define STORE_EV_RELAY_V4    8    /* event.flags: relay_ip is a packed IPv4 */
#define STORE_EV_DSN_ENH     16   /* event.flags: dsn is enhanced's (0009) */
#define REPLY_SAMPLES        8    /* reply rows per sample key */
#define STORE_PAGE_CACHE_KIB 8192 /* PRAGMA cache_size, in KiB */
/* With STORE_BULK (import): 4 MiB saves 4 MiB of an import's peak RSS
 * (issue 14: <= 32 MiB); its writes mostly go to the right edge of
 * time-ordered indexes, and the pages it evicts are read back from the
 * OS's cache (more system time, see README "Performance"). */
#define STORE_BULK_CACHE_KIB 4096
/*
 * Issue 14: a writer checkpoints its WAL when it holds this many pages
 * (SQLite's default: 1,000). A checkpoint syncs the WAL and the database
 * (fdatasync() calls the writer thread waits for) and copies every page
 * changed since the last one. The 2M-line import's first batch (2^20
 * lines) writes fewer frames than this, so it is no longer checkpointed
 * at that commit, only at its last; the WAL index (32 KiB of shared
 * memory, in RSS, per 4,096 frames) stays one block on the 10M-line
 * import, as with 1,000 (8,192 made it three: +64 KiB peak RSS).
 */
#define STORE_CKPT_PAGES     2048

/*
 * Memory of a writer, whatever it is fed: the page cache (8 MiB), the
 * name cache (2 MiB of strings, 1 MiB of slots), the address cache (256
 * KiB, 0.5 MiB), the reply cache (4 MiB, 0.5 MiB) and the two count
 * tables (2 MiB each): an import peaked at 23.5 MiB on a log made to fill
 * them all (600,000 bounces, every domain, address and reply new). A
 * larger page cache did not make imports faster (inserts touch the right
 * edge of the time-ordered tables); larger count tables help only logs
 * whose keys recur after more than 2^15 others.
 */

enum stmt_id {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_DATA_VERSION,
	S_NAME_GET,
	S_NAME_PUT,
	S_REPLY_GET,
	S_REPLY_PUT,
	S_EVENT_PUT,
	S_MINUTE_ADD,
	S_HOUR_ADD,
	S_MINUTE_ADD_MANY,
	S_HOUR_ADD_MANY,
	S_EVENT_PUT_MANY,
	S_POS_PUT,
	S_POS_GET,
	S_POS_FILE_INO,
	S_META_SET,
	S_META_GET,
	S_META_DEL,
	S_PRUNE_EVENTS,
	S_PRUNE_REPLIES,
	S_PRUNE_MINUTES,
	S_LATE_MARK,
	S_DAY_ADD, /* rollups (store_count.c), in enum roll order */
	S_MONTH_ADD,
	S_HCLASS_ADD,
	S_DAY_ADD_MANY,
	S_MONTH_ADD_MANY,
	S_HCLASS_ADD_MANY,
	S_HOUR_FOLD, /* 0015: hour rows read back to roll (store_count.c) */
	S_COUNT
};

/* The rollups written with count_hour (migration 0004). */
enum roll {
	ROLL_DAY,    /* count_day */
	ROLL_MONTH,  /* count_month */
	ROLL_HCLASS, /* count_hour_class */
	ROLL_COUNT
};

/* Parameters of the hot statements (event rows), by column. */
enum {
	EV_T,
	EV_HOST,
	EV_QUEUE_ID,
	EV_DOMAIN,
	EV_RELAY,
	EV_RELAY_IP,
	EV_PROVIDER,
	EV_MTA,
	EV_STATUS,
	EV_CODE,
	EV_ENHANCED,
	EV_DSN,
	EV_CLASS,
	EV_RULE,
	EV_DNSBL,
	EV_LISTED_IP,
	EV_STAGE,
	EV_FLAGS,
	EV_REPLY,
	EV_INSTANCE, /* 0013: the Postfix instance, 0 for other MTAs */
	EV_NPARAM
};

enum {
	CN_BUCKET,
	CN_DOMAIN,
	CN_PROVIDER,
	CN_CLASS,
	CN_STATUS,
	CN_CODE,
	CN_ENHANCED,
	CN_KIND,
	CN_HOST,
	CN_N,
	CN_NPARAM
};

/* A bounded cache of interned strings: bytes -> id. */
struct icache_slot {
	uint64_t h;
	int64_t id;
	char *s; /* NULL: empty slot */
	size_t len;
};

struct icache {
	struct icache_slot *slot;
	size_t mask; /* slots - 1, a power of two minus one */
	size_t n, bytes;
	size_t max_n, max_bytes;
	char *buf; /* max_bytes: the strings, one after another */
};

/*
 * Issue 14: the memo of the three names of a counted record (recipient
 * domain as logged, provider, enhanced status), direct-mapped, in two
 * halves: the names of each slot (struct store_key_memo, store.h: the
 * reading thread's, or the store's own for store_add()) and the ids of
 * each slot (struct key_ids, the store's, forgotten with the names
 * cache). h 0: empty. Keys longer than s are not memoized.
 */
#define KEY_MEMO_SLOTS 2048
#define KEY_WORDS      6 /* 48 bytes of names, zero-padded */
struct key_name {
	uint64_t w[KEY_WORDS];
	uint64_t h; /* with the three lengths */
};

struct store_key_memo {
	struct key_name slot[KEY_MEMO_SLOTS];
};

struct key_ids {
	uint32_t id[3];
	uint32_t ok; /* 0: not known (a new slot, or forgotten) */
};

/*
 * The key of a count row, packed into three words so that hashing,
 * comparing and sorting it are a few integer operations (ctable_find was
 * 6-9% of an import with the former 48-byte key of eight fields):
 *
 *	bucket	epoch seconds of the minute; for an hour (and its rollups:
 *		day, month, hour-class), its hour number << 32 | the
 *		logging host's name id (migration 0005; 0 in hour-class)
 *	names	domain id << 32 | provider id
 *	rest	class << 56 | status << 52 | code << 36 | enhanced id << 4 |
 *		kind
 *
 * class and status are enum values (mapped to their name ids when
 * written), code is 0-999, kind 0-3; name ids are below 2^32 (checked by
 * store_add()). Minute keys (migration 0012) put class, status and kind
 * in names and the provider id in rest (store_count.c MKEY_*). The
 * word order follows the tables' primary keys, so sorting keys sorts
 * rows nearly in primary-key order (class and status by enum, not id:
 * only B-tree locality depends on it).
 */
struct ckey {
	int64_t bucket;
	uint64_t names;
	uint64_t rest;
};
_Static_assert(BS_CLASS_COUNT <= 256 && BS_STATUS_COUNT <= 16,
    "struct ckey: class or status does not fit");

struct cslot {
	struct ckey k;
	int64_t n; /* 0: empty slot */
};

struct ctable {
	struct cslot *slot;
	size_t cap; /* a power of two */
	size_t n;
};

/*
 * Issue 14: a full hour or minute table, compacted and sorted, whose rows
 * [done, n) are still to be written (store_work(), or at the latest
 * before the next such table or COMMIT). slot has cap slots.
 */
struct cpend {
	struct cslot *slot;
	size_t cap, n, done;
};

/*
 * An event row waiting for its multi-row INSERT: the values of the
 * statement's parameters by EV_* index (v[EV_QUEUE_ID] unused; the queue
 * ID is text).
 */
struct evrow {
	int64_t v[EV_NPARAM];
	size_t qlen;
	char qid[STORE_QUEUE_ID_MAX];
};

struct store {
	sqlite3 *db;
	bool readonly;
	bool bulk;      /* STORE_BULK */
	bool no_create; /* STORE_NO_CREATE */
	bool in_txn;
	/* issue 14: STORE_BULK's WAL write-back (store_walsync.c), or NULL */
	struct store_walsync *walsync;
	struct sql_stmt stmt[S_COUNT]; /* NULL s: not prepared (read-only) */
	int ev_idx[EV_NPARAM];
	int minute_idx[CN_NPARAM];
	int hour_idx[CN_NPARAM];
	int minute_many_idx[CN_NPARAM]; /* of row 0; row r: + r * stride */
	int hour_many_idx[CN_NPARAM];
	int minute_stride, hour_stride;      /* columns per row of the above */
	int roll_idx[ROLL_COUNT][CN_NPARAM]; /* the same for the rollups */
	int roll_many_idx[ROLL_COUNT][CN_NPARAM];
	int roll_stride[ROLL_COUNT];
	int ev_many_idx[EV_NPARAM];
	struct evrow ev_rows[STORE_EVENT_ROWS]; /* events not yet written */
	/* issue 14: the values last bound to S_EVENT_PUT_MANY (store.c
	 * bind_event_many()); ev_memo_ok false: none known */
	int64_t ev_memo[STORE_EVENT_ROWS * EV_NPARAM];
	bool ev_memo_ok;
	size_t n_ev_rows;
	int64_t status_id[BS_STATUS_COUNT];
	int64_t class_id[BS_CLASS_COUNT];
	int64_t mta_id[BS_MTA_COUNT];
	int64_t reply_gen; /* meta 'reply_gen' when the reply cache was valid */
	/* PRAGMA data_version at the last begin (or the open); elsewhere:
	 * it moved at a begin since store_elsewhere_seen() (another
	 * connection committed) */
	int64_t data_version;
	bool elsewhere;
	struct icache names;
	struct icache addrs; /* names that are IP addresses */
	struct icache replies;
	/* Issue 14: the key memo (see struct key_name), at the first use:
	 * store_add()'s own names and ids, and the ids of the slots of the
	 * caller's memo (store_add_slot()) */
	struct store_key_memo *kmemo;
	struct key_ids *kids, *kids_ext;
	struct ctable hours;             /* counts of the open transaction, */
	struct ctable minutes;           /* not yet written */
	struct ctable rolls[ROLL_COUNT]; /* rollups of hours being written */
	struct count_memo *cmemo;        /* store_count.c: values bound */
	struct cpend cpend[2]; /* [0] minutes, [1] hours (store_work()) */
	char *mtext;           /* packed minutes of one statement (0012) */
	size_t mtext_cap;
	struct store_ment *ments; /* one minute's counts, being packed */
	size_t ments_cap;
	bool set_aside; /* store_work_enable() */
	/* Migration 0015: the roll mark (meta STORE_META_ROLL_MARK,
	 * INT64_MIN when not set) as read in the open transaction;
	 * mark_known false: not read yet in it (store_begin(), a rollback) */
	int64_t roll_mark;
	bool mark_known;
	struct cslot *fold;         /* hour rows read back (fold_hours()) */
	int64_t txn_oldest;         /* oldest result of the open transaction,
				       INT64_MAX when none */
	struct query_cache *qcache; /* query.c's memo (store_query_cache()) */
	char host[STORE_NAME_MAX];  /* the last host interned, */
	size_t host_len;            /* (store_intern_host()), */
	int64_t host_id;            /* -1 when none */
	char err[BS_ERRLEN];
};

/* store.c */
int store_read_reply_gen(struct store *, int64_t *gen);
int store_read_data_version(struct store *, int64_t *v);

/* store_open.c */
int store_prepare_many(struct store *, enum stmt_id);

/* store_intern.c */
int store_intern_open(struct store *);
void store_intern_close(struct store *);
void store_intern_forget(struct store *);
void store_intern_forget_replies(struct store *);
int store_intern_name(struct store *, const char *s, size_t len, int64_t *id);
int store_intern_span(struct store *, struct bs_span, int64_t *id);
int store_intern_host(struct store *, struct bs_span, int64_t *id);
int store_intern_addr(struct store *, struct bs_span, int64_t *id);
int store_intern_reply(struct store *, const char *s, size_t len, int code,
    int64_t enhanced, int64_t cls, const char *tmpl, size_t tmpl_len,
    int64_t *id);
_Static_assert(STORE_TEMPLATE_MAX == STORE_REPLY_MAX + 1,
    "store_reply_template(): buffer of a cut reply's template");
int store_intern_keys(struct store *, struct bs_span domain,
    const char *provider, struct bs_span enhanced, int64_t *domain_id,
    int64_t *provider_id, int64_t *enhanced_id);
int store_intern_keys_slot(struct store *, uint32_t slot, struct bs_span domain,
    const char *provider, struct bs_span enhanced, int64_t *domain_id,
    int64_t *provider_id, int64_t *enhanced_id);

/* store_count.c */
int store_count_add(struct store *, int64_t t, enum bs_class, enum bs_status,
    int code, int64_t domain, int64_t provider, int64_t enhanced, int kind,
    int64_t host);
int store_count_flush(struct store *);
int store_count_settle(struct store *);
void store_count_forget(struct store *);
void store_count_close(struct store *);
/* Sorts a[0..n) by key (cslot_less() order), tmp (n slots) as scratch;
 * keys distinct. In the header for its unit test (test_count_sort). */
void store_cslot_radix(struct cslot *a, struct cslot *tmp, size_t n);

/* store_minute.c (migration 0012: count_minute_pk) */
/* The longest store_minute_text() of n entries: per entry three names
 * and a value of up to 20 bytes, 6 quotes, 3 colons, 2 braces and "}},"
 * before it; 4 braces. */
#define STORE_MINUTE_TEXT_MAX(n) (4 + (n) * (4 * 20 + 14))
/*
 * Writes the packed counts of e[0..n) at p, e sorted so that entries of
 * equal k[0], and of equal k[0] and k[1], are contiguous (each key once);
 * returns the end.
 */
char *store_minute_text(char *p, const struct store_ment *e, size_t n);
int store_minute_register(struct store *);

/*
 * Issue 14, STORE_BULK (store_walsync.c): a thread syncs the WAL while it
 * is written, so the last COMMIT's checkpoint does not wait for all of it.
 * start: 0, or -1 (out of memory; a thread that cannot start is no
 * error); stop: joins it, before the connection closes.
 */
int store_walsync_start(struct store *);
void store_walsync_stop(struct store *);

#endif
