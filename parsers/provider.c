/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The receiver's provider from a relay host name (see provider.h): the
 * registrable domain, i.e. the public suffix the host ends in plus one
 * label ("mx1.qq.com" -> "qq.com", "mx.example.co.uk" ->
 * "example.co.uk"), with aliases folding the big providers' several
 * domains into one name ("mx3.hotmail.com" -> "outlook.com",
 * "mta7.am0.yahoodns.net" -> "yahoo.com").
 *
 * The public-suffix table is a small built-in subset of the Public Suffix
 * List (the TLDs and second-level registries mail is commonly sent to);
 * a TLD it does not know is treated as the PSL's default rule "*" (one
 * label). It deliberately has no wildcard or exception rules and no
 * private-domain section: a provider is a mail operator, not a tenant.
 * NetEase's shared MX hosts ("163mx01.mxmail.netease.com") name the
 * mailbox domain they serve in their first label, which is kept apart
 * (163.com, 126.com, yeah.net).
 *
 * Not a provider: the empty string, names without a dot ("none", "local",
 * "virtual", "dovecot", "unknown"), IP literals, names with characters no
 * host name has, and a bare public suffix.
 *
 * Pure: one lower-cased copy of the host on the stack, a binary search of
 * a const table sorted by byte value per label position.
 */
#include <string.h>

#include "provider.h"
#include "scan.h"

#define HOST_MAX 253 /* RFC 1035 2.3.4, without the trailing dot */

enum pkind {
	P_SUFFIX,  /* a public suffix: the provider is one label more */
	P_ALIAS,   /* this domain and its subdomains are provider */
	P_NETEASE, /* NetEase shared MX: provider from the first label */
};

/* Sorted by strcmp() order; tests/unit/test_provider.c checks lookups. */
#define S(lit) (lit), (sizeof(lit) - 1)

