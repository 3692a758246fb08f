# SPDX-License-Identifier: ISC
# The writer thread's asynchronous commits (daemon/follow/writer.c) on a
# real store in a temporary directory.
bs_unit(writer bs_follow)
