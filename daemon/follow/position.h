/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Input identity: the keys under which an input's position is stored
 * (table `position`, struct store_position), one owner for the daemon's
 * tailer and for `import`, so that content one of them read is never
 * counted again by the other:
 *
 *   file:<path>          a followed file, by name
 *   rotated:<path>       a followed file's rotated predecessor
 *   inode:<dev>:<ino>    a file by identity (rotated, then matched again)
 *   import:<hex>         any input by the hash of its first line
 *   journal:<id>         the systemd journal: <id> is the machine id (the
 *                        local journal) or the directory read; the row's
 *                        path column holds the cursor (journal_input.h)
 */
#ifndef BS_DAEMON_FOLLOW_POSITION_H
#define BS_DAEMON_FOLLOW_POSITION_H

#include <stddef.h>
#include <stdint.h>

#define POSITION_KEY_MAX 64 /* inode: and import: keys, with the NUL */

/* "file:<path>" or "rotated:<path>" into out (len bytes, cut). */
void position_key_file(char *out, size_t len, const char *path, int rotated);

/* "inode:<dev>:<ino>" into out (POSITION_KEY_MAX bytes). */
void position_key_inode(char *out, size_t len, int64_t dev, int64_t ino);

/* "import:<16 hex digits>" of a first line's hash into out. */
void position_key_import(char *out, size_t len, uint64_t head);

/* "journal:<id>" into out (len bytes, cut): id is a machine id or a
 * journal directory. */
void position_key_journal(char *out, size_t len, const char *id);

#endif
