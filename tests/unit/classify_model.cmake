# SPDX-License-Identifier: ISC
# The learned model of the classifier's weak layers
# (parsers/classify_model.c): loading, bad files, the hook in classify.c.
bs_unit(classify_model bs_parsers)
