/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of daemon/core/dl.c: a library that is not there and a
 * function that is not in it give "cannot load SONAME: ..." and leave
 * nothing loaded; a found one sets every pointer, once. And the
 * bouncestat binary names neither libcurl nor libmicrohttpd among the
 * libraries it needs (they are loaded on demand).
 */
#include <dlfcn.h>
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dl.h"
#include "event.h"

/* Functions of libm (not linked by this test: loaded here). */
double cbrt(double);
double bs_no_such_function(double);

DL_FN(cbrt);
DL_FN(bs_no_such_function);

static void
dl_load__missing_library__says_which(void **state)
{
	static const struct dl_sym syms[] = { DL_SYM(cbrt) };
	char errbuf[BS_ERRLEN];
	void *h = NULL;

	(void)state;
	assert_int_equal(
	    dl_load("libbs-not-there.so.7", &h, syms, 1, errbuf), -1);
	assert_null(h);
	assert_non_null(strstr(errbuf, "cannot load libbs-not-there.so.7: "));
	assert_non_null(strstr(errbuf, "libbs-not-there.so.7: cannot open"));
}

static void
dl_load__missing_function__nothing_loaded(void **state)
{
	static const struct dl_sym syms[] = { DL_SYM(cbrt),
		DL_SYM(bs_no_such_function) };
	char errbuf[BS_ERRLEN];
	void *h = NULL;

	(void)state;
	assert_int_equal(dl_load("libm.so.6", &h, syms, 2, errbuf), -1);
	assert_null(h);
	assert_non_null(strstr(errbuf, "cannot load libm.so.6: "));
	assert_non_null(strstr(errbuf, "bs_no_such_function"));
}

static void
dl_load__found__pointers_set_once(void **state)
{
	static const struct dl_sym syms[] = { DL_SYM(cbrt) };
	char errbuf[BS_ERRLEN];
	void *h = NULL, *first;

	(void)state;
	sym_cbrt = NULL;
	assert_int_equal(dl_load("libm.so.6", &h, syms, 1, errbuf), 0);
	assert_non_null(h);
	assert_non_null(sym_cbrt);
	assert_true(sym_cbrt(27.0) > 2.999 && sym_cbrt(27.0) < 3.001);
	first = h;
	sym_cbrt = NULL;
	/* loaded: nothing done again */
	assert_int_equal(dl_load("libm.so.6", &h, syms, 1, errbuf), 0);
	assert_ptr_equal(h, first);
	assert_null(sym_cbrt);
	dlclose(h);
}

/*
 * The DT_NEEDED entries of the ELF file at path, one after another
 * (separated by spaces) in out. 0 or -1.
 */
static int
needed(const char *path, char *out, size_t len)
{
	FILE *fp;
	Elf64_Ehdr eh;
	Elf64_Shdr *sh = NULL;
	Elf64_Dyn d;
	char *str = NULL;
	size_t i, k, j, strsz, o = 0;
	int ret = -1;

	out[0] = '\0';
	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	if (fread(&eh, sizeof(eh), 1, fp) != 1 ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64)
		goto done;
	if ((sh = calloc(eh.e_shnum, sizeof(*sh))) == NULL ||
	    fseek(fp, (long)eh.e_shoff, SEEK_SET) != 0 ||
	    fread(sh, sizeof(*sh), eh.e_shnum, fp) != eh.e_shnum)
		goto done;
	for (i = 0; i < eh.e_shnum; i++) {
		if (sh[i].sh_type != SHT_DYNAMIC)
			continue;
		k = sh[i].sh_link;
		if (k >= eh.e_shnum ||
		    (str = malloc(sh[k].sh_size + 1)) == NULL ||
		    fseek(fp, (long)sh[k].sh_offset, SEEK_SET) != 0 ||
		    fread(str, 1, sh[k].sh_size, fp) != sh[k].sh_size)
			goto done;
		strsz = sh[k].sh_size;
		str[strsz] = '\0';
		if (fseek(fp, (long)sh[i].sh_offset, SEEK_SET) != 0)
			goto done;
		for (j = 0; j < sh[i].sh_size / sizeof(d); j++) {
			if (fread(&d, sizeof(d), 1, fp) != 1)
				goto done;
			if (d.d_tag == DT_NEEDED && d.d_un.d_val < strsz &&
			    o + 2 < len)
				o += (size_t)snprintf(out + o, len - o, "%s ",
				    str + d.d_un.d_val);
		}
		ret = 0;
		break;
	}
done:
	free(str);
	free(sh);
	fclose(fp);
	return ret;
}

static void
bouncestat__needs_neither_libcurl_nor_libmicrohttpd(void **state)
{
	char libs[4096];

	(void)state;
	assert_int_equal(needed(BS_BIN, libs, sizeof(libs)), 0);
	/* the test can see what is needed */
	assert_non_null(strstr(libs, "libsqlite3.so"));
	assert_null(strstr(libs, "libcurl.so"));
	assert_null(strstr(libs, "libmicrohttpd"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dl_load__missing_library__says_which),
		cmocka_unit_test(dl_load__missing_function__nothing_loaded),
		cmocka_unit_test(dl_load__found__pointers_set_once),
		cmocka_unit_test(
		    bouncestat__needs_neither_libcurl_nor_libmicrohttpd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
