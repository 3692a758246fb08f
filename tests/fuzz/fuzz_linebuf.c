/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Fuzz target: line framing. The input is split into reads at the sizes
 * its first bytes give; every byte must come out in exactly one line, a
 * cut line or the dropped count, and offsets must never go backwards.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linebuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linebuf *lb;
	const char *line;
	size_t pos = 0, n, avail, out = 0, len;
	int64_t last = 0;
	unsigned flags;
	uint8_t step;

	if (size < 1)
		return 0;
	step = data[0] == 0 ? 1 : data[0];
	data++;
	size--;
	if ((lb = linebuf_new(32)) == NULL)
		abort();
	while (pos < size) {
		char *p = linebuf_space(lb, &avail);

		n = size - pos < step ? size - pos : step;
		if (n > avail)
			n = avail;
		memcpy(p, data + pos, n);
		linebuf_fill(lb, n);
		pos += n;
		while (linebuf_next(lb, &line, &len, &flags) == 1) {
			if (len > 32 || memchr(line, '\n', len) != NULL ||
			    (len > 0 && line[0] == '\0'))
				abort();
			out += len + 1;
			if (linebuf_consumed(lb) < last)
				abort();
			last = linebuf_consumed(lb);
		}
	}
	if (linebuf_take_partial(lb, &line, &len, &flags) == 1)
		out += len;
	/* Every input byte is a line byte, a newline, dropped or padding. */
	out += linebuf_dropped_bytes(lb) + linebuf_padding_bytes(lb);
	if (out + 1 < size || out > size + 1)
		abort();
	linebuf_free(lb);
	return 0;
}
