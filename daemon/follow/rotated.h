/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Rotated copies that were compressed: a followed file renamed and then
 * gzip-compressed while the daemon was down (logrotate's `compress`
 * without `delaycompress`, `postfix logrotate` with
 * maillog_file_compressor = gzip). rotated_unpack() turns such a copy
 * back into a file the tailer reads like any other: an unnamed
 * temporary file (O_TMPFILE in $TMPDIR, else /var/tmp: disk, not the
 * daemon's memory; a memfd where that cannot be made) holding, at their
 * offsets in the uncompressed stream, its first bytes and everything
 * from shortly before the offset to resume at, with a hole in between (a
 * sparse file: the part already counted takes no room). Offsets,
 * fingerprints and positions are therefore those of the uncompressed
 * stream, as `import` sees them.
 *
 * Only gzip (zlib, detected by its magic bytes, not its name): bzip2, xz
 * and zstd copies are recognised by their magic and reported as not
 * readable, never silently skipped.
 *
 * Not here: choosing which sibling to try and checking the stored
 * fingerprints (tail.c).
 */
#ifndef BS_DAEMON_FOLLOW_ROTATED_H
#define BS_DAEMON_FOLLOW_ROTATED_H

#include <stdint.h>

/* Bytes kept before the resume offset: enough for the fingerprint
 * windows of tail.c and for the last line `import` fingerprints. */
#define ROTATED_KEEP_BEFORE (65536 + 2)
/* Bytes kept from the start: the head fingerprint and import's
 * first-line identity. */
#define ROTATED_KEEP_HEAD   4096

enum rotated_kind {
	ROTATED_PLAIN,  /* not compressed (or too short to tell) */
	ROTATED_GZIP,   /* readable here */
	ROTATED_OTHER,  /* bzip2, xz or zstd: not readable here */
	ROTATED_UNKNOWN /* could not be opened or read */
};

/*
 * The compression of the file open as fd, by its first bytes (read with
 * pread, the file offset is not moved). *what is set to a name for
 * messages ("gzip", "bzip2", "xz", "zstd"), NULL for plain files.
 */
enum rotated_kind rotated_kind(int fd, const char **what);

/*
 * Decompresses the gzip file open as gzfd (not closed, not moved: it is
 * duplicated) into a new unnamed file (above) that holds the
 * uncompressed bytes [0, ROTATED_KEEP_HEAD) and
 * [keep_from - ROTATED_KEEP_BEFORE, end) at their offsets. When
 * head_len > 0 the first head_len uncompressed bytes must hash
 * (tail_fingerprint) to head, checked as soon as they are there, so that
 * other generations are given up after a few bytes. Returns its
 * descriptor (caller closes it) with *size the uncompressed size; -2
 * when the head does not match; -1 on error with errbuf (BS_ERRLEN
 * bytes) set.
 */
int rotated_unpack(int gzfd, int64_t keep_from, uint64_t head, int64_t head_len,
    int64_t *size, char *errbuf);

#endif
