/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of parsers/lifecycle.c and lifecycle_join.c (issue 16): the
 * lifecycle lines of each MTA through mta_parse_line(), and the join of
 * a message's lines: fields gathered, a reused queue id, eviction to a
 * stand-in store and back, the quiet close, the recipient cap, a reset.
 * The stand-in store (ops) keeps copies of what put writes, so that a
 * round trip is checked and valgrind sees every allocation freed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "classify.h"
#include "lifecycle.h"
#include "lifecycle_join.h"
#include "mta.h"

#define REF INT64_C(1795392000) /* 2026-11-24 */

/* The stand-in store: every message put, by id (the last copy wins). */
struct fake {
	struct lc_msg v[64];
	size_t n;
	int64_t next_id;
	int puts, finds;
	size_t last_cap; /* recipient room of the last message put */
};

static int
fake_put(void *arg, struct lc_msg *m)
{
	struct fake *f = arg;
	size_t i;

	f->puts++;
	f->last_cap = m->cap;
	if (m->id == 0)
		m->id = ++f->next_id;
	for (i = 0; i < f->n && f->v[i].id != m->id; i++)
		;
	if (i == f->n) {
		assert_true(f->n < 64);
		f->n++;
	} else
		lc_msg_clear(&f->v[i]);
	f->v[i] = *m;
	f->v[i].r = NULL;
	f->v[i].cap = m->nr;
	if (m->nr > 0) {
		f->v[i].r = malloc(m->nr * sizeof(*m->r));
		assert_non_null(f->v[i].r);
		memcpy(f->v[i].r, m->r, m->nr * sizeof(*m->r));
	}
	return 0;
}

static int
fake_find(void *arg, const struct lc_key *k, struct lc_msg *out)
{
	struct fake *f = arg;
	size_t i;

	f->finds++;
	for (i = 0; i < f->n; i++) {
		struct lc_msg *m = &f->v[i];

		if (m->final == 0 && strlen(m->qid) == k->qid.len &&
		    memcmp(m->qid, k->qid.ptr, k->qid.len) == 0) {
			*out = *m;
			out->r = NULL;
			out->nr = out->cap = 0;
			if (m->nr > 0) {
				out->r = malloc(m->nr * sizeof(*m->r));
				assert_non_null(out->r);
				memcpy(out->r, m->r, m->nr * sizeof(*m->r));
				out->nr = out->cap = m->nr;
			}
			return 1;
		}
	}
	return 0;
}

static void
fake_free(struct fake *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		lc_msg_clear(&f->v[i]);
}

static struct lc_msg *
fake_get(struct fake *f, const char *qid, int nth)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->v[i].qid, qid) == 0 && nth-- == 0)
			return &f->v[i];
	return NULL;
}

/* A join writing to the stand-in store: the fixture of most join tests. */
struct join_fx {
	struct fake f;
	struct lc_ops ops;
	struct lc_join *j;
};

/* Opens x's join on its stand-in store: lc_join_new(max_open, quiet). */
static void
join_fx_open(struct join_fx *x, size_t max_open, int64_t quiet)
{
	memset(x, 0, sizeof(*x));
	x->ops.put = fake_put;
	x->ops.find = fake_find;
	x->ops.arg = &x->f;
	x->j = lc_join_new(max_open, quiet, &x->ops);
	assert_non_null(x->j);
}

static void
join_fx_close(struct join_fx *x)
{
	lc_join_free(x->j);
	fake_free(&x->f);
}

/* Feeds one line through mta_parse_line() into the join. */
static void
feed(struct lc_join *j, const char *line)
{
	struct lc_line lc;
	struct mta_ctx ctx;
	struct bs_event ev;
	struct classify_result cr;
	char *buf;
	size_t len = strlen(line);
	int rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.syslog.ref_time = REF;
	ctx.lc = &lc;
	buf = malloc(len);
	assert_non_null(buf);
	memcpy(buf, line, len);
	rc = mta_parse_line(buf, len, &ctx, &ev);
	if (rc == PARSE_OK) {
		memset(&cr, 0, sizeof(cr));
		cr.cls = ev.status == BS_STATUS_SENT ? BS_CLASS_NONE
		    : ev.status == BS_STATUS_EXPIRED ? BS_CLASS_EXPIRED
		    : (ev.flags & BS_EVENT_LOCAL) != 0
		    ? BS_CLASS_NETWORK_ERROR /* as exim-retry-not-reached */
		    : BS_CLASS_RATE_LIMITED;
		assert_int_equal(lc.kind, LC_RESULT);
		assert_int_equal(lc_join_event(j, &ev, &cr, "qq.com", &lc), 0);
	} else if (lc.kind != LC_NONE)
		assert_int_equal(lc_join_line(j, &lc), 0);
	free(buf);
}

