/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Output of the message records (issue 16), shared by `messages`,
 * `trace`, `report --by` and the expiry forecast: rows of
 * schema/message_query.h gathered per message, then printed as text,
 * JSON or CSV. Every string from the database goes through the
 * sanitiser (text) or the JSON/CSV escapers.
 */
#ifndef BS_DAEMON_MSG_RENDER_H
#define BS_DAEMON_MSG_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include "message_query.h"

struct msg_rcpt_out {
	char *rcpt, *domain, *provider, *relay, *transport, *status, *cls;
	int code;
	int64_t attempts, first, last;
};

struct msg_out {
	struct msg_row m; /* its strings owned (copied) */
	struct msg_rcpt_out *r;
	size_t nr;
};

struct msg_list {
	struct msg_out *v;
	size_t n, cap;
};

/* msg_row_fn: appends a row to the list (arg), grouping by message. */
int msg_list_add(void *arg, const struct msg_row *r);
void msg_list_free(struct msg_list *);

/* `messages`: one line per recipient (text: tab-separated with a "#"
 * header), JSON (array of messages), CSV (header and rows). */
void msg_print_text(FILE *, const struct msg_list *);
void msg_print_json(FILE *, const struct msg_list *);
void msg_print_csv(FILE *, const struct msg_list *);
/* One message as a JSON object without its closing brace. */
void msg_json_open(FILE *, const struct msg_out *);
/* --qids: each queue id once, one per line */
void msg_print_qids(FILE *, const struct msg_list *);

/* JSON string helpers with sanitising. */
void msg_json_str(FILE *, const char *key, const char *v, bool comma);

/* The command line that lists the messages of incident id. */
void msg_incident_hint(char *out, size_t len, int64_t id);

/*
 * The messages of incident id (messages with a recipient of its key and
 * class in its time), and how many of them are deferred and expire
 * within 24 h of now with the queue lifetime. 0 or -1 (store_errmsg()).
 */
int msg_incident_counts(struct store *, int64_t id, int64_t now,
    int64_t lifetime, int64_t *messages, int64_t *expiring);

/* After the incidents table: messages per incident and the command. */
struct incident_list;
void msg_incidents_text(FILE *, struct store *, const struct incident_list *,
    int64_t now, int64_t lifetime);

/* The same counts into l's items, for incident_table_json(). */
void msg_incidents_fill(
    struct store *, struct incident_list *, int64_t now, int64_t lifetime);

/* report --by: a table or JSON of message_by() rows. */
struct store;
int msg_report_by(FILE *, struct store *, enum msg_key key,
    const struct msg_filter *f, int top, int format);

/* The expiry forecast (report, incidents): text lines or JSON object. */
int msg_report_expiry(FILE *, struct store *, int64_t now, int64_t lifetime,
    const char *provider, int format);

#endif
