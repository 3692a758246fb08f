/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Generalisation of the built-in rules (not a test): classifies every row
 * of labelled reply files (tests/data/replies/holdout.tsv: class, context,
 * reply, provenance; no rule is written from that file) the way
 * `bouncestat classify` does, and prints the accuracy overall and per
 * expected class. With -v it also lists every miss with the class and
 * rule it got. The built-in model (classify_model.h) is used as
 * `bouncestat classify` uses it; -n: rules only; -m FILE: this model
 * file instead; -R DIR: the DIR/ *.rules files (in name order) instead of
 * the built-in rules (to measure older rules); -d: one line per row
 * (file:line, want, got, rule, evidence, code, enhanced status
 * class.subject.detail, wrapper kind, the reply found in the text) for
 * tests/model/train_model.py; -F MODEL (with -d): one more column, the
 * reply's word, pair and n-gram features as MODEL's scoring reads them
 * from the classifier (ids masked: template_mask_ids();
 * classify_model_text_features(), separated by spaces; the trainer's
 * copy of the feature code is checked against it).
 * Usage: classify_holdout [-v] [-d [-F MODEL]] [-n | -m FILE] [-R DIR]
 * FILE.tsv...
 * Exit status: 0, or 1 when a file cannot be read or the rules or the
 * model do not load.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"
#include "classify_model.h"
#include "template.h"

struct tally {
	unsigned rows, right;
};

static bool dump;
static struct classify_model *feat_model; /* -F */

static void
put_feature(void *arg, const char *name, size_t len)
{
	bool *first = arg;

	printf("%s%.*s", *first ? "" : " ", (int)len, name);
	*first = false;
}

/*
 * -F: the features of the reply the classifier found, as the classifier
 * hands it to the model (its first 1024 bytes, ids masked:
 * template_mask_ids()).
 */
static void
put_features(const struct classify_result *res)
{
	char masked[1024];
	const char *s = res->reply.ptr != NULL ? res->reply.ptr : "";
	size_t n =
	    res->reply.len < sizeof(masked) ? res->reply.len : sizeof(masked);
	bool first = true;

	putchar('\t');
	if (template_mask_ids(s, n, masked))
		s = masked;
	classify_model_text_features(feat_model, s, n, put_feature, &first);
}

/* Reads a whole file (caller frees); NULL on error (reported). */
static char *
slurp(const char *path, size_t *len)
{
	FILE *fp;
	char *buf = NULL;
	size_t cap = 0, n;

	*len = 0;
	if ((fp = fopen(path, "r")) == NULL) {
		perror(path);
		return NULL;
	}
	do {
		if (*len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			if (buf == NULL)
				abort();
		}
		n = fread(buf + *len, 1, cap - *len - 1, fp);
		*len += n;
	} while (n > 0);
	fclose(fp);
	buf[*len] = '\0';
	return buf;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the *.rules files of dir in name order; -1 on error. */
static int
add_dir(struct classifier *c, const char *dir, char *err)
{
	DIR *d;
	struct dirent *de;
	char *names[512], path[4096], *text;
	size_t n = 0, i, len;
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		snprintf(err, BS_ERRLEN, "%.200s: cannot open", dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL && n < 512)
		if (strlen(de->d_name) > 6 &&
		    strcmp(de->d_name + strlen(de->d_name) - 6, ".rules") == 0)
			names[n++] = strdup(de->d_name);
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (rc == 0 && (text = slurp(path, &len)) != NULL) {
			rc = classify_add_rules(c, names[i], text, len, err);
			free(text);
		} else if (rc == 0) {
			snprintf(err, BS_ERRLEN, "%.200s: cannot read", path);
			rc = -1;
		}
		free(names[i]);
	}
	return rc;
}

static struct classifier *
load_defaults(const char *rules_dir, const char *model_file, bool no_model)
{
	const struct bs_blob *b;
	struct classifier *c;
	struct classify_model *m = NULL;
	char err[BS_ERRLEN], *text;
	size_t len;

	if ((c = classify_new()) == NULL)
		return NULL;
	if (rules_dir != NULL) {
		if (add_dir(c, rules_dir, err) != 0)
			goto fail;
	} else
		for (b = classify_defaults(); b->name != NULL; b++)
			if (classify_add_rules(
				c, b->name, b->data, b->len, err) != 0)
				goto fail;
	if (classify_compile(c, err) != 0)
		goto fail;
	if (model_file != NULL) {
		if ((text = slurp(model_file, &len)) == NULL) {
			classify_free(c);
			return NULL;
		}
		m = classify_model_load(model_file, text, len, err);
		free(text);
		if (m == NULL)
			goto fail;
	} else if (!no_model && (b = classify_model_defaults())->name != NULL &&
	    (m = classify_model_load(b->name, b->data, b->len, err)) == NULL)
		goto fail;
	classify_set_model(c, m);
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
		if (dump) {
			const char *e = res.enhanced.ptr;

			printf("%s:%d\t%s\t%s\t%s\t%s\t%d\t", path, line, cls,
			    bs_class_name(res.cls), *res.rule ? res.rule : "-",
			    *res.evidence ? res.evidence : "-", res.code);
			if (e != NULL && res.enhanced.len >= 3)
				printf(
				    "%.*s", (int)strspn(e, "0123456789."), e);
			else
				putchar('-');
			printf("\t%s\t%.*s",
			    res.wrapper != NULL ? res.wrapper : "-",
			    (int)res.reply.len,
			    res.reply.ptr != NULL ? res.reply.ptr : "");
			if (feat_model != NULL)
				put_features(&res);
			putchar('\n');
		}
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
	bool verbose = false, no_model = false;
	const char *model = NULL, *rules = NULL, *feats = NULL;
	int i, k, opt, rc = 0;

	memset(t, 0, sizeof(t));
	while ((opt = getopt(argc, argv, "vdnm:R:F:")) != -1)
		switch (opt) {
		case 'v':
			verbose = true;
			break;
		case 'd':
			dump = true;
			break;
		case 'n':
			no_model = true;
			break;
		case 'm':
			model = optarg;
			break;
		case 'R':
			rules = optarg;
			break;
		case 'F':
			feats = optarg;
			break;
		default:
			goto usage;
		}
	if (optind >= argc) {
usage:
		fprintf(stderr,
		    "usage: classify_holdout [-v] [-d [-F MODEL]] [-n | -m "
		    "FILE] [-R DIR] FILE.tsv...\n");
		return 2;
	}
	if (feats != NULL) {
		char err[BS_ERRLEN], *text;
		size_t len;

		if ((text = slurp(feats, &len)) == NULL)
			return 1;
		feat_model = classify_model_load(feats, text, len, err);
		free(text);
		if (feat_model == NULL) {
			fprintf(stderr, "classify_holdout: %s\n", err);
			return 1;
		}
	}
	if ((c = load_defaults(rules, model, no_model)) == NULL)
		return 1;
	for (i = optind; i < argc; i++)
		if (run_file(c, argv[i], verbose, t) == -1)
			rc = 1;
	classify_free(c);
	classify_model_free(feat_model);
	if (dump)
		return rc;
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
