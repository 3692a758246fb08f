# SPDX-License-Identifier: ISC
# The configuration parser is daemon code but pure enough to test alone:
# conf.c needs only libc and the pure detector (for checking detect
# thresholds); it logs nothing: errors go to a callback.
add_library(bs_conf STATIC ${PROJECT_SOURCE_DIR}/daemon/conf.c)
target_include_directories(bs_conf PUBLIC ${PROJECT_SOURCE_DIR}/daemon)
target_link_libraries(bs_conf PUBLIC bs_detect)
bs_unit(conf bs_conf)
target_compile_definitions(test_conf PRIVATE
    BS_SRC_DIR="${PROJECT_SOURCE_DIR}")
