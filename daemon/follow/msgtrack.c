/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See msgtrack.h. Owns the join and the message store's statements.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf.h"
#include "log.h"
#include "message.h"
#include "msgtrack.h"

struct msgtrack {
	struct store *st;
	struct message_store *ms;
	struct lc_join *join;
	size_t max_open;
	int64_t lifetime;
	int64_t saved_newest; /* the join's newest as meta holds it */
	/* the counters of the joins freed by msgtrack_begin() (all but
	 * open, which is the current join's) */
	struct lc_counters before;
	/* issue 14: the store's own ops, the sink (msgtrack_set_sink()) and
	 * the writer thread's store (msgtrack_writer_store()) */
	struct lc_ops ms_ops;
	struct msgtrack_sink sink;
	bool has_sink;
	enum msg_addr_mode addr;
	enum msg_records records;
	struct message_store *wms;
};

/*
 * The join's newest (lc_join_newest()) in meta, written at flush with
 * the open messages and the positions: a restart takes it back, so that
 * the quiet threshold and the time of a message first seen on a
 * time-less line are those of an uninterrupted run.
 */
#define MT_META_NEWEST "lifecycle.newest"

static int
restore(void *arg, struct lc_msg *m)
{
	return lc_join_restore(arg, m);
}

/* lc_ops.put: to the store, or planned and to the sink (issue 14). */
static int
mt_put(void *arg, struct lc_msg *m)
{
	struct msgtrack *mt = arg;
	enum msg_act act;
	int64_t id;

	if (!mt->has_sink)
		return mt->ms_ops.put(mt->ms_ops.arg, m);
	if (message_store_plan(mt->ms, m, &act, &id) == -1)
		return -1;
	return act == MSG_ACT_NONE ? 0 : mt->sink.put(mt->sink.arg, m, act, id);
}

/* lc_ops.find: from the store, once the writer is idle (issue 14). */
static int
mt_find(void *arg, const struct lc_key *k, struct lc_msg *out)
{
	struct msgtrack *mt = arg;

	if (mt->has_sink && mt->sink.sync(mt->sink.arg) == -1)
		return -1;
	return mt->ms_ops.find(mt->ms_ops.arg, k, out);
}

static int
load(struct msgtrack *mt)
{
	struct lc_ops ops = { mt_put, mt_find, mt };
	char buf[32];
	int64_t t = 0;

	if ((mt->join = lc_join_new(mt->max_open, mt->lifetime, &ops)) == NULL)
		return -1;
	/* Those past the limit stay stored: the join notes their keys. */
	if (message_store_load_open(mt->ms, mt->max_open, restore, mt->join) ==
	    -1)
		return -1;
	switch (store_meta_get(mt->st, MT_META_NEWEST, buf, sizeof(buf))) {
	case -1:
		return -1;
	case 1: /* a bad value is as none: the open messages' own */
		if (sscanf(buf, "%" SCNd64, &t) != 1)
			t = 0;
		break;
	default:
		break;
	}
	mt->saved_newest = t;
	lc_join_set_newest(mt->join, t);
	return 0;
}

struct msgtrack *
msgtrack_new(struct store *st, const struct conf *conf, char *errbuf)
{
	struct msgtrack *mt;

	errbuf[0] = '\0';
	if (!conf->lifecycle || st == NULL)
		return NULL;
	if ((mt = calloc(1, sizeof(*mt))) == NULL) {
		snprintf(errbuf, BS_ERRLEN, "messages: out of memory");
		return NULL;
	}
	mt->st = st;
	mt->max_open = (size_t)conf->lifecycle_max_open;
	mt->lifetime = conf->queue_lifetime_ms / 1000;
	mt->addr = (enum msg_addr_mode)conf->store_addresses;
	mt->records = (enum msg_records)conf->message_records;
	if ((mt->ms = message_store_new(st, mt->addr, mt->records, errbuf)) ==
	    NULL) {
		free(mt);
		return NULL;
	}
	message_store_ops(mt->ms, &mt->ms_ops);
	if (load(mt) == -1) {
		snprintf(errbuf, BS_ERRLEN, "messages: loading open ones: %s",
		    store_errmsg(st));
		msgtrack_free(mt);
		return NULL;
	}
	return mt;
}

