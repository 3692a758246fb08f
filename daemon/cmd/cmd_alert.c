/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * bouncestat alert: for cron. Brings the detector up to date, gathers the
 * incidents that opened or resolved since they were last mailed, composes
 * ONE message about them (daemon/alert.c) and pipes it to `sendmail -t
 * -oi`, or prints it with --dry-run. Incidents are marked mailed only
 * after sendmail exited 0, so a failed run is retried by the next one and
 * a successful one is never repeated: running it again sends nothing new.
 *
 * Exit status: 0 when the message was sent (or printed) or there was
 * nothing new; 1 on any failure (database, detector, sendmail, marking);
 * 2 on a usage error. Nothing is printed on success, so cron mails only
 * failures.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "conf.h"
#include "context.h"
#include "address.h"
#include "alert.h"
#include "address.h"
#include "alert_notify.h"
#include "classify.h"
#include "cmd.h"
#include "conf.h"
#include "detect.h"
#include "incident.h"
#include "log.h"
#include "msg_render.h" /* issue 16 */
#include "rules.h"
#include "store.h"
#include "util.h"
#include "alert_mime.h"

#define ALERT_SENDMAIL  "/usr/sbin/sendmail"
#define ALERT_MAILNAME  "/etc/mailname"
#define ALERT_TO_MAX    32  /* --mail-to addresses */
#define ALERT_ITEMS_MAX 200 /* incidents in one message */

_Static_assert(CONF_MAIL_TO_MAX <= ALERT_TO_MAX, "mail_to fits in to[]");

static int cmd_alert_exec(int, char **);

const struct cmd_entry cmd_alert_entry = {
	"alert",
	"[--mail-to ADDR]... [--from ADDR] [--sendmail PATH] "
	"[--webhook-format json|slack] [--webhook URL]... [--exec PROGRAM]... "
	"[--dry-run] [--html] "
	"[--since DUR] [--now WHEN] [--utc] [-c FILE] [--db PATH] [--rules DIR] [--no-detect] "
	"[--detect KEY=VALUE]...",
	"mail new and resolved incidents (for cron)",
	cmd_alert_exec,
};

