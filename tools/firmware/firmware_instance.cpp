// SPDX-License-Identifier: MIT
// Compiled only by tools/firmware-size.sh: the assembler the firmware keeps, so its RAM (the
// telegram buffer) shows up in the size report as static data.
#include "meter/core/frame_assembler.h"

meter::core::FrameAssembler firmware_assembler;
