/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See metrics.h. The server thread is libmicrohttpd's internal polling
 * thread (MHD_USE_INTERNAL_POLLING_THREAD without a thread per
 * connection): requests are answered one after another, so the one
 * store connection it keeps needs no lock. The connection is opened at
 * the first scrape and again after an error (the database may have been
 * replaced). A scrape that cannot read the database answers 500, which
 * Prometheus records as a failed scrape (up == 0), logged once until a
 * scrape succeeds again (the logger is a plain fprintf(), safe from this
 * thread).
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <microhttpd.h>

#include "clock.h"
#include "dl.h"
#include "dnsbl_state.h"
#include "log.h"
#include "expo.h"
#include "metric.h"
#include "metrics.h"
#include "store.h"
#include "util.h"
#include "version.h"

#define METRICS_CONN_LIMIT 16          /* connections at once */
#define METRICS_TIMEOUT    10          /* seconds an idle connection is kept */
#define METRICS_FILES_MAX  (64 * 1024) /* bytes of the followed-file list */

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics {
	struct MHD_Daemon *d;
	char *db_path;
	int64_t top;
	struct store *st; /* the server thread's */
	bool failing;     /* the last scrape failed (logged once) */
};

int
metrics_parse_listen(
    const char *s, struct sockaddr_storage *ss, size_t *sslen, char *errbuf)
{
	struct addrinfo hints, *ai = NULL;
	char host[128];
	const char *colon, *port;
	size_t hlen;
	int rc;

	if (s[0] == '[') {
		if ((colon = strstr(s, "]:")) == NULL)
			goto bad;
		hlen = (size_t)(colon - s - 1);
		if (hlen >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, hlen);
		port = colon + 2;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			goto bad;
		hlen = (size_t)(colon - s);
		if (hlen >= sizeof(host) || memchr(s, ':', hlen) != NULL)
			goto bad;
		memcpy(host, s, hlen);
		port = colon + 1;
	}
	host[hlen] = '\0';
	if (hlen == 0 || *port == '\0' ||
	    strspn(port, "0123456789") != strlen(port) || strlen(port) > 5 ||
	    atoi(port) > 65535)
		goto bad;
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(errbuf, BS_ERRLEN,
		    "%.100s: %s (a numeric address is "
		    "needed)",
		    s, gai_strerror(rc));
		return -1;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sslen = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
bad:
	snprintf(errbuf, BS_ERRLEN,
	    "%s: not ADDR:PORT (a numeric address, e.g. 127.0.0.1:9154 or "
	    "[::1]:9154)",
	    s);
	return -1;
}

struct render {
	FILE *fp;
	bool attempts_started;
	int dnsbl_pass; /* put_dnsbl(): 0 listed, 1 check_error */
};

static int
put_count(bool attempt, const char *status, const char *cls,
    const char *provider, int64_t n, void *arg)
{
	struct render *r = arg;
	const char *labels[6];

	if (*provider == '\0')
		provider = "unknown";
	if (attempt) {
		if (!r->attempts_started) {
			expo_family(r->fp, "bouncestat_attempts_total",
			    "counter",
			    "Per-MX delivery attempts that failed (not final "
			    "results), by class and receiving provider.");
			r->attempts_started = true;
		}
		labels[0] = "class", labels[1] = cls;
		labels[2] = "provider", labels[3] = provider;
		expo_sample(r->fp, "bouncestat_attempts_total", labels, 2, n);
		return 0;
	}
	labels[0] = "status", labels[1] = status;
	labels[2] = "class", labels[3] = cls;
	labels[4] = "provider", labels[5] = provider;
	expo_sample(r->fp, "bouncestat_results_total", labels, 3, n);
	return 0;
}

static int
put_incident(const char *kind, const char *key, int64_t n, void *arg)
{
	struct render *r = arg;
	const char *labels[4] = { "kind", kind, "key", key };

	expo_sample(r->fp, "bouncestat_incidents_open", labels, 2, n);
	return 0;
}

