# Precompiled headers, shared across targets: nlohmann/json, Catch2 and the standard
# headers are parsed once per set of compile flags rather than once per file (or, for
# Catch2, once per test executable). The headers are pch/parcours_pch.hpp and
# pch/parcours_test_pch.hpp; they list system headers only.
#
# GCC accepts a precompiled header only where it was compiled with the same code
# generation flags (-fPIE/-fPIC among them), and visibility must match too, so there
# is one owner target per kind of code and the others REUSE_FROM it:
#   parcours_pch         the host's libraries and executables (benchmarks, crash worker)
#   parcours_plugin_pch  plugins and the static libraries linked into them
#                        (-fPIC, hidden visibility: parcours_plugin_library())
#   parcours_test_pch    the Catch2 unit tests (parcours_add_unit_test())
# CMake compiles with -Winvalid-pch, an error under PARCOURS_WERROR: a target whose
# flags drift from its owner's fails loudly instead of silently parsing everything.
#
# -DPARCOURS_PRECOMPILED_HEADERS=OFF builds without them (the unit tests then get one
# Catch2 header each, as before), e.g. to check that every file includes what it uses.
include_guard(GLOBAL)

option(PARCOURS_PRECOMPILED_HEADERS "Share precompiled headers (nlohmann/json, Catch2, std) across targets" ON)

# Files compiled without the precompiled header. GCC 12 does not carry the
# `#pragma GCC diagnostic ignored` of libstdc++'s char_traits.h into a PCH (GCC PR
# 64117, fixed in 13), so in these files its known false positives at -O2 (std::string
# operator+: -Warray-bounds, -Wstringop-overread) come back, as errors under -Werror.
# A file that fails that way with the PCH, and not without it, belongs here.
set(PARCOURS_PCH_SKIP_SOURCES
  core/config/duration.cpp
  core/links/html_tracking.cpp
  plugins/popup/popup_queue.cpp)

set(PARCOURS_PCH_HEADER ${PROJECT_SOURCE_DIR}/pch/parcours_pch.hpp)
set(PARCOURS_TEST_PCH_HEADER ${PROJECT_SOURCE_DIR}/pch/parcours_test_pch.hpp)

# parcours_add_pch_owner(<target> <header> [PLUGIN] [LINK_LIBRARIES <lib>...]): an
# object library that owns the precompiled <header>; PLUGIN compiles it like a plugin.
function(parcours_add_pch_owner target header)
  cmake_parse_arguments(PARSE_ARGV 2 ARG "PLUGIN" "" "LINK_LIBRARIES")
  add_library(${target} OBJECT ${PROJECT_SOURCE_DIR}/pch/pch_donor.cpp)
  target_link_libraries(${target} PRIVATE parcours_warnings ${ARG_LINK_LIBRARIES})
  target_compile_features(${target} PRIVATE cxx_std_20)
  if(ARG_PLUGIN)
    set_target_properties(${target} PROPERTIES
      POSITION_INDEPENDENT_CODE ON
      CXX_VISIBILITY_PRESET hidden
      VISIBILITY_INLINES_HIDDEN ON)
  endif()
  target_precompile_headers(${target} PRIVATE ${header})
endfunction()

# parcours_use_precompiled_headers(): after every add_subdirectory(), gives each C++
# target of the tree the precompiled header its flags allow. Targets that set a PCH of
# their own, or compile options of their own, are left alone.
function(parcours_use_precompiled_headers)
  if(NOT PARCOURS_PRECOMPILED_HEADERS)
    return()
  endif()
  parcours_add_pch_owner(parcours_pch ${PARCOURS_PCH_HEADER} LINK_LIBRARIES nlohmann_json::nlohmann_json)
  parcours_add_pch_owner(parcours_plugin_pch ${PARCOURS_PCH_HEADER} PLUGIN
                         LINK_LIBRARIES nlohmann_json::nlohmann_json)
  _parcours_pch_walk(${PROJECT_SOURCE_DIR})
  foreach(_source IN LISTS PARCOURS_PCH_SKIP_SOURCES)
    get_filename_component(_dir ${PROJECT_SOURCE_DIR}/${_source} DIRECTORY)
    set_source_files_properties(${PROJECT_SOURCE_DIR}/${_source} DIRECTORY ${_dir}
                                PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
  endforeach()
endfunction()

function(_parcours_pch_walk dir)
  get_property(_targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(_target IN LISTS _targets)
    _parcours_pch_apply(${_target})
  endforeach()
  get_property(_subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(_subdir IN LISTS _subdirs)
    _parcours_pch_walk(${_subdir})
  endforeach()
endfunction()

function(_parcours_pch_apply target)
  get_target_property(_type ${target} TYPE)
  if(NOT _type MATCHES "^(STATIC_LIBRARY|MODULE_LIBRARY|SHARED_LIBRARY|EXECUTABLE)$")
    return()
  endif()
  get_target_property(_own ${target} PRECOMPILE_HEADERS)
  get_target_property(_reuse ${target} PRECOMPILE_HEADERS_REUSE_FROM)
  get_target_property(_options ${target} COMPILE_OPTIONS)
  if(_own OR _reuse OR _options)
    return()
  endif()
  # C++ targets only (the C fixtures of tests/plugins/ have nothing to gain).
  get_target_property(_sources ${target} SOURCES)
  list(FILTER _sources INCLUDE REGEX "\\.cpp$")
  if(NOT _sources)
    return()
  endif()

  get_target_property(_pic ${target} POSITION_INDEPENDENT_CODE)
  get_target_property(_visibility ${target} CXX_VISIBILITY_PRESET)
  get_target_property(_inlines_hidden ${target} VISIBILITY_INLINES_HIDDEN)
  if(_type STREQUAL "MODULE_LIBRARY" OR _type STREQUAL "SHARED_LIBRARY")
    set(_pic ON)
  endif()
  if(_pic AND _visibility STREQUAL "hidden" AND _inlines_hidden)
    target_precompile_headers(${target} REUSE_FROM parcours_plugin_pch)
  elseif(NOT _pic AND NOT _visibility AND NOT _inlines_hidden)
    target_precompile_headers(${target} REUSE_FROM parcours_pch)
  endif()
endfunction()
