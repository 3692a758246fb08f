# SPDX-License-Identifier: ISC
# The detector: the pure functions (daemon/detect.c) on synthetic series,
# and the runner (daemon/detect_run.c) over a real SQLite file: lifecycles
# across hundreds of one-minute passes, late results, replay against live
# passes, and random event streams with restarts (property test; more
# streams under the label property: BS_PROPERTY_RUNS).
bs_unit(detect bs_detect_core bs_parsers)
bs_unit(detect_run bs_detect bs_detect_harness bs_store bs_parsers)
add_test(NAME property_detect_run COMMAND test_detect_run)
set_tests_properties(property_detect_run PROPERTIES LABELS property
    ENVIRONMENT "BS_PROPERTY_RUNS=150;CMOCKA_TEST_ABORT=0")
