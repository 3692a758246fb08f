# SPDX-License-Identifier: ISC
bs_unit(postfix bs_parsers)
