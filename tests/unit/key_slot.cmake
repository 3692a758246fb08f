# SPDX-License-Identifier: ISC
bs_unit(key_slot bs_store)
