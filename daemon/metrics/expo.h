/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The Prometheus text exposition format (version 0.0.4): the HELP and
 * TYPE lines of a metric family, and sample lines with escaped label
 * values. Label values here are hostile (provider names come from relay
 * host names in log lines, incident keys and file paths likewise): a
 * backslash, a double quote and a newline are escaped as the format
 * says, every other control character and every byte that is not valid
 * UTF-8 becomes U+FFFD, so one value can never break out of its quotes
 * or its line. Writes only; pure.
 */
#ifndef BS_DAEMON_METRICS_EXPO_H
#define BS_DAEMON_METRICS_EXPO_H

#include <stdint.h>
#include <stdio.h>

/* "# HELP name help\n# TYPE name type\n"; help is a constant. */
void expo_family(
    FILE *fp, const char *name, const char *type, const char *help);

/* A label value, escaped (see above), without its quotes. */
void expo_label_value(FILE *fp, const char *s);

/*
 * One sample: name{k1="v1",...} value. labels holds nlabels pairs (name,
 * value); names are constants, values are escaped.
 */
void expo_sample(FILE *fp, const char *name, const char *const *labels,
    size_t nlabels, int64_t value);

#endif
