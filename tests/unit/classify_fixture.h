/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The classifier the unit tests use: the built-in rules, compiled, and
 * optionally the built-in model of the weak layers (as the daemon has
 * it). A rule or model that does not load fails the test. Include after
 * <cmocka.h>.
 */
#ifndef BS_TESTS_CLASSIFY_FIXTURE_H
#define BS_TESTS_CLASSIFY_FIXTURE_H

#include <stdbool.h>

#include "classify.h"
#include "classify_model.h"

static inline struct classifier *
classify_fixture(bool with_model)
{
	const struct bs_blob *b;
	struct classifier *c;
	struct classify_model *m;
	char err[BS_ERRLEN];

	c = classify_new();
	assert_non_null(c);
	for (b = classify_defaults(); b->name != NULL; b++)
		if (classify_add_rules(c, b->name, b->data, b->len, err) != 0)
			fail_msg("%s", err);
	if (classify_compile(c, err) != 0)
		fail_msg("%s", err);
	for (b = classify_model_defaults(); with_model && b->name != NULL;
	     b++) {
		if ((m = classify_model_load(b->name, b->data, b->len, err)) ==
		    NULL)
			fail_msg("%s", err);
		classify_set_model(c, m);
	}
	return c;
}

#endif
