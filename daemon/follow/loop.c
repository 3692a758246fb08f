/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See loop.h. The loop owns the store, the classifier, the pipeline, the
 * tails and the configuration.
 *
 * Batching: lines handed out by the tails (and standard input) are copied
 * into a bounded buffer; a flush opens the write transaction (BEGIN
 * IMMEDIATE), runs them through the pipeline, adds every tail's positions
 * and commits. The write lock is held only for the flush, so that other
 * writers (import, alert) are not shut out by a steady trickle of lines,
 * and readers are never blocked (WAL). A flush happens commit_interval
 * after the first line of a batch, as soon as commit_lines lines (or
 * LOOP_BUFFER_BYTES bytes) are held, before a reload swaps the classifier,
 * and at shutdown. Tail positions only move past lines that are in the
 * batch, so a position always commits with the counts of its lines.
 * The flush hands the transaction to the writer thread and returns: its
 * commit runs while the next batch is read (batch_commit()).
 *
 * Group commit (issue 14): a batch that is full while the previous
 * commit is still being applied is opened instead (batch_open()): its
 * BEGIN and its lines go to the writer thread at once, and each line
 * after them is parsed as it is read rather than held, so the thread
 * stores them while more are read, behind the commit before, and the
 * lines held stay at most commit_lines. It grows until that commit is
 * done and it is LOOP_GROUP_SPAN old, or to LOOP_GROUP_MAX times
 * commit_lines, or commit_interval (batch_full()): a stream or a backlog
 * costs a few commits a second. Before, the growing batch was held, up
 * to LOOP_BUFFER_BYTES, and parsed only at its commit, after the one
 * before: the thread idled while the lines were read and the reading
 * thread while the thread committed (at 1.5M lines/s, 28 commits a
 * second of 54,000 lines each, the 8 MiB bound).
 *
 * Early commit (issue 14): when reading has caught up (no tail, journal
 * or standard input has more to read: flush_idle_w, an idle watcher
 * below theirs), no line has come for LOOP_EARLY_QUIET since (early_w)
 * and no commit is in flight, a partial batch is committed then instead
 * of at commit_interval, if it is the rest of a stream (the batch before
 * it was full) or holds at least 1/LOOP_EARLY_DIV of commit_lines. So
 * the end of a burst is not held back a commit_interval. A steady
 * stream (lines at least every LOOP_EARLY_QUIET) still fills its batches
 * to commit_lines, and a trickle of lines (fewer than
 * commit_lines/LOOP_EARLY_DIV per commit_interval) still commits once
 * per commit_interval: an early commit carries at least
 * commit_lines/LOOP_EARLY_DIV lines or follows a full batch, and there
 * are at most 1/LOOP_EARLY_QUIET of them a second.
 *
 * An idle daemon has no timer but the rescan and prune ones running: it
 * sleeps in epoll until inotify or a signal wakes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "clock.h"
#include "detect.h"
#include "incident.h"
#include "journal_input.h"
#include "linebuf.h"
#include "log.h"
#include "message.h"
#include "msgtrack.h"
#include "loop.h"
#include "pipeline.h"
#include "rules.h"
#include "selfcheck.h"
#include "store.h"
#include "tail.h"
#include "util.h"
#include "version.h"

#define LOOP_BUFFER_BYTES     (8 << 20) /* bytes of lines held at most */
/* Group commit (issue 14): while the writer thread is still committing
 * the previous batch, a full batch keeps growing, up to this many times
 * commit_lines, instead of queueing behind it. Each commit re-writes the
 * day, month and hour-class rollup rows its lines touch (store_count.c:
 * flush_hours()) and the WAL frames of every page it changed, so fewer
 * commits cost less. 16, then 64 while the growing batch was held in
 * LOOP_BUFFER_BYTES (about 54,000 lines of a Postfix log, the bound
 * then); 256 since it is open (parsed as it comes, batch_open()), where
 * LOOP_GROUP_SPAN bounds it first at up to 2M lines/s. */
#define LOOP_GROUP_MAX        256
/* ... and commits once that commit is done and its first line is this
 * old (seconds), so that a stream commits about 1/LOOP_GROUP_SPAN times
 * a second and a line waits about that long plus the commit. */
#define LOOP_GROUP_SPAN       0.25
/* Early commit (see above): a partial batch of at least
 * commit_lines/LOOP_EARLY_DIV lines (at least 1) goes at once when
 * reading has caught up; 8 keeps such commits at 250 lines or more with
 * the default commit_lines, where a commit's fixed cost (BEGIN, the
 * positions, the WAL frames of the pages touched, COMMIT) stays a small
 * part of the batch's. */
#define LOOP_EARLY_DIV        8
/* ... once no line has come for this long (seconds) after reading caught
 * up: a writer pausing between chunks more often than this is a stream,
 * whose batches fill (committing at once after each chunk doubled the
 * daemon's CPU at 20k lines/s in 10 ms chunks: 5 times the commits). */
#define LOOP_EARLY_QUIET      0.05
#define LOOP_RECOVER_MIN      1.0 /* seconds before rebuilding the tails */
#define LOOP_RECOVER_MAX      30.0
#define LOOP_PRUNE_FIRST      60.0 /* seconds after start-up */
#define LOOP_PRUNE_EVERY      3600.0
/* Under the test clock: simulated months pass in seconds (trial10). */
#define LOOP_PRUNE_TEST       1.0
/* Spike detection (detect_run): 5 s after each minute, once its counts
 * are in. */
#define LOOP_DETECT_OFFSET    5.0
#define LOOP_DETECT_EVERY     60.0
/* Under the test clock (clock.h) the detector looks at it this often. */
#define LOOP_DETECT_TEST      0.2
/* The first run, soon after start-up: catch up without waiting for the
 * minute (lines already in the files are read meanwhile). */
#define LOOP_DETECT_FIRST     1.0
/* Window ends per detector transaction: one such chunk runs at a time,
 * when the loop is idle, so a catch-up over weeks never holds up the
 * following (19 s at once over 35 days before). The chunk starts at an
 * hour and doubles (up to a day) while a chunk takes under a quarter of
 * LOOP_DETECT_SLICE, halves (down to ten minutes) above it. */
#define LOOP_DETECT_CHUNK     3600
#define LOOP_DETECT_CHUNK_MIN 600
#define LOOP_DETECT_CHUNK_MAX 86400
#define LOOP_DETECT_SLICE     0.1 /* seconds */
/* While lines stream in (one came less than LOOP_EARLY_QUIET before the
 * reading thread caught up), the detector's chunks take at most this
 * share of the reading thread's time: after a chunk of d seconds the
 * next waits d * (1 / LOOP_DETECT_SHARE - 1) (detect_rest_w). Without a
 * stream they run back to back, as before. Issue 14: following a log
 * whose lines are days old (the benchmark's), each chunk ran ahead of
 * the lines still coming, so every line committed after it was a late
 * result and the next chunk stepped those windows again: at 200,000
 * lines/s in 10 ms writes the detector took about 80% of the reading
 * thread's CPU, 2 us a line. */
#define LOOP_DETECT_SHARE     0.25
#define LOOP_STDIN_BUDGET     8    /* blocks read per stdin callback */
#define LOOP_SUMMARY_EVERY    60.0 /* seconds between bad-line summaries */
#define LOOP_SLOW_COMMIT_MS   2000 /* a commit slower than this is logged */

/* See loop.h. */
const char *const loop_default_paths[] = { "/var/log/mail.log",
	"/var/log/maillog", "/var/log/postfix.log", NULL };

struct followed {
	struct tail *t;
	bool glob;               /* found by a pattern, not named */
	bool wanted;             /* named, or matched at the last expansion */
	struct pipeline_watch w; /* "no delivery result" warning, once */
};

/* One line of the batch, in pbuf at off. */
struct pending {
	struct tail *t; /* NULL: standard input */
	size_t off;
	size_t len;
	unsigned flags;
};

struct dirwatch {
	ev_stat w;
	char *dir;
};

struct loop {
	struct ev_loop *ev;
	int lock_fd; /* "<db>.daemon-lock", held for life; -1: none */
	struct conf *conf;
	struct loop_opts opts;
	size_t max_line; /* fixed at start-up */
	char **pats;     /* what to follow */
	size_t npats;
	struct followed *fl;
	size_t nfl;
	bool full_warned;
	struct dirwatch *dw;
	size_t ndw;
	struct store *st;
	struct classifier *cl;
	struct pipeline *pl;

	struct journal_input *jn; /* the systemd journal, or NULL */
	struct selfcheck *sc;     /* DNSBL self-check, stall watch */

	struct linebuf *in_lb; /* standard input */
	struct pipeline_watch in_watch;
	ev_io in_w;
	bool in_open;
	uint64_t in_uncommitted;
	/* The batch handed to the writer thread, its commit not confirmed
	 * yet (at most one: see batch_commit()). */
	bool inflight;
	uint64_t in_inflight; /* its lines from standard input */
	size_t inflight_lines;
	ev_tstamp inflight_t0;
	ev_async commit_async; /* the writer thread applied a commit */
	/* Early commit (see the top): runs when reading has caught up. */
	ev_idle flush_idle_w;
	ev_timer early_w;
	size_t early_seen; /* nlines when early_w was armed */
	bool last_full;    /* the last batch committed held commit_lines */
	uint64_t early_commits;

