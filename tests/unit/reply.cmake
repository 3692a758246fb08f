# SPDX-License-Identifier: ISC
bs_unit(reply bs_parsers)
