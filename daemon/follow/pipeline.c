/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See pipeline.h. The per-line hot path: parse (no allocation), provider
 * from the relay host (only for delivery events), classify (cached inside
 * the classifier), store_add (counts aggregated in memory until commit).
 * Nothing here allocates per line.
 *
 * Providers are memoized per relay host in a small hash table:
 * a few thousand relay hosts make up millions of events, and the
 * public-suffix lookup (lower-casing, label split, binary searches) cost
 * 1,200 instructions per event against about 100 for a memo hit
 * (provider_from_host() was 2.6% of an import, 1% with the memo).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "linebuf.h"
#include "log.h"
#include "metric.h"
#include "msgtrack.h"
#include "pipeline.h"
#include "provider.h"
#include "sanitize.h"
#include "scan.h"
#include "writer.h"

#define PROV_MEMO_SLOTS                                                        \
	8192              /* a power of two; 2048 missed 10% of a              \
			   * busy log's 2,800 relay hosts (libpsl) */
#define PROV_MEMO_HOST 56 /* longer relay hosts are not memoized */

/* One memoized provider_from_host() result; hlen 0: empty slot. */
struct prov_memo {
	uint8_t hlen, plen;
	char host[PROV_MEMO_HOST];
	char provider[PROV_MEMO_HOST + 16]; /* an alias may be longer */
};

struct pipeline {
	struct store *store;
	struct classifier *cl;
	struct mta_ctx ctx;
	struct pipeline_counters c;
	struct pipeline_counters base; /* c when the batch began */
	uint64_t pending;
	struct bs_event ev;
	struct classify_result cr;
	char provider[256];
	bool have_last;
	struct pipeline_watch *watch; /* the current input's, or NULL */
	struct writer *writer;        /* pipeline_start_writer(), or NULL */
	pipeline_event_fn *event_fn;
	void *event_arg;
	struct msgtrack *mt; /* issue 16: message lifecycle, or NULL; the
			      * writer thread's when there is one */
	bool mt_txn;         /* a batch begun and not committed (no writer) */
	bool mt_here;        /* issue 14: the join here with a writer (its rows
			      * there): pipeline_start_writer_join_here() */
	bool mt_begun;    /* issue 14, mt_here: join_begin() ran in the batch */
	bool writer_keys; /* issue 14: pipeline_set_writer_keys() */
	struct lc_line lc; /* issue 16: mta_parse_line() fills it (ctx.lc) */
	struct prov_memo memo[PROV_MEMO_SLOTS];
	size_t memo_used;              /* slots of memo in use */
	struct syslog_memo smemo;      /* issue 14: ctx.syslog.memo */
	char tmpl[STORE_TEMPLATE_MAX]; /* issue 14: see pipeline_event() */
	/* Issue 14: the line being parsed, for the writer's block copy
	 * (writer_add_src()); valid only during pipeline_line(). */
	const char *line;
	size_t line_len;
	/* Decoded journald JSON messages (mta_ctx.scratch): as long as the
	 * default longest line, since decoding never lengthens a string. */
	char scratch[LINEBUF_MAX_LINE_DEFAULT];
};

/* See pipeline.h. Returns NULL on allocation failure. */
struct pipeline *
pipeline_new(struct store *st, struct classifier *cl, const struct mta_ctx *ctx)
{
	struct pipeline *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->store = st;
	p->cl = cl;
	p->ctx = *ctx;
	p->ctx.scratch = p->scratch;
	p->ctx.syslog.memo = &p->smemo;
	p->ctx.scratch_len = sizeof(p->scratch);
	return p;
}

void
pipeline_free(struct pipeline *p)
{
	if (p == NULL)
		return;
	writer_free(p->writer);
	msgtrack_free(p->mt);
	free(p);
}

/*
 * Sets the reference time used to infer the year of classic stamps, and
 * the latest time a line may carry: a day after it or after the clock,
 * whichever is later (import passes the file's mtime).
 */
void
pipeline_set_ref_time(struct pipeline *p, int64_t now)
{
	int64_t c = clock_now();

	p->ctx.syslog.ref_time = now;
	p->ctx.time_max = (now > c ? now : c) + BS_TIME_AHEAD;
}

/* Swaps the classifier (after a reload); the old one is not freed. */
void
pipeline_set_classifier(struct pipeline *p, struct classifier *cl)
{
	p->cl = cl;
}

