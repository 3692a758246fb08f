/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Message records (issue 16): the writer's side of table message
 * (migration 0005; since 0011 a message's recipients are packed in its
 * row, message.rcpts, and message_rcpt is a view) for the lifecycle join
 * (parsers/lifecycle_join.h), and the readers' side for `bouncestat
 * messages`, `trace`, `report --by` and the expiry forecast. A
 * message_store holds its prepared statements; it is created on an open
 * store and freed before the store is closed. Errors: -1 and
 * store_errmsg().
 */
#ifndef BS_SCHEMA_MESSAGE_H
#define BS_SCHEMA_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lifecycle_join.h"
#include "store.h"

/* store_addresses: what of an address is stored. */
enum msg_addr_mode {
	MSG_ADDR_YES = 0, /* the address */
	MSG_ADDR_HASH,    /* "h:<16 hex of the local part's hash>@domain" */
	MSG_ADDR_DOMAIN   /* "@domain" */
};

/* message_records: which final messages are kept. */
enum msg_records {
	MSG_RECORDS_ALL = 0, /* every message */
	MSG_RECORDS_FAILED   /* only those with a failure result */
};

struct message_store;

/* Prepares the statements on st (read-write). NULL with errbuf set. */
struct message_store *message_store_new(struct store *st,
    enum msg_addr_mode addr, enum msg_records records, char *errbuf);
void message_store_free(struct message_store *);

/*
 * lc_ops for lc_join_new(): put writes (inserts or updates) a message
 * with all its recipients inside the open transaction (new rows may
 * wait: message_store_sync()); find reads an open message back. arg is
 * the message_store. Recipients are stored sorted by stored address;
 * of two that store_addresses hash or domain stores alike, the later
 * in m->r is kept.
 */
void message_store_ops(struct message_store *, struct lc_ops *out);

/*
 * Reads every open message (final = 0), newest first, into fn (which
 * takes over each record's recipients, see lc_join_restore()); the
 * recipients of the first max only (the others stay in the store, and
 * the join only notes their keys). Returns the number read or -1.
 */
int message_store_load_open(struct message_store *, size_t max,
    int (*fn)(void *arg, struct lc_msg *m), void *arg);

/*
 * Writes the rows that wait for a multi-row INSERT (new messages and
 * recipients given to put): before the transaction commits (the next
 * transaction's first new message asks the table for its id again:
 * another process may have added messages). 0 or -1.
 */
int message_store_sync(struct message_store *);

/* After a rollback: forgets the name ids it remembered and the rows
 * that wait. */
void message_store_forget(struct message_store *);

/*
 * Issue 14: put split in two halves, for a join that runs on another
 * thread than the store's writes (the import's reading thread):
 * message_store_plan() decides on the join's thread what put will do
 * with m (nothing, insert, update or delete: *act); a message not
 * written yet gets a handle, a negative number, in m->id (and *id), by
 * which the join's later puts of it name it. message_store_write(), on
 * the writer's thread with a store of its own, in the same order, does
 * it: a new message gets its row id there as with put (the table's
 * largest + 1), and the handle is mapped to it while the message is
 * open. 0 or -1.
 */
enum msg_act {
	MSG_ACT_NONE = 0,
	MSG_ACT_INSERT,
	MSG_ACT_UPDATE,
	MSG_ACT_DELETE
};

int message_store_plan(
    struct message_store *, struct lc_msg *m, enum msg_act *act, int64_t *id);
int message_store_write(
    struct message_store *, struct lc_msg *m, enum msg_act act, int64_t id);

/* Deletes final messages whose last line is older than before. 0/-1. */
int message_store_prune(struct store *st, int64_t before);

/*
 * The stored form of address a (len bytes) under mode, into out (n
 * bytes, NUL-terminated, cut). Returns its length.
 */
size_t message_addr_form(
    enum msg_addr_mode mode, const char *a, size_t len, char *out, size_t n);

#endif
