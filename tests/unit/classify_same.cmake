# SPDX-License-Identifier: ISC
# Neither the classifier's cache nor its split matching changes an answer
# (issue 14): cached against uncached and split against whole-pattern
# classifiers compared on the real replies, the data files, the
# golden logs' failures and the failures of a generated benchmark log
# (tests/bench/genlog.py), each with variants of the same template.
add_executable(test_classify_same unit/test_classify_same.c)
target_compile_options(test_classify_same PRIVATE -Werror=unused-function)
target_link_libraries(test_classify_same PRIVATE bs_parsers
    PkgConfig::CMOCKA)
file(GLOB BS_SAME_TSV CONFIGURE_DEPENDS
    ${CMAKE_CURRENT_SOURCE_DIR}/data/replies/*.tsv
    ${CMAKE_CURRENT_SOURCE_DIR}/data/classify/*.tsv)
file(GLOB BS_SAME_LOGS CONFIGURE_DEPENDS
    ${CMAKE_CURRENT_SOURCE_DIR}/data/*/*.log)
add_test(NAME unit_classify_same COMMAND test_classify_same
    ${BS_SAME_TSV} ${BS_SAME_LOGS})
set_tests_properties(unit_classify_same PROPERTIES LABELS unit)
add_test(NAME unit_classify_same_bench COMMAND sh -c
    "command -v python3 >/dev/null || exit 77; python3 \"$0\" -n 150000 --seed 7 \"$1\" && \"$2\" \"$1\""
    ${CMAKE_CURRENT_SOURCE_DIR}/bench/genlog.py
    ${CMAKE_CURRENT_BINARY_DIR}/classify_same_bench.log
    $<TARGET_FILE:test_classify_same>)
set_tests_properties(unit_classify_same_bench PROPERTIES LABELS unit
    SKIP_RETURN_CODE 77)
