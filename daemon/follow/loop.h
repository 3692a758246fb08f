/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The daemon's event loop (after sniproxy's main loop): one libev default
 * loop; SIGTERM, SIGINT, SIGHUP and SIGUSR1 as ev_signal watchers, so their
 * handlers are ordinary callbacks; the tails of the followed files, of
 * standard input and of the systemd journal (journal_input.h); the batch
 * timer that commits what was read, with the tails' positions and the
 * journal cursor, in one transaction; the rescan timer that expands glob
 * patterns again; hourly pruning.
 *
 * A failed store call (a write, BEGIN, COMMIT) rolls the batch back and
 * rebuilds every tail from the committed positions a moment later: the
 * same path as a restart, so nothing is lost or counted twice. Lines read
 * from standard input in a rolled-back batch cannot be read again; they
 * are reported as lost.
 *
 * Shutdown (SIGTERM/SIGINT): stop reading, commit the batch and the
 * positions, close the database, exit 0; alarm(2) bounds it by
 * shutdown_timeout, and a second SIGINT kills at once (the watcher is
 * stopped, so the default action applies).
 */
#ifndef BS_DAEMON_LOOP_H
#define BS_DAEMON_LOOP_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

struct loop;

struct loop_opts {
	const char *conf_path; /* file SIGHUP reads again */
	bool conf_given;       /* -c was given: the file must exist */
	const char *db_path;   /* resolved database path */
	char **follow;         /* --follow paths or globs (override conf) */
	size_t nfollow;
	bool use_stdin;
	bool journal;            /* --journal: follow the local journal */
	const char *journal_dir; /* --journal-dir: its files instead */
};

/*
 * Creates the loop: opens the store, loads the rules of conf->rules_dir,
 * resolves what to follow. conf becomes the loop's (freed by it); opts and
 * its strings must outlive the loop. Returns NULL after logging why.
 */
struct loop *loop_new(struct conf *conf, const struct loop_opts *opts);

/* Runs until a signal or the end of standard input with nothing else to
 * follow. Returns the exit code (0 after an orderly shutdown). */
int loop_run(struct loop *);

/* Closes everything; accepts NULL. */
void loop_free(struct loop *);

/*
 * Sends state to the service manager when NOTIFY_SOCKET is set (the
 * sd_notify(3) datagram protocol, without libsystemd): e.g. "READY=1",
 * "RELOADING=1", "STOPPING=1". Failures are ignored (logged at debug).
 */
void loop_notify(const char *state);

/* The mail logs followed when nothing is configured (NULL-terminated):
 * those of them that exist. Also what `rebuild` re-reads by default. */
extern const char *const loop_default_paths[];

#endif
