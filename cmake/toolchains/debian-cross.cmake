# SPDX-License-Identifier: MIT
# Shared part of the Raspberry Pi toolchain files (arm64.cmake, armhf.cmake): Debian's cross
# compiler (crossbuild-essential-<arch>), the target's libraries from a sysroot of unpacked
# Debian packages (tools/arm-build.sh assembles it), and qemu-user to run what was built.
# Needs METER_TRIPLE and METER_QEMU from the including file, and METER_SYSROOT (a cache
# variable or the environment variable of that name).
if(NOT METER_SYSROOT AND DEFINED ENV{METER_SYSROOT})
  set(METER_SYSROOT "$ENV{METER_SYSROOT}")
endif()
if(NOT METER_SYSROOT OR NOT EXISTS "${METER_SYSROOT}/usr/lib/${METER_TRIPLE}")
  message(FATAL_ERROR "METER_SYSROOT='${METER_SYSROOT}' is not a ${METER_TRIPLE} sysroot; "
                      "tools/arm-build.sh makes one")
endif()
set(METER_SYSROOT "${METER_SYSROOT}" CACHE PATH "Unpacked Debian packages of the target")
# try_compile projects read this file again: hand them the sysroot.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES METER_SYSROOT)

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${METER_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${METER_TRIPLE}-g++)
set(CMAKE_SYSROOT "${METER_SYSROOT}")

# Libraries, headers and CMake packages only from the sysroot; programs from the host.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The host's pkg-config, reading the target's .pc files.
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${METER_SYSROOT}")
set(ENV{PKG_CONFIG_LIBDIR}
    "${METER_SYSROOT}/usr/lib/${METER_TRIPLE}/pkgconfig:${METER_SYSROOT}/usr/share/pkgconfig")

# ctest (and gtest discovery) run the test programs through qemu-user, which loads the
# target's shared libraries from the sysroot.
find_program(METER_QEMU_PROGRAM ${METER_QEMU} REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR "${METER_QEMU_PROGRAM};-L;${METER_SYSROOT}")

# The target's libraries live in its standard directories, which its loader searches anyway
# (qemu-user's -L maps them into the sysroot): no RUNPATH, which a Debian package must not carry.
set(CMAKE_SKIP_RPATH ON)
