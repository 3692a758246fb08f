/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of daemon/follow/rotated.c: telling compressed copies by
 * their magic bytes, and unpacking a gzip copy into a sparse unnamed
 * file (on disk in $TMPDIR, a memfd where that fails) that holds its head and
 * what follows the resume offset at their uncompressed offsets. Finding and
 * resuming such a copy after a restart is tested with the real binary by
 * tests/integration/daemon_rotate_down.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "event.h"
#include "rotated.h"
#include "tail.h"

#define CONTENT_LEN 300000

static char content[CONTENT_LEN];

/* A temporary file holding len bytes of p, gzip-compressed when gz. */
static int
temp_file(const void *p, size_t len, int gz)
{
	char name[] = "/tmp/bs_test_rotated.XXXXXX";
	int fd = mkstemp(name);
	gzFile g;

	assert_true(fd != -1);
	unlink(name);
	if (gz) {
		assert_non_null(g = gzdopen(dup(fd), "wb"));
		assert_int_equal(gzwrite(g, p, (unsigned)len), (int)len);
		assert_int_equal(gzclose(g), Z_OK);
	} else
		assert_int_equal(write(fd, p, len), (ssize_t)len);
	return fd;
}

static void
fill_content(void)
{
	size_t off = 0;
	int n = 0;

	while (off < CONTENT_LEN) {
		int w = snprintf(content + off, CONTENT_LEN - off,
		    "Dec  6 01:00:00 mx postfix/smtp[1]: A%09X: status=deferred\n",
		    n++);

		if (w < 0 || (size_t)w >= CONTENT_LEN - off)
			break;
		off += (size_t)w;
	}
	memset(content + off, '\n', CONTENT_LEN - off);
}

static void
rotated_kind__magic_bytes__kind_and_name(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		enum rotated_kind kind;
		const char *what;
	} cases[] = {
		{ "BZh91AY&SY", 10, ROTATED_OTHER, "bzip2" },
		{ "\xfd"
		  "7zXZ\0\0",
		    7, ROTATED_OTHER, "xz" },
		{ "\x28\xb5\x2f\xfd\0\0", 6, ROTATED_OTHER, "zstd" },
		{ "Dec  6 01:00:00 mx", 18, ROTATED_PLAIN, NULL },
		{ "", 0, ROTATED_PLAIN, NULL },
	};
	const char *what;
	size_t i;
	int fd;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fd = temp_file(cases[i].bytes, cases[i].len, 0);
		assert_int_equal(rotated_kind(fd, &what), cases[i].kind);
		if (cases[i].what == NULL)
			assert_null(what);
		else
			assert_string_equal(what, cases[i].what);
		close(fd);
	}
	fd = temp_file("x\n", 2, 1);
	assert_int_equal(rotated_kind(fd, &what), ROTATED_GZIP);
	close(fd);
}

static void
rotated_unpack__gzip__head_and_rest_at_their_offsets(void **state)
{
	static char buf[CONTENT_LEN];
	char errbuf[BS_ERRLEN];
	int64_t size = 0, from = 200000, keep = from - ROTATED_KEEP_BEFORE;
	int fd, mfd;

	(void)state;
	fill_content();
	fd = temp_file(content, CONTENT_LEN, 1);
	mfd = rotated_unpack(fd, from, tail_fingerprint(content, TAIL_HEAD_LEN),
	    TAIL_HEAD_LEN, &size, errbuf);
	assert_true(mfd >= 0);
	assert_int_equal(size, CONTENT_LEN);
	assert_int_equal(pread(mfd, buf, CONTENT_LEN, 0), CONTENT_LEN);
	assert_memory_equal(buf, content, ROTATED_KEEP_HEAD);
	assert_memory_equal(
	    buf + keep, content + keep, (size_t)(CONTENT_LEN - keep));
	/* The part already counted is a hole. */
	assert_int_equal(buf[ROTATED_KEEP_HEAD], 0);
	assert_int_equal(buf[keep - 1], 0);
	close(mfd);
	close(fd);
}

