# SPDX-License-Identifier: ISC
bs_unit(scan bs_parsers)
