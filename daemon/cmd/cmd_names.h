/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Usage errors that name what would have been right (the trial of
 * 2026-12-06, trial6): an unknown command, class or incident kind is
 * answered with the nearest name ("did you mean ...") and the list of
 * valid ones, not only "unknown class: ratelimited".
 */
#ifndef BS_DAEMON_CMD_NAMES_H
#define BS_DAEMON_CMD_NAMES_H

#include <stdio.h>

/*
 * Prints "bouncestat CMD: unknown class: ARG (did you mean X?)" and the
 * class names to fp (report's and messages' --class).
 */
void cmd_bad_class(FILE *fp, const char *cmd, const char *arg);

/* The same for an incident kind (incidents --kind). */
void cmd_bad_kind(FILE *fp, const char *cmd, const char *arg);

#endif