#define PF "Nov 22 10:00:0"

static void
lifecycle_parse__postfix_lines__fields(void **state)
{
	static const char line[] = "Nov 22 10:00:00 mx1 postfix-out/smtpd[1]: "
				   "4Pq5Hg0YXZz9sWB: client=a.example[192.0.2."
				   "1], sasl_method=PLAIN, sasl_username=bob";
	struct lc_line lc;
	struct mta_ctx ctx;
	struct bs_event ev;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	ctx.syslog.ref_time = REF;
	ctx.lc = &lc;
	assert_int_equal(
	    mta_parse_line(line, sizeof(line) - 1, &ctx, &ev), PARSE_SKIP);
	assert_int_equal(lc.kind, LC_START);
	assert_int_equal(lc.queue_id.len, 15);
	assert_memory_equal(lc.sasl_user.ptr, "bob", 3);
	assert_int_equal(lc.sasl_user.len, 3);
	assert_memory_equal(lc.client.ptr, "a.example[192.0.2.1]", 20);
	assert_memory_equal(lc.instance.ptr, "postfix-out", 11);
	assert_true(lc.time > 0);
}

/* trial6: Exim writes "T=name:" before the error text of a ** or ==
 * line; the transport is "remote_smtp" as on its => lines, not
 * "remote_smtp:" (report --by transport showed two). */
static void
lifecycle_parse__exim_error_line__transport_without_colon(void **state)
{
	static const char *const lines[] = {
		"2026-11-22 10:18:02 1tEaZm-000Ab3-5z ** kai@old.example "
		"R=dnslookup T=remote_smtp: SMTP error from remote mail server "
		"after RCPT TO:<kai@old.example>: host mx.old.example "
		"[192.0.2.40]: 552 5.2.2 <kai@old.example>: Mailbox full",
		"2026-11-22 10:18:02 1tEaZm-000Ab3-5z => kai@old.example "
		"R=dnslookup T=remote_smtp H=mx.old.example [192.0.2.40] "
		"C=\"250 OK\"",
	};
	struct lc_line lc;
	struct mta_ctx ctx;
	struct bs_event ev;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		memset(&ctx, 0, sizeof(ctx));
		ctx.syslog.ref_time = REF;
		ctx.lc = &lc;
		(void)mta_parse_line(lines[i], strlen(lines[i]), &ctx, &ev);
		assert_int_equal(lc.kind, LC_RESULT);
		assert_int_equal(lc.transport.len, 11);
		assert_memory_equal(lc.transport.ptr, "remote_smtp", 11);
	}
}

static void
lifecycle_parse__noise__none(void **state)
{
	static const char *const lines[] = {
		"Nov 22 10:00:00 mx1 postfix/smtpd[1]: connect from a[192.0.2.1]",
		"Nov 22 10:00:00 mx1 postfix/anvil[1]: statistics: max rate",
		"Nov 22 10:00:00 mx1 postfix/qmgr[1]: ABCDE12345: from=<a@b>, "
		"status=expired, returned to sender",
		"Nov 22 10:00:00 mx1 postfix/cleanup[1]: ABCDE12345: "
		"warning: header Subject",
		"2026-11-22 10:00:00 1tEaZk-000Ab1-3x *> x@y R=r T=t",
		"Nov 22 10:00:00 mx1 sm-mta[1]: 5AMAF0xa004321: AUTH=server",
	};
	struct lc_line lc;
	struct mta_ctx ctx;
	struct bs_event ev;
	size_t i;

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	ctx.syslog.ref_time = REF;
	ctx.lc = &lc;
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		(void)mta_parse_line(lines[i], strlen(lines[i]), &ctx, &ev);
		assert_true(lc.kind == LC_NONE || lc.kind == LC_RESULT);
	}
}

