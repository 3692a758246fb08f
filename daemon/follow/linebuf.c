/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See linebuf.h. One buffer: [start, scan) is the held partial line,
 * [scan, end) the bytes not yet scanned, [end, cap) the free space.
 * Lines are returned in place; compaction moves only the held tail, so
 * the cost per byte is one memchr. While a too-long line is being
 * discarded, bytes up to its newline are dropped as they arrive: memory
 * stays bounded by max_line + LINEBUF_BLOCK whatever the input.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "linebuf.h"

struct linebuf {
	char *buf;
	size_t cap;
	size_t max_line;
	size_t start; /* first byte of the current (partial) line */
	size_t scan;  /* bytes before this are known to hold no newline */
	size_t end;   /* end of data */
	int64_t base; /* input offset of buf[0] */
	int64_t consumed;
	bool discarding; /* inside the rest of a cut line */
	uint64_t cut_lines;
	uint64_t dropped;
	uint64_t padding; /* leading NUL bytes skipped */
};

/* Returns a new line buffer for lines of at most max_line bytes. */
struct linebuf *
linebuf_new(size_t max_line)
{
	struct linebuf *lb;

	if (max_line == 0)
		max_line = LINEBUF_MAX_LINE_DEFAULT;
	if ((lb = calloc(1, sizeof(*lb))) == NULL)
		return NULL;
	lb->max_line = max_line;
	lb->cap = max_line + LINEBUF_BLOCK;
	if ((lb->buf = malloc(lb->cap)) == NULL) {
		free(lb);
		return NULL;
	}
	return lb;
}

void
linebuf_free(struct linebuf *lb)
{
	if (lb == NULL)
		return;
	free(lb->buf);
	free(lb);
}

/* Drops everything held; the next byte filled is at input offset start. */
void
linebuf_reset(struct linebuf *lb, int64_t start)
{
	lb->start = lb->scan = lb->end = 0;
	lb->base = lb->consumed = start;
	lb->discarding = false;
}

/*
 * Offers free space, first moving the held partial line to the front of
 * the buffer. Invalidates lines returned before.
 */
char *
linebuf_space(struct linebuf *lb, size_t *avail)
{
	if (lb->start > 0) {
		memmove(lb->buf, lb->buf + lb->start, lb->end - lb->start);
		lb->base += (int64_t)lb->start;
		lb->scan -= lb->start;
		lb->end -= lb->start;
		lb->start = 0;
	}
	*avail = lb->cap - lb->end;
	return lb->buf + lb->end;
}

void
linebuf_fill(struct linebuf *lb, size_t n)
{
	lb->end += n;
}

/*
 * trial11: a crash may leave a block of NUL bytes where a log's last
 * writes were lost, the next line written right after it. Leading NULs
 * are padding, not content: a line loses them here, before its length
 * is judged, so a block longer than max_line does not cut the line after
 * it (and no line starts with NUL). The resume offset does not move past
 * them until a line after them is returned: it stays where the last line
 * ended, which is what import's and the daemon's fingerprints of the
 * bytes before it describe (review15: import stored an offset past
 * trailing padding, its last line ending before it, took the grown file
 * as changed and counted it twice). A resume there skips them again.
 */
static void
skip_nul_padding(struct linebuf *lb)
{
	size_t s = lb->start;

	while (s < lb->end && lb->buf[s] == '\0')
		s++;
	if (s == lb->start)
		return;
	lb->padding += s - lb->start;
	lb->start = s;
	if (lb->scan < s)
		lb->scan = s;
}

