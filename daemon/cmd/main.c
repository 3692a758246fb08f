/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * bouncestat: follow mail logs, classify every deferral, bounce and expiry
 * by the receiver's reply, store counts in SQLite, report and alert.
 * main() only finds the command in the table and runs it; exit codes:
 * 0 success, 1 runtime failure, 2 usage error.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cmd.h"
#include "cmd_names.h"
#include "event.h"
#include "log.h"
#include "near_name.h"
#include "util.h"

static const struct cmd_entry *const cmd_table[] = {
	&cmd_daemon_entry,
	&cmd_import_entry,
	&cmd_report_entry,
	&cmd_incidents_entry,
	&cmd_messages_entry, /* issue 16 */
	&cmd_trace_entry,    /* issue 16 */
	&cmd_alert_entry,
	&cmd_classify_entry,
	&cmd_parse_entry,
	&cmd_status_entry,
	&cmd_dnsbl_check_entry,
	&cmd_rebuild_entry,
	&cmd_check_config_entry,
	&cmd_version_entry,
	NULL,
};

static void
usage(FILE *fp)
{
	const struct cmd_entry *const *c;
	char db[1024];

	fprintf(fp,
	    "usage: bouncestat <command> [options]\n\n"
	    "Follows mail logs (Postfix, Exim, Sendmail, OpenSMTPD), "
	    "extracts every\ndeferral, bounce and expiry with the receiver's "
	    "reply, classifies it, keeps\ncounts in SQLite, and tells "
	    "when a receiver throttles or blacklists you.\n\n"
	    "commands:\n");
	for (c = cmd_table; *c != NULL; c++)
		fprintf(fp, "  %-13s %s\n", (*c)->name, (*c)->help);
	fprintf(fp,
	    "\n'bouncestat <command> --help' (or 'bouncestat help <command>') "
	    "describes a\ncommand.\n"
	    "Database, for every command: --db PATH, else $BOUNCESTAT_DB, "
	    "else the\nconfiguration's database (-c FILE, default "
	    "/etc/bouncestat/bouncestat.conf),\nelse "
	    "/var/lib/bouncestat/bouncestat.db when it exists (or for root's "
	    "import\nand daemon), else "
	    "$XDG_STATE_HOME/bouncestat/bouncestat.db.\nHere and now, for "
	    "a reader: %s.\n"
	    "Exit status: 0 success, 1 failure, 2 usage error.\n",
	    default_db_path(db, sizeof(db), false));
}

/* "unknown command: dnsbl (did you mean dnsbl-check?)" (trial6). */
static void
unknown_command(const char *given)
{
	const char *names[sizeof(cmd_table) / sizeof(cmd_table[0])];
	const char *near;
	size_t n;

	for (n = 0; cmd_table[n] != NULL; n++)
		names[n] = cmd_table[n]->name;
	fprintf(stderr, "bouncestat: unknown command: %s", given);
	if ((near = near_name(given, names, n)) != NULL)
		fprintf(stderr, " (did you mean %s?)", near);
	fputs("\nTry 'bouncestat --help'.\n", stderr);
}

int
cmd_usage(const struct cmd_entry *c)
{
	fprintf(stderr,
	    "usage: bouncestat %s %s\n"
	    "Try 'bouncestat %s --help'.\n",
	    c->name, c->usage, c->name);
	return 2;
}

bool
cmd_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}

int
main(int argc, char **argv)
{
	const struct cmd_entry *const *c;
	char errbuf[BS_ERRLEN], prog[64];
	int rc;

	log_init(LOG_LEVEL_INFO, "bouncestat");
	signal(SIGPIPE, SIG_IGN);
	if (clock_init_env(errbuf) == -1) {
		fprintf(stderr, "bouncestat: error: %s\n", errbuf);
		return 1;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	/* `bouncestat help CMD` is `bouncestat CMD --help`. */
	if (strcmp(argv[1], "help") == 0 && argc == 3) {
		static char help_opt[] = "--help";

		argv[1] = argv[2];
		argv[2] = help_opt;
	} else if (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
		argv[1] = (char *)"version";
	for (c = cmd_table; *c != NULL; c++)
		if (strcmp((*c)->name, argv[1]) == 0)
			break;
	if (*c == NULL) {
		unknown_command(argv[1]);
		return 2;
	}
	/*
	 * Commands that print stop quietly when their reader goes away
	 * (`bouncestat parse log | head`), as Unix tools do: SIGPIPE ends
	 * them. The daemon and alert (which writes to sendmail) keep it
	 * ignored and handle EPIPE as an error.
	 */
	if (strcmp((*c)->name, "daemon") != 0 &&
	    strcmp((*c)->name, "alert") != 0)
		signal(SIGPIPE, SIG_DFL);
	/* getopt_long's messages start with argv[0]: "bouncestat CMD:", the
	 * wording of the commands' own usage errors. */
	snprintf(prog, sizeof(prog), "bouncestat %s", (*c)->name);
	argv[1] = prog;
	rc = (*c)->exec(argc - 1, argv + 1);
	/* Worded as every command's failure (bouncestat(8) EXIT STATUS). */
	if (fflush(stdout) != 0) {
		fprintf(stderr, "bouncestat %s: error: stdout: %s\n",
		    (*c)->name, strerror(errno));
		return 1;
	}
	if (ferror(stdout)) { /* an earlier write; its errno is gone */
		fprintf(stderr, "bouncestat %s: error: stdout: write error\n",
		    (*c)->name);
		return 1;
	}
	return rc;
}