static void
help(void)
{
	printf(
	    "NAME\n"
	    "     bouncestat alert - mail the postmaster about new and "
	    "resolved incidents\n\n"
	    "SYNOPSIS\n"
	    "     bouncestat alert %s\n\n"
	    "DESCRIPTION\n"
	    "     Meant for cron (e.g. every 10 minutes). Runs the spike "
	    "detector over the\n"
	    "     counts in the database (as the daemon does every minute), "
	    "then gathers\n"
	    "     the incidents that opened or resolved since they were last "
	    "mailed and\n"
	    "     composes one message about all of them, the worst named in "
	    "the Subject:\n"
	    "     what happened, since when, how big against the usual "
	    "count, a sample\n"
	    "     reply, the rule's suggested action, where to ask for "
	    "delisting, and the\n"
	    "     command to see more. The message is piped to `sendmail -t "
	    "-oi` (run\n"
	    "     directly, no shell); the incidents are marked mailed only "
	    "when sendmail\n"
	    "     exits 0. Running it again sends nothing until something "
	    "changes.\n\n"
	    "     Incident kinds: rate_limited (a receiver throttles us), "
	    "blacklisted (a\n"
	    "     receiver's reputation block), dnsbl (a DNSBL lists our "
	    "IP: opened at\n"
	    "     the first such reply, or at once by the daemon's DNSBL "
	    "self-check),\n"
	    "     greylisted (a greylisting surge), "
	    "deferral_rate\n"
	    "     and bounce_rate (their share of final results jumps), "
	    "auth_failed (our\n"
	    "     relay refuses our credentials), inactive (no delivery "
	    "result at all\n"
	    "     for inactive.quiet where the same hours usually have "
	    "inactive.min_count).\n"
	    "     Suspended repeats and local decisions of our MTA never "
	    "open one.\n\n"
	    "OPTIONS\n"
	    "     --mail-to ADDR    recipient; repeat for more (default: "
	    "the configuration's\n"
	    "                       mail_to directives; one is required "
	    "unless --dry-run,\n"
	    "                       --webhook or --exec)\n"
	    "     --from ADDR       sender (default: bouncestat "
	    "<user@mailname>, the\n"
	    "                       mail name from /etc/mailname, else the "
	    "host's fully\n"
	    "                       qualified name)\n"
	    "     --sendmail PATH   mailer run as PATH -t -oi (default " ALERT_SENDMAIL
	    ")\n"
	    "     --html            add an HTML view of the incidents "
	    "(multipart/alternative)\n",
	    cmd_alert_entry.usage);
	alert_notify_help(stdout);
	printf(
	    "     --dry-run         print the message (and the webhook "
	    "documents) instead\n"
	    "                       of sending them; mark nothing (with "
	    "--no-detect,\n"
	    "                       a read-only database will do)\n"
	    "     --now WHEN        take WHEN as the present (a date, @EPOCH "
	    "or a duration\n"
	    "                       ago): the detector runs up to WHEN\n"
	    "     --utc             show and read times in UTC (default: "
	    "local time, each\n"
	    "                       time with its own UTC offset: one before "
	    "a DST change\n"
	    "                       keeps the offset it had)\n"
	    "     --since DUR       ignore resolutions older than this "
	    "(default 1d); open\n"
	    "                       incidents never mailed are always "
	    "included\n"
	    "     -c, --config FILE configuration (its database, detect and "
	    "rules_dir)\n"
	    "     --db PATH         database (default: see 'bouncestat "
	    "--help')\n"
	    "     --rules DIR       rule files, for meanings and actions "
	    "(default\n"
	    "                       " RULES_DIR_DEFAULT ")\n"
	    "     --no-detect       do not run the detector (when the daemon "
	    "runs it)\n"
	    "     --detect KEY=VAL  a threshold, as below; repeatable\n\n"
	    "THRESHOLDS\n"
	    "     window=10m        the sliding window, compared with the "
	    "same window on\n"
	    "     baseline_days=7   each of these previous days (median)\n"
	    "     keep=0.5          fraction of the bar that keeps an "
	    "incident open\n"
	    "     late=7d           how far back results that arrive late "
	    "(an import,\n"
	    "                       a restart after downtime) are examined "
	    "again\n"
	    "     KIND.min_count    events in a window to open (rate_limited "
	    "6,\n"
	    "                       blacklisted 5, dnsbl 1, greylisted 20, "
	    "auth_failed 3,\n"
	    "                       deferral_rate and bounce_rate 10)\n"
	    "     KIND.factor       times the usual count (5; rates and "
	    "auth_failed 3)\n"
	    "     KIND.alpha        Poisson (rates: binomial) tail "
	    "probability to open\n"
	    "     KIND.floor        least usual count assumed (rates: "
	    "least usual rate)\n"
	    "     KIND.min_total    rates: least final results in the window "
	    "(20)\n"
	    "     KIND.min_rate     rates: least rate (deferral 0.3, bounce "
	    "0.2)\n"
	    "     KIND.quiet        quiet time before resolving (30m; "
	    "blacklisted 1h,\n"
	    "                       dnsbl 6h)\n"
	    "     inactive.quiet    no result for this long: inactive (2h; "
	    "0: off)\n"
	    "     inactive.min_count  least results in those hours on the "
	    "median\n"
	    "                       baseline day (5)\n\n"
	    "EXIT STATUS\n"
	    "     0  the message was sent (or printed), or nothing was new\n"
	    "     1  a failure: database, detector, sendmail, a webhook or "
	    "program (the\n"
	    "        incidents stay unmarked and the next run tries again); "
	    "each is\n"
	    "        reported as 'bouncestat alert: error: ...'\n"
	    "     2  usage error\n\n"
	    "EXAMPLES\n"
	    "     */10 * * * *  bouncestat alert --mail-to postmaster\n"
	    "     bouncestat alert --dry-run --since 7d\n");
}

struct gather {
	struct alert_incident *v;
	size_t n, cap;
	struct classifier *cl;
	size_t skipped;
};

/* The meaning and action of a rule by name, from the classifier. */
static void
rule_text(struct classifier *cl, const char *name, const char **meaning,
    const char **action)
{
	struct classify_rule_info info;
	size_t i, n;

	*meaning = *action = "";
	if (cl == NULL || name == NULL || *name == '\0')
		return;
	n = classify_rule_count(cl);
	for (i = 0; i < n; i++) {
		if (classify_rule_get(cl, i, &info) == 0 &&
		    strcmp(info.name, name) == 0) {
			*meaning = info.meaning != NULL ? info.meaning : "";
			*action = info.action != NULL ? info.action : "";
			return;
		}
	}
}

