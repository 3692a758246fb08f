/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Loading the classification rules: the built-in rule files embedded in
 * the binary (parsers/rules/NN-name.rules), then the operator's NAME.rules
 * files of a rules directory in name order, compiled into one classifier,
 * and the learned model of the weak layers (the embedded one, or the
 * directory's last NAME.model). The file formats are described in
 * bouncestat-rules(5). Reading files is I/O, so it
 * lives here and not in parsers/.
 */
#ifndef BS_DAEMON_RULES_H
#define BS_DAEMON_RULES_H

#include "classify.h"

#define RULES_DIR_DEFAULT "/etc/bouncestat/rules.d"

/*
 * Builds a classifier from the built-in rules plus the *.rules files of
 * dir. dir NULL means RULES_DIR_DEFAULT when that directory exists (no
 * operator rules otherwise); an explicit dir must exist. Returns the new
 * classifier (caller frees with classify_free()), or NULL with
 * "file:line: message" in errbuf (BS_ERRLEN bytes). Nothing is shared
 * with any other classifier, so a failed load leaves a running one
 * untouched (reload keeps the old rules).
 */
struct classifier *rules_load(const char *dir, char *errbuf);

#endif
