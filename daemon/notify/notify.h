/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * What `bouncestat alert` sends besides the e-mail (README "Fleets and
 * integrations"):
 *
 *  - a webhook document per batch of incidents that opened or resolved:
 *    generic JSON (an object with the batch's counts and an "incidents"
 *    array of the objects `incidents --format json` prints), or a Slack
 *    message ({"text": ...}, which Mattermost and Rocket.Chat incoming
 *    webhooks take too), POSTed with libcurl under a time limit;
 *  - an exec hook per incident: a program run without a shell, the
 *    incident in BOUNCESTAT_* environment variables and as one JSON
 *    object on standard input, killed (its process group) at the limit.
 *
 * Success is a 2xx answer or exit status 0; the caller marks the
 * incidents told only then. No store access, no logging here: errors are
 * written into errbuf (BS_ERRLEN bytes).
 */
#ifndef BS_DAEMON_NOTIFY_H
#define BS_DAEMON_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "incidents.h"

enum notify_format {
	NOTIFY_JSON,
	NOTIFY_SLACK
};

/* "json" or "slack" into *f. 0, or -1 for anything else. */
int notify_format_parse(const char *s, enum notify_format *f);

/*
 * The webhook document of the incidents in l (the state each is in:
 * "open" just opened, "resolved" just resolved) from host at now, written
 * to fp: JSON or Slack (see above). Hostile text is escaped (JSON) and,
 * for Slack, sanitised to one line with &, < and > escaped.
 */
void notify_payload(FILE *fp, enum notify_format f,
    const struct incident_list *l, const char *host, int64_t now);

/*
 * Starts and ends a run of webhook_post()s. libcurl is loaded (dl.h) and
 * initialised at the first POST, so that a run without webhooks neither
 * needs nor maps it; a POST when it cannot be loaded fails with "cannot
 * load libcurl.so.4: ..." in errbuf. 0 or -1.
 */
int webhook_init(char *errbuf);
void webhook_cleanup(void);

/*
 * POSTs len bytes of body (Content-Type: application/json) to url (http
 * or https only, no redirects) within timeout_ms. Returns 0 for a 2xx
 * answer; -1 otherwise with the reason ("HTTP 500", a curl error) in
 * errbuf.
 */
int webhook_post(const char *url, const char *body, size_t len,
    int64_t timeout_ms, char *errbuf);

/* url without its path, query and user info, for logs (Slack URLs hold
 * their secret in the path). */
void webhook_display(char *out, size_t len, const char *url);

/*
 * Runs the program at path (absolute; no shell, no PATH search) with
 * argv { path, event }, the environment of this process without its
 * BOUNCESTAT_* variables plus the incident's (BOUNCESTAT_EVENT=event,
 * BOUNCESTAT_ID, _KIND, _KEY, _LISTED_IP, _PROVIDERS, _STATE, _START,
 * _LAST_SEEN, _RESOLVED, _PEAK, _PEAK_TOTAL, _BASELINE, _TOTAL, _WINDOW,
 * _SAMPLE_CODE, _RULE, _ACTION, _HOST), and on standard input the JSON
 * webhook document of this one incident. In its own process group; killed
 * (SIGTERM, then SIGKILL a second later) when it runs longer than timeout_ms.
 * Returns 0 when it exited 0; -1 otherwise with the reason in errbuf.
 */
int hook_run(const char *path, const char *event, const struct incident *inc,
    const char *host, int64_t timeout_ms, char *errbuf);

#endif
