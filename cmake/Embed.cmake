# SPDX-License-Identifier: ISC
# embed_files(OUT <file.c> VAR <name> FILES <f>...)
# Generates <file.c> defining `const struct bs_blob <name>[]` (see
# parsers/blob.h): one entry per file, in the order given, with the file's
# base name, its bytes (NUL-terminated) and length; a {NULL} entry ends it.
# Regenerated whenever an input changes.
set(BS_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/EmbedRun.cmake)

function(embed_files)
	cmake_parse_arguments(E "" "OUT;VAR" "FILES" ${ARGN})
	add_custom_command(OUTPUT ${E_OUT}
	    COMMAND ${CMAKE_COMMAND} -DOUT=${E_OUT} -DVAR=${E_VAR}
	    "-DFILES=${E_FILES}" -P ${BS_EMBED_SCRIPT}
	    DEPENDS ${E_FILES} ${BS_EMBED_SCRIPT}
	    COMMENT "Embedding ${E_VAR}" VERBATIM)
endfunction()
