# SPDX-License-Identifier: ISC
# tail.c is daemon code (libev, logging); its pure helpers are tested here
# with the modules it needs linked in.
add_library(bs_tail STATIC ${PROJECT_SOURCE_DIR}/daemon/tail.c
    ${PROJECT_SOURCE_DIR}/daemon/log.c ${PROJECT_SOURCE_DIR}/daemon/util.c)
target_include_directories(bs_tail PUBLIC ${PROJECT_SOURCE_DIR}/daemon)
target_link_libraries(bs_tail PUBLIC bs_linebuf bs_store bs_parsers
    PkgConfig::LIBEV)
bs_unit(tail bs_tail)
