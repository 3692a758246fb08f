/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Input identity keys (see position.h).
 */
#include <inttypes.h>
#include <stdio.h>

#include "position.h"

/* See position.h. */
void
position_key_file(char *out, size_t len, const char *path, int rotated)
{
	snprintf(out, len, "%s:%s", rotated ? "rotated" : "file", path);
}

/* See position.h. */
void
position_key_inode(char *out, size_t len, int64_t dev, int64_t ino)
{
	snprintf(out, len, "inode:%lld:%lld", (long long)dev, (long long)ino);
}

/* See position.h. */
void
position_key_journal(char *out, size_t len, const char *id)
{
	snprintf(out, len, "journal:%s", id);
}

/* See position.h. */
void
position_key_import(char *out, size_t len, uint64_t head)
{
	snprintf(out, len, "import:%016" PRIx64, head);
}
