/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See rotated.h. zlib's gzdopen() reads concatenated gzip members, as
 * gzip and `import` do; the copy is written with pwrite() at the
 * uncompressed offsets, leaving a hole over the bytes not kept.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "event.h"
#include "log.h"
#include "rotated.h"
#include "tail.h"

#define UNPACK_BLOCK 65536

/* See rotated.h. */
enum rotated_kind
rotated_kind(int fd, const char **what)
{
	unsigned char m[6];
	ssize_t n;

	*what = NULL;
	do
		n = pread(fd, m, sizeof(m), 0);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return ROTATED_UNKNOWN;
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
		*what = "gzip";
		return ROTATED_GZIP;
	}
	if (n >= 3 && memcmp(m, "BZh", 3) == 0) {
		*what = "bzip2";
		return ROTATED_OTHER;
	}
	if (n >= 6 &&
	    memcmp(m,
		"\xfd"
		"7zXZ\0",
		6) == 0) {
		*what = "xz";
		return ROTATED_OTHER;
	}
	if (n >= 4 && memcmp(m, "\x28\xb5\x2f\xfd", 4) == 0) {
		*what = "zstd";
		return ROTATED_OTHER;
	}
	return ROTATED_PLAIN;
}

/* pwrite() all of len bytes at off; 0 or -1. */
static int
pwrite_full(int fd, const char *p, size_t len, int64_t off)
{
	ssize_t n;

	while (len > 0) {
		n = pwrite(fd, p, len, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/*
 * A new anonymous file for an unpacked copy: an unnamed file
 * (O_TMPFILE) in $TMPDIR, else /var/tmp, so that a large generation
 * takes disk and reclaimable page cache rather than the daemon's memory;
 * a memfd where that directory cannot hold one (said). -1 with errbuf.
 */
static int
unpack_file(char *errbuf)
{
	const char *dir = getenv("TMPDIR");
	int fd, err;

	if (dir == NULL || *dir == '\0')
		dir = "/var/tmp";
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) != -1)
		return fd;
	err = errno;
	if ((fd = memfd_create("bouncestat-rotated", MFD_CLOEXEC)) == -1) {
		snprintf(errbuf, BS_ERRLEN,
		    "no temporary file in %s (%s), memfd_create: %s", dir,
		    strerror(err), strerror(errno));
		return -1;
	}
	log_warnx("rotated copy: no temporary file in %s (%s); unpacking "
		  "into memory",
	    dir, strerror(err));
	return fd;
}

/* See rotated.h. */
int
rotated_unpack(int gzfd, int64_t keep_from, uint64_t head, int64_t head_len,
    int64_t *size, char *errbuf)
{
	static char buf[UNPACK_BLOCK];
	unsigned char hbuf[TAIL_HEAD_LEN];
	int64_t off = 0, from = keep_from - ROTATED_KEEP_BEFORE, a, b;
	size_t hhave = 0, k;
	gzFile gz = NULL;
	int mfd = -1, dfd = -1, zerr, n;

	if (head_len < 0 || head_len > TAIL_HEAD_LEN)
		head_len = 0;
	if ((mfd = unpack_file(errbuf)) == -1)
		return -1;
	if ((dfd = dup(gzfd)) == -1 || lseek(dfd, 0, SEEK_SET) == -1) {
		snprintf(errbuf, BS_ERRLEN, "dup: %s", strerror(errno));
		goto fail;
	}
	if ((gz = gzdopen(dfd, "rb")) == NULL) {
		snprintf(errbuf, BS_ERRLEN, "cannot open the gzip stream");
		goto fail;
	}
	dfd = -1; /* gzclose() closes it */
	for (;;) {
		n = gzread(gz, buf, sizeof(buf));
		if (n < 0) {
			const char *msg = gzerror(gz, &zerr);

			snprintf(errbuf, BS_ERRLEN, "gzip: %s",
			    zerr == Z_ERRNO ? strerror(errno) : msg);
			goto fail;
		}
		if (n == 0) {
			/* A truncated member ends without an error in some
			 * zlib versions: check the state. */
			const char *msg = gzerror(gz, &zerr);

			if (zerr != Z_OK && zerr != Z_STREAM_END) {
				snprintf(errbuf, BS_ERRLEN, "gzip: %s", msg);
				goto fail;
			}
			break;
		}
		if (head_len > 0 && hhave < (size_t)head_len) {
			k = (size_t)head_len - hhave;
			if (k > (size_t)n)
				k = (size_t)n;
			memcpy(hbuf + hhave, buf, k);
			hhave += k;
			if (hhave == (size_t)head_len &&
			    tail_fingerprint(hbuf, hhave) != head) {
				gzclose(gz);
				close(mfd);
				return -2;
			}
		}
		/* Keep [0, KEEP_HEAD) and [from, end). */
		a = off;
		b = off + n;
		if (a < ROTATED_KEEP_HEAD) {
			int64_t e =
			    b < ROTATED_KEEP_HEAD ? b : ROTATED_KEEP_HEAD;

			if (pwrite_full(mfd, buf, (size_t)(e - a), a) == -1)
				goto wfail;
		}
		if (b > from) {
			int64_t s = a > from ? a : from;

			if (s < ROTATED_KEEP_HEAD)
				s = ROTATED_KEEP_HEAD < b ? ROTATED_KEEP_HEAD
							  : b;
			if (s < b &&
			    pwrite_full(
				mfd, buf + (s - a), (size_t)(b - s), s) == -1)
				goto wfail;
		}
		off = b;
	}
	if (head_len > 0 && hhave < (size_t)head_len) {
		gzclose(gz);
		close(mfd);
		return -2; /* shorter than the head we know */
	}
	if (gzclose(gz) != Z_OK) {
		gz = NULL;
		snprintf(errbuf, BS_ERRLEN, "gzip: error at close");
		goto fail;
	}
	gz = NULL;
	if (ftruncate(mfd, (off_t)off) == -1) {
		snprintf(errbuf, BS_ERRLEN, "ftruncate: %s", strerror(errno));
		goto fail;
	}
	*size = off;
	return mfd;
wfail:
	snprintf(errbuf, BS_ERRLEN, "write of the unpacked copy: %s",
	    strerror(errno));
fail:
	if (gz != NULL)
		gzclose(gz);
	if (dfd != -1)
		close(dfd);
	close(mfd);
	return -1;
}
