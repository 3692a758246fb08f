/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Message tracking for the pipeline (issue 16): the lifecycle join
 * (parsers/lifecycle_join.h) wired to the message records of the store
 * (schema/message.h), set up from the configuration (lifecycle,
 * lifecycle_max_open, queue_lifetime, store_addresses,
 * message_records). The pipeline calls it per line and before every
 * commit, so that open messages are written with the input positions.
 *
 * Threads: it uses the store, so it runs where the store's writes run:
 * on the writer thread when the pipeline has one (writer.h), which then
 * calls every function below but msgtrack_new()/msgtrack_free() in
 * order with the store operations. Other threads read it (counters,
 * log) only after pipeline_sync().
 */
#ifndef BS_DAEMON_MSGTRACK_H
#define BS_DAEMON_MSGTRACK_H

#include <stdbool.h>

#include "classify.h"
#include "lifecycle_join.h"
#include "message.h"
#include "store.h"

struct conf;
struct msgtrack;

/*
 * Tracking on st (read-write, not owned) as conf says; NULL with errbuf
 * empty when conf turns it off, NULL with errbuf set on failure. Loads
 * the open messages of the store and the join's newest time (meta
 * "lifecycle.newest", written by msgtrack_flush()). Free before closing
 * st.
 */
struct msgtrack *msgtrack_new(
    struct store *st, const struct conf *conf, char *errbuf);
void msgtrack_free(struct msgtrack *);

/*
 * True when msgtrack_line() does something with lc: a start, an
 * information or an end line (the writer thread queues only those).
 */
static inline bool
msgtrack_joins(const struct lc_line *lc)
{
	return lc->kind == LC_START || lc->kind == LC_INFO ||
	    lc->kind == LC_END;
}

/*
 * After a line that gave no event: joins lc, the lifecycle line that
 * mta_parse_line() filled (mta_ctx.lc). 0 or -1.
 */
int msgtrack_line(struct msgtrack *, const struct lc_line *lc);

/*
 * For every event, with lc as mta_parse_line() left it for the event's
 * line (kind LC_RESULT: its instance and transport). 0 or -1 (store).
 */
int msgtrack_event(struct msgtrack *, const struct bs_event *,
    const struct classify_result *, const char *provider,
    const struct lc_line *lc);

/*
 * Issue 14: msgtrack_line() of a line msgtrack_joins() took, and
 * msgtrack_event(), given h = lc_join_hash() of its MTA and queue id
 * (the writer thread's caller computes it).
 */
int msgtrack_line_h(struct msgtrack *, const struct lc_line *lc, uint64_t h);
int msgtrack_event_h(struct msgtrack *, const struct bs_event *,
    const struct classify_result *, const char *provider,
    const struct lc_line *lc, uint64_t h);

/* Before COMMIT: writes the changed messages, the rows waiting for a
 * multi-row INSERT and the join's newest time. 0 or -1. */
int msgtrack_flush(struct msgtrack *);

/*
 * Right after BEGIN (store_begin()): when the last batch was rolled back
 * (rolled_back), or another connection committed since it last read
 * them (store_changed_elsewhere(), also when this connection's own
 * transactions began between: another import, or the daemon and an
 * import, writing to one database at once), forgets the open messages
 * held and reads them back from the store, so that no message another
 * writer ended or stored meanwhile is written back from a stale copy.
 * Inside the transaction, which holds the write lock, nobody else
 * writes until COMMIT. The counters go on. 0 or -1.
 */
int msgtrack_begin(struct msgtrack *, bool rolled_back);

/*
 * Issue 14: the join on the import's reading thread, its store's writes
 * on the writer thread. With a sink set, a message the join hands to the
 * store is planned here (message_store_plan()) and given to sink->put
 * with what to do, in order with the lines; the join's newest time goes
 * to sink->meta at msgtrack_flush(); and before a lookup in the store
 * (a message evicted earlier) sink->sync makes the writer write what
 * waits and stop until the caller's next hand-over, so that the store
 * can be read here. msgtrack_begin() then runs on the caller's thread
 * while the writer is idle inside the batch's transaction. Each returns
 * 0 or -1.
 */
struct msgtrack_sink {
	int (*put)(void *arg, struct lc_msg *m, enum msg_act act, int64_t id);
	int (*meta)(void *arg, const char *key, const char *value);
	int (*sync)(void *arg);
	void *arg;
};

void msgtrack_set_sink(struct msgtrack *, const struct msgtrack_sink *);

/*
 * A message store of the tracking's settings for the writer thread's
 * side of a sink (message_store_write()), owned by mt: freed by
 * msgtrack_free(), which must come after the writer's end. NULL with
 * errbuf set.
 */
struct message_store *msgtrack_writer_store(struct msgtrack *, char *errbuf);

/* The counters since msgtrack_new() (open: held now) into *out. */
void msgtrack_counters(const struct msgtrack *, struct lc_counters *out);

/*
 * Logs the counters (info): open, opened, closed, evicted (past
 * lifecycle_max_open), reloaded, reused queue ids, closed as quiet,
 * recipients past the per-message cap. NULL: nothing.
 */
void msgtrack_log(const struct msgtrack *);

#endif
