# SPDX-License-Identifier: ISC
# The model's memo (parsers/classify_model.c, issue 14): answers from it
# are exactly the model's, entries kept apart by what the model reads.
bs_unit(classify_memo bs_parsers)
