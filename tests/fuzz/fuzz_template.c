/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Fuzz target: a hostile reply text through both reply normalisers
 * (parsers/template.c). The outputs must stay inside their buffers, the
 * normalized key must be NUL-terminated at its length, and neither key
 * may be longer than the input allows (a template never grows; a
 * normalized key grows only by "*@*" per address), and the masked reply
 * differs from the reply only in letters and digits made 'x'.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char tmpl[4096], norm[512], tiny[3], masked[4096];
	const char *s = (const char *)data;
	size_t n, i;

	n = template_reply(s, size, tmpl, sizeof(tmpl));
	if (n > sizeof(tmpl) || n > size)
		abort();
	n = template_normalize(s, size, norm, sizeof(norm));
	if (n >= sizeof(norm) || norm[n] != '\0' || strlen(norm) > n)
		abort();
	n = template_normalize(s, size, tiny, sizeof(tiny));
	if (n >= sizeof(tiny) || tiny[n] != '\0')
		abort();
	if (template_reply(s, size, tiny, sizeof(tiny)) > sizeof(tiny))
		abort();
	if (size <= sizeof(masked) && template_mask_ids(s, size, masked))
		for (i = 0; i < size; i++)
			if (masked[i] != s[i] &&
			    (masked[i] != 'x' ||
				!((s[i] >= '0' && s[i] <= '9') ||
				    ((s[i] | 0x20) >= 'a' &&
					(s[i] | 0x20) <= 'z'))))
				abort();
	return 0;
}
