# SPDX-License-Identifier: ISC
# The detector (daemon/detect.c) is pure: its unit test links just that
# object (as bs_detect) and bs_parsers for event.h, not the daemon.
add_library(bs_detect STATIC ${PROJECT_SOURCE_DIR}/daemon/detect.c)
target_include_directories(bs_detect PUBLIC ${PROJECT_SOURCE_DIR}/daemon)
target_link_libraries(bs_detect PUBLIC bs_parsers m)
bs_unit(detect bs_detect bs_parsers)
