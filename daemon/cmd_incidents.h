/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * What `bouncestat incidents` offers other commands: printing the open
 * incidents, so that `report` can show them first in the same format.
 */
#ifndef BS_DAEMON_CMD_INCIDENTS_H
#define BS_DAEMON_CMD_INCIDENTS_H

#include <stdbool.h>
#include <stdio.h>

struct store;

/*
 * Prints the open incidents of st to fp: json, a JSON array (as
 * `incidents --format json`), else the text table (nothing when there
 * are none). Returns their number, or -1 with store_errmsg() set.
 */
int incidents_print_open(struct store *st, FILE *fp, bool json);

#endif
