/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See msg_render.h. Rows of one message arrive one after the other
 * (message_query() orders by message), so grouping compares with the
 * last message only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "csv.h"
#include "incidents.h"
#include "json.h"
#include "msg_render.h"
#include "sanitize.h"
#include "term.h"
#include "util.h"

static char *
dup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = xmalloc(n);

	memcpy(d, s, n);
	return d;
}

int
msg_list_add(void *arg, const struct msg_row *r)
{
	struct msg_list *l = arg;
	struct msg_out *o;
	struct msg_rcpt_out *x;

	if (l->n == 0 || l->v[l->n - 1].m.id != r->id) {
		if (l->n == l->cap) {
			l->cap = l->cap == 0 ? 16 : l->cap * 2;
			l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
		}
		o = &l->v[l->n++];
		memset(o, 0, sizeof(*o));
		o->m = *r;
		o->m.queue_id = dup(r->queue_id);
		o->m.mta = dup(r->mta);
		o->m.host = dup(r->host);
		o->m.instance = dup(r->instance);
		o->m.state = dup(r->state);
		o->m.sender = dup(r->sender);
		o->m.sasl_user = dup(r->sasl_user);
		o->m.client = dup(r->client);
		o->m.message_id = dup(r->message_id);
		o->m.rcpt = o->m.domain = o->m.provider = o->m.relay =
		    o->m.transport = o->m.status = o->m.cls = "";
	}
	o = &l->v[l->n - 1];
	if (r->rcpt[0] == '\0')
		return 0;
	o->r = xrealloc(o->r, (o->nr + 1) * sizeof(*o->r));
	x = &o->r[o->nr++];
	x->rcpt = dup(r->rcpt);
	x->domain = dup(r->domain);
	x->provider = dup(r->provider);
	x->relay = dup(r->relay);
	x->transport = dup(r->transport);
	x->status = dup(r->status);
	x->cls = dup(r->cls);
	x->code = r->code;
	x->attempts = r->attempts;
	x->first = r->rfirst;
	x->last = r->rlast;
	return 0;
}

