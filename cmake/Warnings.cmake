# Compiler warnings for the project's own targets.
#   meter_target_warnings(<target>)
# adds a strict warning set for GCC and Clang, and -Werror when
# METER_WARNINGS_AS_ERRORS is ON.
include_guard(GLOBAL)

option(METER_WARNINGS_AS_ERRORS "Treat compiler warnings as errors" ON)

function(meter_target_warnings target)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    message(STATUS "meter_target_warnings: no warning set for ${CMAKE_CXX_COMPILER_ID}")
    return()
  endif()
  target_compile_options(${target} PRIVATE
    -Wall
    -Wextra
    -Wpedantic
    -Wshadow
    -Wconversion
    -Wsign-conversion
    -Wnon-virtual-dtor
    -Wold-style-cast
    -Wcast-align
    -Woverloaded-virtual
    -Wdouble-promotion
    -Wformat=2)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 reports false -Wrestrict overlaps inside std::string at -O2/-O3 (GCC bug 105329)
    # and false -Wnull-dereference inside libstdc++ streams at -O2: as errors they would break
    # optimised builds of correct code. Clang keeps -Wnull-dereference.
    target_compile_options(${target} PRIVATE -Wno-restrict)
  else()
    target_compile_options(${target} PRIVATE -Wnull-dereference)
  endif()
  if(METER_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
