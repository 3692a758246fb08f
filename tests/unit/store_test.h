/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Helpers of the unit tests that add records to a real store: a span of
 * a C string (NULL: empty), a seeded pseudo-random sequence that is the
 * same on every machine, a writable store opened or the test failed, and
 * one Postfix delivery result added to it.
 * Static inline, so including it costs nothing where it is unused.
 */
#ifndef BS_TESTS_UNIT_STORE_TEST_H
#define BS_TESTS_UNIT_STORE_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "classify.h"
#include "event.h"
#include "store.h"

/* The span of s, empty for NULL. */
static inline struct bs_span
sp(const char *s)
{
	return bs_span_make(s, s != NULL ? strlen(s) : 0);
}

/* xorshift64*: the same sequence for a seed, on every machine. */
static inline uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/* A writable store on the database at path; fails the test if none. */
static inline struct store *
open_rw(const char *path)
{
	char err[BS_ERRLEN];
	struct store *st = store_open(path, 0, err);

	if (st == NULL)
		fail_msg("store_open: %s", err);
	return st;
}

/*
 * Adds one Postfix result at t: host, recipient domain, status, class,
 * code, enhanced status and reply as given (a "test-rule" for a failure;
 * provider "google" for a domain starting with g). Fails the test if the
 * store does.
 */
static inline void
add_result(struct store *st, int64_t t, const char *host, const char *dom,
    enum bs_status status, enum bs_class cls, int code, const char *enh,
    const char *reply)
{
	struct bs_event ev;
	struct classify_result cr;
	struct store_record sr;

	memset(&ev, 0, sizeof(ev));
	memset(&cr, 0, sizeof(cr));
	memset(&sr, 0, sizeof(sr));
	ev.time = t;
	ev.mta = BS_MTA_POSTFIX;
	ev.status = status;
	ev.smtp_code = code;
	ev.host = sp(host);
	ev.program = sp("postfix/smtp");
	ev.queue_id = sp("732BB407C3");
	ev.rcpt_domain = sp(dom);
	ev.dsn = ev.enhanced = sp(enh);
	ev.reply = sp(reply);
	cr.cls = cls;
	cr.rule = status == BS_STATUS_SENT ? NULL : "test-rule";
	cr.meaning = cr.action = "";
	sr.ev = &ev;
	sr.cr = &cr;
	sr.provider = dom[0] == 'g' ? "google" : "";
	assert_int_equal(store_add(st, &sr), 0);
}

#endif
