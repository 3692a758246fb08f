# SPDX-License-Identifier: ISC
bs_unit(message_store bs_store)
