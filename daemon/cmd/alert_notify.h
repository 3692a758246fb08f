/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * `bouncestat alert`'s destinations besides the e-mail: webhooks and
 * exec hooks (daemon/notify/), each with its own record of what it was
 * told (schema/notification.h), so that one destination's failure is
 * retried by the next run without repeating what the others received.
 */
#ifndef BS_DAEMON_CMD_ALERT_NOTIFY_H
#define BS_DAEMON_CMD_ALERT_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"
#include "notify.h"

struct cmd_ctx;
struct conf;
struct store;

#define ALERT_DEST_MAX 64

struct alert_dest {
	bool exec;              /* an exec hook, else a webhook */
	enum notify_format fmt; /* webhooks */
	const char *target;     /* URL or program path (borrowed) */
};

struct alert_notify {
	struct alert_dest v[ALERT_DEST_MAX];
	size_t n;
	int64_t since; /* resolutions older than this are not told */
	int64_t now;
	int64_t lifetime;   /* queue_lifetime, s: the messages' expiry */
	int64_t timeout_ms; /* per request, per hook */
	const char *host;
	bool dry; /* print what would be sent; send and mark nothing */
	/* Failures (each makes alert exit 1) in the command's wording,
	 * cmd_ctx_error(); NULL: log_errx(). */
	const struct cmd_ctx *cc;
};

/*
 * Adds the destination of a `webhook` directive ("[json|slack] URL") or
 * of --webhook (fmt given). 0, or -1 with a message in errbuf (BS_ERRLEN
 * bytes): a bad format, too many destinations.
 */
int alert_notify_add_webhook(struct alert_notify *, const char *spec,
    const enum notify_format *fmt, char *errbuf);

/* Adds an exec hook (an absolute path). 0 or -1 with errbuf. */
int alert_notify_add_exec(
    struct alert_notify *, const char *path, char *errbuf);

/*
 * Adds the `webhook` and `exec` directives of c. 0, or -1 with errbuf.
 */
int alert_notify_add_conf(
    struct alert_notify *, const struct conf *c, char *errbuf);

/*
 * alert_notify_run() with the host's name, libcurl set up and cleaned
 * up, and the run's parameters. 0, or 1 when anything failed (logged).
 */
int alert_notify_send(struct alert_notify *, struct store *, int64_t since,
    int64_t now, int64_t timeout_ms, bool dry);

/*
 * Tells every destination what it was not told yet: one document per
 * webhook, one run per incident and hook; marks each only after it
 * accepted. Logs each failure. Returns 0 when all went well (or there
 * was nothing to tell), 1 when any failed.
 */
int alert_notify_run(struct store *, const struct alert_notify *);

/*
 * check-config: the directives of the integrations are usable
 * (metrics_listen an ADDR:PORT, webhook lines "[json|slack] URL", exec
 * lines absolute paths of executable files). Every problem goes to errfn
 * as "file:line: message"; returns how many there were (0: all usable).
 */
int alert_notify_check_conf(
    const struct conf *c, conf_error_fn *errfn, void *arg);

/* The help of --webhook, --webhook-format and --exec, for `alert --help`. */
void alert_notify_help(FILE *fp);

#endif