static void
lc_join__postfix_message__joined_and_written_once_ended(void **state)
{
	struct join_fx x;
	struct lc_msg *m;

	(void)state;
	join_fx_open(&x, 100, 5 * 86400);
	feed(x.j,
	    PF "0 mx1 postfix/smtpd[1]: 3F2A1B0C9D: client=l.example"
	       "[198.51.100.8], sasl_method=PLAIN, sasl_username=alice");
	feed(x.j, PF "0 mx1 postfix/cleanup[2]: 3F2A1B0C9D: message-id=<a@b>");
	feed(x.j,
	    PF "1 mx1 postfix/qmgr[3]: 3F2A1B0C9D: from=<alice@example.org>"
	       ", size=2048, nrcpt=1 (queue active)");
	feed(x.j,
	    PF "2 mx1 postfix/smtp[4]: 3F2A1B0C9D: to=<li@qq.com>, "
	       "relay=mx3.qq.com[203.205.219.57]:25, delay=1, "
	       "delays=0.1/0/0.5/0.4, dsn=4.7.0, status=deferred (host "
	       "mx3.qq.com[203.205.219.57] said: 421 too many (in reply to "
	       "RCPT TO command))");
	assert_int_equal(lc_join_counters(x.j)->open, 1);
	assert_int_equal(x.f.puts, 0);
	assert_int_equal(lc_join_flush(x.j), 0); /* open: written, kept */
	assert_int_equal(x.f.puts, 1);
	assert_int_equal(lc_join_counters(x.j)->open, 1);
	feed(x.j,
	    PF "5 mx1 postfix/smtp[4]: 3F2A1B0C9D: to=<li@qq.com>, "
	       "relay=mx3.qq.com[203.205.219.57]:25, delay=1, "
	       "delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 ok)");
	feed(x.j, PF "5 mx1 postfix/qmgr[3]: 3F2A1B0C9D: removed");
	assert_int_equal(lc_join_counters(x.j)->open, 0);
	assert_int_equal(x.f.puts, 2); /* ended: written at once */
	assert_non_null(m = fake_get(&x.f, "3F2A1B0C9D", 0));
	assert_string_equal(m->sender, "alice@example.org");
	assert_string_equal(m->sasl_user, "alice");
	assert_string_equal(m->message_id, "a@b");
	assert_int_equal(m->size, 2048);
	assert_int_equal(m->state, LC_S_SENT);
	assert_int_equal(m->final - m->first, 5);
	assert_int_equal(m->nr, 1);
	assert_int_equal(m->r[0].attempts, 2);
	assert_int_equal(m->r[0].cls, BS_CLASS_RATE_LIMITED);
	assert_int_equal(m->r[0].status, BS_STATUS_SENT);
	join_fx_close(&x);
}

/*
 * A recipient deferred (rate_limited) until Postfix's qmgr returns the
 * message as expired: its status is expired, its class stays that of its
 * last failure, so `messages --class rate_limited` and the throttle
 * incident's `messages --incident N` still list it (trial7: they lost
 * every message once it expired, the class being overwritten with
 * "expired"). A recipient with no failure before the expiry is expired.
 */
static void
lc_join__postfix_expired_after_deferrals__keeps_last_failure_class(void **state)
{
	struct join_fx x;
	struct lc_msg *m;

	(void)state;
	join_fx_open(&x, 100, 5 * 86400);
	feed(x.j,
	    PF "0 mx1 postfix/qmgr[3]: 4C5D6E7F80: from=<a@example.org>"
	       ", size=10, nrcpt=1 (queue active)");
	feed(x.j,
	    PF "1 mx1 postfix/smtp[4]: 4C5D6E7F80: to=<li@qq.com>, "
	       "relay=mx3.qq.com[203.205.219.57]:25, delay=1, "
	       "delays=0.1/0/0.5/0.4, dsn=4.7.0, status=deferred (host "
	       "mx3.qq.com[203.205.219.57] said: 421 too many (in reply to "
	       "RCPT TO command))");
	feed(x.j,
	    PF "5 mx1 postfix/qmgr[3]: 4C5D6E7F80: from=<a@example.org>, "
	       "status=expired, returned to sender");
	feed(x.j, PF "6 mx1 postfix/qmgr[3]: 4C5D6E7F80: removed");
	assert_non_null(m = fake_get(&x.f, "4C5D6E7F80", 0));
	assert_int_equal(m->state, LC_S_EXPIRED);
	assert_int_equal(m->nr, 1);
	assert_int_equal(m->r[0].status, BS_STATUS_EXPIRED);
	assert_int_equal(m->r[0].cls, BS_CLASS_RATE_LIMITED);
	join_fx_close(&x);
}

/* The same for Exim: "** ADDR: retry timeout exceeded" after its
 * deferrals keeps their class; one without a deferral is expired. */
static void
lc_join__exim_retry_timeout_after_defer__keeps_last_failure_class(void **state)
{
	struct join_fx x;
	struct lc_msg *m;

	(void)state;
	join_fx_open(&x, 100, 5 * 86400);
	feed(x.j,
	    "2026-11-22 10:15:03 1tEaZk-000Ab1-3x == li@163.example "
	    "R=dnslookup T=remote_smtp defer (-44) H=mx3.163.example "
	    "[192.0.2.12]: SMTP error from remote mail server after RCPT "
	    "TO:<li@163.example>: 421 HL:ICC 163 too many connections");
	feed(x.j,
	    "2026-11-22 10:19:00 1tEaZk-000Ab1-3x ** li@163.example: "
	    "retry timeout exceeded");
	feed(x.j,
	    "2026-11-22 10:19:00 1tEaZk-000Ab1-3x ** max@163.example: "
	    "retry timeout exceeded");
	feed(x.j, "2026-11-22 10:19:00 1tEaZk-000Ab1-3x Completed");
	assert_non_null(m = fake_get(&x.f, "1tEaZk-000Ab1-3x", 0));
	assert_int_equal(m->nr, 2);
	assert_string_equal(m->r[0].addr, "li@163.example");
	assert_int_equal(m->r[0].status, BS_STATUS_EXPIRED);
	assert_int_equal(m->r[0].cls, BS_CLASS_RATE_LIMITED);
	assert_string_equal(m->r[1].addr, "max@163.example");
	assert_int_equal(m->r[1].status, BS_STATUS_EXPIRED);
	assert_int_equal(m->r[1].cls, BS_CLASS_EXPIRED);
	join_fx_close(&x);
}

