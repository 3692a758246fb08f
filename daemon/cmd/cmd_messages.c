/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * `bouncestat messages` (issue 16): the messages behind the counts, from
 * the message records: queue ids, senders and recipients, one recipient
 * per line, filtered like the report (--since, --domain, --class,
 * --status), by an incident (--incident N) or by a key of `report --by`
 * (--sender-domain, --sasl-user, --client, --transport, --host). --qids
 * prints each queue id once, for postqueue/postsuper. Read-only.
 */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_names.h"
#include "context.h"
#include "event.h"
#include "incidents.h"
#include "lifecycle_join.h"
#include "message_extent.h"
#include "message_query.h"
#include "msg_render.h"
#include "store.h"
#include "util.h"

/*
 * Text, nothing found: where the message records are when the range
 * missed them all, as report says where its counts are (trial6: the
 * default 7d printed only the header over an import of older logs).
 */
static int
messages_where(FILE *fp, struct store *st, int64_t since, int64_t now)
{
	char a[64], b[64];
	int64_t first, last;

	if (message_extent(st, &first, &last) == -1)
		return -1;
	if (last == 0) {
		fputs("# no message records in this database yet\n", fp);
		return 0;
	}
	if (last >= since)
		return 0; /* in the range: the filters left none */
	render_local_time(a, sizeof(a), first, 0);
	render_local_time(b, sizeof(b), last, 0);
	fprintf(fp,
	    "# no message in this range; records from %s to %s\n"
	    "# (try --since %" PRId64 "d or --since all)\n",
	    a, b, (now - last) / 86400 + 1);
	return 0;
}

/*
 * Text: a range that reaches before the daemon's last pruning of finished
 * records lacks them; say so (trial10: an empty or short list over
 * pruned days read as a fact).
 */
static int
messages_pruned(FILE *fp, struct store *st, int64_t since)
{
	char a[64];
	int64_t pruned;

	if (message_pruned_before(st, &pruned) == -1)
		return -1;
	if (since >= pruned)
		return 0;
	render_local_time(a, sizeof(a), pruned, 0);
	fprintf(fp,
	    "# finished messages last seen before %s were pruned "
	    "(message_retention);\n# their counts are kept: bouncestat "
	    "report\n",
	    a);
	return 0;
}

static void
help(void)
{
	printf(
	    "usage: bouncestat messages %s\n\n"
	    "Lists the messages the log showed, one recipient per line: "
	    "queue id, state\n(queued, deferred, sent, bounced, expired, "
	    "removed, incomplete), sender,\nrecipient, its last status "
	    "and the class of its last failure (an expired\nrecipient "
	    "keeps the class of the failures that kept it queued;\n"
	    "expired when it had none).\n\n"
	    "  --since WHEN         messages active since (default 7d; "
	    "with --incident,\n"
	    "                       the incident's own time)\n"
	    "  --until WHEN         and before\n"
	    "  --domain D           recipient domain or provider\n"
	    "  --class C            recipients whose last failure had "
	    "class C\n"
	    "  --status S           recipient status or message state\n"
	    "  --incident N         recipients of incident N's receiver, "
	    "class and time\n"
	    "                       (dnsbl: whose failure named its list "
	    "and listed IP)\n"
	    "  --open               only messages still queued (a Sendmail "
	    "or\n"
	    "                       OpenSMTPD message whose recipients all "
	    "have a\n"
	    "                       final result is not)\n"
	    "  --sender-domain D, --sasl-user U, --client C, "
	    "--transport T, --host H\n"
	    "                       the keys of report --by\n"
	    "  --qids               only the queue ids, each once (for\n"
	    "                       postqueue/postsuper: ... --qids | "
	    "postsuper -h -)\n"
	    "  --format F           text (default), json or csv (cells "
	    "starting with\n"
	    "                       = + - @ TAB or CR are prefixed with "
	    "')\n\n"
	    "Text that lists nothing because every message record is older "
	    "than --since\nsays where the records are, in '#' lines (try "
	    "--since ...); one whose range\nreaches before the daemon's last "
	    "pruning (message_retention) says that\nfinished records there "
	    "were pruned.\n\n",
	    cmd_messages_entry.usage);
	cmd_ctx_help(CTX_DB | CTX_NOW | CTX_TZ | CTX_TEXT | CTX_JSON | CTX_CSV);
}

/* A message state or recipient status messages keeps (lc_state_name()). */
static bool
status_known(const char *s)
{
	int i;

	for (i = 0; i < LC_S_COUNT; i++)
		if (strcmp(s, lc_state_name((enum lc_state)i)) == 0)
			return true;
	return false;
}

