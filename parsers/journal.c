/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * journalctl's JSON export format (systemd.journal-fields(7),
 * journalctl(1) "-o json"), read by a small single-pass scanner of RFC 8259
 * JSON: one object whose members are strings, numbers, literals or
 * arrays; nested values are skipped. journald writes a field that occurs
 * several times as an array of its values (the first is taken) and a
 * value that is not valid UTF-8 as an array of byte values (decoded).
 * Both the compact form of systemd >= 246 (`{"MESSAGE":"..."}`) and the
 * spaced form of older versions (`{ "MESSAGE" : "..." }`) are read.
 *
 * Strings without a backslash are used in place; strings with escapes
 * (\" \\ \/ \b \f \n \r \t \uXXXX, surrogate pairs joined, a lone
 * surrogate becoming U+FFFD) are decoded into the caller's scratch buffer.
 * Decoding never makes a string longer than its JSON form, so scratch as
 * long as the line always suffices.
 *
 * Pure: no allocation, no state; reads only [line, line + len).
 */
#include <string.h>

#include "journal.h"
#include "scan.h"

struct jval {
	const char *ptr; /* raw content (string: between the quotes) */
	size_t len;
	char kind; /* '"' string, '[' array, 'n' null, '0' number, 't' other */
	bool esc;  /* a string with backslashes */
};

struct jscan {
	const char *p, *end;
	char *scratch;
	size_t used, cap;
};

static void
skip_ws(struct jscan *js)
{
	while (js->p < js->end &&
	    (*js->p == ' ' || *js->p == '\t' || *js->p == '\r' ||
		*js->p == '\n'))
		js->p++;
}

/* A string at js->p (on its '"'): sets *v; false when unterminated. */
static bool
scan_string(struct jscan *js, struct jval *v)
{
	const char *q = js->p + 1;

	v->kind = '"';
	v->esc = false;
	for (; q < js->end && *q != '"'; q++)
		if (*q == '\\') {
			v->esc = true;
			if (++q >= js->end)
				return false;
		}
	if (q >= js->end)
		return false;
	v->ptr = js->p + 1;
	v->len = (size_t)(q - js->p - 1);
	js->p = q + 1;
	return true;
}

/*
 * Skips a value that is not a string at js->p: a scalar up to the next
 * ',', '}', ']' or blank, or a whole array or object (strings inside are
 * skipped as strings). Sets *v to its raw text; false when unterminated.
 */
static bool
skip_value(struct jscan *js, struct jval *v)
{
	const char *s = js->p;
	struct jval tmp;
	int depth = 0;
	char c;

	while (js->p < js->end) {
		c = *js->p;
		if (c == '"') {
			if (!scan_string(js, &tmp))
				return false;
			continue;
		}
		if (c == '[' || c == '{')
			depth++;
		else if (c == ']' || c == '}') {
			if (depth == 0)
				break;
			if (--depth == 0) {
				js->p++;
				break;
			}
		} else if (depth == 0 &&
		    (c == ',' || c == ' ' || c == '\t' || c == '\r' ||
			c == '\n'))
			break;
		js->p++;
	}
	if (depth != 0 || js->p == s)
		return false;
	v->ptr = s;
	v->len = (size_t)(js->p - s);
	if (*s == '[')
		v->kind = '[';
	else if (*s == 'n')
		v->kind = 'n';
	else if (scan_isdigit((unsigned char)*s) || *s == '-')
		v->kind = '0';
	else
		v->kind = 't';
	v->esc = false;
	return true;
}

static bool
scan_value(struct jscan *js, struct jval *v)
{
	if (js->p < js->end && *js->p == '"')
		return scan_string(js, v);
	return skip_value(js, v);
}

static bool
put_byte(struct jscan *js, int c)
{
	if (js->scratch == NULL || js->used >= js->cap)
		return false;
	js->scratch[js->used++] = (char)c;
	return true;
}

static bool
put_utf8(struct jscan *js, unsigned long cp)
{
	if (cp < 0x80)
		return put_byte(js, (int)cp);
	if (cp < 0x800)
		return put_byte(js, (int)(0xC0 | (cp >> 6))) &&
		    put_byte(js, (int)(0x80 | (cp & 0x3F)));
	if (cp < 0x10000)
		return put_byte(js, (int)(0xE0 | (cp >> 12))) &&
		    put_byte(js, (int)(0x80 | ((cp >> 6) & 0x3F))) &&
		    put_byte(js, (int)(0x80 | (cp & 0x3F)));
	return put_byte(js, (int)(0xF0 | (cp >> 18))) &&
	    put_byte(js, (int)(0x80 | ((cp >> 12) & 0x3F))) &&
	    put_byte(js, (int)(0x80 | ((cp >> 6) & 0x3F))) &&
	    put_byte(js, (int)(0x80 | (cp & 0x3F)));
}

