/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See conf.h. The directive table below is the single source of truth:
 * parsing, defaults, bounds, the reload policy and the documentation
 * (conf_print_directives(), contrib/bouncestat.conf) all come from it.
 * Values are written into struct conf through offsetof(), by type.
 *
 * Value syntax: durations are a number with a unit (ms, s, m, h, d, w),
 * several may be summed ("1h30m"), "0" needs none; sizes are bytes with an
 * optional k or M suffix (1024-based); booleans are yes/no, true/false,
 * on/off, 1/0; strings are the rest of the line, trimmed.
 *
 * Not here: deciding what the default database path is (util.c), globbing
 * follow patterns (loop.c), loading rule files (rules.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "address.h"
#include "conf.h"
#include "duration.h"
#include "detect.h"
#include "near_name.h"

_Static_assert(sizeof(enum log_level) == sizeof(int), "enum size");
_Static_assert(sizeof(enum conf_start) == sizeof(int), "enum size");
_Static_assert(sizeof(enum conf_journal) == sizeof(int), "enum size");

#define CONF_FILE_MAX (1024 * 1024) /* bytes of configuration file */

enum dtype {
	T_STRING,
	T_LIST,
	T_BOOL,
	T_INT,
	T_SIZE,
	T_DURATION,
	T_ENUM
};

static const char *const level_names[] = { "error", "warning", "info", "debug",
	NULL };
static const char *const start_names[] = { "beginning", "end", NULL };
static const char *const journal_names[] = { "auto", "on", "off", NULL };
/* Issue 16: message lifecycle (enum msg_addr_mode, enum msg_records). */
static const char *const addr_names[] = { "yes", "hash", "domain", NULL };
static const char *const records_names[] = { "all", "failed", NULL };

struct directive {
	const char *name;
	enum dtype type;
	size_t off;
	const char *def; /* default, in file syntax */
	int64_t min, max;
	const char *const *names; /* T_ENUM values, in enum order */
	bool reload;              /* SIGHUP applies a change */
	const char *help;
	const char *example; /* for the sample when the default is empty */
	size_t noff;         /* T_LIST: offset of the entry count */
};

#define MS(x)  ((int64_t)(x))
#define SEC(x) ((int64_t)(x)*1000)

static const struct directive table[] = {
	{ "database", T_STRING, offsetof(struct conf, database), "", 0, 0, NULL,
	    false,
	    "SQLite database file. --db and $BOUNCESTAT_DB override it. "
	    "Empty: /var/lib/bouncestat/bouncestat.db when that file exists "
	    "(or for root's import and daemon), else "
	    "$XDG_STATE_HOME/bouncestat/bouncestat.db "
	    "(~/.local/state/...).",
	    "/var/lib/bouncestat/bouncestat.db", 0 },
	{ "follow", T_LIST, offsetof(struct conf, follow), "", 0,
	    CONF_FOLLOW_MAX, NULL, true,
	    "A log file or glob pattern to follow; repeat for several. None: "
	    "those of /var/log/mail.log, /var/log/maillog and "
	    "/var/log/postfix.log that exist. --follow overrides them. Glob "
	    "matches ending in a rotation suffix (.1, .gz, -20261122, ...) "
	    "are skipped.",
	    "/var/log/mail.log", offsetof(struct conf, nfollow) },
	{ "journal", T_ENUM, offsetof(struct conf, journal), "auto", 0, 0,
	    journal_names, false,
	    "Follow the systemd journal (the MTA units' entries, with its "
	    "cursor committed with the counts): auto (when no log file is "
	    "followed: no follow directive, none of the default files exists "
	    "and no --stdin), on (also next to files) or off. --journal and "
	    "--journal-dir turn it on.",
	    NULL, 0 },
	{ "journal_match", T_LIST, offsetof(struct conf, journal_match), "", 0,
	    CONF_JOURNAL_MATCH_MAX, NULL, false,
	    "Journal entries to read instead of the MTA units' (postfix@*, "
	    "exim4, sendmail, opensmtpd, identifiers postfix/*): FIELD=VALUE "
	    "terms, all of which must hold; repeat for alternatives.",
	    "_SYSTEMD_UNIT=postfix@-.service",
	    offsetof(struct conf, njournal_match) },
	{ "detect", T_LIST, offsetof(struct conf, detect), "", 0, 64, NULL,
	    true,
	    "A spike detector threshold as KEY=VALUE; repeat for several. "
	    "None: the documented defaults. Keys: window, baseline_days, "
	    "keep, and KIND.min_count, .factor, .alpha, .floor, .min_total, "
	    ".min_rate, .quiet for the incident kinds ('bouncestat alert "
	    "--help' lists them).",
	    "rate_limited.min_count=10", offsetof(struct conf, ndetect) },
	{ "rules_dir", T_STRING, offsetof(struct conf, rules_dir), "", 0, 0,
	    NULL, true,
	    "Directory of operator rule files (*.rules), read after the "
	    "built-in rules. Empty: /etc/bouncestat/rules.d when it exists; "
	    "a directory given here must exist.",
	    "/etc/bouncestat/rules.d", 0 },
	{ "commit_interval", T_DURATION,
	    offsetof(struct conf, commit_interval_ms), "1s", MS(50), SEC(60),
	    NULL, true,
	    "Longest time a read line waits before its batch is committed "
	    "(and visible to reports). Once the daemon has read all there "
	    "is, no line has come for 50 ms and no commit is running, a "
	    "batch of at least commit_lines/8 lines, or the rest after a "
	    "full batch, is committed without waiting.",
	    NULL, 0 },
	{ "commit_lines", T_INT, offsetof(struct conf, commit_lines), "2000", 1,
	    1000000, NULL, true,
	    "Commit as soon as a batch holds this many lines (so at most "
	    "this many events); while the previous batch is still being "
	    "committed, a batch grows to at most 64 times as many (and 8 "
	    "MiB of lines).",
	    NULL, 0 },
	{ "poll_interval", T_DURATION, offsetof(struct conf, poll_interval_ms),
	    "2s", MS(100), SEC(60), NULL, true,
	    "How often followed files are stat()ed when inotify cannot watch "
	    "them (remote file systems); inotify wakes the daemon otherwise.",
	    NULL, 0 },
	{ "rescan_interval", T_DURATION,
	    offsetof(struct conf, rescan_interval_ms), "10s", SEC(1), SEC(3600),
	    NULL, true,
	    "How often glob patterns are expanded again and every followed "
	    "file is checked, whatever inotify said.",
	    NULL, 0 },
	{ "rotate_wait", T_DURATION, offsetof(struct conf, rotate_wait_ms),
	    "5s", 0, SEC(300), NULL, true,
	    "After a rotation, how long the old file is still read for lines "
	    "its writer adds before it reopens the new one. At start, a "
	    "generation rotated while the daemon was down waits for it only "
	    "when it is the newest: one with a generation written in a later "
	    "second after it is done at its end (one of the same second waits "
	    "too).",
	    NULL, 0 },
	{ "start_at", T_ENUM, offsetof(struct conf, start_at), "beginning", 0,
	    0, start_names, true,
	    "Where to start in a file with no stored position, found at "
	    "start-up: beginning or end. Files created later are always read "
	    "from the beginning.",
	    NULL, 0 },
	{ "max_line", T_SIZE, offsetof(struct conf, max_line), "64k", 1024,
	    1048576, NULL, false,
	    "Longest line kept, by the daemon and by import; longer lines "
	    "are cut to this length and counted.",
	    NULL, 0 },
	{ "max_files", T_INT, offsetof(struct conf, max_files), "256", 1, 4096,
	    NULL, true, "Most files followed at once (glob matches included).",
	    NULL, 0 },
	{ "retention", T_DURATION, offsetof(struct conf, retention_ms), "90d",
	    0, SEC(3650LL * 86400), NULL, true,
	    "Stored events older than this are deleted (counts are kept); 0 "
	    "keeps them for ever.",
	    NULL, 0 },
	{ "minute_retention", T_DURATION,
	    offsetof(struct conf, minute_retention_ms), "30d", 0,
	    SEC(3650LL * 86400), NULL, true,
	    "Per-minute counts older than this are deleted (hourly counts are "
	    "kept); 0 keeps them for ever.",
	    NULL, 0 },
	{ "shutdown_timeout", T_DURATION,
	    offsetof(struct conf, shutdown_timeout_ms), "10s", SEC(1), SEC(300),
	    NULL, true,
	    "Longest time SIGTERM may take to commit and close before the "
	    "daemon exits regardless.",
	    NULL, 0 },
	{ "log_level", T_ENUM, offsetof(struct conf, log_level), "info", 0, 0,
	    level_names, true, "error, warning, info or debug.", NULL, 0 },
	{ "user", T_STRING, offsetof(struct conf, user), "", 0, 0, NULL, false,
	    "When started as root, switch to this user and its groups (add it "
	    "to group adm to read /var/log) before opening anything.",
	    "bouncestat", 0 },
	{ "allow_root", T_BOOL, offsetof(struct conf, allow_root), "no", 0, 0,
	    NULL, false,
	    "Run as root when started as root and no user is given (like "
	    "--allow-root). Not recommended.",
	    NULL, 0 },
	{ "metrics_listen", T_STRING, offsetof(struct conf, metrics_listen), "",
	    0, 0, NULL, false,
	    "Serve Prometheus metrics at http://ADDR:PORT/metrics (numeric "
	    "address; [::1]:PORT for IPv6). Empty: off. No TLS and no "
	    "authentication: keep it on loopback or behind a proxy.",
	    "127.0.0.1:9154", 0 },
	{ "metrics_top", T_INT, offsetof(struct conf, metrics_top), "20", 1,
	    1000, NULL, false,
	    "Providers named in metrics labels (those with the most "
	    "results); the others are summed as provider=\"other\".",
	    NULL, 0 },
	{ "webhook", T_LIST, offsetof(struct conf, webhook), "", 0, 32, NULL,
	    true,
	    "For 'bouncestat alert': post new and resolved incidents to this "
	    "URL, as JSON (\"json URL\" or just URL) or as a Slack, "
	    "Mattermost or Rocket.Chat message (\"slack URL\"); repeat for "
	    "several. --webhook adds to them.",
	    "slack https://hooks.slack.com/services/T000/B000/XXXX",
	    offsetof(struct conf, nwebhook) },
	{ "exec", T_LIST, offsetof(struct conf, exec), "", 0, 32, NULL, true,
	    "For 'bouncestat alert': run this program (absolute path, no "
	    "shell) for every incident that opened or resolved, the incident "
	    "in BOUNCESTAT_* variables and as JSON on standard input; repeat "
	    "for several. --exec adds to them.",
	    "/usr/local/lib/bouncestat/hook", offsetof(struct conf, nexec) },
	{ "hook_timeout", T_DURATION, offsetof(struct conf, hook_timeout_ms),
	    "30s", SEC(1), SEC(600), NULL, true,
	    "Longest time one webhook request or exec hook may take; a hook "
	    "still running is killed. Either counts as failed and is retried "
	    "by the next run.",
	    NULL, 0 },
	{ "mail_to", T_LIST, offsetof(struct conf, mail_to), "", 0,
	    CONF_MAIL_TO_MAX, NULL, true,
	    "Recipient of the mail of 'bouncestat alert' when no --mail-to "
	    "is given; repeat for several: local@domain, a local name "
	    "(postmaster) or Name <local@domain>, else an error. None: "
	    "--mail-to is required. "
	    "bouncestat-alert.timer's runs are skipped until one, a webhook "
	    "or an exec line is set.",
	    "postmaster@example.com", offsetof(struct conf, nmail_to) },
	/* Issue 16: message lifecycle records. */
	{ "lifecycle", T_BOOL, offsetof(struct conf, lifecycle), "yes", 0, 0,
	    NULL, false,
	    "Join each message's log lines by queue id (sender, SASL user, "
	    "client, message-id, recipients, outcome) for `bouncestat "
	    "messages` and `trace`.",
	    NULL, 0 },
	{ "lifecycle_max_open", T_INT,
	    offsetof(struct conf, lifecycle_max_open), "10000", 1, 10000000,
	    NULL, false,
	    "Most open messages held in memory (about 1.1 KB each); past it "
	    "the least recently seen is written to the database and read back "
	    "when it logs again (counted as evicted).",
	    NULL, 0 },
	{ "queue_lifetime", T_DURATION,
	    offsetof(struct conf, queue_lifetime_ms), "5d", SEC(3600),
	    SEC(365LL * 86400), NULL, true,
	    "The MTA's queue lifetime (Postfix maximal_queue_lifetime, Exim's "
	    "retry rules): deferred messages older than this expire; used by "
	    "the expiry forecast.",
	    NULL, 0 },
	{ "store_addresses", T_ENUM, offsetof(struct conf, store_addresses),
	    "yes", 0, 0, addr_names, false,
	    "What message records keep of sender and recipient addresses: yes "
	    "(the address), hash (a hash of the local part and the domain) or "
	    "domain (the domain only).",
	    NULL, 0 },
	{ "message_records", T_ENUM, offsetof(struct conf, message_records),
	    "failed", 0, 0, records_names, false,
	    "Which finished messages are kept: failed (only those with a "
	    "deferral, bounce or expiry: about 9% of the log's size with the "
	    "counts) or all (trace also finds delivered mail; about three "
	    "times the size). Open messages are always kept.",
	    NULL, 0 },
	{ "message_retention", T_DURATION,
	    offsetof(struct conf, message_retention_ms), "30d", 0,
	    SEC(3650LL * 86400), NULL, true,
	    "Finished message records older than this are deleted (counts and "
	    "events have their own retention); 0 keeps them for ever.",
	    NULL, 0 },
	{ "check_ip", T_LIST, offsetof(struct conf, check_ip), "", 0,
	    CONF_CHECK_IP_MAX, NULL, true,
	    "A sending IP (IPv4 or IPv6) of this server for the DNSBL "
	    "self-check; repeat for several. IPs that replies named as listed "
	    "in the last dnsbl_named are checked too.",
	    "198.51.100.7", offsetof(struct conf, ncheck_ip) },
	{ "dnsbl_check", T_ENUM, offsetof(struct conf, dnsbl_check), "auto", 0,
	    0, journal_names, true,
	    "Check the sending IPs against the DNSBLs of the list data "
	    "(bouncestat-rules(5)) every dnsbl_interval; a listing opens a "
	    "dnsbl incident at once. auto: when check_ip names an IP (with "
	    "the IPs replies named); on: also the IPs replies named alone; "
	    "off: never.",
	    NULL, 0 },
	{ "dnsbl_interval", T_DURATION,
	    offsetof(struct conf, dnsbl_interval_ms), "3h", SEC(60),
	    SEC(7 * 86400), NULL, true,
	    "Time between DNSBL self-checks; each wait is jittered by up to "
	    "a tenth either way, so that many servers do not ask at once.",
	    NULL, 0 },
	{ "dnsbl_timeout", T_DURATION, offsetof(struct conf, dnsbl_timeout_ms),
	    "5s", MS(100), SEC(60), NULL, true,
	    "How long one DNSBL query waits for its answer (two tries); "
	    "no answer is an error, never 'not listed'.",
	    NULL, 0 },
	{ "dnsbl_resolver", T_STRING, offsetof(struct conf, dnsbl_resolver), "",
	    0, 0, NULL, true,
	    "DNS server(s) for DNSBL queries, ADDR[:PORT][,...]: IP addresses "
	    "([ADDR]:PORT for IPv6), not names. Empty: those "
	    "of /etc/resolv.conf. Spamhaus (and others) refuse queries from "
	    "public resolvers (8.8.8.8, 1.1.1.1, 9.9.9.9): use a recursive "
	    "resolver of your own, e.g. unbound on 127.0.0.1.",
	    "127.0.0.1:53", 0 },
	{ "dnsbl_dir", T_STRING, offsetof(struct conf, dnsbl_dir), "", 0, 0,
	    NULL, true,
	    "Directory of operator DNSBL list files (*.lists), read after the "
	    "built-in list data. Empty: /etc/bouncestat/dnsbl.d when it "
	    "exists.",
	    "/etc/bouncestat/dnsbl.d", 0 },
	{ "dnsbl_named", T_DURATION, offsetof(struct conf, dnsbl_named_ms),
	    "3d", 0, SEC(90 * 86400), NULL, true,
	    "IPs that a reply named as listed this recently are checked "
	    "along with check_ip; 0: only check_ip.",
	    NULL, 0 },
	{ "stall_after", T_DURATION, offsetof(struct conf, stall_after_ms),
	    "30m", 0, SEC(7 * 86400), NULL, true,
	    "The daemon reports itself 'stalled' in status when every "
	    "followed file has not grown for this long while the MTA runs "
	    "(its pid file names a live process); 0: never.",
	    NULL, 0 },
	{ "mta_pid_file", T_STRING, offsetof(struct conf, mta_pid_file), "", 0,
	    0, NULL, true,
	    "The MTA's pid file, for stall_after. Empty: the first that "
	    "exists of Postfix's, Exim's, Sendmail's and /run/smtpd.pid "
	    "(OpenSMTPD itself writes none: without a file that something "
	    "writes with its pid, the stall check never fires on an "
	    "OpenSMTPD host).",
	    "/var/spool/postfix/pid/master.pid", 0 },
};

#define NDIRECTIVES (sizeof(table) / sizeof(table[0]))

struct parser {
	const char *name;
	conf_error_fn *errfn;
	void *arg;
	int nerr;
	size_t seen[NDIRECTIVES]; /* line of the first occurrence, 0 none */
};

static void perr(struct parser *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
perr(struct parser *p, size_t line, const char *fmt, ...)
{
	char msg[CONF_LINE_MAX + 512];
	va_list ap;
	int n;

	if (line > 0)
		n = snprintf(msg, sizeof(msg), "%s:%zu: ", p->name, line);
	else
		n = snprintf(msg, sizeof(msg), "%s: ", p->name);
	if (n < 0)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	p->nerr++;
	if (p->errfn != NULL)
		p->errfn(p->arg, msg);
}

static bool
streq_ci(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char ca = *a, cb = *b;

		if (ca >= 'A' && ca <= 'Z')
			ca = (char)(ca - 'A' + 'a');
		if (cb >= 'A' && cb <= 'Z')
			cb = (char)(cb - 'A' + 'a');
		if (ca != cb)
			return false;
	}
	return *a == *b;
}

/* Parses a decimal number without sign; 0 or -1 (not a number, too big). */
static int
parse_uint(const char **sp, int64_t *out)
{
	const char *s = *sp;
	int64_t v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*sp = s;
	*out = v;
	return 0;
}

/* "65536", "64k", "1M": bytes, or -1. */
static int
parse_size(const char *s, int64_t *out, const char **why)
{
	int64_t v, mul = 1;

	if (parse_uint(&s, &v) == -1) {
		*why = "expected a number of bytes (optional suffix k or M)";
		return -1;
	}
	if (*s == 'k' || *s == 'K')
		mul = 1024, s++;
	else if (*s == 'M')
		mul = 1024 * 1024, s++;
	if (*s != '\0') {
		*why = "expected a number of bytes (optional suffix k or M)";
		return -1;
	}
	if (v > INT64_MAX / mul) {
		*why = "too large";
		return -1;
	}
	*out = v * mul;
	return 0;
}

static void
fmt_bound(char *buf, size_t len, const struct directive *d, int64_t v)
{
	if (d->type == T_DURATION)
		duration_format(buf, len, v);
	else
		snprintf(buf, len, "%lld", (long long)v);
}

/* True when s is an IPv4 or IPv6 address (check_ip). */
static bool
is_ip(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/*
 * Sets directive d of c from value text v (line for messages).
 * Returns 0, or -1 after reporting the error (also on allocation failure).
 */
static int
set_value(struct parser *p, size_t line, struct conf *c,
    const struct directive *d, const char *v)
{
	char *field = (char *)c + d->off;
	const char *why = NULL;
	char lo[32], hi[32];
	int64_t n = 0;
	char *dup, **list, errbuf[BS_ERRLEN];
	size_t i, *count;
	int e;

	switch (d->type) {
	case T_STRING:
		if ((dup = strdup(v)) == NULL)
			goto nomem;
		free(*(char **)field);
		*(char **)field = dup;
		if (d->off == offsetof(struct conf, rules_dir))
			c->rules_dir_line = line;
		return 0;
	case T_LIST:
		if (*v == '\0')
			return 0; /* the empty default */
		count = (size_t *)(void *)((char *)c + d->noff);
		if (*count >= (size_t)d->max) {
			perr(p, line, "%s: more than %lld entries", d->name,
			    (long long)d->max);
			return -1;
		}
		if (d->off == offsetof(struct conf, mail_to) &&
		    !mail_address_ok(v, &why)) {
			if (strcmp(why, "a control character") == 0)
				perr(p, line, "%s: not a mail address (%s)",
				    d->name, why);
			else
				perr(p, line,
				    "%s: not a mail address: '%s' (%s)",
				    d->name, v, why);
			return -1;
		}
		if (d->off == offsetof(struct conf, check_ip) && !is_ip(v)) {
			perr(p, line, "%s: not an IPv4 or IPv6 address: %s",
			    d->name, v);
			return -1;
		}
		if (d->off == offsetof(struct conf, detect)) {
			struct detect_params dp;

			detect_defaults(&dp);
			if (detect_params_arg(&dp, v, errbuf) == -1) {
				perr(p, line, "%s: %s", d->name, errbuf);
				return -1;
			}
		}
		if ((list = realloc(*(char ***)field,
			 (*count + 1) * sizeof(*list))) == NULL)
			goto nomem;
		*(char ***)field = list;
		if ((list[*count] = strdup(v)) == NULL)
			goto nomem;
		/* Each entry's line, for the checks past the syntax. */
		if (c->list_lines != NULL) {
			size_t **ll = &c->list_lines[d - table], *nl;

			if ((nl = realloc(*ll, (*count + 1) * sizeof(*nl))) ==
			    NULL) {
				free(list[*count]);
				goto nomem;
			}
			nl[*count] = line;
			*ll = nl;
		}
		(*count)++;
		return 0;
	case T_BOOL:
		if (streq_ci(v, "yes") || streq_ci(v, "true") ||
		    streq_ci(v, "on") || strcmp(v, "1") == 0)
			*(bool *)field = true;
		else if (streq_ci(v, "no") || streq_ci(v, "false") ||
		    streq_ci(v, "off") || strcmp(v, "0") == 0)
			*(bool *)field = false;
		else {
			perr(p, line, "%s: expected yes or no, not '%s'",
			    d->name, v);
			return -1;
		}
		return 0;
	case T_ENUM:
		for (i = 0; d->names[i] != NULL; i++)
			if (streq_ci(v, d->names[i]))
				break;
		if (d->names[i] == NULL) {
			char opts[256] = "";

			for (i = 0; d->names[i] != NULL; i++) {
				if (i > 0)
					strncat(opts, ", ",
					    sizeof(opts) - strlen(opts) - 1);
				strncat(opts, d->names[i],
				    sizeof(opts) - strlen(opts) - 1);
			}
			perr(p, line, "%s: expected one of %s, not '%s'",
			    d->name, opts, v);
			return -1;
		}
		e = (int)i;
		memcpy(field, &e, sizeof(e));
		return 0;
	case T_INT: {
		const char *s = v;

		if (parse_uint(&s, &n) == -1 || *s != '\0')
			why = "expected a whole number";
		break;
	}
	case T_SIZE:
		parse_size(v, &n, &why);
		break;
	case T_DURATION:
		duration_parse(v, 0, &n, &why);
		break;
	}
	if (why != NULL) {
		perr(p, line, "%s: %s, not '%s'", d->name, why, v);
		return -1;
	}
	if (n < d->min || n > d->max) {
		fmt_bound(lo, sizeof(lo), d, d->min);
		fmt_bound(hi, sizeof(hi), d, d->max);
		perr(p, line, "%s: '%s' is out of range (%s to %s)", d->name, v,
		    lo, hi);
		return -1;
	}
	*(int64_t *)field = n;
	return 0;
nomem:
	perr(p, line, "out of memory");
	return -1;
}

static const struct directive *
find_directive(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NDIRECTIVES; i++)
		if (strlen(table[i].name) == len &&
		    strncmp(table[i].name, name, len) == 0)
			return &table[i];
	return NULL;
}

static bool
is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' ||
	    ch == '\f';
}

