# SPDX-License-Identifier: ISC
bs_unit(template bs_parsers)
