/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Replay driver: runs a fuzz target without libFuzzer over files named on
 * the command line, once for the whole file and once for each of its lines,
 * so the corpus (tests/data and tests/fuzz/corpus) runs under plain ctest
 * with the sanitizers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	static char buf[4 << 20];
	size_t n, start, i, runs = 0;
	FILE *fp;
	int a;

	for (a = 1; a < argc; a++) {
		if ((fp = fopen(argv[a], "rb")) == NULL) {
			perror(argv[a]);
			return 1;
		}
		n = fread(buf, 1, sizeof(buf), fp);
		fclose(fp);
		LLVMFuzzerTestOneInput((const uint8_t *)buf, n);
		runs++;
		for (start = 0, i = 0; i <= n; i++) {
			if (i == n || buf[i] == '\n') {
				LLVMFuzzerTestOneInput(
				    (const uint8_t *)buf + start, i - start);
				runs++;
				start = i + 1;
			}
		}
	}
	printf("replay: %zu inputs from %d files\n", runs, argc - 1);
	return 0;
}
