/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See resolver.h. The glue follows the usual c-ares-on-an-event-loop
 * pattern: the socket state callback adds, changes or removes an ev_io
 * for a socket; each readiness calls ares_process_fd() for that socket;
 * after every call into c-ares the timer is set to ares_timeout() (capped),
 * and when it fires ares_process_fd(ARES_SOCKET_BAD, ARES_SOCKET_BAD)
 * lets c-ares expire queries. Sockets are few (one UDP socket per server,
 * plus TCP for truncated answers), so a small array does.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <sys/select.h>
#include <sys/time.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "conf.h"
#include "event.h"
#include "resolver.h"
#include "util.h"

#define RESOLVER_TIMER_MAX 1.0 /* seconds: re-check at least this often */

struct sockw {
	ev_io w;
	struct resolver *r;
	bool used;
};

struct resolver {
	struct ev_loop *ev;
	ares_channel ch;
	bool ch_ok;
	struct sockw *socks;
	size_t nsocks;
	ev_timer tw;
	size_t pending;
};

struct query {
	struct resolver *r;
	resolver_done_fn *fn;
	void *arg;
};

static void update_timer(struct resolver *r);

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sockw *s = (struct sockw *)w;
	struct resolver *r = s->r;
	ares_socket_t fd = (ares_socket_t)w->fd;

	(void)loop;
	ares_process_fd(r->ch, (revents & EV_READ) ? fd : ARES_SOCKET_BAD,
	    (revents & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	update_timer(r);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct resolver *r = w->data;

	(void)loop;
	(void)revents;
	ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	update_timer(r);
}

static void
update_timer(struct resolver *r)
{
	struct timeval maxtv, tv, *tvp;
	double after;

	ev_timer_stop(r->ev, &r->tw);
	if (r->pending == 0)
		return;
	maxtv.tv_sec = (time_t)RESOLVER_TIMER_MAX;
	maxtv.tv_usec = 0;
	tvp = ares_timeout(r->ch, &maxtv, &tv);
	after = (double)tvp->tv_sec + (double)tvp->tv_usec / 1e6;
	if (after < 0.001)
		after = 0.001;
	ev_timer_set(&r->tw, after, 0.);
	ev_timer_start(r->ev, &r->tw);
}

static void
sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
	struct resolver *r = data;
	struct sockw *s = NULL;
	size_t i;
	int ev = (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0);

	for (i = 0; i < r->nsocks; i++)
		if (r->socks[i].used && r->socks[i].w.fd == (int)fd) {
			s = &r->socks[i];
			break;
		}
	if (s != NULL) {
		ev_io_stop(r->ev, &s->w);
		if (ev == 0) {
			s->used = false;
			return;
		}
		ev_io_set(&s->w, (int)fd, ev);
		ev_io_start(r->ev, &s->w);
		return;
	}
	if (ev == 0)
		return;
	for (i = 0; i < r->nsocks; i++)
		if (!r->socks[i].used)
			break;
	if (i == r->nsocks) {
		/* ev_io watchers are registered by address: grow only
		 * while none is active (all stopped above or unused). */
		size_t j, old = r->nsocks;

		for (j = 0; j < old; j++)
			if (r->socks[j].used)
				ev_io_stop(r->ev, &r->socks[j].w);
		r->nsocks = old == 0 ? 8 : old * 2;
		r->socks = xrealloc(r->socks, r->nsocks * sizeof(*r->socks));
		memset(
		    r->socks + old, 0, (r->nsocks - old) * sizeof(*r->socks));
		for (j = 0; j < old; j++)
			if (r->socks[j].used)
				ev_io_start(r->ev, &r->socks[j].w);
	}
	s = &r->socks[i];
	s->used = true;
	s->r = r;
	ev_io_init(&s->w, io_cb, (int)fd, ev);
	ev_io_start(r->ev, &s->w);
}

struct resolver *
resolver_new(struct ev_loop *ev, const char *servers, int timeout_ms, int tries,
    char *errbuf)
{
	struct ares_options o;
	struct resolver *r;
	int rc;

	if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		snprintf(errbuf, BS_ERRLEN, "c-ares: %s", ares_strerror(rc));
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->ev = ev;
	memset(&o, 0, sizeof(o));
	o.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH;
	o.timeout = timeout_ms;
	o.tries = tries > 0 ? tries : 1;
	o.sock_state_cb = sock_state_cb;
	o.sock_state_cb_data = r;
	rc = ares_init_options(&r->ch, &o,
	    ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
		ARES_OPT_SOCK_STATE_CB);
	if (rc != ARES_SUCCESS) {
		snprintf(errbuf, BS_ERRLEN, "c-ares: %s", ares_strerror(rc));
		goto fail;
	}
	r->ch_ok = true;
	if (servers != NULL && servers[0] != '\0' &&
	    (rc = ares_set_servers_ports_csv(r->ch, servers)) != ARES_SUCCESS) {
		snprintf(errbuf, BS_ERRLEN, "dnsbl_resolver '%.100s': %s",
		    servers, ares_strerror(rc));
		goto fail;
	}
	ev_timer_init(&r->tw, timer_cb, 1., 0.);
	r->tw.data = r;
	return r;
fail:
	resolver_free(r);
	return NULL;
}

/*
 * The ports of a servers string: each ":PORT" (after an IPv4 address or
 * "[IPv6]") is 1 to 65535. c-ares takes 99999 (a port of its own from
 * the low 16 bits) and 0. NULL, or the first bad entry's start.
 */