/*
 * Home slot of a relay host: all of its bytes, eight at a time, mixed
 * (its first and last 8 bytes alone give "mx1.acme-aaa-bank.com" and
 * "mx1.acme-bbb-bank.com" one slot).
 */
static size_t
memo_slot(const char *s, size_t len)
{
	uint64_t h = len * UINT64_C(0x9e3779b97f4a7c15), w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * UINT64_C(0xbf58476d1ce4e5b9);
		h ^= h >> 31;
	}
	if (i < len) {
		/* Issue 14: the last bytes without a memcpy() call of a
		 * variable size: the word that ends at the end, its bytes
		 * before i shifted out (a host of 8 or more bytes; the
		 * slot only needs to depend on the host alone) */
		if (len >= 8) {
			memcpy(&w, s + len - 8, 8);
			w >>= 8 * (8 - (len - i));
		} else {
			w = 0;
			memcpy(&w, s + i, len - i);
		}
		h = (h ^ w) * UINT64_C(0xbf58476d1ce4e5b9);
	}
	h ^= h >> 29;
	h *= UINT64_C(0x94d049bb133111eb);
	return (size_t)(h >> 40) & (PROV_MEMO_SLOTS - 1);
}

/*
 * provider_from_host() of host into p->provider, through the memo.
 * Returns the provider's length (0: none).
 *
 * Issue 14: the memo is an open-addressing table (linear probing), not
 * a direct-mapped one: with one slot per host, two hosts of one slot
 * evicted each other on every event, 16,000 libpsl lookups for the 3,444
 * relay hosts of the 2M-line benchmark. Full to three quarters, it is
 * emptied and filled anew.
 */
static size_t
provider_of(struct pipeline *p, struct bs_span host)
{
	struct prov_memo *m;
	size_t n, i;

	if (host.ptr == NULL || host.len == 0 || host.len > PROV_MEMO_HOST)
		return provider_from_host(
		    host, p->provider, sizeof(p->provider));
	for (i = memo_slot(host.ptr, host.len);;
	     i = (i + 1) & (PROV_MEMO_SLOTS - 1)) {
		m = &p->memo[i];
		if (m->hlen == 0)
			break;
		if (m->hlen == host.len &&
		    memcmp(m->host, host.ptr, host.len) == 0) {
			/* Issue 14: a copy of a constant size (no call);
			 * the bytes after the NUL are never read */
			memcpy(p->provider, m->provider, sizeof(m->provider));
			p->provider[m->plen] = '\0';
			return m->plen;
		}
	}
	n = provider_from_host(host, p->provider, sizeof(p->provider));
	if (n >= sizeof(m->provider))
		return n;
	if (p->memo_used >= PROV_MEMO_SLOTS / 4 * 3) {
		memset(p->memo, 0, sizeof(p->memo));
		p->memo_used = 0;
		m = &p->memo[memo_slot(host.ptr, host.len)];
	}
	p->memo_used++;
	m->hlen = (uint8_t)host.len;
	memcpy(m->host, host.ptr, host.len);
	m->plen = (uint8_t)n;
	memcpy(m->provider, p->provider, n);
	return n;
}

/*
 * Issue 14: store_reply_template() of p->ev's reply into p->tmpl, for a
 * failure with a reply (what store_add() makes one of), with the class
 * store_add() gives it; NULL (and *len 0) for anything else.
 */
static const char *
reply_template(struct pipeline *p, size_t *len)
{
	enum bs_status status = (unsigned)p->ev.status < BS_STATUS_COUNT
	    ? p->ev.status
	    : BS_STATUS_NONE;
	enum bs_class cls =
	    (unsigned)p->cr.cls < BS_CLASS_COUNT ? p->cr.cls : BS_CLASS_UNKNOWN;

	*len = 0;
	if (status == BS_STATUS_SENT || p->ev.reply.ptr == NULL ||
	    p->ev.reply.len == 0)
		return NULL;
	*len = store_reply_template(
	    p->ev.reply.ptr, p->ev.reply.len, cls == BS_CLASS_UNKNOWN, p->tmpl);
	return p->tmpl;
}

/*
 * Issue 14: with the join here (mt_here), its first use in a batch
 * waits for the writer thread to run the batch's BEGIN and be idle, and
 * then lets the join read the store (msgtrack_begin()). Not at
 * pipeline_begin(): an import waiting for its input (a pipe) would hold
 * the database's write lock meanwhile; this way the lock is taken when
 * the batch's lines come, as with the join on the writer thread. 0 or -1.
 */