/* "unknown directive 'databse' (did you mean database?)" (trial6). */
static void
unknown_directive(struct parser *p, size_t lineno, const char *key)
{
	const char *names[NDIRECTIVES], *near;
	size_t i;

	for (i = 0; i < NDIRECTIVES; i++)
		names[i] = table[i].name;
	if ((near = near_name(key, names, NDIRECTIVES)) != NULL)
		perr(p, lineno, "unknown directive '%s' (did you mean %s?)",
		    key, near);
	else
		perr(p, lineno,
		    "unknown directive '%s' ('bouncestat check-config "
		    "--directives' lists them)",
		    key);
}

/* Handles one line (NUL-terminated copy in buf, which it may modify). */
static void
parse_line(struct parser *p, struct conf *c, size_t lineno, char *buf)
{
	const struct directive *d;
	char *s = buf, *key, *v, *e;
	size_t klen, idx;

	while (is_space(*s))
		s++;
	if (*s == '\0' || *s == '#')
		return;
	key = s;
	while (*s != '\0' && !is_space(*s))
		s++;
	klen = (size_t)(s - key);
	while (is_space(*s))
		s++;
	v = s;
	/* A comment starts at a '#' that follows white space. */
	for (e = v; *e != '\0'; e++)
		if (*e == '#' && (e == v || is_space(e[-1]))) {
			*e = '\0';
			break;
		}
	e = v + strlen(v);
	while (e > v && is_space(e[-1]))
		*--e = '\0';
	if ((d = find_directive(key, klen)) == NULL) {
		key[klen] = '\0';
		unknown_directive(p, lineno, key);
		return;
	}
	if (*v == '\0') {
		perr(p, lineno, "%s: missing value", d->name);
		return;
	}
	idx = (size_t)(d - table);
	if (d->type != T_LIST && p->seen[idx] != 0) {
		perr(p, lineno, "%s: given twice (first at line %zu)", d->name,
		    p->seen[idx]);
		return;
	}
	if (p->seen[idx] == 0)
		p->seen[idx] = lineno;
	set_value(p, lineno, c, d, v);
}