	size_t nlines;        /* lines of the batch: held, or parsed (open) */
	ev_tstamp batch_t0;   /* when its first line came */
	struct pending *pend; /* the batch's lines held, not yet parsed */
	size_t npend, pend_cap;
	char *pbuf;
	size_t pbuf_len, pbuf_cap;
	/* Issue 14: the batch is open (batch_open()): its transaction is
	 * begun on the writer thread and its lines are parsed as they come
	 * instead of held. watch_t: whose watch the pipeline has. */
	bool open;
	bool watch_set;
	const struct tail *watch_t;

	ev_signal sig_term, sig_int, sig_hup, sig_usr1;
	ev_timer batch_w, rescan_w, recover_w, prune_w;
	/* The database was lost (db_gone()): the shutdown, from the loop
	 * rather than from whoever noticed (review of issue 14's open
	 * batch: store_idle()'s callers use their state after it). */
	ev_timer gone_w;
	ev_periodic detect_w;    /* spike detection, every minute */
	ev_timer detect_test_w;  /* ... or, under the test clock, often */
	ev_timer detect_first_w; /* once, soon after start-up */
	ev_idle detect_idle_w;   /* one chunk of detection per idle turn */
	ev_timer detect_rest_w;  /* a stream: the next chunk waits */
	ev_tstamp detect_rest;   /* ... until then (LOOP_DETECT_SHARE) */
	ev_tstamp line_t;        /* when the last line came (ev_now()) */
	uint64_t detect_rests;   /* chunks put off for a stream (SIGUSR1) */
	bool detect_busy;
	int64_t detect_chunk; /* seconds of window ends per chunk */
	bool in_txn, broken, stopping, files_changed;
	int exit_code;
	double recover_delay;
	bool failing;           /* commits fail: logged once, backing off */
	int64_t db_dev, db_ino; /* the database file opened */
	bool db_lost;           /* deleted or replaced under us */
	int64_t started;
	uint64_t commits, failures, recoveries, stdin_lost;
	size_t held_max; /* bytes of lines held at most (pbuf_len) */
	double commit_ms_max;
	uint64_t sum_bad, sum_cut;
	ev_tstamp sum_time;
};

static void rescan(struct loop *, bool at_startup, bool reload);

static void
log_errfn(void *arg, const char *msg)
{
	(void)arg;
	log_warnx("%s", msg);
}

/* See loop.h. */
void
loop_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	size_t len;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(sa.sun_path))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace */
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_debug("notify: socket: %s", strerror(errno));
		return;
	}
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		(struct sockaddr *)&sa,
		(socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) ==
	    -1)
		log_debug("notify: %s: %s", path, strerror(errno));
	close(fd);
}

static double
ms_to_s(int64_t ms)
{
	return (double)ms / 1000.0;
}

static void make_env(struct loop *lp, struct tail_env *env);

static void
batch_clear(struct loop *lp)
{
	lp->npend = 0;
	lp->pbuf_len = 0;
	lp->in_uncommitted = 0;
	lp->nlines = 0;
	lp->open = false;
	lp->watch_set = false;
}

/* The store failed: roll back and rebuild the tails a moment later. */
static void
store_failed(struct loop *lp, const char *what)
{
	/* The writer thread idle first: the store and its message are ours
	 * (it keeps the message of the call that failed). */
	(void)pipeline_sync(lp->pl);
	/* One line per change of state, not one per retry. */
	if (!lp->failing)
		log_warnx("store: batch not committed (%s): %s; retrying from "
			  "the committed positions, backing off from %.0fs to "
			  "%.0fs",
		    what, store_errmsg(lp->st), LOOP_RECOVER_MIN,
		    LOOP_RECOVER_MAX);
	else
		log_debug("store: batch not committed (%s): %s", what,
		    store_errmsg(lp->st));
	lp->failing = true;
	(void)pipeline_rollback(lp->pl); /* the writer is idle afterwards */
	lp->in_txn = false;
	lp->failures++;
	/* The batch in flight, if any, rolled back with this one. */
	lp->in_uncommitted += lp->in_inflight;
	lp->in_inflight = 0;
	lp->inflight = false;
	if (lp->in_uncommitted > 0) {
		log_warnx("stdin: %" PRIu64 " lines of the rolled back batch "
			  "cannot be read again: not counted",
		    lp->in_uncommitted);
		lp->stdin_lost += lp->in_uncommitted;
	}
	batch_clear(lp);
	if (lp->broken)
		return;
	lp->broken = true;
	ev_timer_stop(lp->ev, &lp->batch_w);
	if (lp->jn != NULL)
		journal_input_stop(lp->jn);
	if (!lp->stopping) {
		log_debug("store: re-reading from the committed positions in "
			  "%.0fs",
		    lp->recover_delay);
		ev_timer_set(&lp->recover_w, lp->recover_delay, 0.);
		ev_timer_start(lp->ev, &lp->recover_w);
	}
}

static void
batch_timer(struct loop *lp)
{
	if (!ev_is_active(&lp->batch_w) && !lp->stopping && !lp->broken) {
		ev_timer_set(
		    &lp->batch_w, ms_to_s(lp->conf->commit_interval_ms), 0.);
		ev_timer_start(lp->ev, &lp->batch_w);
	}
}

static int
put_files(struct loop *lp)
{
	char *list;
	size_t i, len = 1, off = 0;
	int rc;

	for (i = 0; i < lp->nfl; i++)
		len += strlen(tail_path(lp->fl[i].t)) + 1;
	list = xmalloc(len);
	list[0] = '\0';
	for (i = 0; i < lp->nfl; i++)
		off += (size_t)snprintf(list + off, len - off, "%s%s",
		    off > 0 ? "\n" : "", tail_path(lp->fl[i].t));
	rc = pipeline_put_meta(lp->pl, "daemon.files", list);
	free(list);
	return rc;
}

/*
 * The watch of the input of t (NULL: standard input), for the warning of
 * an input that gives no delivery result. Valid until lp->fl changes.
 */
static struct pipeline_watch *
watch_of(struct loop *lp, const struct tail *t)
{
	size_t i;

	if (t == NULL)
		return &lp->in_watch;
	for (i = 0; i < lp->nfl; i++)
		if (lp->fl[i].t == t)
			return &lp->fl[i].w;
	return NULL;
}

/*
 * Flushes the batch: one transaction with its lines' events and counts,
 * every tail's changed positions and the list of followed files.
 * 0, or -1 (rolled back; the tails are rebuilt from the store).
 */
static void shutdown_begin(struct loop *, const char *);

/*
 * True when the database file was deleted or replaced since it was opened
 * (SQLite would go on writing into the unlinked file, and every reader
 * would see another, or none): logged once, and the daemon stops with
 * status 1 so that its service manager starts it again on a fresh
 * database, which re-reads what the logs still hold.
 */
static bool
db_gone(struct loop *lp)
{
	struct stat sb;

	if (lp->db_lost)
		return true;
	if (stat(lp->opts.db_path, &sb) == 0 &&
	    (int64_t)sb.st_dev == lp->db_dev &&
	    (int64_t)sb.st_ino == lp->db_ino)
		return false;
	lp->db_lost = true;
	log_errx("store: the database %s was %s while running; stopping "
		 "(a restart creates a fresh one and reads the logs again)",
	    lp->opts.db_path,
	    access(lp->opts.db_path, F_OK) == 0 ? "replaced" : "deleted");
	/* The writer thread idle and the batch rolled back (an open batch
	 * has its BEGIN and lines there) before the store is used here;
	 * nothing more is read or committed (broken). The shutdown runs
	 * from the loop (gone_cb()): db_gone() is reached from
	 * store_idle(), whose callers (the self-check, a tail opening a
	 * file, the directory watch) go on with their state after it. */
	(void)pipeline_sync(lp->pl);
	(void)pipeline_rollback(lp->pl);
	lp->in_txn = false;
	lp->inflight = false;
	lp->in_inflight = 0;
	batch_clear(lp);
	lp->broken = true;
	ev_timer_stop(lp->ev, &lp->batch_w);
	ev_timer_stop(lp->ev, &lp->early_w);
	ev_idle_stop(lp->ev, &lp->flush_idle_w);
	ev_timer_stop(lp->ev, &lp->recover_w);
	ev_timer_set(&lp->gone_w, 0., 0.);
	ev_timer_start(lp->ev, &lp->gone_w);
	lp->exit_code = 1;
	return true;
}

static void
gone_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct loop *lp = w->data;

	(void)loop;
	(void)revents;
	shutdown_begin(lp, "database lost");
	lp->exit_code = 1;
}

/* What failed on the writer thread, else dflt (no writer thread). */
static const char *
failed_op(struct loop *lp, const char *dflt)
{
	const char *op = pipeline_failed_op(lp->pl);

	return op[0] != '\0' ? op : dflt;
}

/*
 * The batch in flight is committed: what its positions said is durable.
 * Called before the next batch's positions are taken (batch_commit()),
 * so each tail_committed() answers the last tail_put_positions().
 */
