/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * `bouncestat trace QUEUEID|ADDRESS|MESSAGE-ID` (issue 16): the story of
 * one message, or of all mail from or to an address: arrival (sender,
 * client, SASL user, message-id, size), each failed attempt with relay
 * and reply (from the event rows, kept for `retention`), each
 * recipient's last result, and the outcome with the time it took. The
 * argument is looked up as a queue id, a message-id (with or without
 * <>) and an address (in the form store_addresses keeps, ASCII case
 * folded: addresses are kept as logged) at once.
 * Read-only.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "conf.h"
#include "context.h"
#include "event.h"
#include "incidents.h"
#include "json.h"
#include "message.h"
#include "message_query.h"
#include "msg_render.h"
#include "sanitize.h"
#include "store.h"
#include "util.h"

static void
help(void)
{
	printf("usage: bouncestat trace %s\n\n"
	       "Tells the story of one message (by queue id or message-id) "
	       "or of every\nmessage from or to an address: arrival, each "
	       "failed attempt with relay and\nreply, each recipient's last "
	       "result, the outcome and how long it took.\n"
	       "An address matches in any ASCII case (addresses are kept as "
	       "logged); with\nstore_addresses hash the local part is hashed "
	       "as logged, so only its domain\nfolds. Queue ids and "
	       "message-ids match exactly.\n\n"
	       "  --since WHEN         messages active since (default: all "
	       "stored)\n"
	       "  --format F           text (default) or json\n\n",
	    cmd_trace_entry.usage);
	cmd_ctx_help(CTX_DB | CTX_NOW | CTX_TZ | CTX_TEXT | CTX_JSON);
}

static void
san(const char *s)
{
	if (s == NULL || *s == '\0')
		fputc('-', stdout);
	else
		fput_sanitized(stdout, s, strlen(s));
}

/* A reply, with its length: a NUL byte in it is shown (as ?), not its
 * end, as in report. */
static void
san_reply(const struct msg_attempt *a)
{
	if (a->reply_len == 0)
		fputc('-', stdout);
	else
		fput_sanitized(stdout, a->reply, a->reply_len);
}

static bool
empty(const char *s)
{
	return s == NULL || *s == '\0';
}

static void
when(int64_t t)
{
	char b[64];

	render_local_time(b, sizeof(b), t, 0);
	fputs(b, stdout);
	if (t > 0) {
		/* seconds, which render_local_time leaves out */
		printf(":%02d", (int)(((t % 60) + 60) % 60));
	}
}

