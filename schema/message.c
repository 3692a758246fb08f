/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See message.h. The writer binds by position (the statements are fixed
 * texts below); strings are interned through the store's name cache.
 * A message is inserted when first flushed and updated after, with its
 * recipients packed in its row (message.rcpts, JSON: migration 0011),
 * sorted by stored address, written whole each time. With
 * message_records = failed, a message that ended with no failure is not
 * kept (deleted if it was written while open).
 *
 * New message rows wait in a small buffer and go in MSG_BATCH at a
 * time, one multi-row INSERT (a statement costs about as much as the
 * rows it writes). A new message's id is chosen here (the largest + 1,
 * which is what SQLite would choose). Anything else (update, delete, a
 * read, the end of the batch: message_store_sync()) writes the buffer
 * first, so that the order of effects is that of the calls.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "message.h"
#include "message_extent.h"
#include "store_impl.h"

#define MSG_BATCH 16 /* rows per multi-row INSERT */
#define MSG_COLS  19 /* message columns, id and rcpts included */

enum {
	M_INSERT,
	M_INSERT_N,
	M_MAXID,
	M_UPDATE,
	M_DELETE,
	M_FIND,
	M_RCPTS,
	M_OPEN,
	M_COUNT
};

/* A message's recipients (message.rcpts, migration 0011), in the order
 * stored (by address). */
#define RCPTS_SQL                                                              \
	"SELECT r.value ->> 0, p.s, rl.s, t.s, r.value ->> 5, r.value ->> 6,"  \
	" r.value ->> 7, r.value ->> 8, m.first + r.value ->> 9,"              \
	" m.first + r.value ->> 10 FROM message m, json_each(m.rcpts) r"       \
	" JOIN name p ON p.id = r.value ->> 2"                                 \
	" JOIN name rl ON rl.id = r.value ->> 3"                               \
	" JOIN name t ON t.id = r.value ->> 4 WHERE m.id = ?1 ORDER BY r.key"

static const struct {
	const char *name, *sql;
} msql[M_COUNT] = {
	/* M_INSERT and M_INSERT_N: texts made by many_sql(), from this
	 * head */
	{ "message insert",
	    "INSERT OR FAIL INTO message (id, mta, host, instance, queue_id,"
	    " first, last, final, state, sender, sender_domain, sasl_user,"
	    " client, message_id, size, nrcpt, failed, flags, rcpts) VALUES " },
	{ "message insert many", NULL },
	{ "message max id", "SELECT coalesce(max(id), 0) + 1 FROM message" },
	{ "message update",
	    "UPDATE message SET mta = ?1, host = ?2, instance = ?3,"
	    " queue_id = ?4, first = ?5, last = ?6, final = ?7, state = ?8,"
	    " sender = ?9, sender_domain = ?10, sasl_user = ?11, client = ?12,"
	    " message_id = ?13, size = ?14, nrcpt = ?15, failed = ?16,"
	    " flags = ?17, rcpts = ?18 WHERE id = ?19" },
	{ "message delete", "DELETE FROM message WHERE id = ?1" },
	{ "message find",
	    "SELECT m.id FROM message m INDEXED BY message_qid"
	    " JOIN name mt ON mt.id = m.mta"
	    " JOIN name h ON h.id = m.host JOIN name i ON i.id = m.instance"
	    " WHERE m.queue_id = ?1 AND m.final = 0 AND mt.s = ?2"
	    " AND h.s = ?3 AND i.s = ?4 ORDER BY m.id DESC LIMIT 1" },
	{ "message rcpts", RCPTS_SQL },
	{ "message open",
	    "SELECT m.id, mt.s, h.s, i.s, m.queue_id, m.first, m.last,"
	    " m.state, m.sender, su.s, m.client, m.message_id, m.size, m.nrcpt,"
	    " m.failed, m.flags FROM message m JOIN name mt ON mt.id = m.mta"
	    " JOIN name h ON h.id = m.host JOIN name i ON i.id = m.instance"
	    " JOIN name su ON su.id = m.sasl_user"
	    " WHERE m.final = 0 AND (?1 = 0 OR m.id = ?1)"
	    " ORDER BY m.last DESC, m.id DESC" },
};

/* The last name interned per column: most repeat (host, instance,
 * relay, provider, transport); forgotten on rollback. */
enum {
	C_MTA,
	C_HOST,
	C_INST,
	C_PROV,
	C_RELAY,
	C_TRANS,
	C_SDOM,
	C_RDOM, /* issue 14: a recipient's domain */
	C_SASL, /* issue 14: mostly empty */
	C_COUNT
};

struct name_memo {
	int64_t id; /* -1: none */
	size_t n;   /* strlen(s) */
	char s[LC_NAME_MAX];
};

/* A message row waiting for its INSERT (columns in M_INSERT's order). */
struct pend_msg {
	int64_t id, mta, host, inst, first, last, final, sdom, sasl;
	int64_t size, nrcpt, failed, flags;
	const char *state; /* a constant */
	size_t roff, rlen; /* its rcpts in message_store.rbuf */
	/* issue 14: the lengths of the texts below, bound with them (a
	 * length of -1 has SQLite count the bytes one at a time) */
	size_t qlen, slen, clen, mlen;
	char qid[LC_QID_MAX];
	char client[LC_ADDR_MAX]; /* text, not a name (version 11) */
	char sender[LC_ADDR_MAX + 24];
	char message_id[LC_MSGID_MAX];
};

