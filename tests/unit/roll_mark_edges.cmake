# SPDX-License-Identifier: ISC
bs_unit(roll_mark_edges bs_store)
