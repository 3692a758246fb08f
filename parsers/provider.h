/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The receiver's provider from a relay host name: the registrable domain
 * (eTLD+1) by the Public Suffix List (libpsl, ICANN section, the list the
 * distribution ships), with aliases for the big providers (e.g.
 * "gmail-smtp-in.l.google.com" -> "google.com", "mx1.qq.com" -> "qq.com",
 * "*.mail.protection.outlook.com" -> "outlook.com").
 */
#ifndef BS_PARSERS_PROVIDER_H
#define BS_PARSERS_PROVIDER_H

#include "event.h"

/*
 * Writes the provider of host (lower-cased, NUL-terminated) into out of
 * outlen bytes. Returns its length, or 0 when host gives none (empty,
 * "none", an IP literal, "local", "virtual", ...).
 */
size_t provider_from_host(struct bs_span host, char *out, size_t outlen);

#endif
