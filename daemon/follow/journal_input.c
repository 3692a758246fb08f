/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See journal_input.h. One sd_journal object for the daemon's life; the
 * read pointer only moves forward, one entry at a time, and the cursor of
 * the entry just read is kept (sd_journal_get_cursor()) before its line is
 * handed to the batch, so that a commit that happens inside the line
 * callback carries that entry's cursor with its counts.
 *
 * Field data returned by sd_journal_get_data() may be unmapped by the next
 * call, so each field is copied into a buffer of the input before the next
 * one is asked for.
 */
#define _DEFAULT_SOURCE /* realpath */

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>

#include "journal_entry.h"
#include "journal_input.h"
#include "linebuf.h"
#include "log.h"
#include "position.h"
#include "util.h"

#define JOURNAL_BUDGET     256 /* entries read per callback */
#define JOURNAL_FIELD_MAX  256 /* bytes kept of host, identifier, pid, unit */
#define JOURNAL_KEY_MAX    (PATH_MAX + 16)
#define JOURNAL_CURSOR_MAX 1024 /* bytes of a stored cursor */

struct journal_input {
	sd_journal *j;
	struct journal_env env;
	char key[JOURNAL_KEY_MAX];
	bool filtered; /* journal_match terms: no MTA filter */
	bool stalled;  /* the batch refused a line: wait for a restart */
	bool dirty;    /* cursor moved since the last commit */
	char *cursor;  /* last entry read (malloc'd by sd-journal) */
	uint64_t realtime;
	uint64_t entries, lines, errors;
	ev_io io_w;
	ev_idle more_w; /* a catch-up continues */
	ev_timer poll_w;
	char host[JOURNAL_FIELD_MAX], ident[JOURNAL_FIELD_MAX];
	char pid[JOURNAL_FIELD_MAX], unit[JOURNAL_FIELD_MAX];
	char *msg;  /* max_line bytes */
	char *line; /* max_line bytes */
};

/* A journal error: counted, logged at 1, 2, 4, 8, ... occurrences. */
static void
jerr(struct journal_input *ji, const char *what, int r)
{
	ji->errors++;
	if ((ji->errors & (ji->errors - 1)) == 0)
		log_warnx("journal: %s: %s: %s (errors=%" PRIu64 ")", ji->key,
		    what, strerror(r < 0 ? -r : r), ji->errors);
}

