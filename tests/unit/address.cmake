# SPDX-License-Identifier: ISC
# The mail address check of mail_to (daemon/core/address.c): pure.
bs_unit(address bs_core)