static void
span(int64_t s)
{
	if (s >= 86400)
		printf("%" PRId64 "d%" PRId64 "h", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		printf("%" PRId64 "h%" PRId64 "m", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		printf("%" PRId64 "m%" PRId64 "s", s / 60, s % 60);
	else
		printf("%" PRId64 "s", s);
}

struct att_ctx {
	bool json;
	int n;
	/* When another message of the same queue id and host overlaps this
	 * one's time: its recipients, whose domains an attempt must name. */
	const struct msg_out *only;
};

/*
 * True when a (of qid and host) is one of c->only's: with no domain (a
 * whole message's expiry) or the domain of one of its recipients.
 */
static bool
attempt_ours(const struct att_ctx *c, const struct msg_attempt *a)
{
	size_t k;

	if (c->only == NULL || empty(a->domain))
		return true;
	for (k = 0; k < c->only->nr; k++)
		if (strcmp(c->only->r[k].domain, a->domain) == 0)
			return true;
	return false;
}

static int
attempt_text(void *arg, const struct msg_attempt *a)
{
	if (!attempt_ours(arg, a))
		return 0;
	fputs("  ", stdout);
	when(a->t);
	fputs("  ", stdout);
	/* Postfix's qmgr "status=expired, returned to sender": the MTA's
	 * own decision for the whole message, with no recipient, relay or
	 * reply (trial7: it read "expired to - via - (expired): ..."). */
	if (empty(a->domain) && empty(a->relay) && !empty(a->status) &&
	    strcmp(a->status, "expired") == 0) {
		fputs("expired: returned to the sender by the MTA (queue "
		      "lifetime reached; no receiver's reply)\n",
		    stdout);
		return 0;
	}
	/* Exim's "retry time not reached", queue-only deferrals: no
	 * receiver was asked (trial8: they read as its replies). */
	if ((a->flags & BS_EVENT_LOCAL) != 0) {
		fputs("local: our MTA held it for ", stdout);
		san(a->domain);
		fputs(", no receiver asked: ", stdout);
		san_reply(a);
		fputc('\n', stdout);
		return 0;
	}
	san(a->status);
	fputs(" to ", stdout);
	san(a->domain);
	fputs(" via ", stdout);
	san(a->relay);
	if (a->relay_ip[0] != '\0') {
		fputc('[', stdout);
		san(a->relay_ip);
		fputc(']', stdout);
	}
	fputs(" (", stdout);
	san(a->cls);
	fputs("): ", stdout);
	/* As report words it (trial6: a bare "-" read as a reply). */
	if (a->reply_len == 0)
		fputs("(no reply text: the MTA logged none)", stdout);
	else
		san_reply(a);
	fputc('\n', stdout);
	return 0;
}

static int
attempt_json(void *arg, const struct msg_attempt *a)
{
	struct att_ctx *c = arg;
	char b[64];

	if (!attempt_ours(c, a))
		return 0;
	render_utc_time(b, sizeof(b), a->t);
	printf("%s{\"time\": \"%s\"", c->n++ > 0 ? ", " : "", b);
	msg_json_str(stdout, "status", a->status, true);
	msg_json_str(stdout, "domain", a->domain, true);
	msg_json_str(stdout, "relay", a->relay, true);
	msg_json_str(stdout, "relay_ip", a->relay_ip, true);
	msg_json_str(stdout, "class", a->cls, true);
	printf(", \"code\": %d", a->code);
	fputs(", \"reply\": ", stdout);
	json_put_str(stdout, a->reply, a->reply_len);
	putchar('}');
	return 0;
}

/* True when every recipient of o has a final status (none deferred). */
static bool
all_final(const struct msg_out *o)
{
	size_t k;

	for (k = 0; k < o->nr; k++)
		if (strcmp(o->r[k].status, "sent") != 0 &&
		    strcmp(o->r[k].status, "bounced") != 0 &&
		    strcmp(o->r[k].status, "expired") != 0)
			return false;
	return o->nr > 0;
}

/*
 * Attempts are found by queue id, host and time. trial11: a queue id
 * reused by the same host within a second (Postfix's short ids) gives two
 * messages whose times overlap (an attempt up to a second after a
 * message's last line is its): then each keeps the attempts to its own
 * recipients' domains (c->only). o is one of l.
 */
static void
att_init(struct att_ctx *c, bool json, const struct msg_list *l,
    const struct msg_out *o)
{
	const struct msg_row *m = &o->m, *x;
	size_t i;

	c->json = json;
	c->n = 0;
	c->only = NULL;
	for (i = 0; i < l->n; i++) {
		x = &l->v[i].m;
		if (&l->v[i] != o && strcmp(x->queue_id, m->queue_id) == 0 &&
		    strcmp(x->host, m->host) == 0 && x->first <= m->last + 1 &&
		    m->first <= x->last + 1 && o->nr > 0)
			c->only = o;
	}
}

static int
story_text(struct store *st, const struct msg_list *l, const struct msg_out *o)
{
	const struct msg_row *m = &o->m;
	struct att_ctx c;
	size_t k;

	printf("message ");
	san(m->queue_id);
	printf(" (%s on ", m->mta);
	san(m->host);
	if (m->instance[0] != '\0' && strcmp(m->instance, m->mta) != 0) {
		fputc('/', stdout);
		san(m->instance);
	}
	printf("): %s\n  ", m->state);
	when(m->first);
	fputs("  from ", stdout);
	/* "<>": the null sender; "-": no arrival line was logged */
	if (m->sender[0] == '\0')
		fputs(m->size >= 0 ? "<>" : "-", stdout);
	else
		san(m->sender);
	fputs(", client ", stdout);
	san(m->client);
	fputs(", sasl ", stdout);
	san(m->sasl_user);
	if (m->size >= 0)
		printf(", size %" PRId64, m->size);
	if (m->nrcpt >= 0)
		printf(", %" PRId64 " recipient%s", m->nrcpt,
		    m->nrcpt == 1 ? "" : "s");
	fputs(", message-id ", stdout);
	san(m->message_id);
	fputc('\n', stdout);
	att_init(&c, false, l, o);
	if (message_attempts(st, m->queue_id, m->host, m->instance, m->first,
		m->last + 1, attempt_text, &c) == -1)
		return -1;
	for (k = 0; k < o->nr; k++) {
		fputs("  ", stdout);
		when(o->r[k].last);
		fputs("  ", stdout);
		san(o->r[k].rcpt);
		printf(": %s", o->r[k].status);
		if (strcmp(o->r[k].cls, "none") != 0) {
			fputs(" (last failure ", stdout);
			san(o->r[k].cls);
			fputc(')', stdout);
		}
		printf(" after %" PRId64 " result%s, relay ", o->r[k].attempts,
		    o->r[k].attempts == 1 ? "" : "s");
		san(o->r[k].relay);
		fputs(", transport ", stdout);
		san(o->r[k].transport);
		fputc('\n', stdout);
	}
	if (m->final > 0) {
		fputs("  ", stdout);
		when(m->final);
		printf("  %s after ", m->state);
		span(m->final - m->first);
		fputc('\n', stdout);
	} else if (all_final(o))
		/* Sendmail logs no removal: not "still in the queue". */
		printf("  (every recipient has a final result; the MTA logged "
		       "no removal from the queue)\n");
	else
		printf("  (still in the queue at the last line seen)\n");
	return 0;
}

static int
story_json(struct store *st, const struct msg_list *l, const struct msg_out *o,
    bool comma)
{
	struct att_ctx c;

	att_init(&c, true, l, o);
	fputs(comma ? ",\n " : "\n ", stdout);
	msg_json_open(stdout, o);
	fputs(", \"attempts\": [", stdout);
	if (message_attempts(st, o->m.queue_id, o->m.host, o->m.instance,
		o->m.first, o->m.last + 1, attempt_json, &c) == -1)
		return -1;
	fputs("]}", stdout);
	return 0;
}

static int
cmd_trace_exec(int argc, char **argv)
{
	static const struct option own[] = {
		{ "since", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct option longopts[CTX_OPTIONS_MAX];
	struct cmd_ctx ctx;
	struct msg_filter f;
	struct msg_list l = { 0 };
	struct store *st;
	char addr[512], msgid[512];
	const char *since = "all", *arg;
	size_t i, n;
	int ch, rc;

	memset(&f, 0, sizeof(f));
	cmd_ctx_init(&ctx, "trace",
	    CTX_DB | CTX_NOW | CTX_TZ | CTX_TEXT | CTX_JSON, own, longopts);
	optind = 1;
	while ((ch = cmd_ctx_getopt(&ctx, argc, argv, "h", longopts)) != -1) {
		switch (ch) {
		case 's':
			since = optarg;
			break;
		case 'h':
			help();
			return 0;
		default:
			return cmd_usage(&cmd_trace_entry);
		}
	}
	if (optind != argc - 1 || argv[optind][0] == '\0')
		return cmd_usage(&cmd_trace_entry);
	arg = argv[optind];
	if ((rc = cmd_ctx_finish(&ctx, false, &cmd_trace_entry)) != 0)
		return rc;
	if (cmd_ctx_since(&ctx, since, &f.since) == -1)
		return cmd_usage(&cmd_trace_entry);
	n = strlen(arg);
	/* "<id>" and "id" are one message-id; addresses as stored */
	if (n >= 2 && arg[0] == '<' && arg[n - 1] == '>')
		snprintf(msgid, sizeof(msgid), "%.*s", (int)(n - 2), arg + 1);
	else
		snprintf(msgid, sizeof(msgid), "%s", arg);
	message_addr_form((enum msg_addr_mode)ctx.conf->store_addresses, msgid,
	    strlen(msgid), addr, sizeof(addr));
	f.queue_id = arg;
	f.message_id = msgid;
	f.address = addr;
	if ((st = cmd_ctx_open_ro(&ctx)) == NULL)
		return 1;
	rc = 1;
	if (message_query(st, &f, msg_list_add, &l) == -1) {
		cmd_ctx_error(&ctx, "%s", store_errmsg(st));
		goto done;
	}
	if (ctx.format == CTX_FORMAT_JSON) {
		fputs("[", stdout);
		for (i = 0; i < l.n; i++)
			if (story_json(st, &l, &l.v[l.n - 1 - i], i > 0) == -1)
				goto fail;
		fputs(l.n > 0 ? "\n]\n" : "]\n", stdout);
	} else {
		if (l.n == 0)
			printf("No message matches %s.\n(Kept are messages "
			       "with a deferral, bounce or expiry, unless\n"
			       "message_records is all; finished ones for "
			       "message_retention.)\n",
			    "the argument");
		/* oldest first: a story reads forward */
		for (i = 0; i < l.n; i++) {
			if (i > 0)
				putchar('\n');
			if (story_text(st, &l, &l.v[l.n - 1 - i]) == -1)
				goto fail;
		}
	}
	rc = 0;
	goto done;
fail:
	cmd_ctx_error(&ctx, "%s", store_errmsg(st));
done:
	msg_list_free(&l);
	store_close(st);
	cmd_ctx_free(&ctx);
	return rc;
}

const struct cmd_entry cmd_trace_entry = {
	"trace",
	"[-c FILE] [--db PATH] [--utc] [--now WHEN] [--since WHEN] [--format text|json] QUEUEID|ADDRESS|MESSAGE-ID",
	"the story of one message, or of the mail from or to an address",
	cmd_trace_exec,
};
