/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Fixtures shared by the MTA parser unit tests (exim, sendmail, opensmtpd,
 * journal, postfix): the result of parsing one line, a copy of the line
 * in a buffer of exactly its length (so that ASan catches any read past
 * it), a span compared with a string, every line of a list expected to
 * give one result, and every truncation of a line read within bounds.
 * All static inline, so that a test that uses only some of them builds
 * without unused-function warnings.
 */
#ifndef BS_TESTS_UNIT_PARSE_TEST_H
#define BS_TESTS_UNIT_PARSE_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event.h"
#include "span_test.h"
#include "syslog.h"

/* One parsed line: the result, the copy of the line, prefix and event. */
struct parsed {
	int rc;
	char *buf; /* the line, exactly its length; the caller frees it */
	struct syslog_prefix pfx;
	struct bs_event ev;
};

/* An MTA parser of a syslog message (sendmail_parse, ...). */
typedef int parse_test_fn(const struct syslog_prefix *, struct bs_event *);

/* A test file's own parse(line). */
typedef struct parsed parse_test_line_fn(const char *line);

/* Reads the len bytes at buf (a truncation of a line); arg is the caller's. */
typedef void parse_test_read_fn(const char *buf, size_t len, void *arg);

/* A malloc'd copy of the len bytes of line, in a buffer of len bytes. */
static inline char *
parse_test_copy(const char *line, size_t len)
{
	char *buf = malloc(len > 0 ? len : 1);

	assert_non_null(buf);
	memcpy(buf, line, len);
	return buf;
}

/* A zeroed result holding a copy of line (len bytes), not yet parsed. */
static inline struct parsed
parse_test_buf(const char *line, size_t len)
{
	struct parsed r;

	memset(&r, 0, sizeof(r));
	r.buf = parse_test_copy(line, len);
	return r;
}

/*
 * Copies line, takes its syslog prefix (which must parse) with reference
 * time ref and zone offset tz, then runs fn on it.
 */
static inline struct parsed
parse_test_line(parse_test_fn *fn, const char *line, int64_t ref, int32_t tz)
{
	struct syslog_ctx ctx = { ref, tz, NULL, NULL };
	size_t len = strlen(line);
	struct parsed r = parse_test_buf(line, len);

	assert_int_equal(syslog_parse(r.buf, len, &ctx, &r.pfx), PARSE_OK);
	r.rc = fn(&r.pfx, &r.ev);
	return r;
}

/* Each of the n lines, parsed by parse, must give rc. */
static inline void
expect_rc_all(
    parse_test_line_fn *parse, const char *const *lines, size_t n, int rc)
{
	struct parsed r;
	size_t i;

	for (i = 0; i < n; i++) {
		r = parse(lines[i]);
		if (r.rc != rc)
			fail_msg("line %zu: rc %d", i, r.rc);
		free(r.buf);
	}
}

/* Runs rd on every truncation of line (len bytes), each copied exactly. */
static inline void
parse_test_truncations(
    parse_test_read_fn *rd, void *arg, const char *line, size_t len)
{
	size_t n;
	char *buf;

	for (n = 0; n <= len; n++) {
		buf = parse_test_copy(line, n);
		rd(buf, n, arg);
		free(buf);
	}
}

struct parse_test_syslog {
	parse_test_fn *fn;
	struct syslog_ctx ctx;
};

static inline void
parse_test_read_syslog(const char *buf, size_t len, void *arg)
{
	const struct parse_test_syslog *t = arg;
	struct syslog_prefix pfx;
	struct bs_event ev;

	if (syslog_parse(buf, len, &t->ctx, &pfx) == PARSE_OK)
		(void)t->fn(&pfx, &ev);
}

/*
 * Every truncation of line (len bytes) whose syslog prefix parses (with
 * reference time ref) is given to fn, which must stay within bounds.
 */
static inline void
truncations_in_bounds(
    parse_test_fn *fn, const char *line, size_t len, int64_t ref)
{
	struct parse_test_syslog t = { fn, { ref, 0, NULL, NULL } };

	parse_test_truncations(parse_test_read_syslog, &t, line, len);
}

#endif /* BS_TESTS_UNIT_PARSE_TEST_H */
