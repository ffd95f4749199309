# SPDX-License-Identifier: MIT
# Raspberry Pi 2, 3 and 4 with a 32-bit OS: Debian armhf, which is ARMv7-A with hardware
# floating point. Pi Zero and Pi 1 are ARMv6 and cannot run it (see docs/install.md, Raspberry Pi).
# cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/armhf.cmake -DMETER_SYSROOT=<sysroot> ...
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(METER_TRIPLE arm-linux-gnueabihf)
set(METER_QEMU qemu-arm-static)
include("${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake")
# GCC notes every std:: type whose argument passing changed in GCC 7.1 on 32-bit ARM; all of
# the program and its libraries come from one compiler, so the note says nothing here.
set(CMAKE_CXX_FLAGS_INIT "-Wno-psabi")
