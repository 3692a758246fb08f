# SPDX-License-Identifier: ISC
# The roll mark (schema 15): 40 random sequences in the quick subset, 400
# under the label property (BS_PROPERTY_RUNS).
bs_unit(roll_mark bs_store)
add_test(NAME property_roll_mark COMMAND test_roll_mark)
set_tests_properties(property_roll_mark PROPERTIES LABELS property
    ENVIRONMENT "BS_PROPERTY_RUNS=400")
