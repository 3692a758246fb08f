/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The one sanitiser of hostile text (see sanitize.c).
 */
#ifndef BS_DAEMON_CORE_SANITIZE_H
#define BS_DAEMON_CORE_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Code points never shown: C1 controls and bidirectional overrides and
 * isolates (which reorder what a reader sees, as in "Trojan Source").
 */
bool sanitize_invisible(uint32_t cp);

/*
 * Sanitises hostile text of len bytes into out (outlen > 0 bytes,
 * NUL-terminated): one line of valid UTF-8, CR, LF and TAB turned into
 * spaces, other control characters and bidirectional overrides removed,
 * runs of white space collapsed, ends trimmed, cut on a character
 * boundary when too long. Returns the length written.
 */
size_t alert_sanitize(char *out, size_t outlen, const char *in, size_t len);

/*
 * A name (domain, provider, DNSBL, host) of len bytes into out (outlen > 0
 * bytes, NUL-terminated), each byte of a control character (tab too), a
 * bidirectional override or invalid UTF-8 as '?', cut on a character
 * boundary: unlike alert_sanitize(), nothing is removed, so that
 * "ex<ESC>ample.com" cannot read as "example.com". Returns the length.
 */
size_t sanitize_name(char *out, size_t outlen, const char *in, size_t len);

/*
 * Writes len bytes of s to fp with tab as a space and each byte of a
 * control character (C0, DEL, C1), a bidirectional override or invalid
 * UTF-8 as '?'. Write errors stay in fp's error indicator.
 */
void fput_sanitized(FILE *fp, const char *s, size_t len);

/*
 * The one width rule of text tables: the columns the UTF-8 character at s
 * (n bytes left) takes on a terminal (East Asian wide and fullwidth: 2;
 * anything else, an invalid byte included: 1), its length in *len.
 */
int display_char_width(const unsigned char *s, size_t n, size_t *len);

/* The columns of the NUL-terminated s, at most max. */
int display_width(const char *s, int max);

#endif
