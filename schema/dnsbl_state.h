/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The DNSBL self-check's answers in the store (table dnsbl_state,
 * migration 0005): the latest verdict per IP and list, and the IPs that
 * replies named as listed (event rows with a DNSBL and a listed IP).
 * Statements are prepared per call (a check runs every few hours).
 * Errors return -1 with the message in store_errmsg().
 */
#ifndef BS_SCHEMA_DNSBL_STATE_H
#define BS_SCHEMA_DNSBL_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

struct dnsbl_state_row {
	const char *ip;
	const char *zone;
	const char *verdict; /* "not_listed", "listed", "pass", "error" */
	const char *answer;
	const char *meaning;
	bool actionable;
	int64_t checked;
	int64_t since;
};

/*
 * Inside the caller's transaction or on its own: records r (r->since is
 * ignored: it becomes r->checked when the verdict changed, else stays).
 * Sets *changed (may be NULL) when the verdict differs from the stored
 * one or there was none. 0 or -1.
 */
int dnsbl_state_put(
    struct store *, const struct dnsbl_state_row *r, bool *changed);

typedef int dnsbl_state_fn(const struct dnsbl_state_row *, void *arg);

/* Calls fn for every row, by IP then zone; a nonzero return stops and is
 * returned. Strings are valid during the call. */
int dnsbl_state_each(struct store *, dnsbl_state_fn *fn, void *arg);

/* 1 when the row of (zone, ip) says listed, 0 otherwise, -1 on error. */
int dnsbl_state_listed(struct store *, const char *zone, const char *ip);

/* Deletes the rows of IPs no longer checked: those not in ips (n). */
int dnsbl_state_keep(struct store *, const char *const *ips, size_t n);

typedef int dnsbl_ip_fn(const char *ip, void *arg);

/* Calls fn for each distinct IP that a reply named as listed by a DNSBL
 * at or after since. */
int dnsbl_state_named_ips(
    struct store *, int64_t since, dnsbl_ip_fn *fn, void *arg);

#endif
