# SPDX-License-Identifier: ISC
bs_unit(roll_mark bs_store)
