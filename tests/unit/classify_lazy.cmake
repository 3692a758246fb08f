# SPDX-License-Identifier: ISC
# The classifier compiles patterns for the JIT on first use (issue 14).
bs_unit(classify_lazy bs_parsers)
