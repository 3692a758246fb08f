/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Read-only queries over the message records (issue 16): the recipients
 * of messages matching a filter (`bouncestat messages`, `trace`), the
 * failed attempts of one message from the event rows, counts by a
 * message key (`report --by`), and the expiry forecast. Rows go to a
 * callback; their strings are valid during the call only. -1 and
 * store_errmsg() on error.
 */
#ifndef BS_SCHEMA_MESSAGE_QUERY_H
#define BS_SCHEMA_MESSAGE_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* Keys of report --by and of the messages filters. */
enum msg_key {
	MSG_KEY_NONE = 0,
	MSG_KEY_SENDER_DOMAIN,
	MSG_KEY_SASL_USER,
	MSG_KEY_CLIENT,
	MSG_KEY_TRANSPORT,
	MSG_KEY_HOST,
	MSG_KEY_COUNT
};

/* "sender-domain", ...; and back (0, or -1 for an unknown name). */
const char *msg_key_name(enum msg_key);
int msg_key_from_name(const char *s, enum msg_key *out);

struct msg_filter {
	int64_t since, until; /* message active in [since, until) */
	const char *domain;   /* recipient domain or provider; NULL: all */
	const char *cls;      /* recipient's last failure class */
	const char *status;   /* recipient status or message state */
	bool open_only;       /* still queued */
	const char *key[MSG_KEY_COUNT]; /* per key: value, NULL: any */
	/* trace: any of these matches (NULL: not asked) */
	const char *queue_id;
	const char *message_id;
	const char *address; /* stored form (message_addr_form()) */
	/* --incident: recipients of its key and class in its time */
	int64_t incident;
};

struct msg_row {
	int64_t id;
	const char *queue_id, *mta, *host, *instance;
	int64_t first, last, final;
	const char *state, *sender, *sasl_user, *client, *message_id;
	int64_t size, nrcpt, failed;
	/* recipient (rcpt "" when the message has none that match) */
	const char *rcpt, *domain, *provider, *relay, *transport;
	const char *status, *cls;
	int code;
	int64_t attempts, rfirst, rlast;
};

typedef int msg_row_fn(void *arg, const struct msg_row *);

/*
 * Calls fn per (message, recipient) matching f, messages newest first.
 * Returns the number of rows or -1 (also when fn returns -1). An unknown
 * incident is an error ("no incident N").
 */
int message_query(
    struct store *, const struct msg_filter *f, msg_row_fn *fn, void *arg);

/* One failed attempt of a message, from the event rows. */
struct msg_attempt {
	int64_t t;
	const char *status, *domain, *relay, *relay_ip, *cls, *reply;
	size_t reply_len; /* the reply's bytes: a NUL in it is no end */
	int code;
	int flags; /* BS_EVENT_* of the low bits (suspended, local, ...) */
};

/*
 * The event rows of queue id qid logged by host (NULL: any) and Postfix
 * instance (NULL or "": any) between first and last. Count or -1.
 * (trial11: without the host, another host's message with the same queue
 * id showed its attempts in this one's; trial12: without the instance,
 * another instance's of the same host. Rows stored before schema 13 have
 * no instance and match any.)
 */
int message_attempts(struct store *, const char *qid, const char *host,
    const char *instance, int64_t first, int64_t last,
    int (*fn)(void *, const struct msg_attempt *), void *arg);

/* report --by: recipients' results per key value. */
struct msg_by_row {
	const char *name;
	int64_t messages, rcpts, sent, deferred, bounced, expired;
	const char *top_class; /* class with most failed recipients */
};

int message_by(struct store *, enum msg_key key, const struct msg_filter *f,
    int top, int (*fn)(void *, const struct msg_by_row *), void *arg);

/* Expiry forecast: deferred recipients of open messages that expire in
 * [now, now + horizon) when queued since first + lifetime, per provider
 * (or domain when unknown). */
struct msg_expiry_row {
	const char *provider;
	int64_t messages, rcpts;
	int64_t soonest; /* earliest expiry time */
};

int message_expiry(struct store *, int64_t now, int64_t lifetime,
    int64_t horizon, const char *provider,
    int (*fn)(void *, const struct msg_expiry_row *), void *arg);

#endif