/* A recipient's stored address form, while its message is packed. */
struct rform {
	char addr[LC_ADDR_MAX + 24];
	size_t i;                     /* index in the message's recipients */
	int64_t dom, prov, relay, tr; /* name ids */
};

struct message_store {
	struct store *st;
	enum msg_addr_mode addr;
	enum msg_records records;
	struct sql_stmt q[M_COUNT];
	struct name_memo memo[C_COUNT];
	int64_t next_id; /* the next new message's id; 0: ask the table */
	size_t nmsg;
	struct pend_msg pmsg[MSG_BATCH];
	/* The rcpts texts of the rows waiting (and of an update while it
	 * runs); emptied when they are written. */
	char *rbuf;
	size_t rused, rcap;
	struct rform *forms; /* per recipient of the message being packed */
	size_t fcap;
	/* issue 14: the integers last bound to M_INSERT_N's parameters
	 * (bind_msg()); bmemo_ok false: none known */
	int64_t bmemo[MSG_BATCH * MSG_COLS];
	/* issue 14: the state text (a constant) last bound per row of
	 * M_INSERT_N, valid with bmemo */
	const char *smemo[MSG_BATCH];
	bool bmemo_ok;
	int64_t last_id; /* the row id of the last insert */
	/* issue 14: message_store_plan()'s last handle, and the writer's
	 * map of handles to row ids (open addressing, h 0: empty) */
	int64_t handle;
	struct hslot {
		int64_t h, id;
	} * hmap;
	size_t hmask, hn;
};

/*
 * head followed by rows groups of cols "?" (numbered by position), into
 * buf (n bytes). 0, or -1 when it does not fit.
 */
static int
many_sql(char *buf, size_t n, const char *head, int rows, int cols)
{
	size_t len = strlen(head);
	int r, c;

	if (len + 1 > n)
		return -1;
	memcpy(buf, head, len + 1);
	for (r = 0; r < rows; r++)
		for (c = 0; c < cols; c++) {
			if (len + 4 > n)
				return -1;
			buf[len++] = c == 0 ? (r == 0 ? '(' : ',') : ',';
			if (c == 0 && r > 0)
				buf[len++] = '(';
			buf[len++] = '?';
			if (c == cols - 1)
				buf[len++] = ')';
			buf[len] = '\0';
		}
	return 0;
}

struct message_store *
message_store_new(struct store *st, enum msg_addr_mode addr,
    enum msg_records records, char *errbuf)
{
	struct message_store *ms;
	size_t i;

	if ((ms = calloc(1, sizeof(*ms))) == NULL) {
		snprintf(errbuf, BS_ERRLEN, "message store: out of memory");
		return NULL;
	}
	ms->st = st;
	ms->addr = addr;
	ms->records = records;
	message_store_forget(ms);
	for (i = 0; i < M_COUNT; i++) {
		char sql[4096];
		const char *text = msql[i].sql;

		if (i == M_INSERT || i == M_INSERT_N) {
			if (many_sql(sql, sizeof(sql), msql[M_INSERT].sql,
				i == M_INSERT ? 1 : MSG_BATCH,
				MSG_COLS) == -1) {
				snprintf(errbuf, BS_ERRLEN,
				    "message store: statement too long");
				message_store_free(ms);
				return NULL;
			}
			text = sql;
		}
		if (sql_prepare(st, &ms->q[i], msql[i].name, text, true) ==
		    -1) {
			snprintf(errbuf, BS_ERRLEN, "%s", store_errmsg(st));
			message_store_free(ms);
			return NULL;
		}
	}
	return ms;
}

void
message_store_free(struct message_store *ms)
{
	size_t i;

	if (ms == NULL)
		return;
	for (i = 0; i < M_COUNT; i++)
		sql_finalize(&ms->q[i]);
	free(ms->rbuf);
	free(ms->forms);
	free(ms->hmap);
	free(ms);
}

size_t
message_addr_form(
    enum msg_addr_mode mode, const char *a, size_t len, char *out, size_t n)
{
	const char *at = NULL;
	size_t i;
	int w;

	for (i = len; i > 0; i--)
		if (a[i - 1] == '@') {
			at = a + i - 1;
			break;
		}
	if (mode == MSG_ADDR_YES || len == 0 || (at == NULL && mode != 0)) {
		w = (int)(len < n ? len : n - 1);
		memcpy(out, a, (size_t)w);
		out[w] = '\0';
	} else if (mode == MSG_ADDR_HASH)
		w = snprintf(out, n, "h:%016llx%.*s",
		    (unsigned long long)bs_hash64(
			BS_HASH_INIT, a, (size_t)(at - a)),
		    (int)(a + len - at), at);
	else
		w = snprintf(out, n, "%.*s", (int)(a + len - at), at);
	if (w < 0)
		return 0;
	return (size_t)w < n ? (size_t)w : n - 1;
}