static const struct pentry {
	const char *suffix;
	size_t len;
	const char *provider; /* P_ALIAS only */
	enum pkind kind;
} ptable[] = {
	{ S("ac.cn"), NULL, P_SUFFIX },
	{ S("ac.id"), NULL, P_SUFFIX },
	{ S("ac.il"), NULL, P_SUFFIX },
	{ S("ac.in"), NULL, P_SUFFIX },
	{ S("ac.jp"), NULL, P_SUFFIX },
	{ S("ac.kr"), NULL, P_SUFFIX },
	{ S("ac.nz"), NULL, P_SUFFIX },
	{ S("ac.th"), NULL, P_SUFFIX },
	{ S("ac.uk"), NULL, P_SUFFIX },
	{ S("ad.jp"), NULL, P_SUFFIX },
	{ S("ae"), NULL, P_SUFFIX },
	{ S("ai"), NULL, P_SUFFIX },
	{ S("am"), NULL, P_SUFFIX },
	{ S("aol.com"), "yahoo.com", P_ALIAS },
	{ S("app"), NULL, P_SUFFIX },
	{ S("ar"), NULL, P_SUFFIX },
	{ S("arpa"), NULL, P_SUFFIX },
	{ S("asia"), NULL, P_SUFFIX },
	{ S("at"), NULL, P_SUFFIX },
	{ S("au"), NULL, P_SUFFIX },
	{ S("be"), NULL, P_SUFFIX },
	{ S("bg"), NULL, P_SUFFIX },
	{ S("biz"), NULL, P_SUFFIX },
	{ S("br"), NULL, P_SUFFIX },
	{ S("by"), NULL, P_SUFFIX },
	{ S("ca"), NULL, P_SUFFIX },
	{ S("cc"), NULL, P_SUFFIX },
	{ S("ch"), NULL, P_SUFFIX },
	{ S("cl"), NULL, P_SUFFIX },
	{ S("cloud"), NULL, P_SUFFIX },
	{ S("club"), NULL, P_SUFFIX },
	{ S("cn"), NULL, P_SUFFIX },
	{ S("co"), NULL, P_SUFFIX },
	{ S("co.at"), NULL, P_SUFFIX },
	{ S("co.id"), NULL, P_SUFFIX },
	{ S("co.il"), NULL, P_SUFFIX },
	{ S("co.in"), NULL, P_SUFFIX },
	{ S("co.jp"), NULL, P_SUFFIX },
	{ S("co.ke"), NULL, P_SUFFIX },
	{ S("co.kr"), NULL, P_SUFFIX },
	{ S("co.nz"), NULL, P_SUFFIX },
	{ S("co.th"), NULL, P_SUFFIX },
	{ S("co.uk"), NULL, P_SUFFIX },
	{ S("co.ve"), NULL, P_SUFFIX },
	{ S("co.za"), NULL, P_SUFFIX },
	{ S("com"), NULL, P_SUFFIX },
	{ S("com.ar"), NULL, P_SUFFIX },
	{ S("com.au"), NULL, P_SUFFIX },
	{ S("com.br"), NULL, P_SUFFIX },
	{ S("com.cn"), NULL, P_SUFFIX },
	{ S("com.eg"), NULL, P_SUFFIX },
	{ S("com.es"), NULL, P_SUFFIX },
	{ S("com.hk"), NULL, P_SUFFIX },
	{ S("com.mx"), NULL, P_SUFFIX },
	{ S("com.my"), NULL, P_SUFFIX },
	{ S("com.ng"), NULL, P_SUFFIX },
	{ S("com.pe"), NULL, P_SUFFIX },
	{ S("com.ph"), NULL, P_SUFFIX },
	{ S("com.pk"), NULL, P_SUFFIX },
	{ S("com.pl"), NULL, P_SUFFIX },
	{ S("com.ru"), NULL, P_SUFFIX },
	{ S("com.sa"), NULL, P_SUFFIX },
	{ S("com.sg"), NULL, P_SUFFIX },
	{ S("com.tr"), NULL, P_SUFFIX },
	{ S("com.tw"), NULL, P_SUFFIX },
	{ S("com.ua"), NULL, P_SUFFIX },
	{ S("com.uy"), NULL, P_SUFFIX },
	{ S("com.vn"), NULL, P_SUFFIX },
	{ S("cz"), NULL, P_SUFFIX },
	{ S("de"), NULL, P_SUFFIX },
	{ S("dev"), NULL, P_SUFFIX },
	{ S("dk"), NULL, P_SUFFIX },
	{ S("ed.jp"), NULL, P_SUFFIX },
	{ S("edu"), NULL, P_SUFFIX },
	{ S("edu.au"), NULL, P_SUFFIX },
	{ S("edu.cn"), NULL, P_SUFFIX },
	{ S("edu.hk"), NULL, P_SUFFIX },
	{ S("edu.sg"), NULL, P_SUFFIX },
	{ S("edu.tw"), NULL, P_SUFFIX },
	{ S("ee"), NULL, P_SUFFIX },
	{ S("eg"), NULL, P_SUFFIX },
	{ S("email"), NULL, P_SUFFIX },
	{ S("es"), NULL, P_SUFFIX },
	{ S("eu"), NULL, P_SUFFIX },
	{ S("fi"), NULL, P_SUFFIX },
	{ S("firm.in"), NULL, P_SUFFIX },
	{ S("fm"), NULL, P_SUFFIX },
	{ S("foxmail.com"), "qq.com", P_ALIAS },
	{ S("fr"), NULL, P_SUFFIX },
	{ S("fun"), NULL, P_SUFFIX },
	{ S("ge"), NULL, P_SUFFIX },
	{ S("gen.in"), NULL, P_SUFFIX },
	{ S("gmail.com"), "google.com", P_ALIAS },
	{ S("gmx.com"), "gmx.net", P_ALIAS },
	{ S("gmx.de"), "gmx.net", P_ALIAS },
	{ S("go.jp"), NULL, P_SUFFIX },
	{ S("googlemail.com"), "google.com", P_ALIAS },
	{ S("gov"), NULL, P_SUFFIX },
	{ S("gov.au"), NULL, P_SUFFIX },
	{ S("gov.br"), NULL, P_SUFFIX },
	{ S("gov.cn"), NULL, P_SUFFIX },
	{ S("gov.tw"), NULL, P_SUFFIX },
	{ S("gov.uk"), NULL, P_SUFFIX },
	{ S("gr"), NULL, P_SUFFIX },
	{ S("gr.jp"), NULL, P_SUFFIX },
	{ S("hk"), NULL, P_SUFFIX },
	{ S("hotmail.com"), "outlook.com", P_ALIAS },
	{ S("hr"), NULL, P_SUFFIX },
	{ S("hu"), NULL, P_SUFFIX },
	{ S("icu"), NULL, P_SUFFIX },
	{ S("id"), NULL, P_SUFFIX },
	{ S("idv.tw"), NULL, P_SUFFIX },
	{ S("ie"), NULL, P_SUFFIX },
	{ S("il"), NULL, P_SUFFIX },
	{ S("in"), NULL, P_SUFFIX },
	{ S("in.th"), NULL, P_SUFFIX },
	{ S("ind.in"), NULL, P_SUFFIX },
	{ S("info"), NULL, P_SUFFIX },
	{ S("int"), NULL, P_SUFFIX },
	{ S("io"), NULL, P_SUFFIX },
	{ S("ir"), NULL, P_SUFFIX },
	{ S("is"), NULL, P_SUFFIX },
	{ S("it"), NULL, P_SUFFIX },
	{ S("jp"), NULL, P_SUFFIX },
	{ S("ke"), NULL, P_SUFFIX },
	{ S("kr"), NULL, P_SUFFIX },
	{ S("kz"), NULL, P_SUFFIX },
	{ S("la"), NULL, P_SUFFIX },
	{ S("li"), NULL, P_SUFFIX },
	{ S("link"), NULL, P_SUFFIX },
	{ S("live"), NULL, P_SUFFIX },
	{ S("live.com"), "outlook.com", P_ALIAS },
	{ S("lt"), NULL, P_SUFFIX },
	{ S("ltd.uk"), NULL, P_SUFFIX },
	{ S("lu"), NULL, P_SUFFIX },
	{ S("lv"), NULL, P_SUFFIX },
	{ S("ly"), NULL, P_SUFFIX },
	{ S("mac.com"), "icloud.com", P_ALIAS },
	{ S("md"), NULL, P_SUFFIX },
	{ S("me"), NULL, P_SUFFIX },
	{ S("me.com"), "icloud.com", P_ALIAS },
	{ S("me.uk"), NULL, P_SUFFIX },
	{ S("mil"), NULL, P_SUFFIX },
	{ S("mobi"), NULL, P_SUFFIX },
	{ S("msn.com"), "outlook.com", P_ALIAS },
	{ S("mx"), NULL, P_SUFFIX },
	{ S("mxhichina.com"), "aliyun.com", P_ALIAS },
	{ S("mxmail.netease.com"), NULL, P_NETEASE },
	{ S("my"), NULL, P_SUFFIX },
	{ S("name"), NULL, P_SUFFIX },
	{ S("ne.jp"), NULL, P_SUFFIX },
	{ S("ne.kr"), NULL, P_SUFFIX },
	{ S("net"), NULL, P_SUFFIX },
	{ S("net.au"), NULL, P_SUFFIX },
	{ S("net.br"), NULL, P_SUFFIX },
	{ S("net.cn"), NULL, P_SUFFIX },
	{ S("net.hk"), NULL, P_SUFFIX },
	{ S("net.in"), NULL, P_SUFFIX },
	{ S("net.my"), NULL, P_SUFFIX },
	{ S("net.nz"), NULL, P_SUFFIX },
	{ S("net.pl"), NULL, P_SUFFIX },
	{ S("net.ru"), NULL, P_SUFFIX },
	{ S("net.sg"), NULL, P_SUFFIX },
	{ S("net.tr"), NULL, P_SUFFIX },
	{ S("net.tw"), NULL, P_SUFFIX },
	{ S("net.ua"), NULL, P_SUFFIX },
	{ S("net.uk"), NULL, P_SUFFIX },
	{ S("net.vn"), NULL, P_SUFFIX },
	{ S("ng"), NULL, P_SUFFIX },
	{ S("nhs.uk"), NULL, P_SUFFIX },
	{ S("nl"), NULL, P_SUFFIX },
	{ S("no"), NULL, P_SUFFIX },
	{ S("nom.es"), NULL, P_SUFFIX },
	{ S("nz"), NULL, P_SUFFIX },
	{ S("online"), NULL, P_SUFFIX },
	{ S("or.at"), NULL, P_SUFFIX },
	{ S("or.id"), NULL, P_SUFFIX },
	{ S("or.jp"), NULL, P_SUFFIX },
	{ S("or.kr"), NULL, P_SUFFIX },
	{ S("org"), NULL, P_SUFFIX },
	{ S("org.au"), NULL, P_SUFFIX },
	{ S("org.br"), NULL, P_SUFFIX },
	{ S("org.cn"), NULL, P_SUFFIX },
	{ S("org.es"), NULL, P_SUFFIX },
	{ S("org.hk"), NULL, P_SUFFIX },
	{ S("org.il"), NULL, P_SUFFIX },
	{ S("org.in"), NULL, P_SUFFIX },
	{ S("org.mx"), NULL, P_SUFFIX },
	{ S("org.nz"), NULL, P_SUFFIX },
	{ S("org.pl"), NULL, P_SUFFIX },
	{ S("org.ru"), NULL, P_SUFFIX },
	{ S("org.sg"), NULL, P_SUFFIX },
	{ S("org.tr"), NULL, P_SUFFIX },
	{ S("org.tw"), NULL, P_SUFFIX },
	{ S("org.ua"), NULL, P_SUFFIX },
	{ S("org.uk"), NULL, P_SUFFIX },
	{ S("org.za"), NULL, P_SUFFIX },
	{ S("pe"), NULL, P_SUFFIX },
	{ S("ph"), NULL, P_SUFFIX },
	{ S("pk"), NULL, P_SUFFIX },
	{ S("pl"), NULL, P_SUFFIX },
	{ S("plc.uk"), NULL, P_SUFFIX },
	{ S("ppe-hosted.com"), "proofpoint.com", P_ALIAS },
	{ S("pphosted.com"), "proofpoint.com", P_ALIAS },
	{ S("pro"), NULL, P_SUFFIX },
	{ S("psmtp.com"), "google.com", P_ALIAS },
	{ S("pt"), NULL, P_SUFFIX },
	{ S("ro"), NULL, P_SUFFIX },
	{ S("rs"), NULL, P_SUFFIX },
	{ S("ru"), NULL, P_SUFFIX },
	{ S("sa"), NULL, P_SUFFIX },
	{ S("sch.uk"), NULL, P_SUFFIX },
	{ S("se"), NULL, P_SUFFIX },
	{ S("sg"), NULL, P_SUFFIX },
	{ S("shop"), NULL, P_SUFFIX },
	{ S("si"), NULL, P_SUFFIX },
	{ S("site"), NULL, P_SUFFIX },
	{ S("sk"), NULL, P_SUFFIX },
	{ S("space"), NULL, P_SUFFIX },
	{ S("store"), NULL, P_SUFFIX },
	{ S("su"), NULL, P_SUFFIX },
	{ S("tech"), NULL, P_SUFFIX },
	{ S("th"), NULL, P_SUFFIX },
	{ S("to"), NULL, P_SUFFIX },
	{ S("top"), NULL, P_SUFFIX },
	{ S("tr"), NULL, P_SUFFIX },
	{ S("tv"), NULL, P_SUFFIX },
	{ S("tw"), NULL, P_SUFFIX },
	{ S("ua"), NULL, P_SUFFIX },
	{ S("uk"), NULL, P_SUFFIX },
	{ S("us"), NULL, P_SUFFIX },
	{ S("uy"), NULL, P_SUFFIX },
	{ S("ve"), NULL, P_SUFFIX },
	{ S("vip"), NULL, P_SUFFIX },
	{ S("vn"), NULL, P_SUFFIX },
	{ S("web.id"), NULL, P_SUFFIX },
	{ S("website"), NULL, P_SUFFIX },
	{ S("work"), NULL, P_SUFFIX },
	{ S("ws"), NULL, P_SUFFIX },
	{ S("xyz"), NULL, P_SUFFIX },
	{ S("yahoodns.net"), "yahoo.com", P_ALIAS },
	{ S("yandex.com"), "yandex.ru", P_ALIAS },
	{ S("yandex.net"), "yandex.ru", P_ALIAS },
	{ S("ymail.com"), "yahoo.com", P_ALIAS },
	{ S("za"), NULL, P_SUFFIX },
};

