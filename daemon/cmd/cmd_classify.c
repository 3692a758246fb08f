/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * bouncestat classify: explains how one reply text is classified (class,
 * temporary or permanent, code, enhanced status, the rule that matched,
 * its meaning and suggested action, DNSBL and listed IP, provider), or
 * with "-" classifies one reply per line of standard input and writes one
 * result per line (TSV or JSON lines, each JSON object carrying its input
 * line), fast enough for bulk use. The receiver's reply is looked for
 * inside the text (reply_find(): "host X said:", Exim's "SMTP error from
 * remote mail server", Exchange's "Remote Server returned", client
 * libraries) and what was found is shown. A bare text is never taken for
 * a connection-level failure (only an MTA parser can say that): without a
 * code and a known phrase it is "unknown". Reply text is hostile: it is
 * echoed only with control characters replaced (text) or escaped (JSON).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "cmd.h"
#include "context.h"
#include "json.h"
#include "log.h"
#include "provider.h"
#include "rules.h"
#include "sanitize.h"
#include "util.h"

static int cmd_classify_exec(int, char **);

const struct cmd_entry cmd_classify_entry = {
	"classify",
	"[--rules DIR] [--format text|json] [--relay HOST] [--list] TEXT | -",
	"explain how a reply text is classified",
	cmd_classify_exec,
};

static void
help(void)
{
	printf(
	    "usage: bouncestat classify %s\n\n"
	    "Classifies TEXT, an SMTP reply as found in a mail log (e.g.\n"
	    "\"421 HL:ICC 163 mx21,...\"), and explains the result: class,\n"
	    "temporary or permanent, code, enhanced status, the rule that\n"
	    "matched with its meaning and suggested action, the DNSBL and\n"
	    "listed IP named in the reply. The reply may be wrapped (\"host X\n"
	    "said: 550 ...\", \"Remote Server returned '550 ...'\", a client\n"
	    "library's error): the code, enhanced status and reply found are\n"
	    "shown, and \"why\" says which evidence decided (\"model: ...\" when\n"
	    "the rules had only weak evidence, an enhanced status, a code, a\n"
	    "broad word or nothing, and the learned model was sure of another\n"
	    "class: the words that decided and its margin); \"read as\"\n"
	    "shows the reply as the rules read it when they read it\n"
	    "otherwise (an identifier masked, bouncestat-rules(5)). With\n"
	    "\"-\" it reads one reply per line from standard input and writes\n"
	    "one result per line (JSON: one object per line, with the input;\n"
	    "text: class, rule, code, enhanced status, temporary or permanent,\n"
	    "DNSBL and listed IP, tab-separated, '-' for none).\n"
	    "A NAME.model file in the rules directory replaces the built-in\n"
	    "model (\"layers off\" turns it off).\n\n"
	    "  --rules DIR     operator rule and model files (default:\n"
	    "                  %s when it exists);\n"
	    "                  format: bouncestat-rules(5)\n"
	    "  --format FMT    text (default) or json (one object per line)\n"
	    "  --relay HOST    the relay host the reply came from, e.g.\n"
	    "                  mx1.qq.com: its provider enables provider rules\n"
	    "  --list          list the rules in evaluation order (name,\n"
	    "                  class, evidence rank, file:line) and exit\n\n"
	    "Exit status: 0 success, 1 failure (bad rule file), 2 usage "
	    "error (also a\nTEXT given as several arguments: quote it; or "
	    "an empty one).\n",
	    cmd_classify_entry.usage, RULES_DIR_DEFAULT);
}

/* ---------------------------------------------------------------- */
/* JSON */

/* A span as a JSON string, or null when it is empty. */
static void
json_span(FILE *fp, struct bs_span sp)
{
	if (sp.ptr == NULL || sp.len == 0)
		fputs("null", fp);
	else
		json_put_str(fp, sp.ptr, sp.len);
}

/* ---------------------------------------------------------------- */
/* output */

