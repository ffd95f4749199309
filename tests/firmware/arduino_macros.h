// SPDX-License-Identifier: MIT
// The object-like and function-like macros ESP8266's Arduino.h defines. Any core identifier with
// one of these names would break the firmware build; this header makes that a host compile error.
#pragma once

// The names mirror the Arduino core's, whatever the project's own naming rules say.
// NOLINTBEGIN(readability-identifier-naming)

#define HIGH 0x1
#define LOW 0x0
#define INPUT 0x00
#define OUTPUT 0x01
#define RISING 0x01
#define FALLING 0x02
#define CHANGE 0x03
#define DEFAULT 1
#define EXTERNAL 0
#define SERIAL 0x0
#define DISPLAY 0x1
#define ERROR 3
#define DEBUG 4
#define abs(x) ((x) > 0 ? (x) : -(x))
#define round(x) ((x) >= 0 ? (long)((x) + 0.5) : (long)((x)-0.5))
#define sq(x) ((x) * (x))
#define bit(b) (1UL << (b))
#define word(...) makeWord(__VA_ARGS__)
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))

// NOLINTEND(readability-identifier-naming)