#define PTABLE_LEN (sizeof(ptable) / sizeof(ptable[0]))

/* The entry for exactly [s, s + len), or NULL. */
static const struct pentry *
plookup(const char *s, size_t len)
{
	size_t lo = 0, hi = PTABLE_LEN, mid, elen;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		elen = ptable[mid].len;
		c = memcmp(s, ptable[mid].suffix, len < elen ? len : elen);
		if (c == 0)
			c = len < elen ? -1 : len > elen ? 1 : 0;
		if (c == 0)
			return &ptable[mid];
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
	char buf[HOST_MAX];
	size_t start[HOST_MAX / 2 + 1]; /* label starts */
	const struct pentry *e;
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

	nlab = 0;
	for (i = 0; i < len; i++)
		if (i == 0 || buf[i - 1] == '.')
			start[nlab++] = i;

	/* Suffixes from the longest down: the first known one decides. */
	for (i = 0; i < nlab; i++) {
		if ((e = plookup(buf + start[i], len - start[i])) == NULL)
			continue;
		switch (e->kind) {
		case P_ALIAS:
			return emit(
			    e->provider, strlen(e->provider), out, outlen);
		case P_NETEASE:
			p = netease(buf, start[1] - 1);
			return emit(p, strlen(p), out, outlen);
		case P_SUFFIX:
			if (i == 0) /* the host is a public suffix */
				return emit(NULL, 0, out, outlen);
			return emit(buf + start[i - 1], len - start[i - 1], out,
			    outlen);
		}
	}
	/* Unknown TLD: the PSL default rule "*", one label plus the TLD. */
	return emit(buf + start[nlab - 2], len - start[nlab - 2], out, outlen);
}
