# SPDX-License-Identifier: ISC
# A journal entry as a pipeline line (daemon/follow/journal_entry.c),
# linked with the follow part.
bs_unit(journal_entry bs_follow)