/*
 * Exim's queue runner logs "== ADDR routing defer (-52): retry time not
 * reached" (and "... for any host") between the receiver's replies: a
 * local decision, no failure. It must not become the recipient's class
 * ("sent (last failure network_error)" in trace for mail a throttle
 * delayed) nor count as one of its results (trial8: "after 7 results"
 * for 3 replies and a delivery).
 */
static void
lc_join__exim_retry_not_reached__not_a_failure(void **state)
{
	struct join_fx x;
	struct lc_msg *m;

	(void)state;
	join_fx_open(&x, 100, 5 * 86400);
	feed(x.j,
	    "2026-11-22 10:15:03 1tEaZk-000Ab1-3x == gm1@gmail.example "
	    "R=dnslookup T=remote_smtp defer (-44) H=mx.gmail.example "
	    "[192.0.2.12]: SMTP error from remote mail server after RCPT "
	    "TO:<gm1@gmail.example>: 421 4.7.28 unusual rate");
	feed(x.j,
	    "2026-11-22 10:15:05 1tEaZk-000Ab1-3x == gm1@gmail.example "
	    "routing defer (-52): retry time not reached");
	feed(x.j,
	    "2026-11-22 10:15:07 1tEaZk-000Ab1-3x == gm1@gmail.example "
	    "R=dnslookup T=remote_smtp defer (-54): retry time not reached "
	    "for any host for 'gmail.example'");
	feed(x.j,
	    "2026-11-22 10:15:10 1tEaZk-000Ab1-3x => gm1@gmail.example "
	    "R=dnslookup T=remote_smtp H=mx.gmail.example [192.0.2.12] "
	    "C=\"250 2.0.0 Ok\"");
	feed(x.j, "2026-11-22 10:15:10 1tEaZk-000Ab1-3x Completed");
	assert_non_null(m = fake_get(&x.f, "1tEaZk-000Ab1-3x", 0));
	assert_int_equal(m->nr, 1);
	assert_int_equal(m->r[0].status, BS_STATUS_SENT);
	assert_int_equal(m->r[0].cls, BS_CLASS_RATE_LIMITED);
	assert_int_equal(m->r[0].attempts, 2);
	join_fx_close(&x);
}

/*
 * Exim cancels a frozen message after timeout_frozen_after with one
 * line, "MSGID cancelled by timeout_frozen_after", and logs nothing per
 * address: the recipients still deferred then expired (keeping their
 * class, as after "retry timeout exceeded"); delivered and bounced ones
 * keep theirs (trial8: they stayed "deferred" in a completed message).
 */
static void
lc_join__exim_timeout_frozen_after__pending_recipients_expire(void **state)
{
	struct join_fx x;
	struct lc_msg *m;

	(void)state;
	join_fx_open(&x, 100, 5 * 86400);
	feed(x.j,
	    "2026-11-22 10:15:03 1tEaZk-000Ab1-3x == gm7@gmail.example "
	    "R=dnslookup T=remote_smtp defer (-44) H=mx.gmail.example "
	    "[192.0.2.12]: SMTP error from remote mail server after RCPT "
	    "TO:<gm7@gmail.example>: 421 4.7.28 unusual rate");
	feed(x.j,
	    "2026-11-22 10:15:03 1tEaZk-000Ab1-3x ** no@shop.example "
	    "R=dnslookup T=remote_smtp H=mx.shop.example [192.0.2.13]: SMTP "
	    "error from remote mail server after RCPT TO:<no@shop.example>: "
	    "550 5.1.1 unknown");
	feed(x.j, "2026-11-22 10:15:03 1tEaZk-000Ab1-3x Frozen");
	feed(x.j,
	    "2026-11-22 12:15:03 1tEaZk-000Ab1-3x cancelled by "
	    "timeout_frozen_after");
	feed(x.j, "2026-11-22 12:15:03 1tEaZk-000Ab1-3x Completed");
	assert_non_null(m = fake_get(&x.f, "1tEaZk-000Ab1-3x", 0));
	assert_int_equal(m->state, LC_S_EXPIRED);
	assert_int_equal(m->nr, 2);
	assert_int_equal(m->r[0].status, BS_STATUS_EXPIRED);
	assert_int_equal(m->r[0].cls, BS_CLASS_RATE_LIMITED);
	assert_int_equal(m->r[0].last, m->last);
	assert_int_equal(m->r[1].status, BS_STATUS_BOUNCED);

	/* Nothing pending: a cancelled bounce that failed stays bounced. */
	feed(x.j,
	    "2026-11-22 10:16:03 1tEaZk-000Ab1-4y ** no@shop.example "
	    "R=dnslookup T=remote_smtp H=mx.shop.example [192.0.2.13]: SMTP "
	    "error from remote mail server after RCPT TO:<no@shop.example>: "
	    "550 5.1.1 unknown");
	feed(x.j,
	    "2026-11-22 12:16:03 1tEaZk-000Ab1-4y cancelled by "
	    "timeout_frozen_after");
	feed(x.j, "2026-11-22 12:16:03 1tEaZk-000Ab1-4y Completed");
	assert_non_null(m = fake_get(&x.f, "1tEaZk-000Ab1-4y", 0));
	assert_int_equal(m->state, LC_S_BOUNCED);
	assert_int_equal(m->r[0].status, BS_STATUS_BOUNCED);
	join_fx_close(&x);
}