static void
put_span(FILE *fp, struct bs_span sp)
{
	if (sp.ptr == NULL || sp.len == 0)
		putc('-', fp);
	else
		fput_sanitized(fp, sp.ptr, sp.len);
}

static void
put_code(FILE *fp, int code)
{
	if (code == 0)
		putc('-', fp);
	else
		fprintf(fp, "%d", code);
}

static void
line_text(FILE *fp, const struct classify_result *r)
{
	fputs(bs_class_name(r->cls), fp);
	putc('\t', fp);
	fputs(*r->rule ? r->rule : "-", fp);
	putc('\t', fp);
	put_code(fp, r->code);
	putc('\t', fp);
	put_span(fp, r->enhanced);
	putc('\t', fp);
	fputs(r->permanent ? "permanent" : "temporary", fp);
	putc('\t', fp);
	put_span(fp, r->dnsbl);
	putc('\t', fp);
	put_span(fp, r->listed_ip);
	putc('\n', fp);
}

/*
 * One line a postmaster can read: which evidence decided, and that
 * stronger evidence was absent (the order is in bouncestat-rules(5)).
 */
static void
why_line(char *buf, size_t len, const struct classify_result *r)
{
	static const struct {
		const char *rank, *text;
	} why[] = {
		{ "token",
		    "a provider-specific code in the reply (strongest "
		    "evidence)" },
		{ "phrase",
		    "a specific phrase in the reply, which outranks "
		    "the enhanced status and the reply code" },
		{ "status",
		    "the enhanced status code (no provider code or "
		    "specific phrase matched)" },
		{ "code",
		    "the basic reply code (no phrase or enhanced "
		    "status rule matched)" },
		{ "broad",
		    "a broad word, the last resort (no phrase, "
		    "enhanced status or reply code rule matched)" },
		{ "fallback",
		    "the kind of event (a connection-level failure "
		    "or a queue expiry), not the reply" },
	};

	if (strcmp(r->evidence, "model") == 0) {
		/* classify_model_explain(): the words that decided. */
		snprintf(buf, len,
		    "%s (the rules had only an enhanced status, a basic "
		    "code, a broad word or nothing)",
		    r->explain);
		return;
	}
	size_t i;

	if (r->limit_hit) {
		snprintf(buf, len, "a pattern match limit stopped the rules");
		return;
	}
	if (*r->evidence == '\0') {
		if (r->cls == BS_CLASS_UNKNOWN)
			snprintf(buf, len, "no rule matched: %s",
			    r->code == 0 && r->enhanced.len == 0
				? "no reply code, no enhanced status and no "
				  "known phrase"
				: "no rule knows this code and wording");
		else
			snprintf(buf, len, "the event itself (%s)",
			    bs_class_name(r->cls));
		return;
	}
	for (i = 0; i < sizeof(why) / sizeof(why[0]); i++)
		if (strcmp(why[i].rank, r->evidence) == 0) {
			snprintf(buf, len, "decided by %s", why[i].text);
			return;
		}
	snprintf(buf, len, "decided by rank %s", r->evidence);
}

/*
 * One JSON object: the input, the decision (class, rule, evidence, why)
 * and what was extracted from the input.
 */
/* The rules read the reply otherwise than it is: an id masked, or cut. */
static bool
read_differs(const struct classify_result *r)
{
	return r->read.len != r->reply.len ||
	    (r->read.len > 0 &&
		memcmp(r->read.ptr, r->reply.ptr, r->read.len) != 0);
}

