/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The daemon's configuration file (/etc/bouncestat/bouncestat.conf): one
 * `key value` directive a line, `#` comments (a whole line, or from a `#`
 * that follows white space), blank lines ignored. Every directive lives in
 * one table (conf.c) with its type, default, bounds, whether SIGHUP may
 * change it, and a line of help; defaults are parsed by the same code as
 * the file, so a default out of bounds is caught by the unit test.
 *
 * Errors read "file:line: message"; all of them are collected (handed to a
 * callback), then loading fails. A loaded struct conf is immutable: a
 * reload builds a new one and swaps the pointer only on success. This
 * module does no logging and reads no environment; it does read the file
 * it is asked to load.
 */
#ifndef BS_DAEMON_CONF_H
#define BS_DAEMON_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"

#define CONF_PATH_DEFAULT      "/etc/bouncestat/bouncestat.conf"
#define CONF_FOLLOW_MAX        256  /* follow directives */
#define CONF_JOURNAL_MATCH_MAX 64   /* journal_match directives */
#define CONF_MAIL_TO_MAX       32   /* mail_to directives */
#define CONF_LINE_MAX          4096 /* bytes in one configuration line */

enum conf_start {
	CONF_START_BEGINNING,
	CONF_START_END
};

enum conf_dnsbl {
	CONF_DNSBL_AUTO, /* when check_ip names an IP */
	CONF_DNSBL_ON,   /* also for IPs only replies named */
	CONF_DNSBL_OFF
};

enum conf_journal {
	CONF_JOURNAL_AUTO, /* when no log file is followed */
	CONF_JOURNAL_ON,
	CONF_JOURNAL_OFF
};

/* Read-only once returned by conf_load()/conf_parse(). */
struct conf {
	char *source;   /* file name, "(defaults)" when none was read */
	char *database; /* "" = the default database path */
	char **follow;  /* paths or globs; none = standard mail logs */
	size_t nfollow;
	enum conf_journal journal;
	char **journal_match; /* sd_journal match terms; none = MTA units */
	size_t njournal_match;
	char **detect; /* detector thresholds, KEY=VALUE (detect.h) */
	size_t ndetect;
	char *rules_dir;       /* operator rule files (*.rules) */
	size_t rules_dir_line; /* its line in source, 0: the default */
	char *user;            /* switch to this user when started as root */
	bool allow_root;       /* run as root when no user is given */
	enum log_level log_level;
	enum conf_start start_at; /* for files never seen before */
	int64_t commit_interval_ms;
	int64_t commit_lines;
	int64_t poll_interval_ms;
	int64_t rescan_interval_ms;
	int64_t rotate_wait_ms;
	int64_t shutdown_timeout_ms;
	int64_t retention_ms;        /* events; 0 keeps them for ever */
	int64_t minute_retention_ms; /* minute counts; 0 keeps them */
	int64_t max_line;
	int64_t max_files;
	/* integrations (README "Fleets and integrations") */
	char *metrics_listen; /* "ADDR:PORT" of /metrics, "" off */
	int64_t metrics_top;  /* providers by name in metrics */
	char **webhook;       /* `alert` webhooks: "[json|slack] URL" */
	size_t nwebhook;
	char **exec; /* `alert` hooks: programs run per transition */
	size_t nexec;
	int64_t hook_timeout_ms; /* a webhook or hook's time limit */
	char **mail_to; /* `bouncestat alert` recipients; none = --mail-to */
	size_t nmail_to;
	/* Issue 16: message lifecycle. */
	bool lifecycle;
	int64_t lifecycle_max_open;
	int64_t queue_lifetime_ms;
	int store_addresses; /* enum msg_addr_mode */
	int message_records; /* enum msg_records */
	int64_t message_retention_ms;
	/* The DNSBL self-check (daemon/dnsbl/selfcheck.h). */
	char **check_ip; /* our sending IPs, IPv4 or IPv6 text */
	size_t ncheck_ip;
	enum conf_dnsbl dnsbl_check; /* the self-check at all */
	int64_t dnsbl_interval_ms;   /* between check runs (jittered) */
	int64_t dnsbl_timeout_ms;    /* per query try */
	char *dnsbl_resolver;        /* "" = the system's resolvers */
	char *dnsbl_dir;             /* operator list files (*.lists) */
	int64_t dnsbl_named_ms;      /* IPs named by replies this recently */
	int64_t stall_after_ms;      /* a followed file idle this long while
					the MTA runs: stalled; 0 off */
	char *mta_pid_file;          /* "" = the usual MTAs' pid files */
	size_t *lines; /* each directive's first line in source (conf_line) */
	size_t **list_lines; /* each list entry's line (conf_list_line) */
};

#define CONF_CHECK_IP_MAX 64 /* check_ip directives */

/* Called once per error with "file:line: message" (no newline). */
typedef void conf_error_fn(void *arg, const char *msg);

/*
 * Parses configuration text of len bytes; name is used in messages.
 * Returns a new configuration (caller frees with conf_free()), or NULL
 * after reporting every error through errfn (may be NULL). Allocation
 * failure is reported as an error too.
 */
struct conf *conf_parse(const char *name, const char *text, size_t len,
    conf_error_fn *errfn, void *arg);

/*
 * Reads and parses the file at path. A missing file is an error when
 * must_exist, otherwise the defaults are returned (source "(defaults)").
 * Returns NULL after reporting errors as conf_parse() does.
 */
struct conf *conf_load(
    const char *path, bool must_exist, conf_error_fn *errfn, void *arg);

/*
 * conf_load() for check-config: returns the configuration also when lines
 * had errors (each reported through errfn; such a line leaves its
 * directive's default), so that the checks past the syntax still run and
 * one run names every problem; *nerr is the number of errors. NULL only
 * when the file cannot be read at all.
 */
struct conf *conf_load_all(const char *path, bool must_exist,
    conf_error_fn *errfn, void *arg, int *nerr);

/*
 * A check past the syntax that conf_load() runs on every configuration it
 * would return: returns its number of errors, each reported through errfn
 * as "file:line: message"; more than 0 makes conf_load() fail. The daemon
 * installs the dnsbl_resolver check (resolver_conf_check()), so that a
 * start and a SIGHUP reload refuse what check-config refuses. NULL (the
 * default): none. Not thread-safe; set it before loading.
 */
typedef int conf_check_fn(const struct conf *, conf_error_fn *errfn, void *arg);
void conf_set_check(conf_check_fn *);

/* The line of source where directive was first given; 0: not given. */
size_t conf_line(const struct conf *, const char *directive);

/*
 * The line of source of entry i of list directive (webhook, exec, ...);
 * 0: a default entry, not a list, or no such entry.
 */
size_t conf_list_line(const struct conf *, const char *directive, size_t i);

/* Frees a configuration; accepts NULL. */
void conf_free(struct conf *);

/*
 * Calls fn for each directive whose value differs between old and new and
 * that SIGHUP cannot change (the running value stays in force); msg is
 * "<name>: changed, restart to apply". Returns how many there were.
 */
int conf_changed_fixed(const struct conf *old_conf, const struct conf *new_conf,
    conf_error_fn *fn, void *arg);

/* True when the follow lists of a and b are equal (same order). */
bool conf_follow_equal(const struct conf *a, const struct conf *b);

/*
 * Writes the directive table to fp as a commented sample configuration:
 * for each directive its help, bounds, reloadability and default.
 */
void conf_print_directives(FILE *fp);

#endif
