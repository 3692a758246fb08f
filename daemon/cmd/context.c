/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The command context (see context.h). Every command that touches the
 * database resolves it here, so `report`, `incidents`, `alert`, `status`
 * and `import` agree on which database a configured service uses.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "cmd.h"
#include "conf.h"
#include "context.h"
#include "sanitize.h"
#include "store.h"
#include "util.h"

static const struct option shared[] = {
	{ "config", required_argument, NULL, CTX_OPT_CONFIG },
	{ "db", required_argument, NULL, CTX_OPT_DB },
	{ "rules", required_argument, NULL, CTX_OPT_RULES },
	{ "detect", required_argument, NULL, CTX_OPT_DETECT },
	{ "now", required_argument, NULL, CTX_OPT_NOW },
	{ "format", required_argument, NULL, CTX_OPT_FORMAT },
	{ "utc", no_argument, NULL, CTX_OPT_UTC },
};

/* The CTX_* flag that brings shared option i. */
static unsigned
shared_flag(size_t i)
{
	static const unsigned flag[] = { CTX_DB, CTX_DB, CTX_RULES, CTX_DETECT,
		CTX_NOW, CTX_TEXT, CTX_TZ };

	return flag[i];
}

/* See context.h. */
void
cmd_ctx_init(struct cmd_ctx *ctx, const char *cmd, unsigned takes,
    const struct option *own, struct option *opts)
{
	size_t n = 0, i;

	memset(ctx, 0, sizeof(*ctx));
	ctx->cmd = cmd;
	ctx->takes = takes;
	for (; own != NULL && own->name != NULL; own++)
		if (n < CTX_OPTIONS_MAX - 1)
			opts[n++] = *own;
	for (i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		if ((takes & shared_flag(i)) && n < CTX_OPTIONS_MAX - 1)
			opts[n++] = shared[i];
	memset(&opts[n], 0, sizeof(opts[n]));
}

/* See context.h. */
const char *
cmd_ctx_shortopts(const struct cmd_ctx *ctx, const char *own)
{
	static char buf[64];

	snprintf(
	    buf, sizeof(buf), "%s%s", own, ctx->takes & CTX_DB ? "c:" : "");
	return buf;
}

static void
vcmd_error(const char *cmd, const char *fmt, va_list ap)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "bouncestat %s: error: ", cmd);
	/* A file's name or a line's text may be in it (trial11). */
	fput_sanitized(stderr, msg, strlen(msg));
	fputc('\n', stderr);
}

/* See context.h. */
void
cmd_ctx_error(const struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcmd_error(ctx->cmd, fmt, ap);
	va_end(ap);
}

/* See context.h. */
void
cmd_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcmd_error(cmd, fmt, ap);
	va_end(ap);
}

/* See context.h. */
void
cmd_ctx_store_error(const struct cmd_ctx *ctx, const char *errbuf)
{
	char hint[256];

	cmd_ctx_error(ctx, "%s%s", errbuf,
	    db_error_hint(errbuf, ctx->cmd, hint, sizeof(hint)));
}

/* See context.h. */
int
cmd_ctx_option(struct cmd_ctx *ctx, int ch, const char *optarg)
{
	switch (ch) {
	case CTX_OPT_CONFIG:
		if (!(ctx->takes & CTX_DB))
			return 0;
		if (*optarg == '\0') {
			fprintf(stderr, "bouncestat %s: -c: empty path\n",
			    ctx->cmd);
			return -1;
		}
		ctx->config_arg = optarg;
		return 1;
	case CTX_OPT_DB:
		if (*optarg == '\0') {
			fprintf(stderr, "bouncestat %s: --db: empty path\n",
			    ctx->cmd);
			return -1;
		}
		ctx->db_arg = optarg;
		return 1;
	case CTX_OPT_RULES:
		ctx->rules_arg = optarg;
		return 1;
	case CTX_OPT_DETECT:
		if (ctx->ndetect == CTX_DETECT_MAX) {
			fprintf(stderr, "bouncestat %s: too many --detect\n",
			    ctx->cmd);
			return -1;
		}
		ctx->detect_args[ctx->ndetect++] = optarg;
		return 1;
	case CTX_OPT_NOW:
		ctx->now_arg = optarg;
		return 1;
	case CTX_OPT_UTC:
		/* At once: --now and --since then read zone-less times as
		 * UTC too. */
		tz_use_utc();
		return 1;
	case CTX_OPT_FORMAT:
		if (strcmp(optarg, "text") == 0)
			ctx->format = CTX_FORMAT_TEXT;
		else if (strcmp(optarg, "json") == 0 && (ctx->takes & CTX_JSON))
			ctx->format = CTX_FORMAT_JSON;
		else if (strcmp(optarg, "csv") == 0 && (ctx->takes & CTX_CSV))
			ctx->format = CTX_FORMAT_CSV;
		else if (strcmp(optarg, "html") == 0 && (ctx->takes & CTX_HTML))
			ctx->format = CTX_FORMAT_HTML;
		else {
			fprintf(stderr,
			    "bouncestat %s: --format: %s: not one of text%s%s%s\n",
			    ctx->cmd, optarg,
			    ctx->takes & CTX_JSON ? ", json" : "",
			    ctx->takes & CTX_CSV ? ", csv" : "",
			    ctx->takes & CTX_HTML ? ", html" : "");
			return -1;
		}
		return 1;
	default:
		return 0;
	}
}

