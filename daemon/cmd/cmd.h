/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The command table (after tmux's cmd.c): one file per command,
 * daemon/cmd_<name>.c, each exporting one struct cmd_entry. Handlers get
 * argv with argv[0] = "bouncestat <name>" (getopt's messages start with
 * it) and return the process exit code:
 * 0 success, 1 runtime failure, 2 usage error (after printing the usage
 * line to stderr with cmd_usage()).
 */
#ifndef BS_DAEMON_CMD_H
#define BS_DAEMON_CMD_H

#include <stdbool.h>

typedef int cmd_exec_fn(int argc, char **argv);

struct cmd_entry {
	const char *name;
	const char *usage; /* options after "bouncestat <name>" */
	const char *help;  /* one line for the command list */
	cmd_exec_fn *exec;
};

extern const struct cmd_entry cmd_import_entry;
extern const struct cmd_entry cmd_parse_entry;
extern const struct cmd_entry cmd_report_entry;
extern const struct cmd_entry cmd_incidents_entry;
extern const struct cmd_entry cmd_alert_entry;
extern const struct cmd_entry cmd_classify_entry;
extern const struct cmd_entry cmd_daemon_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_rebuild_entry;
extern const struct cmd_entry cmd_check_config_entry;
extern const struct cmd_entry cmd_version_entry;
extern const struct cmd_entry cmd_messages_entry; /* issue 16 */
extern const struct cmd_entry cmd_trace_entry;    /* issue 16 */
extern const struct cmd_entry cmd_dnsbl_check_entry;

/* Prints "usage: bouncestat <name> <usage>" and a --help hint to stderr;
 * returns 2. */
int cmd_usage(const struct cmd_entry *);

/* True when argv holds -h or --help: print full help and exit 0. */
bool cmd_wants_help(int argc, char **argv);

#endif
