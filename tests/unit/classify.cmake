# SPDX-License-Identifier: ISC
# The classifier: engine unit tests, the data-file tests (one per
# tests/data/classify/*.tsv: expected class per reply text) and the
# benchmark (built, not run as a test).
bs_unit(classify bs_parsers)

add_executable(test_classify_data unit/test_classify_data.c)
target_compile_options(test_classify_data PRIVATE -Werror=unused-function)
target_link_libraries(test_classify_data PRIVATE bs_parsers PkgConfig::CMOCKA)
file(GLOB BS_CLASSIFY_DATA CONFIGURE_DEPENDS
    ${CMAKE_CURRENT_SOURCE_DIR}/data/classify/*.tsv)
foreach(f IN LISTS BS_CLASSIFY_DATA)
	get_filename_component(name ${f} NAME_WE)
	add_test(NAME data_classify_${name} COMMAND test_classify_data ${f})
	set_tests_properties(data_classify_${name} PROPERTIES LABELS unit)
endforeach()

# Real replies, train part (tests/data/replies/README.md): rules may be
# written from these, so they must stay right; labelled by people, a few
# stay debatable, hence a floor rather than all rows.
add_test(NAME data_replies_train COMMAND test_classify_data
    ${CMAKE_CURRENT_SOURCE_DIR}/data/replies/train.tsv 96.5)
set_tests_properties(data_replies_train PROPERTIES LABELS unit)

if(NOT TARGET classify_bench)
	add_executable(classify_bench bench/classify_bench.c)
	target_link_libraries(classify_bench PRIVATE bs_parsers)
endif()

# Accuracy on the holdout replies (tests/data/replies/holdout.tsv): built,
# run by hand or by tests/bench, never a pass/fail test.
if(NOT TARGET classify_holdout)
	add_executable(classify_holdout bench/classify_holdout.c)
	target_link_libraries(classify_holdout PRIVATE bs_parsers)
endif()

# The trainer's copy of the model's word, pair and n-gram features
# (tests/model/train_model.py) against the C code's, the definition
# (classify_model_text_features() through classify_holdout -F): on the
# real replies, the reference data and generated edge cases (cgram).
add_test(NAME unit_classify_model_features COMMAND sh -c
    "command -v python3 >/dev/null || exit 77; python3 \"$0\" features --tool \"$1\" --generated 2000 \"$2\" \"$3\" \"$4\" \"$5\""
    ${CMAKE_CURRENT_SOURCE_DIR}/model/train_model.py
    $<TARGET_FILE:classify_holdout>
    ${CMAKE_CURRENT_SOURCE_DIR}/data/replies/train.tsv
    ${CMAKE_CURRENT_SOURCE_DIR}/data/replies/holdout.tsv
    ${CMAKE_CURRENT_SOURCE_DIR}/data/classify/seeds.tsv
    ${CMAKE_CURRENT_SOURCE_DIR}/data/classify/providers.tsv)
set_tests_properties(unit_classify_model_features PROPERTIES LABELS unit
    SKIP_RETURN_CODE 77)