/* Lag of the followed file path (see the README), -1 when unknown. */
static int64_t
file_lag(struct store *st, const char *path, int64_t now, int *err)
{
	int64_t ino, off, updated;
	struct stat sb;
	int rc;

	if ((rc = metric_position(st, path, &ino, &off, &updated)) == -1) {
		*err = 1;
		return -1;
	}
	if (stat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
		return 0; /* missing: nothing waits to be read */
	if (rc == 0)
		return 0; /* never read yet: no position to measure from */
	if ((int64_t)sb.st_ino == ino && (int64_t)sb.st_size <= off)
		return 0;
	if ((int64_t)sb.st_ino != ino && sb.st_size == 0)
		return 0;
	return now > updated ? now - updated : 0;
}

/* One DNSBL self-check row: listed and error gauges (0 or 1). */
static int
put_dnsbl(const struct dnsbl_state_row *row, void *arg)
{
	struct render *r = arg;
	const char *labels[4] = { "list", row->zone, "ip", row->ip };
	bool listed = strcmp(row->verdict, "listed") == 0;
	bool error = strcmp(row->verdict, "error") == 0;

	if (r->dnsbl_pass == 0)
		expo_sample(r->fp, "bouncestat_dnsbl_listed", labels, 2,
		    listed ? 1 : 0);
	else
		expo_sample(r->fp, "bouncestat_dnsbl_check_error", labels, 2,
		    error ? 1 : 0);
	return 0;
}

static char *
render_page(struct store *st, int64_t top, int64_t now, size_t *len)
{
	struct render r;
	uint64_t lines[METRIC_LINE_COUNT];
	const char *labels[2];
	char *buf = NULL, *files = NULL, *p, *nl, stalled[1024];
	size_t size = 0, i;
	int rc, err = 0;
	int64_t lag;

	if ((r.fp = open_memstream(&buf, &size)) == NULL)
		fatal("metrics: open_memstream");
	r.attempts_started = false;

	expo_family(r.fp, "bouncestat_build_info", "gauge",
	    "The bouncestat version serving these metrics (always 1).");
	labels[0] = "version", labels[1] = bs_version;
	expo_sample(r.fp, "bouncestat_build_info", labels, 1, 1);

	expo_family(r.fp, "bouncestat_results_total", "counter",
	    "Final delivery results (one per status= line), by status, class "
	    "and receiving provider; provider other sums those beyond the "
	    "top metrics_top, unknown those with none.");
	if ((rc = metric_counts(st, top, put_count, &r)) == -1)
		goto fail;

	expo_family(r.fp, "bouncestat_incidents_open", "gauge",
	    "Open incidents by kind and key (provider, domain or DNSBL).");
	if (metric_incidents_open(st, put_incident, &r) == -1)
		goto fail;

	if (metric_lines(st, lines) == -1)
		goto fail;
	/* The results are a partition (their sum is the lines read); cut
	 * lines, also under one of them, are a counter of their own. */
	expo_family(r.fp, "bouncestat_lines_total", "counter",
	    "Log lines read, by result: delivery (gave a delivery event), "
	    "skipped (not one), bad (a malformed delivery line); the sum is "
	    "every line read.");
	for (i = 0; i < METRIC_LINE_CUT; i++) {
		labels[0] = "result";
		labels[1] = metric_line_name((enum metric_line)i);
		expo_sample(r.fp, "bouncestat_lines_total", labels, 1,
		    (int64_t)lines[i]);
	}
	expo_family(r.fp, "bouncestat_lines_cut_total", "counter",
	    "Over-long log lines cut to the line limit (each also counted "
	    "under its result in bouncestat_lines_total).");
	expo_sample(r.fp, "bouncestat_lines_cut_total", NULL, 0,
	    (int64_t)lines[METRIC_LINE_CUT]);

	expo_family(r.fp, "bouncestat_follow_lag_seconds", "gauge",
	    "Per followed file: seconds since its stored position last "
	    "moved while the file holds more to read; 0 when all was read.");
	files = xmalloc(METRICS_FILES_MAX);
	if ((rc = metric_files(st, files, METRICS_FILES_MAX)) == -1)
		goto fail;
	for (p = rc == 1 ? files : NULL; p != NULL && *p != '\0'; p = nl) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl++ = '\0';
		lag = file_lag(st, p, now, &err);
		if (err)
			goto fail;
		labels[0] = "file", labels[1] = p;
		expo_sample(
		    r.fp, "bouncestat_follow_lag_seconds", labels, 1, lag);
		if (nl == NULL)
			break;
	}
	free(files);
	files = NULL;

	expo_family(r.fp, "bouncestat_daemon_stalled", "gauge",
	    "1 while a followed file has not grown for stall_after although "
	    "the MTA's process runs (see bouncestat status), else 0.");
	if ((rc = store_meta_get(
		 st, "daemon.stalled", stalled, sizeof(stalled))) == -1)
		goto fail;
	expo_sample(r.fp, "bouncestat_daemon_stalled", NULL, 0,
	    rc == 1 && stalled[0] != '\0' ? 1 : 0);

	expo_family(r.fp, "bouncestat_dnsbl_listed", "gauge",
	    "The DNSBL self-check's last answer per list and checked IP: 1 "
	    "listed, 0 not (or no answer).");
	r.dnsbl_pass = 0;
	if (dnsbl_state_each(st, put_dnsbl, &r) == -1)
		goto fail;
	expo_family(r.fp, "bouncestat_dnsbl_check_error", "gauge",
	    "1 when the self-check's last query of a list for an IP failed "
	    "(timeout, refused, the list's error codes such as Spamhaus' "
	    "public-resolver refusal), else 0.");
	r.dnsbl_pass = 1;
	if (dnsbl_state_each(st, put_dnsbl, &r) == -1)
		goto fail;
	if (fclose(r.fp) != 0) {
		free(buf);
		return NULL;
	}
	*len = size;
	return buf;
fail:
	free(files);
	fclose(r.fp);
	free(buf);
	return NULL;
}

