/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Webhook POSTs with libcurl's easy interface (see notify.h): one handle
 * per request (a few per alert run), http and https only, no redirects
 * (a webhook that moved is a configuration error to see, not to follow),
 * TLS verified as libcurl does by default, no signals (CURLOPT_NOSIGNAL),
 * the answer's body discarded. The time limit covers the whole request;
 * the connection gets at most 10 seconds of it. libcurl is loaded at the
 * first POST of a run (dl.h: an import or a daemon without webhooks does
 * not map it and the libraries it pulls in).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "dl.h"
#include "event.h"
#include "notify.h"
#include "version.h"

#define WEBHOOK_CONNECT_MS 10000

#ifndef BS_LIBCURL_SONAME
#define BS_LIBCURL_SONAME "libcurl.so.4"
#endif

/* libcurl, loaded at the first POST (dl.h). */
DL_FN(curl_global_init);
DL_FN(curl_global_cleanup);
DL_FN(curl_easy_init);
DL_FN(curl_easy_setopt);
DL_FN(curl_easy_perform);
DL_FN(curl_easy_getinfo);
DL_FN(curl_easy_strerror);
DL_FN(curl_easy_cleanup);
DL_FN(curl_slist_append);
DL_FN(curl_slist_free_all);

static const struct dl_sym curl_syms[] = {
	DL_SYM(curl_global_init),
	DL_SYM(curl_global_cleanup),
	DL_SYM(curl_easy_init),
	DL_SYM(curl_easy_setopt),
	DL_SYM(curl_easy_perform),
	DL_SYM(curl_easy_getinfo),
	DL_SYM(curl_easy_strerror),
	DL_SYM(curl_easy_cleanup),
	DL_SYM(curl_slist_append),
	DL_SYM(curl_slist_free_all),
};

static void *curl_lib;   /* kept loaded once loaded */
static bool curl_inited; /* curl_global_init() since webhook_init() */

int
webhook_init(char *errbuf)
{
	errbuf[0] = '\0';
	return 0;
}

/* Loads libcurl (once) and initialises it for this run. 0 or -1. */
static int
curl_ready(char *errbuf)
{
	CURLcode rc;

	if (curl_inited)
		return 0;
	if (dl_load(BS_LIBCURL_SONAME, &curl_lib, curl_syms,
		sizeof(curl_syms) / sizeof(curl_syms[0]), errbuf) == -1)
		return -1;
	if ((rc = sym_curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
		snprintf(errbuf, BS_ERRLEN, "curl_global_init: %s",
		    sym_curl_easy_strerror(rc));
		return -1;
	}
	curl_inited = true;
	return 0;
}

void
webhook_cleanup(void)
{
	if (curl_inited)
		sym_curl_global_cleanup();
	curl_inited = false;
}

/* CURLOPT_WRITEFUNCTION: the answer's body is not needed. */
static size_t
discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
	(void)ptr;
	(void)arg;
	return size * nmemb;
}

void
webhook_display(char *out, size_t len, const char *url)
{
	const char *p = strstr(url, "://"), *host, *end, *at;
	size_t n;

	if (p == NULL) {
		snprintf(out, len, "(not a URL)");
		return;
	}
	host = p + 3;
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(end - host));
	if (at != NULL)
		host = at + 1;
	n = (size_t)(p + 3 - url);
	snprintf(
	    out, len, "%.*s%.*s/...", (int)n, url, (int)(end - host), host);
}

int
webhook_post(const char *url, const char *body, size_t len, int64_t timeout_ms,
    char *errbuf)
{
	char cerr[CURL_ERROR_SIZE], ua[64];
	struct curl_slist *hdr = NULL, *h;
	long code = 0;
	CURLcode rc;
	CURL *c;
	int ret = -1;

	if (curl_ready(errbuf) == -1)
		return -1;
	if ((c = sym_curl_easy_init()) == NULL) {
		snprintf(errbuf, BS_ERRLEN, "curl_easy_init failed");
		return -1;
	}
	if ((h = sym_curl_slist_append(
		 hdr, "Content-Type: application/json")) == NULL)
		goto nomem;
	hdr = h;
	/* No "Expect: 100-continue" wait for a larger body. */
	if ((h = sym_curl_slist_append(hdr, "Expect:")) == NULL)
		goto nomem;
	hdr = h;
	snprintf(ua, sizeof(ua), "bouncestat/%s", bs_version);
	cerr[0] = '\0';
	if (sym_curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    sym_curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") !=
		CURLE_OK) {
		snprintf(errbuf, BS_ERRLEN, "not an http or https URL");
		goto done;
	}
	sym_curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	sym_curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	sym_curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	sym_curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	sym_curl_easy_setopt(c, CURLOPT_USERAGENT, ua);
	sym_curl_easy_setopt(c, CURLOPT_POST, 1L);
	sym_curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	sym_curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	sym_curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	sym_curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(timeout_ms < WEBHOOK_CONNECT_MS ? timeout_ms
						   : WEBHOOK_CONNECT_MS));
	sym_curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	if ((rc = sym_curl_easy_perform(c)) != CURLE_OK) {
		snprintf(errbuf, BS_ERRLEN, "%s",
		    cerr[0] != '\0' ? cerr : sym_curl_easy_strerror(rc));
		goto done;
	}
	sym_curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code > 299) {
		snprintf(errbuf, BS_ERRLEN, "HTTP %ld", code);
		goto done;
	}
	ret = 0;
	goto done;
nomem:
	snprintf(errbuf, BS_ERRLEN, "out of memory");
done:
	sym_curl_slist_free_all(hdr);
	sym_curl_easy_cleanup(c);
	return ret;
}
