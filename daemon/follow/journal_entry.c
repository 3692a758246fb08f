/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See journal_entry.h. The line is the JSON that journalctl -o json would
 * print for these fields, escaped as RFC 8259 requires (quote, backslash,
 * control characters); bytes of 0x80 and above are copied as they are,
 * which parsers/journal.c reads back unchanged, so the round trip is exact.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "journal_entry.h"

struct out {
	char *p;
	size_t len, cap;
};

static bool
put(struct out *o, const char *s, size_t n)
{
	if (o->cap - o->len < n)
		return false;
	memcpy(o->p + o->len, s, n);
	o->len += n;
	return true;
}

static bool
put_lit(struct out *o, const char *s)
{
	return put(o, s, strlen(s));
}

/* The escaped form of byte c into esc: its length (1 when c is itself). */
static size_t
escape(unsigned char c, char esc[8])
{
	static const char hex[] = "0123456789abcdef";

	switch (c) {
	case '"':
	case '\\':
		esc[0] = '\\', esc[1] = (char)c;
		return 2;
	case '\n':
		esc[0] = '\\', esc[1] = 'n';
		return 2;
	case '\t':
		esc[0] = '\\', esc[1] = 't';
		return 2;
	case '\r':
		esc[0] = '\\', esc[1] = 'r';
		return 2;
	default:
		if (c < 0x20) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			return 6;
		}
		esc[0] = (char)c;
		return 1;
	}
}

/*
 * Appends s escaped. With room_for bytes that must stay free after it,
 * stops (returning false) at the first byte whose escape would not fit.
 */
static bool
put_escaped(struct out *o, struct bs_span s, size_t room_for)
{
	char esc[8];
	size_t i, n;

	for (i = 0; i < s.len; i++) {
		n = escape((unsigned char)s.ptr[i], esc);
		if (o->cap - o->len < n + room_for)
			return false;
		memcpy(o->p + o->len, esc, n);
		o->len += n;
	}
	return true;
}

/* ,"NAME":"value" when value is present; false when it does not fit. */
static bool
put_field(struct out *o, const char *name, struct bs_span v)
{
	if (v.len == 0)
		return true;
	return put(o, ",\"", 2) && put(o, name, strlen(name)) &&
	    put(o, "\":\"", 3) && put_escaped(o, v, 0) && put(o, "\"", 1);
}

/* See journal_entry.h. */
size_t
journal_entry_line(
    const struct journal_entry *e, char *buf, size_t cap, bool *cut)
{
	struct out o = { buf, 0, cap };
	char num[32];
	int n;

	*cut = false;
	n = snprintf(num, sizeof(num), "%" PRIu64, e->realtime);
	if (n < 0 || !put_lit(&o, "{\"__REALTIME_TIMESTAMP\":\"") ||
	    !put(&o, num, (size_t)n) || !put(&o, "\"", 1) ||
	    !put_field(&o, "_HOSTNAME", e->host) ||
	    !put_field(&o, "SYSLOG_IDENTIFIER", e->ident) ||
	    !put_field(&o, "SYSLOG_PID", e->pid) ||
	    !put_lit(&o, ",\"MESSAGE\":\""))
		return 0;
	/* The closing "} must always fit: cut the message before it. */
	if (o.cap - o.len < 2)
		return 0;
	if (!put_escaped(&o, e->msg, 2))
		*cut = true;
	put(&o, "\"}", 2);
	return o.len;
}

static bool
span_is(struct bs_span s, const char *lit)
{
	return s.len == strlen(lit) && memcmp(s.ptr, lit, s.len) == 0;
}

static bool
span_starts(struct bs_span s, const char *lit)
{
	return s.len >= strlen(lit) && memcmp(s.ptr, lit, strlen(lit)) == 0;
}

static bool
span_ends(struct bs_span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len >= n && memcmp(s.ptr + s.len - n, lit, n) == 0;
}

/* See journal_entry.h. */
bool
journal_entry_is_mail(struct bs_span unit, struct bs_span ident)
{
	if (span_is(unit, "exim4.service") ||
	    span_is(unit, "sendmail.service") ||
	    span_is(unit, "opensmtpd.service"))
		return true;
	if (unit.len > strlen("postfix@.service") &&
	    span_starts(unit, "postfix@") && span_ends(unit, ".service"))
		return true;
	return ident.len > strlen("postfix/") && span_starts(ident, "postfix/");
}