static int
join_begin(struct pipeline *p)
{
	if (p->mt_begun)
		return 0;
	if (writer_sync(p->writer) == -1)
		return -1;
	/* the writer's view: a COMMIT queued may have failed (review12) */
	if (msgtrack_begin(p->mt, writer_rolled_back(p->writer)) == -1) {
		(void)store_rollback(p->store);
		return -1;
	}
	p->mt_txn = true;
	p->mt_begun = true;
	return 0;
}

/*
 * review12: after a failure of the join here (or of what follows it):
 * the writer idle, with the failure's message for pipeline_errmsg(),
 * the writer's (seen by the sync inside the join, which a second
 * writer_sync() would clear) or the store's (a read here).
 */
static void
join_failed(struct pipeline *p)
{
	writer_sync_failed(p->writer, store_errmsg(p->store));
}

/* Classifies, counts and stores p->ev. PARSE_OK, or -1 (store). */
static int
pipeline_event(struct pipeline *p)
{
	struct store_record rec;
	const char *tmpl;
	size_t tlen;

	if (provider_of(p, p->ev.relay_host) == 0)
		p->provider[0] = '\0';
	classify_event(
	    p->cl, &p->ev, p->provider[0] ? p->provider : NULL, &p->cr);
	p->have_last = true;
	p->c.events++;
	if ((unsigned)p->ev.status < BS_STATUS_COUNT)
		p->c.by_status[p->ev.status]++;
	if (p->ev.status != BS_STATUS_SENT)
		p->c.failures++;
	if (p->ev.time > p->c.last_event)
		p->c.last_event = p->ev.time;
	if (p->watch != NULL)
		p->watch->events++;
	if (p->event_fn != NULL)
		p->event_fn(p->event_arg, &p->ev, &p->cr, p->provider);
	rec.ev = &p->ev;
	rec.cr = &p->cr;
	rec.provider = p->provider;
	if (p->writer != NULL) {
		/* Issue 14: a failure's reply template is made here, not on
		 * the writer thread, when that is the bound (the daemon;
		 * store_add_tmpl()); an import's writer makes it. */
		if (p->writer_keys) {
			tmpl = NULL;
			tlen = 0;
		} else
			tmpl = reply_template(p, &tlen);
		/* Issue 16: msgtrack_event() runs on the writer thread,
		 * or here (issue 14: mt_here), before the record's counts
		 * as there. */
		if (p->mt_here &&
		    (join_begin(p) == -1 ||
			msgtrack_event(p->mt, &p->ev, &p->cr, p->provider,
			    &p->lc) == -1)) {
			join_failed(p);
			return -1;
		}
		if (writer_add_src(p->writer, &rec,
			p->mt != NULL && !p->mt_here ? &p->lc : NULL, tmpl,
			tlen, p->line, p->line_len) == -1) {
			(void)writer_sync(p->writer);
			return -1;
		}
	} else {
		if (p->mt != NULL && /* issue 16 */
		    msgtrack_event(
			p->mt, &p->ev, &p->cr, p->provider, &p->lc) == -1)
			return -1;
		if (p->store == NULL)
			return PARSE_OK;
		if (store_add(p->store, &rec) == -1)
			return -1;
	}
	p->pending++;
	return PARSE_OK;
}

/*
 * True when a line that gave no event looks like a delivery result of
 * some MTA: the markers of issue 13 (Postfix "status=", Exim " ** " and
 * " == ", Sendmail "stat=", OpenSMTPD "result=").
 */
static bool
looks_like_result(const char *line, size_t len)
{
	static const struct {
		const char *s;
		size_t len;
	} marks[] = {
		{ SCAN_LIT("status=") },
		{ SCAN_LIT(" ** ") },
		{ SCAN_LIT(" == ") },
		{ SCAN_LIT("stat=") },
		{ SCAN_LIT("result=") },
	};
	size_t i;

	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (scan_find(line, line + len, marks[i].s, marks[i].len) !=
		    NULL)
			return true;
	return false;
}

/*
 * Keeps the first result-like line of an input that has given no event
 * yet, with the local parts of its addresses masked ("*@example.com":
 * no recipient address in a warning, STYLE 7) and control bytes as '?'.
 */
