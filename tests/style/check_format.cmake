# Fails when a C or C++ file of the project is not formatted as .clang-format says.
# Run by ctest as "style: clang-format"; fix with `clang-format -i <file>`.
# Expects -DCLANG_FORMAT=<program> -DSOURCE_DIR=<project root>.
set(files)
foreach(folder sdk core plugins examples tests)
  file(GLOB_RECURSE found RELATIVE ${SOURCE_DIR}
       ${SOURCE_DIR}/${folder}/*.c ${SOURCE_DIR}/${folder}/*.h
       ${SOURCE_DIR}/${folder}/*.cpp ${SOURCE_DIR}/${folder}/*.hpp)
  list(APPEND files ${found})
endforeach()
list(LENGTH files count)
if(count EQUAL 0)
  message(FATAL_ERROR "no source files found under ${SOURCE_DIR}")
endif()
execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror ${files}
                WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "the files above are not formatted: run `clang-format -i` on them")
endif()
message(STATUS "${count} files formatted as .clang-format says")