static void
fmt_usec(char *buf, size_t len, uint64_t usec)
{
	time_t t = (time_t)(usec / 1000000);
	struct tm tm;

	if (usec == 0 || gmtime_r(&t, &tm) == NULL)
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The value of field of the current entry, copied into buf (cut at cap);
 * an empty span when it is absent or unreadable (counted). */
static struct bs_span
get_field(struct journal_input *ji, const char *field, char *buf, size_t cap)
{
	size_t flen = strlen(field), n;
	const void *d;
	size_t l;
	int r;

	r = sd_journal_get_data(ji->j, field, &d, &l);
	if (r < 0) {
		if (r != -ENOENT)
			jerr(ji, field, r);
		return bs_span_make(buf, 0);
	}
	if (l <= flen + 1)
		return bs_span_make(buf, 0);
	n = l - flen - 1;
	if (n > cap)
		n = cap;
	memcpy(buf, (const char *)d + flen + 1, n);
	return bs_span_make(buf, n);
}

/* Either field's value: the first that is present. */
static struct bs_span
get_field2(struct journal_input *ji, const char *f1, const char *f2, char *buf,
    size_t cap)
{
	struct bs_span s = get_field(ji, f1, buf, cap);

	return s.len > 0 ? s : get_field(ji, f2, buf, cap);
}

/* The current entry's cursor and time become the position to commit;
 * -1 (counted) when they cannot be read. */
static int
note_position(struct journal_input *ji)
{
	char *cur = NULL;
	uint64_t usec;
	int r;

	if ((r = sd_journal_get_realtime_usec(ji->j, &usec)) < 0) {
		jerr(ji, "entry time", r);
		return -1;
	}
	if ((r = sd_journal_get_cursor(ji->j, &cur)) < 0) {
		jerr(ji, "cursor", r);
		return -1;
	}
	free(ji->cursor);
	ji->cursor = cur;
	ji->realtime = usec;
	ji->dirty = true;
	return 0;
}

/* The current entry: position noted, line handed on when it is mail.
 * 0, or -1 when the batch refused the line. */
static int
handle_entry(struct journal_input *ji)
{
	struct journal_entry e;
	size_t len;
	bool cut;

	if (note_position(ji) == -1)
		return 0;
	ji->entries++;
	memset(&e, 0, sizeof(e));
	e.realtime = ji->realtime;
	e.ident = get_field2(
	    ji, "SYSLOG_IDENTIFIER", "_COMM", ji->ident, sizeof(ji->ident));
	if (!ji->filtered &&
	    !journal_entry_is_mail(
		get_field(ji, "_SYSTEMD_UNIT", ji->unit, sizeof(ji->unit)),
		e.ident)) {
		ji->env.dirty_fn(ji->env.arg);
		return 0;
	}
	e.msg = get_field(ji, "MESSAGE", ji->msg, ji->env.max_line);
	if (e.msg.len == 0) {
		ji->env.dirty_fn(ji->env.arg);
		return 0;
	}
	e.host = get_field(ji, "_HOSTNAME", ji->host, sizeof(ji->host));
	e.pid = get_field2(ji, "SYSLOG_PID", "_PID", ji->pid, sizeof(ji->pid));
	if ((len = journal_entry_line(&e, ji->line, ji->env.max_line, &cut)) ==
	    0) {
		jerr(ji, "entry too long for max_line", E2BIG);
		ji->env.dirty_fn(ji->env.arg);
		return 0;
	}
	if (ji->env.line_fn(
		ji->env.arg, ji->line, len, cut ? LINEBUF_CUT : 0) == -1) {
		ji->stalled = true;
		return -1;
	}
	ji->lines++;
	return 0;
}

/* Reads up to JOURNAL_BUDGET entries: 1 when more may follow, 0 at the
 * end, -1 on an error or a refused line. */
static int
read_some(struct journal_input *ji)
{
	int i, r;

	for (i = 0; i < JOURNAL_BUDGET; i++) {
		if ((r = sd_journal_next(ji->j)) == 0)
			return 0;
		if (r < 0) {
			jerr(ji, "reading", r);
			return -1;
		}
		if (handle_entry(ji) == -1)
			return -1;
	}
	return 1;
}

static void
read_more(struct journal_input *ji)
{
	if (ji->stalled || ji->j == NULL)
		return;
	if (read_some(ji) == 1)
		ev_idle_start(ji->env.loop, &ji->more_w);
	else
		ev_idle_stop(ji->env.loop, &ji->more_w);
}

static void
wake(struct journal_input *ji)
{
	int r;

	if ((r = sd_journal_process(ji->j)) < 0)
		jerr(ji, "process", r);
	read_more(ji);
}

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	wake(w->data);
}

static void
poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	wake(w->data);
}

static void
more_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	(void)loop;
	(void)revents;
	read_more(w->data);
}

/* Adds one journal_match value: blank-separated FIELD=VALUE terms. */
static int
add_match(struct journal_input *ji, const char *value)
{
	char *copy = xstrdup(value), *term, *save = NULL;
	int r, n = 0;

	for (term = strtok_r(copy, " \t", &save); term != NULL;
	     term = strtok_r(NULL, " \t", &save)) {
		if ((r = sd_journal_add_match(ji->j, term, 0)) < 0) {
			log_warnx("journal: journal_match %s: %s", term,
			    strerror(-r));
			free(copy);
			return -1;
		}
		n++;
	}
	free(copy);
	if (n == 0) {
		log_warnx("journal: journal_match: empty value");
		return -1;
	}
	if ((r = sd_journal_add_disjunction(ji->j)) < 0) {
		log_warnx("journal: journal_match %s: %s", value, strerror(-r));
		return -1;
	}
	return 0;
}

