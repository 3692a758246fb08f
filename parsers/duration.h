/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Durations, one syntax everywhere (--since, --detect, the configuration):
 * one or more <number><unit> with units ms, s, m, h, d, w ("90s", "10m",
 * "1h30m", "2w"), or "0". Pure: no allocation, no locale.
 */
#ifndef BS_PARSERS_DURATION_H
#define BS_PARSERS_DURATION_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parses s into milliseconds. bare_ms: what a number without a unit
 * means (e.g. 1000: seconds), 0 when a unit is required. Returns 0 and
 * *ms, or -1 with *why (a static string) set.
 */
int duration_parse(
    const char *s, int64_t bare_ms, int64_t *ms, const char **why);

/* ms in the syntax above, by its largest exact unit ("10m", "90s"). */
void duration_format(char *buf, size_t len, int64_t ms);

/* secs for people: "45 s", "10 min", "2 h 5 min", "3 d 4 h". */
void duration_human(char *buf, size_t len, int64_t secs);

#endif