void
msgtrack_free(struct msgtrack *mt)
{
	if (mt == NULL)
		return;
	lc_join_free(mt->join);
	message_store_free(mt->ms);
	message_store_free(mt->wms);
	free(mt);
}

void
msgtrack_set_sink(struct msgtrack *mt, const struct msgtrack_sink *sink)
{
	mt->sink = *sink;
	mt->has_sink = true;
}

struct message_store *
msgtrack_writer_store(struct msgtrack *mt, char *errbuf)
{
	if (mt->wms == NULL)
		mt->wms =
		    message_store_new(mt->st, mt->addr, mt->records, errbuf);
	return mt->wms;
}

int
msgtrack_line(struct msgtrack *mt, const struct lc_line *lc)
{
	if (!msgtrack_joins(lc))
		return 0;
	return lc_join_line(mt->join, lc);
}

int
msgtrack_event(struct msgtrack *mt, const struct bs_event *ev,
    const struct classify_result *cr, const char *provider,
    const struct lc_line *lc)
{
	return lc_join_event(mt->join, ev, cr, provider, lc);
}

int
msgtrack_line_h(struct msgtrack *mt, const struct lc_line *lc, uint64_t h)
{
	if (!msgtrack_joins(lc))
		return 0;
	return lc_join_line_h(mt->join, lc, h);
}

int
msgtrack_event_h(struct msgtrack *mt, const struct bs_event *ev,
    const struct classify_result *cr, const char *provider,
    const struct lc_line *lc, uint64_t h)
{
	return lc_join_event_h(mt->join, ev, cr, provider, lc, h);
}

int
msgtrack_flush(struct msgtrack *mt)
{
	char buf[32];
	int64_t t;

	if (lc_join_flush(mt->join) == -1 || message_store_sync(mt->ms) == -1)
		return -1;
	if ((t = lc_join_newest(mt->join)) == mt->saved_newest)
		return 0;
	snprintf(buf, sizeof(buf), "%" PRId64, t);
	if (mt->has_sink
		? mt->sink.meta(mt->sink.arg, MT_META_NEWEST, buf) == -1
		: store_meta_set(mt->st, MT_META_NEWEST, buf) == -1)
		return -1;
	/* rolled back with the batch: load() reads it again */
	mt->saved_newest = t;
	return 0;
}

/* Forgets what is held and reads the open messages back; the counters
 * go on from where they were. */
static int
reload(struct msgtrack *mt)
{
	struct lc_counters c;

	msgtrack_counters(mt, &c);
	mt->before = c;
	lc_join_free(mt->join);
	mt->join = NULL;
	message_store_forget(mt->ms);
	/* issue 14: the writer thread's, which is idle (msgtrack.h) */
	if (mt->wms != NULL)
		message_store_forget(mt->wms);
	return load(mt);
}

int
msgtrack_begin(struct msgtrack *mt, bool rolled_back)
{
	if (!rolled_back && !store_changed_elsewhere(mt->st))
		return 0;
	if (reload(mt) == -1)
		return -1;
	store_elsewhere_seen(mt->st);
	return 0;
}

void
msgtrack_counters(const struct msgtrack *mt, struct lc_counters *out)
{
	const struct lc_counters *c = lc_join_counters(mt->join);
	const struct lc_counters *b = &mt->before;

	out->opened = b->opened + c->opened;
	out->closed = b->closed + c->closed;
	out->evicted = b->evicted + c->evicted;
	out->reloaded = b->reloaded + c->reloaded;
	out->reused = b->reused + c->reused;
	out->quiet = b->quiet + c->quiet;
	out->dropped = b->dropped + c->dropped;
	out->open = c->open;
}

/* See msgtrack.h. */
void
msgtrack_log(const struct msgtrack *mt)
{
	struct lc_counters n, *c = &n;

	if (mt == NULL)
		return;
	msgtrack_counters(mt, &n);
	log_info("messages: open=%llu opened=%llu closed=%llu evicted=%llu "
		 "reloaded=%llu reused=%llu quiet=%llu rcpt_dropped=%llu",
	    (unsigned long long)c->open, (unsigned long long)c->opened,
	    (unsigned long long)c->closed, (unsigned long long)c->evicted,
	    (unsigned long long)c->reloaded, (unsigned long long)c->reused,
	    (unsigned long long)c->quiet, (unsigned long long)c->dropped);
}
