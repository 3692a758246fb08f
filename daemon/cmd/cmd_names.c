/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See cmd_names.h: usage errors that say which names are valid.
 */
#include <stdbool.h>
#include <string.h>

#include "cmd_names.h"
#include "detect.h"
#include "event.h"

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

/* See cmd_names.h. */
const char *
cmd_near_name(const char *given, const char *const *names, size_t n)
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

static void
bad_name(FILE *fp, const char *cmd, const char *what, const char *plural,
    const char *arg, const char *const *names, size_t n)
{
	const char *near = cmd_near_name(arg, names, n);
	size_t i, col, len;

	fprintf(fp, "bouncestat %s: unknown %s: %s", cmd, what, arg);
	if (near != NULL)
		fprintf(fp, " (did you mean %s?)", near);
	/* The list, wrapped to 80 columns. */
	col = (size_t)fprintf(fp, "\n%s:", plural) - 1;
	for (i = 0; i < n; i++) {
		len = strlen(names[i]) + 2;
		if (col + len > 79) {
			fputs("\n ", fp);
			col = 1;
		}
		fprintf(fp, " %s%s", names[i], i + 1 < n ? "," : ".");
		col += len;
	}
	fputc('\n', fp);
}

/* See cmd_names.h. */
void
cmd_bad_class(FILE *fp, const char *cmd, const char *arg)
{
	const char *names[BS_CLASS_COUNT];
	size_t n = 0;
	int c;

	/* In the order of bouncestat(8) CLASSES: unknown last, no "none"
	 * (a delivered result has no failure class). */
	for (c = BS_CLASS_UNKNOWN + 1; c < BS_CLASS_COUNT; c++)
		if (c != BS_CLASS_NONE)
			names[n++] = bs_class_name((enum bs_class)c);
	names[n++] = bs_class_name(BS_CLASS_UNKNOWN);
	bad_name(fp, cmd, "class", "classes", arg, names, n);
}

/* See cmd_names.h. */
void
cmd_bad_kind(FILE *fp, const char *cmd, const char *arg)
{
	const char *names[DETECT_KIND_COUNT];
	size_t n;

	for (n = 0; n < DETECT_KIND_COUNT; n++)
		names[n] = detect_kind_name((enum detect_kind)n);
	bad_name(fp, cmd, "kind", "incident kinds", arg, names, n);
}