static size_t
mask_line(char *out, size_t cap, const char *line, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len && n < cap - 1; i++) {
		if (line[i] == '@')
			while (n > 0 && out[n - 1] != '<' &&
			    out[n - 1] != ' ' && out[n - 1] != '=' &&
			    out[n - 1] != ',' && out[n - 1] != '*')
				n--;
		if (line[i] == '@' && n < cap - 2)
			out[n++] = '*';
		/* No control byte of the input reaches the terminal. */
		out[n++] = (unsigned char)line[i] < 0x20 || line[i] == 0x7f
		    ? '?'
		    : line[i];
	}
	out[n] = '\0';
	return n;
}

static void
watch_skipped(
    struct pipeline_watch *w, const char *line, size_t len, enum bs_reason why)
{
	size_t n;

	if (w->events > 0 || w->len > 0 || !looks_like_result(line, len))
		return;
	n = mask_line(w->line, sizeof(w->line), line, len);
	w->len = n > 0 ? n : 1;
	w->reason = why;
}

/* A line skipped for its time (reason bad_time): counted, the first kept. */
static void
watch_bad_time(struct pipeline_watch *w, const char *line, size_t len)
{
	if (w->bad_time++ == 0)
		(void)mask_line(
		    w->bad_time_line, sizeof(w->bad_time_line), line, len);
}

int
pipeline_line(struct pipeline *p, const char *line, size_t len, unsigned flags)
{
	int rc;

	p->c.lines++;
	if (flags & LINEBUF_CUT)
		p->c.cut++;
	/* No memset of the event: the parser zeroes it (see mta.c). */
	rc = mta_parse_line(line, len, &p->ctx, &p->ev);
	p->line = line;
	p->line_len = len;
	if (rc != PARSE_OK) {
		if (rc == PARSE_SKIP)
			p->c.skipped++;
		else
			p->c.bad++;
		if (p->watch != NULL && p->watch->events == 0)
			watch_skipped(p->watch, line, len, p->ev.reason);
		if (p->watch != NULL && p->ev.reason == BS_REASON_BAD_TIME)
			watch_bad_time(p->watch, line, len);
		if (p->mt != NULL && msgtrack_joins(&p->lc)) { /* issue 16 */
			if (p->writer != NULL && !p->mt_here) {
				if (writer_lc_src(
					p->writer, &p->lc, line, len) == -1) {
					(void)writer_sync(p->writer);
					return -1;
				}
			} else if ((p->mt_here && join_begin(p) == -1) ||
			    msgtrack_line(p->mt, &p->lc) == -1) {
				if (p->mt_here)
					join_failed(p);
				return -1;
			}
		}
		return rc == PARSE_SKIP ? PARSE_SKIP : PARSE_BAD;
	}
	if (pipeline_event(p) == -1)
		return -1;
	/* One result per recipient of a multi-recipient line (Sendmail). */
	while (p->ev.rcpt_more.len > 0 && bs_event_next_rcpt(&p->ev))
		if (pipeline_event(p) == -1)
			return -1;
	return PARSE_OK;
}

/* The reason of the last line's result (BS_REASON_NONE for PARSE_OK). */
enum bs_reason
pipeline_reason(const struct pipeline *p)
{
	return p->ev.reason;
}

/* Sets (or clears, with NULL) the per-event callback; see pipeline.h. */
void
pipeline_set_event_fn(struct pipeline *p, pipeline_event_fn *fn, void *arg)
{
	p->event_fn = fn;
	p->event_arg = arg;
}

/* Sets (or clears, with NULL) the watch of the current input. */
void
pipeline_set_watch(struct pipeline *p, struct pipeline_watch *w)
{
	p->watch = w;
}

/*
 * See pipeline.h: logs the warning once, when w's input gave no event but
 * had a result-like line. Returns true when it warned.
 */
/* s through the text report's sanitiser into out (len bytes): no C1
 * control or bidi override of the input reaches the terminal or the
 * journal either. */
static void
shown_line(char *out, size_t len, const char *s)
{
	FILE *fp;

	if ((fp = fmemopen(out, len, "w")) != NULL) {
		fput_sanitized(fp, s, strlen(s));
		fclose(fp);
	}
}

