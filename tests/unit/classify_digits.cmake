# SPDX-License-Identifier: ISC
# The classifier's cache never lets one reply answer another whose digits a
# rule reads differently (issue 14): rules with digit literals and digit
# classes, cached against uncached.
bs_unit(classify_digits bs_parsers)
