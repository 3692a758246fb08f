/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See dnsbl_list.h. A set is a growable array of lists; a later stanza
 * for the same zone frees and replaces the earlier one in place. A file
 * is parsed into a scratch set first and merged only when it parsed
 * whole, so an error leaves the set as it was.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "blob.h"
#include "dnsbl_list.h"
#include "event.h"
#include "util.h"

#define DNSBL_FILE_MAX (1024 * 1024)
#define DNSBL_LINE_MAX 1024
#define DNSBL_ZONE_MAX 253

/* The embedded lists (generated: dnsbl_blob.c). */
extern const struct bs_blob bs_default_dnsbl[];

struct dnsbl_lists {
	struct dnsbl_def *v;
	size_t n, cap;
};

struct dnsbl_lists *
dnsbl_lists_new(void)
{
	return xcalloc(1, sizeof(struct dnsbl_lists));
}

static void
def_clear(struct dnsbl_def *d)
{
	size_t i;

	free(d->zone);
	free(d->name);
	free(d->delist);
	free(d->note);
	free(d->source);
	for (i = 0; i < d->ncodes; i++)
		free(d->codes[i].meaning);
	free(d->codes);
	memset(d, 0, sizeof(*d));
}

void
dnsbl_lists_free(struct dnsbl_lists *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		def_clear(&l->v[i]);
	free(l->v);
	free(l);
}

size_t
dnsbl_lists_count(const struct dnsbl_lists *l)
{
	return l->n;
}

const struct dnsbl_def *
dnsbl_lists_get(const struct dnsbl_lists *l, size_t i)
{
	return i < l->n ? &l->v[i] : NULL;
}

static bool
zone_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

const struct dnsbl_def *
dnsbl_lists_find(const struct dnsbl_lists *l, const char *zone)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (zone_eq(l->v[i].zone, zone))
			return &l->v[i];
	return NULL;
}

const char *
dnsbl_verdict_name(enum dnsbl_verdict v)
{
	switch (v) {
	case DNSBL_NOT_LISTED:
		return "not_listed";
	case DNSBL_LISTED:
		return "listed";
	case DNSBL_PASS:
		return "pass";
	case DNSBL_ERROR:
		return "error";
	}
	return "error";
}

enum dnsbl_verdict
dnsbl_meaning(const struct dnsbl_def *d, uint32_t addr, const char **meaning)
{
	size_t i;

	for (i = 0; i < d->ncodes; i++)
		if (addr >= d->codes[i].lo && addr <= d->codes[i].hi) {
			*meaning = d->codes[i].meaning;
			return d->codes[i].verdict;
		}
	if ((addr >> 24) == 127) {
		*meaning = "listed (a return code the list data does not "
			   "describe)";
		return DNSBL_LISTED;
	}
	*meaning = "answer outside 127.0.0.0/8: not a DNSBL answer (a "
		   "resolver that rewrites NXDOMAIN?)";
	return DNSBL_ERROR;
}

unsigned
dnsbl_query_name(const char *ip, const char *zone, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char a[16];
	size_t n = 0, zl = strlen(zone);
	int i;

	if (inet_pton(AF_INET, ip, a) == 1) {
		if ((size_t)snprintf(out, outlen, "%u.%u.%u.%u.%s", a[3], a[2],
			a[1], a[0], zone) >= outlen)
			return 0;
		return DNSBL_FAMILY_V4;
	}
	if (inet_pton(AF_INET6, ip, a) != 1)
		return 0;
	if (outlen < 64 + zl + 1)
		return 0;
	for (i = 15; i >= 0; i--) {
		out[n++] = hex[a[i] & 0xf];
		out[n++] = '.';
		out[n++] = hex[a[i] >> 4];
		out[n++] = '.';
	}
	memcpy(out + n, zone, zl + 1);
	return DNSBL_FAMILY_V6;
}

/* --- parsing --- */

struct parse {
	const char *source;
	size_t line;
	char *errbuf;
	struct dnsbl_lists *set;
	struct dnsbl_def *cur;
};

static int
perr(struct parse *p, const char *msg, const char *arg)
{
	snprintf(p->errbuf, BS_ERRLEN, "%.120s:%zu: %s%s%.60s%s", p->source,
	    p->line, msg, arg != NULL ? " '" : "", arg != NULL ? arg : "",
	    arg != NULL ? "'" : "");
	return -1;
}

