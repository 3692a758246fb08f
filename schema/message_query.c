/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See message_query.h. Every statement is a constant text; filters that
 * are not asked are bound as NULL and match everything ("(:x IS NULL OR
 * ...)"), so no SQL is built from input. Statements are prepared per
 * call: these are one-shot commands, not a hot path.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "message_query.h"
#include "sql.h"
#include "store_priv.h"

static const char *const key_names[MSG_KEY_COUNT] = {
	"",
	"sender-domain",
	"sasl-user",
	"client",
	"transport",
	"host",
};

const char *
msg_key_name(enum msg_key k)
{
	return (unsigned)k < MSG_KEY_COUNT ? key_names[k] : "";
}

int
msg_key_from_name(const char *s, enum msg_key *out)
{
	int i;

	for (i = 1; i < MSG_KEY_COUNT; i++)
		if (strcmp(s, key_names[i]) == 0) {
			*out = (enum msg_key)i;
			return 0;
		}
	return -1;
}

/*
 * A message's recipients are in its row (migration 0011): message.rcpts,
 * one array per recipient, [rcpt, domain, provider, relay, transport,
 * status, class, code, attempts, first - m.first, last - m.first],
 * read with json_each() as r: r.value ->> 0 is the address, and so on
 * (the view message_rcpt has the same, for the sqlite3 shell; joined
 * here it would be materialised whole).
 *
 * --open: messages with no end (final 0), but a Sendmail message whose
 * every recipient has a final result (its state is their outcome, see
 * lifecycle_join.c): Sendmail logs no removal, and such a message has
 * left its queue.
 */
#define MSG_FROM                                                               \
	" FROM message m JOIN name mt ON mt.id = m.mta"                        \
	" JOIN name h ON h.id = m.host JOIN name i ON i.id = m.instance"       \
	" JOIN name su ON su.id = m.sasl_user"                                 \
	" JOIN name sd ON sd.id = m.sender_domain"                             \
	" LEFT JOIN json_each(m.rcpts) r"                                      \
	" LEFT JOIN name d ON d.id = r.value ->> 1"                            \
	" LEFT JOIN name p ON p.id = r.value ->> 2"                            \
	" LEFT JOIN name rl ON rl.id = r.value ->> 3"                          \
	" LEFT JOIN name t ON t.id = r.value ->> 4"

/*
 * --incident: a recipient's times are within its message's and its
 * class name is in the message's text, so the message-level test (done
 * before its recipients are parsed) only spares work. A dnsbl incident's
 * key is a DNSBL and a listed IP at every receiver (daemon/detect): its
 * recipients are those with a failure event naming that list and IP
 * (event_dnsbl) in the incident's time and the recipient's, for the same
 * queue id, logging host and recipient domain (events keep no address).
 */
