# SPDX-License-Identifier: ISC
# Compressed rotated copies (daemon/follow/rotated.c), linked with the
# follow part.
bs_unit(rotated bs_follow)
