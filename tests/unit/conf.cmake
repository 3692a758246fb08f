# SPDX-License-Identifier: ISC
# The configuration parser (daemon/core/conf.c): errors go to a callback,
# nothing is logged.
bs_unit(conf bs_core)
target_compile_definitions(test_conf PRIVATE
    BS_SRC_DIR="${PROJECT_SOURCE_DIR}")