#define MSG_WHERE                                                              \
	" WHERE m.last >= :since AND m.first < :until"                         \
	" AND (:open = 0 OR (m.final = 0 AND NOT (mt.s = 'sendmail'"           \
	"  AND m.state IN ('sent', 'bounced', 'expired'))))"                   \
	" AND (:domain IS NULL OR d.s = :domain OR p.s = :domain)"             \
	" AND (:cls IS NULL OR r.value ->> 6 = :cls)"                          \
	" AND (:status IS NULL OR r.value ->> 5 = :status"                     \
	"  OR m.state = :status)"                                              \
	" AND (:sdom IS NULL OR sd.s = :sdom)"                                 \
	" AND (:sasl IS NULL OR su.s = :sasl)"                                 \
	" AND (:client IS NULL OR m.client = :client)"                         \
	" AND (:transport IS NULL OR t.s = :transport)"                        \
	" AND (:host IS NULL OR h.s = :host)"                                  \
	" AND ((:qid IS NULL AND :msgid IS NULL AND :addr IS NULL)"            \
	"  OR m.queue_id = :qid OR m.message_id = :msgid"                      \
	"  OR m.sender = :addr COLLATE NOCASE OR ((:addr_like IS NULL"         \
	"  OR m.rcpts LIKE :addr_like ESCAPE '\\') AND EXISTS (SELECT 1"       \
	"  FROM json_each(m.rcpts) x"                                          \
	"  WHERE x.value ->> 0 = :addr COLLATE NOCASE)))"                      \
	" AND (:inc = 0 OR (m.last >= :inc_from AND m.first < :inc_to"         \
	"  AND (:inc_clsq IS NULL OR instr(m.rcpts, :inc_clsq) > 0)))"         \
	" AND (:inc = 0 OR (m.first + r.value ->> 10 >= :inc_from"             \
	"  AND m.first + r.value ->> 9 < :inc_to"                              \
	"  AND (:inc_key IS NULL OR d.s = :inc_key OR p.s = :inc_key)"         \
	"  AND (:inc_cls IS NULL OR r.value ->> 6 = :inc_cls)"                 \
	"  AND (:inc_bl IS NULL OR EXISTS (SELECT 1 FROM event e"              \
	"  WHERE e.dnsbl <> 0 AND e.dnsbl = :inc_bl AND e.listed_ip = :inc_ip" \
	"  AND e.t >= max(:inc_from, m.first + r.value ->> 9)"                 \
	"  AND e.t <= min(:inc_to - 1, m.first + r.value ->> 10)"              \
	"  AND e.queue_id = m.queue_id AND e.host = m.host"                    \
	"  AND e.domain = r.value ->> 1))))"

static const char sql_rows[] =
    "SELECT m.id, m.queue_id, mt.s, h.s, i.s, m.first, m.last, m.final,"
    " m.state, m.sender, su.s, m.client, m.message_id, m.size, m.nrcpt,"
    " m.failed, coalesce(r.value ->> 0, ''), coalesce(d.s, ''),"
    " coalesce(p.s, ''), coalesce(rl.s, ''), coalesce(t.s, ''),"
    " coalesce(r.value ->> 5, ''), coalesce(r.value ->> 6, ''),"
    " coalesce(r.value ->> 7, 0), coalesce(r.value ->> 8, 0),"
    " coalesce(m.first + r.value ->> 9, 0),"
    " coalesce(m.first + r.value ->> 10, 0)" MSG_FROM MSG_WHERE
    " ORDER BY m.first DESC, m.id DESC, r.value ->> 0";

/* The incident's key, class and time into the filter's parameters. */
struct inc {
	char kind[64], key[256];
	char clsq[64]; /* the class as it appears in message.rcpts */
	char ip[64];   /* dnsbl: the listed IP */
	int64_t from, to;
	int64_t bl, blip; /* dnsbl: the list's and the IP's name ids */
	bool key_set;
	const char *cls;
};

static int
incident_of(struct store *st, int64_t id, struct inc *in)
{
	struct sql_stmt q;
	enum bs_class c;
	const char *s;
	int rc;

	if (sql_prepare(st, &q, "message incident",
		"SELECT kind, key, start - win, CASE resolved WHEN 0 THEN"
		" 9223372036854775807 ELSE resolved END, listed_ip FROM incident"
		" WHERE id = ?1",
		false) == -1)
		return -1;
	if (sqlite3_bind_int64(q.s, 1, id) != SQLITE_OK) {
		rc = sql_fail(st, &q);
		sql_finalize(&q);
		return rc;
	}
	if ((rc = sql_step(st, &q)) != SQL_ROW) {
		sql_finalize(&q);
		return rc == -1
		    ? -1
		    : store_failx(st, "no incident %lld", (long long)id);
	}
	snprintf(in->kind, sizeof(in->kind), "%s", sql_text(&q, 0, NULL));
	snprintf(in->key, sizeof(in->key), "%s", sql_text(&q, 1, NULL));
	in->from = sql_int64(&q, 2);
	in->to = sql_int64(&q, 3);
	snprintf(in->ip, sizeof(in->ip), "%s", sql_text(&q, 4, NULL));
	sql_finalize(&q);
	s = in->kind;
	in->key_set = true;
	in->cls = NULL;
	if (strcmp(s, "dnsbl") == 0) {
		/* the key is a DNSBL and the listed IP, at every receiver:
		 * the recipients whose failure named them (MSG_WHERE) */
		in->cls = "blacklisted";
		in->key_set = false;
		if (store_name_id(st, in->key, &in->bl) == -1 ||
		    store_name_id(st, in->ip, &in->blip) == -1)
			return -1;
	} else if (bs_class_from_name(s, strlen(s), &c) == 0)
		in->cls = bs_class_name(c);
	if (in->cls != NULL)
		snprintf(in->clsq, sizeof(in->clsq), "\"%s\"", in->cls);
	return 0;
}

