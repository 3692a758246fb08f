/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See dl.h.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "dl.h"
#include "event.h"

int
dl_load(const char *soname, void **handle, const struct dl_sym *syms, size_t n,
    char *errbuf)
{
	const char *why;
	void *h, *p;
	size_t i;

	if (*handle != NULL)
		return 0;
	/* RTLD_NOW: a missing function fails here, not at a later call. */
	if ((h = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		snprintf(errbuf, BS_ERRLEN, "cannot load %s: %s", soname,
		    why != NULL ? why : "unknown error");
		return -1;
	}
	for (i = 0; i < n; i++) {
		(void)dlerror();
		if ((p = dlsym(h, syms[i].name)) == NULL) {
			why = dlerror();
			snprintf(errbuf, BS_ERRLEN, "cannot load %s: %s",
			    soname, why != NULL ? why : syms[i].name);
			dlclose(h);
			return -1;
		}
		/* POSIX: a function's address as void *, back as the
		 * pointer's own type (ISO C has no such conversion). */
		memcpy(syms[i].fn, &p, sizeof(p));
	}
	*handle = h;
	return 0;
}
