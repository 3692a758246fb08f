/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See sigpipe.h.
 */
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <time.h>

#include "sigpipe.h"

void
sigpipe_block(struct sigpipe_hold *h)
{
	sigset_t pending;

	sigemptyset(&h->pipe);
	sigaddset(&h->pipe, SIGPIPE);
	sigprocmask(SIG_BLOCK, &h->pipe, &h->old);
	sigpending(&pending);
	h->had = sigismember(&pending, SIGPIPE) == 1;
}

void
sigpipe_spawnattr(
    const struct sigpipe_hold *h, posix_spawnattr_t *attr, short flags)
{
	posix_spawnattr_init(attr);
	posix_spawnattr_setsigdefault(attr, &h->pipe);
	posix_spawnattr_setsigmask(attr, &h->old);
	posix_spawnattr_setflags(
	    attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | flags);
}

void
sigpipe_release(struct sigpipe_hold *h, bool consume)
{
	struct timespec zero = { 0, 0 };
	sigset_t pending;

	if (consume && !h->had) {
		sigpending(&pending);
		if (sigismember(&pending, SIGPIPE) == 1)
			(void)sigtimedwait(&h->pipe, NULL, &zero);
	}
	sigprocmask(SIG_SETMASK, &h->old, NULL);
}