/* Binds text or NULL by name when q has the parameter. */
static int
bind_opt(struct store *st, struct sql_stmt *q, const char *name, const char *v)
{
	return sql_bind_opt_text(st, q, name, v);
}

/* The filter's range, domain and class: the binds message_by() shares. */
static int
bind_range(struct store *st, struct sql_stmt *q, const struct msg_filter *f)
{
	if (sql_bind_opt_int64(st, q, ":since", f->since, false) == -1 ||
	    sql_bind_opt_int64(st, q, ":until",
		f->until > 0 ? f->until : INT64_MAX, false) == -1 ||
	    bind_opt(st, q, ":domain", f->domain) == -1 ||
	    bind_opt(st, q, ":cls", f->cls) == -1)
		return -1;
	return 0;
}

/*
 * A LIKE pattern (ESCAPE '\') for a as it appears in message.rcpts' JSON
 * text, into buf, when it needs no escape there and fits, else NULL: a
 * substring test that spares parsing the recipients of every message
 * (trace ADDRESS). LIKE folds ASCII case, as the exact test after it
 * (COLLATE NOCASE): addresses are kept as logged, and a postmaster types
 * li.wei@qq.com for Li.Wei@QQ.Com.
 */
static const char *
addr_like(const char *a, char *buf, size_t n)
{
	const unsigned char *p;
	size_t k = 0;

	if (a == NULL || n < 3)
		return NULL;
	buf[k++] = '%';
	for (p = (const unsigned char *)a; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			return NULL;
		if (k + 4 > n)
			return NULL;
		if (*p == '%' || *p == '_')
			buf[k++] = '\\';
		buf[k++] = (char)*p;
	}
	buf[k++] = '%';
	buf[k] = '\0';
	return buf;
}

static int
bind_filter(struct store *st, struct sql_stmt *q, const struct msg_filter *f)
{
	struct inc in;
	char like[1100];

	memset(&in, 0, sizeof(in));
	if (f->incident > 0 && incident_of(st, f->incident, &in) == -1)
		return -1;
	if (bind_range(st, q, f) == -1 ||
	    sql_bind_opt_int64(st, q, ":open", f->open_only, false) == -1 ||
	    bind_opt(st, q, ":status", f->status) == -1 ||
	    bind_opt(st, q, ":sdom", f->key[MSG_KEY_SENDER_DOMAIN]) == -1 ||
	    bind_opt(st, q, ":sasl", f->key[MSG_KEY_SASL_USER]) == -1 ||
	    bind_opt(st, q, ":client", f->key[MSG_KEY_CLIENT]) == -1 ||
	    bind_opt(st, q, ":transport", f->key[MSG_KEY_TRANSPORT]) == -1 ||
	    bind_opt(st, q, ":host", f->key[MSG_KEY_HOST]) == -1 ||
	    bind_opt(st, q, ":qid", f->queue_id) == -1 ||
	    bind_opt(st, q, ":msgid", f->message_id) == -1 ||
	    bind_opt(st, q, ":addr", f->address) == -1 ||
	    bind_opt(st, q, ":addr_like",
		addr_like(f->address, like, sizeof(like))) == -1 ||
	    sql_bind_opt_int64(st, q, ":inc", f->incident > 0, false) == -1 ||
	    sql_bind_opt_int64(st, q, ":inc_from", in.from, false) == -1 ||
	    sql_bind_opt_int64(st, q, ":inc_to", in.to, false) == -1 ||
	    bind_opt(st, q, ":inc_key", in.key_set ? in.key : NULL) == -1 ||
	    bind_opt(st, q, ":inc_cls", in.cls) == -1 ||
	    sql_bind_opt_int64(st, q, ":inc_bl", in.bl,
		in.kind[0] == '\0' || strcmp(in.kind, "dnsbl") != 0) == -1 ||
	    sql_bind_opt_int64(st, q, ":inc_ip", in.blip, false) == -1 ||
	    bind_opt(st, q, ":inc_clsq", in.cls != NULL ? in.clsq : NULL) == -1)
		return -1;
	return 0;
}

