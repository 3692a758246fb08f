/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Following the systemd journal with sd-journal (libsystemd), exactly once,
 * like a followed file. The journal's descriptor (sd_journal_get_fd(), an
 * inotify descriptor on the journal files) is an ev_io watcher of the
 * daemon's loop; sd_journal_process() then says whether entries were
 * added, and they are read a bounded number at a time (an idle watcher
 * continues a long catch-up, so that signals and commits are never held
 * up). A timer every poll interval reads too, should inotify miss a change.
 *
 * Entries: those of the MTA units (journal_entry_is_mail()), or, when
 * journal_match terms are given, exactly those the terms select: each term
 * is a sd_journal_add_match() string (FIELD=VALUE); the terms of one
 * journal_match value (separated by blanks) must all hold, and the entry
 * is read when any one journal_match value holds (sd_journal_add_
 * disjunction() between them). Each entry becomes a line for the pipeline
 * (journal_entry_line()).
 *
 * Position: the cursor of the last entry handed to the batch is stored by
 * journal_input_put_position() in the caller's transaction, next to the
 * counts of its lines, as the position row "journal:<machine id>" (the
 * local journal) or "journal:<directory>" (--journal-dir): column path holds
 * the cursor, off the entry's __REALTIME_TIMESTAMP in microseconds,
 * last_event its seconds. At start the journal seeks to that cursor and
 * skips the entry; when the entry is gone (the journal was rotated or
 * vacuumed while the daemon was down), reading starts at the oldest entry
 * after its time, with a warning. With no stored cursor, reading starts at
 * the head of the journal (start_at beginning) or after its last entry
 * (start_at end).
 *
 * Errors of the journal (a corrupt file, a vanished directory) are logged,
 * counted and survived: reading stops and the next wake-up tries again.
 * Not here: batching and committing (the caller's line and dirty
 * callbacks), parsing (the pipeline).
 */
#ifndef BS_DAEMON_FOLLOW_JOURNAL_INPUT_H
#define BS_DAEMON_FOLLOW_JOURNAL_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "store.h"

struct journal_input;

/* A line for the batch (flags: LINEBUF_CUT); 0, or -1 to stop reading
 * (the batch could not be committed: journal_input_restart() follows). */
typedef int journal_line_fn(
    void *arg, const char *line, size_t len, unsigned flags);
/* The position moved without a line (entries that are not mail). */
typedef void journal_dirty_fn(void *arg);

struct journal_env {
	struct ev_loop *loop;
	size_t max_line;      /* longest line made of an entry */
	double poll_interval; /* seconds between reads without a wake-up */
	bool start_at_end;    /* with no stored cursor: only new entries */
	journal_line_fn *line_fn;
	journal_dirty_fn *dirty_fn;
	void *arg;
};

/* What journal_input_info() reports (SIGUSR1 counters). */
struct journal_input_info {
	const char *key;    /* "journal:<machine id or directory>" */
	const char *cursor; /* last entry read, "" when none */
	uint64_t realtime;  /* its __REALTIME_TIMESTAMP, microseconds */
	uint64_t entries;   /* entries read since start */
	uint64_t lines;     /* ... of them handed to the batch */
	uint64_t errors;    /* journal errors survived */
};

/*
 * Opens the local system journal (dir NULL) or the journal files in dir,
 * and adds the nmatch journal_match values in matches (none: the MTA
 * filter). env is copied. Returns an input the caller frees with
 * journal_input_free(), or NULL after logging why (no such directory, a
 * bad match term).
 */
struct journal_input *journal_input_new(const char *dir, char *const *matches,
    size_t nmatch, const struct journal_env *env);
void journal_input_free(struct journal_input *);

/* The position key ("journal:<id>"), valid while the input lives. */
const char *journal_input_key(const struct journal_input *);

/*
 * Seeks to the position committed in st (see above) and starts watching.
 * Also the way back after a failed batch: the uncommitted position is
 * dropped and reading resumes after the committed cursor. Returns 0, or
 * -1 when st could not be read (store_errmsg()); journal errors are
 * logged and survived.
 */
int journal_input_start(struct journal_input *, struct store *st);

/* Stops watching and reading (shutdown, or a batch that failed). */
void journal_input_stop(struct journal_input *);

/*
 * Inside the caller's transaction: hands put(arg, pos) the cursor of the
 * last entry read when it moved since the last call, and counts it as
 * put (the caller commits asynchronously; a failed commit restarts the
 * input from the store). now is the wall time. Returns 0, or -1 when put
 * failed.
 */
int journal_input_put_position(struct journal_input *, int64_t now,
    int (*put)(void *arg, const struct store_position *pos), void *arg);

void journal_input_info(
    const struct journal_input *, struct journal_input_info *out);

#endif
