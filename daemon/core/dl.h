/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Optional libraries loaded on demand (issue 14): libcurl (webhooks) and
 * libmicrohttpd (the metrics endpoint) pull in some 30 more shared
 * libraries (GnuTLS, OpenSSL, Kerberos, LDAP, ...), about 5 MiB of an
 * import's peak RSS and most of the dynamic linker's start-up work,
 * although only `alert` with webhooks and the daemon with metrics_listen
 * use them. Their modules declare a function pointer per function they
 * call (DL_FN), the same type as the header's declaration, and load them
 * at their first use (dl_load(), as systemd does for its optional
 * libraries). The Debian package keeps both libraries in Depends.
 */
#ifndef BS_DAEMON_DL_H
#define BS_DAEMON_DL_H

#include <stddef.h>

/* One function to look up: its name and where its pointer goes. */
struct dl_sym {
	const char *name;
	void *fn; /* the address of a DL_FN pointer */
};

/* A pointer named sym_f of f's own type (f: a declared function). */
#define DL_FN(f) static __typeof__(f) *sym_##f
/* clang-format off */
#define DL_SYM(f) {#f, &sym_##f}
/* clang-format on */

/*
 * Opens the library soname (once: *handle non-NULL means loaded) and sets
 * every pointer of syms[0..n). Returns 0, or -1 with "cannot load
 * SONAME: reason" (the dynamic linker's, e.g. no such file, or a
 * function missing) in errbuf (BS_ERRLEN); on failure nothing stays
 * loaded and *handle stays NULL.
 */
int dl_load(const char *soname, void **handle, const struct dl_sym *syms,
    size_t n, char *errbuf);

#endif
