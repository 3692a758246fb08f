/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See cmd_names.h: usage errors that say which names are valid.
 */
#include <stdbool.h>
#include <string.h>

#include "cmd_names.h"
#include "near_name.h"
#include "detect.h"
#include "event.h"

static void
bad_name(FILE *fp, const char *cmd, const char *what, const char *plural,
    const char *arg, const char *const *names, size_t n)
{
	const char *near = near_name(arg, names, n);
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
