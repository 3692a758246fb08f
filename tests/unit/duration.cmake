# SPDX-License-Identifier: ISC
bs_unit(duration bs_parsers)