static void
lc_join__reused_queue_id__two_messages(void **state)
{
	struct join_fx x;

	(void)state;
	join_fx_open(&x, 100, 5 * 86400);
	feed(x.j, PF "0 mx1 postfix/pickup[1]: 5B6C7D8E9F: uid=1 from=<a@x>");
	feed(x.j,
	    PF "1 mx1 postfix/qmgr[3]: 5B6C7D8E9F: from=<a@x>, size=1, "
	       "nrcpt=1 (queue active)");
	/* no "removed": the id starts again */
	feed(x.j, PF "2 mx1 postfix/pickup[1]: 5B6C7D8E9F: uid=1 from=<b@x>");
	feed(x.j, PF "3 mx1 postfix/qmgr[3]: 5B6C7D8E9F: removed");
	assert_int_equal(lc_join_counters(x.j)->reused, 1);
	assert_int_equal(x.f.n, 2);
	assert_int_equal(
	    fake_get(&x.f, "5B6C7D8E9F", 0)->state, LC_S_INCOMPLETE);
	assert_string_equal(fake_get(&x.f, "5B6C7D8E9F", 0)->sender, "a@x");
	assert_int_equal(fake_get(&x.f, "5B6C7D8E9F", 1)->state, LC_S_REMOVED);
	assert_string_equal(fake_get(&x.f, "5B6C7D8E9F", 1)->sender, "b@x");
	join_fx_close(&x);
}

static void
lc_join__evicted_message__read_back_exactly(void **state)
{
	struct join_fx x;
	struct lc_msg *m;

	(void)state;
	join_fx_open(&x, 1, 5 * 86400);
	feed(x.j, PF "0 mx1 postfix/pickup[1]: AAAAA11111: uid=1 from=<a@x>");
	feed(x.j, PF "0 mx1 postfix/pickup[1]: BBBBB22222: uid=1 from=<b@x>");
	assert_int_equal(lc_join_counters(x.j)->evicted, 1);
	assert_int_equal(lc_join_counters(x.j)->open, 1);
	feed(x.j,
	    PF "1 mx1 postfix/qmgr[3]: AAAAA11111: from=<a@x>, size=7, "
	       "nrcpt=1 (queue active)");
	assert_int_equal(lc_join_counters(x.j)->reloaded, 1);
	feed(x.j, PF "2 mx1 postfix/qmgr[3]: AAAAA11111: removed");
	assert_non_null(m = fake_get(&x.f, "AAAAA11111", 0));
	assert_int_equal(m->size, 7);
	assert_true(m->final != 0);
	assert_true(m->has_start);
	assert_int_equal(x.f.n, 2); /* one row each, no duplicate */
	join_fx_close(&x);
}

static void
lc_join__quiet_message__closed_incomplete(void **state)
{
	struct lc_join *j = lc_join_new(100, 3600, NULL);

	(void)state;
	feed(j,
	    "Nov 20 10:00:00 mx1 postfix/pickup[1]: AAAAA11111: uid=1 "
	    "from=<a@x>");
	feed(j,
	    "Nov 22 10:00:00 mx1 postfix/pickup[1]: BBBBB22222: uid=1 "
	    "from=<a@x>");
	assert_int_equal(lc_join_flush(j), 0);
	assert_int_equal(lc_join_counters(j)->quiet, 1);
	assert_int_equal(lc_join_counters(j)->open, 1);
	lc_join_reset(j);
	assert_int_equal(lc_join_counters(j)->open, 0);
	lc_join_free(j);
}

