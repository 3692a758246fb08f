# SPDX-License-Identifier: ISC
bs_unit(count_sort bs_store)