static struct conf *
conf_new_defaults(struct parser *p)
{
	struct conf *c;
	size_t i;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		perr(p, 0, "out of memory");
		return NULL;
	}
	if ((c->list_lines = calloc(NDIRECTIVES, sizeof(*c->list_lines))) ==
	    NULL)
		perr(p, 0, "out of memory");
	for (i = 0; i < NDIRECTIVES; i++)
		set_value(p, 0, c, &table[i], table[i].def);
	if ((c->source = strdup(p->name)) == NULL)
		perr(p, 0, "out of memory");
	return c;
}

/*
 * conf_parse(); keep: return the configuration also after errors (the
 * lines with errors leave their defaults), *nerr the number of errors.
 */
static struct conf *
parse_text(const char *name, const char *text, size_t len, conf_error_fn *errfn,
    void *arg, bool keep, int *nerr)
{
	struct parser p;
	struct conf *c;
	char buf[CONF_LINE_MAX + 1];
	size_t pos = 0, lineno = 0, l;
	const char *nl;

	memset(&p, 0, sizeof(p));
	p.name = name;
	p.errfn = errfn;
	p.arg = arg;
	if ((c = conf_new_defaults(&p)) == NULL)
		return NULL;
	/* A UTF-8 byte-order mark (an editor's) is not part of line 1. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len) {
		lineno++;
		nl = memchr(text + pos, '\n', len - pos);
		l = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		if (l > CONF_LINE_MAX)
			perr(&p, lineno, "line longer than %d bytes",
			    CONF_LINE_MAX);
		else if (memchr(text + pos, '\0', l) != NULL)
			perr(&p, lineno, "NUL byte in line");
		else {
			memcpy(buf, text + pos, l);
			buf[l] = '\0';
			parse_line(&p, c, lineno, buf);
		}
		pos += l + (nl != NULL);
	}
	*nerr = p.nerr;
	/* The line of each directive, for the checks past the syntax. */
	if ((c->lines = calloc(NDIRECTIVES, sizeof(*c->lines))) != NULL)
		memcpy(c->lines, p.seen, sizeof(p.seen));
	if (p.nerr > 0 && !keep) {
		conf_free(c);
		return NULL;
	}
	return c;
}

