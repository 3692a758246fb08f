/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Following one log file path, exactly once. A tail watches the path with
 * libev's ev_stat (inotify on Linux, stat() every poll interval where
 * inotify cannot see) and holds up to two open files:
 *
 *   cur  the file now at the path;
 *   old  a file rotated away from the path (renamed or deleted), still
 *        read for rotate_wait after it last grew, because its writer keeps
 *        its descriptor until it reopens the log; or the copy made by a
 *        copytruncate rotation, read to its end;
 *
 * and, after a restart, a queue of generations to read as old next.
 *
 * Each open file's identity is its device and inode plus two fingerprints
 * (parsers/hash.h): of its first bytes, and of the bytes just before the
 * resume offset. Positions ("file:<path>" for cur, "rotated:<path>" for
 * old) are written by tail_put_positions() inside the caller's transaction,
 * next to the events of the lines they account for; after a restart
 * tail_start() resumes each file only where all of that matches, and finds
 * rotated files again among the path's siblings (same directory, name
 * starting with the path's name) by inode or, for a copytruncate copy, by
 * fingerprints. (The device number may differ after a reboot: inode and
 * fingerprints then decide, and the change is logged.)
 *
 * Generations rotated while the daemon was down: at start, with the file
 * read before found again, the siblings that are generations of the log
 * (tail_generation_of()) and were written after it or at the same time
 * (two rotations while down, or a copytruncate and one more) are queued,
 * oldest first (tail_generation_cmp(), at most TAIL_QUEUE_MAX, the rest
 * named in a warning), and read one after the other as the old file,
 * each from 0 or from what an "inode:" or "import:" record (or a file
 * finished just before, not committed yet) says was counted. The
 * "rotated:" position names the one being read, so a restart finds it
 * again by its fingerprints and rebuilds the queue after it. When both the
 * rotated file being read and the file that was at the path are found
 * again, the latter waits in the queue and the position under "file:"
 * keeps describing it (the file now at the path is read after it). When
 * neither is found (deleted by a later rotation), the generations written
 * after the time of its last commit are queued.
 *
 * A file met with no position under its path - new at the path, or matched
 * by a glob under a rotated name - starts at 0 unless it was read before:
 * a finished old file leaves "inode:<dev>:<ino>" with its end, and
 * `bouncestat import` leaves "import:<hash of the first line>"; when the
 * fingerprints match, reading resumes there. A file another tail still
 * holds is not opened until that tail is done with it.
 *
 * Truncation is a size below the read offset, or bytes before the read
 * offset that changed. A partial last line waits for its newline; only a
 * finished old file gives up its partial last line as a line.
 *
 * Not here: parsing, batching and committing (the caller's line and dirty
 * callbacks), glob expansion (loop.c).
 */
#ifndef BS_DAEMON_TAIL_H
#define BS_DAEMON_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "store.h"

#define TAIL_HEAD_LEN      256  /* bytes of a file's head fingerprint */
#define TAIL_WIN_LEN       512  /* bytes fingerprinted before an offset */
#define TAIL_CHECK_LEN     1024 /* bytes re-read to detect a rewrite */
#define TAIL_READ_BUDGET   8    /* blocks read per callback before yielding */
#define TAIL_DRAIN_TICK    0.25 /* seconds between reads of an old file */
#define TAIL_SIBLINGS_MAX  1000 /* directory entries looked at */
#define TAIL_IMPORT_ID_MAX 4096 /* bytes of a first line `import` hashes */
#define TAIL_QUEUE_MAX     32   /* generations read back after a restart */

struct tail;

/*
 * Called for each complete line read (flags are linebuf flags). Returns 0,
 * or -1 to stop reading (the store failed; the caller recovers by
 * rebuilding every tail from the stored positions).
 */
typedef int tail_line_fn(
    void *arg, struct tail *, const char *line, size_t len, unsigned flags);

/* Called when a tail has something new to commit (lines or state). */
typedef void tail_dirty_fn(void *arg, struct tail *);

/* True when another tail than self holds the file dev/ino (reads it, or
 * finished it and has not committed that yet). */
typedef bool tail_held_fn(
    void *arg, const struct tail *self, int64_t dev, int64_t ino);

struct tail_env {
	struct ev_loop *loop;
	size_t max_line;
	double poll_interval; /* seconds, ev_stat's fallback polling */
	double rotate_wait;   /* seconds an old file is still read */
	bool start_at_end;    /* unseen files found at start-up */
	struct store *store;  /* for positions of files seen before */
	/* Called before store is read while following (the caller's writer
	 * thread may be committing into it); may be NULL. */
	void (*store_wait)(void *arg);
	tail_line_fn *line_fn;
	tail_dirty_fn *dirty_fn;
	tail_held_fn *held_fn; /* may be NULL */
	void *arg;
};

