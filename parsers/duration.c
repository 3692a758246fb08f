/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Durations (see duration.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"

static const struct {
	const char *unit;
	int64_t ms;
} units[] = { { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	{ "d", 86400000 }, { "w", 604800000 } };

#define NUNITS (sizeof(units) / sizeof(units[0]))

/* See duration.h. */
int
duration_parse(const char *s, int64_t bare_ms, int64_t *ms, const char **why)
{
	int64_t total = 0, v, mul;
	size_t i, ulen;
	bool any = false;

	if (strcmp(s, "0") == 0) {
		*ms = 0;
		return 0;
	}
	while (*s != '\0') {
		if (*s < '0' || *s > '9') {
			*why = "expected a number with a unit (ms, s, m, h, "
			       "d, w)";
			return -1;
		}
		for (v = 0; *s >= '0' && *s <= '9'; s++) {
			if (v > (INT64_MAX - 9) / 10) {
				*why = "too large";
				return -1;
			}
			v = v * 10 + (*s - '0');
		}
		for (ulen = 0; s[ulen] >= 'a' && s[ulen] <= 'z'; ulen++)
			;
		if (ulen == 0) {
			if (bare_ms == 0 || any || *s != '\0') {
				*why = "missing unit (ms, s, m, h, d, w)";
				return -1;
			}
			mul = bare_ms;
		} else {
			for (i = 0; i < NUNITS; i++)
				if (strlen(units[i].unit) == ulen &&
				    strncmp(s, units[i].unit, ulen) == 0)
					break;
			if (i == NUNITS) {
				*why = "unknown unit (ms, s, m, h, d, w)";
				return -1;
			}
			mul = units[i].ms;
		}
		if (v > (INT64_MAX - total) / mul) {
			*why = "too large";
			return -1;
		}
		total += v * mul;
		s += ulen;
		any = true;
	}
	if (!any) {
		*why = "empty duration";
		return -1;
	}
	*ms = total;
	return 0;
}

/* See duration.h. */
void
duration_format(char *buf, size_t len, int64_t ms)
{
	size_t i;

	if (ms == 0) {
		snprintf(buf, len, "0");
		return;
	}
	for (i = NUNITS; i-- > 1;)
		if (ms % units[i].ms == 0)
			break;
	snprintf(
	    buf, len, "%lld%s", (long long)(ms / units[i].ms), units[i].unit);
}

/* See duration.h. */
void
duration_human(char *buf, size_t len, int64_t s)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, "%lld s", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lld min", (long long)(s / 60));
	else if (s < 86400)
		snprintf(buf, len,
		    s % 3600 >= 60 ? "%lld h %lld min" : "%lld h",
		    (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(buf, len,
		    s % 86400 >= 3600 ? "%lld d %lld h" : "%lld d",
		    (long long)(s / 86400), (long long)(s % 86400 / 3600));
}
