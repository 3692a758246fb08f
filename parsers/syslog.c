/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The syslog prefix of a line (see syslog.h for the formats). Dates become
 * UTC epoch seconds by arithmetic alone (days_from_civil(), after Howard
 * Hinnant's public-domain algorithm): no timegm(), mktime(), TZ or locale,
 * so the result depends only on the line and the caller's context.
 *
 * Classic (RFC 3164) stamps have no year and no zone: the year is the one
 * of ctx->ref_time in local time, or the year before when that would put
 * the stamp more than one day after ref_time (a December line read in
 * January); the zone is ctx->tz_offset. RFC 3339 stamps carry both, and
 * their fraction is kept to microseconds in usec.
 *
 * The conversion of a stamp to epoch seconds is a step of its own
 * (syslog_stamp_time()), so that the line dispatch can leave it out for
 * the lines that are not delivery results (80% of a Postfix log; the
 * arithmetic was 2% of the instructions of an import).
 *
 * Variants of the classic form: FreeBSD's `syslogd -v` priority
 * ("<mail.info> " or "<2.6> " between stamp and host) and the Solaris and
 * illumos message id ("[ID 197553 mail.info] " between tag and message)
 * are read and dropped, so that every MTA parser sees the bare message.
 *
 * Invariants: reads only [line, line + len); syslog_parse() fills *out
 * only on PARSE_OK; anything that is not a recognisable prefix is
 * PARSE_SKIP, never an error, because a mail log also holds lines of
 * other programs.
 */
#include <string.h>

#include "scan.h"

/* SSE2: every x86-64 has it (scan.h); BS_NO_SIMD: the portable paths. */
#ifdef SCAN_SSE2
#define SYSLOG_SSE2 1
#endif
#include "syslog.h"

#define DAY_SECS            86400
/* How far back a line may go in a DST change's repeated hour and still
 * be read in its first pass (syslog_local_to_utc()). */
#define SYSLOG_REPEAT_SLACK 600

/* Days since 1970-01-01 of a proleptic Gregorian y-m-d. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The Gregorian year of a day count since 1970-01-01. */
static int64_t
year_from_days(int64_t z)
{
	int64_t era, doe, yoe, y, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	return mp >= 10 ? y + 1 : y; /* months 11, 12 of the era year are */
} /* January, February of the next */

static bool
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int64_t y, int m)
{
	static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31,
		30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/*
 * Returns the UTC epoch seconds of the given civil date and time. The
 * arguments are not range-checked; the parsers below validate them first.
 */
int64_t
syslog_epoch(int64_t year, int mon, int day, int hour, int min, int sec)
{
	return days_from_civil(year, mon, day) * DAY_SECS + hour * 3600 +
	    min * 60 + sec;
}

/* Month number 1-12 of a three-letter English abbreviation, or 0. */
static int
month_of(const char *p)
{
	/* Case-sensitive, as every syslog daemon writes them. */
	switch (p[0]) {
	case 'J':
		if (p[1] == 'a' && p[2] == 'n')
			return 1;
		if (p[1] == 'u' && p[2] == 'n')
			return 6;
		if (p[1] == 'u' && p[2] == 'l')
			return 7;
		return 0;
	case 'F':
		return p[1] == 'e' && p[2] == 'b' ? 2 : 0;
	case 'M':
		if (p[1] == 'a' && p[2] == 'r')
			return 3;
		if (p[1] == 'a' && p[2] == 'y')
			return 5;
		return 0;
	case 'A':
		if (p[1] == 'p' && p[2] == 'r')
			return 4;
		if (p[1] == 'u' && p[2] == 'g')
			return 8;
		return 0;
	case 'S':
		return p[1] == 'e' && p[2] == 'p' ? 9 : 0;
	case 'O':
		return p[1] == 'c' && p[2] == 't' ? 10 : 0;
	case 'N':
		return p[1] == 'o' && p[2] == 'v' ? 11 : 0;
	case 'D':
		return p[1] == 'e' && p[2] == 'c' ? 12 : 0;
	default:
		return 0;
	}
}

/* Two decimal digits at p (both readable), or -1. */
static inline int
two_digits(const char *p)
{
	unsigned a = (unsigned char)p[0] - '0', b = (unsigned char)p[1] - '0';

	return a < 10 && b < 10 ? (int)(a * 10 + b) : -1;
}

/* "HH:MM:SS" at p. Returns the seconds of the day, or -1. */
static inline int
parse_hms(const char *p, const char *end)
{
	int h, m, s;

	if (end - p < 8 || p[2] != ':' || p[5] != ':')
		return -1;
	h = two_digits(p);
	m = two_digits(p + 3);
	s = two_digits(p + 6);
	/* 60 is a leap second (RFC 3339 5.7); it simply counts as :60. */
	if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 60)
		return -1;
	return h * 3600 + m * 60 + s;
}