static int
gather_one(const struct incident *inc, void *arg)
{
	struct gather *g = arg;
	struct alert_incident *x;
	const char *meaning, *action;
	enum bs_class cls;

	if (g->n >= ALERT_ITEMS_MAX) {
		g->skipped++;
		return 0;
	}
	if (g->n == g->cap) {
		g->cap = g->cap == 0 ? 16 : g->cap * 2;
		g->v = xrealloc(g->v, g->cap * sizeof(*g->v));
	}
	rule_text(g->cl, inc->rule, &meaning, &action);
	/* A self-check listing (daemon/dnsbl/selfcheck.c): its sample is
	 * "ANSWER: MEANING" from the list data. */
	if (meaning[0] == '\0' && strcmp(inc->rule, "dnsbl-check") == 0 &&
	    strstr(inc->sample, ": ") != NULL)
		meaning = strstr(inc->sample, ": ") + 2;
	/* A rule without text of its own (the learned model's decisions,
	 * rule "model"): the meaning and action of the incident's class. */
	if (meaning[0] == '\0' &&
	    bs_class_from_name(inc->kind, strlen(inc->kind), &cls) == 0) {
		meaning = bs_class_meaning(cls);
		if (action[0] == '\0')
			action = bs_class_action(cls);
	}
	if (strcmp(inc->kind, "inactive") == 0 && meaning[0] == '\0')
		meaning = "No delivery result (sent, deferred, bounced, "
			  "expired) was logged for the detection window, "
			  "while this time of day usually has some.";
	x = &g->v[g->n++];
	memset(x, 0, sizeof(*x));
	x->id = inc->id;
	x->kind = xstrdup(inc->kind);
	x->key = xstrdup(inc->key);
	x->listed_ip = xstrdup(inc->listed_ip);
	x->providers = xstrdup(inc->providers);
	x->resolved = !inc->open;
	x->start = inc->start;
	x->last_seen = inc->last_seen;
	x->resolved_at = inc->resolved;
	x->window = inc->window;
	x->peak = inc->peak;
	x->peak_total = inc->peak_total;
	x->baseline = inc->baseline;
	x->total = inc->total;
	x->sample = xstrdup(inc->sample);
	x->sample_code = inc->sample_code;
	x->rule = xstrdup(inc->rule);
	x->meaning = xstrdup(meaning);
	x->action = xstrdup(inc->action[0] != '\0' ? inc->action : action);
	return 0;
}

static void
gather_free(struct gather *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		free((char *)g->v[i].kind);
		free((char *)g->v[i].key);
		free((char *)g->v[i].listed_ip);
		free((char *)g->v[i].providers);
		free((char *)g->v[i].sample);
		free((char *)g->v[i].rule);
		free((char *)g->v[i].meaning);
		free((char *)g->v[i].action);
	}
	free(g->v);
}

/*
 * The mail domain of this host, into out: /etc/mailname (Debian's mail
 * name, which Postfix and Exim also use as their origin), else the
 * canonical (fully qualified) name of host, else host itself.
 */
static void
mail_domain(char *out, size_t len, const char *host)
{
	struct addrinfo hints, *ai = NULL;
	char buf[256];
	size_t n;
	FILE *fp;

	if ((fp = fopen(ALERT_MAILNAME, "re")) != NULL) {
		if (fgets(buf, sizeof(buf), fp) != NULL) {
			n = strcspn(buf, " \t\r\n");
			buf[n] = '\0';
			if (n > 0 && alert_address_ok(buf)) {
				fclose(fp);
				snprintf(out, len, "%s", buf);
				return;
			}
		}
		fclose(fp);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_CANONNAME;
	if (strchr(host, '.') == NULL &&
	    getaddrinfo(host, NULL, &hints, &ai) == 0 && ai != NULL &&
	    ai->ai_canonname != NULL && strchr(ai->ai_canonname, '.') != NULL &&
	    alert_address_ok(ai->ai_canonname)) {
		snprintf(out, len, "%s", ai->ai_canonname);
		freeaddrinfo(ai);
		return;
	}
	if (ai != NULL)
		freeaddrinfo(ai);
	snprintf(out, len, "%s", host);
}

/* "bouncestat <user@domain>", domain from mail_domain(). */
static void
default_from(char *out, size_t len, const char *host)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *user = pw != NULL ? pw->pw_name : "root";
	char domain[256];

	mail_domain(domain, sizeof(domain), host);
	snprintf(out, len, "bouncestat <%s@%s>", user, domain);
}

