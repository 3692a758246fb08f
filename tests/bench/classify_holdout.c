/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Generalisation of the built-in rules (not a test): classifies every row
 * of labelled reply files (tests/data/replies/holdout.tsv: class, context,
 * reply, provenance; no rule is written from that file) the way
 * `bouncestat classify` does, and prints the accuracy overall and per
 * expected class. With -v it also lists every miss with the class and
 * rule it got. Usage: classify_holdout [-v] FILE.tsv...
 * Exit status: 0, or 1 when a file cannot be read or the rules do not
 * load.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"

struct tally {
	unsigned rows, right;
};

static struct classifier *
load_defaults(void)
{
	const struct bs_blob *b;
	struct classifier *c;
	char err[BS_ERRLEN];

	if ((c = classify_new()) == NULL)
		return NULL;
	for (b = classify_defaults(); b->name != NULL; b++)
		if (classify_add_rules(c, b->name, b->data, b->len, err) != 0)
			goto fail;
	if (classify_compile(c, err) != 0)
		goto fail;
	return c;
fail:
	fprintf(stderr, "classify_holdout: %s\n", err);
	classify_free(c);
	return NULL;
}

/* Classifies the rows of one file into t (indexed by expected class). */
static int
run_file(struct classifier *c, const char *path, bool verbose, struct tally *t)
{
	struct classify_result res;
	enum bs_class want;
	char *buf = NULL, *cls, *text, *p;
	size_t cap = 0, len;
	int line = 0;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL) {
		perror(path);
		return -1;
	}
	while (getline(&buf, &cap, fp) != -1) {
		line++;
		len = strcspn(buf, "\r\n");
		buf[len] = '\0';
		if (len == 0 || buf[0] == '#')
			continue;
		cls = buf;
		if ((p = strchr(cls, '\t')) == NULL ||
		    (text = strchr(p + 1, '\t')) == NULL) {
			fprintf(stderr, "%s:%d: bad row\n", path, line);
			continue;
		}
		*p = '\0';
		text++;
		if ((p = strchr(text, '\t')) != NULL)
			*p = '\0';
		if (bs_class_from_name(cls, strlen(cls), &want) == -1) {
			fprintf(stderr, "%s:%d: unknown class %s\n", path, line,
			    cls);
			continue;
		}
		classify_text(c, text, strlen(text), NULL, &res);
		t[want].rows++;
		if (res.cls == want)
			t[want].right++;
		else if (verbose)
			printf("miss %s:%d: want %s got %s (%s): %s\n", path,
			    line, cls, bs_class_name(res.cls),
			    *res.rule ? res.rule : "-", text);
	}
	free(buf);
	fclose(fp);
	return 0;
}

int
main(int argc, char **argv)
{
	struct tally t[BS_CLASS_COUNT], all = { 0, 0 };
	struct classifier *c;
	bool verbose = false;
	int i, k, rc = 0;

	memset(t, 0, sizeof(t));
	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		verbose = true;
		argc--;
		argv++;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: classify_holdout [-v] FILE.tsv...\n");
		return 2;
	}
	if ((c = load_defaults()) == NULL)
		return 1;
	for (i = 1; i < argc; i++)
		if (run_file(c, argv[i], verbose, t) == -1)
			rc = 1;
	classify_free(c);
	printf("%-18s %6s %6s %7s\n", "class", "rows", "right", "acc");
	for (k = 0; k < BS_CLASS_COUNT; k++) {
		if (t[k].rows == 0)
			continue;
		all.rows += t[k].rows;
		all.right += t[k].right;
		printf("%-18s %6u %6u %6.1f%%\n",
		    bs_class_name((enum bs_class)k), t[k].rows, t[k].right,
		    100.0 * t[k].right / t[k].rows);
	}
	printf("%-18s %6u %6u %6.1f%%\n", "overall", all.rows, all.right,
	    all.rows ? 100.0 * all.right / all.rows : 0.0);
	return rc;
}