static int
cmd_messages_exec(int argc, char **argv)
{
	static const struct option own[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "domain", required_argument, NULL, 'd' },
		{ "class", required_argument, NULL, 'C' },
		{ "status", required_argument, NULL, 'S' },
		{ "incident", required_argument, NULL, 'i' },
		{ "open", no_argument, NULL, 'o' },
		{ "sender-domain", required_argument, NULL, 1 },
		{ "sasl-user", required_argument, NULL, 2 },
		{ "client", required_argument, NULL, 3 },
		{ "transport", required_argument, NULL, 4 },
		{ "host", required_argument, NULL, 5 },
		{ "qids", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct option longopts[CTX_OPTIONS_MAX];
	struct cmd_ctx ctx;
	struct msg_filter f;
	struct msg_list l = { 0 };
	struct store *st;
	char *end;
	enum bs_class cls;
	const char *since = NULL, *until = NULL;
	bool qids = false, bad_since;
	int ch, rc;

	memset(&f, 0, sizeof(f));
	cmd_ctx_init(&ctx, "messages",
	    CTX_DB | CTX_NOW | CTX_TZ | CTX_TEXT | CTX_JSON | CTX_CSV, own,
	    longopts);
	optind = 1;
	while ((ch = cmd_ctx_getopt(&ctx, argc, argv, "h", longopts)) != -1) {
		switch (ch) {
		case 's':
			since = optarg;
			break;
		case 'u':
			until = optarg;
			break;
		case 'd':
			/* Domains are stored lower-cased (as for report). */
			for (end = optarg; *end != '\0'; end++)
				if (*end >= 'A' && *end <= 'Z')
					*end = (char)(*end - 'A' + 'a');
			f.domain = optarg;
			break;
		case 'C':
			if (bs_class_from_name(optarg, strlen(optarg), &cls) ==
			    -1) {
				cmd_bad_class(stderr, "messages", optarg);
				return cmd_usage(&cmd_messages_entry);
			}
			f.cls = optarg;
			break;
		case 'S':
			if (!status_known(optarg)) {
				fprintf(stderr,
				    "bouncestat messages: --status: not one of "
				    "queued, deferred, sent, bounced, expired, "
				    "removed, incomplete: %s\n",
				    optarg);
				return cmd_usage(&cmd_messages_entry);
			}
			f.status = optarg;
			break;
		case 'i':
			errno = 0;
			f.incident = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || errno != 0 ||
			    f.incident <= 0) {
				fprintf(stderr,
				    "bouncestat messages: bad --incident: %s\n",
				    optarg);
				return cmd_usage(&cmd_messages_entry);
			}
			break;
		case 'o':
			f.open_only = true;
			break;
		case 1:
		case 2:
		case 3:
		case 4:
		case 5:
			f.key[ch] = optarg;
			break;
		case 'q':
			qids = true;
			break;
		case 'h':
			help();
			return 0;
		default:
			return cmd_usage(&cmd_messages_entry);
		}
	}
	if (optind < argc)
		return cmd_usage(&cmd_messages_entry);
	if ((rc = cmd_ctx_finish(&ctx, false, &cmd_messages_entry)) != 0)
		return rc;
	/* --incident: the incident's own time, unless --since is given
	 * (also as 7d, the default otherwise) */
	if (since == NULL)
		since = f.incident > 0 ? "all" : "7d";
	if (parse_time_arg(since, ctx.now, &f.since) == -1 ||
	    (until != NULL && parse_time_arg(until, ctx.now, &f.until) == -1)) {
		bad_since = parse_time_arg(since, ctx.now, &f.since) == -1;
		fprintf(stderr, "bouncestat messages: bad --%s: %s\n%s",
		    bad_since ? "since" : "until", bad_since ? since : until,
		    cmd_time_forms);
		cmd_ctx_free(&ctx);
		return cmd_usage(&cmd_messages_entry);
	}
	if ((st = cmd_ctx_open_ro(&ctx)) == NULL)
		return 1;
	rc = 1;
	if (message_query(st, &f, msg_list_add, &l) == -1) {
		cmd_ctx_error(&ctx, "%s", store_errmsg(st));
		goto done;
	}
	if (qids)
		msg_print_qids(stdout, &l);
	else if (ctx.format == CTX_FORMAT_JSON)
		msg_print_json(stdout, &l);
	else if (ctx.format == CTX_FORMAT_CSV)
		msg_print_csv(stdout, &l);
	else {
		msg_print_text(stdout, &l);
		if (messages_pruned(stdout, st, f.since) == -1 ||
		    (l.n == 0 && f.incident == 0 &&
			messages_where(stdout, st, f.since, ctx.now) == -1)) {
			cmd_ctx_error(&ctx, "%s", store_errmsg(st));
			goto done;
		}
	}
	rc = 0;
done:
	msg_list_free(&l);
	store_close(st);
	cmd_ctx_free(&ctx);
	return rc;
}

const struct cmd_entry cmd_messages_entry = {
	"messages",
	"[-c FILE] [--db PATH] [--utc] [--now WHEN] [--since WHEN] [--until WHEN] [--domain D] [--class C] [--status S] "
	"[--incident N] [--open] [--sender-domain D] [--sasl-user U] "
	"[--client C] [--transport T] [--host H] [--qids] "
	"[--format text|json|csv]",
	"list messages behind the counts: queue ids, senders, recipients",
	cmd_messages_exec,
};