/* path made absolute (prefixed with the working directory) into buf;
 * returns buf, or path itself when that is impossible. */
static const char *
absolute_path(char *buf, size_t len, const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL ||
	    (size_t)snprintf(buf, len, "%s/%s", cwd, path) >= len)
		return path;
	return buf;
}

/* Marks every gathered incident mailed, in one transaction. */
static int
mark(struct store *st, const struct gather *g, int64_t now)
{
	size_t i;

	if (store_begin(st) == -1)
		return -1;
	for (i = 0; i < g->n; i++)
		if (incident_mark_notified(st, g->v[i].id,
			g->v[i].resolved ? INCIDENT_NOTIFIED_RESOLVED
					 : INCIDENT_NOTIFIED_OPEN,
			now) == -1) {
			store_rollback(st);
			return -1;
		}
	return store_commit(st);
}

/*
 * Takes the alert lock of database db: a POSIX record lock on
 * "<db>.alert-lock", waiting while another alert holds it. Returns the
 * descriptor (closing it releases the lock), or -1 after logging.
 */
static int
lock_alerts(const struct cmd_ctx *ctx, const char *db)
{
	struct flock fl;
	char path[1100];
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s.alert-lock", db) >=
	    sizeof(path)) {
		cmd_ctx_error(ctx, "%s: path too long", db);
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640)) == -1) {
		cmd_ctx_error(ctx, "%s: %s", path, strerror(errno));
		return -1;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	while (fcntl(fd, F_SETLKW, &fl) == -1) {
		if (errno == EINTR)
			continue;
		cmd_ctx_error(ctx, "lock %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
cmd_alert_exec(int argc, char **argv)
{
	static const struct option own[] = {
		{ "mail-to", required_argument, NULL, 't' },
		{ "from", required_argument, NULL, 'f' },
		{ "sendmail", required_argument, NULL, 'S' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "html", no_argument, NULL, 'H' },
		{ "since", required_argument, NULL, 's' },
		{ "no-detect", no_argument, NULL, 'N' },
		{ "webhook", required_argument, NULL, 'W' },
		{ "webhook-format", required_argument, NULL, 'F' },
		{ "exec", required_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct option longopts[CTX_OPTIONS_MAX];
	struct cmd_ctx ctx;
	const char *to[ALERT_TO_MAX], *from = NULL, *db;
	const char *sendmail = ALERT_SENDMAIL;
	const char *sincearg = "1d", *why = NULL;
	char errbuf[BS_ERRLEN], host[256], frombuf[512];
	char dbabs[PATH_MAX];
	struct detect_run_opts o;
	char token[128];
	struct alert_params ap;
	struct incident_filter f;
	struct gather g = { 0 };
	struct store *st = NULL;
	int64_t now, since;
	size_t nto = 0, len;
	bool dry = false, detect = true, failed = false, html = false, mail;
	int lockfd = -1;
	char *msg = NULL;
	struct alert_notify an;
	enum notify_format wfmt = NOTIFY_JSON;
	const char *fmt_arg = NULL; /* a --webhook-format no --webhook used */
	int ch, rc = 1;

	memset(&an, 0, sizeof(an));
	cmd_ctx_init(&ctx, "alert",
	    CTX_DB | CTX_RULES | CTX_DETECT | CTX_NOW | CTX_TZ, own, longopts);
	optind = 1;
	while ((ch = cmd_ctx_getopt(&ctx, argc, argv, "h", longopts)) != -1) {
		switch (ch) {
		case 't':
			why = NULL;
			if (nto == ALERT_TO_MAX || !alert_address_ok(optarg) ||
			    !mail_address_ok(optarg, &why)) {
				fprintf(stderr,
				    "bouncestat alert: bad or too many "
				    "--mail-to%s%s\n",
				    why != NULL ? ": " : "",
				    why != NULL ? why : "");
				return cmd_usage(&cmd_alert_entry);
			}
			to[nto++] = optarg;
			break;
		case 'f':
			why = NULL;
			if (!alert_address_ok(optarg) ||
			    !mail_address_ok(optarg, &why)) {
				fprintf(stderr,
				    "bouncestat alert: bad --from%s%s\n",
				    why != NULL ? ": " : "",
				    why != NULL ? why : "");
				return cmd_usage(&cmd_alert_entry);
			}
			from = optarg;
			break;
		case 'S':
			sendmail = optarg;
			break;
		case 'n':
			dry = true;
			break;
		case 'H':
			html = true;
			break;
		case 's':
			sincearg = optarg;
			break;
		case 'N':
			detect = false;
			break;
		case 'W':
		case 'E':
			if (ch == 'W')
				fmt_arg = NULL; /* used */
			if ((ch == 'W' ? alert_notify_add_webhook(
					     &an, optarg, &wfmt, errbuf)
				       : alert_notify_add_exec(
					     &an, optarg, errbuf)) == -1) {
				fprintf(
				    stderr, "bouncestat alert: %s\n", errbuf);
				return cmd_usage(&cmd_alert_entry);
			}
			break;
		case 'F':
			fmt_arg = optarg;
			if (notify_format_parse(optarg, &wfmt) == -1) {
				fprintf(stderr,
				    "bouncestat alert: bad --webhook-format "
				    "(json or slack)\n");
				return cmd_usage(&cmd_alert_entry);
			}
			break;
		case 'h':
			/* Only printing: quiet when its reader goes away
			 * (`alert --help | head`), as other commands are. */
			signal(SIGPIPE, SIG_DFL);
			help();
			return 0;
		default:
			return cmd_usage(&cmd_alert_entry);
		}
	}
	if (optind < argc)
		return cmd_usage(&cmd_alert_entry);
	/* --webhook-format applies to the --webhook options after it: one
	 * last, with none after it, would be silently ignored. */
	if (fmt_arg != NULL) {
		fprintf(stderr,
		    "bouncestat alert: --webhook-format %s: no --webhook "
		    "follows it (give it before the URLs it is for)\n",
		    fmt_arg);
		return cmd_usage(&cmd_alert_entry);
	}
	if ((rc = cmd_ctx_finish(&ctx, false, &cmd_alert_entry)) != 0)
		return rc;
	rc = 1;
	/* The configuration's webhooks and hooks join the options'. */
	if (alert_notify_add_conf(&an, ctx.conf, errbuf) == -1) {
		fprintf(stderr, "bouncestat alert: %s: %s\n", ctx.conf->source,
		    errbuf);
		cmd_ctx_free(&ctx);
		return 1;
	}
	/* No --mail-to: the configuration's mail_to directives. */
	for (size_t i = 0; nto == 0 && i < ctx.conf->nmail_to; i++) {
		if (!alert_address_ok(ctx.conf->mail_to[i])) {
			fprintf(stderr,
			    "bouncestat alert: %s: bad mail_to: %s\n",
			    ctx.conf->source, ctx.conf->mail_to[i]);
			cmd_ctx_free(&ctx);
			return 1;
		}
	}
	for (size_t i = 0; nto == 0 && i < ctx.conf->nmail_to; i++)
		to[i] = ctx.conf->mail_to[i];
	if (nto == 0)
		nto = ctx.conf->nmail_to;
	if (nto == 0 && !dry && an.n == 0) {
		fprintf(stderr,
		    "bouncestat alert: no recipient: give --mail-to ADDR, a "
		    "mail_to directive, --webhook URL or --exec PROGRAM (or "
		    "--dry-run to print the message)\n");
		cmd_ctx_free(&ctx);
		return cmd_usage(&cmd_alert_entry);
	}
	now = ctx.now;
	db = ctx.db;
	if (cmd_ctx_since(&ctx, sincearg, &since) == -1)
		return cmd_usage(&cmd_alert_entry);
	/* No --mail-to: no e-mail, unless --dry-run with nothing else. */
	mail = nto > 0 || an.n == 0;
	if (nto == 0)
		to[nto++] = "postmaster";
	if (cmd_ctx_need_db(&ctx) != 0) {
		cmd_ctx_free(&ctx);
		return 1;
	}
	/*
	 * One alert at a time per database: a second run (cron overlapping a
	 * slow sendmail) waits, then finds the incidents marked and sends
	 * nothing, instead of mailing them twice.
	 */
	if (!dry && (lockfd = lock_alerts(&ctx, db)) == -1) {
		cmd_ctx_free(&ctx);
		return 1;
	}
	/* A preview without the detector writes nothing: a reader of the
	 * database (group adm) may run it. */
	if ((st = store_open(db,
		 dry && !detect ? STORE_READONLY : STORE_NO_CREATE, errbuf)) ==
	    NULL) {
		cmd_ctx_store_error(&ctx, errbuf);
		if (lockfd != -1)
			close(lockfd);
		cmd_ctx_free(&ctx);
		return 1;
	}
	if ((g.cl = rules_load(ctx.rules, errbuf)) == NULL)
		log_warnx("rules: %s (no meanings or actions)", errbuf);
	memset(&o, 0, sizeof(o));
	o.now = now;
	if (detect && detect_run(st, &ctx.dp, g.cl, &o, NULL, errbuf) == -1) {
		cmd_ctx_error(&ctx, "detect: %s", errbuf);
		failed = true;
	}

	an.lifetime = ctx.conf->queue_lifetime_ms / 1000; /* issue 16 */
	an.cc = &ctx;
	if (an.n > 0 &&
	    alert_notify_send(
		&an, st, since, now, ctx.conf->hook_timeout_ms, dry) != 0)
		failed = true;
	if (!mail) {
		rc = failed ? 1 : 0;
		goto done;
	}

	memset(&f, 0, sizeof(f));
	f.since = since;
	f.pending = true;
	if (incident_list(st, &f, gather_one, &g) == -1) {
		cmd_ctx_error(&ctx, "database: %s", store_errmsg(st));
		goto done;
	}
	if (g.n == 0) {
		rc = failed ? 1 : 0;
		goto done;
	}
	if (g.skipped > 0)
		log_warnx("alert: %zu more incidents left for the next message",
		    g.skipped);
	/* Issue 16: how many messages each holds (msg_render.c). */
	for (size_t k = 0; k < g.n; k++)
		if (msg_incident_counts(st, g.v[k].id, now,
			ctx.conf->queue_lifetime_ms / 1000, &g.v[k].messages,
			&g.v[k].expiring) == -1)
			log_warnx("alert: messages of incident %lld: %s",
			    (long long)g.v[k].id, store_errmsg(st));
	alert_sort(g.v, g.n);

	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	if (from == NULL) {
		default_from(frombuf, sizeof(frombuf), host);
		from = frombuf;
	}
	snprintf(token, sizeof(token), "bouncestat.%" PRId64 ".%ld.%" PRId64,
	    now, (long)getpid(), g.v[0].id);
	memset(&ap, 0, sizeof(ap));
	ap.from = from;
	ap.to = to;
	ap.nto = nto;
	ap.hostname = host;
	ap.msgid_token = token;
	ap.cli = "bouncestat";
	/* The reader runs `More:` from anywhere: an absolute path. */
	if (strcmp(ctx.db_from, "default") != 0)
		ap.db = absolute_path(dbabs, sizeof(dbabs), db);
	ap.now = now;
	ap.tzoff = local_tz_offset(now);
	ap.tzoff_at = local_tz_offset; /* a time before a DST change */
	if ((msg = html ? alert_compose_html(&ap, g.v, g.n, &len, errbuf)
			: alert_compose(&ap, g.v, g.n, &len, errbuf)) == NULL) {
		cmd_ctx_error(&ctx, "%s", errbuf);
		goto done;
	}
	if (dry) {
		/* A write error fails the run, as for every command; told
		 * here with its errno, once (main() checks stdout again). */
		if (fwrite(msg, 1, len, stdout) != len || fflush(stdout) != 0) {
			cmd_ctx_error(&ctx, "stdout: %s", strerror(errno));
			clearerr(stdout);
			goto done;
		}
		rc = failed ? 1 : 0;
		goto done;
	}
	if (alert_sendmail(sendmail, msg, len, errbuf) == -1) {
		cmd_ctx_error(
		    &ctx, "sendmail: %s (nothing marked as mailed)", errbuf);
		goto done;
	}
	if (mark(st, &g, now) == -1) {
		cmd_ctx_error(&ctx,
		    "sent, but marking %zu incidents failed (they "
		    "will be mailed again): %s",
		    g.n, store_errmsg(st));
		goto done;
	}
	rc = failed ? 1 : 0;
done:
	free(msg);
	classify_free(g.cl);
	gather_free(&g);
	store_close(st);
	if (lockfd != -1)
		close(lockfd); /* releases the lock */
	cmd_ctx_free(&ctx);
	return rc;
}