/* linebuf_next() but for its common case (see there). */
__attribute__((noinline)) static int
next_slow(struct linebuf *lb, const char **line, size_t *len, unsigned *flags)
{
	char *nl;
	size_t l;

	for (;;) {
		if (!lb->discarding)
			skip_nul_padding(lb);
		nl = memchr(lb->buf + lb->scan, '\n', lb->end - lb->scan);
		if (nl == NULL) {
			lb->scan = lb->end;
			l = lb->end - lb->start;
			if (lb->discarding) {
				/* Drop what arrived of the cut line's rest. */
				lb->dropped += l;
				lb->start = lb->scan = lb->end;
				lb->consumed = lb->base + (int64_t)lb->end;
				return 0;
			}
			if (l > lb->max_line) {
				/* Too long: return its head now, cut. */
				*line = lb->buf + lb->start;
				*len = lb->max_line;
				*flags = LINEBUF_CUT;
				lb->cut_lines++;
				lb->dropped += l - lb->max_line;
				lb->discarding = true;
				lb->start = lb->scan = lb->end;
				/*
				 * The head is accounted for: a resume from
				 * here sees the rest as a line of its own
				 * (skipped), never the head twice.
				 */
				lb->consumed = lb->base + (int64_t)lb->end;
				return 1;
			}
			return 0;
		}
		l = (size_t)(nl - (lb->buf + lb->start));
		if (lb->discarding) {
			lb->dropped += l;
			lb->discarding = false;
			lb->start = lb->scan = (size_t)(nl - lb->buf) + 1;
			lb->consumed = lb->base + (int64_t)lb->start;
			continue;
		}
		*line = lb->buf + lb->start;
		*flags = 0;
		if (l > lb->max_line) {
			*flags = LINEBUF_CUT;
			lb->cut_lines++;
			lb->dropped += l - lb->max_line;
			l = lb->max_line;
		}
		*len = l;
		lb->start = lb->scan = (size_t)(nl - lb->buf) + 1;
		lb->consumed = lb->base + (int64_t)lb->start;
		return 1;
	}
}

int
linebuf_next(
    struct linebuf *lb, const char **line, size_t *len, unsigned *flags)
{
	char *nl;
	size_t l;

	/*
	 * Issue 14: a whole line, nothing being discarded, no cut, no
	 * leading NUL: what
	 * next_slow()'s first turn does for it, in a function that saves
	 * few registers (it runs for every line).
	 */
	if (!lb->discarding &&
	    (nl = memchr(lb->buf + lb->scan, '\n', lb->end - lb->scan)) !=
		NULL &&
	    (l = (size_t)(nl - (lb->buf + lb->start))) <= lb->max_line &&
	    lb->buf[lb->start] != '\0') {
		*line = lb->buf + lb->start;
		*flags = 0;
		*len = l;
		lb->start = lb->scan = (size_t)(nl - lb->buf) + 1;
		lb->consumed = lb->base + (int64_t)lb->start;
		return 1;
	}
	return next_slow(lb, line, len, flags);
}

int
linebuf_take_partial(
    struct linebuf *lb, const char **line, size_t *len, unsigned *flags)
{
	size_t l;

	if (!lb->discarding)
		skip_nul_padding(lb);
	l = lb->end - lb->start;
	if (lb->discarding) {
		lb->discarding = false;
		lb->start = lb->scan = lb->end;
		lb->consumed = lb->base + (int64_t)lb->end;
		return 0;
	}
	if (l == 0)
		return 0;
	*line = lb->buf + lb->start;
	*flags = 0;
	if (l > lb->max_line) {
		*flags = LINEBUF_CUT;
		lb->cut_lines++;
		lb->dropped += l - lb->max_line;
		l = lb->max_line;
	}
	*len = l;
	lb->start = lb->scan = lb->end;
	lb->consumed = lb->base + (int64_t)lb->end;
	return 1;
}

int64_t
linebuf_consumed(const struct linebuf *lb)
{
	return lb->consumed;
}

size_t
linebuf_pending(const struct linebuf *lb)
{
	return lb->end - lb->start;
}

uint64_t
linebuf_cut_lines(const struct linebuf *lb)
{
	return lb->cut_lines;
}

uint64_t
linebuf_dropped_bytes(const struct linebuf *lb)
{
	return lb->dropped;
}

uint64_t
linebuf_padding_bytes(const struct linebuf *lb)
{
	return lb->padding;
}