/* Four hex digits at p (p + 4 <= end): their value, or -1. */
static long
hex4(const char *p, const char *end)
{
	long v = 0;
	int i, c;

	if (end - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		c = scan_lower((unsigned char)p[i]);
		if (scan_isdigit(c))
			v = v * 16 + (c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (c - 'a' + 10);
		else
			return -1;
	}
	return v;
}

/* Decodes the escaped string v into scratch: the result, or ptr NULL. */
static struct bs_span
decode_string(struct jscan *js, const struct jval *v)
{
	const char *p = v->ptr, *end = v->ptr + v->len;
	size_t start = js->used;
	long cp, lo;
	bool ok = true;

	if (!v->esc)
		return bs_span_make(v->ptr, v->len);
	for (; p < end && ok; p++) {
		if (*p != '\\') {
			ok = put_byte(js, (unsigned char)*p);
			continue;
		}
		if (++p >= end)
			break;
		switch (*p) {
		case 'b':
			ok = put_byte(js, '\b');
			break;
		case 'f':
			ok = put_byte(js, '\f');
			break;
		case 'n':
			ok = put_byte(js, '\n');
			break;
		case 'r':
			ok = put_byte(js, '\r');
			break;
		case 't':
			ok = put_byte(js, '\t');
			break;
		case 'u':
			if ((cp = hex4(p + 1, end)) < 0) {
				ok = false;
				break;
			}
			p += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF && end - p >= 7 &&
			    p[1] == '\\' && p[2] == 'u' &&
			    (lo = hex4(p + 3, end)) >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) +
				    (lo - 0xDC00);
				p += 6;
			} else if (cp >= 0xD800 && cp <= 0xDFFF)
				cp = 0xFFFD;
			ok = put_utf8(js, (unsigned long)cp);
			break;
		default: /* '"', '\\', '/' and anything unknown: itself */
			ok = put_byte(js, (unsigned char)*p);
			break;
		}
	}
	if (!ok || js->scratch == NULL)
		return bs_span_make(NULL, 0);
	return bs_span_make(js->scratch + start, js->used - start);
}

/* An array of byte values "[72,101,...]" decoded into scratch. */
static struct bs_span
decode_bytes(struct jscan *js, const struct jval *v)
{
	const char *p = v->ptr + 1, *end = v->ptr + v->len - 1;
	size_t start = js->used;
	int n, digits;

	for (;;) {
		while (p < end && (*p == ' ' || *p == ','))
			p++;
		if (p >= end)
			break;
		for (n = 0, digits = 0;
		     p < end && scan_isdigit((unsigned char)*p); p++, digits++)
			if (digits < 4)
				n = n * 10 + (*p - '0');
		if (digits == 0 || digits > 3 || n > 255 || !put_byte(js, n))
			return bs_span_make(NULL, 0);
	}
	if (js->scratch == NULL) /* "[]": nothing was decoded */
		return bs_span_make(v->ptr, 0);
	return bs_span_make(js->scratch + start, js->used - start);
}

/*
 * A field's value as text: a string (decoded when escaped), the first
 * string of an array of strings, or an array of byte values. Returns a
 * span with ptr NULL when the value is none of these or does not fit.
 */
static struct bs_span
text_value(struct jscan *js, const struct jval *v)
{
	struct jscan sub;
	struct jval first;
	const char *p;

	if (v->kind == '"')
		return decode_string(js, v);
	if (v->kind != '[' || v->len < 2)
		return bs_span_make(NULL, 0);
	for (p = v->ptr + 1; p < v->ptr + v->len && (*p == ' ' || *p == '\t');
	     p++)
		;
	if (p < v->ptr + v->len && *p == '"') {
		sub = *js;
		sub.p = p;
		sub.end = v->ptr + v->len;
		if (!scan_string(&sub, &first))
			return bs_span_make(NULL, 0);
		js->used = sub.used;
		return decode_string(js, &first);
	}
	return decode_bytes(js, v);
}

static bool
key_is(const struct jval *k, const char *s, size_t n)
{
	return k->len == n && memcmp(k->ptr, s, n) == 0;
}

/*
 * Parses a `journalctl -o json` line into *out (see journal.h). Returns
 * PARSE_OK, PARSE_SKIP or PARSE_BAD.
 */
int
journal_parse(const char *line, size_t len, char *scratch, size_t scratch_len,
    struct syslog_prefix *out)
{
	struct jscan js = { line, line + len, scratch, 0, scratch_len };
	struct jval k, v, msg = { NULL, 0, 0, false }, ident = msg, comm = msg,
			  pid = msg, spid = msg, host = msg, rt = msg,
			  srt = msg;
	struct syslog_prefix pfx;
	struct bs_span sp;
	uint64_t us;
	const struct jval *t;
	bool first;

