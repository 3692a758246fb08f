/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Strict UTF-8 decoding (RFC 3629), one sequence at a time, for the code
 * that must echo hostile reply text safely: terminal output, JSON, CSV,
 * mail bodies and headers. It only decodes and validates; what to do with
 * a valid code point (strip controls, escape it, measure its width) is the
 * caller's policy. Pure: no I/O, no allocation, no locale.
 */
#ifndef BS_PARSERS_UTF8_H
#define BS_PARSERS_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the sequence at s (n bytes readable): returns its length, 1 to
 * 4, with the code point in *cp, or 0 when it is not valid UTF-8 (bad lead
 * byte, truncated, bad continuation, overlong, surrogate, > U+10FFFF).
 */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

#endif
