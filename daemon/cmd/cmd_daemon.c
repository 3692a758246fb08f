/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * bouncestat daemon: follow mail logs and keep the counts exactly right
 * (see loop.h and tail.h). Always runs in the foreground, as systemd
 * expects (Type=notify: READY=1 once the files are open); --foreground is
 * accepted for scripts that pass it.
 *
 * Privileges (after OpenSMTPD): started as root, the daemon switches to
 * the configured `user` (initgroups, setgid, setuid, then checks that root
 * cannot be regained) before it opens the database or any log, so that
 * every file it creates belongs to that user; without a `user` it refuses
 * to run as root unless --allow-root or `allow_root yes` says so.
 */
#define _DEFAULT_SOURCE /* initgroups */

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "conf.h"
#include "event.h"
#include "metrics.h"
#include "resolver.h"
#include "log.h"
#include "loop.h"
#include "util.h"

static int cmd_daemon_exec(int, char **);

const struct cmd_entry cmd_daemon_entry = {
	"daemon",
	"[-c FILE] [--db PATH] [--follow PATH|GLOB]... [--stdin] "
	"[--journal] [--journal-dir DIR] [--foreground] [--allow-root] "
	"[--log-level LEVEL]",
	"follow mail logs and keep the counts (the service)",
	cmd_daemon_exec,
};

static void
help(void)
{
	printf("usage: bouncestat daemon %s\n\n"
	       "Follows the mail logs, extracts every deferral, bounce and "
	       "expiry, classifies\nit and keeps counts in the database, "
	       "exactly once: the position in each file\nis committed with "
	       "the counts it produced, and a restart (even after kill -9),\n"
	       "a rotation (rename or copytruncate) or a re-created file "
	       "neither loses nor\nrepeats a line. A log rotated while the "
	       "daemon was down is read back from\nits renamed or "
	       "gzip-compressed copy (mail.log.1, mail.log.1.gz,\n"
	       "maillog.YYYYMMDD-HHMMSS.gz) first, then every generation "
	       "rotated after it,\noldest first. The systemd journal is "
	       "followed the same way, its cursor\ncommitted with the counts. "
	       "Runs in the foreground and logs to standard\nerror. A corrupt "
	       "database: 'bouncestat rebuild --help'.\n\n"
	       "  -c, --config FILE   configuration (default: %s;\n"
	       "                      'bouncestat check-config --directives' "
	       "lists them)\n"
	       "  --db PATH           database (default: the database "
	       "directive, else see\n"
	       "                      'bouncestat --help')\n"
	       "  --follow PATH|GLOB  a log (a regular file; a pipe: --stdin) "
	       "to follow,\n"
	       "                      repeatable (default: the follow\n"
	       "                      directives, else those of "
	       "/var/log/mail.log,\n"
	       "                      /var/log/maillog, /var/log/postfix.log "
	       "that exist)\n"
	       "  --stdin             also read standard input (no position "
	       "is kept: lines\n"
	       "                      read twice count twice)\n"
	       "  --journal           also follow the systemd journal: the "
	       "entries of\n"
	       "                      postfix@*.service (Debian 12: "
	       "postfix@-), exim4,\n"
	       "                      sendmail, opensmtpd and identifiers "
	       "postfix/*, or the\n"
	       "                      journal_match directives; its cursor "
	       "is committed with\n"
	       "                      the counts. Default (journal auto): "
	       "when no log file\n"
	       "                      is followed and --stdin is not given\n"
	       "  --journal-dir DIR   follow the journal files in DIR instead "
	       "of the local\n"
	       "                      journal (implies --journal)\n"
	       "  --foreground        accepted; the daemon never forks\n"
	       "  --allow-root        run as root when no user directive is "
	       "set\n"
	       "  --log-level LEVEL   error, warning, info or debug "
	       "(overrides log_level)\n\n"
	       "Prometheus metrics: the metrics_listen directive (e.g. "
	       "127.0.0.1:9154) serves\nhttp://ADDR:PORT/metrics from the "
	       "database (README \"Fleets and integrations\").\n\n"
	       "Signals: SIGTERM/SIGINT commit and exit 0; SIGHUP reloads the "
	       "configuration and\nrules (a bad one is logged and the running "
	       "one kept); SIGUSR1 logs counters.\n"
	       "One daemon per database: a second one (but with --stdin) "
	       "refuses to start,\nnaming the first one's pid (a lock on "
	       "DB.daemon-lock).\n"
	       "Exit status: 0 orderly shutdown, 1 failure, 2 usage error.\n",
	    cmd_daemon_entry.usage, CONF_PATH_DEFAULT);
}

static void
errfn(void *arg, const char *msg)
{
	(void)arg;
	log_warnx("%s", msg);
}

/* Switches to user and its groups for good; fatal when that fails. */
static void
drop_privileges(const char *user)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL)
		fatalx("daemon: user %s: %s", user,
		    errno != 0 ? strerror(errno) : "no such user");
	if (pw->pw_uid == 0)
		fatalx("daemon: user %s is root", user);
	if (initgroups(user, pw->pw_gid) == -1)
		fatal("daemon: initgroups %s", user);
	if (setgid(pw->pw_gid) == -1)
		fatal("daemon: setgid %lu", (unsigned long)pw->pw_gid);
	if (setuid(pw->pw_uid) == -1)
		fatal("daemon: setuid %lu", (unsigned long)pw->pw_uid);
	if (setuid(0) != -1 || geteuid() == 0)
		fatalx("daemon: could still regain root after switching to %s",
		    user);
	if (chdir("/") == -1)
		fatal("daemon: chdir /");
	log_info("daemon: running as user %s (uid %lu)", user,
	    (unsigned long)pw->pw_uid);
}

