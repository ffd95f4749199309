#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes prices-2026-04.csv: made-up hourly day-ahead prices for April 2026 (Europe/Vienna,
# CEST all month) in APG's CSV layout (semicolons, decimal comma, local times, BOM), with
# negative prices on sunny Sunday middays. Run it again to regenerate; the cost golden test
# reads the file, not this script.
import math
from datetime import datetime, timedelta

lines = ["\ufeffZeit von [CET/CEST];Zeit bis [CET/CEST];Preis MC Auktion [EUR/MWh]"]
start = datetime(2026, 4, 1)
for h in range(30 * 24):
    t = start + timedelta(hours=h)
    hour = t.hour
    price = 85 + 35 * math.sin((hour - 5) / 24 * 2 * math.pi) - 45 * math.exp(-((hour - 13) ** 2) / 8)
    price += 7 * math.sin(h / 17.0)
    if t.weekday() == 6 and 11 <= hour <= 14:
        price = -12.5 - 3 * (hour - 11)
    price = round(price, 2)
    end = t + timedelta(hours=1)
    text = f"{price:.2f}".replace(".", ",")
    lines.append(f"{t:%d.%m.%Y %H:%M:%S};{end:%d.%m.%Y %H:%M:%S};{text}")
with open("prices-2026-04.csv", "w", encoding="utf-8", newline="\n") as out:
    out.write("\n".join(lines) + "\n")
