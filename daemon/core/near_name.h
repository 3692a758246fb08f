/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Usage errors that name what would have been right (the trial of
 * 2026-12-06, trial6): a command, class, incident kind or configuration
 * directive misspelt is answered with "did you mean ...".
 */
#ifndef BS_CORE_NEAR_NAME_H
#define BS_CORE_NEAR_NAME_H

#include <stddef.h>

/*
 * The name of names[0..n) that given most likely meant, or NULL: the one
 * equal to it ignoring ASCII case, '_' and '-', else the only one it
 * starts (at least 3 bytes) or that starts with it, else (4 bytes or more)
 * the only one at most two edits away.
 */
const char *near_name(const char *given, const char *const *names, size_t n);

#endif