/*
 * An optional ".digits" at *pp: advances past it and returns the value in
 * microseconds (digits beyond the sixth are dropped), or 0 when absent.
 * Returns -1 for a '.' without digits.
 */
static int32_t
parse_frac(const char **pp, const char *end)
{
	const char *p = *pp;
	int32_t usec = 0;
	int n = 0;

	if (p >= end || *p != '.')
		return 0;
	p++;
	while (p < end && scan_isdigit((unsigned char)*p)) {
		if (n < 6)
			usec = usec * 10 + (*p - '0');
		n++;
		p++;
	}
	if (n == 0)
		return -1;
	for (; n < 6; n++)
		usec *= 10;
	*pp = p;
	return usec;
}

/*
 * Classic stamp at p: "Mmm dd HH:MM:SS", "Mmm  d HH:MM:SS" (space-padded
 * day, the RFC 3164 form) or "Mmm d HH:MM:SS", with an optional fraction
 * (journalctl -o short-precise). Fills *st (no year: classic) and returns
 * the position after the stamp, or NULL.
 */
static const char *
parse_classic(const char *p, const char *end, struct syslog_stamp *st)
{
	int mon, day, sod;
	int32_t usec;

	if (end - p < 15 || p[3] != ' ')
		return NULL;
	if ((mon = month_of(p)) == 0)
		return NULL;
	p += 4;
	if (p[0] == ' ' && scan_isdigit((unsigned char)p[1])) {
		day = p[1] - '0';
		p += 2;
	} else if (scan_isdigit((unsigned char)p[0]) &&
	    scan_isdigit((unsigned char)p[1])) {
		day = (p[0] - '0') * 10 + (p[1] - '0');
		p += 2;
	} else if (scan_isdigit((unsigned char)p[0]) && p[1] == ' ') {
		day = p[0] - '0';
		p += 1;
	} else
		return NULL;
	if (p >= end || *p++ != ' ')
		return NULL;
	if ((sod = parse_hms(p, end)) < 0)
		return NULL;
	p += 8;
	if ((usec = parse_frac(&p, end)) < 0)
		return NULL;
	if (day < 1 || day > 31)
		return NULL;
	st->classic = true;
	st->year = 0;
	st->mon = mon;
	st->day = day;
	st->sod = sod;
	st->off = 0;
	st->usec = usec;
	return p;
}

static int32_t
zone_at(const struct syslog_ctx *ctx, int64_t local)
{
	int32_t o = ctx->tz_at(local - ctx->tz_offset);

	return ctx->tz_at(local - o);
}

/*
 * The earlier offset of local when a DST change repeats it (off: the
 * later one, zone_at()), else off: the offset an hour before in UTC,
 * when it also reads local as itself.
 */
static int32_t
zone_repeated(const struct syslog_ctx *ctx, int64_t local, int32_t off)
{
	int32_t o = ctx->tz_at(local - off - 3600);

	return o != off && ctx->tz_at(local - o) == o ? o : off;
}

int64_t
syslog_local_to_utc(const struct syslog_ctx *ctx, int64_t local)
{
	struct syslog_memo *m = ctx->memo;
	int64_t hour, t;

	if (ctx->tz_at == NULL)
		return local - ctx->tz_offset;
	if (m == NULL)
		return local - zone_at(ctx, local);
	hour = local >= 0 ? local / 3600 : (local - 3599) / 3600;
	if (!m->tz_set || m->tz_hour != hour) {
		m->tz_hour_off = zone_at(ctx, local);
		m->tz_hour_early = zone_repeated(ctx, local, m->tz_hour_off);
		m->tz_hour = hour;
		m->tz_set = true;
		m->tz_second = false;
	}
	t = local - m->tz_hour_off;
	/* trial10: a repeated hour's first pass, in a log read in order,
	 * follows lines not later than it (10 minutes' slack); once the
	 * clock went back, the rest of the hour is its second pass. */
	if (m->tz_hour_early != m->tz_hour_off && m->last_set &&
	    !m->tz_second) {
		if (local - m->tz_hour_early >= m->last_t - SYSLOG_REPEAT_SLACK)
			t = local - m->tz_hour_early;
		else
			m->tz_second = true;
	}
	m->last_t = t;
	m->last_set = true;
	return t;
}

