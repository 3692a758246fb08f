# SPDX-License-Identifier: ISC
bs_unit(minute_pack bs_store)