static void
batch_confirm(struct loop *lp)
{
	double ms;
	size_t i;

	if (!lp->inflight)
		return;
	lp->inflight = false;
	ms = (ev_time() - lp->inflight_t0) * 1000.0;
	if (ms > lp->commit_ms_max)
		lp->commit_ms_max = ms;
	if (ms > LOOP_SLOW_COMMIT_MS)
		log_warnx("store: commit of %zu lines took %.0f ms",
		    lp->inflight_lines, ms);
	/* An open batch's BEGIN is queued behind this commit. */
	lp->in_txn = lp->open;
	lp->in_inflight = 0;
	lp->commits++;
	if (lp->failing)
		log_info("store: commits succeed again (after %" PRIu64
			 " failures)",
		    lp->failures);
	lp->failing = false;
	lp->recover_delay = LOOP_RECOVER_MIN;
	for (i = 0; i < lp->nfl; i++) {
		tail_committed(lp->fl[i].t);
		(void)pipeline_watch_warn(&lp->fl[i].w, tail_path(lp->fl[i].t));
	}
	(void)pipeline_watch_warn(&lp->in_watch, "-");
}

/*
 * Makes the store the loop's (the writer thread idle, the batch in
 * flight confirmed or failed) before the loop uses it directly: tails
 * opening files, the detector, pruning, reload, shutdown, the self-check.
 * 0, or -1 when the batch in flight failed (store_failed() has run).
 */
static bool early_ok(const struct loop *);
static int batch_commit(struct loop *);

static int
store_idle(struct loop *lp)
{
	/* An open batch holds the store's transaction: committed first
	 * (its lines are all in it, so are its tails' positions). */
	if (lp->open && !lp->broken && batch_commit(lp) == -1)
		return -1;
	if (lp->db_lost)
		return -1; /* shutting down (gone_cb()) */
	/* review13: the writer thread idle also when its last commit was
	 * confirmed already (commit_async_cb(), a poll): it notifies and
	 * counts the commit before it is done with the store (writer_main()
	 * asks store_work() next), so the caller's store_begin() raced it
	 * (ThreadSanitizer: the detector's turn). Cheap when idle. */
	if (pipeline_sync(lp->pl) == -1) {
		store_failed(lp, failed_op(lp, "commit"));
		return -1;
	}
	if (!lp->inflight)
		return 0;
	batch_confirm(lp);
	/* As commit_async_cb() would have: the batch may now go early. The
	 * commit's notification finds nothing in flight and does nothing;
	 * without this, a burst's rest waited commit_interval whenever the
	 * detector (or pruning, a tail opening a file) took the store. */
	if (early_ok(lp))
		ev_idle_start(lp->ev, &lp->flush_idle_w);
	return 0;
}

/* tail_env.store_wait, selfcheck's hook. */
static void
on_store_wait(void *arg)
{
	(void)store_idle(arg);
}

/* Called on the writer thread after a commit or a failure. */
static void
on_commit_applied(void *arg)
{
	struct loop *lp = arg;

	ev_async_send(lp->ev, &lp->commit_async);
}

static bool group_due(const struct loop *);

/* The fewest lines a partial batch commits early with (see the top). */
static size_t
early_min(const struct loop *lp)
{
	size_t n = (size_t)lp->conf->commit_lines / LOOP_EARLY_DIV;

	return n > 0 ? n : 1;
}

/* Whether the batch may be committed early, now that reading has caught
 * up (see the top). */
static bool
early_ok(const struct loop *lp)
{
	return lp->nlines > 0 && !lp->inflight && !lp->broken &&
	    !lp->stopping && (lp->last_full || lp->nlines >= early_min(lp));
}

/* Runs when reading has caught up: no tail, journal or standard input
 * watcher of a higher priority is pending. Started again by batch_add()
 * and commit_async_cb() when the batch may have become eligible. Arms
 * early_w, which commits if no line comes meanwhile. */
static void
flush_idle_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct loop *lp = w->data;

	(void)revents;
	ev_idle_stop(loop, w);
	if (early_ok(lp) && !ev_is_active(&lp->early_w)) {
		lp->early_seen = lp->nlines;
		ev_timer_set(&lp->early_w, LOOP_EARLY_QUIET, 0.);
		ev_timer_start(loop, &lp->early_w);
	}
}

/* LOOP_EARLY_QUIET after reading caught up: commits the batch unless
 * lines came meanwhile (then waits until reading catches up again). */
static void
early_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct loop *lp = w->data;

	(void)revents;
	if (!early_ok(lp))
		return; /* batch_add() or commit_async_cb() start it again */
	if (lp->nlines != lp->early_seen) {
		ev_idle_start(loop, &lp->flush_idle_w);
		return;
	}
	lp->early_commits++;
	(void)batch_commit(lp);
}

/* On the loop: confirms the batch in flight once its commit is applied,
 * and fails it (recovery) at once when it failed. */
static void
commit_async_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct loop *lp = w->data;
	int rc;

	(void)loop;
	(void)revents;
	if (!lp->inflight)
		return;
	if ((rc = pipeline_poll(lp->pl)) == 1) {
		batch_confirm(lp);
		/* A full batch that waited for this commit (batch_full()). */
		if (lp->nlines >= (size_t)lp->conf->commit_lines &&
		    !lp->broken && !lp->stopping &&
		    (!lp->open || group_due(lp)))
			(void)batch_commit(lp);
		else if (early_ok(lp))
			ev_idle_start(lp->ev, &lp->flush_idle_w);
	} else if (rc == -1)
		store_failed(lp, failed_op(lp, "commit"));
}

/* tail_put_fn: a position into the batch, through the writer. */
static int
put_position(void *arg, const struct store_position *pos)
{
	struct loop *lp = arg;

	return pipeline_put_position(lp->pl, pos);
}

/*
 * Parses a line of tail t (NULL: standard input or the journal) into the
 * open batch. 0, or -1 (rolled back).
 */
static int
batch_parse(struct loop *lp, const struct tail *t, const char *line, size_t len,
    unsigned flags)
{
	const struct bs_event *ev;
	const struct classify_result *cr;
	const char *prov;
	int rc;

	if (!lp->watch_set || t != lp->watch_t) {
		pipeline_set_watch(lp->pl, watch_of(lp, t));
		lp->watch_t = t;
		lp->watch_set = true;
	}
	rc = pipeline_line(lp->pl, line, len, flags);
	if (rc == -1) {
		store_failed(lp, failed_op(lp, "add"));
		return -1;
	}
	if (rc == PARSE_OK && t != NULL) {
		pipeline_last(lp->pl, &ev, &cr, &prov);
		if (ev != NULL)
			tail_note_event((struct tail *)t, ev->time);
	}
	return 0;
}

/*
 * Opens the batch (issue 14): appends its BEGIN for the writer thread
 * and parses the lines held, after which batch_add() parses each line as
 * it comes instead of holding it. The thread applies them while the
 * lines after them are read, also while the commit before runs. 0, or
 * -1 (rolled back).
 */
static int
batch_open(struct loop *lp)
{
	const struct pending *pe;
	size_t i;

	if (lp->open)
		return 0;
	pipeline_set_ref_time(lp->pl, clock_now());
	/* BEGIN IMMEDIATE runs on the thread: a failure (SQLITE_BUSY) is
	 * reported as the batch's "begin" (pipeline_failed_op()). */
	if (pipeline_begin(lp->pl) == -1) {
		store_failed(lp, failed_op(lp, "begin"));
		return -1;
	}
	lp->in_txn = true;
	lp->open = true;
	lp->watch_set = false;
	for (i = 0; i < lp->npend; i++) {
		pe = &lp->pend[i];
		if (batch_parse(lp, pe->t, lp->pbuf + pe->off, pe->len,
			pe->flags) == -1)
			return -1;
	}
	lp->npend = 0;
	lp->pbuf_len = 0;
	return 0;
}

/*
 * Hands the batch to the writer thread and returns without waiting for
 * its commit (issue 14): reading goes on while the thread stores and
 * commits. One transaction holds the lines' events and counts, every
 * tail's changed positions and the list of followed files, in that
 * order, so exactly-once holds as with a synchronous commit. At most one
 * batch is in flight: the next batch parses its lines (the thread busy
 * with the previous commit meanwhile) and then waits for that commit
 * before it takes its positions, so the tails' state is confirmed batch
 * by batch (batch_confirm()). A failure, found there, by the writer's
 * notification (commit_async_cb()) or by store_idle(), rolls back both
 * batches and rebuilds the tails from the committed positions.
 * 0, or -1 (rolled back).
 */
static int
batch_commit(struct loop *lp)
{
	int64_t now = clock_now();
	ev_tstamp t0 = ev_time();
	size_t i;

	ev_timer_stop(lp->ev, &lp->batch_w);
	ev_timer_stop(lp->ev, &lp->early_w);
	if (lp->broken || db_gone(lp))
		return -1;
	if (batch_open(lp) == -1)
		return -1;
	pipeline_set_watch(lp->pl, NULL);
	lp->watch_set = false;
	/* The previous batch's commit, before this batch's positions. */
	if (lp->inflight) {
		if (pipeline_wait_commits(lp->pl, 0) == -1) {
			store_failed(lp, failed_op(lp, "commit"));
			return -1;
		}
		batch_confirm(lp);
		lp->in_txn = true; /* this batch's, begun above */
	}
	for (i = 0; i < lp->nfl; i++)
		if (tail_put_positions(lp->fl[i].t, now, put_position, lp) ==
		    -1) {
			store_failed(lp, "position");
			return -1;
		}
	if (lp->jn != NULL &&
	    journal_input_put_position(lp->jn, now, put_position, lp) == -1) {
		store_failed(lp, "journal position");
		return -1;
	}
	if (lp->files_changed && put_files(lp) == -1) {
		store_failed(lp, "meta");
		return -1;
	}
	if (pipeline_commit(lp->pl) == -1) {
		store_failed(lp, failed_op(lp, "commit"));
		return -1;
	}
	lp->inflight = true;
	lp->inflight_t0 = t0;
	lp->inflight_lines = lp->nlines;
	lp->last_full = lp->nlines >= (size_t)lp->conf->commit_lines;
	lp->in_inflight = lp->in_uncommitted;
	lp->files_changed = false;
	batch_clear(lp);
	return 0;
}