/*
 * The time of a classic stamp: the year of "now" (ctx->ref_time) in the
 * zone of the log, or the one before if that puts the stamp more than a
 * day into the future, or the one after if that puts it at most a day
 * into the future (a January stamp read on Dec 31); Feb 29 belongs to
 * the latest leap year not after that one. Returns -1 for a day the
 * month does not have.
 */
static int
classic_time(
    const struct syslog_stamp *st, const struct syslog_ctx *ctx, int64_t *time)
{
	struct syslog_memo *m = ctx->memo;
	int64_t year, t, local_ref;
	bool again = false;

	/* Issue 14: the day of the line before, in the same year. */
	if (m != NULL && m->day_set && m->mon == st->mon && m->day == st->day &&
	    m->ref_time == ctx->ref_time && m->tz_offset == ctx->tz_offset &&
	    m->day_t + st->sod <= ctx->ref_time + DAY_SECS) {
		if (!m->day_ok)
			return -1;
		*time = syslog_local_to_utc(
		    ctx, m->day_t + st->sod + ctx->tz_offset);
		return 0;
	}
	local_ref = ctx->ref_time + ctx->tz_offset;
	year = year_from_days(
	    (local_ref >= 0 ? local_ref : local_ref - (DAY_SECS - 1)) /
	    DAY_SECS);
	t = days_from_civil(year, st->mon, st->day) * DAY_SECS + st->sod -
	    ctx->tz_offset;
	/* trial10: a January line read with a reference in December (the
	 * daemon's is its last commit, up to commit_interval before the
	 * line) is of the year after, when that is at most a day ahead. */
	if (st->mon == 1) {
		int64_t tn = days_from_civil(year + 1, 1, st->day) * DAY_SECS +
		    st->sod - ctx->tz_offset;

		if (tn <= ctx->ref_time + DAY_SECS) {
			year++;
			t = tn;
		}
		/* That day's lines may fall either side: no memo of it. */
		if (tn - st->sod <= ctx->ref_time + DAY_SECS) {
			if (m != NULL)
				m->day_set = false;
			m = NULL;
		}
	}
	if (m != NULL && !(st->mon == 2 && st->day == 29)) {
		/* What the memo's test above then stands for. */
		m->day_set = true;
		m->mon = st->mon;
		m->day = st->day;
		m->ref_time = ctx->ref_time;
		m->tz_offset = ctx->tz_offset;
		m->day_t = t - st->sod;
		m->day_ok = st->day <= month_days(year, st->mon);
	}
	if (t > ctx->ref_time + DAY_SECS) {
		year--;
		again = true;
	}
	if (st->mon == 2 && st->day == 29)
		while (!is_leap(year)) {
			year--;
			again = true;
		}
	if (st->day > month_days(year, st->mon))
		return -1;
	if (again)
		t = days_from_civil(year, st->mon, st->day) * DAY_SECS +
		    st->sod - ctx->tz_offset;
	*time = syslog_local_to_utc(ctx, t + ctx->tz_offset);
	return 0;
}

/*
 * RFC 3339 stamp at p: "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|+HHMM)" (the
 * colon-less offset is journalctl's short-iso). Fills *st; returns the
 * position after it, or NULL.
 */
