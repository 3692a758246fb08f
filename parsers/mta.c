/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Line dispatch (see mta.h): the prefix (syslog in its formats, else
 * `journalctl -o json`, Docker json-file or CRI container records around
 * a line, else Exim's own main log), then one MTA parser
 * chosen by the program name before anything else of the message is
 * looked at (a line of Exim's main log names no program and goes to
 * Exim), then the reply code and enhanced status from the reply text.
 *
 * The MTAs form a table: a program-name matcher and a parser per MTA. A
 * parser takes the prefix and fills the whole event except time, usec,
 * host, program, smtp_code and enhanced, which are set here; it zeroes the
 * event itself, so that lines it skips early cost nothing. An MTA whose
 * parser is NULL is recognised but skipped. ctx->force bypasses the name
 * match (for syslog_name settings no matcher knows) and hands every line
 * to that MTA's parser.
 *
 * Pure: no state between lines; the event's spans point into the line,
 * or, for a journald JSON line whose MESSAGE had escapes, into
 * ctx->scratch.
 */
#include <string.h>

#include "exim.h"
#include "journal.h"
#include "mta.h"
#include "opensmtpd.h"
#include "postfix.h"
#include "reply.h"
#include "sendmail.h"
#include "scan.h"

typedef int (*mta_parse_fn)(const struct syslog_prefix *, struct bs_event *);

/* "postfix/smtp", "postfix-out/smtp", "postfix/submission/smtpd", ... */
static bool
match_postfix(struct bs_span prog)
{
	return prog.len > 8 && memcmp(prog.ptr, "postfix", 7) == 0 &&
	    (prog.ptr[7] == '/' ||
		memchr(prog.ptr + 7, '/', prog.len - 7) != NULL);
}

/* Debian's exim4 logs to its own files; through syslog it is "exim". */
static bool
match_exim(struct bs_span prog)
{
	return scan_span_is(prog, SCAN_LIT("exim")) ||
	    scan_span_is(prog, SCAN_LIT("exim4"));
}

/*
 * "sendmail", and the "sm-" names Debian's sendmail logs as: "sm-mta",
 * "sm-msp-queue", "sm-acceptingconnections" (its process title).
 */
static bool
match_sendmail(struct bs_span prog)
{
	return scan_span_is(prog, SCAN_LIT("sendmail")) ||
	    (prog.len > 3 && memcmp(prog.ptr, "sm-", 3) == 0);
}

/* OpenSMTPD logs as "smtpd" (Postfix's smtpd is "postfix/smtpd"). */
static bool
match_opensmtpd(struct bs_span prog)
{
	return scan_span_is(prog, SCAN_LIT("smtpd"));
}

static const struct mta_entry {
	enum bs_mta mta;
	bool (*match)(struct bs_span);
	mta_parse_fn parse; /* NULL: recognised, no parser yet */
} mta_table[] = {
	{ BS_MTA_POSTFIX, match_postfix, postfix_parse },
	{ BS_MTA_EXIM, match_exim, exim_parse },
	{ BS_MTA_SENDMAIL, match_sendmail, sendmail_parse },
	{ BS_MTA_OPENSMTPD, match_opensmtpd, opensmtpd_parse },
};

#define MTA_COUNT (sizeof(mta_table) / sizeof(mta_table[0]))

static const struct mta_entry *
mta_find(const struct syslog_prefix *pfx, enum bs_mta force)
{
	size_t i;

	/* Most lines are Postfix's: its matcher first, without the table's
	 * indirect calls (the table's order puts it first anyway). */
	if (force == BS_MTA_UNKNOWN && match_postfix(pfx->program))
		return &mta_table[0];
	for (i = 0; i < MTA_COUNT; i++) {
		if (force != BS_MTA_UNKNOWN) {
			if (mta_table[i].mta == force)
				return &mta_table[i];
		} else if (mta_table[i].match(pfx->program))
			return &mta_table[i];
	}
	return NULL;
}

/*
 * A CRI (Kubernetes, containerd, CRI-O) container log line: "STAMP
 * STREAM TAG TEXT", e.g. "2026-12-05T10:00:00.123456789Z stdout F Dec  5
 * 10:00:00 mail postfix/smtp[1]: ..." (the kubelet's CRI logging
 * format). Sets *text and *partial (tag "P": a line the runtime cut,
 * continued on the next); false when line is not one.
 */
static bool
cri_line(const char *line, size_t len, struct bs_span *text, bool *partial)
{
	const char *p = line, *end = line + len, *sp;

	if (len < 20 || !scan_isdigit((unsigned char)line[0]) ||
	    line[4] != '-' || line[10] != 'T')
		return false;
	if ((sp = memchr(p, ' ', len < 48 ? len : 48)) == NULL)
		return false;
	p = sp + 1;
	if (end - p < 9 ||
	    (memcmp(p, "stdout ", 7) != 0 && memcmp(p, "stderr ", 7) != 0) ||
	    (p[7] != 'F' && p[7] != 'P') || p[8] != ' ')
		return false;
	*partial = p[7] == 'P';
	*text = bs_span_make(p + 9, (size_t)(end - p - 9));
	return true;
}

/*
 * The prefix of a line's own text, when it has no other: Exim's main log
 * (*exim_log set: such a line names no program), else none, and why:
 * syslogd's "last message repeated N times" (the repeated line is not
 * counted again: see the README) or no prefix.
 */
static int
plain_prefix(const char *line, size_t len, const struct mta_ctx *ctx,
    struct syslog_prefix *pfx, bool *exim_log, enum bs_reason *why)
{
	if (exim_prefix(line, len, &ctx->syslog, pfx) == PARSE_OK) {
		*exim_log = true;
		return PARSE_OK;
	}
	*why = scan_find(
		   line, line + len, SCAN_LIT("last message repeated ")) != NULL
	    ? BS_REASON_REPEATED
	    : BS_REASON_NO_PREFIX;
	return PARSE_SKIP;
}

/*
 * The line inside a container log record (CRI or Docker json-file): a
 * syslog line, or a line of Exim's main log.
 */
static int
inner_prefix(struct bs_span in, const struct mta_ctx *ctx,
    struct syslog_prefix *pfx, struct syslog_stamp *stamp, bool *untimed,
    bool *exim_log, enum bs_reason *why)
{
	if (syslog_parse_untimed_memo(
		in.ptr, in.len, ctx->syslog.memo, pfx, stamp) == PARSE_OK) {
		*untimed = true;
		return PARSE_OK;
	}
	return plain_prefix(in.ptr, in.len, ctx, pfx, exim_log, why);
}

/*
 * The prefix of line in any format: syslog (classic, RFC 3339, short-iso,
 * short-precise, RFC 5424), then `journalctl -o json`, Docker json-file
 * and CRI container records (whose text is parsed as a line of its own),
 * then Exim's own main log (*exim_log set: such a line names no program).
 * A JSON line that is malformed or whose MESSAGE cannot be decoded is
 * PARSE_BAD when it comes from a program of a known MTA (or the MTA is
 * forced), else PARSE_SKIP like any other program's line. For syslog,
 * *stamp is set and pfx->time left for syslog_stamp_time() (*untimed
 * set); the other formats set pfx->time. *why is set on PARSE_SKIP and
 * PARSE_BAD.
 */
static int
prefix(const char *line, size_t len, const struct mta_ctx *ctx,
    struct syslog_prefix *pfx, struct syslog_stamp *stamp, bool *untimed,
    bool *exim_log, enum bs_reason *why)
{
	struct bs_span in;
	bool partial;
	int rc;

	if (syslog_parse_untimed_memo(
		line, len, ctx->syslog.memo, pfx, stamp) == PARSE_OK) {
		*untimed = true;
		return PARSE_OK;
	}
	if (len > 0 && (line[0] == '{' || line[0] == ' ')) {
		rc = journal_parse(
		    line, len, ctx->scratch, ctx->scratch_len, pfx);
		if (rc == PARSE_OK)
			return rc;
		*why = BS_REASON_BAD_JSON;
		if (rc == PARSE_BAD)
			return ctx->force != BS_MTA_UNKNOWN ||
				mta_find(pfx, BS_MTA_UNKNOWN) != NULL
			    ? PARSE_BAD
			    : PARSE_SKIP;
		rc = journal_docker_log(
		    line, len, ctx->scratch, ctx->scratch_len, &in);
		if (rc != PARSE_OK) {
			if (rc == PARSE_SKIP)
				*why = BS_REASON_NO_PREFIX;
			return PARSE_SKIP;
		}
		return inner_prefix(
		    in, ctx, pfx, stamp, untimed, exim_log, why);
	}
	if (cri_line(line, len, &in, &partial)) {
		if (partial) {
			*why = BS_REASON_PARTIAL;
			return PARSE_SKIP;
		}
		return inner_prefix(
		    in, ctx, pfx, stamp, untimed, exim_log, why);
	}
	return plain_prefix(line, len, ctx, pfx, exim_log, why);
}

/* Whether t is in the sane range of a line's time (mta.h). */
static bool
time_sane(int64_t t, const struct mta_ctx *ctx)
{
	return t >= BS_TIME_MIN && (ctx->time_max == 0 || t <= ctx->time_max);
}

/*
 * Issue 16: fills ctx->lc from a lifecycle line (a skipped line of the
 * forms in lifecycle.h, its time computed here) or from a result line
 * (its transport). A lifecycle line whose date is impossible is none.
 */
static void
lifecycle_hook(enum bs_mta mta, int rc, const struct syslog_prefix *pfx,
    const struct syslog_stamp *stamp, const struct mta_ctx *ctx)
{
	struct syslog_prefix tp;

	if (rc == PARSE_OK) {
		lifecycle_result(mta, pfx, ctx->lc);
		return;
	}
	if (rc != PARSE_SKIP || lifecycle_parse(mta, pfx, ctx->lc) == LC_NONE)
		return;
	/* The time of a start, an end or an Exim cancellation only: an
	 * information line (message-id, qmgr) needs none, and the
	 * calendar costs. */
	if (ctx->lc->kind == LC_INFO && !ctx->lc->cancelled) {
		ctx->lc->time = 0;
		return;
	}
	tp = *pfx;
	if ((stamp != NULL &&
		syslog_stamp_time(stamp, &ctx->syslog, &tp) == -1) ||
	    !time_sane(tp.time, ctx))
		ctx->lc->kind = LC_NONE;
	ctx->lc->time = tp.time;
}

/*
 * Parses one line (len bytes, no newline) into *ev: PARSE_OK, PARSE_SKIP
 * (no syslog prefix, a program of no known MTA, or not a delivery result)
 * or PARSE_BAD (a malformed delivery line). ev->reason is set on every
 * result (BS_REASON_NONE on PARSE_OK), the rest of *ev only on PARSE_OK. On
 * PARSE_OK every field of *ev is set and its spans point into line;
 * ev->smtp_code and ev->enhanced come from the reply text (RFC 5321 code, RFC
 * 3463 status), the enhanced status falling back to the dsn field when the
 * reply carries none. On other results *ev is unspecified. A line that
 * ends in '\r' (a log written or copied with CR LF line endings: the line
 * framing keeps the CR) is read without it (trial11: before, the CR ended
 * up in the reply, e.g. "... (in reply to RCPT TO command))\r", and the
 * stage was lost). Leading NUL bytes are skipped too: after a crash the
 * file system may leave a block of them where the log's last writes were
 * lost, and the first line written after the restart follows them on the
 * same "line" (before, that line gave no result: no_prefix).
 */
int
mta_parse_line(const char *line, size_t len, const struct mta_ctx *ctx,
    struct bs_event *ev)
{
	const struct mta_entry *e;
	struct syslog_prefix pfx;
	struct syslog_stamp stamp;
	struct reply_info ri;
	enum bs_reason why = BS_REASON_NO_PREFIX;
	bool exim_log = false, untimed = false;
	int rc;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	while (len > 0 && *line == '\0')
		line++, len--;
	if (ctx->lc != NULL)
		ctx->lc->kind = LC_NONE;
	if ((rc = prefix(line, len, ctx, &pfx, &stamp, &untimed, &exim_log,
		 &why)) != PARSE_OK) {
		ev->reason = why;
		return rc;
	}
	/* A line of Exim's own log names no program: it is Exim's. */
	if ((e = mta_find(&pfx,
		 exim_log && ctx->force == BS_MTA_UNKNOWN ? BS_MTA_EXIM
							  : ctx->force)) ==
		NULL ||
	    e->parse == NULL) {
		ev->reason = BS_REASON_OTHER_PROGRAM;
		return PARSE_SKIP;
	}
	rc = e->parse(&pfx, ev);
	if (ctx->lc != NULL) /* issue 16: message lifecycle */
		lifecycle_hook(e->mta, rc, &pfx, untimed ? &stamp : NULL, ctx);
	if (rc == PARSE_SKIP) {
		/* rsyslog's "message repeated N times: [ msg]" (see
		 * plain_prefix()). */
		ev->reason = pfx.msg.len > 17 && pfx.msg.ptr[0] == 'm' &&
			memcmp(pfx.msg.ptr, "message repeated ", 17) == 0
		    ? BS_REASON_REPEATED
		    : BS_REASON_NOT_RESULT;
		return rc;
	}
	/*
	 * The stamp's time only now, for the few lines that are results
	 * (or malformed ones): a day the year does not have makes the line
	 * one without a syslog prefix, skipped whatever its message.
	 */
	if (untimed && syslog_stamp_time(&stamp, &ctx->syslog, &pfx) == -1) {
		ev->reason = BS_REASON_BAD_DATE;
		return PARSE_SKIP;
	}
	/* 1970 or 9999: skipped, counted, named (bad_time), not stored. */
	if (!time_sane(pfx.time, ctx)) {
		if (ctx->lc != NULL)
			ctx->lc->kind = LC_NONE;
		ev->reason = BS_REASON_BAD_TIME;
		return PARSE_SKIP;
	}
	if (rc != PARSE_OK) {
		ev->reason = BS_REASON_MALFORMED;
		return rc;
	}
	ev->reason = BS_REASON_NONE;
	ev->mta = e->mta;
	ev->time = pfx.time;
	ev->usec = pfx.usec;
	ev->host = pfx.host;
	ev->program = pfx.program;
	reply_parse(ev->reply, &ri);
	ev->smtp_code = ri.code;
	if (ri.enhanced.len > 0)
		ev->enhanced = ri.enhanced;
	else if (reply_is_enhanced(ev->dsn))
		ev->enhanced = ev->dsn;
	else
		ev->enhanced = bs_span_make(ev->dsn.ptr, 0);
	return PARSE_OK;
}
