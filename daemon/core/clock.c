/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The wall clock (see clock.h). A test clock file that cannot be read or
 * parsed at some call keeps the last good value: a test that rewrites it
 * (write to a temporary name, rename) never makes time jump to 1970.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h" /* BS_ERRLEN */
#include "clock.h"

static enum {
	CLOCK_REAL,
	CLOCK_FIXED,
	CLOCK_FILE
} mode = CLOCK_REAL;
static int64_t fixed;
static char path[1024];

/* Reads the test clock file into *t. 0, or -1 (errno may tell why). */
static int
read_file(int64_t *t)
{
	char buf[32], *end;
	long long v;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno != 0 || end == buf || v <= 0 ||
	    (*end != '\0' && *end != '\n'))
		return -1;
	*t = (int64_t)v;
	return 0;
}

/* See clock.h. */
int64_t
clock_now(void)
{
	int64_t t;

	switch (mode) {
	case CLOCK_FIXED:
		return fixed;
	case CLOCK_FILE:
		if (read_file(&t) == 0)
			fixed = t;
		return fixed;
	case CLOCK_REAL:
	default:
		return (int64_t)time(NULL);
	}
}

/* See clock.h. */
void
clock_set(int64_t t)
{
	mode = CLOCK_FIXED;
	fixed = t;
}

/* See clock.h. */
int
clock_init_env(char *errbuf)
{
	const char *p = getenv(CLOCK_TEST_ENV);

	if (p == NULL || *p == '\0')
		return 0;
	if (strlen(p) >= sizeof(path)) {
		snprintf(
		    errbuf, BS_ERRLEN, "%s: path too long", CLOCK_TEST_ENV);
		return -1;
	}
	memcpy(path, p, strlen(p) + 1);
	if (read_file(&fixed) == -1) {
		snprintf(errbuf, BS_ERRLEN,
		    "%s=%s: not a file holding epoch seconds", CLOCK_TEST_ENV,
		    p);
		return -1;
	}
	mode = CLOCK_FILE;
	return 0;
}

/* See clock.h. */
bool
clock_is_test(void)
{
	return mode == CLOCK_FILE;
}

int64_t
clock_local_day_start(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL)
		return t - t % 86400;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}
