/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The storage layer: the only code that includes sqlite3.h. Opens the
 * database (read-write for the daemon and import, read-only for reports),
 * applies the embedded migrations (schema/migrations/NNNN_*.sql) by
 * PRAGMA user_version, and writes batches: failure events, counts per hour
 * and minute bucket, and input positions, all in one transaction, so that a
 * crash leaves positions and counts consistent.
 *
 * It never logs or exits: every failing call returns -1 and leaves a
 * message (statement name, extended code, sqlite3_errmsg) for
 * store_errmsg().
 */
#ifndef BS_SCHEMA_STORE_H
#define BS_SCHEMA_STORE_H

#include <stdint.h>

#include "classify.h"
#include "event.h"

struct store;

#define STORE_READONLY  0x01 /* reports: open read-only, no migrations */
#define STORE_BULK      0x02 /* import: a smaller page cache (peak RSS) */
/*
 * Read-write, but only a database that has a schema: an empty one (a
 * 0-byte file, no tables) is refused as read-only opens refuse it, "empty
 * database (no schema yet)", and left untouched (no WAL, no -shm). For
 * the commands that update a database but do not feed it (incidents' and
 * alert's detector pass); import, rebuild and the daemon create it.
 */
#define STORE_NO_CREATE 0x04

/*
 * The kind of a counted result: column `kind` of count_hour and
 * count_minute (schema/migrations/0001_initial.sql), query_minute.kind.
 * Macros rather than an enum so that SQL texts can be built with their
 * values (STORE_STR(STORE_KIND_SUSPENDED) is "2").
 */
#define STORE_KIND_FINAL     0 /* a final result, one per status= line */
#define STORE_KIND_ATTEMPT   1 /* a per-MX attempt: in no final total */
#define STORE_KIND_SUSPENDED 2 /* a suspended repeat: in deferred too */
#define STORE_KIND_LOCAL                                                       \
	3 /* our MTA decided (retry time not reached,                          \
	     queue-only): in deferred too */

/* The text of an integer macro's value, for SQL built from constants. */
#define STORE_STR(x)  STORE_STR_(x)
#define STORE_STR_(x) #x

/* One extracted event with its classification, as handed to the store. */
struct store_record {
	const struct bs_event *ev;
	const struct classify_result *cr;
	const char *provider; /* "" when unknown */
};

/*
 * Where an input stands. key identifies the input: "file:<path>" for a
 * followed file, "import:<hex of first-line hash>" for an imported one.
 * The fingerprints are bs_hash64() values chosen by the caller (e.g. of the
 * first line and of the bytes just before offset).
 */
struct store_position {
	const char *key;
	const char *path; /* for display */
	int64_t dev;
	int64_t ino;
	int64_t offset;   /* bytes consumed: the end of the last full line */
	int64_t size;     /* file size seen at that time */
	uint64_t fp_head; /* hash of the head (e.g. first line) */
	int64_t fp_head_len;
	uint64_t fp_tail; /* hash of up to fp_tail_len bytes before offset */
	int64_t fp_tail_len;
	int64_t last_event; /* time of the last event read, 0 if none */
	int64_t updated;    /* wall time of the commit */
};

/*
 * Opens (creating it and its directory's file if needed, unless
 * STORE_READONLY) the database at path, sets the pragmas (WAL, synchronous
 * NORMAL, foreign keys, busy timeout, defensive) and migrates. Returns a
 * store the caller frees with store_close(), or NULL with errbuf set.
 */
struct store *store_open(const char *path, int flags, char *errbuf);
void store_close(struct store *);
/* Issue 14: the WAL syncs made while a STORE_BULK store was written
 * (store_walsync.c); 0 for any other store. */
uint64_t store_walsync_count(struct store *);
/* Issue 14: checkpoints of committed frames the same thread made on a
 * connection of its own (store_walsync.c); 0 for any other store. */
uint64_t store_walsync_ckpts(struct store *);
const char *store_errmsg(const struct store *);

/* BEGIN IMMEDIATE / COMMIT (flushing in-memory counts) / ROLLBACK. */
int store_begin(struct store *);
int store_commit(struct store *);
int store_rollback(struct store *);

/*
 * A read transaction: every query between store_read_begin() and
 * store_read_end() reads one snapshot of the database, whatever other
 * connections commit meanwhile (a report's sections then agree with each
 * other). 0, or -1 (store_errmsg()).
 */
int store_read_begin(struct store *);
int store_read_end(struct store *);

/*
 * Inside a transaction: whether another connection (another import, the
 * daemon, a command) committed since store_elsewhere_seen() (or the
 * open). What this store holds in memory about rows others may write
 * (open messages) must then be read again. review13: not only since the
 * previous begin: the daemon's own transactions on this connection (the
 * detector, the self-check) begin between its batches, and the batch
 * after them must still see it.
 */
bool store_changed_elsewhere(const struct store *);

/* What store_changed_elsewhere() said has been read again. */
void store_elsewhere_seen(struct store *);

