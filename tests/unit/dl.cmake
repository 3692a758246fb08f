# SPDX-License-Identifier: ISC
# Optional libraries loaded on demand (daemon/core/dl.c): the errors
# when a library or a function is missing; and that the program itself
# does not link libcurl or libmicrohttpd (issue 14: 5 MiB of an import's
# peak RSS).
bs_unit(dl bs_core)
target_compile_definitions(test_dl PRIVATE
    BS_BIN="$<TARGET_FILE:bouncestat>")
add_dependencies(test_dl bouncestat)
