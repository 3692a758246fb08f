/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Fuzz target: a hostile reply text through the classifier with the
 * built-in rules (compiled once) and the built-in model of the weak
 * layers, as the daemon loads them. Every result must carry a class of the
 * vocabulary and spans inside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "classify.h"
#include "classify_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct classifier *
get_classifier(void)
{
	static struct classifier *cl;
	const struct bs_blob *b;
	char errbuf[BS_ERRLEN];

	if (cl != NULL)
		return cl;
	if ((cl = classify_new()) == NULL)
		abort();
	for (b = classify_defaults(); b->name != NULL; b++)
		if (classify_add_rules(cl, b->name, b->data, b->len, errbuf) ==
		    -1)
			abort();
	if (classify_compile(cl, errbuf) == -1)
		abort();
	for (b = classify_model_defaults(); b->name != NULL; b++) {
		struct classify_model *m =
		    classify_model_load(b->name, b->data, b->len, errbuf);

		if (m == NULL)
			abort();
		classify_set_model(cl, m);
	}
	return cl;
}

static void
check(struct bs_span sp, const uint8_t *data, size_t size)
{
	const char *lo = (const char *)data;

	if (sp.len != 0 && (sp.ptr < lo || sp.ptr + sp.len > lo + size))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct classify_result r;

	classify_text(get_classifier(), (const char *)data, size,
	    size > 0 && data[0] == 'q' ? "qq.com" : NULL, &r);
	if ((unsigned)r.cls >= BS_CLASS_COUNT || r.rule == NULL ||
	    r.evidence == NULL || r.wrapper == NULL)
		abort();
	check(r.dnsbl, data, size);
	check(r.listed_ip, data, size);
	/* What was found inside a wrapper lies within the input. */
	check(r.reply, data, size);
	check(r.enhanced, data, size);
	if (r.code != 0 && (r.code < 200 || r.code > 599))
		abort();
	return 0;
}
