// SPDX-License-Identifier: MIT
// EVN / Netz NÖ smart meter reader for the Wemos D1 mini (ESP8266): forwards every complete,
// checksum-valid M-Bus telegram as uppercase hex over MQTT. Settings come from the first-boot
// portal, nothing is compiled in. Build: firmware/esp8266/README.md.
#if !defined(METER_CORE_FROM_REPOSITORY)
// Arduino IDE: the core's frame assembler as the library tools/firmware/export-arduino-core.sh
// installs (PlatformIO builds it straight from ../../core and defines the macro).
#include <MeterCore.h>
#endif
#include "src/firmware_app.h"

meter::firmware::FirmwareApp app;

void setup() { app.setup(); }

void loop() { app.loop(); }
