# SPDX-License-Identifier: MIT
# Raspberry Pi 3, 4 and 5 with a 64-bit OS (Debian / Raspberry Pi OS arm64).
# cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/arm64.cmake -DMETER_SYSROOT=<sysroot> ...
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(METER_TRIPLE aarch64-linux-gnu)
set(METER_QEMU qemu-aarch64-static)
include("${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake")