/* The caller's row function, one of four types, and its argument. */
struct each {
	union {
		msg_row_fn *row;
		int (*attempt)(void *, const struct msg_attempt *);
		int (*by)(void *, const struct msg_by_row *);
		int (*expiry)(void *, const struct msg_expiry_row *);
	} fn;
	void *arg;
};

/*
 * Steps q to its end, read(q, e) on each row (which reads it and calls
 * e's function), then finalizes q: the number of rows, or -1 (also when
 * read returns -1).
 */
static int
each_row(struct store *st, struct sql_stmt *q,
    int (*read)(const struct sql_stmt *, const struct each *),
    const struct each *e)
{
	int rc, n = 0;

	while ((rc = sql_step(st, q)) == SQL_ROW) {
		n++;
		if (read(q, e) == -1) {
			sql_finalize(q);
			return -1;
		}
	}
	sql_finalize(q);
	return rc == -1 ? -1 : n;
}

static int
message_row(const struct sql_stmt *q, const struct each *e)
{
	struct msg_row r;

	r.id = sql_int64(q, 0);
	r.queue_id = sql_text(q, 1, NULL);
	r.mta = sql_text(q, 2, NULL);
	r.host = sql_text(q, 3, NULL);
	r.instance = sql_text(q, 4, NULL);
	r.first = sql_int64(q, 5);
	r.last = sql_int64(q, 6);
	r.final = sql_int64(q, 7);
	r.state = sql_text(q, 8, NULL);
	r.sender = sql_text(q, 9, NULL);
	r.sasl_user = sql_text(q, 10, NULL);
	r.client = sql_text(q, 11, NULL);
	r.message_id = sql_text(q, 12, NULL);
	r.size = sql_int64(q, 13);
	r.nrcpt = sql_int64(q, 14);
	r.failed = sql_int64(q, 15);
	r.rcpt = sql_text(q, 16, NULL);
	r.domain = sql_text(q, 17, NULL);
	r.provider = sql_text(q, 18, NULL);
	r.relay = sql_text(q, 19, NULL);
	r.transport = sql_text(q, 20, NULL);
	r.status = sql_text(q, 21, NULL);
	r.cls = sql_text(q, 22, NULL);
	r.code = sql_int(q, 23);
	r.attempts = sql_int64(q, 24);
	r.rfirst = sql_int64(q, 25);
	r.rlast = sql_int64(q, 26);
	return e->fn.row(e->arg, &r);
}

int
message_query(
    struct store *st, const struct msg_filter *f, msg_row_fn *fn, void *arg)
{
	struct sql_stmt q;
	struct each e;

	if (sql_prepare(st, &q, "message query", sql_rows, false) == -1)
		return -1;
	if (bind_filter(st, &q, f) == -1) {
		sql_finalize(&q);
		return -1;
	}
	e.fn.row = fn;
	e.arg = arg;
	return each_row(st, &q, message_row, &e);
}