/* store_intern_name() through the column's one-entry memo. */
static int
intern_col(struct message_store *ms, int col, const char *s, int64_t *id)
{
	struct name_memo *m = &ms->memo[col];
	size_t n = strlen(s);

	if (m->id >= 0 && m->n == n && memcmp(m->s, s, n) == 0) {
		*id = m->id;
		return 0;
	}
	if (store_intern_name(ms->st, s, n, id) == -1)
		return -1;
	if (n < sizeof(m->s)) {
		memcpy(m->s, s, n + 1);
		m->n = n;
		m->id = *id;
	}
	return 0;
}

/* See message.h: after a rollback, ids of names may be gone. */
void
message_store_forget(struct message_store *ms)
{
	size_t i;

	for (i = 0; i < C_COUNT; i++)
		ms->memo[i].id = -1;
	/* the rows waiting rolled back with the rest, and the rows of the
	 * handles mapped (the join reloads its messages) */
	ms->nmsg = 0;
	free(ms->hmap);
	ms->hmap = NULL;
	ms->hmask = ms->hn = 0;
	ms->rused = 0;
	ms->next_id = 0;
}

static const char *
domain_of(const char *a)
{
	const char *at = strrchr(a, '@');

	return at != NULL ? at + 1 : "";
}

static int
bind_text(struct message_store *ms, struct sql_stmt *q, int i, const char *s)
{
	/* static: every string outlives the statement's step */
	if (sqlite3_bind_text(q->s, i, s, -1, SQLITE_STATIC) != SQLITE_OK)
		return sql_fail(ms->st, q);
	return 0;
}

/* bind_text() of s's first n bytes (no NUL among them). */
static int
bind_textn(struct message_store *ms, struct sql_stmt *q, int i, const char *s,
    size_t n)
{
	if (sqlite3_bind_text(q->s, i, s, (int)n, SQLITE_STATIC) != SQLITE_OK)
		return sql_fail(ms->st, q);
	return 0;
}

/*
 * Issue 14: the state text of row r of M_INSERT_N (memo non-NULL), bound
 * only when another constant than the one bound there before (a state
 * name is a constant: the same pointer, the same bytes).
 */
static int
bind_state(struct message_store *ms, struct sql_stmt *q, int i,
    const char *state, const char **smemo)
{
	if (smemo != NULL) {
		if (*smemo == state)
			return 0;
		*smemo = state;
	}
	return bind_textn(ms, q, i, state, strlen(state));
}

static int
bind_int(struct message_store *ms, struct sql_stmt *q, int i, int64_t v)
{
	if (sqlite3_bind_int64(q->s, i, v) != SQLITE_OK)
		return sql_fail(ms->st, q);
	return 0;
}

/*
 * Issue 14: bind_int() at parameter i (1 on), unless memo (NULL: none)
 * says v is bound there already: M_INSERT_N keeps its bindings between
 * runs (exec_bound()), and many of a row's integers are those of the
 * row at the same place in the statement before (mta, host, instance,
 * sender domain, SASL user, counts, flags); a bind costs about 85
 * instructions.
 */
static int
bind_int_m(struct message_store *ms, struct sql_stmt *q, int64_t *memo, int i,
    int64_t v)
{
	if (memo != NULL) {
		if (memo[i - 1] == v)
			return 0;
		memo[i - 1] = v;
	}
	return bind_int(ms, q, i, v);
}

/*
 * Binds message row p at parameter o + 1 on; o = -1: from mta on, at 1
 * (M_UPDATE, which takes id last). Integers through memo (see
 * bind_int_m(); M_INSERT_N only, else NULL). 0 or -1.
 */
static int
bind_msg(struct message_store *ms, struct sql_stmt *q, int o,
    const struct pend_msg *p, int64_t *memo, const char **smemo)
{
	if ((o >= 0 && bind_int_m(ms, q, memo, o + 1, p->id) == -1) ||
	    bind_int_m(ms, q, memo, o + 2, p->mta) == -1 ||
	    bind_int_m(ms, q, memo, o + 3, p->host) == -1 ||
	    bind_int_m(ms, q, memo, o + 4, p->inst) == -1 ||
	    bind_textn(ms, q, o + 5, p->qid, p->qlen) == -1 ||
	    bind_int_m(ms, q, memo, o + 6, p->first) == -1 ||
	    bind_int_m(ms, q, memo, o + 7, p->last) == -1 ||
	    bind_int_m(ms, q, memo, o + 8, p->final) == -1 ||
	    bind_state(ms, q, o + 9, p->state, smemo) == -1 ||
	    bind_textn(ms, q, o + 10, p->sender, p->slen) == -1 ||
	    bind_int_m(ms, q, memo, o + 11, p->sdom) == -1 ||
	    bind_int_m(ms, q, memo, o + 12, p->sasl) == -1 ||
	    bind_textn(ms, q, o + 13, p->client, p->clen) == -1 ||
	    bind_textn(ms, q, o + 14, p->message_id, p->mlen) == -1 ||
	    bind_int_m(ms, q, memo, o + 15, p->size) == -1 ||
	    bind_int_m(ms, q, memo, o + 16, p->nrcpt) == -1 ||
	    bind_int_m(ms, q, memo, o + 17, p->failed) == -1 ||
	    bind_int_m(ms, q, memo, o + 18, p->flags) == -1)
		return -1;
	/* static: rbuf is not moved before the statement has run */
	if (sqlite3_bind_text(q->s, o + 19, ms->rbuf + p->roff, (int)p->rlen,
		SQLITE_STATIC) != SQLITE_OK)
		return sql_fail(ms->st, q);
	return 0;
}

