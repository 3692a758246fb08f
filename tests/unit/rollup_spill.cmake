# SPDX-License-Identifier: ISC
bs_unit(rollup_spill bs_store)
