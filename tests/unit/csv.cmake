# SPDX-License-Identifier: ISC
# The one CSV cell writer (daemon/render/csv.c): pure.
bs_unit(csv bs_render bs_parsers)