/*
 * Runs q, whose every parameter the caller has bound: reset, but its
 * bindings not cleared (sqlite3_clear_bindings() walks all 304 of a
 * 16-row statement's). 0 or -1.
 */
static int
exec_bound(struct message_store *ms, struct sql_stmt *q)
{
	if (sqlite3_step(q->s) != SQLITE_DONE)
		return sql_fail(ms->st, q);
	sqlite3_reset(q->s);
	return 0;
}

/*
 * Writes the rows waiting: a full buffer in one statement, fewer one
 * by one (the end of a batch). 0 or -1 (the rows are dropped: the
 * transaction fails and rolls back).
 */
static int
flush_rows(struct message_store *ms)
{
	struct sql_stmt *q;
	size_t i, n;
	int rc = 0;

	n = ms->nmsg;
	ms->nmsg = 0;
	q = &ms->q[n == MSG_BATCH ? M_INSERT_N : M_INSERT];
	if (n == MSG_BATCH && !ms->bmemo_ok) {
		for (i = 0; i < MSG_BATCH * MSG_COLS; i++)
			ms->bmemo[i] = INT64_MIN;
		for (i = 0; i < MSG_BATCH; i++)
			ms->smemo[i] = NULL;
		ms->bmemo_ok = true;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (bind_msg(ms, q, n == MSG_BATCH ? (int)i * MSG_COLS : 0,
			&ms->pmsg[i], n == MSG_BATCH ? ms->bmemo : NULL,
			n == MSG_BATCH ? &ms->smemo[i] : NULL) == -1)
			rc = -1;
		else if ((n != MSG_BATCH || i == n - 1) &&
		    exec_bound(ms, q) == -1)
			rc = -1;
	}
	/* a failure cleared M_INSERT_N's bindings (sql_fail()) */
	if (rc == -1 && n == MSG_BATCH)
		ms->bmemo_ok = false;
	ms->rused = 0;
	return rc;
}

int
message_store_sync(struct message_store *ms)
{
	/*
	 * The last writes of the transaction (msgtrack_flush() runs right
	 * before every commit): the next transaction asks the table for
	 * the next id again, as another process (a second import at once)
	 * may have added messages in between. It reused ids before, and
	 * its insert failed on message.id.
	 */
	ms->next_id = 0;
	if (ms->nmsg == 0)
		return 0;
	return flush_rows(ms);
}

/* Room for n more bytes in rbuf. 0 or -1. */
static int
rb_room(struct message_store *ms, size_t n)
{
	size_t cap;
	char *b;

	if (ms->rused + n <= ms->rcap)
		return 0;
	cap = ms->rcap == 0 ? 4096 : ms->rcap;
	while (cap < ms->rused + n)
		cap *= 2;
	if ((b = realloc(ms->rbuf, cap)) == NULL)
		return store_failx(ms->st, "out of memory");
	ms->rbuf = b;
	ms->rcap = cap;
	return 0;
}

/*
 * s (n bytes) as a JSON string at d, which has room for its worst case
 * (n * 6 + 2). Returns the end.
 */
/* Has v a zero byte? (exact; bytes from 0x80 count as non-zero) */
#define ZBYTE(v)                                                               \
	(((v)-UINT64_C(0x0101010101010101)) & ~(v)&UINT64_C(0x8080808080808080))

/*
 * Issue 14: true when none of the 8 bytes of v needs escaping in
 * put_str() (a control byte below 0x20, '"', '\\', 0x7f). The tests are
 * exact for bytes below 0x80 and never true for one from 0x80 on, which
 * is plain.
 */
static inline bool
plain8(uint64_t v)
{
	uint64_t ctl = (v - UINT64_C(0x2020202020202020)) & ~v &
	    UINT64_C(0x8080808080808080);

	return (ctl | ZBYTE(v ^ UINT64_C(0x2222222222222222)) |
		   ZBYTE(v ^ UINT64_C(0x5c5c5c5c5c5c5c5c)) |
		   ZBYTE(v ^ UINT64_C(0x7f7f7f7f7f7f7f7f))) == 0;
}

static char *
put_str(char *d, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0;
	uint64_t v;

	*d++ = '"';
	/* Issue 14: the plain bytes 8 at a time (the room is 6 a byte) */
	for (; i + 8 <= n; i += 8, d += 8) {
		memcpy(&v, s + i, 8);
		if (!plain8(v))
			break;
		memcpy(d, &v, 8);
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			*d++ = '\\';
			*d++ = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			*d++ = '\\';
			*d++ = 'u';
			*d++ = '0';
			*d++ = '0';
			*d++ = hex[c >> 4];
			*d++ = hex[c & 15];
		} else
			*d++ = (char)c;
	}
	*d++ = '"';
	return d;
}