static int
attempt_row(const struct sql_stmt *q, const struct each *e)
{
	struct msg_attempt a;

	a.t = sql_int64(q, 0);
	a.status = sql_text(q, 1, NULL);
	a.domain = sql_text(q, 2, NULL);
	a.relay = sql_text(q, 3, NULL);
	a.relay_ip = sql_text(q, 4, NULL);
	a.cls = sql_text(q, 5, NULL);
	a.reply = sql_text(q, 6, &a.reply_len);
	a.code = sql_int(q, 7);
	a.flags = sql_int(q, 8);
	return e->fn.attempt(e->arg, &a);
}

int
message_attempts(struct store *st, const char *qid, const char *host,
    const char *instance, int64_t first, int64_t last,
    int (*fn)(void *, const struct msg_attempt *), void *arg)
{
	struct sql_stmt q;
	struct each e;

	if (sql_prepare(st, &q, "message attempts",
		"SELECT e.t, v.status, v.domain, v.relay, v.relay_ip,"
		" v.class, v.reply, v.code, v.flags FROM event e JOIN event_v v"
		" ON v.id = e.id WHERE e.queue_id = :qid AND e.t >= :first"
		" AND e.t <= :last AND (:host IS NULL OR e.host ="
		" (SELECT id FROM name WHERE s = :host)) AND (:inst IS NULL"
		" OR e.instance = 0 OR e.instance ="
		" (SELECT id FROM name WHERE s = :inst)) ORDER BY e.t, e.id",
		false) == -1)
		return -1;
	if ((host != NULL &&
		sql_bind_text(st, &q, ":host", host, strlen(host)) == -1) ||
	    (instance != NULL && instance[0] != '\0' &&
		sql_bind_text(st, &q, ":inst", instance, strlen(instance)) ==
		    -1) ||
	    sql_bind_text(st, &q, ":qid", qid, strlen(qid)) == -1 ||
	    sql_bind_int64(st, &q, ":first", first) == -1 ||
	    sql_bind_int64(st, &q, ":last", last) == -1) {
		sql_finalize(&q);
		return -1;
	}
	e.fn.attempt = fn;
	e.arg = arg;
	return each_row(st, &q, attempt_row, &e);
}

/*
 * Counts by a key. The recipients in the range are read out of their
 * JSON once (rc, materialised: each `->>` parses its element again, and
 * the top class's subquery runs per key), with k the key: kexpr its
 * value (a name id, or the client's text since version 11), kjoin what
 * names it as kname. The filters (range, host, class, domain) are
 * applied in rc, so the top class is that of the filtered recipients.
 */
#define BY_SQL(kexpr, kjoin, kname)                                            \
	"WITH rc AS MATERIALIZED (SELECT m.id AS mid, " kexpr " AS k,"         \
	" r.value ->> 0 AS rcpt, r.value ->> 1 AS dom, r.value ->> 2 AS prov," \
	" r.value ->> 5 AS status, r.value ->> 6 AS cls"                       \
	" FROM message m, json_each(m.rcpts) r"                                \
	" WHERE m.last >= :since AND m.first < :until"                         \
	" AND (:host IS NULL OR m.host = (SELECT id FROM name"                 \
	"  WHERE s = :host))"                                                  \
	" AND (:cls IS NULL OR r.value ->> 6 = :cls)"                          \
	" AND (:domain IS NULL OR (SELECT id FROM name WHERE s = :domain)"     \
	"  IN (r.value ->> 1, r.value ->> 2)))"                                \
	" SELECT " kname ", count(DISTINCT r.mid), count(r.rcpt),"             \
	" sum(r.status = 'sent'), sum(r.status = 'deferred'),"                 \
	" sum(r.status = 'bounced'), sum(r.status = 'expired'),"               \
	" (SELECT r2.cls FROM rc r2 WHERE r2.k = r.k AND r2.cls != 'none'"     \
	"  GROUP BY r2.cls ORDER BY count(*) DESC LIMIT 1)"                    \
	" FROM rc r" kjoin                                                     \
	" GROUP BY r.k ORDER BY sum(r.status != 'sent') DESC,"                 \
	" count(r.rcpt) DESC, " kname " LIMIT :top"

