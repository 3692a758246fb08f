/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See near_name.h: the valid name a misspelt one most likely meant.
 */
#include <stdbool.h>
#include <string.h>

#include "near_name.h"

/* The next byte of s at *i that is not '_' or '-', lower-cased; 0 at the
 * end. */
static char
norm_next(const char *s, size_t *i)
{
	char c;

	while (s[*i] == '_' || s[*i] == '-')
		(*i)++;
	if ((c = s[*i]) == '\0')
		return 0;
	(*i)++;
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool
norm_equal(const char *a, const char *b)
{
	size_t i = 0, j = 0;
	char x, y;

	do {
		x = norm_next(a, &i);
		y = norm_next(b, &j);
		if (x != y)
			return false;
	} while (x != 0);
	return true;
}

/* The Levenshtein distance of a and b (3 when either is over 32 bytes). */
static size_t
edits(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d[33], diag, up;

	if (la > 32 || lb > 32)
		return 3;
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		diag = d[0];
		d[0] = i;
		for (j = 1; j <= lb; j++) {
			up = d[j];
			d[j] = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < d[j])
				d[j] = up + 1;
			if (d[j - 1] + 1 < d[j])
				d[j] = d[j - 1] + 1;
			diag = up;
		}
	}
	return d[lb];
}

/* See near_name.h. */
const char *
near_name(const char *given, const char *const *names, size_t n)
{
	const char *one = NULL;
	size_t i, glen = strlen(given), len;
	int found = 0;

	for (i = 0; i < n; i++)
		if (norm_equal(given, names[i]))
			return names[i];
	if (glen < 3)
		return NULL;
	for (i = 0; i < n; i++) {
		len = strlen(names[i]);
		if ((glen < len && strncmp(names[i], given, glen) == 0) ||
		    (len < glen && strncmp(given, names[i], len) == 0)) {
			one = names[i];
			found++;
		}
	}
	if (found == 1)
		return one;
	/* A typo: the only name at most two edits away ("reprot"). */
	one = NULL;
	found = 0;
	for (i = 0; glen >= 4 && i < n; i++)
		if (edits(given, names[i]) <= 2) {
			one = names[i];
			found++;
		}
	return found == 1 ? one : NULL;
}