/* Room put_int() may take: the separator, a sign and 20 digits. */
#define PUT_INT_MAX 22

/* c then v in decimal at d (PUT_INT_MAX bytes of room). Returns the
 * end. */
static char *
put_int(char *d, char c, int64_t v)
{
	char tmp[24], *e = tmp + sizeof(tmp), *p = e;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	*d++ = c;
	while (p < e)
		*d++ = *p++;
	return d;
}

static int
rb_char(struct message_store *ms, char c)
{
	if (rb_room(ms, 1) == -1)
		return -1;
	ms->rbuf[ms->rused++] = c;
	return 0;
}

/*
 * Recipient r of m (its form f), as one array, after sep (0: none).
 * Issue 14: room for the whole array is made once, and its parts
 * written without a check each (eleven calls that each made room took
 * 1,400 instructions a recipient). 0 or -1.
 */
static int
pack_rcpt(struct message_store *ms, const struct lc_msg *m,
    const struct lc_rcpt *r, const struct rform *f, char sep)
{
	const char *status = bs_status_name((enum bs_status)r->status);
	const char *cls = bs_class_name((enum bs_class)r->cls);
	size_t na = strlen(f->addr), ns = strlen(status), nc = strlen(cls);
	char *d;

	/* sep [ "addr" 4 ints , "status" , "class" 4 ints ] */
	if (rb_room(ms,
		2 + na * 6 + 2 + 4 * PUT_INT_MAX + 1 + ns * 6 + 2 + 1 + nc * 6 +
		    2 + 4 * PUT_INT_MAX + 1) == -1)
		return -1;
	d = ms->rbuf + ms->rused;
	if (sep != 0)
		*d++ = sep;
	*d++ = '[';
	d = put_str(d, f->addr, na);
	d = put_int(d, ',', f->dom);
	d = put_int(d, ',', f->prov);
	d = put_int(d, ',', f->relay);
	d = put_int(d, ',', f->tr);
	*d++ = ',';
	d = put_str(d, status, ns);
	*d++ = ',';
	d = put_str(d, cls, nc);
	d = put_int(d, ',', r->code);
	d = put_int(d, ',', r->attempts);
	d = put_int(d, ',', r->first - m->first);
	d = put_int(d, ',', r->last - m->first);
	*d++ = ']';
	ms->rused = (size_t)(d - ms->rbuf);
	return 0;
}