/* The sweep runs only when a message may be quiet: an older message
 * seen after a sweep-less flush, and one that turns quiet later, still
 * close. */
static void
lc_join__quiet_after_flushes__closed_in_any_order(void **state)
{
	struct lc_join *j = lc_join_new(100, 3600, NULL);

	(void)state;
	feed(j,
	    "Nov 22 10:00:00 mx1 postfix/pickup[1]: BBBBB22222: uid=1 "
	    "from=<a@x>");
	assert_int_equal(lc_join_flush(j), 0);
	assert_int_equal(lc_join_counters(j)->quiet, 0);
	feed(j,
	    "Nov 20 10:00:00 mx1 postfix/pickup[1]: AAAAA11111: uid=1 "
	    "from=<a@x>");
	assert_int_equal(lc_join_flush(j), 0);
	assert_int_equal(lc_join_counters(j)->quiet, 1);
	assert_int_equal(lc_join_counters(j)->open, 1);
	feed(j,
	    "Nov 22 10:30:00 mx1 postfix/pickup[1]: CCCCC33333: uid=1 "
	    "from=<a@x>");
	assert_int_equal(lc_join_flush(j), 0);
	assert_int_equal(lc_join_counters(j)->quiet, 1);
	feed(j,
	    "Nov 23 12:00:00 mx1 postfix/pickup[1]: DDDDD44444: uid=1 "
	    "from=<a@x>");
	assert_int_equal(lc_join_flush(j), 0);
	assert_int_equal(lc_join_counters(j)->quiet, 3);
	assert_int_equal(lc_join_counters(j)->open, 1);
	lc_join_free(j);
}

/* newest given back after a restart is the time of a message first seen
 * on a time-less line, as in the run that saw the newer lines. */
static void
lc_join__newest_set_back__time_of_info_first_message(void **state)
{
	struct join_fx x;
	struct lc_msg *m;
	int64_t t0;

	(void)state;
	join_fx_open(&x, 100, 5 * 86400);
	feed(x.j, PF "0 mx1 postfix/pickup[1]: AAAAA11111: uid=1 from=<a@x>");
	assert_true((t0 = lc_join_newest(x.j)) > 0);
	lc_join_set_newest(x.j, t0 - 100); /* never backwards */
	assert_int_equal(lc_join_newest(x.j), t0);
	lc_join_set_newest(x.j, t0 + 500);
	assert_int_equal(lc_join_newest(x.j), t0 + 500);
	feed(x.j,
	    PF "9 mx1 postfix/cleanup[2]: BBBBB22222: "
	       "message-id=<b@x>");
	assert_int_equal(lc_join_flush(x.j), 0);
	assert_non_null(m = fake_get(&x.f, "BBBBB22222", 0));
	assert_int_equal(m->first, t0 + 500);
	assert_int_equal(m->last, t0 + 500);
	join_fx_close(&x);
}

/*
 * The hash table grows with the open messages (256 buckets at first):
 * 3,000 messages opened, then each found again by a line (no new
 * record) and ended, in reverse order.
 */
static void
lc_join__thousands_open__table_grows_each_found_again(void **state)
{
	struct lc_join *j = lc_join_new(10000, 5 * 86400, NULL);
	char line[200];
	int i;

	(void)state;
	assert_non_null(j);
	for (i = 0; i < 3000; i++) {
		snprintf(line, sizeof(line),
		    "Nov 22 10:00:00 mx1 postfix/qmgr[1]: %05X0AB: "
		    "from=<a@b.example>, size=1, nrcpt=1 (queue active)",
		    i);
		feed(j, line);
	}
	assert_int_equal(lc_join_counters(j)->open, 3000);
	assert_int_equal(lc_join_counters(j)->opened, 3000);
	for (i = 2999; i >= 0; i--) {
		snprintf(line, sizeof(line),
		    "Nov 22 10:00:01 mx1 postfix/qmgr[1]: %05X0AB: removed", i);
		feed(j, line);
	}
	assert_int_equal(lc_join_counters(j)->opened, 3000);
	assert_int_equal(lc_join_counters(j)->closed, 3000);
	assert_int_equal(lc_join_counters(j)->open, 0);
	lc_join_free(j);
}

