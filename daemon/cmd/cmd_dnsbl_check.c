/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * bouncestat dnsbl-check: asks every DNSBL of the list data about the
 * given IPs (else the configuration's check_ip) now, on a libev loop of
 * its own with c-ares (the daemon's code: daemon/dnsbl/), and prints one
 * row per IP and list. Writes nothing: the daemon records its own checks
 * (status shows them). Exit 1 when an actionable list lists an IP.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "cmd.h"
#include "conf.h"
#include "context.h"
#include "dnsbl_check.h"
#include "dnsbl_list.h"
#include "duration.h"
#include "json.h"
#include "resolver.h"
#include "log.h"
#include "util.h"

static int cmd_dnsbl_check_exec(int, char **);

const struct cmd_entry cmd_dnsbl_check_entry = {
	"dnsbl-check",
	"[-c FILE] [--resolver HOST[:PORT]] [--timeout DUR] [--lists DIR] "
	"[--format text|json] [IP...]",
	"check IPs against the DNSBLs now (exit 1: listed)",
	cmd_dnsbl_check_exec,
};

static void
help(void)
{
	printf("usage: bouncestat dnsbl-check %s\n\n"
	       "Asks every DNSBL of the list data (built in, plus "
	       "dnsbl_dir or\n%s) whether it lists each IP (default: the "
	       "configuration's\ncheck_ip), all queries at once, and prints "
	       "one row per IP and list:\nlisted (with the list's meaning of "
	       "the answer and its delisting page),\nnot listed, pass, or "
	       "error. An error (refused, timeout, Spamhaus's\n127.255.255.254 "
	       "for a public resolver) is never taken for 'not listed'.\n"
	       "Writes nothing; the daemon records its own checks (see "
	       "'status').\n\n"
	       "  -c, --config FILE   check_ip, dnsbl_resolver, "
	       "dnsbl_timeout, dnsbl_dir\n"
	       "  --resolver SERVERS  DNS servers, HOST[:PORT][,...] "
	       "(default: dnsbl_resolver,\n"
	       "                      else /etc/resolv.conf's)\n"
	       "  --timeout DUR       per query try (default: dnsbl_timeout, "
	       "5s)\n"
	       "  --lists DIR         operator list files (default: "
	       "dnsbl_dir)\n"
	       "  --format FMT        text (default) or json\n\n"
	       "Exit status: 0 no actionable listing, 1 listed by an "
	       "actionable list (or a\nfailure: also when every query "
	       "failed), 2 usage error (also a --resolver that is\n"
	       "not HOST[:PORT][,...] with HOST an IP address).\n",
	    cmd_dnsbl_check_entry.usage, DNSBL_DIR_DEFAULT);
}

struct outcome {
	struct dnsbl_result *v;
	size_t n;
	bool done;
};

static void
on_done(void *arg, const struct dnsbl_result *res, size_t n)
{
	struct outcome *o = arg;

	o->v = xcalloc(n + 1, sizeof(*o->v));
	memcpy(o->v, res, n * sizeof(*res));
	o->n = n;
	o->done = true;
	ev_break(EV_DEFAULT, EVBREAK_ALL);
}

static const char *
result_word(const struct dnsbl_result *r)
{
	if (r->verdict == DNSBL_LISTED)
		return r->actionable ? "LISTED" : "listed(muted)";
	if (r->verdict == DNSBL_ERROR)
		return "ERROR";
	if (r->verdict == DNSBL_PASS)
		return "pass";
	return "ok";
}

static void
print_text(const struct outcome *o)
{
	size_t i, wi = 2, wz = 4, listed = 0, muted = 0, errors = 0;
	char meaning[DNSBL_MEANING_MAX + 300];

	for (i = 0; i < o->n; i++) {
		if (strlen(o->v[i].ip) > wi)
			wi = strlen(o->v[i].ip);
		if (strlen(o->v[i].zone) > wz)
			wz = strlen(o->v[i].zone);
	}
	printf("%-*s  %-*s  %-13s  %-15s  %s\n", (int)wi, "IP", (int)wz, "LIST",
	    "RESULT", "ANSWER", "MEANING");
	for (i = 0; i < o->n; i++) {
		const struct dnsbl_result *r = &o->v[i];

		if (r->verdict == DNSBL_LISTED && r->actionable)
			listed++;
		else if (r->verdict == DNSBL_LISTED)
			muted++;
		else if (r->verdict == DNSBL_ERROR)
			errors++;
		snprintf(meaning, sizeof(meaning), "%s%s%s", r->meaning,
		    r->verdict == DNSBL_LISTED && r->delist[0] != '\0'
			? "; delist: "
			: "",
		    r->verdict == DNSBL_LISTED ? r->delist : "");
		printf("%-*s  %-*s  %-13s  %-15s  %s\n", (int)wi, r->ip,
		    (int)wz, r->zone, result_word(r), r->answer, meaning);
	}
	printf("\n%zu queries: %zu listed, %zu listed by muted lists, %zu "
	       "errors\n",
	    o->n, listed, muted, errors);
}

static void
print_json(const struct outcome *o)
{
	size_t i;

	printf("{\"results\":[");
	for (i = 0; i < o->n; i++) {
		const struct dnsbl_result *r = &o->v[i];

		printf("%s{\"ip\":", i > 0 ? "," : "");
		json_put_cstr(stdout, r->ip);
		printf(",\"list\":");
		json_put_cstr(stdout, r->zone);
		printf(",\"name\":");
		json_put_cstr(stdout, r->name);
		printf(",\"result\":");
		json_put_cstr(stdout, dnsbl_verdict_name(r->verdict));
		printf(",\"actionable\":%s,\"answer\":",
		    r->actionable ? "true" : "false");
		json_put_cstr(stdout, r->answer);
		printf(",\"meaning\":");
		json_put_cstr_or_null(stdout, r->meaning);
		printf(",\"delist\":");
		json_put_cstr_or_null(stdout, r->delist);
		printf("}");
	}
	printf("]}\n");
}

static bool
is_ip(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static int
cmd_dnsbl_check_exec(int argc, char **argv)
{
	static const struct option own[] = {
		{ "resolver", required_argument, NULL, 'R' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "lists", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct option longopts[CTX_OPTIONS_MAX];
	const char *resolver = NULL, *lists_dir = NULL, *why = NULL;
	const char *const *ips;
	char errbuf[BS_ERRLEN];
	struct dnsbl_check_opts co;
	struct dnsbl_lists *l = NULL;
	struct dnsbl_check *run = NULL;
	struct outcome out;
	struct cmd_ctx ctx;
	int64_t timeout_ms = -1;
	size_t nips, i, listed = 0, errors = 0;
	int ch, r, rc = 1;

	memset(&out, 0, sizeof(out));
	cmd_ctx_init(
	    &ctx, "dnsbl-check", CTX_DB | CTX_TEXT | CTX_JSON, own, longopts);
	optind = 1;
	while ((ch = cmd_ctx_getopt(&ctx, argc, argv, "h", longopts)) != -1) {
		switch (ch) {
		case 'R':
			resolver = optarg;
			if (resolver_servers_check(resolver, errbuf) == -1) {
				fprintf(stderr,
				    "bouncestat dnsbl-check: --resolver %s: "
				    "%s\n",
				    optarg, errbuf);
				return cmd_usage(&cmd_dnsbl_check_entry);
			}
			break;
		case 'T':
			if (duration_parse(optarg, 1000, &timeout_ms, &why) ==
				-1 ||
			    timeout_ms < 100 || timeout_ms > 60000) {
				fprintf(stderr,
				    "bouncestat dnsbl-check: --timeout %s: "
				    "%s\n",
				    optarg,
				    why != NULL ? why : "must be 100ms..60s");
				return cmd_usage(&cmd_dnsbl_check_entry);
			}
			break;
		case 'L':
			lists_dir = optarg;
			break;
		case 'h':
			help();
			return 0;
		default:
			return cmd_usage(&cmd_dnsbl_check_entry);
		}
	}
	for (i = (size_t)optind; i < (size_t)argc; i++)
		if (!is_ip(argv[i])) {
			fprintf(stderr,
			    "bouncestat dnsbl-check: %s: not an IPv4 or IPv6 "
			    "address\n",
			    argv[i]);
			return cmd_usage(&cmd_dnsbl_check_entry);
		}
	if ((r = cmd_ctx_finish(&ctx, false, &cmd_dnsbl_check_entry)) != 0)
		return r;
	if (optind < argc) {
		ips = (const char *const *)argv + optind;
		nips = (size_t)(argc - optind);
	} else {
		ips = (const char *const *)ctx.conf->check_ip;
		nips = ctx.conf->ncheck_ip;
	}
	if (nips == 0) {
		cmd_ctx_error(&ctx,
		    "no IP to check: name them, or give "
		    "check_ip in the configuration");
		cmd_ctx_free(&ctx);
		return cmd_usage(&cmd_dnsbl_check_entry);
	}
	if (lists_dir == NULL && ctx.conf->dnsbl_dir[0] != '\0')
		lists_dir = ctx.conf->dnsbl_dir;
	if ((l = dnsbl_lists_load(lists_dir, errbuf)) == NULL) {
		cmd_ctx_error(&ctx, "lists: %s", errbuf);
		goto done;
	}
	memset(&co, 0, sizeof(co));
	co.servers = resolver != NULL             ? resolver
	    : ctx.conf->dnsbl_resolver[0] != '\0' ? ctx.conf->dnsbl_resolver
						  : NULL;
	co.timeout_ms =
	    (int)(timeout_ms > 0 ? timeout_ms : ctx.conf->dnsbl_timeout_ms);
	co.tries = 2;
	if ((run = dnsbl_check_start(EV_DEFAULT, l, ips, nips, &co, on_done,
		 &out, errbuf)) == NULL) {
		cmd_ctx_error(&ctx, "%s", errbuf);
		goto done;
	}
	ev_run(EV_DEFAULT, 0);
	if (!out.done) {
		cmd_ctx_error(&ctx, "the checks did not finish");
		goto done;
	}
	for (i = 0; i < out.n; i++) {
		if (out.v[i].verdict == DNSBL_LISTED && out.v[i].actionable)
			listed++;
		if (out.v[i].verdict == DNSBL_ERROR)
			errors++;
	}
	if (ctx.format == CTX_FORMAT_JSON)
		print_json(&out);
	else
		print_text(&out);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cmd_ctx_error(&ctx, "standard output: write error");
		goto done;
	}
	if (out.n > 0 && errors == out.n) {
		/* Nothing was checked: not a clean bill of health. */
		cmd_ctx_error(&ctx,
		    "no list answered (%zu queries failed): is the resolver "
		    "reachable (--resolver, dnsbl_resolver)?",
		    errors);
		goto done;
	}
	rc = listed > 0 ? 1 : 0;
done:
	dnsbl_check_free(run);
	dnsbl_lists_free(l);
	free(out.v);
	cmd_ctx_free(&ctx);
	return rc;
}
