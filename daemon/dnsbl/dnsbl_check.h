/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * One DNSBL check run: every (IP, list) pair whose family fits, asked at
 * once through a resolver of its own (resolver.h) on the caller's libev
 * loop; when the last answer is in, one callback with every result. Used
 * by the daemon's schedule (selfcheck.h) and `bouncestat dnsbl-check`.
 *
 * A run holds the list set it was given until it ends: the caller must
 * keep it alive (or free the run first). Results own their strings.
 */
#ifndef BS_DNSBL_DNSBL_CHECK_H
#define BS_DNSBL_DNSBL_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "dnsbl_list.h"

#define DNSBL_IP_MAX      64  /* bytes of an IP's text */
#define DNSBL_MEANING_MAX 256 /* bytes of a meaning kept */

struct dnsbl_result {
	char ip[DNSBL_IP_MAX];
	char zone[256];
	char name[128];
	char delist[256];
	bool actionable;
	enum dnsbl_verdict verdict;
	char answer[64];                 /* "127.0.0.2", "timeout", ... */
	char meaning[DNSBL_MEANING_MAX]; /* why (listed) or what failed */
};

struct dnsbl_check_opts {
	const char *servers; /* resolver.h syntax; NULL: the system's */
	int timeout_ms;      /* per try */
	int tries;
};

/* All answers are in: results (n of them) valid during the call; the
 * callback may free the run. */
typedef void dnsbl_check_done_fn(
    void *arg, const struct dnsbl_result *results, size_t n);

struct dnsbl_check;

/*
 * Starts a run over ips (n texts, copied) and the lists of l that are
 * checked. Returns the run, or NULL with errbuf set (a bad resolver
 * setting). A run with nothing to ask ends at the next loop turn.
 */
struct dnsbl_check *dnsbl_check_start(struct ev_loop *ev,
    const struct dnsbl_lists *l, const char *const *ips, size_t n,
    const struct dnsbl_check_opts *o, dnsbl_check_done_fn *fn, void *arg,
    char *errbuf);

/* Queries still outstanding. */
size_t dnsbl_check_pending(const struct dnsbl_check *);

/* Stops (the callback is not called) and frees; accepts NULL. */
void dnsbl_check_free(struct dnsbl_check *);

#endif
