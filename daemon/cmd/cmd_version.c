/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * bouncestat version: the program's version and the library versions it
 * was built against.
 */
#include <stdio.h>

#include <ev.h>
#include <zlib.h>

#include "cmd.h"
#include "version.h"

static int cmd_version_exec(int, char **);

const struct cmd_entry cmd_version_entry = {
	"version",
	"",
	"print the version",
	cmd_version_exec,
};

static int
cmd_version_exec(int argc, char **argv)
{
	(void)argv;
	if (argc > 1 && !cmd_wants_help(argc, argv))
		return cmd_usage(&cmd_version_entry);
	printf("bouncestat %s (libev %d.%d, zlib %s)\n", bs_version,
	    ev_version_major(), ev_version_minor(), zlibVersion());
	return 0;
}