bool
pipeline_watch_warn(struct pipeline_watch *w, const char *input)
{
	char shown[sizeof(w->line) + 1] = "";

	if (w->bad_time > 0 && !w->bad_time_warned) {
		w->bad_time_warned = true;
		shown_line(shown, sizeof(shown), w->bad_time_line);
		log_warnx("input: %s: %" PRIu64 " line%s with a time out of "
			  "range skipped (reason=bad_time: before 2000 or "
			  "over a day ahead); first: line=\"%s\"",
		    input, w->bad_time, w->bad_time == 1 ? "" : "s", shown);
		shown[0] = '\0';
	}
	if (w->warned || w->events > 0 || w->len == 0)
		return false;
	w->warned = true;
	/* the first result-like line was out of range: said just above */
	if (w->reason == BS_REASON_BAD_TIME && w->bad_time_warned)
		return true;
	shown_line(shown, sizeof(shown), w->line);
	log_warnx("input: %s: no delivery result, but lines look like one; "
		  "first: reason=%s line=\"%s\"",
	    input, bs_reason_name(w->reason), shown);
	return true;
}

void
pipeline_last(const struct pipeline *p, const struct bs_event **ev,
    const struct classify_result **cr, const char **provider)
{
	*ev = p->have_last ? &p->ev : NULL;
	*cr = p->have_last ? &p->cr : NULL;
	*provider = p->provider;
}

/* Begins a batch: store_begin(). 0 or -1 (see store_errmsg()). */
int
pipeline_begin(struct pipeline *p)
{
	p->base = p->c;
	if (p->writer != NULL) {
		/* Issue 16: the writer thread reloads the messages after a
		 * batch that was not committed (writer.h). */
		if (writer_begin(p->writer) == -1) {
			(void)writer_sync(p->writer);
			return -1;
		}
		/* Issue 14: a join here reads the store at its first use
		 * in the batch (join_begin()). */
		p->mt_begun = false;
		return 0;
	}
	if (store_begin(p->store) == -1)
		return -1;
	/* Issue 16: the last batch was rolled back (so are its messages),
	 * or another writer committed: the join reads them back. */
	if (p->mt != NULL && msgtrack_begin(p->mt, p->mt_txn) == -1) {
		(void)store_rollback(p->store);
		return -1;
	}
	p->mt_txn = true;
	return 0;
}

/*
 * Ends a batch: store_commit(). 0 or -1 (see pipeline_errmsg()). With a
 * writer thread the commit is only queued: its failure is reported by a
 * later call, pipeline_sync() at the latest.
 */
int
pipeline_commit(struct pipeline *p)
{
	uint64_t n[METRIC_LINE_COUNT];

	/* The batch's lines, for bouncestat_lines_total: stored with their
	 * counts, so the metric survives restarts and rolls back with them. */
	n[METRIC_LINE_SKIPPED] = p->c.skipped - p->base.skipped;
	n[METRIC_LINE_BAD] = p->c.bad - p->base.bad;
	/* Lines, not events: a Sendmail line gives one per recipient. */
	n[METRIC_LINE_DELIVERY] = p->c.lines - p->base.lines -
	    n[METRIC_LINE_SKIPPED] - n[METRIC_LINE_BAD];
	n[METRIC_LINE_CUT] = p->c.cut - p->base.cut;
	if (p->writer != NULL) {
		/* Issue 16: the thread flushes the messages before COMMIT;
		 * issue 14: or the join here hands them over. */
		if ((p->mt_here &&
			(join_begin(p) == -1 || msgtrack_flush(p->mt) == -1)) ||
		    writer_lines(p->writer, n) == -1 ||
		    writer_commit(p->writer) == -1) {
			join_failed(p);
			return -1;
		}
	} else if (/* issue 16: open messages go with the positions */
	    (p->mt != NULL && msgtrack_flush(p->mt) == -1) ||
	    metric_lines_add(p->store, n) == -1 || store_commit(p->store) == -1)
		return -1;
	p->mt_txn = false;
	p->pending = 0;
	return 0;
}

/*
 * Starts the writer thread (writer.h): from now on the store's half of
 * every line runs on it. 0, or -1 with errbuf set (the pipeline goes on
 * without one).
 */
int
pipeline_start_writer(struct pipeline *p, char *errbuf)
{
	if (p->writer != NULL || p->store == NULL)
		return 0;
	if ((p->writer = writer_new(p->store, errbuf)) == NULL)
		return -1;
	/* Issue 16: messages are tracked on the thread, with the store. */
	writer_set_msgtrack(p->writer, p->mt);
	return 0;
}

