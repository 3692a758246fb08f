/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The command context: the options every command that reads or writes
 * the database shares, parsed in one place (in the spirit of tmux's
 * argument templates), and what they resolve to:
 *
 *   -c, --config FILE   the configuration (default CONF_PATH_DEFAULT when
 *                       it exists; its `database`, `detect` and
 *                       `rules_dir` apply to every command)
 *   --db PATH           the database
 *   --rules DIR         operator rule files
 *   --detect KEY=VALUE  detector thresholds, after the config's `detect`
 *   --now WHEN          the present (clock_set())
 *   --format FMT        text, json or csv: those the command offers
 *   --utc               times shown and read in UTC, not local time
 *
 * The database is resolved in one order for every command: --db, then
 * $BOUNCESTAT_DB, then the configuration's `database`, then the default:
 * /var/lib/bouncestat/bouncestat.db (the service's) when that file exists
 * or when running as root, else $XDG_STATE_HOME/bouncestat/bouncestat.db.
 * A reader never asks whether it could write there.
 *
 * Failures are reported once, in one wording: "bouncestat CMD: error:
 * ..." with exit status 1 (runtime) or a usage message with 2.
 */
#ifndef BS_DAEMON_CMD_CONTEXT_H
#define BS_DAEMON_CMD_CONTEXT_H

#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect.h"

struct conf;
struct classifier;
struct cmd_entry;
struct store;

/* Which shared options a command takes (or-ed). */
#define CTX_DB     0x01 /* --db, -c/--config */
#define CTX_RULES  0x02 /* --rules */
#define CTX_DETECT 0x04 /* --detect */
#define CTX_NOW    0x08 /* --now */
/* --format: the formats a command offers (at least CTX_TEXT) */
#define CTX_TEXT   0x10
#define CTX_JSON   0x20
#define CTX_CSV    0x40
#define CTX_TZ     0x80  /* --utc: times in UTC instead of local time */
#define CTX_HTML   0x100 /* --format html */

/* getopt_long values of the shared options (outside any command's). */
enum {
	CTX_OPT_CONFIG = 'c',
	CTX_OPT_DB = 0x100,
	CTX_OPT_RULES,
	CTX_OPT_DETECT,
	CTX_OPT_NOW,
	CTX_OPT_FORMAT,
	CTX_OPT_UTC
};

enum ctx_format {
	CTX_FORMAT_TEXT,
	CTX_FORMAT_JSON,
	CTX_FORMAT_CSV,
	CTX_FORMAT_HTML
};

#define CTX_OPTIONS_MAX 48 /* a command's own and the shared options */
#define CTX_DETECT_MAX  64 /* --detect arguments */

struct cmd_ctx {
	const char *cmd; /* "report", for messages */
	unsigned takes;  /* CTX_* */
	/* as given */
	const char *db_arg, *config_arg, *rules_arg, *now_arg;
	const char *detect_args[CTX_DETECT_MAX];
	size_t ndetect;
	/* resolved by cmd_ctx_finish() */
	struct conf *conf;   /* the configuration (defaults when no file) */
	char db[PATH_MAX];   /* the database path */
	const char *db_from; /* "--db", "BOUNCESTAT_DB", "config", "default" */
	const char *rules;   /* rule directory, NULL: the default */
	struct detect_params dp;
	int64_t now;
	enum ctx_format format; /* --format, default text */
};

/*
 * Starts a context for command cmd taking the shared options `takes`;
 * fills opts (CTX_OPTIONS_MAX entries) with the command's own long
 * options (own, NULL-terminated) followed by the shared ones.
 */
void cmd_ctx_init(struct cmd_ctx *ctx, const char *cmd, unsigned takes,
    const struct option *own, struct option *opts);

/* The short options string for getopt_long: own plus "c:" when the
 * command takes CTX_DB. Returns a static string. */
const char *cmd_ctx_shortopts(const struct cmd_ctx *ctx, const char *own);

/*
 * Takes option ch (with optarg) when it is a shared one. Returns 1 when
 * taken, 0 when it is not a shared option, -1 on a bad value (message
 * printed; the caller shows its usage and exits 2).
 */
int cmd_ctx_option(struct cmd_ctx *ctx, int ch, const char *optarg);

/*
 * getopt_long() over the command's own and the shared options, taking the
 * shared ones itself: returns the next option of the command's own, '?'
 * for an unknown option or a bad shared value, -1 at the end.
 */
int cmd_ctx_getopt(struct cmd_ctx *ctx, int argc, char **argv,
    const char *own_short, const struct option *longopts);

/*
 * Resolves the context after option parsing: the clock (--now), the
 * configuration (a named one must exist; the default one only when
 * present), the database path, the detector parameters (defaults, then
 * the configuration's `detect` lines, then --detect). writer: the command
 * writes the database (as root the service's database is its default,
 * its directory created). Returns 0, or the exit status after printing
 * why (1; 2 after e's usage line) with the context freed.
 */
int cmd_ctx_finish(struct cmd_ctx *ctx, bool writer, const struct cmd_entry *e);

/*
 * For commands that read an existing database: 0 when ctx->db is a
 * file, else 1 after "error: no database at PATH ..." (or "is a
 * directory").
 */
int cmd_ctx_need_db(const struct cmd_ctx *ctx);

/*
 * For the query commands: the existing database, opened read-only. NULL
 * after cmd_ctx_need_db()'s message or "error: PATH: why it would not
 * open", with ctx freed (the command then exits 1).
 */
struct store *cmd_ctx_open_ro(struct cmd_ctx *ctx);

/*
 * --since WHEN against ctx->now into *out: 0, or -1 after "bouncestat
 * CMD: bad --since: WHEN" with ctx freed (the command then prints its
 * usage and exits 2).
 */
int cmd_ctx_since(struct cmd_ctx *ctx, const char *when, int64_t *out);

/*
 * The forms a time argument takes, for the errors about a bad --since,
 * --until or --now (trial6: "bad --since: 3days" alone): "WHEN: a
 * duration ago (...), ...\n", wrapped to 80 columns.
 */
extern const char cmd_time_forms[];

/* Prints "bouncestat CMD: error: <fmt>" to standard error, with
 * fput_sanitized() (at most 2 KiB of message). */
void cmd_ctx_error(const struct cmd_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * As cmd_ctx_error(), for command cmd ("parse") without a context.
 * trial12: a command's errors all read so, never the daemon's
 * "bouncestat: error: ..." (log_errx()).
 */
void cmd_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Prints store_open()'s errbuf (it names the database already) as
 * cmd_ctx_error() does, with the way out when the file is not a SQLite
 * database or is corrupt: 'bouncestat rebuild'.
 */
void cmd_ctx_store_error(const struct cmd_ctx *ctx, const char *errbuf);

/* Prints the help of the shared options in takes, and the database
 * order, to standard output. */
void cmd_ctx_help(unsigned takes);

/* Releases what cmd_ctx_finish() took. */
void cmd_ctx_free(struct cmd_ctx *ctx);

#endif
