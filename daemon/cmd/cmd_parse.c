/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * bouncestat parse: print what every line yields, as TSV, without a
 * database. The driver of the golden tests (tests/data/<mta>/) and a tool
 * for an operator asking "what does bouncestat make of this line?".
 * Columns are fixed (see HEADER); text fields are sanitised (no tab,
 * newline or control character survives), empty fields are "-".
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "cmd.h"
#include "context.h"
#include "input.h"
#include "linebuf.h"
#include "log.h"
#include "pipeline.h"
#include "rules.h"
#include "sanitize.h"
#include "util.h"

#define HEADER                                                                        \
	"line\tresult\treason\tmta\ttime\tstatus\tflags\tqueue_id\trcpt\trcpt_domain" \
	"\trelay_host\trelay_ip\tprovider\tdsn\tcode\tenhanced\tclass\trule"          \
	"\tpermanent\tdnsbl\tlisted_ip\tstage\treply\n"

static int cmd_parse_exec(int, char **);

const struct cmd_entry cmd_parse_entry = {
	"parse",
	"[--all] [--now TIME] [--mta NAME] [--rules DIR] FILE | -",
	"print the events extracted from a log as TSV (no database)",
	cmd_parse_exec,
};

static void
help(void)
{
	printf(
	    "usage: bouncestat parse %s\n\n"
	    "Prints one TSV row per delivery event of FILE (plain, .gz or "
	    "'-' for stdin),\nwith its classification. Nothing is "
	    "stored. Lines may be syslog (classic,\nRFC 3339, RFC 5424, "
	    "with Solaris '[ID n mail.info]' or FreeBSD '<mail.info>'\n"
	    "tags), journalctl, Exim's main log, or CRI and Docker "
	    "json-file records of\ncontainers.\n\n"
	    "  --all         also a row for every skipped or bad line, with\n"
	    "                the reason it gave no event: no_prefix,\n"
	    "                repeated, partial, bad_json, other_program,\n"
	    "                not_result, bad_date, bad_time (before 2000\n"
	    "                or over a day after --now and the clock) or\n"
	    "                malformed\n"
	    "  --now TIME    reference time for the year of classic "
	    "syslog stamps\n"
	    "                (default: the file's mtime, or now for "
	    "stdin)\n"
	    "  --mta NAME    force the log format: postfix, exim,\n"
	    "                sendmail or opensmtpd (default: per line)\n"
	    "  --rules DIR   extra rule files (default: "
	    "/etc/bouncestat/rules.d)\n\n"
	    "Columns: %s"
	    "Zone-less stamps are taken in the local time zone (TZ).\n"
	    "A Sendmail line of several recipients gives a row for each.\n"
	    "When no line gives an event but some look like a result\n"
	    "(status=, ' ** ', ' == ', stat=, result=), the first of them\n"
	    "and its reason are named in a warning on stderr.\n"
	    "Exit status: 0 read to the end, 1 error, 2 usage error.\n",
	    cmd_parse_entry.usage, HEADER);
}

static void
field(const struct bs_span *sp)
{
	putchar('\t');
	if (sp == NULL || sp->len == 0)
		putchar('-');
	else
		fput_sanitized(stdout, sp->ptr, sp->len);
}

static void
field_str(const char *s)
{
	struct bs_span sp = { s, s == NULL ? 0 : strlen(s) };

	field(&sp);
}

static void
print_time(int64_t t, int32_t usec)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[64];

	if (gmtime_r(&tt, &tm) == NULL) {
		printf("\t-");
		return;
	}
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	if (usec != 0)
		printf("\t%s.%06dZ", buf, (int)usec);
	else
		printf("\t%sZ", buf);
}

/* What print_event() needs besides the event: the line it came from. */
struct parse_row {
	uint64_t lineno;
	unsigned lbflags;
};

/* pipeline_event_fn: one row per event (per recipient). */
static void
print_event(void *arg, const struct bs_event *ev,
    const struct classify_result *cr, const char *provider)
{
	const struct parse_row *row = arg;
	uint64_t lineno = row->lineno;
	unsigned lbflags = row->lbflags;
	char flags[64];

	flags[0] = '\0';
	if (ev->flags & BS_EVENT_SUSPENDED)
		strcat(flags, ",suspended");
	if (ev->flags & BS_EVENT_LOCAL)
		strcat(flags, ",local");
	if (ev->flags & BS_EVENT_CONNECT)
		strcat(flags, ",connect");
	if (lbflags & LINEBUF_CUT)
		strcat(flags, ",cut");
	printf("%" PRIu64 "\tok\t-\t%s", lineno, bs_mta_name(ev->mta));
	print_time(ev->time, ev->usec);
	printf("\t%s", bs_status_name(ev->status));
	field_str(flags[0] != '\0' ? flags + 1 : NULL);
	field(&ev->queue_id);
	field(&ev->rcpt);
	field(&ev->rcpt_domain);
	field(&ev->relay_host);
	field(&ev->relay_ip);
	field_str(provider);
	field(&ev->dsn);
	if (ev->smtp_code != 0)
		printf("\t%d", ev->smtp_code);
	else
		printf("\t-");
	field(&ev->enhanced);
	printf("\t%s", bs_class_name(cr->cls));
	field_str(cr->rule);
	printf("\t%s", cr->permanent ? "yes" : "no");
	field(&cr->dnsbl);
	field(&cr->listed_ip);
	field(&ev->stage);
	field(&ev->reply);
	putchar('\n');
}

