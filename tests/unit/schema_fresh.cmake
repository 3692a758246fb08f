# SPDX-License-Identifier: ISC
# A new database (the script schema/gen/schema_gen.c generates from the
# migrations) against one built by the migrations one by one, and older
# databases (every version from 1) still migrated step by step by the
# program to the same schema and rows (startcut, issue 14).
file(GLOB BS_TEST_MIGRATIONS CONFIGURE_DEPENDS
    ${PROJECT_SOURCE_DIR}/schema/migrations/*.sql)
list(SORT BS_TEST_MIGRATIONS)
add_test(NAME golden_schema_fresh
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/unit/schema_fresh.sh
    $<TARGET_FILE:bouncestat> $<TARGET_FILE:bs_schema_gen>
    ${BS_TEST_MIGRATIONS})
# golden, not unit: a shell script (see parse_scalar.cmake)
set_tests_properties(golden_schema_fresh PROPERTIES LABELS golden)