/* See journal_input.h. */
/*
 * A journal without a single file (journald not running, as in a
 * container, or a --journal-dir that names the wrong directory) opens
 * without an error and yields nothing for ever: say so once at start.
 * The files may still come (journald starting later): keep following.
 */
static void
warn_if_no_files(struct journal_input *ji, const char *dir)
{
	uint64_t bytes = 0;
	int r;

	if ((r = sd_journal_get_usage(ji->j, &bytes)) < 0 || bytes > 0)
		return;
	if (dir != NULL)
		log_warnx("journal: %s: no journal files in %s; waiting for "
			  "them",
		    ji->key, dir);
	else
		log_warnx("journal: %s: no journal files in /run/log/journal "
			  "or /var/log/journal (is systemd-journald running?); "
			  "waiting for them; if the MTA logs elsewhere, give "
			  "--follow PATH or --stdin",
		    ji->key);
}

struct journal_input *
journal_input_new(const char *dir, char *const *matches, size_t nmatch,
    const struct journal_env *env)
{
	struct journal_input *ji;
	char idbuf[SD_ID128_STRING_MAX], real[PATH_MAX];
	sd_id128_t id;
	size_t i;
	int r, fd;

	ji = xcalloc(1, sizeof(*ji));
	ji->env = *env;
	ji->msg = xmalloc(env->max_line);
	ji->line = xmalloc(env->max_line);
	if (dir != NULL) {
		if (realpath(dir, real) == NULL) {
			log_warn("journal: %s", dir);
			goto fail;
		}
		position_key_journal(ji->key, sizeof(ji->key), real);
		r = sd_journal_open_directory(&ji->j, real, 0);
	} else {
		if ((r = sd_id128_get_machine(&id)) < 0) {
			log_warnx("journal: machine id: %s", strerror(-r));
			goto fail;
		}
		position_key_journal(
		    ji->key, sizeof(ji->key), sd_id128_to_string(id, idbuf));
		r = sd_journal_open(
		    &ji->j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
	}
	if (r < 0) {
		ji->j = NULL;
		log_warnx("journal: %s: cannot open: %s",
		    dir != NULL ? dir : "local journal", strerror(-r));
		goto fail;
	}
	warn_if_no_files(ji, dir);
	/* Entries up to max_line, not the default 64 KiB. */
	if ((r = sd_journal_set_data_threshold(ji->j, env->max_line + 64)) < 0)
		log_warnx("journal: data threshold: %s", strerror(-r));
	for (i = 0; i < nmatch; i++)
		if (add_match(ji, matches[i]) == -1)
			goto fail;
	ji->filtered = nmatch > 0;
	/* Asked for right after opening, so that no change is missed. */
	if ((fd = sd_journal_get_fd(ji->j)) < 0) {
		log_warnx("journal: %s: no descriptor to watch: %s", ji->key,
		    strerror(-fd));
		goto fail;
	}
	ev_io_init(&ji->io_w, io_cb, fd, EV_READ);
	ev_idle_init(&ji->more_w, more_cb);
	ev_timer_init(
	    &ji->poll_w, poll_cb, env->poll_interval, env->poll_interval);
	ji->io_w.data = ji->more_w.data = ji->poll_w.data = ji;
	return ji;
fail:
	journal_input_free(ji);
	return NULL;
}

/* See journal_input.h. */
void
journal_input_free(struct journal_input *ji)
{
	if (ji == NULL)
		return;
	if (ji->j != NULL) {
		journal_input_stop(ji);
		sd_journal_close(ji->j);
	}
	free(ji->cursor);
	free(ji->msg);
	free(ji->line);
	free(ji);
}

/* See journal_input.h. */
const char *
journal_input_key(const struct journal_input *ji)
{
	return ji->key;
}

/* Positions the read pointer after the committed entry (see .h). */
static void
seek_committed(struct journal_input *ji, const struct store_position *pos)
{
	char when[32];
	int r;

	free(ji->cursor);
	ji->cursor = xstrdup(pos->path);
	ji->realtime = (uint64_t)pos->offset;
	if ((r = sd_journal_seek_cursor(ji->j, pos->path)) >= 0 &&
	    (r = sd_journal_next(ji->j)) > 0 &&
	    (r = sd_journal_test_cursor(ji->j, pos->path)) > 0) {
		log_info(
		    "journal: %s: resuming after the committed entry", ji->key);
		return; /* counted: the next sd_journal_next() moves on */
	}
	if (r < 0)
		jerr(ji, "seeking the committed cursor", r);
	fmt_usec(when, sizeof(when), ji->realtime);
	log_warnx("journal: %s: the committed entry (%s) is no longer in the "
		  "journal (rotated or vacuumed); reading from the oldest "
		  "entry after it",
	    ji->key, when);
	if ((r = sd_journal_seek_realtime_usec(ji->j, ji->realtime + 1)) < 0)
		jerr(ji, "seeking by time", r);
}

/* See journal_input.h. */
int
journal_input_start(struct journal_input *ji, struct store *st)
{
	struct store_position pos;
	char buf[JOURNAL_CURSOR_MAX + JOURNAL_KEY_MAX];
	int r;

	journal_input_stop(ji);
	ji->stalled = false;
	ji->dirty = false;
	if ((r = store_get_position(st, ji->key, &pos, buf, sizeof(buf))) == -1)
		return -1;
	if (r == 1 && pos.path[0] != '\0')
		seek_committed(ji, &pos);
	else if (ji->env.start_at_end) {
		if ((r = sd_journal_seek_tail(ji->j)) < 0 ||
		    (r = sd_journal_previous(ji->j)) < 0)
			jerr(ji, "seeking the end", r);
		else if (r > 0 && note_position(ji) == 0)
			ji->env.dirty_fn(ji->env.arg);
		log_info("journal: %s: no stored position; starting at the "
			 "end (start_at end)",
		    ji->key);
	} else {
		if ((r = sd_journal_seek_head(ji->j)) < 0)
			jerr(ji, "seeking the head", r);
		log_info("journal: %s: no stored position; reading from the "
			 "oldest entry",
		    ji->key);
	}
	ev_io_start(ji->env.loop, &ji->io_w);
	ev_timer_start(ji->env.loop, &ji->poll_w);
	ev_idle_start(ji->env.loop, &ji->more_w);
	return 0;
}

/* See journal_input.h. */
void
journal_input_stop(struct journal_input *ji)
{
	ev_io_stop(ji->env.loop, &ji->io_w);
	ev_idle_stop(ji->env.loop, &ji->more_w);
	ev_timer_stop(ji->env.loop, &ji->poll_w);
}

/* See journal_input.h. */
int
journal_input_put_position(struct journal_input *ji, int64_t now,
    int (*put)(void *arg, const struct store_position *pos), void *arg)
{
	struct store_position pos;

	if (!ji->dirty || ji->cursor == NULL)
		return 0;
	if (strlen(ji->cursor) >= JOURNAL_CURSOR_MAX) {
		jerr(ji, "cursor too long to store", E2BIG);
		ji->dirty = false;
		return 0;
	}
	memset(&pos, 0, sizeof(pos));
	pos.key = ji->key;
	pos.path = ji->cursor;
	pos.offset = (int64_t)ji->realtime;
	pos.last_event = (int64_t)(ji->realtime / 1000000);
	pos.updated = now;
	if (put(arg, &pos) == -1)
		return -1;
	ji->dirty = false;
	return 0;
}

/* See journal_input.h. */
void
journal_input_info(
    const struct journal_input *ji, struct journal_input_info *out)
{
	out->key = ji->key;
	out->cursor = ji->cursor != NULL ? ji->cursor : "";
	out->realtime = ji->realtime;
	out->entries = ji->entries;
	out->lines = ji->lines;
	out->errors = ji->errors;
}