static void
lc_join__many_recipients__capped_and_counted(void **state)
{
	struct lc_join *j = lc_join_new(10, 3600, NULL);
	struct bs_event ev;
	char rcpt[32];
	int i;

	(void)state;
	for (i = 0; i < LC_RCPT_MAX + 5; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.mta = BS_MTA_EXIM;
		ev.status = BS_STATUS_SENT;
		ev.time = REF;
		ev.queue_id = bs_span_make("1tEaZk-000Ab1-3x", 16);
		snprintf(rcpt, sizeof(rcpt), "r%d@x.example", i);
		bs_event_set_rcpt(&ev, bs_span_make(rcpt, strlen(rcpt)));
		assert_int_equal(lc_join_event(j, &ev, NULL, "", NULL), 0);
	}
	assert_int_equal(lc_join_counters(j)->dropped, 5);
	lc_join_free(j);
}

/*
 * Issue 14: the hash the reading thread computes (lc_join_hash()) is the
 * join's own: a restored message (hashed inside the join) is found by a
 * line and by a result given it; given another hash it is not found.
 */
static void
lc_join__caller_hash__finds_restored_message(void **state)
{
	struct lc_join *j = lc_join_new(100, 5 * 86400, NULL);
	struct lc_msg m;
	struct lc_line lc;
	struct bs_event ev;
	uint64_t h;

	(void)state;
	assert_non_null(j);
	memset(&m, 0, sizeof(m));
	m.mta = BS_MTA_POSTFIX;
	strcpy(m.qid, "3F2A1B0C9D");
	strcpy(m.host, "mx1");
	m.first = m.last = REF;
	m.size = m.nrcpt = -1;
	m.id = 7;
	assert_int_equal(lc_join_restore(j, &m), 0);
	memset(&lc, 0, sizeof(lc));
	lc.kind = LC_INFO;
	lc.mta = BS_MTA_POSTFIX;
	lc.time = REF + 1;
	lc.host = bs_span_make("mx1", 3);
	lc.instance = bs_span_make("", 0);
	lc.queue_id = bs_span_make("3F2A1B0C9D", 10);
	lc.size = 42;
	lc.nrcpt = -1;
	h = lc_join_hash(lc.mta, lc.queue_id);
	assert_int_equal(lc_join_line_h(j, &lc, h), 0);
	memset(&ev, 0, sizeof(ev));
	ev.mta = BS_MTA_POSTFIX;
	ev.time = REF + 2;
	ev.status = BS_STATUS_DEFERRED;
	ev.host = lc.host;
	ev.queue_id = lc.queue_id;
	ev.rcpt = bs_span_make("a@b.example", 11);
	assert_int_equal(lc_join_event_h(j, &ev, NULL, "", NULL, h), 0);
	assert_int_equal(lc_join_counters(j)->opened, 0);
	assert_int_equal(lc_join_counters(j)->open, 1);
	/* another hash: not this message, a new one */
	assert_int_equal(lc_join_line_h(j, &lc, h + 1), 0);
	assert_int_equal(lc_join_counters(j)->opened, 1);
	assert_int_equal(lc_join_counters(j)->open, 2);
	lc_join_free(j);
}

/*
 * Issue 14: a record reused after a message of 8 recipients does not
 * carry their room to the next message (open deferred messages held 8
 * recipients' room each, 2.7 KB: peak RSS grew with the queue).
 */
static void
lc_join__reused_record__small_recipient_room(void **state)
{
	struct join_fx x;
	char line[512];
	int i;

	(void)state;
	join_fx_open(&x, 100, 5 * 86400);
	feed(x.j,
	    PF "1 mx1 postfix/qmgr[3]: 1A2B3C4D5E: from=<a@x>, size=1, "
	       "nrcpt=8 (queue active)");
	for (i = 0; i < 8; i++) {
		snprintf(line, sizeof(line),
		    PF "2 mx1 postfix/smtp[4]: 1A2B3C4D5E: to=<u%d@qq.com>, "
		       "relay=mx3.qq.com[203.205.219.57]:25, delay=1, "
		       "delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 ok)",
		    i);
		feed(x.j, line);
	}
	feed(x.j, PF "3 mx1 postfix/qmgr[3]: 1A2B3C4D5E: removed");
	assert_int_equal(x.f.puts, 1);
	assert_int_equal(x.f.last_cap, 8);       /* the test sees the room */
	assert_int_equal(lc_join_flush(x.j), 0); /* freed for reuse */
	feed(x.j,
	    PF "4 mx1 postfix/qmgr[3]: 6F7A8B9C0D: from=<b@x>, size=1, "
	       "nrcpt=1 (queue active)");
	feed(x.j,
	    PF "5 mx1 postfix/smtp[4]: 6F7A8B9C0D: to=<li@qq.com>, "
	       "relay=mx3.qq.com[203.205.219.57]:25, delay=1, "
	       "delays=0.1/0/0.5/0.4, dsn=4.7.0, status=deferred (421 no)");
	assert_int_equal(lc_join_flush(x.j), 0); /* open: written, kept */
	assert_int_equal(x.f.puts, 2);
	assert_int_equal(fake_get(&x.f, "6F7A8B9C0D", 0)->nr, 1);
	assert_true(x.f.last_cap <= 2);
	join_fx_close(&x);
}