/* See conf.h. */
struct conf *
conf_parse(const char *name, const char *text, size_t len, conf_error_fn *errfn,
    void *arg)
{
	int nerr;

	return parse_text(name, text, len, errfn, arg, false, &nerr);
}

/* See conf.h. */
size_t
conf_line(const struct conf *c, const char *directive)
{
	const struct directive *d;

	if (c->lines == NULL ||
	    (d = find_directive(directive, strlen(directive))) == NULL)
		return 0;
	return c->lines[d - table];
}

/* See conf.h. */
size_t
conf_list_line(const struct conf *c, const char *directive, size_t i)
{
	const struct directive *d;

	if (c->list_lines == NULL ||
	    (d = find_directive(directive, strlen(directive))) == NULL ||
	    d->type != T_LIST ||
	    i >= *(const size_t *)(const void *)((const char *)c + d->noff) ||
	    c->list_lines[d - table] == NULL)
		return 0;
	return c->list_lines[d - table][i];
}

/* conf_load(); keep and nerr as for parse_text(). */
static struct conf *
load_file(const char *path, bool must_exist, conf_error_fn *errfn, void *arg,
    bool keep, int *nerr)
{
	struct parser p;
	struct conf *c = NULL;
	struct stat st;
	char *text = NULL;
	size_t have = 0;
	ssize_t n;
	int fd;

	memset(&p, 0, sizeof(p));
	p.name = path;
	p.errfn = errfn;
	p.arg = arg;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT && !must_exist) {
			p.name = "(defaults)";
			return conf_new_defaults(&p);
		}
		perr(&p, 0, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		perr(&p, 0, "%s", strerror(errno));
		goto done;
	}
	if (S_ISDIR(st.st_mode)) {
		perr(&p, 0, "is a directory");
		goto done;
	}
	/* Not only regular files: -c /dev/null means "all defaults". */
	if ((text = malloc(CONF_FILE_MAX + 1)) == NULL) {
		perr(&p, 0, "out of memory");
		goto done;
	}
	for (;;) {
		n = read(fd, text + have, CONF_FILE_MAX + 1 - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			perr(&p, 0, "%s", strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (have > CONF_FILE_MAX) {
			perr(&p, 0, "larger than %d bytes", CONF_FILE_MAX);
			goto done;
		}
	}
	c = parse_text(path, text, have, errfn, arg, keep, nerr);
done:
	if (c == NULL)
		*nerr = p.nerr;
	free(text);
	close(fd);
	return c;
}

/* conf_set_check(): the check conf_load() runs, or NULL. */
static conf_check_fn *load_check;

/* See conf.h. */
void
conf_set_check(conf_check_fn *fn)
{
	load_check = fn;
}

/* See conf.h. */
struct conf *
conf_load(const char *path, bool must_exist, conf_error_fn *errfn, void *arg)
{
	struct conf *c;
	int nerr;

	c = load_file(path, must_exist, errfn, arg, false, &nerr);
	if (c != NULL && load_check != NULL && load_check(c, errfn, arg) > 0) {
		conf_free(c);
		return NULL;
	}
	return c;
}

/* See conf.h. */
struct conf *
conf_load_all(const char *path, bool must_exist, conf_error_fn *errfn,
    void *arg, int *nerr)
{
	*nerr = 0;
	return load_file(path, must_exist, errfn, arg, true, nerr);
}

/* See conf.h. */
void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nfollow; i++)
		free(c->follow[i]);
	free(c->follow);
	for (i = 0; i < c->ndetect; i++)
		free(c->detect[i]);
	free(c->detect);
	for (i = 0; i < c->njournal_match; i++)
		free(c->journal_match[i]);
	free(c->journal_match);
	for (i = 0; i < c->nwebhook; i++)
		free(c->webhook[i]);
	free(c->webhook);
	for (i = 0; i < c->nexec; i++)
		free(c->exec[i]);
	free(c->exec);
	free(c->metrics_listen);
	free(c->lines);
	if (c->list_lines != NULL)
		for (i = 0; i < NDIRECTIVES; i++)
			free(c->list_lines[i]);
	free(c->list_lines);
	for (i = 0; i < c->nmail_to; i++)
		free(c->mail_to[i]);
	free(c->mail_to);
	free(c->source);
	free(c->database);
	free(c->rules_dir);
	free(c->user);
	for (i = 0; i < c->ncheck_ip; i++)
		free(c->check_ip[i]);
	free(c->check_ip);
	free(c->dnsbl_resolver);
	free(c->dnsbl_dir);
	free(c->mta_pid_file);
	free(c);
}