static void
rotated_unpack__other_head__minus_two(void **state)
{
	char errbuf[BS_ERRLEN];
	int64_t size = 0;
	int fd;

	(void)state;
	fill_content();
	fd = temp_file(content, CONTENT_LEN, 1);
	assert_int_equal(
	    rotated_unpack(fd, 0, 12345, TAIL_HEAD_LEN, &size, errbuf), -2);
	close(fd);
}

static void
rotated_unpack__truncated_gzip__error(void **state)
{
	char errbuf[BS_ERRLEN];
	int64_t size = 0;
	off_t len;
	int fd;

	(void)state;
	fill_content();
	fd = temp_file(content, CONTENT_LEN, 1);
	len = lseek(fd, 0, SEEK_END);
	assert_int_equal(ftruncate(fd, len / 2), 0);
	assert_int_equal(rotated_unpack(fd, 0, 0, 0, &size, errbuf), -1);
	assert_non_null(strstr(errbuf, "gzip"));
	close(fd);
}

/* Unpacks all of a gzip copy of content with TMPDIR set to dir;
 * checks the bytes; returns the copy's descriptor. */
static int
unpack_whole_in(const char *dir)
{
	static char buf[CONTENT_LEN];
	char errbuf[BS_ERRLEN];
	int64_t size = 0;
	int fd, mfd;

	assert_int_equal(setenv("TMPDIR", dir, 1), 0);
	fill_content();
	fd = temp_file(content, CONTENT_LEN, 1);
	mfd = rotated_unpack(fd, 0, 0, 0, &size, errbuf);
	close(fd);
	assert_true(mfd >= 0);
	assert_int_equal(size, CONTENT_LEN);
	assert_int_equal(pread(mfd, buf, CONTENT_LEN, 0), CONTENT_LEN);
	assert_memory_equal(buf, content, CONTENT_LEN);
	return mfd;
}

/* Where the descriptor's file is (readlink of /proc/self/fd/N). */
static void
fd_path(int fd, char *path, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, len - 1);
	assert_true(n > 0);
	path[n] = '\0';
}

/* A whole generation goes to an unnamed file on disk in $TMPDIR, not the
 * daemon's memory; where none can be made there, to a memfd. */
static void
rotated_unpack__whole_copy__unnamed_file_in_tmpdir(void **state)
{
	char dir[] = "/tmp/bs_test_rotated_dir.XXXXXX", path[4096];
	const char *old = getenv("TMPDIR");
	char *saved = old != NULL ? strdup(old) : NULL;
	struct stat ds, fs;
	int mfd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(stat(dir, &ds), 0);
	mfd = unpack_whole_in(dir);
	assert_int_equal(fstat(mfd, &fs), 0);
	assert_true(S_ISREG(fs.st_mode));
	assert_int_equal(fs.st_nlink, 0); /* gone with its last descriptor */
	assert_true(fs.st_dev == ds.st_dev);
	fd_path(mfd, path, sizeof(path));
	assert_int_equal(strncmp(path, dir, strlen(dir)), 0);
	close(mfd);
	assert_int_equal(rmdir(dir), 0); /* nothing left in it */
	mfd = unpack_whole_in("/nonexistent/bs_test_rotated");
	fd_path(mfd, path, sizeof(path));
	assert_int_equal(strncmp(path, "/memfd:", 7), 0);
	close(mfd);
	if (saved != NULL)
		assert_int_equal(setenv("TMPDIR", saved, 1), 0);
	else
		assert_int_equal(unsetenv("TMPDIR"), 0);
	free(saved);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rotated_kind__magic_bytes__kind_and_name),
		cmocka_unit_test(
		    rotated_unpack__gzip__head_and_rest_at_their_offsets),
		cmocka_unit_test(rotated_unpack__other_head__minus_two),
		cmocka_unit_test(rotated_unpack__truncated_gzip__error),
		cmocka_unit_test(
		    rotated_unpack__whole_copy__unnamed_file_in_tmpdir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