/* Whether an open batch has been open long enough to commit (see
 * LOOP_GROUP_SPAN). */
static bool
group_due(const struct loop *lp)
{
	return lp->nlines >= (size_t)lp->conf->commit_lines * LOOP_GROUP_MAX ||
	    ev_time() - lp->batch_t0 >= LOOP_GROUP_SPAN;
}

/*
 * After a line was added: commits the batch when it is full, unless the
 * previous batch's commit is still being applied; then the batch is
 * opened and grows (group commit) until that commit is done and the
 * batch is LOOP_GROUP_SPAN old, or at LOOP_GROUP_MAX times commit_lines
 * (or commit_interval). One commit then covers more lines, and a stream
 * or backlog costs fewer commits (each writes every page it touched to
 * the WAL, and its rollup rows again). 0, or -1 (rolled back).
 */
static int
batch_full(struct loop *lp)
{
	size_t full = (size_t)lp->conf->commit_lines;

	if (lp->pbuf_len >= LOOP_BUFFER_BYTES ||
	    lp->nlines >= full * LOOP_GROUP_MAX)
		return batch_commit(lp);
	if (lp->nlines < full)
		return 0;
	if (!lp->open) {
		if (!lp->inflight || pipeline_poll(lp->pl) != 0)
			return batch_commit(lp);
		return batch_open(lp);
	}
	/* Open: looked at every 64 lines. */
	if ((lp->nlines - full) % 64 != 0 || !group_due(lp))
		return 0;
	if (lp->inflight && pipeline_poll(lp->pl) == 0)
		return 0;
	return batch_commit(lp);
}

/* Adds a line of tail t (NULL: standard input or the journal) to the
 * batch, flushing when it is full. */
static int
batch_add(struct loop *lp, struct tail *t, bool from_stdin, const char *line,
    size_t len, unsigned flags)
{
	struct pending *pe;

	if (lp->broken)
		return -1;
	if (lp->open) {
		if (batch_parse(lp, t, line, len, flags) == -1)
			return -1;
	} else {
		if (lp->npend == lp->pend_cap) {
			lp->pend_cap = lp->pend_cap ? lp->pend_cap * 2 : 1024;
			lp->pend = xrealloc(
			    lp->pend, lp->pend_cap * sizeof(*lp->pend));
		}
		if (lp->pbuf_len + len > lp->pbuf_cap) {
			while (lp->pbuf_len + len > lp->pbuf_cap)
				lp->pbuf_cap =
				    lp->pbuf_cap ? lp->pbuf_cap * 2 : 1 << 16;
			lp->pbuf = xrealloc(lp->pbuf, lp->pbuf_cap);
		}
		pe = &lp->pend[lp->npend++];
		pe->t = t;
		pe->off = lp->pbuf_len;
		pe->len = len;
		pe->flags = flags;
		memcpy(lp->pbuf + lp->pbuf_len, line, len);
		lp->pbuf_len += len;
		if (lp->pbuf_len > lp->held_max)
			lp->held_max = lp->pbuf_len;
	}
	lp->nlines++;
	lp->line_t = ev_now(lp->ev);
	if (from_stdin)
		lp->in_uncommitted++;
	/* The timer runs from the batch's first line to its commit (which
	 * stops it); early commit once reading has caught up
	 * (flush_idle_cb()). */
	if (lp->nlines == 1) {
		lp->batch_t0 = ev_time();
		batch_timer(lp);
		ev_idle_start(lp->ev, &lp->flush_idle_w);
	} else if (lp->nlines == early_min(lp))
		ev_idle_start(lp->ev, &lp->flush_idle_w);
	return batch_full(lp);
}

/* tail_line_fn, also used for standard input (t NULL). */
static int
on_line(void *arg, struct tail *t, const char *line, size_t len, unsigned flags)
{
	return batch_add(arg, t, t == NULL, line, len, flags);
}

/* journal_line_fn. */
static int
on_journal_line(void *arg, const char *line, size_t len, unsigned flags)
{
	return batch_add(arg, NULL, false, line, len, flags);
}

/* journal_dirty_fn: the cursor moved past entries that are not mail. */
static void
on_journal_dirty(void *arg)
{
	batch_timer(arg);
}

/* tail_dirty_fn: state to commit without a line (rotation, new file). */
static void
on_dirty(void *arg, struct tail *t)
{
	struct loop *lp = arg;

	(void)t;
	batch_timer(lp);
}

/* tail_held_fn: does a tail other than self hold dev/ino? */
static bool
on_held(void *arg, const struct tail *self, int64_t dev, int64_t ino)
{
	struct loop *lp = arg;
	size_t i;

	for (i = 0; i < lp->nfl; i++)
		if (lp->fl[i].t != self && tail_holds(lp->fl[i].t, dev, ino))
			return true;
	return false;
}

static void
make_env(struct loop *lp, struct tail_env *env)
{
	memset(env, 0, sizeof(*env));
	env->loop = lp->ev;
	env->max_line = lp->max_line;
	env->poll_interval = ms_to_s(lp->conf->poll_interval_ms);
	env->rotate_wait = ms_to_s(lp->conf->rotate_wait_ms);
	env->start_at_end = lp->conf->start_at == CONF_START_END;
	env->store = lp->st;
	env->store_wait = on_store_wait;
	env->line_fn = on_line;
	env->dirty_fn = on_dirty;
	env->held_fn = on_held;
	env->arg = lp;
}

static bool
has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static struct followed *
find_followed(struct loop *lp, const char *path)
{
	size_t i;

	for (i = 0; i < lp->nfl; i++)
		if (strcmp(tail_path(lp->fl[i].t), path) == 0)
			return &lp->fl[i];
	return NULL;
}

static bool
held_by_any(struct loop *lp, const char *path)
{
	struct stat st;
	size_t i;

	if (stat(path, &st) == -1)
		return false;
	for (i = 0; i < lp->nfl; i++)
		if (tail_holds(
			lp->fl[i].t, (int64_t)st.st_dev, (int64_t)st.st_ino))
			return true;
	return false;
}

static void
add_tail(struct loop *lp, const char *path, bool glob, bool at_startup)
{
	struct tail_env env;
	struct followed *f;
	struct tail *t;

	if (lp->nfl >= (size_t)lp->conf->max_files) {
		if (!lp->full_warned)
			log_warnx("follow: %s: max_files=%lld reached; not "
				  "followed",
			    path, (long long)lp->conf->max_files);
		lp->full_warned = true;
		return;
	}
	make_env(lp, &env);
	lp->fl = xrealloc(lp->fl, (lp->nfl + 1) * sizeof(*lp->fl));
	lp->watch_set = false; /* lp->fl moved */
	f = &lp->fl[lp->nfl++];
	f->t = t = tail_new(path, &env);
	f->glob = glob;
	f->wanted = true;
	memset(&f->w, 0, sizeof(f->w));
	lp->files_changed = true;
	if (lp->broken)
		return; /* started by the recovery */
	/* tail_start() may call back into the batch (a rotated position to
	 * finish): f is not used across it, in case lp->fl ever moves. */
	if (store_idle(lp) == -1)
		return; /* started by the recovery */
	if (tail_start(t, lp->st, at_startup) == -1)
		store_failed(lp, "position");
}

static void
remove_tail(struct loop *lp, size_t i)
{
	log_info("follow: %s: no longer followed", tail_path(lp->fl[i].t));
	tail_free(lp->fl[i].t);
	memmove(
	    &lp->fl[i], &lp->fl[i + 1], (lp->nfl - i - 1) * sizeof(*lp->fl));
	lp->nfl--;
	lp->watch_set = false; /* lp->fl moved */
	lp->files_changed = true;
	lp->full_warned = false;
}

/*
 * Expands the patterns: adds tails for new paths and glob matches (not
 * rotated generations, not files another tail holds), drops glob tails
 * whose file is gone and read, and, on reload, tails no longer asked for.
 */
static void
rescan(struct loop *lp, bool at_startup, bool reload)
{
	struct followed *f;
	struct stat st;
	const char *base;
	glob_t g;
	size_t i, j;
	int rc;

	for (i = 0; i < lp->nfl; i++)
		lp->fl[i].wanted = false;
	/* Named paths first: they claim their rotated files before a glob
	 * could match those. */
	for (i = 0; i < lp->npats; i++) {
		if (has_glob(lp->pats[i]))
			continue;
		if ((f = find_followed(lp, lp->pats[i])) != NULL) {
			f->wanted = true;
			f->glob = false;
		} else if (held_by_any(lp, lp->pats[i])) {
			if (at_startup)
				log_warnx(
				    "follow: %s: the same file as another "
				    "followed path; skipped",
				    lp->pats[i]);
		} else
			add_tail(lp, lp->pats[i], false, at_startup);
	}
	for (i = 0; i < lp->npats; i++) {
		if (!has_glob(lp->pats[i]))
			continue;
		memset(&g, 0, sizeof(g));
		rc = glob(lp->pats[i], GLOB_NOSORT, NULL, &g);
		if (rc != 0 && rc != GLOB_NOMATCH)
			log_warnx("follow: %s: glob failed", lp->pats[i]);
		for (j = 0; rc == 0 && j < g.gl_pathc; j++) {
			const char *p = g.gl_pathv[j];

			base = strrchr(p, '/');
			base = base != NULL ? base + 1 : p;
			if (tail_rotated_name(base))
				continue;
			if ((f = find_followed(lp, p)) != NULL) {
				f->wanted = true;
				continue;
			}
			if (stat(p, &st) == -1 || !S_ISREG(st.st_mode) ||
			    held_by_any(lp, p))
				continue;
			add_tail(lp, p, true, at_startup);
		}
		globfree(&g);
	}
	for (i = lp->nfl; i-- > 0;) {
		if (lp->fl[i].wanted)
			continue;
		if (tail_gone(lp->fl[i].t) || reload)
			remove_tail(lp, i);
	}
	if (lp->files_changed)
		batch_timer(lp);
}