static bool
list_equal(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

static bool
field_equal(
    const struct directive *d, const struct conf *a, const struct conf *b)
{
	const char *fa = (const char *)a + d->off;
	const char *fb = (const char *)b + d->off;

	switch (d->type) {
	case T_STRING:
		return strcmp(*(char *const *)fa, *(char *const *)fb) == 0;
	case T_LIST:
		return list_equal(*(char *const *const *)fa,
		    *(const size_t *)(const void *)((const char *)a + d->noff),
		    *(char *const *const *)fb,
		    *(const size_t *)(const void *)((const char *)b + d->noff));
	case T_BOOL:
		return *(const bool *)fa == *(const bool *)fb;
	case T_ENUM:
		return memcmp(fa, fb, sizeof(int)) == 0;
	case T_INT:
	case T_SIZE:
	case T_DURATION:
		return *(const int64_t *)fa == *(const int64_t *)fb;
	}
	return false;
}

/* See conf.h. */
int
conf_changed_fixed(const struct conf *old_conf, const struct conf *new_conf,
    conf_error_fn *fn, void *arg)
{
	char msg[256];
	size_t i;
	int n = 0;

	for (i = 0; i < NDIRECTIVES; i++) {
		if (table[i].reload ||
		    field_equal(&table[i], old_conf, new_conf))
			continue;
		n++;
		if (fn != NULL) {
			snprintf(msg, sizeof(msg),
			    "%s: changed, restart to apply", table[i].name);
			fn(arg, msg);
		}
	}
	return n;
}

/* See conf.h. */
bool
conf_follow_equal(const struct conf *a, const struct conf *b)
{
	size_t i;

	if (a->nfollow != b->nfollow)
		return false;
	for (i = 0; i < a->nfollow; i++)
		if (strcmp(a->follow[i], b->follow[i]) != 0)
			return false;
	return true;
}

static const char *
type_name(const struct directive *d)
{
	switch (d->type) {
	case T_STRING:
		return "STRING";
	case T_LIST:
		if (d->off == offsetof(struct conf, journal_match))
			return "FIELD=VALUE...";
		if (d->off == offsetof(struct conf, webhook))
			return "[json|slack] URL";
		if (d->off == offsetof(struct conf, exec))
			return "PATH";
		if (d->off == offsetof(struct conf, mail_to))
			return "ADDRESS";
		if (d->off == offsetof(struct conf, check_ip))
			return "IP";
		return d->off == offsetof(struct conf, detect) ? "KEY=VALUE"
							       : "PATH|GLOB";
	case T_BOOL:
		return "yes|no";
	case T_INT:
		return "NUMBER";
	case T_SIZE:
		return "BYTES";
	case T_DURATION:
		return "DURATION";
	case T_ENUM:
		return "WORD";
	}
	return "?";
}

/* Writes help text wrapped at 72 columns, each line as "# text". */
static void
print_wrapped(FILE *fp, const char *s)
{
	size_t col = 0, w;
	const char *word;

	while (*s != '\0') {
		while (*s == ' ')
			s++;
		word = s;
		while (*s != '\0' && *s != ' ')
			s++;
		w = (size_t)(s - word);
		if (w == 0)
			break;
		if (col == 0) {
			fputs("#", fp);
			col = 1;
		} else if (col + 1 + w > 72) {
			fputs("\n#", fp);
			col = 1;
		}
		fprintf(fp, " %.*s", (int)w, word);
		col += 1 + w;
	}
	if (col > 0)
		fputc('\n', fp);
}

/* See conf.h. */
void
conf_print_directives(FILE *fp)
{
	const struct directive *d;
	char lo[32], hi[32], range[128];
	size_t i, j;

	for (i = 0; i < NDIRECTIVES; i++) {
		d = &table[i];
		range[0] = '\0';
		if (d->type == T_INT || d->type == T_SIZE ||
		    d->type == T_DURATION) {
			fmt_bound(lo, sizeof(lo), d, d->min);
			fmt_bound(hi, sizeof(hi), d, d->max);
			snprintf(range, sizeof(range), "%s to %s; ", lo, hi);
		} else if (d->type == T_ENUM) {
			for (j = 0; d->names[j] != NULL; j++) {
				strncat(range, d->names[j],
				    sizeof(range) - strlen(range) - 1);
				strncat(range, d->names[j + 1] ? ", " : "; ",
				    sizeof(range) - strlen(range) - 1);
			}
		}
		fprintf(fp, "# %s %s (%s%s)\n", d->name, type_name(d), range,
		    d->reload ? "reloadable" : "restart to change");
		print_wrapped(fp, d->help);
		fprintf(fp, "#%s %s\n\n", d->name,
		    d->def[0] != '\0' ? d->def : d->example);
	}
}
