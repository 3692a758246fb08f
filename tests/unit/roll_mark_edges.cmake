# SPDX-License-Identifier: ISC
# The roll mark at its edges; the hour table spilling mid-transaction
# (45 s under ASan) runs under the label property only.
bs_unit(roll_mark_edges bs_store)
add_test(NAME property_roll_mark_edges COMMAND test_roll_mark_edges)
set_tests_properties(property_roll_mark_edges PROPERTIES LABELS property
    ENVIRONMENT "BS_PROPERTY_RUNS=1")