static void
dir_cb(struct ev_loop *loop, ev_stat *w, int revents)
{
	struct loop *lp = w->data;

	(void)loop;
	(void)revents;
	if (!lp->broken && !lp->stopping)
		rescan(lp, false, false);
}

static void
dirwatch_clear(struct loop *lp)
{
	size_t i;

	for (i = 0; i < lp->ndw; i++) {
		ev_stat_stop(lp->ev, &lp->dw[i].w);
		free(lp->dw[i].dir);
	}
	free(lp->dw);
	lp->dw = NULL;
	lp->ndw = 0;
}

/* Watches the directory of each glob pattern (when it has no glob). */
static void
dirwatch_set(struct loop *lp)
{
	const char *slash;
	size_t i, n = 0;
	char *dir;

	dirwatch_clear(lp);
	lp->dw = xcalloc(lp->npats + 1, sizeof(*lp->dw));
	for (i = 0; i < lp->npats; i++) {
		if (!has_glob(lp->pats[i]) ||
		    (slash = strrchr(lp->pats[i], '/')) == NULL)
			continue;
		dir = xstrdup(lp->pats[i]);
		dir[slash == lp->pats[i] ? 1 : slash - lp->pats[i]] = '\0';
		if (has_glob(dir)) {
			free(dir);
			continue;
		}
		lp->dw[n].dir = dir;
		ev_stat_init(&lp->dw[n].w, dir_cb, dir,
		    ms_to_s(lp->conf->poll_interval_ms));
		lp->dw[n].w.data = lp;
		n++;
	}
	/* Started only once the array stops moving. */
	lp->ndw = n;
	for (i = 0; i < n; i++)
		ev_stat_start(lp->ev, &lp->dw[i].w);
}

static void
free_patterns(struct loop *lp)
{
	size_t i;

	for (i = 0; i < lp->npats; i++)
		free(lp->pats[i]);
	free(lp->pats);
	lp->pats = NULL;
	lp->npats = 0;
}

/* What to follow: --follow, else the follow directives, else the
 * standard mail logs that exist now. */
static void
set_patterns(struct loop *lp)
{
	struct stat st;
	size_t i;

	free_patterns(lp);
	if (lp->opts.nfollow > 0 || lp->conf->nfollow > 0) {
		char **src =
		    lp->opts.nfollow > 0 ? lp->opts.follow : lp->conf->follow;
		size_t n =
		    lp->opts.nfollow > 0 ? lp->opts.nfollow : lp->conf->nfollow;

		lp->pats = xcalloc(n, sizeof(*lp->pats));
		for (i = 0; i < n; i++)
			lp->pats[lp->npats++] = xstrdup(src[i]);
		return;
	}
	if (lp->opts.use_stdin)
		return;
	lp->pats = xcalloc(3, sizeof(*lp->pats));
	for (i = 0; loop_default_paths[i] != NULL; i++)
		if (stat(loop_default_paths[i], &st) == 0 &&
		    S_ISREG(st.st_mode))
			lp->pats[lp->npats++] = xstrdup(loop_default_paths[i]);
}

static void
recover_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct loop *lp = w->data;
	struct tail_env env;
	char *path;
	size_t i;

	(void)loop;
	(void)revents;
	lp->broken = false;
	lp->recoveries++;
	/* Should this fail again, wait longer before the next try. */
	lp->recover_delay = fmin(lp->recover_delay * 2, LOOP_RECOVER_MAX);
	make_env(lp, &env);
	for (i = 0; i < lp->nfl; i++) {
		path = xstrdup(tail_path(lp->fl[i].t));
		tail_free(lp->fl[i].t);
		lp->fl[i].t = tail_new(path, &env);
		free(path);
	}
	/* A tail_start() may commit a batch (store_idle() before each). */
	for (i = 0; i < lp->nfl && !lp->broken; i++)
		if (store_idle(lp) == 0 &&
		    tail_start(lp->fl[i].t, lp->st, lp->commits == 0) == -1)
			store_failed(lp, "position");
	if (lp->jn != NULL && !lp->broken && store_idle(lp) == 0 &&
	    journal_input_start(lp->jn, lp->st) == -1)
		store_failed(lp, "journal position");
	if (lp->broken)
		return; /* store_failed() armed the next try */
	log_debug("store: reading from the committed positions again");
	lp->files_changed = true;
	batch_timer(lp);
}

static void
batch_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	batch_commit(w->data);
}

static void
summarize(struct loop *lp)
{
	const struct pipeline_counters *c = pipeline_counters(lp->pl);
	ev_tstamp now = ev_now(lp->ev);

	if (now - lp->sum_time < LOOP_SUMMARY_EVERY)
		return;
	if (c->bad != lp->sum_bad || c->cut != lp->sum_cut)
		log_warnx("pipeline: %" PRIu64 " malformed delivery lines and "
			  "%" PRIu64 " over-long lines (cut) in the last "
			  "%.0fs",
		    c->bad - lp->sum_bad, c->cut - lp->sum_cut,
		    now - lp->sum_time);
	lp->sum_bad = c->bad;
	lp->sum_cut = c->cut;
	lp->sum_time = now;
}

static void
rescan_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct loop *lp = w->data;
	size_t i;

	(void)loop;
	(void)revents;
	if (lp->broken || lp->stopping)
		return;
	rescan(lp, false, false);
	for (i = 0; i < lp->nfl && !lp->broken; i++)
		tail_poll(lp->fl[i].t);
	summarize(lp);
}

static void
prune_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct loop *lp = w->data;
	int64_t now = clock_now();

	(void)loop;
	(void)revents;
	if (lp->broken || lp->stopping || store_idle(lp) == -1)
		return;
	if (lp->conf->retention_ms > 0 &&
	    store_prune_events(lp->st, now - lp->conf->retention_ms / 1000) ==
		-1)
		log_warnx("store: pruning events: %s", store_errmsg(lp->st));
	if (lp->conf->minute_retention_ms > 0 &&
	    store_prune_minutes(
		lp->st, now - lp->conf->minute_retention_ms / 1000) == -1)
		log_warnx(
		    "store: pruning minute counts: %s", store_errmsg(lp->st));
	/* Issue 16: finished message records, apart from the counts. */
	if (lp->conf->message_retention_ms > 0 &&
	    message_store_prune(
		lp->st, now - lp->conf->message_retention_ms / 1000) == -1)
		log_warnx("store: pruning messages: %s", store_errmsg(lp->st));
}

/* --- spike detection (alerts): the detector over the committed counts.
 * Each minute the batch is committed first, so that the last minute is
 * in; then detect_run() runs one chunk of window ends at a time from an
 * idle watcher (libev runs it only when no line is waiting), each chunk
 * its own transaction, until it is up to date. A failure is logged and
 * retried next minute (detect_run resumes from its stored cursor). --- */
static void
detect_log(enum detect_change what, const struct incident *inc, void *arg)
{
	(void)arg;
	log_info("detect: incident %s: id=%" PRId64 " kind=%s key=%s%s%s "
		 "peak=%" PRId64 " baseline=%.2f total=%" PRId64,
	    what == DETECT_OPENED ? "opened" : "resolved", inc->id, inc->kind,
	    inc->key, inc->listed_ip[0] != '\0' ? " ip=" : "", inc->listed_ip,
	    inc->peak, inc->baseline, inc->total);
}

/* Whether the next detector chunk waits for detect_rest_w: lines are
 * streaming in and the chunk before was too recent (LOOP_DETECT_SHARE).
 * Then the idle watcher stops until the timer fires. */
static bool
detect_put_off(struct loop *lp)
{
	ev_tstamp now = ev_now(lp->ev);

	if (lp->broken || lp->stopping || now >= lp->detect_rest ||
	    now - lp->line_t >= LOOP_EARLY_QUIET)
		return false;
	ev_idle_stop(lp->ev, &lp->detect_idle_w);
	ev_timer_stop(lp->ev, &lp->detect_rest_w);
	ev_timer_set(&lp->detect_rest_w, lp->detect_rest - now, 0.);
	ev_timer_start(lp->ev, &lp->detect_rest_w);
	lp->detect_rests++;
	return true;
}

/* The rest after a chunk is over: the detector's next turn. */
static void
detect_rest_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct loop *lp = w->data;

	(void)revents;
	if (lp->detect_busy && !lp->broken && !lp->stopping)
		ev_idle_start(loop, &lp->detect_idle_w);
}

