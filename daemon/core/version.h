/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The version the program reports (bouncestat version, /metrics, the
 * alert mail's X-Mailer, webhooks, the database's daemon.version): the
 * project's version, in a build from a git checkout VERSION+gitN.HASH
 * like contrib/build-deb.sh's packages, or what BS_VERSION_STRING gave
 * at configure time (the Debian package's version). Generated at every
 * build by cmake/VersionRun.cmake.
 */
#ifndef BS_VERSION_H
#define BS_VERSION_H

extern const char bs_version[];

#endif