static const char *
bad_port(const char *servers)
{
	const char *e = servers, *colon, *end;
	long port;
	char *stop;

	while (*e != '\0') {
		const char *start = e;

		end = strchr(e, ',');
		if (end == NULL)
			end = e + strlen(e);
		if (*e == '[')
			colon = memchr(e, ']', (size_t)(end - e));
		else
			colon = e;
		colon = colon == NULL
		    ? NULL
		    : memchr(colon, ':', (size_t)(end - colon));
		/* A second ':' without brackets: a bare IPv6 address. */
		if (colon != NULL && *e != '[' &&
		    memchr(colon + 1, ':', (size_t)(end - colon - 1)) != NULL)
			colon = NULL;
		if (colon != NULL) {
			if (colon + 1 == end || colon[1] < '0' ||
			    colon[1] > '9')
				return start;
			errno = 0;
			port = strtol(colon + 1, &stop, 10);
			if (stop != end || errno != 0 || port < 1 ||
			    port > 65535)
				return start;
		}
		e = *end == ',' ? end + 1 : end;
	}
	return NULL;
}

/* See resolver.h. */
int
resolver_servers_check(const char *servers, char *errbuf)
{
	struct ares_options o;
	ares_channel ch;
	int rc;

	if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		snprintf(errbuf, BS_ERRLEN, "c-ares: %s", ares_strerror(rc));
		return -1;
	}
	memset(&o, 0, sizeof(o));
	o.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH;
	if ((rc = ares_init_options(&ch, &o, ARES_OPT_FLAGS)) != ARES_SUCCESS) {
		snprintf(errbuf, BS_ERRLEN, "c-ares: %s", ares_strerror(rc));
		ares_library_cleanup();
		return -1;
	}
	rc = ares_set_servers_ports_csv(ch, servers);
	ares_destroy(ch);
	ares_library_cleanup();
	if (rc != ARES_SUCCESS) {
		snprintf(errbuf, BS_ERRLEN,
		    "not a list of IP addresses ADDR[:PORT][,...] (%s)",
		    ares_strerror(rc));
		return -1;
	}
	if (bad_port(servers) != NULL) {
		snprintf(errbuf, BS_ERRLEN,
		    "not a list of IP addresses ADDR[:PORT][,...] (a port is "
		    "1 to 65535)");
		return -1;
	}
	return 0;
}

/* See resolver.h. */
int
resolver_conf_check(
    const struct conf *c, void (*errfn)(void *, const char *), void *arg)
{
	char errbuf[BS_ERRLEN], msg[BS_ERRLEN + 600];

	if (c->dnsbl_resolver[0] == '\0' ||
	    resolver_servers_check(c->dnsbl_resolver, errbuf) == 0)
		return 0;
	snprintf(msg, sizeof(msg), "%s:%zu: dnsbl_resolver %.300s: %s",
	    c->source, conf_line(c, "dnsbl_resolver"), c->dnsbl_resolver,
	    errbuf);
	if (errfn != NULL)
		errfn(arg, msg);
	return 1;
}

static void
answer_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct query *q = arg;
	struct resolver *r = q->r;
	struct ares_addrttl ttls[RESOLVER_ADDRS_MAX];
	uint32_t addrs[RESOLVER_ADDRS_MAX];
	enum resolver_status st;
	const char *detail = ares_strerror(status);
	int n = RESOLVER_ADDRS_MAX, i;
	size_t na = 0;

	(void)timeouts;
	r->pending--;
	switch (status) {
	case ARES_SUCCESS:
		st = RESOLVER_ANSWER;
		if (ares_parse_a_reply(abuf, alen, NULL, ttls, &n) !=
		    ARES_SUCCESS) {
			/* NOERROR without an A record: not listed. */
			st = RESOLVER_NXDOMAIN;
			break;
		}
		for (i = 0; i < n; i++)
			addrs[na++] = ntohl(ttls[i].ipaddr.s_addr);
		if (na == 0)
			st = RESOLVER_NXDOMAIN;
		break;
	case ARES_ENOTFOUND:
	case ARES_ENODATA:
		st = RESOLVER_NXDOMAIN;
		break;
	case ARES_ETIMEOUT:
		st = RESOLVER_TIMEOUT;
		break;
	case ARES_EREFUSED:
		st = RESOLVER_REFUSED;
		break;
	case ARES_EDESTRUCTION:
	case ARES_ECANCELLED:
		st = RESOLVER_CANCELLED;
		break;
	default:
		st = RESOLVER_FAILED;
		break;
	}
	q->fn(q->arg, st, addrs, na, detail);
	free(q);
}

void
resolver_query(
    struct resolver *r, const char *name, resolver_done_fn *fn, void *arg)
{
	struct query *q = xmalloc(sizeof(*q));

	q->r = r;
	q->fn = fn;
	q->arg = arg;
	r->pending++;
	ares_query(r->ch, name, ns_c_in, ns_t_a, answer_cb, q);
	update_timer(r);
}

size_t
resolver_pending(const struct resolver *r)
{
	return r->pending;
}

void
resolver_free(struct resolver *r)
{
	size_t i;

	if (r == NULL)
		return;
	if (r->ch_ok)
		ares_destroy(r->ch); /* outstanding: ARES_EDESTRUCTION */
	for (i = 0; i < r->nsocks; i++)
		if (r->socks[i].used)
			ev_io_stop(r->ev, &r->socks[i].w);
	ev_timer_stop(r->ev, &r->tw);
	free(r->socks);
	free(r);
	ares_library_cleanup();
}

const char *
resolver_status_name(enum resolver_status s)
{
	switch (s) {
	case RESOLVER_ANSWER:
		return "answer";
	case RESOLVER_NXDOMAIN:
		return "nxdomain";
	case RESOLVER_TIMEOUT:
		return "timeout";
	case RESOLVER_REFUSED:
		return "refused";
	case RESOLVER_FAILED:
		return "failed";
	case RESOLVER_CANCELLED:
		return "cancelled";
	}
	return "failed";
}
