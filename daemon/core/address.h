/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Whether a configured mail address (mail_to) is one: what check-config,
 * the daemon and `alert` refuse with file:line before it becomes a To:
 * header (see address.c).
 */
#ifndef BS_DAEMON_CORE_ADDRESS_H
#define BS_DAEMON_CORE_ADDRESS_H

#include <stdbool.h>

/*
 * True when a is one mail address: "local@domain", a bare local part
 * ("postmaster", completed by sendmail) or "Display Name <local@domain>".
 * Else false with *why (static text) saying what is wrong.
 */
bool mail_address_ok(const char *a, const char **why);

#endif