	memset(out, 0, sizeof(*out));
	out->host = out->program = out->pid = out->msg = bs_span_make(line, 0);
	skip_ws(&js);
	if (js.p >= js.end || *js.p != '{')
		return PARSE_SKIP;
	js.p++;
	for (first = true;; first = false) {
		skip_ws(&js);
		if (first && js.p < js.end && *js.p == '}')
			break;
		if (js.p >= js.end || *js.p != '"' || !scan_string(&js, &k))
			goto bad;
		skip_ws(&js);
		if (js.p >= js.end || *js.p != ':')
			goto bad;
		js.p++;
		skip_ws(&js);
		if (!scan_value(&js, &v))
			goto bad;
		if (key_is(&k, SCAN_LIT("MESSAGE")))
			msg = v;
		else if (key_is(&k, SCAN_LIT("SYSLOG_IDENTIFIER")))
			ident = v;
		else if (key_is(&k, SCAN_LIT("_COMM")))
			comm = v;
		else if (key_is(&k, SCAN_LIT("SYSLOG_PID")))
			spid = v;
		else if (key_is(&k, SCAN_LIT("_PID")))
			pid = v;
		else if (key_is(&k, SCAN_LIT("_HOSTNAME")))
			host = v;
		else if (key_is(&k, SCAN_LIT("__REALTIME_TIMESTAMP")))
			rt = v;
		else if (key_is(&k, SCAN_LIT("_SOURCE_REALTIME_TIMESTAMP")))
			srt = v;
		skip_ws(&js);
		if (js.p < js.end && *js.p == ',') {
			js.p++;
			continue;
		}
		if (js.p < js.end && *js.p == '}')
			break;
		goto bad;
	}
	js.p++;
	skip_ws(&js);
	if (js.p != js.end)
		goto bad;

	/* Absent fields are empty spans in the line, never NULL. */
	memset(&pfx, 0, sizeof(pfx));
	pfx.host = pfx.program = pfx.pid = bs_span_make(line, 0);
	t = ident.ptr != NULL ? &ident : &comm;
	if (t->ptr != NULL && (sp = text_value(&js, t)).ptr != NULL)
		pfx.program = sp;
	out->program = pfx.program;
	t = rt.ptr != NULL ? &rt : &srt;
	if (t->ptr == NULL)
		return PARSE_SKIP;
	if (scan_uint(bs_span_make(t->ptr, t->len), (uint64_t)INT64_MAX, &us) ==
	    -1)
		return PARSE_BAD;
	pfx.time = (int64_t)(us / 1000000);
	pfx.usec = (int32_t)(us % 1000000);
	t = spid.ptr != NULL ? &spid : &pid;
	if (t->ptr != NULL && t->kind == '"' && !t->esc)
		pfx.pid = bs_span_make(t->ptr, t->len);
	if (host.ptr != NULL && (sp = text_value(&js, &host)).ptr != NULL)
		pfx.host = sp;
	if (msg.ptr == NULL || (sp = text_value(&js, &msg)).ptr == NULL)
		return PARSE_BAD;
	pfx.msg = sp;
	*out = pfx;
	return PARSE_OK;

bad:
	/* The program, when read before the fault, tells whose line it is. */
	t = ident.ptr != NULL ? &ident : &comm;
	if (t->ptr != NULL && (sp = text_value(&js, t)).ptr != NULL)
		out->program = sp;
	return PARSE_BAD;
}

/*
 * One member of an object at js->p (after '{' or a ','): sets *k and *v
 * and leaves js->p after the ',' that follows (returns 1) or on the
 * closing '}' (returns 0). -1 when malformed.
 */
static int
object_member(struct jscan *js, struct jval *k, struct jval *v)
{
	skip_ws(js);
	if (js->p >= js->end || *js->p != '"' || !scan_string(js, k))
		return -1;
	skip_ws(js);
	if (js->p >= js->end || *js->p != ':')
		return -1;
	js->p++;
	skip_ws(js);
	if (!scan_value(js, v))
		return -1;
	skip_ws(js);
	if (js->p < js->end && *js->p == ',') {
		js->p++;
		return 1;
	}
	return js->p < js->end && *js->p == '}' ? 0 : -1;
}

/*
 * Reads a line of Docker's json-file log driver (see journal.h): the
 * "log" member, decoded, without its newline. Returns PARSE_OK,
 * PARSE_SKIP or PARSE_BAD.
 */
int
journal_docker_log(const char *line, size_t len, char *scratch,
    size_t scratch_len, struct bs_span *log)
{
	struct jscan js = { line, line + len, scratch, 0, scratch_len };
	struct jval k, v, val = { NULL, 0, 0, false };
	struct bs_span sp;
	int more;

	skip_ws(&js);
	if (js.p >= js.end || *js.p != '{')
		return PARSE_SKIP;
	js.p++;
	do {
		if ((more = object_member(&js, &k, &v)) == -1)
			return val.ptr != NULL ? PARSE_BAD : PARSE_SKIP;
		if (key_is(&k, SCAN_LIT("log")))
			val = v;
	} while (more == 1);
	if (val.ptr == NULL)
		return PARSE_SKIP;
	if (val.kind != '"' || (sp = decode_string(&js, &val)).ptr == NULL)
		return PARSE_BAD;
	while (sp.len > 0 &&
	    (sp.ptr[sp.len - 1] == '\n' || sp.ptr[sp.len - 1] == '\r'))
		sp.len--;
	*log = sp;
	return PARSE_OK;
}
