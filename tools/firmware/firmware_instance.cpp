// SPDX-License-Identifier: MIT
// Compiled only by tools/firmware-size.sh: the telegram forwarder the firmware keeps (the core's
// frame assembler plus one hex copy of the largest telegram), so its RAM shows up in the size
// report as static data.
#include "telegram_forwarder.h"

meter::firmware::TelegramForwarder firmware_forwarder;
