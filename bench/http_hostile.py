#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The dashboard's response time while hostile clients hold the HTTP side.

Starts a throw-away mosquitto (tools/test-servers.sh) and `smartmeter run` (SQLite, dashboard on a
free loopback port), then, one scenario after the other, holds connections open and probes
GET /, GET /healthz and GET /api/status from 127.0.0.1 with a fresh connection each time (5 s
timeout), and prints a Markdown table: per scenario and path the answers that came, their median
and slowest time, and how many of the held connections the service had closed by the end.

  silent-1addr     256 connections from 127.0.0.2 that send nothing
  silent-16addr    256 connections spread over 127.0.0.2..17 that send nothing
  dribble-16addr   64 connections over 127.0.0.2..17 sending one header line every 2 s
  ranges           4 parallel GETs of the largest asset with 2,600 ranges `bytes=0-,0-,...`:
                   bytes answered and the service's RSS before and after (VmRSS, VmHWM)

  bench/http_hostile.py [--bin build/preset-dev/smartmeter] [--seconds 10] [--slow 256]
"""
import argparse
import http.client
import os
import pathlib
import re
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
PATHS = ["/", "/healthz", "/api/status"]
KEY = "36C66639E48A8CA4D6BC8B282A793BBB"


def start_service(binary, work, servers):
    subprocess.run([str(ROOT / "tools/test-servers.sh"), "start", "mosquitto", str(servers)],
                   check=True, stdout=subprocess.DEVNULL)
    port = (servers / "port").read_text().strip()
    env_file = work / "server.env"
    env_file.write_text("\n".join([
        f"SMARTMETER_KEY={KEY}", "MQTT_HOST=127.0.0.1", f"MQTT_PORT={port}",
        "SMARTMETER_RAWDATA_MQTT_TOPIC=bench/hostile/raw", "SMARTMETER_STORAGE=sqlite",
        f"SMARTMETER_DATA_DIR={work / 'data'}", "SMARTMETER_HTTP_LISTEN=127.0.0.1:0", ""]))
    log = open(work / "service.log", "wb")
    proc = subprocess.Popen([binary, "run", "--env", str(env_file)], cwd=work, stdout=log,
                            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = re.search(rb"dashboard at http://127\.0\.0\.1:(\d+)/",
                          (work / "service.log").read_bytes())
        if found:
            return proc, int(found.group(1))
        time.sleep(0.1)
    raise SystemExit("the service did not log its dashboard address:\n" +
                     (work / "service.log").read_text())


def get(port, path, headers=None, timeout=5.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                      source_address=("127.0.0.1", 0))
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, len(response.read())
    finally:
        conn.close()


def probe(port, seconds):
    times = {path: [] for path in PATHS}
    failures = {path: 0 for path in PATHS}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in PATHS:
            started = time.monotonic()
            try:
                status, _ = get(port, path)
                if status == 200:
                    times[path].append(time.monotonic() - started)
                else:
                    failures[path] += 1
            except OSError:
                failures[path] += 1
        time.sleep(0.1)
    return times, failures


def hold(port, count, addresses, dribble):
    """Opens `count` connections from 127.0.0.2.. (`addresses` of them); `dribble`: one header
    line every 2 s on each. Returns the sockets and a stop function giving how many closed."""
    socks, closed, stop = [], set(), threading.Event()
    for i in range(count):
        s = socket.socket()
        s.bind((f"127.0.0.{2 + i % addresses}", 0))
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", port))
            s.setblocking(False)
            if dribble:
                s.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
        except OSError:
            closed.add(i)
        socks.append(s)

    def dribbler():
        line = 0
        while not stop.wait(2.0):
            line += 1
            for i, s in enumerate(socks):
                if i in closed:
                    continue
                try:
                    s.send(b"X-Slow-%d: 1\r\n" % line)
                except OSError:
                    closed.add(i)

    worker = threading.Thread(target=dribbler, daemon=True) if dribble else None
    if worker:
        worker.start()

    def finish():
        stop.set()
        if worker:
            worker.join()
        for i, s in enumerate(socks):
            if i in closed:
                continue
            readable, _, _ = select.select([s], [], [], 0)
            if readable:
                try:
                    if s.recv(65536, socket.MSG_PEEK) == b"":
                        closed.add(i)
                except OSError:
                    closed.add(i)
        for s in socks:
            s.close()
        return len(closed)

    return finish


def rss_kb(pid):
    fields = {}
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def ranges(port, pid):
    before = rss_kb(pid)
    header = {"Range": "bytes=" + ",".join(["0-"] * 2600)}
    sizes = [None] * 4

    def one(i):
        try:
            sizes[i] = get(port, "/vendor/uplot/uPlot.iife.min.js", header, timeout=60)
        except OSError as error:
            sizes[i] = ("error", str(error))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return before, rss_kb(pid), sizes


def row(name, times, failures, closed, held):
    cells = []
    for path in PATHS:
        got = times[path]
        tried = len(got) + failures[path]
        if got:
            cells.append(f"{len(got)}/{tried} ok, median {statistics.median(got) * 1000:.1f} ms,"
                         f" max {max(got) * 1000:.0f} ms")
        else:
            cells.append(f"0/{tried} ok")
    closed_text = "" if held == 0 else f"{closed}/{held}"
    print(f"| {name} | " + " | ".join(cells) + f" | {closed_text} |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=str(ROOT / "build/preset-dev/smartmeter"))
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--slow", type=int, default=256)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="http-hostile-") as tmp:
        work = pathlib.Path(tmp)
        servers = work / "mosquitto"
        proc = None
        try:
            proc, port = start_service(args.bin, work, servers)
            time.sleep(1.0)
            print(f"binary: {args.bin}, port {port}, probe {args.seconds:g} s per scenario\n")
            print("| scenario | " + " | ".join(f"GET {p}" for p in PATHS) +
                  " | held closed by the service |")
            print("|---|---|---|---|---|")
            row("none", *probe(port, args.seconds), 0, 0)
            scenarios = [("silent-1addr", args.slow, 1, False),
                         ("silent-16addr", args.slow, 16, False),
                         ("dribble-16addr", 64, 16, True)]
            for name, count, addresses, dribble in scenarios:
                finish = hold(port, count, addresses, dribble)
                times, failures = probe(port, args.seconds)
                row(f"{name} ({count})", times, failures, finish(), count)
                time.sleep(6.0)  # let the service drop what is left before the next scenario
            before, after, sizes = ranges(port, proc.pid)
            print(f"\nranges: 4 x 2,600 ranges: answers {sizes}; RSS {before['VmRSS']} -> "
                  f"{after['VmRSS']} kB, peak {before['VmHWM']} -> {after['VmHWM']} kB")
        finally:
            if proc:
                proc.terminate()
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
            subprocess.run([str(ROOT / "tools/test-servers.sh"), "stop", "mosquitto",
                            str(servers)], stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    sys.exit(main())
