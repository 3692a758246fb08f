# SPDX-License-Identifier: ISC
# The tailer's pure helpers (daemon/follow/tail.c), linked with the
# follow part.
bs_unit(tail bs_follow)
