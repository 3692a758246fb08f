/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * A file embedded into the binary at build time (cmake/Embed.cmake): the
 * default rule files and the SQL migrations. Tables of blobs end with an
 * entry whose name is NULL.
 */
#ifndef BS_PARSERS_BLOB_H
#define BS_PARSERS_BLOB_H

#include <stddef.h>

struct bs_blob {
	const char *name; /* base name of the source file */
	const char *data; /* its bytes, NUL-terminated */
	size_t len;       /* length without the terminating NUL */
};

#endif
