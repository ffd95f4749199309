#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Figures for run-e2e.sh: CPU and memory of the processes under load, and latency.

  e2e_stats.py sample --out FILE [--interval 0.25] NAME=PID ...
      top-like sampling from /proc until SIGTERM or until every PID is gone: per process the
      CPU ticks (utime + stime) and VmRSS, plus the whole machine's busy and total ticks.
  e2e_stats.py cpu --samples FILE --from MS --to MS
      per process: mean CPU % over the window (100 % = one core), the highest CPU % of one
      sampling interval, the highest RSS; and how busy the machine was (100 % = all cores).
  e2e_stats.py latency --times FILE --meters M --rows FILE [--polls FILE]
      per telegram, from its publish time (load_publisher --times, epoch us) to
      a) received_at of its row (the service's receive time, epoch ms), and
      b) the first poll of the database that saw its row (POLLS: "t_ms max_id" per poll, taken
         after the query returned: an upper bound, as coarse as the poll interval).
      ROWS: "id meter frame_counter received_at" per stored row; telegram i of load_publisher
      is meter i % M (system title ending in i % M + 1) with frame counter i / M + 1.
"""

import argparse
import bisect
import os
import signal
import sys
import time


def now_ms():
    return int(time.time() * 1000)


def read_proc(pid):
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            rss = next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
        return int(fields[11]) + int(fields[12]), rss
    except (OSError, StopIteration, IndexError, ValueError):
        return None


def read_machine():
    with open("/proc/stat", encoding="ascii") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    total = sum(ticks[:8])
    return total - idle, total


def cmd_sample(args):
    targets = []
    for item in args.targets:
        name, _, pid = item.partition("=")
        if pid.isdigit():
            targets.append((name, int(pid)))
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    with open(args.out, "w", encoding="ascii") as out:
        while not stop:
            t = now_ms()
            alive = 0
            for name, pid in targets:
                got = read_proc(pid)
                if got:
                    alive += 1
                    out.write(f"{t} {name} {got[0]} {got[1]}\n")
            busy, total = read_machine()
            out.write(f"{t} @machine {busy} {total}\n")
            out.flush()
            if targets and alive == 0:
                break
            time.sleep(args.interval)


def cmd_cpu(args):
    hz = os.sysconf("SC_CLK_TCK")
    series = {}
    with open(args.samples, encoding="ascii") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 4:
                series.setdefault(parts[1], []).append(tuple(int(x) for x in (parts[0], *parts[2:])))
    cores = os.cpu_count() or 1
    for name, rows in sorted(series.items()):
        inside = [r for r in rows if args.start <= r[0] <= args.end] or rows[-1:]
        # include the last sample before the window so the first interval counts too
        before = [r for r in rows if r[0] < args.start]
        if before:
            inside = [before[-1]] + inside
        if len(inside) < 2:
            continue
        if name == "@machine":
            busy = (inside[-1][1] - inside[0][1]) / max(1, inside[-1][2] - inside[0][2])
            print(f"cpu machine busy_pct={100 * busy:.0f} cores={cores}")
            continue
        secs = (inside[-1][0] - inside[0][0]) / 1000.0
        mean = (inside[-1][1] - inside[0][1]) / hz / max(secs, 1e-9)
        peak = max(
            (b[1] - a[1]) / hz / max((b[0] - a[0]) / 1000.0, 1e-9) for a, b in zip(inside, inside[1:])
        )
        rss = max(r[2] for r in rows) / 1024.0
        print(f"cpu {name} mean_pct={100 * mean:.0f} peak_pct={100 * peak:.0f} peak_rss_mib={rss:.1f}")


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[k]


def cmd_latency(args):
    with open(args.times, encoding="ascii") as f:
        published_us = [int(x) for x in f if x.strip()]
    polls = []
    if args.polls:
        with open(args.polls, encoding="ascii") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and parts[1].isdigit():
                    polls.append((int(parts[1]), int(parts[0])))
    # first poll that saw each id: polls sorted by time; max_id is non-decreasing with one writer
    poll_ids = []
    poll_times = []
    for max_id, t in sorted(polls, key=lambda p: p[1]):
        if not poll_ids or max_id > poll_ids[-1]:
            poll_ids.append(max_id)
            poll_times.append(t)
    received, visible = [], []
    unmatched = 0
    with open(args.rows, encoding="ascii") as f:
        for line in f:
            parts = line.split()
            if len(parts) != 4:
                continue
            row_id, meter, counter, received_at = int(parts[0]), parts[1], int(parts[2]), int(parts[3])
            try:
                index = (counter - 1) * args.meters + int(meter[-8:], 16) - 1
            except ValueError:
                unmatched += 1
                continue
            if not 0 <= index < len(published_us):
                unmatched += 1
                continue
            sent_ms = published_us[index] / 1000.0
            received.append(received_at - sent_ms)
            k = bisect.bisect_left(poll_ids, row_id)
            if k < len(poll_ids):
                visible.append(poll_times[k] - sent_ms)
    for name, values in (("received", received), ("stored", visible)):
        values.sort()
        if not values:
            print(f"latency {name} n=0")
            continue
        print(
            f"latency {name} n={len(values)} p50_ms={percentile(values, 50):.1f} "
            f"p90_ms={percentile(values, 90):.1f} p99_ms={percentile(values, 99):.1f} "
            f"max_ms={values[-1]:.1f}"
        )
    if polls:
        gaps = sorted(b - a for a, b in zip(poll_times, poll_times[1:])) or [0]
        print(f"latency poll_interval_median_ms={percentile(gaps, 50):.0f} polls={len(polls)}")
    if unmatched:
        print(f"latency unmatched_rows={unmatched}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--out", required=True)
    s.add_argument("--interval", type=float, default=0.25)
    s.add_argument("targets", nargs="*")
    c = sub.add_parser("cpu")
    c.add_argument("--samples", required=True)
    c.add_argument("--from", dest="start", type=int, required=True)
    c.add_argument("--to", dest="end", type=int, required=True)
    l = sub.add_parser("latency")
    l.add_argument("--times", required=True)
    l.add_argument("--meters", type=int, required=True)
    l.add_argument("--rows", required=True)
    l.add_argument("--polls")
    args = parser.parse_args()
    {"sample": cmd_sample, "cpu": cmd_cpu, "latency": cmd_latency}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