/*
 * The page from one read transaction: its families (results, lines read,
 * incidents, lags) read one snapshot while the daemon commits, so lines
 * and results add up as their help says.
 */
char *
metrics_render(struct store *st, int64_t top, int64_t now, size_t *len)
{
	char *page;

	if (store_read_begin(st) == -1)
		return NULL;
	page = render_page(st, top, now, len);
	if (store_read_end(st) == -1) {
		free(page);
		return NULL;
	}
	return page;
}

#ifndef BS_LIBMHD_SONAME
#define BS_LIBMHD_SONAME "libmicrohttpd.so.12"
#endif

/* libmicrohttpd, loaded by metrics_start() (dl.h): a daemon without
 * metrics_listen, and every other command, does not map it nor the
 * GnuTLS it pulls in. */
DL_FN(MHD_start_daemon);
DL_FN(MHD_stop_daemon);
DL_FN(MHD_create_response_from_buffer);
DL_FN(MHD_add_response_header);
DL_FN(MHD_queue_response);
DL_FN(MHD_destroy_response);

static const struct dl_sym mhd_syms[] = {
	DL_SYM(MHD_start_daemon),
	DL_SYM(MHD_stop_daemon),
	DL_SYM(MHD_create_response_from_buffer),
	DL_SYM(MHD_add_response_header),
	DL_SYM(MHD_queue_response),
	DL_SYM(MHD_destroy_response),
};

static void *mhd_lib; /* kept loaded once loaded */

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *type, char *body,
    size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = sym_MHD_create_response_from_buffer(
	    len, body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	sym_MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = sym_MHD_queue_response(c, status, resp);
	sym_MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct metrics *m = cls;
	char errbuf[BS_ERRLEN], *body;
	size_t len;

	(void)version;
	(void)upload_data;
	if (*con_cls == NULL) { /* headers only: answer on the next call */
		*con_cls = m;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0; /* a body to a GET: ignored */
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
		    xstrdup("only GET\n"), 9);
	if (strcmp(url, "/") == 0)
		return reply(c, MHD_HTTP_OK, "text/plain",
		    xstrdup("bouncestat: see /metrics\n"), 25);
	if (strcmp(url, "/metrics") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, "text/plain",
		    xstrdup("not found\n"), 10);
	if (m->st == NULL &&
	    (m->st = store_open(m->db_path, STORE_READONLY, errbuf)) == NULL) {
		if (!m->failing)
			log_warnx("metrics: %s: %s (answering 500)", m->db_path,
			    errbuf);
		m->failing = true;
		len = strlen(errbuf);
		body = xmalloc(len + 32);
		len =
		    (size_t)snprintf(body, len + 32, "database: %s\n", errbuf);
		return reply(
		    c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", body, len);
	}
	/* time() here: clock_now() caches the test clock's value in a
	 * variable the loop's thread writes too; only tests use that. */
	if ((body = metrics_render(m->st, m->top,
		 clock_is_test() ? clock_now() : (int64_t)time(NULL), &len)) ==
	    NULL) {
		snprintf(errbuf, sizeof(errbuf), "database: %s\n",
		    store_errmsg(m->st));
		if (!m->failing)
			log_warnx("metrics: %s: %s (answering 500)", m->db_path,
			    store_errmsg(m->st));
		m->failing = true;
		store_close(m->st);
		m->st = NULL;
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain",
		    xstrdup(errbuf), strlen(errbuf));
	}
	if (m->failing)
		log_info("metrics: %s: readable again", m->db_path);
	m->failing = false;
	return reply(c, MHD_HTTP_OK, CONTENT_TYPE, body, len);
}

struct metrics *
metrics_start(
    const char *listen, const char *db_path, int64_t top, char *errbuf)
{
	struct sockaddr_storage ss;
	struct metrics *m;
	sigset_t all, old;
	size_t sslen;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;

	if (metrics_parse_listen(listen, &ss, &sslen, errbuf) == -1)
		return NULL;
	if (dl_load(BS_LIBMHD_SONAME, &mhd_lib, mhd_syms,
		sizeof(mhd_syms) / sizeof(mhd_syms[0]), errbuf) == -1)
		return NULL;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	m = xcalloc(1, sizeof(*m));
	m->db_path = xstrdup(db_path);
	m->top = top;
	/* The thread inherits this mask: signals stay the loop's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	m->d = sym_MHD_start_daemon(flags, 0, NULL, NULL, handler, m,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_CONN_LIMIT,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_TIMEOUT,
	    MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (m->d == NULL) {
		snprintf(errbuf, BS_ERRLEN,
		    "%s: cannot listen (address in use, or not local?)",
		    listen);
		free(m->db_path);
		free(m);
		return NULL;
	}
	return m;
}

void
metrics_stop(struct metrics *m)
{
	if (m == NULL)
		return;
	sym_MHD_stop_daemon(m->d);
	store_close(m->st);
	free(m->db_path);
	free(m);
}
