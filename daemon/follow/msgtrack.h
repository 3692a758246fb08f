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
 */
#ifndef BS_DAEMON_MSGTRACK_H
#define BS_DAEMON_MSGTRACK_H

#include "classify.h"
#include "lifecycle_join.h"
#include "store.h"

struct conf;
struct msgtrack;

/*
 * Tracking on st (read-write, not owned) as conf says; NULL with errbuf
 * empty when conf turns it off, NULL with errbuf set on failure. Loads
 * the open messages of the store. Free before closing st.
 */
struct msgtrack *msgtrack_new(
    struct store *st, const struct conf *conf, char *errbuf);
void msgtrack_free(struct msgtrack *);

/* The lifecycle line mta_parse_line() fills (mta_ctx.lc). */
struct lc_line *msgtrack_lc(struct msgtrack *);

/* After a line that gave no event: joins a lifecycle line. 0 or -1. */
int msgtrack_line(struct msgtrack *);

/* For every event. 0 or -1 (store). */
int msgtrack_event(struct msgtrack *, const struct bs_event *,
    const struct classify_result *, const char *provider);

/* Before COMMIT: writes the changed messages. 0 or -1. */
int msgtrack_flush(struct msgtrack *);

/*
 * After a failed commit (rolled back): forgets what is held and reads
 * the open messages back from the store. 0 or -1.
 */
int msgtrack_rollback(struct msgtrack *);

const struct lc_counters *msgtrack_counters(const struct msgtrack *);

/*
 * Logs the counters (info): open, opened, closed, evicted (past
 * lifecycle_max_open), reloaded, reused queue ids, closed as quiet,
 * recipients past the per-message cap. NULL: nothing.
 */
void msgtrack_log(const struct msgtrack *);

#endif