static int
cmd_daemon_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "db", required_argument, NULL, 'd' },
		{ "follow", required_argument, NULL, 'f' },
		{ "stdin", no_argument, NULL, 's' },
		{ "journal", no_argument, NULL, 'j' },
		{ "journal-dir", required_argument, NULL, 'J' },
		{ "foreground", no_argument, NULL, 'F' },
		{ "allow-root", no_argument, NULL, 'R' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct loop_opts opts;
	struct loop *lp;
	struct conf *conf;
	struct metrics *m = NULL;
	char *listen, errbuf[BS_ERRLEN];
	int64_t top;
	enum log_level level = LOG_LEVEL_INFO;
	const char *conf_path = CONF_PATH_DEFAULT, *db = NULL;
	const char *journal_dir = NULL;
	char **follow = NULL, dbbuf[1024];
	size_t nfollow = 0;
	bool conf_given = false, use_stdin = false, allow_root = false;
	bool level_given = false, journal = false;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (*optarg == '\0') {
				fprintf(stderr,
				    "bouncestat daemon: -c: empty path\n");
				return cmd_usage(&cmd_daemon_entry);
			}
			conf_path = optarg;
			conf_given = true;
			break;
		case 'd':
			db = optarg;
			break;
		case 'f':
			if (nfollow >= CONF_FOLLOW_MAX) {
				fprintf(stderr,
				    "bouncestat daemon: more than "
				    "%d --follow\n",
				    CONF_FOLLOW_MAX);
				return cmd_usage(&cmd_daemon_entry);
			}
			follow =
			    xrealloc(follow, (nfollow + 1) * sizeof(*follow));
			follow[nfollow++] = optarg;
			break;
		case 's':
			use_stdin = true;
			break;
		case 'j':
			journal = true;
			break;
		case 'J':
			journal_dir = optarg;
			break;
		case 'F':
			break;
		case 'R':
			allow_root = true;
			break;
		case 'l':
			if (log_level_from_name(optarg, &level) == -1) {
				fprintf(stderr,
				    "bouncestat daemon: unknown log "
				    "level: %s\n",
				    optarg);
				return cmd_usage(&cmd_daemon_entry);
			}
			level_given = true;
			break;
		case 'h':
			/* Only printing: quiet when its reader goes away
			 * (`daemon --help | less`, quit early), as the other
			 * commands' help is. */
			signal(SIGPIPE, SIG_DFL);
			help();
			return 0;
		default:
			return cmd_usage(&cmd_daemon_entry);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bouncestat daemon: unexpected argument: %s\n",
		    argv[optind]);
		free(follow);
		return cmd_usage(&cmd_daemon_entry);
	}
	/* Start and reload refuse what check-config refuses. */
	conf_set_check(resolver_conf_check);
	if ((conf = conf_load(conf_path, conf_given, errfn, NULL)) == NULL) {
		log_errx("daemon: %s: configuration has errors", conf_path);
		free(follow);
		return 1;
	}
	log_set_level(level_given ? level : conf->log_level);
	if (geteuid() == 0) {
		if (conf->user[0] != '\0')
			drop_privileges(conf->user);
		else if (allow_root || conf->allow_root)
			log_warnx("daemon: running as root (allowed)");
		else {
			/* A refusal to start: an error, as all of them. */
			log_errx("daemon: refusing to run as root: set `user` "
				 "in %s, or pass --allow-root",
			    conf_path);
			conf_free(conf);
			free(follow);
			return 1;
		}
	}
	/* The order of every command (context.h): --db, $BOUNCESTAT_DB,
	 * the configuration, the default. */
	if (db == NULL && getenv("BOUNCESTAT_DB") != NULL &&
	    *getenv("BOUNCESTAT_DB") != '\0')
		db = getenv("BOUNCESTAT_DB");
	if (db == NULL)
		db = conf->database[0] != '\0'
		    ? conf->database
		    : default_db_path(dbbuf, sizeof(dbbuf), true);
	memset(&opts, 0, sizeof(opts));
	opts.conf_path = conf_path;
	opts.conf_given = conf_given;
	opts.db_path = db;
	opts.follow = follow;
	opts.nfollow = nfollow;
	opts.use_stdin = use_stdin;
	opts.journal = journal;
	opts.journal_dir = journal_dir;
	/* db may point into conf, which the loop may replace: copy it. */
	opts.db_path = xstrdup(db);
	/* conf becomes the loop's: what the metrics server needs, first. */
	listen = xstrdup(conf->metrics_listen);
	top = conf->metrics_top;
	if ((lp = loop_new(conf, &opts)) == NULL) {
		free(listen);
		free((char *)opts.db_path);
		free(follow);
		return 1;
	}
	/* After loop_new(): the database exists and has its schema. */
	if (*listen != '\0' &&
	    (m = metrics_start(listen, opts.db_path, top, errbuf)) == NULL) {
		log_errx("metrics: %s", errbuf); /* the daemon stops */
		loop_free(lp);
		free(listen);
		free((char *)opts.db_path);
		free(follow);
		return 1;
	}
	if (m != NULL)
		log_info("metrics: serving http://%s/metrics", listen);
	free(listen);
	rc = loop_run(lp);
	metrics_stop(m);
	loop_free(lp);
	log_info("daemon: exiting with status %d", rc);
	free((char *)opts.db_path);
	free(follow);
	return rc;
}
