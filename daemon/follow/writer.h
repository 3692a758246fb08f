/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The writer thread (issue 14, lever 1): the store's half of the pipeline
 * (interning, in-memory aggregation, SQLite, and the message lifecycle
 * join with its records, issue 16) on a second core while the
 * caller's thread reads, parses and classifies. The caller appends
 * operations (begin, record, position, commit) to a bounded queue of
 * fixed buffers; the writer thread applies them to the store in order.
 *
 * Invariants:
 *   - Order: operations reach the store in the order they were appended,
 *     so a position appended after the records of its lines and before
 *     the commit is committed in the same transaction as their counts
 *     (exactly once, as without the thread).
 *   - Memory: WRITER_BUFS buffers of WRITER_BUF_BYTES; the caller blocks
 *     while all are full (back-pressure). A record too large for one
 *     buffer is applied on the caller's thread after writer_sync().
 *   - Failure: the first failing operation rolls the transaction back;
 *     every later one is skipped (not applied) until writer_sync() has
 *     reported the failure, so a later commit can never store a position
 *     past records that were lost.
 *   - The store belongs to the writer thread between writer_sync() calls:
 *     the caller touches it directly only right after writer_sync().
 */
#ifndef BS_DAEMON_WRITER_H
#define BS_DAEMON_WRITER_H

#include "lifecycle.h"
#include "message.h"
#include "metric.h"
#include "store.h"

#define WRITER_BUF_BYTES (256 * 1024) /* 1 MiB in all (import RSS) */
#define WRITER_BUFS      4

struct msgtrack;
struct writer;

/*
 * Starts a writer thread for st (not owned; it must outlive the writer).
 * Returns NULL with errbuf (BS_ERRLEN bytes) set when the thread or its
 * buffers cannot be had.
 */
struct writer *writer_new(struct store *st, char *errbuf);

/*
 * Stops the thread after it has applied what was handed over (a partly
 * filled buffer is dropped: call writer_sync() first to keep it) and
 * frees the writer. NULL is accepted.
 */
void writer_free(struct writer *);

/*
 * Message tracking (issue 16) on the thread: from now on msgtrack_event()
 * runs with every record appended with a lifecycle line, msgtrack_line()
 * for every writer_lc(), msgtrack_rollback() at a begin after a batch
 * that was not committed, and msgtrack_flush() right before every
 * commit, all in order with the store operations (so the open messages
 * are committed with the positions). Call before appending anything; mt
 * is not owned and is the thread's until writer_sync().
 */
void writer_set_msgtrack(struct writer *, struct msgtrack *mt);

/*
 * Issue 14: message tracking with its join on the caller's thread (the
 * import, msgtrack_set_sink()), its message rows written here: ms (not
 * owned, msgtrack_writer_store()) applies writer_msg() in order with the
 * other operations, is synced before every commit and forgets what
 * waited at a begin after a batch that was not committed. Call before
 * appending anything; not with writer_set_msgtrack().
 */
void writer_set_msgstore(struct writer *, struct message_store *ms);

/*
 * Issue 14: who probes the key-name memo of the records appended from
 * now on (store_key_slot()): the caller (here true, what
 * writer_set_msgtrack() and writer_set_msgstore() choose when tracking:
 * the thread was the busier one) or the thread itself (false,
 * store_add_tmpl()'s own memo). Same rows either way. Call after those
 * and before appending anything.
 */
void writer_set_caller_keys(struct writer *, bool caller);

/*
 * Appends message_store_write(ms, m, act, id) (m and its recipients are
 * copied). 0 or -1 (the thread failed, see writer_sync()).
 */
int writer_msg(
    struct writer *, const struct lc_msg *m, enum msg_act act, int64_t id);

/*
 * The rows ms keeps waiting are written, then writer_sync(): the caller
 * may read the store (the join's lookup of an evicted message). 0 or -1.
 */
int writer_msgsync(struct writer *);

/*
 * After writer_sync(): whether the batch the thread began last follows
 * one that was not committed (rolled back, or its COMMIT failed), whose
 * messages the caller's join must read back (msgtrack_begin()). The
 * caller's own view cannot say: a queued COMMIT may fail after it.
 */
bool writer_rolled_back(const struct writer *);

/*
 * review12: writer_sync() after a failure of the caller's (a call that
 * returned -1, which may itself have seen the thread's failure by a
 * writer_sync()): the thread's message stays for writer_errmsg(), else
 * why (the caller's own, as store_errmsg()) is put there.
 */
void writer_sync_failed(struct writer *, const char *why);

/*
 * Append one operation. 0, or -1 when an earlier operation failed (the
 * message is then in writer_errmsg() after writer_sync()). The record's
 * strings and spans are copied.
 */
int writer_begin(struct writer *);
int writer_add(struct writer *, const struct store_record *,
    const struct lc_line *lc); /* the event's line, or NULL: not tracked */
/* Issue 14: with the reply's store_reply_template() (see store_add_tmpl()). */
int writer_add_tmpl(struct writer *, const struct store_record *,
    const struct lc_line *lc, const char *tmpl, size_t tmpl_len);
/* A lifecycle line for msgtrack_line(); its strings are copied. */
int writer_lc(struct writer *, const struct lc_line *lc);
/*
 * Issue 14: writer_add_tmpl() and writer_lc() of a record parsed from
 * the line [src, src + srclen) (NULL: unknown): the spans in it are
 * copied in one block (writer.c). Of a `sent` record only what the
 * store and the join read of one is copied.
 */
int writer_add_src(struct writer *, const struct store_record *,
    const struct lc_line *lc, const char *tmpl, size_t tmpl_len,
    const char *src, size_t srclen);
int writer_lc_src(
    struct writer *, const struct lc_line *lc, const char *src, size_t srclen);
int writer_position(struct writer *, const struct store_position *);
/* The batch's line counts for bouncestat_lines_total: metric_lines_add(). */
int writer_lines(struct writer *, const uint64_t n[METRIC_LINE_COUNT]);
int writer_commit(struct writer *);

/*
 * Hands over what was appended and waits until the thread has applied
 * all of it. 0, or -1 when an operation failed since the last sync
 * (message in writer_errmsg(); the transaction was rolled back). Either
 * way the failure is forgotten afterwards and the store is idle.
 */
int writer_sync(struct writer *);

/* The message of the last failure reported by writer_sync(). */
const char *writer_errmsg(const struct writer *);

/*
 * Asynchronous commits (the daemon's batches): writer_commit() only
 * queues the commit; these tell when the thread has applied it.
 *
 * writer_wait_commits() waits until at most `behind` of the commits
 * appended are not applied yet (0: all of them), and writer_poll() looks
 * without waiting: 1 when every commit appended is applied, 0 when some
 * are not yet. Both return -1 once an operation has failed; then call
 * writer_sync() (it reports the failure and makes the writer usable).
 * Records appended after the last commit do not count.
 */
int writer_wait_commits(struct writer *, uint64_t behind);
int writer_poll(struct writer *);

/*
 * fn(arg) is called on the writer thread after each commit it applies
 * and after a failure (for ev_async_send(): it must be thread-safe and
 * must not touch the store). NULL: none.
 */
typedef void writer_notify_fn(void *arg);
void writer_set_notify(struct writer *, writer_notify_fn *fn, void *arg);

/* The operation of the last failure: "begin", "add", "position",
 * "lines", "commit", "lifecycle" or "meta". */
const char *writer_failed_op(const struct writer *);

/* store_meta_set(key, value) in order with the other operations. */
int writer_meta(struct writer *, const char *key, const char *value);

#endif