/* trial9: OpenSMTPD 6.8 logs no end of a message: it ends when the
 * "smtp message ... nrcpt=N" line's N recipients have a final result
 * (here two expiries), with the sender of its "smtp envelope" lines. */
#define OS "Dec  7 03:48:4"

static void
lc_join__opensmtpd_message__ends_at_nrcpt_with_sender(void **state)
{
	struct join_fx x;
	struct lc_msg *m;

	(void)state;
	join_fx_open(&x, 100, 5 * 86400);
	feed(x.j,
	    OS "2 vm smtpd[9831]: 21ebdcee6b9bff1e smtp message "
	       "msgid=12be3b97 size=249 nrcpt=2 proto=ESMTP");
	feed(x.j,
	    OS "2 vm smtpd[9831]: 21ebdcee6b9bff1e smtp envelope "
	       "evpid=12be3b977c2ff00f from=<alice@bs.test> "
	       "to=<grey1@grey.test>");
	feed(x.j,
	    OS "2 vm smtpd[9831]: 21ebdcee6b9bff1e smtp envelope "
	       "evpid=12be3b9706c6426e from=<alice@bs.test> "
	       "to=<grey2@grey.test>");
	feed(x.j,
	    OS "3 vm smtpd[9831]: 21ebdce79bb406c5 mta delivery "
	       "evpid=12be3b977c2ff00f from=<alice@bs.test> "
	       "to=<grey1@grey.test> rcpt=<-> source=\"127.0.0.1\" "
	       "relay=\"127.0.0.1 (localhost)\" delay=1s "
	       "result=\"TempFail\" stat=\"450 4.7.1 Greylisted\"");
	feed(x.j,
	    OS "3 vm smtpd[9832]: relay: Expire for 12be3b977c2ff00f: "
	       "from=<alice@bs.test>, to=<grey1@grey.test>, rcpt=<->, "
	       "delay=30s, stat=Envelope expired");
	assert_null(fake_get(&x.f, "12be3b97", 0)); /* one still pending */
	feed(x.j,
	    OS "4 vm smtpd[9832]: relay: Expire for 12be3b9706c6426e: "
	       "from=<alice@bs.test>, to=<grey2@grey.test>, rcpt=<->, "
	       "delay=30s, stat=Envelope expired");
	assert_non_null(m = fake_get(&x.f, "12be3b97", 0));
	assert_true(m->final != 0);
	assert_int_equal(m->state, LC_S_EXPIRED);
	assert_string_equal(m->sender, "alice@bs.test");
	assert_int_equal(m->size, 249);
	assert_int_equal(m->nrcpt, 2);
	assert_int_equal(m->nr, 2);
	assert_int_equal(m->r[0].status, BS_STATUS_EXPIRED);
	assert_int_equal(m->r[0].cls, BS_CLASS_RATE_LIMITED);
	assert_int_equal(m->r[1].status, BS_STATUS_EXPIRED);
	assert_int_equal(m->r[1].cls, BS_CLASS_EXPIRED);
	join_fx_close(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lifecycle_parse__postfix_lines__fields),
		cmocka_unit_test(lifecycle_parse__noise__none),
		cmocka_unit_test(
		    lifecycle_parse__exim_error_line__transport_without_colon),
		cmocka_unit_test(
		    lc_join__postfix_message__joined_and_written_once_ended),
		cmocka_unit_test(
		    lc_join__postfix_expired_after_deferrals__keeps_last_failure_class),
		cmocka_unit_test(
		    lc_join__exim_retry_timeout_after_defer__keeps_last_failure_class),
		cmocka_unit_test(
		    lc_join__exim_retry_not_reached__not_a_failure),
		cmocka_unit_test(
		    lc_join__exim_timeout_frozen_after__pending_recipients_expire),
		cmocka_unit_test(
		    lc_join__opensmtpd_message__ends_at_nrcpt_with_sender),
		cmocka_unit_test(lc_join__reused_queue_id__two_messages),
		cmocka_unit_test(lc_join__evicted_message__read_back_exactly),
		cmocka_unit_test(lc_join__quiet_message__closed_incomplete),
		cmocka_unit_test(
		    lc_join__thousands_open__table_grows_each_found_again),
		cmocka_unit_test(lc_join__many_recipients__capped_and_counted),
		cmocka_unit_test(lc_join__reused_record__small_recipient_room),
		cmocka_unit_test(
		    lc_join__quiet_after_flushes__closed_in_any_order),
		cmocka_unit_test(
		    lc_join__newest_set_back__time_of_info_first_message),
		cmocka_unit_test(lc_join__caller_hash__finds_restored_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
