# SPDX-License-Identifier: ISC
# The DNSBL list data (daemon/dnsbl/dnsbl_list.c): parsing, the embedded
# lists, return-code meanings, query names.
bs_unit(dnsbl_list bs_dnsbl)