void
msg_list_free(struct msg_list *l)
{
	size_t i, k;
	struct msg_out *o;

	for (i = 0; i < l->n; i++) {
		o = &l->v[i];
		free((char *)o->m.queue_id);
		free((char *)o->m.mta);
		free((char *)o->m.host);
		free((char *)o->m.instance);
		free((char *)o->m.state);
		free((char *)o->m.sender);
		free((char *)o->m.sasl_user);
		free((char *)o->m.client);
		free((char *)o->m.message_id);
		for (k = 0; k < o->nr; k++) {
			free(o->r[k].rcpt);
			free(o->r[k].domain);
			free(o->r[k].provider);
			free(o->r[k].relay);
			free(o->r[k].transport);
			free(o->r[k].status);
			free(o->r[k].cls);
		}
		free(o->r);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void
san(FILE *fp, const char *s)
{
	if (s == NULL || *s == '\0')
		fputc('-', fp);
	else
		fput_sanitized(fp, s, strlen(s));
}

void
msg_print_text(FILE *fp, const struct msg_list *l)
{
	const struct msg_out *o;
	size_t i, k;

	fputs("# queue_id\tstate\tsender\trecipient\tstatus\tclass\n", fp);
	for (i = 0; i < l->n; i++) {
		o = &l->v[i];
		for (k = 0; k < o->nr || (k == 0 && o->nr == 0); k++) {
			san(fp, o->m.queue_id);
			fputc('\t', fp);
			san(fp, o->m.state);
			fputc('\t', fp);
			/* "<>": the null sender; "-": never logged */
			if (o->m.sender[0] == '\0')
				fputs(o->m.size >= 0 ? "<>" : "-", fp);
			else
				san(fp, o->m.sender);
			fputc('\t', fp);
			san(fp, o->nr > 0 ? o->r[k].rcpt : "");
			fputc('\t', fp);
			san(fp, o->nr > 0 ? o->r[k].status : "");
			fputc('\t', fp);
			san(fp, o->nr > 0 ? o->r[k].cls : "");
			fputc('\n', fp);
		}
	}
}

void
msg_print_qids(FILE *fp, const struct msg_list *l)
{
	size_t i, k;
	bool dupl;

	for (i = 0; i < l->n; i++) {
		dupl = false;
		for (k = 0; k < i && !dupl; k++)
			dupl =
			    strcmp(l->v[k].m.queue_id, l->v[i].m.queue_id) == 0;
		if (!dupl) {
			san(fp, l->v[i].m.queue_id);
			fputc('\n', fp);
		}
	}
}

void
msg_json_str(FILE *fp, const char *key, const char *v, bool comma)
{
	fprintf(fp, "%s\"%s\": ", comma ? ", " : "", key);
	json_put_cstr(fp, v);
}

static void
json_time(FILE *fp, const char *key, int64_t t)
{
	char b[64];

	if (t <= 0) {
		fprintf(fp, ", \"%s\": null", key);
		return;
	}
	render_utc_time(b, sizeof(b), t);
	fprintf(fp, ", \"%s\": \"%s\"", key, b);
}

static void
json_msg_head(FILE *fp, const struct msg_row *m)
{
	msg_json_str(fp, "queue_id", m->queue_id, false);
	msg_json_str(fp, "mta", m->mta, true);
	msg_json_str(fp, "host", m->host, true);
	msg_json_str(fp, "instance", m->instance, true);
	msg_json_str(fp, "state", m->state, true);
	json_time(fp, "first", m->first);
	json_time(fp, "last", m->last);
	json_time(fp, "final", m->final);
	if (m->final > 0)
		fprintf(fp, ", \"seconds_to_final\": %" PRId64,
		    m->final - m->first);
	msg_json_str(fp, "sender", m->sender, true);
	msg_json_str(fp, "sasl_user", m->sasl_user, true);
	msg_json_str(fp, "client", m->client, true);
	msg_json_str(fp, "message_id", m->message_id, true);
	fprintf(fp, ", \"size\": %" PRId64 ", \"nrcpt\": %" PRId64, m->size,
	    m->nrcpt);
}

static void
json_rcpts(FILE *fp, const struct msg_out *o)
{
	const struct msg_rcpt_out *x;
	size_t k;

	fputs(", \"recipients\": [", fp);
	for (k = 0; k < o->nr; k++) {
		x = &o->r[k];
		fputs(k > 0 ? ", {" : "{", fp);
		msg_json_str(fp, "rcpt", x->rcpt, false);
		msg_json_str(fp, "domain", x->domain, true);
		msg_json_str(fp, "provider", x->provider, true);
		msg_json_str(fp, "status", x->status, true);
		msg_json_str(fp, "class", x->cls, true);
		fprintf(fp, ", \"code\": %d, \"attempts\": %" PRId64, x->code,
		    x->attempts);
		msg_json_str(fp, "relay", x->relay, true);
		msg_json_str(fp, "transport", x->transport, true);
		json_time(fp, "first", x->first);
		json_time(fp, "last", x->last);
		fputc('}', fp);
	}
	fputc(']', fp);
}

void
msg_json_open(FILE *fp, const struct msg_out *o)
{
	fputc('{', fp);
	json_msg_head(fp, &o->m);
	json_rcpts(fp, o);
}

void
msg_print_json(FILE *fp, const struct msg_list *l)
{
	size_t i;

	fputs("[", fp);
	for (i = 0; i < l->n; i++) {
		fputs(i > 0 ? ",\n " : "\n ", fp);
		msg_json_open(fp, &l->v[i]);
		fputc('}', fp);
	}
	fputs(l->n > 0 ? "\n]\n" : "]\n", fp);
}

void
msg_print_csv(FILE *fp, const struct msg_list *l)
{
	const struct msg_out *o;
	char a[64], b[64];
	size_t i, k;

	fputs("queue_id,mta,host,state,first,final,sender,sasl_user,client,"
	      "message_id,recipient,status,class,code,attempts,provider,"
	      "relay,transport\r\n",
	    fp);
	for (i = 0; i < l->n; i++) {
		o = &l->v[i];
		render_utc_time(a, sizeof(a), o->m.first);
		if (o->m.final > 0)
			render_utc_time(b, sizeof(b), o->m.final);
		else
			b[0] = '\0';
		for (k = 0; k < o->nr || (k == 0 && o->nr == 0); k++) {
			const struct msg_rcpt_out *x =
			    o->nr > 0 ? &o->r[k] : NULL;

			csv_cstr(fp, o->m.queue_id);
			fputc(',', fp);
			csv_cstr(fp, o->m.mta);
			fputc(',', fp);
			csv_cstr(fp, o->m.host);
			fputc(',', fp);
			csv_cstr(fp, o->m.state);
			fprintf(fp, ",%s,%s,", a, b);
			csv_cstr(fp, o->m.sender);
			fputc(',', fp);
			csv_cstr(fp, o->m.sasl_user);
			fputc(',', fp);
			csv_cstr(fp, o->m.client);
			fputc(',', fp);
			csv_cstr(fp, o->m.message_id);
			fputc(',', fp);
			csv_cstr(fp, x != NULL ? x->rcpt : "");
			fputc(',', fp);
			csv_cstr(fp, x != NULL ? x->status : "");
			fputc(',', fp);
			csv_cstr(fp, x != NULL ? x->cls : "");
			fprintf(fp, ",%d,%" PRId64 ",", x != NULL ? x->code : 0,
			    x != NULL ? x->attempts : 0);
			csv_cstr(fp, x != NULL ? x->provider : "");
			fputc(',', fp);
			csv_cstr(fp, x != NULL ? x->relay : "");
			fputc(',', fp);
			csv_cstr(fp, x != NULL ? x->transport : "");
			fputs("\r\n", fp);
		}
	}
}

void
msg_incident_hint(char *out, size_t len, int64_t id)
{
	snprintf(out, len, "bouncestat messages --incident %" PRId64, id);
}

/* Where a report's rows go (by_row, exp_row): the stream, the
 * format, the rows written so far. */
struct rows_ctx {
	FILE *fp;
	int format;
	int n;
	struct by_text *text; /* by_row()'s text rows, printed at the end */
};

/* The rows of a text `report --by`, kept to size its columns. */
struct by_text {
	struct by_text_row {
		char name[128], top_class[32];
		int64_t v[6]; /* messages, rcpts, sent, deferred, ... */
	} * r;
	size_t n, cap;
};

static int
by_row(void *arg, const struct msg_by_row *r)
{
	struct rows_ctx *c = arg;

	if (c->format == CTX_FORMAT_JSON) {
		fputs(c->n++ > 0 ? ",\n {" : "\n {", c->fp);
		msg_json_str(c->fp, "name", r->name, false);
		fprintf(c->fp,
		    ", \"messages\": %" PRId64 ", \"recipients\": %" PRId64
		    ", \"sent\": %" PRId64 ", \"deferred\": %" PRId64
		    ", \"bounced\": %" PRId64 ", \"expired\": %" PRId64,
		    r->messages, r->rcpts, r->sent, r->deferred, r->bounced,
		    r->expired);
		msg_json_str(c->fp, "top_class", r->top_class, true);
		fputc('}', c->fp);
	} else if (c->format == CTX_FORMAT_CSV) {
		csv_cstr(c->fp, r->name);
		fprintf(c->fp,
		    ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64
		    ",%" PRId64 ",",
		    r->messages, r->rcpts, r->sent, r->deferred, r->bounced,
		    r->expired);
		csv_cstr(c->fp, r->top_class);
		fputc('\n', c->fp);
	} else {
		struct by_text *t = c->text;
		struct by_text_row *o;

		if (t->n == t->cap) {
			t->cap = t->cap ? 2 * t->cap : 16;
			t->r = xrealloc(t->r, t->cap * sizeof(*t->r));
		}
		o = &t->r[t->n++];
		if (r->name[0] != '\0')
			(void)alert_sanitize(
			    o->name, sizeof(o->name), r->name, strlen(r->name));
		else
			snprintf(o->name, sizeof(o->name), "(none)");
		if (!term_utf8())
			term_ascii(o->name);
		snprintf(o->top_class, sizeof(o->top_class), "%s",
		    r->top_class[0] ? r->top_class : "-");
		o->v[0] = r->messages;
		o->v[1] = r->rcpts;
		o->v[2] = r->sent;
		o->v[3] = r->deferred;
		o->v[4] = r->bounced;
		o->v[5] = r->expired;
	}
	return 0;
}

/*
 * The text table of `report --by`: the numbers as wide as they need, the
 * key given what is left of the width (term_width()), so that a row fits
 * 80 columns; a key cut short ends in '~' and follows in full on a line
 * of its own (as in the incidents table).
 */
static void
by_text_print(FILE *fp, enum msg_key key, const struct by_text *t)
{
	static const char *const head[6] = { "messages", "rcpts", "sent",
		"deferred", "bounced", "expired" };
	char num[32];
	size_t i, k, wkey, wtc = 9, fixed, used, cl;
	int w[6], cols = term_width(fp), c, cw;
	const char *name = msg_key_name(key);
	const unsigned char *p;

	wkey = strlen(name);
	for (k = 0; k < 6; k++)
		w[k] = (int)strlen(head[k]);
	for (i = 0; i < t->n; i++) {
		c = display_width(t->r[i].name, 1000);
		if ((size_t)c > wkey)
			wkey = (size_t)c;
		if (strlen(t->r[i].top_class) > wtc)
			wtc = strlen(t->r[i].top_class);
		for (k = 0; k < 6; k++) {
			c = snprintf(
			    num, sizeof(num), "%" PRId64, t->r[i].v[k]);
			if (c > w[k])
				w[k] = c;
		}
	}
	fixed = 2 + 2 + wtc;
	for (k = 0; k < 6; k++)
		fixed += 1 + (size_t)w[k];
	if (wkey + fixed > (size_t)cols)
		wkey = (size_t)cols > fixed + 6 ? (size_t)cols - fixed : 6;
	fprintf(fp, "By %s (message records):\n  %-*s", name, (int)wkey, name);
	for (k = 0; k < 6; k++)
		fprintf(fp, " %*s", w[k], head[k]);
	fprintf(fp, "  %s\n", "top class");
	for (i = 0; i < t->n; i++) {
		const struct by_text_row *o = &t->r[i];

		c = display_width(o->name, 1000);
		if ((size_t)c <= wkey)
			fprintf(fp, "  %s%*s", o->name, (int)(wkey - (size_t)c),
			    "");
		else {
			p = (const unsigned char *)o->name;
			for (k = 0, used = 0; p[k] != '\0'; k += cl) {
				cw = display_char_width(
				    p + k, strlen(o->name + k), &cl);
				if (used + (size_t)cw + 1 > wkey)
					break;
				used += (size_t)cw;
			}
			fprintf(fp, "  %.*s~%*s", (int)k, o->name,
			    (int)(wkey - used - 1), "");
		}
		for (k = 0; k < 6; k++)
			fprintf(fp, " %*" PRId64, w[k], o->v[k]);
		fprintf(fp, "  %s\n", o->top_class);
		if ((size_t)c > wkey)
			fprintf(fp, "    %s\n", o->name);
	}
}

int
msg_report_by(FILE *fp, struct store *st, enum msg_key key,
    const struct msg_filter *f, int top, int format)
{
	struct by_text text = { NULL, 0, 0 };
	struct rows_ctx c = { fp, format, 0, &text };
	int rc;

	if (format == CTX_FORMAT_JSON)
		fprintf(fp, "{\"by\": \"%s\", \"rows\": [", msg_key_name(key));
	else if (format == CTX_FORMAT_CSV)
		fprintf(fp,
		    "%s,messages,recipients,sent,deferred,bounced,expired,"
		    "top_class\n",
		    msg_key_name(key));
	rc = message_by(st, key, f, top, by_row, &c);
	if (format == CTX_FORMAT_TEXT)
		by_text_print(fp, key, &text);
	free(text.r);
	if (format == CTX_FORMAT_JSON)
		fputs(c.n > 0 ? "\n]}\n" : "]}\n", fp);
	else if (format == CTX_FORMAT_TEXT && rc == 0)
		fputs("  (no message records in the range)\n", fp);
	return rc == -1 ? -1 : 0;
}

static int
exp_row(void *arg, const struct msg_expiry_row *r)
{
	struct rows_ctx *c = arg;
	char b[64];

	render_utc_time(b, sizeof(b), r->soonest);
	if (c->format == CTX_FORMAT_JSON) {
		fputs(c->n++ > 0 ? ", {" : "{", c->fp);
		msg_json_str(c->fp, "provider", r->provider, false);
		fprintf(c->fp,
		    ", \"messages\": %" PRId64 ", \"recipients\": %" PRId64
		    ", \"soonest\": \"%s\"}",
		    r->messages, r->rcpts, b);
		return 0;
	}
	c->n++;
	fputs("  ", c->fp);
	san(c->fp, r->provider);
	fprintf(c->fp,
	    ": %" PRId64 " message%s (%" PRId64 " recipient%s), first at %s\n",
	    r->messages, r->messages == 1 ? "" : "s", r->rcpts,
	    r->rcpts == 1 ? "" : "s", b);
	return 0;
}

int
msg_report_expiry(FILE *fp, struct store *st, int64_t now, int64_t lifetime,
    const char *provider, int format)
{
	struct rows_ctx c = { fp, format, 0, NULL };
	int rc;

	if (format == CTX_FORMAT_JSON)
		fputs("[", fp);
	else
		fprintf(fp,
		    "Expiring within 24h if the deferral continues (queue "
		    "lifetime %" PRId64 "h):\n",
		    lifetime / 3600);
	rc = message_expiry(st, now, lifetime, 86400, provider, exp_row, &c);
	if (format == CTX_FORMAT_JSON)
		fputs("]", fp);
	else if (rc == 0)
		fputs("  none\n", fp);
	return rc == -1 ? -1 : 0;
}

struct inc_count {
	int64_t last_id, now, lifetime;
	int64_t messages, expiring;
	bool counted_exp;
};

static int
inc_row(void *arg, const struct msg_row *r)
{
	struct inc_count *c = arg;

	if (r->id != c->last_id) {
		c->last_id = r->id;
		c->messages++;
		c->counted_exp = false;
	}
	if (!c->counted_exp && r->final == 0 &&
	    strcmp(r->status, "deferred") == 0 &&
	    r->first + c->lifetime >= c->now &&
	    r->first + c->lifetime < c->now + 86400) {
		c->expiring++;
		c->counted_exp = true;
	}
	return 0;
}

int
msg_incident_counts(struct store *st, int64_t id, int64_t now, int64_t lifetime,
    int64_t *messages, int64_t *expiring)
{
	struct inc_count c = { 0, now, lifetime, 0, 0, false };
	struct msg_filter f;

	memset(&f, 0, sizeof(f));
	f.incident = id;
	if (message_query(st, &f, inc_row, &c) == -1)
		return -1;
	*messages = c.messages;
	*expiring = c.expiring;
	return 0;
}

/* Cuts key to at most max bytes (so columns), at a UTF-8 character's
 * start, ending in '~' when cut. */
static void
cut_key(char *key, size_t max)
{
	size_t n = strlen(key);

	if (n <= max || max < 2)
		return;
	n = max - 1;
	while (n > 0 && ((unsigned char)key[n] & 0xc0) == 0x80)
		n--;
	key[n] = '~';
	key[n + 1] = '\0';
}

/*
 * After the incidents table (text): for each incident with messages, how
 * many, how many expire within 24 h (open ones), and the command that
 * lists them. Quiet when the database has no message records.
 */
void
msg_incidents_text(FILE *fp, struct store *st, const struct incident_list *l,
    int64_t now, int64_t lifetime)
{
	int64_t m, e;
	char hint[96], key[400], head_s[64], rest[96];
	size_t i;
	bool head = false, utf8 = term_utf8();
	int n, r;

	for (i = 0; i < l->n; i++) {
		const struct incident *inc = &l->v[i].inc;

		if (msg_incident_counts(st, inc->id, now, lifetime, &m, &e) ==
			-1 ||
		    m == 0)
			continue;
		if (!head) {
			fputs("\nMessages:\n", fp);
			head = true;
		}
		msg_incident_hint(hint, sizeof(hint), inc->id);
		/* Named by kind and key, the table above having no id
		 * column (newuser18); the command on a line of its own, the
		 * key cut to keep 80 columns. */
		n = snprintf(head_s, sizeof(head_s), "  #%" PRId64 " %s ",
		    inc->id, inc->kind);
		r = snprintf(rest, sizeof(rest), ": %" PRId64 " message%s", m,
		    m == 1 ? "" : "s");
		if (inc->open && e > 0 && r > 0 && (size_t)r < sizeof(rest))
			snprintf(rest + r, sizeof(rest) - (size_t)r,
			    ", %" PRId64 " expiring within 24h", e);
		incident_key_text(key, sizeof(key), inc);
		if (!utf8)
			term_ascii(key);
		cut_key(key,
		    n > 0 && (size_t)n + strlen(rest) + 8 < 80
			? 80 - (size_t)n - strlen(rest)
			: 8);
		fprintf(fp, "%s%s%s\n     %s\n", head_s, key, rest, hint);
	}
}

/* Sets the message counts of every incident of l (for its JSON). */
void
msg_incidents_fill(
    struct store *st, struct incident_list *l, int64_t now, int64_t lifetime)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (msg_incident_counts(st, l->v[i].inc.id, now, lifetime,
			&l->v[i].messages, &l->v[i].expiring) == 0)
			l->v[i].has_messages = true;
}
