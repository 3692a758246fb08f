/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The daemon's DNSBL self-check and input watch, on the loop's libev
 * loop and store (the loop's start/stop hook is all it needs):
 *
 *  - every dnsbl_interval (jittered by up to a tenth either way; the
 *    first run a few seconds after start-up, and again after each
 *    SIGHUP) the IPs of check_ip and those that replies named as listed
 *    in the last dnsbl_named are asked of every list (dnsbl_check.h);
 *    with dnsbl_check auto (the default) only when check_ip names one,
 *    so that a daemon nobody told its IPs sends no DNS query;
 *    the answers go to table dnsbl_state; an actionable listing opens a
 *    `dnsbl` incident keyed by list and IP at once (the key of the
 *    listings named in replies, so one listing seen both ways is one
 *    incident); a "not listed" answer resolves an open one whose
 *    replies have gone quiet; errors (refused, timeout, 127.255.255.x)
 *    change no incident and are logged and shown in status;
 *  - every minute (or stall_after / 2), whether the followed files
 *    (meta daemon.files) have all stopped growing for stall_after while
 *    the MTA runs (its pid file names a live process): meta
 *    daemon.stalled holds "SINCE PID PATH..." then, else "".
 *
 * Never blocks the loop: DNS is asynchronous; the store writes are one
 * short transaction per check run and per change of the stall state.
 */
#ifndef BS_DNSBL_SELFCHECK_H
#define BS_DNSBL_SELFCHECK_H

#include <ev.h>

#include "conf.h"

struct store;
struct selfcheck;

/* Meta keys written (read by `status`). */
#define SELFCHECK_META_STALLED "daemon.stalled" /* PID -1: unreadable */
#define SELFCHECK_META_LAST    "dnsbl.last_run" /* "EPOCH QUERIES" */
#define SELFCHECK_META_NEXT    "dnsbl.next_run"
#define SELFCHECK_META_IPS     "dnsbl.ips" /* newline-separated */

/*
 * Starts both on ev. conf must stay valid until selfcheck_set_conf()
 * names another or selfcheck_free(). Never NULL: a bad list file is
 * logged and the self-check stays off until a reload fixes it.
 */
struct selfcheck *selfcheck_new(
    struct ev_loop *ev, struct store *st, const struct conf *conf);

/* After a reload: the new configuration; lists read again; a check now. */
void selfcheck_set_conf(struct selfcheck *, const struct conf *conf);

/*
 * fn(arg) is called before each use of the store, so that the caller can
 * make it idle (the daemon's writer thread commits asynchronously).
 */
void selfcheck_set_store_wait(
    struct selfcheck *, void (*fn)(void *arg), void *arg);

/* Stops everything (an unfinished run is dropped) and frees; NULL ok. */
void selfcheck_free(struct selfcheck *);

#endif
