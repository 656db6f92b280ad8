# FindPhoneNumber: Google's libphonenumber (C++), which Debian ships (libphonenumber-dev)
# without a CMake package or a pkg-config file.
#
#   find_package(PhoneNumber 8 REQUIRED)
#   target_link_libraries(<target> PRIVATE PhoneNumber::PhoneNumber)
#
# Defines PhoneNumber_FOUND, PhoneNumber_VERSION (e.g. "8.12", read from the library's
# file name: the headers carry none) and the imported target PhoneNumber::PhoneNumber.
# Its public headers include Protocol Buffers and Abseil headers, whose inline code may
# call into their libraries, so the target brings them along (protobuf::libprotobuf,
# absl::hash, absl::raw_hash_set).
include(FindPackageHandleStandardArgs)

find_path(PhoneNumber_INCLUDE_DIR NAMES phonenumbers/phonenumberutil.h)
find_library(PhoneNumber_LIBRARY NAMES phonenumber)

set(PhoneNumber_VERSION "")
if(PhoneNumber_LIBRARY)
  get_filename_component(_phonenumber_real "${PhoneNumber_LIBRARY}" REALPATH)
  if(_phonenumber_real MATCHES "libphonenumber\\.so\\.([0-9]+(\\.[0-9]+)*)$")
    set(PhoneNumber_VERSION "${CMAKE_MATCH_1}")
  endif()
  unset(_phonenumber_real)
endif()

find_package(Protobuf QUIET)
find_package(absl CONFIG QUIET)

find_package_handle_standard_args(PhoneNumber
  REQUIRED_VARS PhoneNumber_LIBRARY PhoneNumber_INCLUDE_DIR Protobuf_FOUND absl_FOUND
  VERSION_VAR PhoneNumber_VERSION
  REASON_FAILURE_MESSAGE "install the Debian package libphonenumber-dev (it brings libprotobuf-dev and libabsl-dev)")

if(PhoneNumber_FOUND AND NOT TARGET PhoneNumber::PhoneNumber)
  add_library(PhoneNumber::PhoneNumber UNKNOWN IMPORTED)
  set_target_properties(PhoneNumber::PhoneNumber PROPERTIES
    IMPORTED_LOCATION "${PhoneNumber_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${PhoneNumber_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "protobuf::libprotobuf;absl::hash;absl::raw_hash_set")
endif()

mark_as_advanced(PhoneNumber_INCLUDE_DIR PhoneNumber_LIBRARY)
