/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The daemon's Prometheus endpoint (directive metrics_listen): GET
 * /metrics served by libmicrohttpd on its own internal thread, one
 * request at a time, from a read-only connection to the database that
 * thread opens and owns. Every value is read from the database at the
 * scrape (see schema/metric.h), never from the daemon's memory, so the
 * counters go on across restarts and the thread shares no state with the
 * event loop: no lock, no libev. Providers beyond the top metrics_top
 * are summed as provider="other".
 *
 * Does not: TLS, authentication (listen on loopback or behind a proxy),
 * push; per-host labels.
 */
#ifndef BS_DAEMON_METRICS_H
#define BS_DAEMON_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct metrics;
struct store;

/*
 * Parses "ADDR:PORT" ("127.0.0.1:9154", "[::1]:9154", "0.0.0.0:9154";
 * numeric addresses only). Returns 0, or -1 with a message in errbuf
 * (BS_ERRLEN bytes).
 */
int metrics_parse_listen(
    const char *s, struct sockaddr_storage *ss, size_t *sslen, char *errbuf);

/*
 * Starts serving on listen ("ADDR:PORT") for the database at db_path
 * (copied), with the top `top` providers by name. Signals are blocked in
 * the server's thread. Returns the server (stop it with metrics_stop()),
 * or NULL with a message in errbuf (BS_ERRLEN bytes).
 */
struct metrics *metrics_start(
    const char *listen, const char *db_path, int64_t top, char *errbuf);

/* Stops the server, closes its connection; accepts NULL. */
void metrics_stop(struct metrics *);

/*
 * The exposition text of the store st (see the README for the families),
 * at time now, the top `top` providers by name. Returns a buffer of *len
 * bytes (caller frees), or NULL with store_errmsg(st) set.
 */
char *metrics_render(struct store *st, int64_t top, int64_t now, size_t *len);

#endif