static int
cmd_parse_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "now", required_argument, NULL, 'n' },
		{ "mta", required_argument, NULL, 'm' },
		{ "rules", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char errbuf[BS_ERRLEN];
	const char *rules = NULL, *line;
	const struct pipeline_counters *c;
	struct pipeline_watch w;
	struct parse_row row;
	struct classifier *cl = NULL;
	struct pipeline *pl = NULL;
	struct linebuf *lb = NULL;
	struct input *in = NULL;
	struct mta_ctx ctx;
	int64_t now = clock_now(), ref = 0, dev, ino, mtime, size;
	uint64_t lineno = 0;
	size_t len;
	unsigned flags;
	ssize_t n;
	bool all = false, eof = false;
	int ch, rc = 1, prc, got;

	memset(&ctx, 0, sizeof(ctx));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "ah", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			all = true;
			break;
		case 'n':
			if (parse_time_arg(optarg, now, &ref) == -1) {
				fprintf(stderr,
				    "bouncestat parse: bad time: "
				    "%s\n",
				    optarg);
				return cmd_usage(&cmd_parse_entry);
			}
			break;
		case 'm':
			if (bs_mta_from_name(
				optarg, strlen(optarg), &ctx.force) == -1) {
				fprintf(stderr,
				    "bouncestat parse: unknown MTA: "
				    "%s\n",
				    optarg);
				return cmd_usage(&cmd_parse_entry);
			}
			break;
		case 'r':
			rules = optarg;
			break;
		case 'h':
			help();
			return 0;
		default:
			return cmd_usage(&cmd_parse_entry);
		}
	}
	if (optind != argc - 1)
		return cmd_usage(&cmd_parse_entry);
	if ((cl = rules_load(rules, errbuf)) == NULL) {
		cmd_error("parse", "rules: %s", errbuf);
		return 1;
	}
	if ((in = input_open(argv[optind], errbuf)) == NULL) {
		cmd_error("parse", "%s", errbuf);
		goto out;
	}
	input_identity(in, &dev, &ino, &mtime, &size);
	if (ref == 0)
		ref = mtime != 0 ? mtime : now;
	ctx.syslog.ref_time = ref;
	ctx.time_max = (ref > now ? ref : now) + BS_TIME_AHEAD; /* mta.h */
	ctx.syslog.tz_offset = local_tz_offset(ref);
	ctx.syslog.tz_at = local_tz_offset;
	if ((pl = pipeline_new(NULL, cl, &ctx)) == NULL ||
	    (lb = linebuf_new(LINEBUF_MAX_LINE_DEFAULT)) == NULL)
		fatal("parse");
	memset(&w, 0, sizeof(w));
	pipeline_set_watch(pl, &w);
	pipeline_set_event_fn(pl, print_event, &row);
	printf("%s", HEADER);
	while (!eof) {
		if ((n = input_read(in, lb, errbuf)) == -1) {
			cmd_error("parse", "%s", errbuf);
			goto out;
		}
		eof = n == 0;
		for (;;) {
			got = linebuf_next(lb, &line, &len, &flags);
			if (got == 0 && eof)
				got = linebuf_take_partial(
				    lb, &line, &len, &flags);
			if (got == 0)
				break;
			row.lineno = ++lineno;
			row.lbflags = flags;
			prc = pipeline_line(pl, line, len, flags);
			if (prc != PARSE_OK && all)
				printf("%" PRIu64 "\t%s\t%s\n", lineno,
				    prc == PARSE_SKIP ? "skip" : "bad",
				    bs_reason_name(pipeline_reason(pl)));
		}
	}
	(void)pipeline_watch_warn(&w, input_name(in));
	c = pipeline_counters(pl);
	fprintf(stderr,
	    "bouncestat: parse: %s: %" PRIu64 " lines, %" PRIu64
	    " events, %" PRIu64 " skipped, %" PRIu64 " bad, %" PRIu64 " cut\n",
	    input_name(in), c->lines, c->events, c->skipped, c->bad, c->cut);
	rc = 0;
out:
	input_close(in);
	linebuf_free(lb);
	pipeline_free(pl);
	classify_free(cl);
	return rc;
}