/* A key that is a name id (of m or of the recipient r). */
#define BY_NAME(kexpr) BY_SQL(kexpr, " JOIN name k ON k.id = r.k", "k.s")

static const char *const by_sql[MSG_KEY_COUNT] = {
	"",
	BY_NAME("m.sender_domain"),
	BY_NAME("m.sasl_user"),
	BY_SQL("m.client", "", "r.k"),
	BY_NAME("r.value ->> 4"),
	BY_NAME("m.host"),
};

static int
by_row(const struct sql_stmt *q, const struct each *e)
{
	struct msg_by_row r;

	r.name = sql_text(q, 0, NULL);
	r.messages = sql_int64(q, 1);
	r.rcpts = sql_int64(q, 2);
	r.sent = sql_int64(q, 3);
	r.deferred = sql_int64(q, 4);
	r.bounced = sql_int64(q, 5);
	r.expired = sql_int64(q, 6);
	r.top_class = sql_text(q, 7, NULL);
	return e->fn.by(e->arg, &r);
}

int
message_by(struct store *st, enum msg_key key, const struct msg_filter *f,
    int top, int (*fn)(void *, const struct msg_by_row *), void *arg)
{
	struct sql_stmt q;
	struct each e;

	if (key <= MSG_KEY_NONE || key >= MSG_KEY_COUNT)
		return store_failx(st, "no such key");
	if (sql_prepare(st, &q, "message by", by_sql[key], false) == -1)
		return -1;
	if (bind_range(st, &q, f) == -1 ||
	    bind_opt(st, &q, ":host", f->key[MSG_KEY_HOST]) == -1 ||
	    sql_bind_opt_int64(st, &q, ":top", top > 0 ? top : -1, false) ==
		-1) {
		sql_finalize(&q);
		return -1;
	}
	e.fn.by = fn;
	e.arg = arg;
	return each_row(st, &q, by_row, &e);
}

static int
expiry_row(const struct sql_stmt *q, const struct each *e)
{
	struct msg_expiry_row r;

	r.provider = sql_text(q, 0, NULL);
	r.messages = sql_int64(q, 1);
	r.rcpts = sql_int64(q, 2);
	r.soonest = sql_int64(q, 3);
	return e->fn.expiry(e->arg, &r);
}

int
message_expiry(struct store *st, int64_t now, int64_t lifetime, int64_t horizon,
    const char *provider, int (*fn)(void *, const struct msg_expiry_row *),
    void *arg)
{
	struct sql_stmt q;
	struct each e;

	if (sql_prepare(st, &q, "message expiry",
		"SELECT CASE WHEN p.s != '' THEN p.s ELSE d.s END AS prov,"
		" count(DISTINCT m.id), count(*), min(m.first + :life)"
		" FROM message m, json_each(m.rcpts) r"
		" JOIN name p ON p.id = r.value ->> 2"
		" JOIN name d ON d.id = r.value ->> 1"
		" WHERE m.final = 0 AND r.value ->> 5 = 'deferred'"
		" AND m.first + :life >= :now"
		" AND m.first + :life < :now + :horizon"
		" AND (:prov IS NULL OR p.s = :prov OR d.s = :prov)"
		" GROUP BY prov ORDER BY 3 DESC, 1",
		false) == -1)
		return -1;
	if (sql_bind_int64(st, &q, ":life", lifetime) == -1 ||
	    sql_bind_int64(st, &q, ":now", now) == -1 ||
	    sql_bind_int64(st, &q, ":horizon", horizon) == -1 ||
	    bind_opt(st, &q, ":prov", provider) == -1) {
		sql_finalize(&q);
		return -1;
	}
	e.fn.expiry = fn;
	e.arg = arg;
	return each_row(st, &q, expiry_row, &e);
}
