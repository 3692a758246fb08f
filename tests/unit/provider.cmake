# SPDX-License-Identifier: ISC
bs_unit(provider bs_parsers)