static void
detect_idle_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct loop *lp = w->data;
	struct detect_params dp;
	struct detect_run_opts o;
	struct detect_run_stats ds;
	char errbuf[BS_ERRLEN];
	ev_tstamp t0, t1;
	size_t i;
	int rc;

	(void)loop;
	(void)revents;
	if (detect_put_off(lp))
		return;
	/* Lines read meanwhile go to the writer before the next chunk: a
	 * catch-up's chunks (each up to LOOP_DETECT_SLICE and more) must not
	 * keep them from their commit (issue 14). */
	if (lp->nlines > 0 && !lp->broken && !lp->stopping) {
		(void)batch_commit(lp);
		return;
	}
	if (lp->broken || lp->stopping || store_idle(lp) == -1) {
		ev_idle_stop(lp->ev, &lp->detect_idle_w);
		lp->detect_busy = false;
		return;
	}
	detect_defaults(&dp);
	/* Validated at load: an error here cannot happen, but is logged. */
	for (i = 0; i < lp->conf->ndetect; i++)
		if (detect_params_arg(&dp, lp->conf->detect[i], errbuf) == -1)
			log_warnx("detect: %s", errbuf);
	memset(&o, 0, sizeof(o));
	o.now = clock_now();
	if (lp->detect_chunk == 0)
		lp->detect_chunk = LOOP_DETECT_CHUNK;
	o.chunk = lp->detect_chunk;
	o.max_chunks = 1;
	o.on_change = detect_log;
	t0 = ev_time();
	rc = detect_run(lp->st, &dp, lp->cl, &o, &ds, errbuf);
	t1 = ev_time();
	lp->detect_rest = t1 + (t1 - t0) * (1 / LOOP_DETECT_SHARE - 1);
	if (rc == 1) {
		/* Keep each chunk a short slice of the loop's time. */
		if (t1 - t0 < LOOP_DETECT_SLICE / 4 &&
		    lp->detect_chunk < LOOP_DETECT_CHUNK_MAX)
			lp->detect_chunk *= 2;
		else if (t1 - t0 > LOOP_DETECT_SLICE &&
		    lp->detect_chunk > LOOP_DETECT_CHUNK_MIN)
			lp->detect_chunk /= 2;
	}
	if (rc == -1)
		log_warnx("detect: %s", errbuf);
	if (ds.late_older != 0) {
		char when[32] = "?";
		time_t tt = (time_t)(ds.late_older + dp.late);
		struct tm tm;

		if (gmtime_r(&tt, &tm) != NULL)
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		log_warnx("detect: results before %s arrived more than the "
			  "late bound after their time: not examined again",
		    when);
	}
	if (rc != 1) {
		ev_idle_stop(lp->ev, &lp->detect_idle_w);
		lp->detect_busy = false;
	}
}

/* Starts a detection run (unless one is under way). */
static void
detect_start(struct loop *lp)
{
	if (lp->broken || lp->stopping || lp->detect_busy)
		return;
	if (lp->nlines > 0 && batch_commit(lp) == -1)
		return;
	lp->detect_busy = true;
	ev_idle_start(lp->ev, &lp->detect_idle_w);
}

static void
detect_cb(struct ev_loop *loop, ev_periodic *w, int revents)
{
	(void)loop;
	(void)revents;
	detect_start(w->data);
}

/* The test clock's timer, and the first run after start-up. */
static void
detect_test_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	detect_start(w->data);
}
/* --- end of spike detection --- */

static void
stdin_eof(struct loop *lp)
{
	const char *line;
	size_t len;
	unsigned flags;

	if (linebuf_take_partial(lp->in_lb, &line, &len, &flags) == 1 &&
	    on_line(lp, NULL, line, len, flags) == -1)
		lp->stdin_lost++;
	ev_io_stop(lp->ev, &lp->in_w);
	lp->in_open = false;
	log_info("stdin: end of input");
}

static void shutdown_begin(struct loop *, const char *);

static void
stdin_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct loop *lp = w->data;
	const char *line;
	size_t avail, len;
	unsigned flags;
	ssize_t n;
	char *p;
	int i;

	(void)loop;
	(void)revents;
	for (i = 0; i < LOOP_STDIN_BUDGET; i++) {
		p = linebuf_space(lp->in_lb, &avail);
		if (avail > LINEBUF_BLOCK)
			avail = LINEBUF_BLOCK;
		n = read(STDIN_FILENO, p, avail);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == -1)
			log_warn("stdin: read");
		if (n <= 0) {
			stdin_eof(lp);
			if (lp->nfl == 0 && lp->jn == NULL)
				shutdown_begin(lp, "end of standard input");
			else if (!lp->broken)
				batch_commit(lp);
			return;
		}
		linebuf_fill(lp->in_lb, (size_t)n);
		while (linebuf_next(lp->in_lb, &line, &len, &flags) == 1)
			if (on_line(lp, NULL, line, len, flags) == -1)
				lp->stdin_lost++;
	}
}

static void
log_counters(struct loop *lp)
{
	const struct pipeline_counters *c = pipeline_counters(lp->pl);
	struct tail_info ti;
	char when[32];
	struct tm tm;
	time_t tt;
	size_t i;

	log_info("counters: lines=%" PRIu64 " events=%" PRIu64
		 " skipped=%" PRIu64 " bad=%" PRIu64 " cut=%" PRIu64
		 " sent=%" PRIu64 " deferred=%" PRIu64 " bounced=%" PRIu64
		 " expired=%" PRIu64 " attempts=%" PRIu64,
	    c->lines, c->events, c->skipped, c->bad, c->cut,
	    c->by_status[BS_STATUS_SENT], c->by_status[BS_STATUS_DEFERRED],
	    c->by_status[BS_STATUS_BOUNCED], c->by_status[BS_STATUS_EXPIRED],
	    c->by_status[BS_STATUS_ATTEMPT]);
	log_info("counters: commits=%" PRIu64 " store_failures=%" PRIu64
		 " recoveries=%" PRIu64 " max_commit_ms=%.1f "
		 "uncommitted_lines=%" PRIu64 " followed=%zu "
		 "early_commits=%" PRIu64 " held_bytes_max=%zu "
		 "detect_rests=%" PRIu64,
	    lp->commits, lp->failures, lp->recoveries, lp->commit_ms_max,
	    (uint64_t)lp->nlines, lp->nfl, lp->early_commits, lp->held_max,
	    lp->detect_rests);
	for (i = 0; i < lp->nfl; i++) {
		tail_info(lp->fl[i].t, &ti);
		when[0] = '-', when[1] = '\0';
		if (ti.last_event > 0) {
			tt = (time_t)ti.last_event;
			if (gmtime_r(&tt, &tm) != NULL)
				strftime(when, sizeof(when),
				    "%Y-%m-%dT%H:%M:%SZ", &tm);
		}
		if (ti.open)
			log_info("counters: %s: inode=%lld offset=%lld "
				 "size=%lld lag=%lld partial=%lld "
				 "lines=%" PRIu64 " rotations=%" PRIu64
				 " truncations=%" PRIu64 " last_event=%s",
			    ti.path, (long long)ti.ino, (long long)ti.offset,
			    (long long)ti.size,
			    (long long)(ti.size - ti.offset),
			    (long long)ti.pending, ti.lines, ti.rotations,
			    ti.truncations, when);
		else
			log_info("counters: %s: not open (missing) "
				 "lines=%" PRIu64 " last_event=%s",
			    ti.path, ti.lines, when);
		if (ti.draining)
			log_info("counters: %s: old file inode=%lld "
				 "offset=%lld size=%lld lag=%lld",
			    ti.path, (long long)ti.old_ino,
			    (long long)ti.old_offset, (long long)ti.old_size,
			    (long long)(ti.old_size - ti.old_offset));
	}
	if (lp->jn != NULL) {
		struct journal_input_info ji;

		journal_input_info(lp->jn, &ji);
		tt = (time_t)(ji.realtime / 1000000);
		when[0] = '-', when[1] = '\0';
		if (ji.realtime > 0 && gmtime_r(&tt, &tm) != NULL)
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		log_info("counters: %s: entries=%" PRIu64 " lines=%" PRIu64
			 " errors=%" PRIu64 " last_entry=%s cursor=%s",
		    ji.key, ji.entries, ji.lines, ji.errors, when, ji.cursor);
	}
	if (lp->opts.use_stdin)
		log_info("counters: stdin: %s lost=%" PRIu64,
		    lp->in_open ? "open" : "closed", lp->stdin_lost);
}

