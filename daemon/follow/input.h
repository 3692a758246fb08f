/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Reading a finished input, plain or gzip-compressed (detected by its
 * magic bytes, not its name), or standard input, in large blocks into a
 * linebuf. Used by import and parse; the daemon follows files with tail.c.
 */
#ifndef BS_DAEMON_INPUT_H
#define BS_DAEMON_INPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "linebuf.h"

struct input;

/*
 * Opens path ("-" is standard input). Returns NULL with errbuf set (of
 * BS_ERRLEN bytes) on failure.
 */
struct input *input_open(const char *path, char *errbuf);

/* Closes it (not standard input's descriptor). Accepts NULL. */
void input_close(struct input *);

/*
 * Reads the next block into lb. Returns the number of bytes read, 0 at end
 * of input, -1 on error with errbuf set.
 */
ssize_t input_read(struct input *, struct linebuf *lb, char *errbuf);

/* Facts about the input: compressed, device and inode, modification time
 * (0 for stdin), display name. */
bool input_compressed(const struct input *);
bool input_rereadable(const struct input *); /* a regular file */
void input_identity(const struct input *, int64_t *dev, int64_t *ino,
    int64_t *mtime, int64_t *size);
const char *input_name(const struct input *);

#endif
