# SPDX-License-Identifier: ISC
# Review of issue 14: the built-in model must not read an identifier's
# length as evidence (ids are masked to as many 'x's as they are long).
# Fails on purpose until the model ignores masked ids (see the test).
bs_unit(classify_id_length bs_parsers)
