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

#include <stdbool.h>
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

/* The shortest run of letters and digits template_mask_ids() masks. */
#define TEMPLATE_ID_MIN 10

/*
 * Identifiers in a reply: every run of at least TEMPLATE_ID_MIN ASCII
 * letters and digits that holds both (queue and message ids, tracking
 * tokens, hex and base64 strings: "SN4PEPF0000BFA",
 * "a640e7d6a1bc4-00ca524a46asi8720519a66"). When s[0..len) has one,
 * copies it to out (len bytes of room) with each such run's bytes made
 * 'x' and returns true; else returns false and leaves out alone. The
 * length and every other byte are kept, so offsets into out are offsets
 * into s. The classifier reads replies so (issue 14: replies that differ
 * only in ids are one template; no rule can match inside an id).
 */
bool template_mask_ids(const char *s, size_t len, char *out);

#endif
