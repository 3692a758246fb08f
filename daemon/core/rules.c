/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Loading the classification rules (see rules.h): the embedded defaults
 * from classify_defaults(), then every NAME.rules file of the rules
 * directory in byte order of the names (C locale, like ls under LC_ALL=C),
 * hidden files skipped, through classify_add_local_rules(). The learned
 * model of the weak layers (classify_model.h) is the embedded one unless
 * the directory has NAME.model files: the last in name order replaces it
 * (its "layers off" turns the model off). The first error ends the load;
 * nothing is logged here, the caller reports errbuf.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify_model.h"
#include "rules.h"
#include "util.h"

#define RULES_FILE_MAX (4 * 1024 * 1024)

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
is_rules_file(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 6 && strcmp(name + n - 6, ".rules") == 0;
}

static bool
is_model_file(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 6 && strcmp(name + n - 6, ".model") == 0;
}

/* Loads a model and gives it to c; -1 with errbuf. */
static int
set_model(struct classifier *c, const char *name, const char *text, size_t len,
    char *errbuf)
{
	struct classify_model *m;

	if ((m = classify_model_load(name, text, len, errbuf)) == NULL)
		return -1;
	classify_set_model(c, m);
	return 0;
}

/* Reads path into a new buffer (caller frees); -1 with errbuf. */
static int
read_file(const char *path, char **out, size_t *outlen, char *errbuf)
{
	FILE *fp;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(
		    errbuf, BS_ERRLEN, "%.200s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len + 4096 > cap) {
			cap = cap ? cap * 2 : 16384;
			buf = xrealloc(buf, cap);
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (len > RULES_FILE_MAX) {
			snprintf(errbuf, BS_ERRLEN,
			    "%.200s: larger than %d bytes", path,
			    RULES_FILE_MAX);
			goto fail;
		}
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		snprintf(errbuf, BS_ERRLEN, "%.200s: read error", path);
		goto fail;
	}
	fclose(fp);
	*out = buf;
	*outlen = len;
	return 0;
fail:
	fclose(fp);
	free(buf);
	return -1;
}

/* Adds the operator files of dir; -1 with errbuf. */
static int
load_dir(struct classifier *c, const char *dir, char *errbuf)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL, path[4096], *text;
	size_t n = 0, i, len;
	int rc = -1;

	if ((d = opendir(dir)) == NULL) {
		snprintf(errbuf, BS_ERRLEN, "%.200s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_rules_file(de->d_name) && !is_model_file(de->d_name))
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
			names[i]) >= sizeof(path)) {
			snprintf(
			    errbuf, BS_ERRLEN, "%.200s: path too long", dir);
			goto out;
		}
		if (read_file(path, &text, &len, errbuf) == -1)
			goto out;
		if (is_model_file(names[i])
			? set_model(c, path, text, len, errbuf) == -1
			: classify_add_local_rules(
			      c, path, text, len, errbuf) == -1) {
			free(text);
			goto out;
		}
		free(text);
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* See rules.h. */
struct classifier *
rules_load(const char *dir, char *errbuf)
{
	const struct bs_blob *b;
	struct classifier *c;
	struct stat st;
	char name[128];

	if ((c = classify_new()) == NULL) {
		snprintf(errbuf, BS_ERRLEN, "rules: out of memory");
		return NULL;
	}
	for (b = classify_defaults(); b->name != NULL; b++) {
		snprintf(name, sizeof(name), "built-in/%s", b->name);
		if (classify_add_rules(c, name, b->data, b->len, errbuf) == -1)
			goto fail;
	}
	for (b = classify_model_defaults(); b->name != NULL; b++) {
		snprintf(name, sizeof(name), "built-in/%s", b->name);
		if (set_model(c, name, b->data, b->len, errbuf) == -1)
			goto fail;
	}
	if (dir == NULL && stat(RULES_DIR_DEFAULT, &st) == 0 &&
	    S_ISDIR(st.st_mode))
		dir = RULES_DIR_DEFAULT;
	if (dir != NULL && load_dir(c, dir, errbuf) == -1)
		goto fail;
	if (classify_compile(c, errbuf) == -1)
		goto fail;
	return c;
fail:
	classify_free(c);
	return NULL;
}