static const char *
parse_rfc3339(const char *p, const char *end, struct syslog_stamp *st)
{
	int y, mon, day, sod, oh, om, off;
	int32_t usec;
	bool neg;

	if (end - p < 20 || p[4] != '-' || p[7] != '-' ||
	    (p[10] != 'T' && p[10] != 't'))
		return NULL;
	y = two_digits(p);
	y = y < 0 || two_digits(p + 2) < 0 ? -1 : y * 100 + two_digits(p + 2);
	mon = two_digits(p + 5);
	day = two_digits(p + 8);
	if (y < 0 || mon < 1 || mon > 12 || day < 1 || day > month_days(y, mon))
		return NULL;
	if ((sod = parse_hms(p + 11, end)) < 0)
		return NULL;
	p += 19;
	if ((usec = parse_frac(&p, end)) < 0 || p >= end)
		return NULL;
	if (*p == 'Z' || *p == 'z') {
		off = 0;
		p++;
	} else if (*p == '+' || *p == '-') {
		neg = *p == '-';
		oh = scan_fixed(p + 1, end, 2);
		if (p + 3 < end && p[3] == ':') {
			om = scan_fixed(p + 4, end, 2);
			p += 6;
		} else {
			om = scan_fixed(p + 3, end, 2);
			p += 5;
		}
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return NULL;
		off = oh * 3600 + om * 60;
		if (neg)
			off = -off;
	} else
		return NULL;
	st->classic = false;
	st->year = y;
	st->mon = mon;
	st->day = day;
	st->sod = sod;
	st->off = off;
	st->usec = usec;
	return p;
}

/*
 * "facility.level" at p, by name ("mail.info") or number ("2.6"): the
 * position after it, or NULL.
 */
static const char *
fac_pri(const char *p, const char *end)
{
	const char *s = p;
	int i;

	for (i = 0; i < 2; i++) {
		s = p;
		while (p < end &&
		    ((*p >= 'a' && *p <= 'z') ||
			scan_isdigit((unsigned char)*p)))
			p++;
		if (p == s || p - s > 8 || p >= end)
			return NULL;
		if (i == 0 && *p++ != '.')
			return NULL;
	}
	return p;
}

/*
 * FreeBSD syslogd -v (numbers) and -vv (names) write the priority
 * between the stamp and the host: "Jun 17 14:37:39 <mail.notice> robin
 * sm-mta[2794]: ..." (syslogd(8)). At p, on its '<': the position after
 * "<fac.pri> ", or NULL.
 */
static const char *
skip_freebsd_pri(const char *p, const char *end)
{
	if ((p = fac_pri(p + 1, end)) == NULL || end - p < 2 || p[0] != '>' ||
	    p[1] != ' ')
		return NULL;
	return p + 2;
}

/*
 * Solaris and illumos syslogd log a message id after the tag
 * ("postfix/local[8611]: [ID 197553 mail.info] F3E9E3488: to=..."), the
 * default of their syslog.conf. At p, on its '[': the position after
 * "[ID n fac.pri] ", or p when it is not such a tag.
 */
static const char *
skip_solaris_id(const char *p, const char *end)
{
	const char *q = p + 4, *d;

	if (end - p < 4 || memcmp(p, "[ID ", 4) != 0)
		return p;
	for (d = q; q < end && scan_isdigit((unsigned char)*q); q++)
		;
	if (q == d || q >= end || *q++ != ' ' ||
	    (q = fac_pri(q, end)) == NULL || end - q < 1 || *q++ != ']')
		return p;
	if (q < end && *q == ' ')
		q++;
	return q;
}

/*
 * "host tag[pid]: msg" or "host tag: msg" at p, after the stamp and its
 * space. Fills host, program, pid and msg of out; returns 0 or -1. A
 * Solaris "[ID n fac.pri] " before msg is not part of it.
 */
static int
parse_host_tag(const char *p, const char *end, struct syslog_prefix *out)
{
	const char *h, *q, *tag, *pid = NULL, *pid_end = NULL;

	h = p;
	p = scan_upto3(
	    p, end, ' ', ' ', ' '); /* the compiler merges the three */
	if (p == h || p >= end)
		return -1;
	out->host = bs_span_make(h, (size_t)(p - h));
	p++;
	tag = p;
	q = scan_upto3(p, end, ':', '[', ' ');
	if (q == tag || q >= end || *q == ' ')
		return -1;
	out->program = bs_span_make(tag, (size_t)(q - tag));
	if (*q == '[') {
		pid = q + 1;
		/* a few digits: cheaper than a call to memchr() */
		pid_end = scan_upto3(pid, end, ']', ']', ']');
		if (pid_end >= end || pid_end + 1 >= end || pid_end[1] != ':')
			return -1;
		q = pid_end + 1;
	}
	/* q is at the ':' ending the tag. */
	q++;
	if (q < end && *q == ' ')
		q++;
	out->pid = pid ? bs_span_make(pid, (size_t)(pid_end - pid))
		       : bs_span_make(q, 0);
	if (q < end && *q == '[')
		q = skip_solaris_id(q, end);
	out->msg = bs_span_make(q, (size_t)(end - q));
	return 0;
}

