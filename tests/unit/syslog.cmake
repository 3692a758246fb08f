# SPDX-License-Identifier: ISC
bs_unit(syslog bs_parsers)
