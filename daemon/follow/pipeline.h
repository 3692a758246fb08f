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

/* The event, classification and provider of the last PARSE_OK line. */
void pipeline_last(const struct pipeline *, const struct bs_event **,
    const struct classify_result **, const char **provider);

/* store_begin()/store_commit() of the pipeline's store. */
int pipeline_begin(struct pipeline *);
int pipeline_commit(struct pipeline *);

/* Events added since the last commit (to bound a batch). */
uint64_t pipeline_pending(const struct pipeline *);

const struct pipeline_counters *pipeline_counters(const struct pipeline *);

#endif
