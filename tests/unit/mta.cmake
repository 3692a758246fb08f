# SPDX-License-Identifier: ISC
bs_unit(mta bs_parsers)
