/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See alert_notify.h. Destination keys in the notification table are
 * "webhook <url>" and "exec <path>": a URL moved to another format stays
 * the same destination; another URL is a new one, told only about open
 * incidents and resolutions since --since. A webhook's batch is at most
 * ALERT_NOTIFY_BATCH incidents; the rest go in the next run.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert_notify.h"
#include "msg_render.h"
#include "conf.h"
#include "context.h"
#include "event.h"
#include "incidents.h"
#include "log.h"
#include "metrics.h"
#include "notification.h"
#include "store.h"
#include "util.h"

#define ALERT_NOTIFY_BATCH 200

static bool
find(const struct alert_notify *an, bool exec, const char *target)
{
	size_t i;

	for (i = 0; i < an->n; i++)
		if (an->v[i].exec == exec &&
		    strcmp(an->v[i].target, target) == 0)
			return true;
	return false;
}

int
alert_notify_add_webhook(struct alert_notify *an, const char *spec,
    const enum notify_format *fmt, char *errbuf)
{
	enum notify_format f = NOTIFY_JSON;
	const char *sp;
	char word[16];
	size_t n;

	if (an->n == ALERT_DEST_MAX) {
		snprintf(errbuf, BS_ERRLEN, "more than %d destinations",
		    ALERT_DEST_MAX);
		return -1;
	}
	if (fmt != NULL)
		f = *fmt;
	else if ((sp = strpbrk(spec, " \t")) != NULL) {
		n = (size_t)(sp - spec);
		if (n >= sizeof(word)) {
			snprintf(errbuf, BS_ERRLEN,
			    "webhook: want \"[json|slack] URL\"");
			return -1;
		}
		memcpy(word, spec, n);
		word[n] = '\0';
		if (notify_format_parse(word, &f) == -1) {
			snprintf(errbuf, BS_ERRLEN,
			    "webhook: unknown format \"%s\" (json or slack)",
			    word);
			return -1;
		}
		spec = sp + strspn(sp, " \t");
	}
	if (strncmp(spec, "http://", 7) != 0 &&
	    strncmp(spec, "https://", 8) != 0) {
		snprintf(errbuf, BS_ERRLEN,
		    "webhook: not an http:// or https:// URL");
		return -1;
	}
	if (find(an, false, spec))
		return 0; /* given twice (option and directive): told once */
	an->v[an->n].exec = false;
	an->v[an->n].fmt = f;
	an->v[an->n].target = spec;
	an->n++;
	return 0;
}

int
alert_notify_add_exec(struct alert_notify *an, const char *path, char *errbuf)
{
	if (an->n == ALERT_DEST_MAX) {
		snprintf(errbuf, BS_ERRLEN, "more than %d destinations",
		    ALERT_DEST_MAX);
		return -1;
	}
	if (path[0] != '/') {
		snprintf(errbuf, BS_ERRLEN,
		    "exec: %s: not an absolute path (no PATH search)", path);
		return -1;
	}
	if (find(an, true, path))
		return 0;
	an->v[an->n].exec = true;
	an->v[an->n].fmt = NOTIFY_JSON;
	an->v[an->n].target = path;
	an->n++;
	return 0;
}

/* What gather() fills: the pending incidents with their hosts. */
struct pending {
	struct store *st;
	struct incident_list l;
};

/*
 * incident_list_add(), at most ALERT_NOTIFY_BATCH, with the logging
 * hosts that 'incidents --format json' has (the pending list reads
 * none): a webhook's "hosts" and a hook's JSON were empty.
 */
static int
gather(const struct incident *inc, void *arg)
{
	struct pending *p = arg;
	struct incident copy;
	char hosts[INCIDENT_HOSTS_MAX];

	if (p->l.n >= ALERT_NOTIFY_BATCH)
		return 0;
	copy = *inc;
	if ((copy.hosts == NULL || copy.hosts[0] == '\0') &&
	    incident_hosts(p->st, inc, hosts, sizeof(hosts)) == 0)
		copy.hosts = hosts;
	return incident_list_add(&copy, &p->l);
}

static int
state_of(const struct incident *inc)
{
	return inc->open ? INCIDENT_NOTIFIED_OPEN : INCIDENT_NOTIFIED_RESOLVED;
}

/*
 * A destination's failure: an error (alert exits 1; it is retried by
 * the next run), in the command's wording when an->cc is set.
 */
