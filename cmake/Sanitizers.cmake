# AddressSanitizer + UndefinedBehaviorSanitizer for every target in the build.
# Turn on with -DMETER_SANITIZE=ON (the asan and fuzz presets do).
include_guard(GLOBAL)

option(METER_SANITIZE "Build everything with -fsanitize=address,undefined" OFF)

if(METER_SANITIZE)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    message(FATAL_ERROR "METER_SANITIZE needs GCC or Clang, not ${CMAKE_CXX_COMPILER_ID}")
  endif()
  set(_meter_sanitize_flags
    -fsanitize=address,undefined
    -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
  add_compile_options(${_meter_sanitize_flags})
  add_link_options(${_meter_sanitize_flags})
  message(STATUS "Sanitizers enabled: ${_meter_sanitize_flags}")
  unset(_meter_sanitize_flags)
endif()