static int resolve(struct cmd_ctx *, bool);

static void
conf_error(void *arg, const char *msg)
{
	const struct cmd_ctx *ctx = arg;

	cmd_ctx_error(ctx, "%s", msg);
}

/* See context.h. */
int
cmd_ctx_getopt(struct cmd_ctx *ctx, int argc, char **argv,
    const char *own_short, const struct option *longopts)
{
	int ch;

	while ((ch = getopt_long(argc, argv, cmd_ctx_shortopts(ctx, own_short),
		    longopts, NULL)) != -1) {
		switch (cmd_ctx_option(ctx, ch, optarg)) {
		case 1:
			continue;
		case -1:
			return '?';
		default:
			return ch;
		}
	}
	return -1;
}

/* See context.h. */
int
cmd_ctx_finish(struct cmd_ctx *ctx, bool writer, const struct cmd_entry *e)
{
	int rc;

	if ((rc = resolve(ctx, writer)) == 0)
		return 0;
	cmd_ctx_free(ctx);
	return rc == 2 ? cmd_usage(e) : rc;
}

/* The work of cmd_ctx_finish(): 0, 1 or 2. */
static int
resolve(struct cmd_ctx *ctx, bool writer)
{
	const char *env = getenv("BOUNCESTAT_DB");
	char errbuf[BS_ERRLEN];
	struct stat sb;
	int64_t t;
	size_t i;

	if (ctx->now_arg != NULL) {
		if (parse_time_arg(ctx->now_arg, clock_now(), &t) == -1) {
			fprintf(stderr, "bouncestat %s: bad --now: %s\n%s",
			    ctx->cmd, ctx->now_arg, cmd_time_forms);
			return 2;
		}
		clock_set(t);
	}
	ctx->now = clock_now();
	if (ctx->takes & CTX_DB) {
		/* A named file must exist; the default one may be absent
		 * (defaults) or unreadable to this user (defaults too: the
		 * service's file is the service's). */
		if (ctx->config_arg == NULL &&
		    (stat(CONF_PATH_DEFAULT, &sb) == -1 ||
			access(CONF_PATH_DEFAULT, R_OK) == -1))
			ctx->conf = conf_load(CONF_PATH_DEFAULT, false, NULL,
			    NULL); /* no file: the defaults */
		else
			ctx->conf = conf_load(ctx->config_arg != NULL
				? ctx->config_arg
				: CONF_PATH_DEFAULT,
			    true, conf_error, ctx);
		if (ctx->conf == NULL)
			return 1;
		if (ctx->db_arg != NULL) {
			snprintf(ctx->db, sizeof(ctx->db), "%s", ctx->db_arg);
			ctx->db_from = "--db";
		} else if (env != NULL && *env != '\0') {
			snprintf(ctx->db, sizeof(ctx->db), "%s", env);
			ctx->db_from = "BOUNCESTAT_DB";
		} else if (ctx->conf->database[0] != '\0') {
			snprintf(ctx->db, sizeof(ctx->db), "%s",
			    ctx->conf->database);
			ctx->db_from = "config";
		} else {
			/* $BOUNCESTAT_DB is unset here: the service's, else
			 * the user's. */
			default_db_path(ctx->db, sizeof(ctx->db), writer);
			ctx->db_from = "default";
		}
		if (stat(ctx->db, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			cmd_ctx_error(ctx,
			    "%s: is a directory, not a database (from %s)",
			    ctx->db, ctx->db_from);
			return 1;
		}
	}
	ctx->rules = ctx->rules_arg;
	if (ctx->rules == NULL && ctx->conf != NULL &&
	    ctx->conf->rules_dir[0] != '\0')
		ctx->rules = ctx->conf->rules_dir;
	detect_defaults(&ctx->dp);
	for (i = 0; ctx->conf != NULL && i < ctx->conf->ndetect; i++)
		if (detect_params_arg(&ctx->dp, ctx->conf->detect[i], errbuf) ==
		    -1) {
			cmd_ctx_error(
			    ctx, "%s: detect %s", ctx->conf->source, errbuf);
			return 1;
		}
	for (i = 0; i < ctx->ndetect; i++)
		if (detect_params_arg(&ctx->dp, ctx->detect_args[i], errbuf) ==
		    -1) {
			fprintf(stderr, "bouncestat %s: --detect %s\n",
			    ctx->cmd, errbuf);
			return 2;
		}
	if (detect_params_check(&ctx->dp, errbuf) == -1) {
		fprintf(
		    stderr, "bouncestat %s: --detect %s\n", ctx->cmd, errbuf);
		return 2;
	}
	return 0;
}

/* See context.h. */
int
cmd_ctx_need_db(const struct cmd_ctx *ctx)
{
	struct stat sb;

	if (stat(ctx->db, &sb) == 0 && S_ISREG(sb.st_mode))
		return 0;
	cmd_ctx_error(ctx,
	    "no database at %s (from %s): run 'bouncestat import' or the "
	    "daemon first, or name one with --db",
	    ctx->db, ctx->db_from);
	return 1;
}

struct store *
cmd_ctx_open_ro(struct cmd_ctx *ctx)
{
	char errbuf[BS_ERRLEN];
	struct store *st;

	if (cmd_ctx_need_db(ctx) != 0) {
		cmd_ctx_free(ctx);
		return NULL;
	}
	if ((st = store_open(ctx->db, STORE_READONLY, errbuf)) == NULL) {
		cmd_ctx_store_error(ctx, errbuf);
		cmd_ctx_free(ctx);
	}
	return st;
}

/* See context.h. */
const char cmd_time_forms[] =
    "WHEN: a duration ago (90s, 30m, 6h, 3d, 2w, 1d12h), a date (2026-11-22), "
    "a\ntime (2026-11-22T10:15[:01][Z|+01:00]; local without a zone), "
    "@EPOCH, today,\nyesterday, this-week, last-week, all or now.\n";

int
cmd_ctx_since(struct cmd_ctx *ctx, const char *when, int64_t *out)
{
	if (parse_time_arg(when, ctx->now, out) == 0)
		return 0;
	fprintf(stderr, "bouncestat %s: bad --since: %s\n%s", ctx->cmd, when,
	    cmd_time_forms);
	cmd_ctx_free(ctx);
	return -1;
}

/* See context.h. */
void
cmd_ctx_free(struct cmd_ctx *ctx)
{
	conf_free(ctx->conf);
	ctx->conf = NULL;
}

/* See context.h. */
void
cmd_ctx_help(unsigned takes)
{
	char db[1024];

	printf("Shared options:\n");
	if (takes & CTX_DB)
		printf(
		    "  -c, --config FILE  configuration (default\n"
		    "                     %s when it exists):\n"
		    "                     its database, detect and rules_dir "
		    "apply\n"
		    "  --db PATH          the database (see below)\n",
		    CONF_PATH_DEFAULT);
	if (takes & CTX_RULES)
		printf("  --rules DIR        operator rule files (default "
		       "rules_dir, else\n"
		       "                     /etc/bouncestat/rules.d)\n");
	if (takes & CTX_DETECT)
		printf(
		    "  --detect KEY=VAL   a detector threshold (after the "
		    "config's detect\n"
		    "                     lines), e.g. window=5m; repeatable\n");
	if (takes & CTX_NOW)
		printf("  --now WHEN         take WHEN as the present (a date, "
		       "@EPOCH, or a\n"
		       "                     duration ago)\n");
	if (takes & CTX_TZ)
		printf(
		    "  --utc              show and read times in UTC (default: "
		    "local time,\n"
		    "                     $TZ); hours and days are aligned to "
		    "it\n");
	if (takes & CTX_DB)
		printf("\nDatabase: --db, else $BOUNCESTAT_DB, else the "
		       "configuration's database,\nelse %s when it exists\n"
		       "(or for root's import and daemon), else\n"
		       "$XDG_STATE_HOME/bouncestat/bouncestat.db "
		       "($HOME/.local/state when unset).\nHere and now: %s.\n"
		       "An empty (0-byte) file is no database yet: import, "
		       "rebuild and the daemon\nmake it one; other commands "
		       "say \"empty database\" and leave it as it is.\n",
		    UTIL_SERVICE_DB, default_db_path(db, sizeof(db), false));
}
