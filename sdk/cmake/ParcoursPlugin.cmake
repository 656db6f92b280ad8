# parcours_add_plugin(<name> SOURCES <file>...
#                     [LINK_LIBRARIES <lib>...]
#                     [OUTPUT_DIRECTORY <dir>]
#                     [NO_INSTALL])
#
# Builds a Parcours plugin: a MODULE library (loaded with dlopen, never linked
# against) named `parcours-<name>.so`, compiled as C++20 with hidden visibility so
# that the only symbol it exports is parcours_plugin_entry (PARCOURS_PLUGIN exports
# it explicitly). It links ParcoursSDK::sdk, and with --no-undefined on Linux so a
# missing symbol fails the build rather than the host's dlopen.
#
# File naming: the `parcours-` prefix (instead of `lib`) says what the file is when
# it sits in a shared folder; the host loads any *.so in its plugin folders, so the
# name is only a convention — the plugin's identity is the id it declares.
#
# Where it lands:
#   - in the Parcours tree: ${PARCOURS_BUILD_PLUGIN_DIR} (build/lib/parcours/plugins),
#     so the build tree mirrors the install and `build/bin/parcours` finds it;
#   - out of tree: the current binary directory (or CMAKE_LIBRARY_OUTPUT_DIRECTORY);
#   - OUTPUT_DIRECTORY overrides both.
# `cmake --install` puts it in <prefix>/${PARCOURS_PLUGIN_DIR} (lib/parcours/plugins):
# installing into the host's prefix drops it where the host looks. NO_INSTALL skips
# that (test fixtures).
include_guard(GLOBAL)

function(parcours_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "NO_INSTALL" "OUTPUT_DIRECTORY" "SOURCES;LINK_LIBRARIES")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "parcours_add_plugin(${name}): unexpected arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "parcours_add_plugin(${name}): give the plugin's sources with SOURCES")
  endif()

  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ParcoursSDK::sdk ${ARG_LINK_LIBRARIES})
  # With simdjson (Debian: libsimdjson-dev), the SDK reads the JSON the host hands the
  # plugin — every message a channel sends — several times faster (parcours/json_parse.hpp).
  # Without it, the same documents through nlohmann::json::parse.
  if(NOT TARGET simdjson::simdjson)
    find_package(simdjson 3 QUIET)
  endif()
  if(TARGET simdjson::simdjson)
    target_link_libraries(${name} PRIVATE simdjson::simdjson)
    target_compile_definitions(${name} PRIVATE PARCOURS_SDK_SIMDJSON=1)
  endif()
  target_compile_features(${name} PRIVATE cxx_std_20)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "parcours-${name}"
    SUFFIX ".so"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    target_link_options(${name} PRIVATE LINKER:--no-undefined)
  endif()

  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  elseif(DEFINED PARCOURS_BUILD_PLUGIN_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${PARCOURS_BUILD_PLUGIN_DIR})
  endif()

  if(NOT ARG_NO_INSTALL)
    if(DEFINED PARCOURS_PLUGIN_DIR)
      set(_destination ${PARCOURS_PLUGIN_DIR})
    else()
      set(_destination lib/parcours/plugins)
    endif()
    install(TARGETS ${name} LIBRARY DESTINATION ${_destination})
  endif()
endfunction()

# parcours_plugin_library(<target>)
#
# Compiles an existing STATIC library the way a plugin is compiled, so that it can be
# linked into one (or several) of them: position-independent code, C++20, and hidden
# visibility, so that the plugin still exports parcours_plugin_entry alone. For the
# logic a plugin shares with its unit tests, or with other plugins.
function(parcours_plugin_library target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  set_target_properties(${target} PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
endfunction()