/* What tail_info() reports (SIGUSR1, status). */
struct tail_info {
	const char *path;
	bool open; /* a file is at the path and open */
	int64_t ino;
	int64_t offset;  /* consumed: end of the last complete line */
	int64_t size;    /* at the last look */
	int64_t pending; /* bytes of a partial line held */
	bool draining;   /* an old file is still being read */
	int64_t old_ino;
	int64_t old_offset;
	int64_t old_size;
	int64_t last_event; /* newest event time from this path, 0 none */
	uint64_t lines;     /* lines read from this path */
	uint64_t rotations;
	uint64_t truncations;
};

/*
 * Creates a tail for path (copied) using env (copied; env->arg is passed
 * to the callbacks). Nothing is opened until tail_start(). Fatal on
 * allocation failure (daemon code).
 */
struct tail *tail_new(const char *path, const struct tail_env *env);

/* Stops the watchers and closes the files; accepts NULL. */
void tail_free(struct tail *);

/*
 * Opens the file(s) from the positions stored in st for this path
 * (see above), starts watching and schedules a first read. at_startup
 * selects env->start_at_end for a file that has no position; a tail
 * added later always starts at the beginning. Returns 0, or -1 when the
 * store failed (message from store_errmsg()); a missing file is not an
 * error (it is waited for).
 */
int tail_start(struct tail *, struct store *st, bool at_startup);

/* Stops all watchers (shutdown); the files stay open until tail_free(). */
void tail_stop(struct tail *);

/* Looks at the path and reads what is new now (timers, SIGUSR1). */
void tail_poll(struct tail *);

/* Replaces the intervals and limits of env (after a reload). */
void tail_set_env(struct tail *, const struct tail_env *env);

/*
 * Inside the caller's transaction: hands this tail's positions that
 * changed since the last call to put(arg, pos) (pos and its strings are
 * valid during the call only), and counts them as put: a later change is
 * put again. now is the wall time stored as `updated`. Returns 0, or -1
 * when put failed.
 */
typedef int tail_put_fn(void *arg, const struct store_position *pos);
int tail_put_positions(struct tail *, int64_t now, tail_put_fn *put, void *arg);

/*
 * After the commit of the transaction of the last tail_put_positions():
 * what was put is now durable (a file finished there is no longer held).
 * The caller commits asynchronously but calls this before the next
 * tail_put_positions(); after a failed commit it rebuilds the tail.
 */
void tail_committed(struct tail *);

/* Records the time of an event just read (for status and lag). */
void tail_note_event(struct tail *, int64_t when);

/* Fills *out; strings point into the tail. */
void tail_info(const struct tail *, struct tail_info *out);

const char *tail_path(const struct tail *);

/* True when the tail's file at the path and any old file are closed,
 * nothing is left to commit, and the path does not exist. */
bool tail_gone(const struct tail *);

/* Device and inode of the files held (to skip glob matches of them). */
bool tail_holds(const struct tail *, int64_t dev, int64_t ino);

/*
 * Pure helpers, exposed for unit tests: the fingerprint a position stores
 * for a window of bytes, and the name filter for rotated generations
 * ("mail.log.1", "mail.log-20261122", "x.gz") that glob matches skip.
 */
uint64_t tail_fingerprint(const void *p, size_t len);
bool tail_rotated_name(const char *name);

/*
 * True when name (a directory entry) is a rotated generation of the log
 * whose last path component is base: base followed by a rotation suffix
 * (".1", "-20261124", ".20261124-031500", "-2026-11-24", ".old", each
 * optionally with a compression suffix, or a compression suffix alone).
 * "mail.log.1" is a generation of "mail.log", not of "mail"; neither is
 * "mail.log.bak" (a copy made by hand, whose lines the log still has).
 */
bool tail_generation_of(const char *base, const char *name);

/* A rotated generation as tail_generation_cmp() orders it. */
struct tail_generation {
	const char *name; /* directory entry */
	int64_t mtime_sec;
	long mtime_nsec;
};

/*
 * Order of generations read after a restart, oldest first: by mtime, then
 * by the name: numbered generations first, a higher rotation number older
 * (mail.log.2 before mail.log.1), then the others by name (the dates in
 * them, earlier first). Negative when a was written before b; a total
 * order (transitive), as qsort() needs.
 */
int tail_generation_cmp(const void *a, const void *b);

#endif