/* Issue 14: the sink of a join here (msgtrack.h), to the writer. */
static int
sink_put(void *arg, struct lc_msg *m, enum msg_act act, int64_t id)
{
	return writer_msg(((struct pipeline *)arg)->writer, m, act, id);
}

static int
sink_meta(void *arg, const char *key, const char *value)
{
	return writer_meta(((struct pipeline *)arg)->writer, key, value);
}

static int
sink_sync(void *arg)
{
	return writer_msgsync(((struct pipeline *)arg)->writer);
}

/* See pipeline.h. */
int
pipeline_start_writer_join_here(struct pipeline *p, char *errbuf)
{
	struct msgtrack_sink sink = { sink_put, sink_meta, sink_sync, p };
	struct message_store *ms;

	if (p->mt == NULL)
		return pipeline_start_writer(p, errbuf);
	if (p->writer != NULL || p->store == NULL)
		return 0;
	if ((ms = msgtrack_writer_store(p->mt, errbuf)) == NULL)
		return -1;
	if ((p->writer = writer_new(p->store, errbuf)) == NULL)
		return -1;
	writer_set_msgstore(p->writer, ms);
	msgtrack_set_sink(p->mt, &sink);
	p->mt_here = true;
	return 0;
}

/* See pipeline.h. */
void
pipeline_set_writer_keys(struct pipeline *p)
{
	if (p->writer == NULL || !p->mt_here)
		return;
	p->writer_keys = true;
	writer_set_caller_keys(p->writer, false);
}

/* Records a position in the batch: store_put_position(), in order. */
int
pipeline_put_position(struct pipeline *p, const struct store_position *pos)
{
	if (p->writer == NULL)
		return store_put_position(p->store, pos);
	if (writer_position(p->writer, pos) == -1) {
		(void)writer_sync(p->writer);
		return -1;
	}
	return 0;
}

/*
 * Waits until the writer thread has applied everything queued; then the
 * store may be used directly. 0, or -1 when something queued failed (its
 * transaction was rolled back; message in pipeline_errmsg()).
 */
int
pipeline_sync(struct pipeline *p)
{
	return p->writer != NULL ? writer_sync(p->writer) : 0;
}

/* Rolls the open batch back (after pipeline_sync()). 0 or -1. */
int
pipeline_rollback(struct pipeline *p)
{
	(void)pipeline_sync(p);
	return store_rollback(p->store);
}

/* The message of the last store failure, the writer's if it has one. */
const char *
pipeline_errmsg(const struct pipeline *p)
{
	return p->writer != NULL ? writer_errmsg(p->writer)
				 : store_errmsg(p->store);
}

/* See pipeline.h: asynchronous commits. */
int
pipeline_wait_commits(struct pipeline *p, uint64_t behind)
{
	return p->writer != NULL ? writer_wait_commits(p->writer, behind) : 0;
}

int
pipeline_poll(struct pipeline *p)
{
	return p->writer != NULL ? writer_poll(p->writer) : 1;
}

const char *
pipeline_failed_op(const struct pipeline *p)
{
	return p->writer != NULL ? writer_failed_op(p->writer) : "";
}

void
pipeline_set_notify(struct pipeline *p, void (*fn)(void *), void *arg)
{
	if (p->writer != NULL)
		writer_set_notify(p->writer, fn, arg);
}

int
pipeline_put_meta(struct pipeline *p, const char *key, const char *value)
{
	if (p->writer == NULL)
		return store_meta_set(p->store, key, value);
	if (writer_meta(p->writer, key, value) == -1) {
		(void)writer_sync(p->writer);
		return -1;
	}
	return 0;
}

/*
 * Issue 16: tracks messages with mt (owned from now on; NULL: none).
 * Before pipeline_start_writer().
 */
void
pipeline_set_msgtrack(struct pipeline *p, struct msgtrack *mt)
{
	msgtrack_free(p->mt);
	p->mt = mt;
	p->ctx.lc = mt != NULL ? &p->lc : NULL;
}

/*
 * Issue 16: the message tracking, or NULL. With a writer thread, read
 * it only after pipeline_sync().
 */
struct msgtrack *
pipeline_msgtrack(const struct pipeline *p)
{
	return p->mt;
}

uint64_t
pipeline_pending(const struct pipeline *p)
{
	return p->pending;
}

const struct pipeline_counters *
pipeline_counters(const struct pipeline *p)
{
	return &p->c;
}