static void
reload(struct loop *lp)
{
	char errbuf[BS_ERRLEN], msg[64];
	struct classifier *ncl;
	struct conf *nc, *oc;
	struct tail_env env;
	struct timespec ts;
	size_t i;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%lld",
	    (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	loop_notify(msg);
	log_info("reload: reading %s", lp->opts.conf_path);
	nc =
	    conf_load(lp->opts.conf_path, lp->opts.conf_given, log_errfn, NULL);
	if (nc == NULL) {
		log_warnx("reload: %s has errors; keeping the running "
			  "configuration",
		    lp->opts.conf_path);
		goto done;
	}
	if ((ncl = rules_load(nc->rules_dir[0] != '\0' ? nc->rules_dir : NULL,
		 errbuf)) == NULL) {
		log_warnx("reload: rules: %s; keeping the running "
			  "configuration",
		    errbuf);
		conf_free(nc);
		goto done;
	}
	conf_changed_fixed(lp->conf, nc, log_errfn, NULL);
	/* The batch's counts may point into the old classifier's rules. */
	if (lp->nlines > 0 && !lp->broken)
		batch_commit(lp);
	(void)store_idle(lp);
	pipeline_set_classifier(lp->pl, ncl);
	classify_free(lp->cl);
	lp->cl = ncl;
	oc = lp->conf;
	lp->conf = nc;
	selfcheck_set_conf(lp->sc, nc);
	log_set_level(nc->log_level);
	make_env(lp, &env);
	for (i = 0; i < lp->nfl; i++)
		tail_set_env(lp->fl[i].t, &env);
	ev_timer_set(&lp->rescan_w, ms_to_s(nc->rescan_interval_ms),
	    ms_to_s(nc->rescan_interval_ms));
	ev_timer_again(lp->ev, &lp->rescan_w);
	if (lp->opts.nfollow == 0 && !conf_follow_equal(oc, nc)) {
		set_patterns(lp);
		dirwatch_set(lp);
		if (!lp->broken)
			rescan(lp, false, true);
	}
	conf_free(oc);
	log_info("reload: done; following %zu files", lp->nfl);
done:
	loop_notify("READY=1");
}

static void
on_alarm(int sig)
{
	static const char msg[] = "bouncestat: error: shutdown took longer "
				  "than shutdown_timeout; exiting\n";
	ssize_t rc;

	(void)sig;
	rc = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)rc;
	_exit(1);
}

static void
shutdown_begin(struct loop *lp, const char *why)
{
	struct sigaction sa;
	char buf[32];
	size_t i;

	if (lp->stopping)
		return;
	lp->stopping = true;
	log_info("daemon: %s; committing and exiting", why);
	loop_notify("STOPPING=1");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm((unsigned)((lp->conf->shutdown_timeout_ms + 999) / 1000));
	/* A second SIGINT now has its default action: exit at once. */
	ev_signal_stop(lp->ev, &lp->sig_int);
	for (i = 0; i < lp->nfl; i++)
		tail_stop(lp->fl[i].t);
	if (lp->jn != NULL)
		journal_input_stop(lp->jn);
	dirwatch_clear(lp);
	ev_io_stop(lp->ev, &lp->in_w);
	ev_timer_stop(lp->ev, &lp->batch_w);
	ev_timer_stop(lp->ev, &lp->rescan_w);
	ev_timer_stop(lp->ev, &lp->recover_w);
	ev_timer_stop(lp->ev, &lp->gone_w);
	ev_timer_stop(lp->ev, &lp->prune_w);
	ev_periodic_stop(lp->ev, &lp->detect_w);
	ev_timer_stop(lp->ev, &lp->detect_test_w);
	ev_timer_stop(lp->ev, &lp->detect_first_w);
	ev_idle_stop(lp->ev, &lp->detect_idle_w);
	ev_timer_stop(lp->ev, &lp->detect_rest_w);
	ev_idle_stop(lp->ev, &lp->flush_idle_w);
	ev_timer_stop(lp->ev, &lp->early_w);
	selfcheck_free(lp->sc);
	lp->sc = NULL;
	lp->exit_code = 0;
	if (lp->broken || batch_commit(lp) == -1 || store_idle(lp) == -1) {
		log_warnx("daemon: the last batch was not committed; it "
			  "will be read again at the next start");
		lp->exit_code = 1;
	}
	snprintf(buf, sizeof(buf), "%lld", (long long)clock_now());
	if (store_meta_set(lp->st, "daemon.stopped", buf) == -1)
		log_warnx("store: %s", store_errmsg(lp->st));
	ev_break(lp->ev, EVBREAK_ALL);
}

static void
signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct loop *lp = w->data;

	(void)loop;
	(void)revents;
	if (lp->stopping)
		return;
	switch (w->signum) {
	case SIGTERM:
		shutdown_begin(lp, "SIGTERM");
		break;
	case SIGINT:
		shutdown_begin(lp, "SIGINT");
		break;
	case SIGHUP:
		reload(lp);
		break;
	case SIGUSR1:
		(void)store_idle(lp); /* the writer thread's counters */
		log_counters(lp);
		msgtrack_log(pipeline_msgtrack(lp->pl)); /* issue 16 */
		break;
	}
}

/*
 * One daemon per database (trial7): two following the same logs into one
 * database each committed the same lines. A POSIX record lock on
 * "<db>.daemon-lock" (dbst: the database's stat), held for the daemon's
 * life and released by the kernel at any exit, kill -9 included; a
 * second daemon refuses to start. --stdin daemons take none (their input
 * is their own and keeps no position). Root makes the file the
 * database's owner's, so that the service's user can take it later. A
 * lock file that cannot be opened is only warned about (*fd stays -1).
 * Returns 0, or -1 after logging when another daemon holds the lock.
 */
static int
lock_database(const char *db, const struct stat *dbst, int *fdp)
{
	struct flock fl;
	char path[PATH_MAX + 16];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s.daemon-lock", db) >=
	    sizeof(path))
		return 0;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) == -1) {
		log_warn("daemon: %s (not checked that no other daemon "
			 "writes to the database)",
		    path);
		return 0;
	}
	if (geteuid() == 0 && fchown(fd, dbst->st_uid, dbst->st_gid) == -1)
		log_warn("daemon: chown %s", path);
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) == 0) {
		*fdp = fd;
		return 0;
	}
	if (errno != EACCES && errno != EAGAIN) {
		log_warn("daemon: lock %s (not checked that no other daemon "
			 "writes to the database)",
		    path);
		close(fd);
		return 0;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		log_errx("daemon: another bouncestat daemon (pid %ld) is "
			 "writing to %s; one daemon per database (stop it "
			 "first, e.g. systemctl stop bouncestat, or give "
			 "--db)",
		    (long)fl.l_pid, db);
	else
		log_errx("daemon: another bouncestat daemon is writing to %s; "
			 "one daemon per database (stop it first, e.g. "
			 "systemctl stop bouncestat, or give --db)",
		    db);
	close(fd);
	return -1;
}

