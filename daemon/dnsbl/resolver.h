/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Asynchronous A lookups with c-ares on a libev loop: c-ares tells us
 * (ARES_OPT_SOCK_STATE_CB) which sockets to watch, each gets an ev_io
 * watcher; one ev_timer follows ares_timeout(). Nothing blocks: a query
 * is a datagram sent, its answer a callback from the loop. Used by the
 * DNSBL self-check (the daemon) and `dnsbl-check` (its own loop).
 *
 * Answers are not retried on another server when refused
 * (ARES_FLAG_NOCHECKRESP): a REFUSED or SERVFAIL is reported as an error,
 * which is what a DNSBL check must show (Spamhaus refuses public
 * resolvers), never taken as "not listed".
 */
#ifndef BS_DNSBL_RESOLVER_H
#define BS_DNSBL_RESOLVER_H

#include <stddef.h>
#include <stdint.h>

#include <ev.h>

struct resolver;

/* How a query ended. */
enum resolver_status {
	RESOLVER_ANSWER = 0, /* addrs holds naddrs IPv4 answers (>= 1) */
	RESOLVER_NXDOMAIN,   /* no such name, or no A record */
	RESOLVER_TIMEOUT,    /* no answer within the timeout and tries */
	RESOLVER_REFUSED,    /* the server refused (REFUSED) */
	RESOLVER_FAILED,     /* SERVFAIL, a bad answer, a local error */
	RESOLVER_CANCELLED,  /* resolver_free() while it was outstanding */
};

#define RESOLVER_ADDRS_MAX 8

/*
 * The end of one query: addrs are IPv4 addresses in host byte order;
 * detail is c-ares's text for failures. Called from the loop.
 */
typedef void resolver_done_fn(void *arg, enum resolver_status st,
    const uint32_t *addrs, size_t naddrs, const char *detail);

/*
 * A resolver on loop ev. servers: NULL for the system's (resolv.conf),
 * else "HOST[:PORT][,HOST[:PORT]...]" (IPv6 as [ADDR]:PORT). timeout_ms
 * per try; tries attempts per query. Returns NULL with errbuf set.
 */
struct resolver *resolver_new(struct ev_loop *ev, const char *servers,
    int timeout_ms, int tries, char *errbuf);

/*
 * Checks a servers string as resolver_new() takes it, without a loop.
 * 0, or -1 with errbuf (BS_ERRLEN bytes) saying why.
 */
int resolver_servers_check(const char *servers, char *errbuf);

/*
 * The configuration's dnsbl_resolver through resolver_servers_check():
 * 0, or 1 after one "file:line: dnsbl_resolver VALUE: why" to errfn. The
 * one check of check-config, the daemon's start and its reload (a
 * conf_check_fn, conf.h).
 */
struct conf;
int resolver_conf_check(
    const struct conf *, void (*errfn)(void *, const char *), void *arg);

/* Sends an A query for name (absolute; no search domains). */
void resolver_query(
    struct resolver *, const char *name, resolver_done_fn *fn, void *arg);

/* Queries sent and not yet answered. */
size_t resolver_pending(const struct resolver *);

/* Cancels what is outstanding (callbacks see RESOLVER_CANCELLED), stops
 * the watchers and frees; accepts NULL. */
void resolver_free(struct resolver *);

/* "answer", "nxdomain", "timeout", "refused", "failed", "cancelled". */
const char *resolver_status_name(enum resolver_status);

#endif
