/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Line framing: bytes in, complete lines out, without copying lines. The
 * caller reads into the space linebuf_space() offers, declares it with
 * linebuf_fill(), then takes lines with linebuf_next() until it returns 0,
 * and repeats. A partial last line stays held until its newline arrives.
 * A line longer than max_line bytes is cut: its first max_line bytes come
 * out once with LINEBUF_CUT set, the rest up to the newline is dropped and
 * counted. NUL bytes at the start of a line (a crash's padding) are
 * dropped before its length is judged, so no line starts with NUL and a
 * block of them longer than max_line does not cut the line after it.
 * Pure and allocation-bounded (one buffer of 2 * max_line plus the
 * block size); fuzzable.
 *
 * Offsets: linebuf_consumed() is the number of input bytes up to and
 * including the newline of the last line returned by linebuf_next(); this is
 * the resume offset that may be committed with the events of those lines.
 * NUL padding after that line does not move it (a resume skips it again).
 */
#ifndef BS_DAEMON_LINEBUF_H
#define BS_DAEMON_LINEBUF_H

#include <stddef.h>
#include <stdint.h>

#define LINEBUF_MAX_LINE_DEFAULT 65536
#define LINEBUF_BLOCK            1048576 /* bytes offered per read */

#define LINEBUF_CUT 0x01 /* the line was longer than max_line and was cut */

struct linebuf;

/* Returns a new buffer (NULL on allocation failure). */
struct linebuf *linebuf_new(size_t max_line);
void linebuf_free(struct linebuf *);

/* Forgets held bytes and restarts counting offsets from start. */
void linebuf_reset(struct linebuf *, int64_t start);

/* Offers writable space: returns a pointer and sets *avail (> 0). */
char *linebuf_space(struct linebuf *, size_t *avail);

/* Declares n bytes written at the pointer linebuf_space() returned. */
void linebuf_fill(struct linebuf *, size_t n);

/*
 * Takes the next complete line (without its newline; a trailing '\r' is
 * kept). Returns 1 and sets *line, *len and *flags, or 0 when no complete line
 * is held. The line is valid until the next linebuf_space() call.
 */
int linebuf_next(
    struct linebuf *, const char **line, size_t *len, unsigned *flags);

/*
 * Takes the held partial line as a line (for the end of an import where
 * the last line has no newline). Returns 1 when there was one, else 0.
 */
int linebuf_take_partial(
    struct linebuf *, const char **line, size_t *len, unsigned *flags);

/* Input offset just after the last line returned (see above). */
int64_t linebuf_consumed(const struct linebuf *);

/* Bytes held that do not yet form a complete line. */
size_t linebuf_pending(const struct linebuf *);

/* Lines cut for length so far, and bytes dropped from them. */
uint64_t linebuf_cut_lines(const struct linebuf *);
uint64_t linebuf_dropped_bytes(const struct linebuf *);

/* NUL bytes skipped at the start of lines so far (see above). */
uint64_t linebuf_padding_bytes(const struct linebuf *);

#endif