/* One space-delimited RFC 5424 header field; "-" (NILVALUE) is empty. */
static const char *
field_5424(const char *p, const char *end, struct bs_span *sp)
{
	const char *s = p;

	while (p < end && *p != ' ')
		p++;
	if (p == s || p >= end)
		return NULL;
	*sp = bs_span_make(s, (size_t)(p - s));
	if (sp->len == 1 && s[0] == '-')
		sp->len = 0;
	return p + 1;
}

/*
 * RFC 5424 after "<PRI>1 ": TIMESTAMP HOSTNAME APP-NAME PROCID MSGID
 * STRUCTURED-DATA [SP MSG]. A NILVALUE timestamp gives no time: skipped.
 */
static int
parse_5424(const char *p, const char *end, struct syslog_prefix *out,
    struct syslog_stamp *st)
{
	struct bs_span msgid;

	if ((p = parse_rfc3339(p, end, st)) == NULL || p >= end || *p++ != ' ')
		return -1;
	if ((p = field_5424(p, end, &out->host)) == NULL ||
	    (p = field_5424(p, end, &out->program)) == NULL ||
	    (p = field_5424(p, end, &out->pid)) == NULL)
		return -1;
	/* MSGID may be the last field when SD and MSG are absent. */
	msgid.ptr = p;
	while (p < end && *p != ' ')
		p++;
	if (p == msgid.ptr || p >= end)
		return -1;
	p++;
	if (p < end && *p == '-')
		p++;
	else {
		/* One or more SD-ELEMENTs; ']' '"' '\' are escaped inside. */
		while (p < end && *p == '[') {
			while (++p < end && *p != ']')
				if (*p == '\\')
					p++;
			if (p >= end)
				return -1;
			p++;
		}
	}
	if (p < end && *p == ' ')
		p++;
	if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	out->msg = bs_span_make(p, (size_t)(end - p));
	return 0;
}

/*
 * Parses the syslog prefix of line (len bytes, no newline) but not the
 * time its stamp stands for: fills *out (spans into line; time and usec
 * 0) and *st, and returns PARSE_OK, or PARSE_SKIP. The stamp's syntax and
 * field ranges are checked here; whether the day exists in the (maybe
 * inferred) year is left to syslog_stamp_time().
 */
static int
untimed(const char *line, size_t len, struct syslog_prefix *out,
    struct syslog_stamp *st, const char **stamp_end)
{
	const char *p = line, *end = line + len;

	*stamp_end = NULL;
	memset(out, 0, sizeof(*out));
	/* "<PRI>" of syslog from the network: 1 to 3 digits. */
	if (p < end && *p == '<') {
		const char *q = p + 1;

		while (q < end && q - p <= 3 && scan_isdigit((unsigned char)*q))
			q++;
		if (q == p + 1 || q >= end || *q != '>')
			return PARSE_SKIP;
		p = q + 1;
		if (end - p >= 2 && p[0] == '1' && p[1] == ' ')
			return parse_5424(p + 2, end, out, st) < 0 ? PARSE_SKIP
								   : PARSE_OK;
	}
	if (end - p < 16)
		return PARSE_SKIP;
	if (scan_isdigit((unsigned char)p[0]))
		p = parse_rfc3339(p, end, st);
	else
		p = parse_classic(p, end, st);
	if (p == NULL || p >= end || *p++ != ' ')
		return PARSE_SKIP;
	/* The stamp and its space: what any line starting with these
	 * bytes parses to (a line with a <PRI> never gets here). */
	if (line[0] != '<')
		*stamp_end = p;
	if (p < end && *p == '<' && (p = skip_freebsd_pri(p, end)) == NULL)
		return PARSE_SKIP;
	if (parse_host_tag(p, end, out) < 0)
		return PARSE_SKIP;
	return PARSE_OK;
}

int
syslog_parse_untimed(const char *line, size_t len, struct syslog_prefix *out,
    struct syslog_stamp *st)
{
	const char *se;

	return untimed(line, len, out, st, &se);
}

/*
 * Issue 14: whether line (len >= m->n bytes) starts with the memo's
 * stamp: a classic stamp and its space are 16 bytes, one SSE2 compare
 * instead of a call to memcmp().
 */
