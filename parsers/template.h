/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Pure text normalisers for replies: the keys replies are grouped by.
 * template_normalize() is the key of `report --unknown` (and of the
 * sample rows of unclassified replies); template_reply() is the sample
 * key of classified replies in the store. Both are pure: no allocation,
 * no locale (ASCII only), any bytes accepted, output bounded by the
 * caller's buffer.
 */
#ifndef BS_PARSERS_TEMPLATE_H
#define BS_PARSERS_TEMPLATE_H

#include <stddef.h>

/*
 * Normalizes a reply for grouping: the leading SMTP code and enhanced
 * status are kept, addresses become "*@*", numbers and hex ids (runs of
 * hex digits holding a digit) become "#", other digit runs inside words
 * "#", and whitespace runs one space. Writes at most outlen - 1 bytes and
 * a NUL to out; returns the length written.
 */
size_t template_normalize(const char *s, size_t len, char *out, size_t outlen);

/*
 * The template of a reply: each word (a run of bytes between spaces and
 * the delimiters []<>(),;:"'=&) holding a digit or an '@' becomes one
 * byte 0x01, other bytes stay. Writes at most outlen bytes (no NUL) to
 * out; returns the length written.
 */
size_t template_reply(const char *s, size_t len, char *out, size_t outlen);

#endif
