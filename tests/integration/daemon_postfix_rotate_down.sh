#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Rotation while the daemon is down, by Postfix itself (issue 13, point
# 5): as daemon_postfix_real.sh, but the daemon is stopped while mail
# flows, `postfix logrotate` renames the log to postfix.log.YYYYMMDD-HHMMSS
# and gzips it (maillog_file_compressor = gzip, Postfix's default), more
# mail is logged to the new file, and the daemon is started again: it must
# find the .gz, read it from its committed offset, and count exactly what
# the sink answered, with no loss reported.
#
# Needs root and Postfix; exit 77 (skip) otherwise. Runtime about 40 s.
BS_PF_SCENARIO=down
. "$(dirname "$0")/daemon_postfix_real.sh"
