/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * JSON string output for the commands' --format json (RFC 8259 section
 * 7). Strings come from remote servers and are hostile: whatever bytes
 * they hold, the output is one valid UTF-8 JSON string that cannot end a
 * line or move a terminal's cursor when printed raw.
 */
#ifndef BS_DAEMON_JSON_H
#define BS_DAEMON_JSON_H

#include <stddef.h>
#include <stdio.h>

/*
 * Writes len bytes of s to fp as a quoted JSON string: '"' and '\' escaped
 * with a backslash; C0 controls, DEL, C1 controls and U+2028/U+2029 as
 * \uXXXX; invalid UTF-8 as \ufffd, one per byte.
 */
void json_put_str(FILE *fp, const char *s, size_t len);

/* json_put_str() of a NUL-terminated string; NULL is written as "". */
void json_put_cstr(FILE *fp, const char *s);

/* json_put_str() of a NUL-terminated string; NULL or "" as null. */
void json_put_cstr_or_null(FILE *fp, const char *s);

#endif
