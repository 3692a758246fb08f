/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * line -> event (mta_parse_line) -> class (classify_event) -> store_add,
 * with the counters every input reports (lines, events, skipped, bad, cut).
 * Transactions belong to the caller: import and the daemon's batch timer
 * call pipeline_begin()/pipeline_commit() around a batch and put their
 * input positions inside it with store_put_position().
 */
#ifndef BS_DAEMON_PIPELINE_H
#define BS_DAEMON_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "classify.h"
#include "mta.h"
#include "store.h"

struct pipeline_counters {
	uint64_t lines;    /* lines seen */
	uint64_t events;   /* delivery events stored */
	uint64_t skipped;  /* not delivery results */
	uint64_t bad;      /* malformed delivery lines */
	uint64_t cut;      /* over-long lines cut */
	uint64_t failures; /* events that are not `sent` */
	uint64_t by_status[BS_STATUS_COUNT];
	int64_t last_event; /* time of the newest event */
};

struct pipeline;

/*
 * "Never silently nothing" (issue 13): the caller keeps one per input
 * (zeroed at its start) and points the pipeline at it while feeding that
 * input's lines. It counts the input's events and keeps the first line
 * that gave none but looks like a delivery result (status=, " ** ",
 * " == ", stat=, result=), addresses masked, with the reason; scanned
 * only until the input's first event, so a working input pays nothing.
 */
struct pipeline_watch {
	uint64_t events; /* events of this input */
	bool warned;     /* pipeline_watch_warn() has warned */
	enum bs_reason reason;
	size_t len;     /* 0: no result-like line seen */
	char line[240]; /* the first one, cut, NUL-terminated */
	/* Lines skipped with reason bad_time (a time out of the sane
	 * range, mta.h), and the first of them as line is kept. */
	uint64_t bad_time;
	bool bad_time_warned;
	char bad_time_line[240];
};

/* Called for every event (one per recipient), before it is stored. */
typedef void pipeline_event_fn(void *arg, const struct bs_event *,
    const struct classify_result *, const char *provider);

/*
 * Creates a pipeline writing to st (may be NULL: parse only) and
 * classifying with cl; neither is owned. ctx is copied; its reference time
 * is refreshed by pipeline_set_ref_time().
 */
struct pipeline *pipeline_new(
    struct store *st, struct classifier *cl, const struct mta_ctx *ctx);
void pipeline_free(struct pipeline *);
void pipeline_set_ref_time(struct pipeline *, int64_t now);
void pipeline_set_classifier(struct pipeline *, struct classifier *);

/*
 * Processes one line. flags are linebuf flags (LINEBUF_CUT counts a cut
 * line). Returns the parse result (PARSE_OK, PARSE_SKIP, PARSE_BAD), or -1
 * when the store failed (message in store_errmsg()). With a NULL store,
 * the event and its class are left for pipeline_last().
 */
int pipeline_line(
    struct pipeline *, const char *line, size_t len, unsigned flags);

/* Why the last line gave no event (BS_REASON_NONE: it gave one). */
enum bs_reason pipeline_reason(const struct pipeline *);

/*
 * Calls fn(arg, ...) for every event, the several of a multi-recipient
 * line included (pipeline_last() has only the last). NULL clears it.
 */
void pipeline_set_event_fn(struct pipeline *, pipeline_event_fn *fn, void *arg);

/* The watch the following lines count into (not owned); NULL: none. */
void pipeline_set_watch(struct pipeline *, struct pipeline_watch *w);

/*
 * Logs once per watch, when its input gave no event but had a line that
 * looks like a result: `input: NAME: no delivery result, but lines look
 * like one; first: reason=R line="..."`. Returns true when it warned.
 * Also once per watch, when lines were skipped for their time:
 * `input: NAME: N lines with a time out of range skipped (reason=bad_time:
 * before 2000 or over a day ahead); first: line="..."`.
 */
bool pipeline_watch_warn(struct pipeline_watch *w, const char *input);

/* The event, classification and provider of the last PARSE_OK line. */
void pipeline_last(const struct pipeline *, const struct bs_event **,
    const struct classify_result **, const char **provider);

/* store_begin()/store_commit() of the pipeline's store. */
int pipeline_begin(struct pipeline *);
int pipeline_commit(struct pipeline *);

/*
 * The writer thread (issue 14; see writer.h and pipeline.c):
 * pipeline_start_writer() moves the store's half to a second thread;
 * then positions go through pipeline_put_position(), the store is touched
 * directly only after pipeline_sync(), and errors are read with
 * pipeline_errmsg(). All of these work without a writer as well.
 */
int pipeline_start_writer(struct pipeline *, char *errbuf);
/*
 * Issue 14: as pipeline_start_writer(), but with message tracking the
 * lifecycle join stays on the caller's thread and only the message rows
 * go to the writer (msgtrack_set_sink()); every pipeline_begin() then
 * waits for the writer to be idle inside the new batch (the join reads
 * the store there, msgtrack_begin()). The import's: with tracking its
 * writer thread was the busier one.
 */
int pipeline_start_writer_join_here(struct pipeline *, char *errbuf);
/*
 * Issue 14: after pipeline_start_writer_join_here() with message
 * tracking, the writer thread makes a failure's reply template and
 * probes the key-name memo itself: for an import, whose reading thread
 * (parsing, classifying, the join) is then the busier one. Otherwise,
 * and by default, the reading thread does both (the daemon, whose
 * writer commits every second and is its bound; an import without
 * tracking, whose writer is the busier thread). Same rows either way.
 */
void pipeline_set_writer_keys(struct pipeline *);
int pipeline_put_position(struct pipeline *, const struct store_position *);
int pipeline_sync(struct pipeline *);
int pipeline_rollback(struct pipeline *);
const char *pipeline_errmsg(const struct pipeline *);
/*
 * Asynchronous commits (writer.h): pipeline_commit() only queues the
 * commit; pipeline_wait_commits() waits until at most `behind` queued
 * commits are not applied, pipeline_poll() looks (1 all applied, 0 not
 * yet); -1 from either: something failed, call pipeline_sync().
 * pipeline_failed_op() names what failed ("begin", "add", "commit"...),
 * pipeline_set_notify() gets a call on the writer thread after each
 * commit or failure, pipeline_put_meta() is store_meta_set() in the
 * batch. Without a writer, commits are synchronous and these are trivial.
 */
int pipeline_wait_commits(struct pipeline *, uint64_t behind);
int pipeline_poll(struct pipeline *);
const char *pipeline_failed_op(const struct pipeline *);
void pipeline_set_notify(struct pipeline *, void (*fn)(void *), void *arg);
int pipeline_put_meta(struct pipeline *, const char *key, const char *value);
/*
 * Issue 16: message lifecycle tracking (msgtrack.h), owned by the
 * pipeline from this call on; NULL turns it off. Set it before
 * pipeline_start_writer(): with a writer it runs on the writer thread,
 * so pipeline_msgtrack()'s counters are read only after pipeline_sync().
 */
struct msgtrack;
void pipeline_set_msgtrack(struct pipeline *, struct msgtrack *);
struct msgtrack *pipeline_msgtrack(const struct pipeline *);

/* Events added since the last commit (to bound a batch). */
uint64_t pipeline_pending(const struct pipeline *);

const struct pipeline_counters *pipeline_counters(const struct pipeline *);

#endif
