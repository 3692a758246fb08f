# SPDX-License-Identifier: ISC
# The strict UTF-8 decoder (parsers/utf8.c): links only bs_parsers.
bs_unit(utf8 bs_parsers)