static int
form_cmp(const void *a, const void *b)
{
	const struct rform *x = a, *y = b;
	int c = strcmp(x->addr, y->addr);

	if (c != 0)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * m's recipients as message.rcpts at the end of rbuf (*off, *len):
 * sorted by stored address (the order the table's key gave before
 * version 11, whatever order the join holds them in); of two that are
 * stored alike (store_addresses hash or domain) the later one. 0 or -1.
 */
static int
pack_rcpts(
    struct message_store *ms, const struct lc_msg *m, size_t *off, size_t *len)
{
	struct rform one, *f = &one;
	size_t i;
	char sep = 0;

	*off = ms->rused;
	if (m->nr > 1) {
		if (m->nr > ms->fcap) {
			size_t cap = m->nr < 16 ? 16 : m->nr;

			if ((f = realloc(ms->forms, cap * sizeof(*f))) == NULL)
				return store_failx(ms->st, "out of memory");
			ms->forms = f;
			ms->fcap = cap;
		}
		f = ms->forms;
	}
	/* names interned in the join's order (the ids new names get do
	 * not depend on the stored order) */
	for (i = 0; i < m->nr; i++) {
		const struct lc_rcpt *r = &m->r[i];

		message_addr_form(ms->addr, r->addr,
		    strnlen(r->addr, sizeof(r->addr)), f[i].addr,
		    sizeof(f[i].addr));
		f[i].i = i;
		if (intern_col(ms, C_RDOM, domain_of(r->addr), &f[i].dom) ==
			-1 ||
		    intern_col(ms, C_PROV, r->provider, &f[i].prov) == -1 ||
		    intern_col(ms, C_RELAY, r->relay, &f[i].relay) == -1 ||
		    intern_col(ms, C_TRANS, r->transport, &f[i].tr) == -1)
			return -1;
	}
	if (m->nr > 1)
		qsort(f, m->nr, sizeof(*f), form_cmp);
	if (rb_char(ms, '[') == -1)
		return -1;
	for (i = 0; i < m->nr; i++) {
		if (i + 1 < m->nr && strcmp(f[i].addr, f[i + 1].addr) == 0)
			continue; /* the later one is kept */
		if (pack_rcpt(ms, m, &m->r[f[i].i], &f[i], sep) == -1)
			return -1;
		sep = ',';
	}
	if (rb_char(ms, ']') == -1)
		return -1;
	*len = ms->rused - *off;
	return 0;
}

static int
delete_msg(struct message_store *ms, int64_t id)
{
	if (message_store_sync(ms) == -1 ||
	    bind_int(ms, &ms->q[M_DELETE], 1, id) == -1 ||
	    sql_exec(ms->st, &ms->q[M_DELETE]) == -1)
		return -1;
	return 0;
}

/* The id of a new message (the table's largest + 1). 0 or -1. */
static int
new_id(struct message_store *ms, int64_t *id)
{
	struct sql_stmt *q = &ms->q[M_MAXID];
	int rc;

	if (ms->next_id == 0) {
		if ((rc = sql_step(ms->st, q)) != SQL_ROW) {
			sql_reset(q);
			return rc == -1 ? -1
					: store_failx(ms->st, "message: no id");
		}
		ms->next_id = sql_int64(q, 0);
		sql_reset(q);
	}
	*id = ms->next_id++;
	return 0;
}

/* Copies string field s of a record (n bytes, NUL within) to d (as
 * large). Returns its length. */
static size_t
field(char *d, const char *s, size_t n)
{
	size_t len = strnlen(s, n - 1);

	memcpy(d, s, len);
	d[len] = '\0';
	return len;
}

/*
 * What put does with m (see message.h): *act, and *id, m's row id or
 * handle (0: none). A new message gets the next handle in m->id when
 * handles, else nothing yet (its row id comes with the write). 0.
 */
static int
plan(struct message_store *ms, struct lc_msg *m, bool handles,
    enum msg_act *act, int64_t *id)
{
	*id = m->id;
	if (m->final != 0 && m->failed == 0 &&
	    ms->records == MSG_RECORDS_FAILED) {
		*act = m->id != 0 ? MSG_ACT_DELETE : MSG_ACT_NONE;
		m->id = 0;
		return 0;
	}
	if (m->id != 0) {
		*act = MSG_ACT_UPDATE;
		return 0;
	}
	*act = MSG_ACT_INSERT;
	if (handles)
		m->id = *id = --ms->handle;
	return 0;
}

/* See message.h. */
int
message_store_plan(
    struct message_store *ms, struct lc_msg *m, enum msg_act *act, int64_t *id)
{
	return plan(ms, m, true, act, id);
}

/* The slot of handle h in the map, or of the empty slot it would take. */
static size_t
hmap_slot(const struct message_store *ms, int64_t h)
{
	size_t i = (size_t)((uint64_t)h * UINT64_C(0x9e3779b97f4a7c15) >> 20) &
	    ms->hmask;

	while (ms->hmap[i].h != 0 && ms->hmap[i].h != h)
		i = (i + 1) & ms->hmask;
	return i;
}

/* Maps handle h to row id. 0 or -1 (memory). */
static int
hmap_put(struct message_store *ms, int64_t h, int64_t id)
{
	struct hslot *old = ms->hmap, *nm;
	size_t i, n = ms->hmask + 1;

	if (ms->hmap == NULL || 2 * (ms->hn + 1) > n) {
		n = ms->hmap == NULL ? 256 : 2 * n;
		if ((nm = calloc(n, sizeof(*nm))) == NULL)
			return store_failx(ms->st, "out of memory");
		ms->hmap = nm;
		ms->hmask = n - 1;
		for (i = 0; old != NULL && i < n / 2; i++)
			if (old[i].h != 0)
				ms->hmap[hmap_slot(ms, old[i].h)] = old[i];
		free(old);
	}
	i = hmap_slot(ms, h);
	if (ms->hmap[i].h == 0)
		ms->hn++;
	ms->hmap[i].h = h;
	ms->hmap[i].id = id;
	return 0;
}

/* The row id of handle h, 0: none; with drop, the mapping goes. */
static int64_t
hmap_take(struct message_store *ms, int64_t h, bool drop)
{
	size_t i, j, k;
	int64_t id;

	if (ms->hmap == NULL || ms->hmap[i = hmap_slot(ms, h)].h == 0)
		return 0;
	id = ms->hmap[i].id;
	if (!drop)
		return id;
	/* backward shift: the slots after i that may move into it */
	ms->hn--;
	for (j = i;;) {
		ms->hmap[i].h = 0;
		for (;;) {
			j = (j + 1) & ms->hmask;
			if (ms->hmap[j].h == 0)
				return id;
			k = (size_t)((uint64_t)ms->hmap[j].h *
				    UINT64_C(0x9e3779b97f4a7c15) >>
				20) &
			    ms->hmask;
			/* j stays when k lies cyclically in (i, j] */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		ms->hmap[i] = ms->hmap[j];
		i = j;
	}
}

/*
 * The row id of m's put (id: a row id, or a handle of
 * message_store_plan()), the handle's mapping dropped when m is final
 * or act a delete. 0 or -1 (a handle never written).
 */
static int
row_id(struct message_store *ms, const struct lc_msg *m, enum msg_act act,
    int64_t *id)
{
	if (*id >= 0)
		return 0;
	if ((*id = hmap_take(
		 ms, *id, act == MSG_ACT_DELETE || m->final != 0)) == 0)
		return store_failx(ms->st, "message: unknown handle");
	return 0;
}

/* See message.h: act on m (its row id is id). */
int
message_store_write(
    struct message_store *ms, struct lc_msg *m, enum msg_act act, int64_t id)
{
	struct pend_msg one, *p;
	struct sql_stmt *q;
	int rc;

	int64_t handle = id;

	switch (act) {
	case MSG_ACT_NONE:
		return 0;
	case MSG_ACT_DELETE:
		if (row_id(ms, m, act, &id) == -1)
			return -1;
		return delete_msg(ms, id);
	case MSG_ACT_INSERT:
		if (ms->nmsg == MSG_BATCH && flush_rows(ms) == -1)
			return -1;
		/* its id, as put always chose it (message.h) */
		if (new_id(ms, &id) == -1 ||
		    (handle < 0 && m->final == 0 &&
			hmap_put(ms, handle, id) == -1))
			return -1;
		p = &ms->pmsg[ms->nmsg];
		break;
	default:
		if (row_id(ms, m, act, &id) == -1)
			return -1;
		/* an update: the rows waiting go first */
		if (message_store_sync(ms) == -1)
			return -1;
		p = &one;
		break;
	}
	p->slen = message_addr_form(ms->addr, m->sender, strlen(m->sender),
	    p->sender, sizeof(p->sender));
	if (intern_col(ms, C_MTA, bs_mta_name((enum bs_mta)m->mta), &p->mta) ==
		-1 ||
	    intern_col(ms, C_HOST, m->host, &p->host) == -1 ||
	    intern_col(ms, C_INST, m->instance, &p->inst) == -1 ||
	    intern_col(ms, C_SDOM, domain_of(m->sender), &p->sdom) == -1 ||
	    intern_col(ms, C_SASL, m->sasl_user, &p->sasl) == -1 ||
	    pack_rcpts(ms, m, &p->roff, &p->rlen) == -1)
		return -1;
	p->qlen = field(p->qid, m->qid, sizeof(m->qid));
	p->clen = field(p->client, m->client, sizeof(m->client));
	p->mlen = field(p->message_id, m->message_id, sizeof(m->message_id));
	p->first = m->first;
	p->last = m->last;
	p->final = m->final;
	p->state = lc_state_name((enum lc_state)m->state);
	p->size = m->size;
	p->nrcpt = m->nrcpt;
	p->failed = m->failed;
	p->flags = (m->has_start ? 1 : 0) | (m->has_sender ? 2 : 0);
	p->id = id;
	if (act == MSG_ACT_INSERT) {
		ms->last_id = id;
		ms->nmsg++;
		return 0;
	}
	/* M_UPDATE: the columns in M_INSERT's order, less id, then id */
	q = &ms->q[M_UPDATE];
	rc = bind_msg(ms, q, -1, p, NULL, NULL) == -1 ||
		bind_int(ms, q, 19, id) == -1 || sql_exec(ms->st, q) == -1
	    ? -1
	    : 0;
	ms->rused = 0; /* nothing else waits (synced above) */
	return rc;
}

/* lc_ops.put: see message.h. */
static int
msg_put(void *arg, struct lc_msg *m)
{
	struct message_store *ms = arg;
	enum msg_act act;
	int64_t id;

	if (plan(ms, m, false, &act, &id) == -1 ||
	    message_store_write(ms, m, act, id) == -1)
		return -1;
	if (act == MSG_ACT_INSERT)
		m->id = ms->last_id;
	return 0;
}

static void
copy(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s);
}

/* The recipients of message m->id into m->r. 0 or -1. */
static int
read_rcpts(struct message_store *ms, struct lc_msg *m)
{
	struct sql_stmt *q = &ms->q[M_RCPTS];
	struct lc_rcpt *r;
	enum bs_status st;
	enum bs_class cl;
	const char *s;
	size_t len;
	int rc;

	if (bind_int(ms, q, 1, m->id) == -1)
		return -1;
	while ((rc = sql_step(ms->st, q)) == SQL_ROW) {
		if (m->nr == m->cap) {
			size_t n = m->cap == 0 ? 4 : m->cap * 2;

			if ((r = realloc(m->r, n * sizeof(*r))) == NULL) {
				sql_reset(q);
				return store_failx(ms->st, "out of memory");
			}
			m->r = r;
			m->cap = n;
		}
		r = &m->r[m->nr++];
		memset(r, 0, sizeof(*r));
		copy(r->addr, sizeof(r->addr), sql_text(q, 0, NULL));
		copy(r->provider, sizeof(r->provider), sql_text(q, 1, NULL));
		copy(r->relay, sizeof(r->relay), sql_text(q, 2, NULL));
		copy(r->transport, sizeof(r->transport), sql_text(q, 3, NULL));
		s = sql_text(q, 4, &len);
		r->status = bs_status_from_name(s, len, &st) == 0
		    ? (uint8_t)st
		    : BS_STATUS_NONE;
		s = sql_text(q, 5, &len);
		r->cls = bs_class_from_name(s, len, &cl) == 0 ? (uint8_t)cl
							      : BS_CLASS_NONE;
		r->code = (int16_t)sql_int(q, 6);
		r->attempts = (uint16_t)sql_int(q, 7);
		r->first = sql_int64(q, 8);
		r->last = sql_int64(q, 9);
	}
	sql_reset(q);
	return rc == -1 ? -1 : 0;
}

/* The current row of M_OPEN into *m (recipients read later). */
static void
read_msg(struct sql_stmt *q, struct lc_msg *m)
{
	enum bs_mta mta;
	enum lc_state ls;
	const char *s;
	size_t len;
	int flags;

	memset(m, 0, sizeof(*m));
	m->id = sql_int64(q, 0);
	s = sql_text(q, 1, &len);
	m->mta = bs_mta_from_name(s, len, &mta) == 0 ? (uint8_t)mta : 0;
	copy(m->host, sizeof(m->host), sql_text(q, 2, NULL));
	copy(m->instance, sizeof(m->instance), sql_text(q, 3, NULL));
	copy(m->qid, sizeof(m->qid), sql_text(q, 4, NULL));
	m->first = sql_int64(q, 5);
	m->last = sql_int64(q, 6);
	s = sql_text(q, 7, &len);
	m->state = lc_state_from_name(s, len, &ls) == 0 ? (uint8_t)ls : 0;
	copy(m->sender, sizeof(m->sender), sql_text(q, 8, NULL));
	copy(m->sasl_user, sizeof(m->sasl_user), sql_text(q, 9, NULL));
	copy(m->client, sizeof(m->client), sql_text(q, 10, NULL));
	copy(m->message_id, sizeof(m->message_id), sql_text(q, 11, NULL));
	m->size = sql_int64(q, 12);
	m->nrcpt = sql_int64(q, 13);
	m->failed = (uint32_t)sql_int64(q, 14);
	flags = sql_int(q, 15);
	m->has_start = (flags & 1) != 0;
	m->has_sender = (flags & 2) != 0;
}

/* lc_ops.find: the open message of key k. 1, 0 or -1. */
static int
msg_find(void *arg, const struct lc_key *k, struct lc_msg *out)
{
	struct message_store *ms = arg;
	struct sql_stmt *q = &ms->q[M_FIND], *o = &ms->q[M_OPEN];
	char host[LC_HOST_MAX], inst[LC_INST_MAX], qid[LC_QID_MAX];
	int64_t id;
	int rc;

	snprintf(host, sizeof(host), "%.*s", (int)k->host.len, k->host.ptr);
	snprintf(
	    inst, sizeof(inst), "%.*s", (int)k->instance.len, k->instance.ptr);
	snprintf(qid, sizeof(qid), "%.*s", (int)k->qid.len, k->qid.ptr);
	if (message_store_sync(ms) == -1)
		return -1;
	if (bind_text(ms, q, 1, qid) == -1 ||
	    bind_text(ms, q, 2, bs_mta_name(k->mta)) == -1 ||
	    bind_text(ms, q, 3, host) == -1 || bind_text(ms, q, 4, inst) == -1)
		return -1;
	if ((rc = sql_step(ms->st, q)) != SQL_ROW) {
		sql_reset(q);
		return rc == SQL_DONE ? 0 : -1;
	}
	id = sql_int64(q, 0);
	sql_reset(q);
	if (bind_int(ms, o, 1, id) == -1)
		return -1;
	if ((rc = sql_step(ms->st, o)) != SQL_ROW) {
		sql_reset(o);
		return rc == SQL_DONE ? 0 : -1;
	}
	read_msg(o, out);
	sql_reset(o);
	if (read_rcpts(ms, out) == -1) {
		lc_msg_clear(out);
		return -1;
	}
	return 1;
}

void
message_store_ops(struct message_store *ms, struct lc_ops *out)
{
	out->put = msg_put;
	out->find = msg_find;
	out->arg = ms;
}

int
message_store_load_open(struct message_store *ms, size_t max,
    int (*fn)(void *arg, struct lc_msg *m), void *arg)
{
	struct sql_stmt *o = &ms->q[M_OPEN];
	struct lc_msg m;
	size_t n = 0;
	int rc;

	/* Streamed: the recipients' statement steps while this one is
	 * open (reads on one connection); past max, no recipients. */
	if (message_store_sync(ms) == -1 || bind_int(ms, o, 1, 0) == -1)
		return -1;
	while ((rc = sql_step(ms->st, o)) == SQL_ROW) {
		read_msg(o, &m);
		if (n < max && read_rcpts(ms, &m) == -1) {
			sql_reset(o);
			return -1;
		}
		n++;
		if (fn(arg, &m) == -1) {
			lc_msg_clear(&m);
			sql_reset(o);
			return store_failx(ms->st, "out of memory");
		}
		lc_msg_clear(&m);
	}
	sql_reset(o);
	return rc == -1 ? -1 : (int)(n > INT32_MAX ? INT32_MAX : n);
}

int
message_store_prune(struct store *st, int64_t before)
{
	struct sql_stmt q;
	int64_t old;
	char buf[32];
	int rc;

	/* recipients are in the row (version 11) */
	if (sql_prepare(st, &q, "message prune",
		"DELETE FROM message WHERE final != 0 AND last < ?1",
		false) == -1)
		return -1;
	rc = sqlite3_bind_int64(q.s, 1, before) == SQLITE_OK ? sql_exec(st, &q)
							     : sql_fail(st, &q);
	sql_finalize(&q);
	if (rc == -1 || message_pruned_before(st, &old) == -1)
		return -1;
	if (before <= old)
		return rc;
	snprintf(buf, sizeof(buf), "%" PRId64, before);
	return store_meta_set(st, MESSAGE_META_PRUNED, buf) == -1 ? -1 : rc;
}
