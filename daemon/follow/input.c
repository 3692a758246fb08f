/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See input.h. zlib's gzdopen() reads gzip members (also concatenated
 * ones) and, for a file that is not gzip, its bytes as they are; we still
 * read plain files with read(2) to avoid zlib's extra copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "event.h"
#include "input.h"

static void seterr(char *errbuf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

struct input {
	int fd;
	gzFile gz; /* non-NULL for a gzip-compressed input */
	bool is_stdin;
	struct stat st;
	char name[1024];
	unsigned char peek[2];
	size_t npeek; /* bytes read ahead to check the magic */
};

/* Writes a message into errbuf (BS_ERRLEN bytes), truncating it. */
static void
seterr(char *errbuf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, BS_ERRLEN, fmt, ap);
	va_end(ap);
}

/*
 * zlib's error text without the name it gives a descriptor ("<fd:7>: "),
 * which tells a reader nothing: the input's own name comes first.
 */
static const char *
gz_text(const char *msg)
{
	const char *p;

	if (strncmp(msg, "<fd:", 4) == 0 && (p = strstr(msg, ">: ")) != NULL)
		return p + 3;
	return msg;
}

/* Opens path (see input.h); "-" is standard input. */
struct input *
input_open(const char *path, char *errbuf)
{
	struct input *in;
	ssize_t n;

	if ((in = calloc(1, sizeof(*in))) == NULL) {
		seterr(errbuf, "out of memory");
		return NULL;
	}
	snprintf(in->name, sizeof(in->name), "%s",
	    strcmp(path, "-") == 0 ? "(stdin)" : path);
	if (strcmp(path, "-") == 0) {
		in->fd = STDIN_FILENO;
		in->is_stdin = true;
	} else if ((in->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		seterr(errbuf, "%s: %s", path, strerror(errno));
		free(in);
		return NULL;
	}
	if (fstat(in->fd, &in->st) == -1) {
		seterr(errbuf, "%s: %s", in->name, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(in->st.st_mode)) {
		seterr(errbuf, "%s: is a directory", in->name);
		goto fail;
	}
	if (in->is_stdin || !S_ISREG(in->st.st_mode)) {
		/*
		 * A pipe cannot be rewound after a peek: zlib reads it,
		 * passing plain text through unchanged (gzdirect()).
		 */
		if ((in->gz = gzdopen(dup(in->fd), "rb")) == NULL)
			goto gzfail;
		gzbuffer(in->gz, 256 * 1024);
		return in;
	}
	/* Read the first two bytes to tell gzip (1f 8b) from plain text. */
	while (in->npeek < 2) {
		n = read(in->fd, in->peek + in->npeek, 2 - in->npeek);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			seterr(errbuf, "%s: %s", in->name, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		in->npeek += (size_t)n;
	}
	if (in->npeek == 2 && in->peek[0] == 0x1f && in->peek[1] == 0x8b) {
		/* Rewind and let zlib read from the start. */
		if (lseek(in->fd, 0, SEEK_SET) != 0) {
			seterr(
			    errbuf, "%s: lseek: %s", in->name, strerror(errno));
			goto fail;
		}
		in->npeek = 0;
		if ((in->gz = gzdopen(dup(in->fd), "rb")) == NULL)
			goto gzfail;
		gzbuffer(in->gz, 256 * 1024);
	}
	return in;
gzfail:
	seterr(errbuf, "%s: cannot open gzip stream", in->name);
fail:
	if (!in->is_stdin)
		close(in->fd);
	free(in);
	return NULL;
}

void
input_close(struct input *in)
{
	if (in == NULL)
		return;
	if (in->gz != NULL)
		gzclose(in->gz);
	if (!in->is_stdin)
		close(in->fd);
	free(in);
}

ssize_t
input_read(struct input *in, struct linebuf *lb, char *errbuf)
{
	size_t avail;
	char *p = linebuf_space(lb, &avail);
	ssize_t n;
	int zerr;
	const char *msg;

	if (avail > LINEBUF_BLOCK)
		avail = LINEBUF_BLOCK;
	if (in->npeek > 0) {
		memcpy(p, in->peek, in->npeek);
		n = (ssize_t)in->npeek;
		in->npeek = 0;
		linebuf_fill(lb, (size_t)n);
		return n;
	}
	if (in->gz != NULL) {
		n = gzread(in->gz, p, (unsigned)avail);
		if (n < 0) {
			msg = gzerror(in->gz, &zerr);
			seterr(errbuf, "%s: gzip: %s", in->name,
			    zerr == Z_ERRNO ? strerror(errno) : gz_text(msg));
			return -1;
		}
		if (n == 0 && !gzeof(in->gz)) {
			msg = gzerror(in->gz, &zerr);
			seterr(errbuf, "%s: gzip: %s", in->name, gz_text(msg));
			return -1;
		}
		if (n == 0) {
			/* A truncated gzip member ends without error text
			 * in some zlib versions: check the state. */
			msg = gzerror(in->gz, &zerr);
			if (zerr != Z_OK && zerr != Z_STREAM_END) {
				seterr(errbuf, "%s: gzip: %s", in->name,
				    gz_text(msg));
				return -1;
			}
		}
	} else {
		do
			n = read(in->fd, p, avail);
		while (n == -1 && errno == EINTR);
		if (n == -1) {
			seterr(errbuf, "%s: %s", in->name, strerror(errno));
			return -1;
		}
	}
	linebuf_fill(lb, (size_t)n);
	return n;
}

bool
input_compressed(const struct input *in)
{
	return in->gz != NULL && !gzdirect(in->gz);
}

bool
input_rereadable(const struct input *in)
{
	return !in->is_stdin && S_ISREG(in->st.st_mode);
}

void
input_identity(const struct input *in, int64_t *dev, int64_t *ino,
    int64_t *mtime, int64_t *size)
{
	*dev = (int64_t)in->st.st_dev;
	*ino = (int64_t)in->st.st_ino;
	*mtime = in->is_stdin || !S_ISREG(in->st.st_mode)
	    ? 0
	    : (int64_t)in->st.st_mtime;
	*size = (int64_t)in->st.st_size;
}

const char *
input_name(const struct input *in)
{
	return in->name;
}
