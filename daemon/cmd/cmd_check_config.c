/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * bouncestat check-config: parse the configuration file, check every
 * directive's value and bounds, load and compile the built-in and operator
 * rules, and print "configuration OK" - what SIGHUP would accept. Every
 * error is printed ("file:line: message"), not only the first: a syntax
 * error does not hide the checks past the syntax (conf_load_all()). Paths to
 * follow that do not exist yet are mentioned, not errors: the daemon waits
 * for them.
 */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "classify.h"
#include "alert_notify.h"
#include "cmd.h"
#include "conf.h"
#include "dnsbl_list.h"
#include "resolver.h"
#include "rules.h"

static int cmd_check_config_exec(int, char **);

const struct cmd_entry cmd_check_config_entry = {
	"check-config",
	"[-c FILE] [--directives]",
	"validate the configuration and rules",
	cmd_check_config_exec,
};

static void
help(void)
{
	printf(
	    "usage: bouncestat check-config %s\n\n"
	    "Reads the configuration (default %s;\na missing default file "
	    "means all defaults), checks every directive, loads and\n"
	    "compiles the rules of rules_dir, reads the DNSBL lists of "
	    "dnsbl_dir, and prints\n'configuration OK'. Errors go to "
	    "standard error as file:line: message, all\nof them: an error in "
	    "one line hides neither the other lines nor the checks\npast the "
	    "syntax (user, rules_dir, dnsbl_dir, metrics_listen, webhook, "
	    "exec,\ndnsbl_resolver).\n\n"
	    "  -c, --config FILE  the file to check (it must exist)\n"
	    "  --directives       print every directive with its type, "
	    "bounds, default\n"
	    "                     and help, as a sample configuration\n\n"
	    "Exit status: 0 valid, 1 errors, 2 usage error.\n",
	    cmd_check_config_entry.usage, CONF_PATH_DEFAULT);
}

static void
errfn(void *arg, const char *msg)
{
	int *n = arg;

	(*n)++;
	fprintf(stderr, "%s\n", msg);
}

static int
cmd_check_config_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "directives", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CONF_PATH_DEFAULT;
	char errbuf[BS_ERRLEN];
	struct classifier *cl;
	struct dnsbl_lists *dl;
	struct conf *c;
	struct stat st;
	bool given = false;
	int ch, nerr = 0;
	size_t i;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (*optarg == '\0') {
				fprintf(stderr,
				    "bouncestat check-config: -c: empty path\n");
				return cmd_usage(&cmd_check_config_entry);
			}
			path = optarg;
			given = true;
			break;
		case 'D':
			conf_print_directives(stdout);
			return 0;
		case 'h':
			help();
			return 0;
		default:
			return cmd_usage(&cmd_check_config_entry);
		}
	}
	if (optind < argc)
		return cmd_usage(&cmd_check_config_entry);
	/* Every error, then fail (STYLE): a line with an error keeps its
	 * default, and the checks past the syntax still run. */
	if ((c = conf_load_all(path, given, errfn, &nerr, &(int){ 0 })) ==
	    NULL) {
		fprintf(stderr, "%s: %d error%s\n", path, nerr,
		    nerr == 1 ? "" : "s");
		return 1;
	}
	/*
	 * The checks past the syntax: each runs, so that one run names every
	 * problem.
	 */
	/* The daemon switches to `user` at start: it must exist. */
	if (c->user[0] != '\0' && getpwnam(c->user) == NULL) {
		fprintf(stderr, "%s:%zu: user %s: no such user\n", c->source,
		    conf_line(c, "user"), c->user);
		nerr++;
	}
	if ((cl = rules_load(c->rules_dir[0] != '\0' ? c->rules_dir : NULL,
		 errbuf)) == NULL) {
		if (c->rules_dir[0] != '\0')
			fprintf(stderr, "%s:%zu: rules_dir %s: %s\n", c->source,
			    c->rules_dir_line, c->rules_dir, errbuf);
		else
			fprintf(stderr, "%s\n", errbuf);
		nerr++;
	}
	classify_free(cl);
	if ((dl = dnsbl_lists_load(
		 c->dnsbl_dir[0] != '\0' ? c->dnsbl_dir : NULL, errbuf)) ==
	    NULL) {
		if (conf_line(c, "dnsbl_dir") > 0)
			fprintf(stderr, "%s:%zu: dnsbl_dir %s: %s\n", c->source,
			    conf_line(c, "dnsbl_dir"), c->dnsbl_dir, errbuf);
		else
			fprintf(
			    stderr, "%s: dnsbl lists: %s\n", c->source, errbuf);
		nerr++;
	}
	dnsbl_lists_free(dl);
	/* What the self-check and dnsbl-check hand to c-ares. */
	nerr += resolver_conf_check(c, errfn, &(int){ 0 });
	nerr += alert_notify_check_conf(c, errfn, &(int){ 0 });
	if (nerr > 0) {
		fprintf(stderr, "%s: %d error%s\n", c->source, nerr,
		    nerr == 1 ? "" : "s");
		conf_free(c);
		return 1;
	}
	if (strcmp(c->source, "(defaults)") == 0)
		printf("%s: not found; using the defaults\n", path);
	for (i = 0; i < c->nfollow; i++)
		if (strpbrk(c->follow[i], "*?[") == NULL &&
		    stat(c->follow[i], &st) == -1)
			printf("%s: follow %s: does not exist yet (it will be "
			       "waited for)\n",
			    c->source, c->follow[i]);
	conf_free(c);
	printf("configuration OK\n");
	return 0;
}