static void
line_json(FILE *fp, const struct bs_event *ev, const struct classify_result *r,
    const char *provider)
{
	char why[512];

	fputs("{\"input\":", fp);
	json_put_str(
	    fp, ev->reply.ptr != NULL ? ev->reply.ptr : "", ev->reply.len);
	fputs(",\"class\":\"", fp);
	fputs(bs_class_name(r->cls), fp);
	fputs("\",\"permanent\":", fp);
	fputs(r->permanent ? "true" : "false", fp);
	fputs(",\"rule\":", fp);
	json_put_cstr_or_null(fp, r->rule);
	fputs(",\"evidence\":", fp);
	json_put_cstr_or_null(fp, *r->evidence ? r->evidence : NULL);
	why_line(why, sizeof(why), r);
	fputs(",\"why\":", fp);
	json_put_cstr_or_null(fp, why);
	fputs(",\"code\":", fp);
	if (r->code == 0)
		fputs("null", fp);
	else
		fprintf(fp, "%d", r->code);
	fputs(",\"enhanced\":", fp);
	json_span(fp, r->enhanced);
	fputs(",\"wrapper\":", fp);
	json_put_cstr_or_null(fp, r->wrapper);
	fputs(",\"reply\":", fp);
	json_span(fp, r->reply);
	if (read_differs(r)) {
		fputs(",\"read\":", fp);
		json_span(fp, r->read);
	}
	fputs(",\"dnsbl\":", fp);
	json_span(fp, r->dnsbl);
	fputs(",\"listed_ip\":", fp);
	json_span(fp, r->listed_ip);
	if (provider != NULL) {
		fputs(",\"provider\":", fp);
		json_put_cstr_or_null(fp, provider);
	}
	if (r->limit_hit)
		fputs(",\"limit_hit\":true", fp);
	fputs(",\"meaning\":", fp);
	json_put_cstr_or_null(fp, r->meaning);
	fputs(",\"action\":", fp);
	json_put_cstr_or_null(fp, r->action);
	fputs("}\n", fp);
}

static void
explain_text(FILE *fp, struct classifier *c, const struct bs_event *ev,
    const struct classify_result *r, const char *provider)
{
	struct classify_rule_info info;
	size_t i, n = classify_rule_count(c);
	char why[512];

	fprintf(fp, "class:      %s (%s)\n", bs_class_name(r->cls),
	    r->permanent ? "permanent" : "temporary");
	fputs("rule:       ", fp);
	if (*r->rule == '\0')
		fputs(r->cls == BS_CLASS_UNKNOWN ? "(no rule matched)"
						 : "(built-in)",
		    fp);
	else {
		fputs(r->rule, fp);
		for (i = 0; i < n; i++)
			if (classify_rule_get(c, i, &info) == 0 &&
			    strcmp(info.name, r->rule) == 0) {
				fprintf(fp, " (%s:%d)", info.file, info.line);
				break;
			}
	}
	if (r->limit_hit)
		fputs(" [pattern match limit hit]", fp);
	why_line(why, sizeof(why), r);
	fprintf(fp, "\nwhy:        %s", why);
	fputs("\ncode:       ", fp);
	put_code(fp, r->code);
	fputs("\nenhanced:   ", fp);
	put_span(fp, r->enhanced);
	fprintf(fp, "\nwrapper:    %s", r->wrapper);
	fputs("\nmeaning:    ", fp);
	fput_sanitized(fp, *r->meaning ? r->meaning : "-",
	    *r->meaning ? strlen(r->meaning) : 1);
	fputs("\naction:     ", fp);
	fput_sanitized(fp, *r->action ? r->action : "-",
	    *r->action ? strlen(r->action) : 1);
	fputs("\ndnsbl:      ", fp);
	put_span(fp, r->dnsbl);
	fputs("\nlisted ip:  ", fp);
	put_span(fp, r->listed_ip);
	fputs("\nprovider:   ", fp);
	fputs(provider != NULL ? provider : "-", fp);
	fputs("\nreply:      ", fp);
	put_span(fp, r->reply);
	if (read_differs(r)) {
		fputs("\nread as:    ", fp);
		put_span(fp, r->read);
	}
	if (r->reply.ptr != ev->reply.ptr || r->reply.len != ev->reply.len) {
		fputs("\ninput:      ", fp);
		put_span(fp, ev->reply);
	}
	putc('\n', fp);
}