static bool
valid_zone(const char *z)
{
	size_t n = strlen(z), i, lab = 0;

	if (n == 0 || n > DNSBL_ZONE_MAX || z[0] == '.' || z[0] == '-')
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)z[i];

		if (c == '.') {
			if (lab == 0 && i + 1 < n)
				return false;
			lab = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
		if (++lab > 63)
			return false;
	}
	return strchr(z, '.') != NULL;
}

static int
parse_bool(struct parse *p, const char *v, bool *out)
{
	if (strcmp(v, "yes") == 0)
		*out = true;
	else if (strcmp(v, "no") == 0)
		*out = false;
	else
		return perr(p, "expected yes or no, not", v);
	return 0;
}

static int
parse_addr(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

/* "A[-B] TEXT" into a new code of p->cur. */
static int
parse_code(struct parse *p, enum dnsbl_verdict v, char *val)
{
	struct dnsbl_def *d = p->cur;
	struct dnsbl_code *c;
	char *sp, *dash, *text;
	uint32_t lo, hi;

	sp = val + strcspn(val, " \t");
	text = sp + strspn(sp, " \t");
	*sp = '\0';
	if (*text == '\0')
		return perr(
		    p, "an answer needs a meaning after the address", NULL);
	if ((dash = strchr(val, '-')) != NULL)
		*dash = '\0';
	if (parse_addr(val, &lo) == -1 ||
	    (dash != NULL ? parse_addr(dash + 1, &hi) : (hi = lo, 0)) == -1)
		return perr(p, "not an IPv4 answer (ADDR or ADDR-ADDR):", val);
	if (hi < lo)
		return perr(p, "answer range ends before it starts:", val);
	d->codes = xrealloc(d->codes, (d->ncodes + 1) * sizeof(*d->codes));
	c = &d->codes[d->ncodes++];
	c->lo = lo;
	c->hi = hi;
	c->verdict = v;
	c->meaning = xstrdup(text);
	return 0;
}

static void
set_put(struct dnsbl_lists *l, struct dnsbl_def *d)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (zone_eq(l->v[i].zone, d->zone)) {
			def_clear(&l->v[i]);
			l->v[i] = *d;
			return;
		}
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *d;
}

