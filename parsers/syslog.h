/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The syslog prefix of a log line: time, host, program, pid, message.
 * Formats: classic BSD (`Nov 22 10:15:01 host prog[pid]: msg`, RFC 3164),
 * RFC 3339 (`2026-11-22T10:15:01.123456+01:00 host prog[pid]: msg`, the
 * default of Debian 12's rsyslog), `journalctl -o short-iso` (offset
 * `+0100`), `-o short-precise` (classic with a fraction), an optional
 * `<PRI>` in front of either (syslog received from the network), and
 * RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`), FreeBSD's
 * `syslogd -v` priority after the stamp (`<mail.info> host ...`) and the
 * Solaris/illumos message id after the tag (`prog[pid]: [ID 197553
 * mail.info] msg`, dropped from msg). Pure: the
 * caller passes the reference time and the UTC offset of zone-less
 * timestamps.
 */
#ifndef BS_PARSERS_SYSLOG_H
#define BS_PARSERS_SYSLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"

struct syslog_memo;

struct syslog_ctx {
	int64_t ref_time;  /* UTC epoch seconds "now" for year inference */
	int32_t tz_offset; /* seconds east of UTC of zone-less timestamps */
	/* Issue 14: the caller's memo (struct syslog_memo, zeroed before
	 * its first use, one per thread), or NULL: none. Results are the
	 * same either way. */
	struct syslog_memo *memo;
	/*
	 * Or NULL. Else the offset east of UTC of the log's zone at UTC
	 * time t (local_tz_offset(): localtime_r()): zone-less stamps are
	 * then read in the offset of their own date, so that a log that
	 * spans a DST change, or a daemon that runs across one, keeps the
	 * hour right. tz_offset still picks the year.
	 */
	int32_t (*tz_at)(int64_t t);
};

struct syslog_prefix {
	int64_t time; /* UTC epoch seconds */
	int32_t usec; /* fraction, 0 when absent */
	struct bs_span host;
	struct bs_span program; /* "postfix/smtp", "exim", ... */
	struct bs_span pid;     /* digits, empty when absent */
	struct bs_span msg;     /* after "prog[pid]: " to the end of line */
};

/*
 * Parses the prefix of line (len bytes, no newline). Classic timestamps
 * carry no year: the year of ctx->ref_time is taken unless that puts the
 * stamp more than a day after ref_time, in which case the previous year is
 * (so a December line read in January lands in December of last year).
 * Returns PARSE_OK and fills *out, or PARSE_SKIP when the line has no
 * recognisable prefix.
 */
int syslog_parse(const char *line, size_t len, const struct syslog_ctx *ctx,
    struct syslog_prefix *out);

/*
 * A stamp parsed but not yet converted to epoch seconds (see
 * syslog_parse_untimed()). Most lines of a mail log are not delivery
 * results: split this way, they never pay for the calendar arithmetic.
 */
struct syslog_stamp {
	bool classic; /* no year and no zone: both from syslog_ctx */
	int year;     /* RFC 3339 only */
	int mon, day; /* 1-12, 1-31 */
	int sod;      /* seconds of the day */
	int off;      /* RFC 3339: seconds east of UTC */
	int32_t usec;
};

/*
 * syslog_parse() in two steps. syslog_parse_untimed() checks the whole
 * prefix, the stamp's syntax and field ranges included, and fills *out
 * (time and usec 0) and *st; *out is unspecified on PARSE_SKIP.
 * syslog_stamp_time() then sets out->time and out->usec, or returns -1
 * when the day does not exist in the (maybe inferred) year: a line that
 * syslog_parse() skips. Returns 0 or -1.
 */
int syslog_parse_untimed(const char *line, size_t len,
    struct syslog_prefix *out, struct syslog_stamp *st);
int syslog_stamp_time(const struct syslog_stamp *st,
    const struct syslog_ctx *ctx, struct syslog_prefix *out);

/*
 * Issue 14: what the last lines' stamps gave, so that the next line with
 * the same stamp bytes (most lines of a busy log share their second with
 * the line before) and the next classic stamp of the same day skip the
 * parsing and the calendar. Caller-owned, zeroed before its first use;
 * see syslog_ctx.memo. Not to be read: the fields are syslog.c's.
 */
struct syslog_memo {
	size_t n;       /* bytes of stamp[] in use (0: none) */
	char stamp[40]; /* the last stamp and its space, as on the line */
	struct syslog_stamp st;
	/* classic_time(): the last day resolved */
	bool day_set, day_ok;
	int64_t ref_time, day_t; /* day_t: the day's start, UTC, less tz */
	int32_t tz_offset;
	int mon, day;
	/* syslog_local_to_utc(): the last local hour converted, its
	 * offset and, when a DST change repeats it, its earlier offset
	 * (else the same), whether its second pass began; the last time
	 * converted */
	bool tz_set, tz_second, last_set;
	int64_t tz_hour, last_t;
	int32_t tz_hour_off, tz_hour_early;
};

/*
 * UTC epoch seconds of local, a zone-less stamp read as if it were UTC:
 * local less ctx->tz_offset, or, with ctx->tz_at, less the offset in
 * force at that time (through ctx->memo, one tz_at() call per local
 * hour: a memo serves one tz_at function). In the hour a DST change
 * repeats: without a memo, or with one that has converted no line
 * before, the later offset; with one, the earlier offset while the line
 * is not more than 10 minutes before the memo's last line (the first
 * pass of a log read in order), else, and for the rest of that hour, the
 * later (the clock went back).
 * This is the one place where the memo changes a result.
 */
int64_t syslog_local_to_utc(const struct syslog_ctx *ctx, int64_t local);

/*
 * syslog_parse_untimed() through memo (may be NULL): the same results,
 * and memo updated.
 */
int syslog_parse_untimed_memo(const char *line, size_t len,
    struct syslog_memo *memo, struct syslog_prefix *out,
    struct syslog_stamp *st);

/*
 * UTC epoch seconds of a proleptic Gregorian date and time (month 1-12,
 * day 1-31, no range checks: callers validate), computed arithmetically
 * (days from civil) so that neither the time zone nor the C library is
 * involved.
 */
int64_t syslog_epoch(
    int64_t year, int mon, int day, int hour, int min, int sec);

#endif
