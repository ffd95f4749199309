#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the ESP8266 firmware's compiled-in settings from a server.env.

    python3 tools/firmware-config.py server.env \\
        --wifi-ssid "Home WiFi" --wifi-password "..." \\
        --output firmware/esp8266/smartmeter/src/config_generated.h

The header holds WiFi and MQTT credentials: it is git-ignored and must never be committed.
The firmware reads it at build time (when it exists) as its defaults; settings saved in the
first-boot portal override it. Without the header the portal asks for everything.

Taken from the file: MQTT_HOST, MQTT_PORT, MQTT_USER, MQTT_PASSWORD,
SMARTMETER_RAWDATA_MQTT_TOPIC, and WIFI_SSID, WIFI_PASSWORD, FIRMWARE_* when present (the
firmware's own keys; see firmware/esp8266/README.md). Everything else (the meter key, DB_*,
MQTT_CLIENT_ID, ...) stays out of the firmware. Options override the file.
"""

import argparse
import ipaddress
import os
import re
import sys

# The keys firmware/esp8266/smartmeter/src/device_config.cpp knows, in its order.
FIRMWARE_KEYS = [
    "WIFI_SSID",
    "WIFI_PASSWORD",
    "MQTT_HOST",
    "MQTT_PORT",
    "MQTT_USER",
    "MQTT_PASSWORD",
    "SMARTMETER_RAWDATA_MQTT_TOPIC",
    "FIRMWARE_STATUS_MQTT_TOPIC",
    "FIRMWARE_MQTT_CLIENT_ID",
    "FIRMWARE_OTA_PASSWORD",
    "FIRMWARE_SERIAL",
    "FIRMWARE_UART_SWAP",
    "FIRMWARE_STATUS_INTERVAL_S",
]

LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


class EnvError(Exception):
    pass


def parse_value(raw, where):
    """The value part of KEY=value, with the quoting rules the firmware's parser uses."""
    if raw[:1] in ("'", '"'):
        quote = raw[0]
        out = []
        i = 1
        while i < len(raw):
            c = raw[i]
            if c == quote:
                rest = raw[i + 1 :].strip()
                if rest and not rest.startswith("#"):
                    raise EnvError(f"{where}: text after the closing quote")
                return "".join(out)
            if quote == '"' and c == "\\" and raw[i + 1 : i + 2] in ('"', "\\"):
                i += 1
                c = raw[i]
            out.append(c)
            i += 1
        raise EnvError(f"{where}: quote not closed")
    # Unquoted: a '#' after whitespace starts a comment.
    return re.split(r"\s#", raw, maxsplit=1)[0].strip()


def read_env(path):
    values = {}
    with open(path, encoding="utf-8") as env:
        for number, line in enumerate(env, start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            match = LINE.match(line.rstrip("\r\n"))
            if not match:
                raise EnvError(f"{path}:{number}: not a KEY=value line")
            values[match.group(1)] = parse_value(match.group(2), f"{path}:{number}")
    return values


def c_string(text):
    out = []
    for c in text:
        if c in ('"', "\\"):
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            raise EnvError(f"control character in {text!r}")
        else:
            out.append(c)
    return "".join(out)


def config_line(key, value):
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise EnvError(f"{key}: control characters are not allowed")
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{key}="{escaped}"\n'


def warnings_for(settings):
    found = []
    host = settings.get("MQTT_HOST", "")
    if not host:
        found.append("MQTT_HOST is not set: the device will open its setup portal")
    else:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if loopback:
            found.append(
                f"MQTT_HOST={host} is this computer as seen from itself; the device needs the "
                "broker's address on your network (use --mqtt-host)"
            )
    if not settings.get("WIFI_SSID"):
        found.append("WIFI_SSID is not set: the device will open its setup portal")
    return found


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("env_file", help="server.env (KEY=value lines)")
    parser.add_argument("--wifi-ssid")
    parser.add_argument("--wifi-password")
    parser.add_argument("--mqtt-host", help="broker address as the device reaches it")
    parser.add_argument("--output", "-o", help="header to write (default: standard output)")
    args = parser.parse_args(argv)

    try:
        env = read_env(args.env_file)
        settings = {key: env[key] for key in FIRMWARE_KEYS if key in env}
        for key, value in (
            ("WIFI_SSID", args.wifi_ssid),
            ("WIFI_PASSWORD", args.wifi_password),
            ("MQTT_HOST", args.mqtt_host),
        ):
            if value is not None:
                settings[key] = value
        if env.get("MQTT_TLS", "0") not in ("", "0", "false", "no"):
            print(
                "firmware-config: warning: MQTT_TLS is set, but the firmware connects without "
                "TLS; give the device a plain listener (e.g. port 1883 on your LAN)",
                file=sys.stderr,
            )
        lines = [config_line(key, settings[key]) for key in FIRMWARE_KEYS if key in settings]
    except (OSError, EnvError) as error:
        print(f"firmware-config: error: {error}", file=sys.stderr)
        return 2

    for warning in warnings_for(settings):
        print(f"firmware-config: warning: {warning}", file=sys.stderr)

    header = [
        "// Generated by tools/firmware-config.py. Holds credentials: never commit it.",
        "#pragma once",
        "",
        "static const char kGeneratedConfig[] =",
    ]
    header += [f'    "{c_string(line)}"' for line in lines] or ['    ""']
    header[-1] += ";"
    text = "\n".join(header) + "\n"

    if args.output:
        # Owner-only: the file holds passwords.
        fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