static void
list_rules(FILE *fp, struct classifier *c)
{
	struct classify_rule_info info;
	size_t i, n = classify_rule_count(c);

	for (i = 0; i < n; i++) {
		if (classify_rule_get(c, i, &info) == -1)
			continue;
		fprintf(fp, "%-32s %-18s %-8s %s:%d%s\n", info.name,
		    info.disabled ? "-" : bs_class_name(info.cls),
		    info.disabled ? "-" : info.evidence, info.file, info.line,
		    info.disabled ? " (disabled)" : "");
	}
}

/* Classifies standard input line by line. */
static int
classify_stream(struct classifier *c, const char *provider, bool json)
{
	struct classify_result r;
	struct bs_event ev;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, stdin)) != -1) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		classify_event_from_text(line, (size_t)n, &ev);
		classify_event(c, &ev, provider, &r);
		if (json)
			line_json(stdout, &ev, &r, provider);
		else
			line_text(stdout, &r);
	}
	free(line);
	if (ferror(stdin)) {
		fprintf(stderr, "bouncestat classify: error: stdin: %s\n",
		    strerror(errno));
		return 1;
	}
	return 0;
}

static int
cmd_classify_exec(int argc, char **argv)
{
	static const struct option own[] = {
		{ "relay", required_argument, NULL, 'R' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char errbuf[BS_ERRLEN], prov[256];
	const char *provider = NULL, *text;
	struct option longopts[CTX_OPTIONS_MAX];
	struct cmd_ctx ctx;
	struct classifier *c;
	struct classify_result r;
	struct bs_event ev;
	bool json = false, list = false;
	int ch, rc = 0;

	/* Options may follow TEXT; "--" ends them for a TEXT that starts
	 * with a dash. */
	cmd_ctx_init(
	    &ctx, "classify", CTX_RULES | CTX_TEXT | CTX_JSON, own, longopts);
	optind = 1;
	while ((ch = cmd_ctx_getopt(&ctx, argc, argv, "h", longopts)) != -1) {
		switch (ch) {
		case 'R':
			if (provider_from_host(
				bs_span_make(optarg, strlen(optarg)), prov,
				sizeof(prov)) > 0)
				provider = prov;
			break;
		case 'l':
			list = true;
			break;
		case 'h':
			help();
			return 0;
		default:
			return cmd_usage(&cmd_classify_entry);
		}
	}
	/* trial6: a reply pasted without quotes is several arguments, and
	 * an empty one is no reply: say so, not only the usage line. */
	if (!list && argc - optind > 1)
		fprintf(stderr,
		    "bouncestat classify: %d arguments: give the reply as one, "
		    "quoted\n(bouncestat classify '550 5.1.1 ...'), or - to "
		    "read replies from standard input\n",
		    argc - optind);
	else if (!list && optind == argc - 1 && argv[optind][0] == '\0')
		fputs("bouncestat classify: the reply text is empty\n", stderr);
	if (list ? optind != argc
		 : optind != argc - 1 || argv[optind][0] == '\0')
		return cmd_usage(&cmd_classify_entry);
	if ((rc = cmd_ctx_finish(&ctx, false, &cmd_classify_entry)) != 0)
		return rc;
	json = ctx.format == CTX_FORMAT_JSON;
	if ((c = rules_load(ctx.rules, errbuf)) == NULL) {
		cmd_ctx_error(&ctx, "rules: %s", errbuf);
		return 1;
	}
	if (list)
		list_rules(stdout, c);
	else if (strcmp(argv[optind], "-") == 0)
		rc = classify_stream(c, provider, json);
	else {
		text = argv[optind];
		classify_event_from_text(text, strlen(text), &ev);
		classify_event(c, &ev, provider, &r);
		if (json)
			line_json(stdout, &ev, &r, provider);
		else
			explain_text(stdout, c, &ev, &r, provider);
	}
	classify_free(c);
	/* A write error, once, in the commands' words (main() would only
	 * see the error indicator, its errno gone). */
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "bouncestat classify: error: stdout: %s\n",
		    errno != 0 ? strerror(errno) : "write error");
		clearerr(stdout);
		return 1;
	}
	return rc;
}
