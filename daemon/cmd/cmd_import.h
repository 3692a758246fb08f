/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The engine of `bouncestat import`, shared with `bouncestat rebuild`:
 * finished inputs (plain, .gz, "-") read once into a database, each
 * content identified by its first line so that nothing is counted twice
 * (see cmd_import.c).
 */
#ifndef BS_DAEMON_CMD_IMPORT_H
#define BS_DAEMON_CMD_IMPORT_H

#include <stdbool.h>

#include "event.h"

struct cmd_ctx;

/*
 * Meta key naming the position keys ("import:<hex>") of the inputs
 * import read, one a line, the latest last (at most 1000): `status`
 * lists them.
 */
#define IMPORT_META_INPUTS "import.inputs"

/*
 * Imports the n inputs paths (not owned) into the database at db
 * (created when missing), with the rules of cc (a context resolved by
 * cmd_ctx_finish(), used for messages too); force is the log format
 * (BS_MTA_UNKNOWN: detected per line); quiet drops the per-file summary.
 * Returns 0, or 1 when the rules, the database or an input failed
 * (reported on standard error; the other inputs are still read).
 */
int import_run(struct cmd_ctx *cc, const char *db, enum bs_mta force,
    char *const *paths, int n, bool quiet);

#endif