static void __attribute__((format(printf, 2, 3)))
notify_error(const struct alert_notify *an, const char *fmt, ...)
{
	char buf[BS_ERRLEN + 600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (an->cc != NULL)
		cmd_ctx_error(an->cc, "%s", buf);
	else
		log_errx("%s", buf);
}

/* One webhook: its pending incidents in one document. 0 or -1. */
static int
run_webhook(struct store *st, const struct alert_notify *an,
    const struct alert_dest *d, const char *key)
{
	struct pending pend = { NULL, { 0 } };
	struct incident_list l;
	char errbuf[BS_ERRLEN], shown[300], *body = NULL;
	size_t len = 0, i;
	FILE *fp;
	int rc = -1;

	webhook_display(shown, sizeof(shown), d->target);
	pend.st = st;
	if (notification_pending(st, key, an->since, gather, &pend) == -1) {
		l = pend.l;
		notify_error(
		    an, "webhook %s: database: %s", shown, store_errmsg(st));
		goto done;
	}
	l = pend.l;
	if (l.n == 0) {
		rc = 0;
		goto done;
	}
	/* The fields incidents --format json has: the messages held. */
	msg_incidents_fill(st, &l, an->now, an->lifetime);
	if ((fp = open_memstream(&body, &len)) == NULL)
		fatal("webhook: open_memstream");
	notify_payload(fp, d->fmt, &l, an->host, an->now);
	if (fclose(fp) != 0)
		fatal("webhook: open_memstream");
	if (an->dry) {
		printf("POST %s (%s, %zu incident%s)\n%s", shown,
		    d->fmt == NOTIFY_SLACK ? "slack" : "json", l.n,
		    l.n == 1 ? "" : "s", body);
		rc = 0;
		goto done;
	}
	if (webhook_post(d->target, body, len, an->timeout_ms, errbuf) == -1) {
		notify_error(an,
		    "webhook %s: %s (%zu incident%s left for the next "
		    "run)",
		    shown, errbuf, l.n, l.n == 1 ? "" : "s");
		goto done;
	}
	if (store_begin(st) == -1)
		goto marking;
	for (i = 0; i < l.n; i++)
		if (notification_mark(st, l.v[i].inc.id, key,
			state_of(&l.v[i].inc), an->now) == -1) {
			store_rollback(st);
			goto marking;
		}
	if (store_commit(st) == -1)
		goto marking;
	log_debug("webhook %s: told about %zu incidents", shown, l.n);
	rc = 0;
	goto done;
marking:
	notify_error(an,
	    "webhook %s: sent, but marking failed (it will be told "
	    "again): %s",
	    shown, store_errmsg(st));
done:
	free(body);
	incident_list_free(&l);
	return rc;
}

/* One hook: a run per pending incident, each marked on success. */
static int
run_exec(struct store *st, const struct alert_notify *an,
    const struct alert_dest *d, const char *key)
{
	struct pending pend = { NULL, { 0 } };
	struct incident_list l;
	const struct incident *inc;
	char errbuf[BS_ERRLEN];
	size_t i, nfail = 0;

	pend.st = st;
	if (notification_pending(st, key, an->since, gather, &pend) == -1) {
		incident_list_free(&pend.l);
		notify_error(
		    an, "exec %s: database: %s", d->target, store_errmsg(st));
		return -1;
	}
	l = pend.l;
	for (i = 0; i < l.n; i++) {
		inc = &l.v[i].inc;
		if (an->dry) {
			printf("EXEC %s %s (incident %lld, %s %s)\n", d->target,
			    inc->open ? "opened" : "resolved",
			    (long long)inc->id, inc->kind, inc->key);
			continue;
		}
		if (hook_run(d->target, inc->open ? "opened" : "resolved", inc,
			an->host, an->timeout_ms, errbuf) == -1) {
			notify_error(an,
			    "exec %s: incident %lld: %s (retried by the "
			    "next run)",
			    d->target, (long long)inc->id, errbuf);
			nfail++;
			continue;
		}
		if (notification_mark(
			st, inc->id, key, state_of(inc), an->now) == -1) {
			notify_error(an,
			    "exec %s: incident %lld: ran, but marking "
			    "failed (it will run again): %s",
			    d->target, (long long)inc->id, store_errmsg(st));
			nfail++;
		}
	}
	incident_list_free(&l);
	return nfail > 0 ? -1 : 0;
}

int
alert_notify_run(struct store *st, const struct alert_notify *an)
{
	const struct alert_dest *d;
	size_t i;
	char *key;
	int rc = 0;

	for (i = 0; i < an->n; i++) {
		d = &an->v[i];
		key = xmalloc(strlen(d->target) + 16);
		sprintf(key, "%s %s", d->exec ? "exec" : "webhook", d->target);
		if ((d->exec ? run_exec(st, an, d, key)
			     : run_webhook(st, an, d, key)) == -1)
			rc = 1;
		free(key);
	}
	return rc;
}

void
alert_notify_help(FILE *fp)
{
	fputs(
	    "     --webhook URL     also POST new and resolved incidents to URL "
	    "(one JSON\n"
	    "                       document per run; repeatable; the "
	    "configuration's\n"
	    "                       `webhook` lines add to them)\n"
	    "     --webhook-format FMT\n"
	    "                       json (default: the fields of "
	    "'incidents --format\n"
	    "                       json') or slack (Slack, Mattermost, "
	    "Rocket.Chat), for\n"
	    "                       the --webhook options that follow it "
	    "(none: a usage\n"
	    "                       error)\n"
	    "     --exec PROGRAM    also run PROGRAM (absolute path, no shell) "
	    "for every\n"
	    "                       incident that opened or resolved: "
	    "BOUNCESTAT_*\n"
	    "                       variables, JSON on stdin; exit 0 is "
	    "success\n"
	    "                       (repeatable; also `exec` lines; time "
	    "limit\n"
	    "                       hook_timeout, default 30s)\n"
	    "                       Each webhook and program keeps its own "
	    "record: one\n"
	    "                       is marked told only after a 2xx answer "
	    "or exit 0,\n"
	    "                       and a failure is retried by the next run.\n",
	    fp);
}

int
alert_notify_check_conf(const struct conf *c, conf_error_fn *errfn, void *arg)
{
	struct sockaddr_storage ss;
	struct alert_notify an;
	struct stat st;
	char msg[BS_ERRLEN], line[BS_ERRLEN + 300];
	size_t sslen, i;
	int nbad = 0;

	if (c->metrics_listen[0] != '\0' &&
	    metrics_parse_listen(c->metrics_listen, &ss, &sslen, msg) == -1) {
		snprintf(line, sizeof(line), "%s:%zu: metrics_listen %.200s",
		    c->source, conf_line(c, "metrics_listen"), msg);
		errfn(arg, line);
		nbad++;
	}
	/* Each entry on its own, so that every bad one is named. */
	for (i = 0; i < c->nwebhook; i++) {
		memset(&an, 0, sizeof(an));
		if (alert_notify_add_webhook(&an, c->webhook[i], NULL, msg) ==
		    -1) {
			snprintf(line, sizeof(line),
			    "%s:%zu: webhook %.200s: %s", c->source,
			    conf_list_line(c, "webhook", i), c->webhook[i],
			    strncmp(msg, "webhook: ", 9) == 0 ? msg + 9 : msg);
			errfn(arg, line);
			nbad++;
		}
	}
	for (i = 0; i < c->nexec; i++) {
		memset(&an, 0, sizeof(an));
		/* The program must be there now, not only at the alert. */
		if (alert_notify_add_exec(&an, c->exec[i], msg) == -1) {
			/* msg says why */
		} else if (stat(c->exec[i], &st) == -1)
			snprintf(msg, sizeof(msg), "exec: %.200s: %s",
			    c->exec[i], strerror(errno));
		else if (!S_ISREG(st.st_mode) ||
		    (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0)
			snprintf(msg, sizeof(msg),
			    "exec: %.200s: not an executable file", c->exec[i]);
		else
			continue;
		/* "exec: PATH: why" as "file:line: exec PATH: why". */
		snprintf(line, sizeof(line), "%s:%zu: exec %s", c->source,
		    conf_list_line(c, "exec", i),
		    strncmp(msg, "exec: ", 6) == 0 ? msg + 6 : msg);
		errfn(arg, line);
		nbad++;
	}
	return nbad;
}

int
alert_notify_add_conf(
    struct alert_notify *an, const struct conf *c, char *errbuf)
{
	size_t i;

	for (i = 0; i < c->nwebhook; i++)
		if (alert_notify_add_webhook(an, c->webhook[i], NULL, errbuf) ==
		    -1)
			return -1;
	for (i = 0; i < c->nexec; i++)
		if (alert_notify_add_exec(an, c->exec[i], errbuf) == -1)
			return -1;
	return 0;
}

int
alert_notify_send(struct alert_notify *an, struct store *st, int64_t since,
    int64_t now, int64_t timeout_ms, bool dry)
{
	char host[256], errbuf[BS_ERRLEN];
	int rc;

	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	an->since = since;
	an->now = now;
	an->timeout_ms = timeout_ms;
	an->host = host;
	an->dry = dry;
	if (webhook_init(errbuf) == -1) {
		notify_error(an, "%s", errbuf);
		return 1;
	}
	rc = alert_notify_run(st, an);
	webhook_cleanup();
	an->host = NULL;
	return rc;
}