static int
write_meta(struct loop *lp)
{
	char buf[64];

	if (store_begin(lp->st) == -1)
		return -1;
	snprintf(buf, sizeof(buf), "%ld", (long)getpid());
	if (store_meta_set(lp->st, "daemon.pid", buf) == -1)
		goto fail;
	snprintf(buf, sizeof(buf), "%lld", (long long)lp->started);
	if (store_meta_set(lp->st, "daemon.started", buf) == -1 ||
	    store_meta_set(lp->st, "daemon.stopped", "") == -1 ||
	    store_meta_set(lp->st, "daemon.version", bs_version) == -1 ||
	    store_meta_set(lp->st, "daemon.conf", lp->opts.conf_path) == -1 ||
	    store_meta_set(lp->st, "daemon.journal",
		lp->jn != NULL ? journal_input_key(lp->jn) : "") == -1)
		goto fail;
	return store_commit(lp->st);
fail:
	store_rollback(lp->st);
	return -1;
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Whether to follow the journal: --journal/--journal-dir, the journal
 * directive, and in auto mode only when nothing else is followed and the
 * host has a journal. */
static bool
journal_wanted(struct loop *lp)
{
	if (lp->opts.journal || lp->opts.journal_dir != NULL)
		return true;
	switch (lp->conf->journal) {
	case CONF_JOURNAL_ON:
		return true;
	case CONF_JOURNAL_OFF:
		return false;
	case CONF_JOURNAL_AUTO:
		break;
	}
	if (lp->npats > 0 || lp->opts.use_stdin || lp->opts.nfollow > 0 ||
	    lp->conf->nfollow > 0)
		return false;
	/* A host without journald (neither journal directory) has
	 * nothing to follow: said as such, not as an empty journal. */
	return is_dir("/var/log/journal") || is_dir("/run/log/journal");
}

static int
journal_open(struct loop *lp)
{
	struct journal_env env;

	memset(&env, 0, sizeof(env));
	env.loop = lp->ev;
	env.max_line = lp->max_line;
	env.poll_interval = ms_to_s(lp->conf->poll_interval_ms);
	env.start_at_end = lp->conf->start_at == CONF_START_END;
	env.line_fn = on_journal_line;
	env.dirty_fn = on_journal_dirty;
	env.arg = lp;
	lp->jn = journal_input_new(lp->opts.journal_dir,
	    lp->conf->journal_match, lp->conf->njournal_match, &env);
	if (lp->jn == NULL) {
		log_errx("daemon: the journal cannot be followed");
		return -1;
	}
	log_info("journal: following %s (%s)", journal_input_key(lp->jn),
	    lp->conf->njournal_match > 0 ? "journal_match" : "the MTA units");
	return 0;
}

/* See loop.h. */
struct loop *
loop_new(struct conf *conf, const struct loop_opts *opts)
{
	char errbuf[BS_ERRLEN], hint[256];
	struct mta_ctx ctx;
	struct msgtrack *mt; /* issue 16 */
	struct stat dbst;
	struct loop *lp;
	int fl;

	lp = xcalloc(1, sizeof(*lp));
	lp->lock_fd = -1;
	lp->conf = conf;
	lp->opts = *opts;
	lp->max_line = (size_t)conf->max_line;
	lp->recover_delay = LOOP_RECOVER_MIN;
	lp->started = clock_now();
	if ((lp->ev = ev_default_loop(EVFLAG_AUTO)) == NULL) {
		log_errx("daemon: cannot initialise libev");
		goto fail;
	}
	if ((lp->cl = rules_load(
		 conf->rules_dir[0] != '\0' ? conf->rules_dir : NULL,
		 errbuf)) == NULL) {
		log_errx("rules: %s", errbuf);
		goto fail;
	}
	if ((lp->st = store_open(opts->db_path, 0, errbuf)) == NULL) {
		log_errx("database: %s%s", errbuf,
		    db_error_hint(errbuf, "daemon", hint, sizeof(hint)));
		goto fail;
	}
	if (stat(opts->db_path, &dbst) == -1) {
		log_errx("database: %s: %s", opts->db_path, strerror(errno));
		goto fail;
	}
	lp->db_dev = (int64_t)dbst.st_dev;
	lp->db_ino = (int64_t)dbst.st_ino;
	if (!opts->use_stdin &&
	    lock_database(opts->db_path, &dbst, &lp->lock_fd) == -1)
		goto fail;
	memset(&ctx, 0, sizeof(ctx));
	ctx.syslog.ref_time = lp->started;
	ctx.syslog.tz_offset = local_tz_offset(lp->started);
	ctx.syslog.tz_at = local_tz_offset;
	if ((lp->pl = pipeline_new(lp->st, lp->cl, &ctx)) == NULL)
		fatal("pipeline_new");
	/* Issue 16: message lifecycle records. */
	if ((mt = msgtrack_new(lp->st, conf, errbuf)) == NULL &&
	    errbuf[0] != '\0') {
		log_errx("database: %s", errbuf);
		goto fail;
	}
	pipeline_set_msgtrack(lp->pl, mt);
	/* Parse here while a second core stores (issue 14); it commits a
	 * batch while the next one is read, and is idle whenever the loop
	 * uses the store itself (store_idle()). The message join runs here
	 * too, as the import's (life12): only its rows go to the writer,
	 * which was the bound at 1.5M lines/s with the join on it. Its
	 * first use in each batch waits for the writer (the commit in
	 * flight and the open batch's BEGIN): the join checks there whether
	 * it must read its messages back (pipeline.c: join_begin()). */
	if (pipeline_start_writer_join_here(lp->pl, errbuf) == -1)
		log_warnx("daemon: %s; storing on one thread", errbuf);
	ev_async_init(&lp->commit_async, commit_async_cb);
	lp->commit_async.data = lp;
	pipeline_set_notify(lp->pl, on_commit_applied, lp);
	set_patterns(lp);
	if (journal_wanted(lp) && journal_open(lp) == -1)
		goto fail;
	if (lp->npats == 0 && !opts->use_stdin && lp->jn == NULL) {
		log_errx(
		    "daemon: nothing to follow: none of /var/log/mail.log, "
		    "/var/log/maillog, /var/log/postfix.log exists and the "
		    "journal is off; give --follow, follow directives, "
		    "--journal or --stdin");
		goto fail;
	}
	if (write_meta(lp) == -1) {
		log_errx("database: %s", store_errmsg(lp->st));
		goto fail;
	}
	if (opts->use_stdin) {
		if ((lp->in_lb = linebuf_new(lp->max_line)) == NULL)
			fatal("linebuf_new");
		if ((fl = fcntl(STDIN_FILENO, F_GETFL)) != -1)
			fcntl(STDIN_FILENO, F_SETFL, fl | O_NONBLOCK);
		ev_io_init(&lp->in_w, stdin_cb, STDIN_FILENO, EV_READ);
		lp->in_w.data = lp;
		lp->in_open = true;
	}
	ev_signal_init(&lp->sig_term, signal_cb, SIGTERM);
	ev_signal_init(&lp->sig_int, signal_cb, SIGINT);
	ev_signal_init(&lp->sig_hup, signal_cb, SIGHUP);
	ev_signal_init(&lp->sig_usr1, signal_cb, SIGUSR1);
	lp->sig_term.data = lp->sig_int.data = lp->sig_hup.data =
	    lp->sig_usr1.data = lp;
	ev_timer_init(&lp->batch_w, batch_cb, 1., 0.);
	ev_timer_init(&lp->rescan_w, rescan_cb,
	    ms_to_s(conf->rescan_interval_ms),
	    ms_to_s(conf->rescan_interval_ms));
	ev_timer_init(&lp->recover_w, recover_cb, 1., 0.);
	ev_timer_init(&lp->gone_w, gone_cb, 0., 0.);
	ev_timer_init(
	    &lp->prune_w, prune_cb, LOOP_PRUNE_FIRST, LOOP_PRUNE_EVERY);
	lp->batch_w.data = lp->rescan_w.data = lp->recover_w.data =
	    lp->gone_w.data = lp->prune_w.data = lp;
	ev_periodic_init(&lp->detect_w, detect_cb, LOOP_DETECT_OFFSET,
	    LOOP_DETECT_EVERY, NULL);
	ev_timer_init(&lp->detect_test_w, detect_test_cb, LOOP_DETECT_TEST,
	    LOOP_DETECT_TEST);
	ev_timer_init(
	    &lp->detect_first_w, detect_test_cb, LOOP_DETECT_FIRST, 0.);
	ev_idle_init(&lp->detect_idle_w, detect_idle_cb);
	/* Below the tails' and the journal's "more to read" idle watchers:
	 * libev runs an idle watcher only when none of a higher priority is
	 * active, so a detector pass takes its slices when reading has caught
	 * up, not between every 8 blocks of a backlog (issue 14: it halved
	 * the daemon's catch-up rate). */
	ev_set_priority(&lp->detect_idle_w, EV_MINPRI);
	ev_timer_init(&lp->detect_rest_w, detect_rest_cb, 0., 0.);
	lp->detect_rest_w.data = lp;
	/* Likewise the early commit: only once reading has caught up. */
	ev_idle_init(&lp->flush_idle_w, flush_idle_cb);
	ev_set_priority(&lp->flush_idle_w, EV_MINPRI);
	lp->flush_idle_w.data = lp;
	ev_timer_init(&lp->early_w, early_cb, LOOP_EARLY_QUIET, 0.);
	lp->early_w.data = lp;
	lp->detect_w.data = lp->detect_test_w.data = lp->detect_idle_w.data =
	    lp->detect_first_w.data = lp;
	return lp;
fail:
	loop_free(lp);
	return NULL;
}

/* See loop.h. */
int
loop_run(struct loop *lp)
{
	ev_signal_start(lp->ev, &lp->sig_term);
	ev_signal_start(lp->ev, &lp->sig_int);
	ev_signal_start(lp->ev, &lp->sig_hup);
	ev_signal_start(lp->ev, &lp->sig_usr1);
	ev_async_start(lp->ev, &lp->commit_async);
	lp->sum_time = ev_now(lp->ev);
	rescan(lp, true, false);
	dirwatch_set(lp);
	if (lp->jn != NULL && !lp->broken && store_idle(lp) == 0 &&
	    journal_input_start(lp->jn, lp->st) == -1)
		store_failed(lp, "journal position");
	if (lp->in_open)
		ev_io_start(lp->ev, &lp->in_w);
	ev_timer_start(lp->ev, &lp->rescan_w);
	if (clock_is_test()) {
		ev_timer_set(&lp->prune_w, LOOP_PRUNE_TEST, LOOP_PRUNE_TEST);
		ev_timer_start(lp->ev, &lp->detect_test_w);
	} else {
		ev_periodic_start(lp->ev, &lp->detect_w);
		ev_timer_start(lp->ev, &lp->detect_first_w);
	}
	ev_timer_start(lp->ev, &lp->prune_w);
	(void)store_idle(lp); /* selfcheck_new() writes meta */
	lp->sc = selfcheck_new(lp->ev, lp->st, lp->conf);
	selfcheck_set_store_wait(lp->sc, on_store_wait, lp);
	log_info("daemon: started pid=%ld database=%s following %zu "
		 "files%s%s",
	    (long)getpid(), lp->opts.db_path, lp->nfl,
	    lp->jn != NULL ? ", the journal" : "",
	    lp->opts.use_stdin ? " and standard input" : "");
	loop_notify("READY=1");
	ev_run(lp->ev, 0);
	return lp->exit_code;
}

/* See loop.h. */
void
loop_free(struct loop *lp)
{
	size_t i;

	if (lp == NULL)
		return;
	for (i = 0; i < lp->nfl; i++)
		tail_free(lp->fl[i].t);
	free(lp->fl);
	selfcheck_free(lp->sc);
	journal_input_free(lp->jn);
	if (lp->ev != NULL) {
		dirwatch_clear(lp);
		ev_io_stop(lp->ev, &lp->in_w);
		ev_idle_stop(lp->ev, &lp->flush_idle_w);
		ev_timer_stop(lp->ev, &lp->early_w);
		ev_timer_stop(lp->ev, &lp->detect_rest_w);
	}
	free_patterns(lp);
	free(lp->pend);
	free(lp->pbuf);
	linebuf_free(lp->in_lb);
	if (lp->pl != NULL)
		(void)pipeline_sync(lp->pl); /* before the rollback below */
	pipeline_free(lp->pl);
	if (lp->st != NULL) {
		if (lp->in_txn)
			store_rollback(lp->st);
		store_close(lp->st);
	}
	if (lp->lock_fd != -1)
		close(lp->lock_fd); /* releases the daemon lock */
	classify_free(lp->cl);
	conf_free(lp->conf);
	free(lp);
	alarm(0);
}