/*
 * Inside a transaction: writes up to about rows count rows of a full
 * count table that store_add() set aside (issue 14: the writer thread
 * does it while it would wait for records, so that writing a full table
 * does not hold up the thread that reads; rows 0 only asks). Returns 1
 * when rows are still waiting, 0 when none are, -1 on failure (the
 * caller rolls back). Rows
 * not written here are written before the next table is set aside, or
 * at COMMIT: the database is the same either way.
 */
int store_work(struct store *, size_t rows);

/*
 * Whether store_add() sets full count tables aside for store_work()
 * (on) or writes them at once (off, the default). On costs one more
 * table of each kind (1 MiB each): worth it only where store_work() gets
 * idle time (issue 14: the writer thread without message tracking).
 */
void store_work_enable(struct store *, bool on);

/* Inside a transaction: adds one record (counts; an event row if failed). */
int store_add(struct store *, const struct store_record *);

/*
 * Issue 14: the text a failure's reply row is grouped by (its sample
 * key, see store_intern.c): template_normalize() of an unclassified
 * reply (unknown), template_reply() of the others, of the reply cut to
 * the stored length, into buf of STORE_TEMPLATE_MAX bytes. Returns its
 * length. Touches no store: any thread may make it.
 */
#define STORE_TEMPLATE_MAX 4097
size_t store_reply_template(const char *s, size_t len, bool unknown, char *buf);

/*
 * As store_add(), with the reply's store_reply_template() made by the
 * caller (the reading thread; tmpl NULL: made here when needed).
 * unknown must be what the record's class says (an unclassified
 * failure).
 */
int store_add_tmpl(struct store *, const struct store_record *,
    const char *tmpl, size_t tmpl_len);

/*
 * Issue 14: the memo of a record's three key names (recipient domain as
 * logged, provider, enhanced status), kept by the thread that reads
 * (the probe touches no store), so that the writer thread only reads
 * the ids of a slot. store_key_slot() returns the record's slot in m,
 * with STORE_KEY_FRESH set when the slot was given to these names now
 * (its ids must be looked up again), or STORE_KEY_NONE (names too long
 * for the memo). A store serves one such memo: the slots index one
 * array of ids in it.
 */
#define STORE_KEY_FRESH (UINT32_C(1) << 30)
#define STORE_KEY_NONE  UINT32_MAX
struct store_key_memo;
struct store_key_memo *store_key_memo_new(void);
void store_key_memo_free(struct store_key_memo *);
uint32_t store_key_slot(struct store_key_memo *, const struct store_record *);

/*
 * As store_add_tmpl(), the record's key names through slot, what
 * store_key_slot() returned for it, in order: every slot returned is
 * given to store_add_slot() in the order returned (a record that is
 * not must not have been given a slot).
 */
int store_add_slot(struct store *, const struct store_record *,
    const char *tmpl, size_t tmpl_len, uint32_t slot);

/* Inside a transaction: records where an input stands. */
int store_put_position(struct store *, const struct store_position *);

/*
 * Looks up the position of key. Returns 1 and fills *out (strings point
 * into buf of buflen bytes), 0 when there is none, -1 on error.
 */
int store_get_position(struct store *, const char *key,
    struct store_position *out, char *buf, size_t buflen);

/*
 * The daemon's position ("file:" key, or "rotated:" for the rotated file
 * it still reads) on the file dev/ino, the latest
 * when several: 1 and *out as store_get_position() fills it, 0 when none,
 * -1 on error.
 */
int store_get_file_position(struct store *, int64_t dev, int64_t ino,
    struct store_position *out, char *buf, size_t buflen);

/* Deletes events older than before (epoch seconds); counts stay. */
int store_prune_events(struct store *, int64_t before);

/*
 * Deletes per-minute counts older than before (hourly counts stay) and
 * records the floor in meta 'minute_floor' for readers of the minute
 * counts (spike detection). In the open transaction or in one of its own.
 * 0 or -1.
 */
int store_prune_minutes(struct store *, int64_t before);

/*
 * Small key/value state (daemon pid, start time, ...). set: in the open
 * transaction or on its own. get: 1 found, 0 not set, -1 on error or when
 * the value does not fit in len bytes. del: as set; deleting a key that
 * is not set is no error.
 */
int store_meta_set(struct store *, const char *key, const char *value);

/*
 * Meta keys of the spike detector (daemon/detect_run.c). UNTIL: the last
 * window end evaluated. LATE: the oldest result committed for a minute
 * before UNTIL (store_commit() lowers it; the detector examines those
 * windows again and deletes it). REDO: where that second look stands.
 */
#define STORE_META_DETECT_UNTIL "detect.until"
#define STORE_META_DETECT_LATE  "detect.late"
#define STORE_META_DETECT_REDO  "detect.redo"
int store_meta_get(struct store *, const char *key, char *buf, size_t len);
int store_meta_del(struct store *, const char *key);

#endif
