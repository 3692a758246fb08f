/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The receiver's provider from a relay host name (see provider.h): the
 * registrable domain, i.e. the public suffix the host ends in plus one
 * label ("mx1.qq.com" -> "qq.com", "mx.example.co.uk" ->
 * "example.co.uk", "mx.school.k12.ak.us" -> "school.k12.ak.us"), with
 * aliases folding the big providers' several domains into one name
 * ("mx3.hotmail.com" -> "outlook.com", "mta7.am0.yahoodns.net" ->
 * "yahoo.com").
 *
 * Public suffixes come from libpsl, with the Public Suffix List as the
 * distribution ships and updates it: psl_latest(NULL) loads the newer of
 * the list libpsl was built with (psl_builtin()) and the one of the
 * `publicsuffix` package (psl_dist_filename(), on Debian 12
 * /usr/share/publicsuffix/public_suffix_list.dafsa), so a stable update of
 * that package is used without rebuilding anything. Only the ICANN
 * section counts (PSL_TYPE_ICANN): a provider is a mail operator, not a
 * tenant of a private suffix ("mx.foo.blogspot.com" -> "blogspot.com").
 * Wildcard and exception rules apply ("*.ck", "!www.ck"); a TLD the list
 * does not know is the PSL default rule "*" (one label). Host names are
 * matched as DNS and the MTAs give them: A-labels ("xn--mller-kva.de");
 * bytes outside [a-z0-9_.-] make a name that is no host name.
 *
 * The aliases stay data of our own (atable[], sorted, binary search):
 * which domains one operator's mail goes through is not in any list.
 * NetEase's shared MX hosts ("163mx01.mxmail.netease.com") name the
 * mailbox domain they serve in their first label, which is kept apart
 * (163.com, 126.com, yeah.net).
 *
 * Not a provider: the empty string, names without a dot ("none", "local",
 * "virtual", "dovecot", "unknown"), IP literals, names with characters no
 * host name has, and a bare public suffix.
 *
 * Pure but for one thing: the list is loaded once, at the first call,
 * and kept for the life of the process (the one non-const static here,
 * set under pthread_once()). Each call then works on one lower-cased copy
 * of the host on the stack; callers on hot paths memoize results
 * (daemon's pipeline), as a lookup walks the labels of the host.
 */
#include <pthread.h>
#include <string.h>

#include <libpsl.h>

#include "provider.h"
#include "scan.h"

#define HOST_MAX 253 /* RFC 1035 2.3.4, without the trailing dot */

enum akind {
	P_ALIAS,   /* this domain and its subdomains are provider */
	P_NETEASE, /* NetEase shared MX: provider from the first label */
};

/* Sorted by strcmp() order; tests/unit/test_provider.c checks lookups. */
#define S(lit) (lit), (sizeof(lit) - 1)

static const struct aentry {
	const char *domain;
	size_t len;
	const char *provider; /* P_ALIAS only */
	enum akind kind;
} atable[] = {
	{ S("aol.com"), "yahoo.com", P_ALIAS },
	{ S("foxmail.com"), "qq.com", P_ALIAS },
	{ S("gmail.com"), "google.com", P_ALIAS },
	{ S("gmx.com"), "gmx.net", P_ALIAS },
	{ S("gmx.de"), "gmx.net", P_ALIAS },
	{ S("googlemail.com"), "google.com", P_ALIAS },
	{ S("hotmail.com"), "outlook.com", P_ALIAS },
	{ S("live.com"), "outlook.com", P_ALIAS },
	{ S("mac.com"), "icloud.com", P_ALIAS },
	{ S("me.com"), "icloud.com", P_ALIAS },
	{ S("msn.com"), "outlook.com", P_ALIAS },
	{ S("mxhichina.com"), "aliyun.com", P_ALIAS },
	{ S("mxmail.netease.com"), NULL, P_NETEASE },
	{ S("ppe-hosted.com"), "proofpoint.com", P_ALIAS },
	{ S("pphosted.com"), "proofpoint.com", P_ALIAS },
	{ S("psmtp.com"), "google.com", P_ALIAS },
	{ S("yahoodns.net"), "yahoo.com", P_ALIAS },
	{ S("yandex.com"), "yandex.ru", P_ALIAS },
	{ S("yandex.net"), "yandex.ru", P_ALIAS },
	{ S("ymail.com"), "yahoo.com", P_ALIAS },
};

#define ATABLE_LEN (sizeof(atable) / sizeof(atable[0]))

static pthread_once_t psl_once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *psl_ctx; /* NULL: no list, default rule only */

static void
psl_load(void)
{
	/* Never freed: it lives as long as the process, like a table. */
	if ((psl_ctx = psl_latest(NULL)) == NULL)
		psl_ctx = psl_builtin();
}

/*
 * True when the NUL-terminated suffix s is a public suffix of the ICANN
 * section (a single label always is: the default rule "*"). About 250 ns
 * a call (libpsl's DAFSA walk), hence the memo in the daemon's pipeline.
 */
static bool
public_suffix(const char *s)
{
	if (psl_ctx == NULL)
		return strchr(s, '.') == NULL;
	return psl_is_public_suffix2(psl_ctx, s, PSL_TYPE_ICANN) != 0;
}

/* The alias entry for exactly [s, s + len), or NULL. */
static const struct aentry *
alookup(const char *s, size_t len)
{
	size_t lo = 0, hi = ATABLE_LEN, mid, elen;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		elen = atable[mid].len;
		c = memcmp(s, atable[mid].domain, len < elen ? len : elen);
		if (c == 0)
			c = len < elen ? -1 : len > elen ? 1 : 0;
		if (c == 0)
			return &atable[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* The mailbox domain a NetEase MX serves, from its first label. */
static const char *
netease(const char *label, size_t len)
{
	static const struct {
		const char *prefix;
		const char *provider;
	} mx[] = {
		{ "163mx", "163.com" },
		{ "126mx", "126.com" },
		{ "yeahmx", "yeah.net" },
	};
	size_t i, n;

	for (i = 0; i < sizeof(mx) / sizeof(mx[0]); i++) {
		n = strlen(mx[i].prefix);
		if (len >= n && memcmp(label, mx[i].prefix, n) == 0)
			return mx[i].provider;
	}
	return "netease.com";
}

static size_t
emit(const char *s, size_t len, char *out, size_t outlen)
{
	if (len == 0 || len + 1 > outlen) {
		if (outlen > 0)
			out[0] = '\0';
		return 0;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return len;
}

/*
 * Writes the provider of host, lower-cased and NUL-terminated, into out
 * (outlen bytes, caller-owned). Returns its length, or 0 (out then holds
 * "" when outlen > 0) when host names no provider or out is too small.
 */
size_t
provider_from_host(struct bs_span host, char *out, size_t outlen)
{
	char buf[HOST_MAX + 1];
	size_t start[HOST_MAX / 2 + 1]; /* label starts */
	const struct aentry *e;
	const char *p;
	size_t len, i, nlab;
	bool digits_only_tld = true;
	int c;

	len = host.len;
	if (host.ptr == NULL || len == 0)
		return emit(NULL, 0, out, outlen);
	if (host.ptr[len - 1] == '.')
		len--; /* absolute name "mx.example.com." */
	if (len == 0 || len > HOST_MAX)
		return emit(NULL, 0, out, outlen);
	for (i = 0; i < len; i++) {
		c = scan_lower((unsigned char)host.ptr[i]);
		if (!((c >= 'a' && c <= 'z') || scan_isdigit(c) || c == '-' ||
			c == '_' || c == '.'))
			return emit(NULL, 0, out, outlen);
		/* Empty labels: leading dot or "..". */
		if (c == '.' && (i == 0 || buf[i - 1] == '.'))
			return emit(NULL, 0, out, outlen);
		buf[i] = (char)c;
	}

	/* The last label: all digits means an IPv4 literal, not a TLD. */
	for (i = len; i > 0 && buf[i - 1] != '.'; i--)
		if (!scan_isdigit((unsigned char)buf[i - 1]))
			digits_only_tld = false;
	if (i == 0 || digits_only_tld)
		return emit(NULL, 0, out, outlen); /* no dot, or an IP */
	buf[len] = '\0'; /* libpsl reads NUL-terminated names */
	if (pthread_once(&psl_once, psl_load) != 0)
		psl_ctx = NULL; /* cannot happen; the default rule then */

	nlab = 0;
	for (i = 0; i < len; i++)
		if (i == 0 || buf[i - 1] == '.')
			start[nlab++] = i;

	/*
	 * Suffixes from the longest down: an alias decides, else the first
	 * public suffix (the longest rule that matches, wildcards and
	 * exceptions applied) and one label more.
	 */
	for (i = 0; i < nlab; i++) {
		if ((e = alookup(buf + start[i], len - start[i])) != NULL) {
			if (e->kind == P_ALIAS)
				return emit(e->provider, strlen(e->provider),
				    out, outlen);
			p = netease(buf, start[1] - 1);
			return emit(p, strlen(p), out, outlen);
		}
		/* The last label is public by the default rule "*". */
		if (i + 1 < nlab && !public_suffix(buf + start[i]))
			continue;
		if (i == 0) /* the host is a public suffix */
			return emit(NULL, 0, out, outlen);
		return emit(
		    buf + start[i - 1], len - start[i - 1], out, outlen);
	}
	/* Not reached: the loop returns at the last label at the latest. */
	return emit(NULL, 0, out, outlen);
}
