/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Webhook POSTs with libcurl's easy interface (see notify.h): one handle
 * per request (a few per alert run), http and https only, no redirects
 * (a webhook that moved is a configuration error to see, not to follow),
 * TLS verified as libcurl does by default, no signals (CURLOPT_NOSIGNAL),
 * the answer's body discarded. The time limit covers the whole request;
 * the connection gets at most 10 seconds of it.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "event.h"
#include "notify.h"

#define WEBHOOK_CONNECT_MS 10000

int
webhook_init(char *errbuf)
{
	CURLcode rc;

	if ((rc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
		snprintf(errbuf, BS_ERRLEN, "curl_global_init: %s",
		    curl_easy_strerror(rc));
		return -1;
	}
	return 0;
}

void
webhook_cleanup(void)
{
	curl_global_cleanup();
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

	if ((c = curl_easy_init()) == NULL) {
		snprintf(errbuf, BS_ERRLEN, "curl_easy_init failed");
		return -1;
	}
	if ((h = curl_slist_append(hdr, "Content-Type: application/json")) ==
	    NULL)
		goto nomem;
	hdr = h;
	/* No "Expect: 100-continue" wait for a larger body. */
	if ((h = curl_slist_append(hdr, "Expect:")) == NULL)
		goto nomem;
	hdr = h;
	snprintf(ua, sizeof(ua), "bouncestat/%s", BS_VERSION);
	cerr[0] = '\0';
	if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") !=
		CURLE_OK) {
		snprintf(errbuf, BS_ERRLEN, "not an http or https URL");
		goto done;
	}
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_USERAGENT, ua);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(timeout_ms < WEBHOOK_CONNECT_MS ? timeout_ms
						   : WEBHOOK_CONNECT_MS));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	if ((rc = curl_easy_perform(c)) != CURLE_OK) {
		snprintf(errbuf, BS_ERRLEN, "%s",
		    cerr[0] != '\0' ? cerr : curl_easy_strerror(rc));
		goto done;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code > 299) {
		snprintf(errbuf, BS_ERRLEN, "HTTP %ld", code);
		goto done;
	}
	ret = 0;
	goto done;
nomem:
	snprintf(errbuf, BS_ERRLEN, "out of memory");
done:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return ret;
}
