/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * SIGPIPE held while the process writes into a child's standard input
 * (the alert mailer, the notify hook): a child that exits early gives
 * EPIPE, not death. The child itself starts with the default SIGPIPE and
 * the caller's own mask. A SIGPIPE that the write raised is consumed
 * before the mask is restored; one that was pending before is left.
 */
#ifndef BS_CORE_SIGPIPE_H
#define BS_CORE_SIGPIPE_H

#include <signal.h>
#include <spawn.h>
#include <stdbool.h>

struct sigpipe_hold {
	sigset_t pipe; /* { SIGPIPE } */
	sigset_t old;  /* the caller's mask */
	bool had;      /* a SIGPIPE was pending before */
};

/* Blocks SIGPIPE, noting whether one was pending already. */
void sigpipe_block(struct sigpipe_hold *h);

/*
 * Initialises attr for the child: default SIGPIPE, the caller's mask,
 * and flags (POSIX_SPAWN_*) besides those two.
 */
void sigpipe_spawnattr(
    const struct sigpipe_hold *h, posix_spawnattr_t *attr, short flags);

/* With consume, takes a SIGPIPE raised since sigpipe_block(); then
 * restores the caller's mask. */
void sigpipe_release(struct sigpipe_hold *h, bool consume);

#endif