static inline bool
stamp_is(const char *line, size_t len, const struct syslog_memo *m)
{
#ifdef SYSLOG_SSE2
	if (m->n <= 16 && len >= 16) {
		__m128i a = _mm_loadu_si128(
			    (const __m128i *)(const void *)line),
			b = _mm_loadu_si128(
			    (const __m128i *)(const void *)m->stamp);
		unsigned eq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(a, b)),
			 want = (1U << m->n) - 1;

		return (eq & want) == want;
	}
#else
	(void)len;
#endif
	return memcmp(line, m->stamp, m->n) == 0;
}

/*
 * Issue 14: a classic stamp that differs from the memo's only in its
 * seconds ("Nov  2 00:00:" the same, then two digits and a space; a
 * busy log's next second): what parse_classic() gives for it is the
 * memo's stamp with those seconds, when they are 60 or less (else the
 * line has no stamp, and the full parse says so). The memo takes it
 * over: true, m->stamp and m->st are the line's.
 */
static bool
next_second(const char *line, size_t len, struct syslog_memo *m)
{
	int s, was;

	if (m->n != 16 || len < 16 || !m->st.classic || m->st.usec != 0 ||
	    line[15] != ' ' || memcmp(line, m->stamp, 13) != 0 ||
	    (s = two_digits(line + 13)) < 0 || s > 60 ||
	    (was = two_digits(m->stamp + 13)) < 0)
		return false;
	m->st.sod += s - was;
	memcpy(m->stamp + 13, line + 13, 2);
	return true;
}

/*
 * See syslog.h. A line that starts with the bytes of the last stamp and
 * its space parses as untimed() would parse it: the stamp's syntax and
 * length checks read only those bytes (the space ends every stamp), and
 * the rest is parsed as untimed() does.
 */
int
syslog_parse_untimed_memo(const char *line, size_t len, struct syslog_memo *m,
    struct syslog_prefix *out, struct syslog_stamp *st)
{
	const char *p, *end = line + len, *se;
	int rc;

	if (m == NULL)
		return untimed(line, len, out, st, &se);
	if ((m->n > 0 && len >= m->n && stamp_is(line, len, m)) ||
	    next_second(line, len, m)) {
		memset(out, 0, sizeof(*out));
		*st = m->st;
		p = line + m->n;
		if (p < end && *p == '<' &&
		    (p = skip_freebsd_pri(p, end)) == NULL)
			return PARSE_SKIP;
		return parse_host_tag(p, end, out) < 0 ? PARSE_SKIP : PARSE_OK;
	}
	rc = untimed(line, len, out, st, &se);
	if (rc == PARSE_OK && se != NULL &&
	    (size_t)(se - line) <= sizeof(m->stamp)) {
		m->n = (size_t)(se - line);
		memcpy(m->stamp, line, m->n);
		m->st = *st;
	}
	return rc;
}

/*
 * Sets out->time (UTC epoch seconds) and out->usec from a stamp of
 * syslog_parse_untimed(), with ctx for classic stamps (see the file
 * comment). Returns 0, or -1 when the day does not exist in the year
 * (e.g. Feb 29 of a classic stamp in no recent leap year).
 */
int
syslog_stamp_time(const struct syslog_stamp *st, const struct syslog_ctx *ctx,
    struct syslog_prefix *out)
{
	if (st->classic) {
		if (classic_time(st, ctx, &out->time) == -1)
			return -1;
	} else
		out->time =
		    days_from_civil(st->year, st->mon, st->day) * DAY_SECS +
		    st->sod - st->off;
	out->usec = st->usec;
	return 0;
}

/*
 * Parses the syslog prefix of line (len bytes, no newline). Returns
 * PARSE_OK and fills *out (spans into line), or PARSE_SKIP. ctx supplies
 * the reference time and zone for classic stamps (see the file comment).
 */
int
syslog_parse(const char *line, size_t len, const struct syslog_ctx *ctx,
    struct syslog_prefix *out)
{
	struct syslog_prefix pfx;
	struct syslog_stamp st;

	if (syslog_parse_untimed(line, len, &pfx, &st) != PARSE_OK ||
	    syslog_stamp_time(&st, ctx, &pfx) == -1)
		return PARSE_SKIP;
	*out = pfx;
	return PARSE_OK;
}
