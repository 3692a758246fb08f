/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The DNSBL list data (daemon/dnsbl/lists/dnsbl.lists, embedded, then the
 * operator's /etc/bouncestat/dnsbl.d/NAME.lists): per list its zone, name,
 * address family, delisting URL, whether a listing is actionable (opens
 * an incident) and the meaning of each answer (listed, error such as
 * Spamhaus's 127.255.255.254 "public resolver refused", or pass).
 * Format in bouncestat-rules(5), section DNSBL LISTS.
 *
 * Parsing is pure (text in, errors in errbuf as "source:line: message");
 * dnsbl_lists_load() reads the directory. A stanza for a zone already
 * defined replaces it. Nothing is logged here.
 */
#ifndef BS_DNSBL_DNSBL_LIST_H
#define BS_DNSBL_DNSBL_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNSBL_DIR_DEFAULT "/etc/bouncestat/dnsbl.d"

/* What an answer means. */
enum dnsbl_verdict {
	DNSBL_NOT_LISTED = 0, /* NXDOMAIN / no A record */
	DNSBL_LISTED,         /* the list names the IP */
	DNSBL_PASS,           /* an answer that says "known, not listed" */
	DNSBL_ERROR,          /* refused, over quota, timeout, bad answer */
};

#define DNSBL_FAMILY_V4 0x1
#define DNSBL_FAMILY_V6 0x2

/* One answer range of a list (host byte order IPv4 addresses). */
struct dnsbl_code {
	uint32_t lo, hi;
	enum dnsbl_verdict verdict;
	char *meaning;
};

/* One list; strings owned by the set. */
struct dnsbl_def {
	char *zone;
	char *name;
	char *delist; /* "" when none */
	char *note;   /* "" when none */
	unsigned family;
	bool actionable;
	bool check;
	struct dnsbl_code *codes;
	size_t ncodes;
	char *source; /* "built-in/dnsbl.lists:12" */
};

struct dnsbl_lists;

/* An empty set; never NULL (allocation failure is fatal). */
struct dnsbl_lists *dnsbl_lists_new(void);

/* Frees the set; accepts NULL. */
void dnsbl_lists_free(struct dnsbl_lists *);

/*
 * Parses text (len bytes, need not be NUL-terminated) named source and
 * adds its lists. Returns the number of stanzas read, or -1 with errbuf
 * (BS_ERRLEN bytes) set to "source:line: message"; on error the set is
 * unchanged.
 */
int dnsbl_lists_add(struct dnsbl_lists *, const char *source, const char *text,
    size_t len, char *errbuf);

/*
 * The embedded lists, then every NAME.lists file of dir in name order (dir
 * NULL: DNSBL_DIR_DEFAULT when it exists). Returns a set the caller frees
 * with dnsbl_lists_free(), or NULL with errbuf set.
 */
struct dnsbl_lists *dnsbl_lists_load(const char *dir, char *errbuf);

size_t dnsbl_lists_count(const struct dnsbl_lists *);

/* The i-th list, in order of definition (a replaced one keeps its
 * place). */
const struct dnsbl_def *dnsbl_lists_get(const struct dnsbl_lists *, size_t i);

/* The list of zone (case-insensitive, a trailing dot ignored), or NULL. */
const struct dnsbl_def *dnsbl_lists_find(
    const struct dnsbl_lists *, const char *zone);

/*
 * What answer addr (an IPv4 address in host byte order) from list d
 * means; *meaning gets the text (borrowed from d, or a fixed string).
 */
enum dnsbl_verdict dnsbl_meaning(
    const struct dnsbl_def *d, uint32_t addr, const char **meaning);

/* "not_listed", "listed", "pass", "error". */
const char *dnsbl_verdict_name(enum dnsbl_verdict);

/*
 * Writes the DNS name to query for ip (IPv4 dotted or IPv6 text) in zone
 * into out: reversed octets (IPv4) or nibbles (IPv6, RFC 5782) followed by
 * the zone. Returns the family (DNSBL_FAMILY_V4/_V6), or 0 when ip is not
 * an address or out is too small.
 */
unsigned dnsbl_query_name(
    const char *ip, const char *zone, char *out, size_t outlen);

#endif