static int
parse_line(struct parse *p, char *s)
{
	struct dnsbl_def *d;
	char *key, *val, *end;
	char src[256];
	bool b;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (
	    end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	if (*s == '\0' || *s == '#')
		return 0;
	key = s;
	s += strcspn(s, " \t");
	if (*s != '\0')
		*s++ = '\0';
	val = s + strspn(s, " \t");
	if (strcmp(key, "list") == 0) {
		if (!valid_zone(val))
			return perr(p, "not a DNS zone:", val);
		if (dnsbl_lists_find(p->set, val) != NULL)
			return perr(p, "zone defined twice in one file:", val);
		d = xcalloc(1, sizeof(*d));
		d->zone = xstrdup(val);
		d->name = xstrdup(val);
		d->delist = xstrdup("");
		d->note = xstrdup("");
		d->family = DNSBL_FAMILY_V4;
		d->actionable = true;
		d->check = true;
		snprintf(src, sizeof(src), "%s:%zu", p->source, p->line);
		d->source = xstrdup(src);
		set_put(p->set, d);
		free(d);
		p->cur = &p->set->v[p->set->n - 1];
		return 0;
	}
	if ((d = p->cur) == NULL)
		return perr(p, "expected 'list ZONE' before", key);
	if (*val == '\0')
		return perr(p, "a value is needed after", key);
	if (strcmp(key, "name") == 0) {
		free(d->name);
		d->name = xstrdup(val);
	} else if (strcmp(key, "delist") == 0) {
		free(d->delist);
		d->delist = xstrdup(val);
	} else if (strcmp(key, "note") == 0) {
		free(d->note);
		d->note = xstrdup(val);
	} else if (strcmp(key, "family") == 0) {
		if (strcmp(val, "ipv4") == 0)
			d->family = DNSBL_FAMILY_V4;
		else if (strcmp(val, "ipv6") == 0)
			d->family = DNSBL_FAMILY_V6;
		else if (strcmp(val, "both") == 0)
			d->family = DNSBL_FAMILY_V4 | DNSBL_FAMILY_V6;
		else
			return perr(
			    p, "family is ipv4, ipv6 or both, not", val);
	} else if (strcmp(key, "actionable") == 0) {
		if (parse_bool(p, val, &b) == -1)
			return -1;
		d->actionable = b;
	} else if (strcmp(key, "check") == 0) {
		if (parse_bool(p, val, &b) == -1)
			return -1;
		d->check = b;
	} else if (strcmp(key, "listed") == 0)
		return parse_code(p, DNSBL_LISTED, val);
	else if (strcmp(key, "error") == 0)
		return parse_code(p, DNSBL_ERROR, val);
	else if (strcmp(key, "pass") == 0)
		return parse_code(p, DNSBL_PASS, val);
	else
		return perr(p, "unknown keyword", key);
	return 0;
}

int
dnsbl_lists_add(struct dnsbl_lists *l, const char *source, const char *text,
    size_t len, char *errbuf)
{
	struct dnsbl_lists *tmp = dnsbl_lists_new();
	struct parse p;
	char line[DNSBL_LINE_MAX + 1];
	size_t i = 0, j, ll;
	int n;

	memset(&p, 0, sizeof(p));
	p.source = source;
	p.errbuf = errbuf;
	p.set = tmp;
	while (i < len) {
		p.line++;
		for (j = i; j < len && text[j] != '\n'; j++)
			;
		ll = j - i;
		if (ll > DNSBL_LINE_MAX) {
			perr(&p, "line too long", NULL);
			goto fail;
		}
		memcpy(line, text + i, ll);
		line[ll] = '\0';
		if (memchr(line, '\0', ll) != NULL) {
			perr(&p, "NUL byte in line", NULL);
			goto fail;
		}
		if (parse_line(&p, line) == -1)
			goto fail;
		i = j + 1;
	}
	n = (int)tmp->n;
	for (i = 0; i < tmp->n; i++)
		set_put(l, &tmp->v[i]);
	free(tmp->v);
	free(tmp);
	return n;
fail:
	dnsbl_lists_free(tmp);
	return -1;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
add_file(struct dnsbl_lists *l, const char *path, char *errbuf)
{
	FILE *fp;
	char *buf;
	size_t len;
	int rc;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(
		    errbuf, BS_ERRLEN, "%.200s: %s", path, strerror(errno));
		return -1;
	}
	buf = xmalloc(DNSBL_FILE_MAX + 1);
	len = fread(buf, 1, DNSBL_FILE_MAX + 1, fp);
	if (ferror(fp) || len > DNSBL_FILE_MAX) {
		snprintf(errbuf, BS_ERRLEN, "%.200s: %s", path,
		    ferror(fp) ? "read error" : "larger than 1 MiB");
		rc = -1;
	} else
		rc = dnsbl_lists_add(l, path, buf, len, errbuf);
	free(buf);
	fclose(fp);
	return rc == -1 ? -1 : 0;
}

static int
load_dir(struct dnsbl_lists *l, const char *dir, char *errbuf)
{
	DIR *dp;
	struct dirent *de;
	char **names = NULL, path[4096];
	size_t n = 0, i, nl;
	int rc = 0;

	if ((dp = opendir(dir)) == NULL) {
		snprintf(errbuf, BS_ERRLEN, "%.200s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(dp)) != NULL) {
		nl = strlen(de->d_name);
		if (de->d_name[0] == '.' || nl <= 6 ||
		    strcmp(de->d_name + nl - 6, ".lists") != 0)
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(dp);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n && rc == 0; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
			names[i]) >= sizeof(path)) {
			snprintf(
			    errbuf, BS_ERRLEN, "%.200s: path too long", dir);
			rc = -1;
		} else
			rc = add_file(l, path, errbuf);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

struct dnsbl_lists *
dnsbl_lists_load(const char *dir, char *errbuf)
{
	struct dnsbl_lists *l = dnsbl_lists_new();
	const struct bs_blob *b;
	struct stat st;
	char name[128];

	for (b = bs_default_dnsbl; b->name != NULL; b++) {
		snprintf(name, sizeof(name), "built-in/%s", b->name);
		if (dnsbl_lists_add(l, name, b->data, b->len, errbuf) == -1)
			goto fail;
	}
	if (dir == NULL && stat(DNSBL_DIR_DEFAULT, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		dir = DNSBL_DIR_DEFAULT;
	if (dir != NULL && load_dir(l, dir, errbuf) == -1)
		goto fail;
	return l;
fail:
	dnsbl_lists_free(l);
	return NULL;
}
