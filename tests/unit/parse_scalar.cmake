# SPDX-License-Identifier: ISC
# The parsers' x86-64 SIMD paths against the portable ones
# (parse_digest.c): the same output on every log and reply of the corpus.
# The unit tests of the SIMD-bearing modules also run on the portable
# build.
foreach(v IN ITEMS "" _scalar)
	add_executable(parse_digest${v} unit/parse_digest.c)
	target_link_libraries(parse_digest${v} PRIVATE bs_parsers${v})
endforeach()
file(GLOB BS_DIGEST_CORPUS CONFIGURE_DEPENDS
    ${CMAKE_CURRENT_SOURCE_DIR}/data/*/*.log
    ${CMAKE_CURRENT_SOURCE_DIR}/data/*/*.tsv
    ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus/*)
add_test(NAME golden_parse_scalar
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/unit/parse_scalar.sh
    $<TARGET_FILE:parse_digest> $<TARGET_FILE:parse_digest_scalar>
    ${BS_DIGEST_CORPUS})
# Label golden (two builds' outputs compared, like the golden files): the
# CI's valgrind pass runs every unit test under valgrind, and this one is
# a shell script (dash's own allocations are not ours); the programs it
# runs are checked by the ASan build.
set_tests_properties(golden_parse_scalar PROPERTIES LABELS golden)
foreach(m IN ITEMS syslog postfix lifecycle mta classify scan template)
	add_executable(test_${m}_scalar unit/test_${m}.c)
	target_compile_options(test_${m}_scalar PRIVATE -Werror=unused-function)
	target_link_libraries(test_${m}_scalar PRIVATE bs_parsers_scalar
	    PkgConfig::CMOCKA)
	add_test(NAME unit_${m}_scalar COMMAND test_${m}_scalar)
	set_tests_properties(unit_${m}_scalar PROPERTIES LABELS unit)
endforeach()
