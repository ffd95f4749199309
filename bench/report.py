#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the Markdown report of bench/run-all.sh from its results directory (stdout)."""

import glob
import json
import os
import re
import statistics
import sys


def kv(line):
    return dict(re.findall(r"(\w+)=(\S+)", line))


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def rng(values, fmt="{:,.0f}", unit=""):
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    lo, hi = min(values), max(values)
    if fmt.format(lo) == fmt.format(hi):
        return fmt.format(lo) + unit
    return f"{fmt.format(lo)}–{fmt.format(hi)}{unit}"


def number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def parse_e2e(path):
    text = read(path)
    run = {"cpu": {}, "latency": {}, "text": text}
    for line in text.splitlines():
        if line.startswith("e2e-result "):
            run["result"] = kv(line)
        elif line.startswith("cpu machine "):
            run["busy"] = number(kv(line).get("busy_pct"))
        elif line.startswith("cpu "):
            name = line.split()[1]
            run["cpu"][name] = {k: number(v) for k, v in kv(line).items()}
        elif line.startswith("latency received ") or line.startswith("latency stored "):
            run["latency"][line.split()[1]] = {k: number(v) for k, v in kv(line).items()}
        elif line.startswith("latency poll_interval"):
            run["poll_ms"] = number(kv(line).get("poll_interval_median_ms"))
    return run


def runs(results, prefix):
    files = sorted(glob.glob(os.path.join(results, "e2e", prefix + "-*.txt")))
    return [parse_e2e(f) for f in files]


def result_values(rs, key):
    return [number(r.get("result", {}).get(key)) for r in rs]


def all_ok(rs):
    if not rs:
        return "n/a"
    oks = [r.get("result", {}).get("ok") == "yes" for r in rs]
    return "yes" if all(oks) else f"NO ({oks.count(False)} of {len(oks)} runs)"


def cpu_table(rs):
    """Per process: mean and peak CPU, CPU time per stored telegram, peak RSS."""
    names = sorted({n for r in rs for n in r["cpu"]})
    out = [
        "| process | mean CPU % (100 = one core) | peak CPU % | CPU µs / telegram | peak RSS MiB |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in names:
        got = [(r["cpu"][name], number(r.get("result", {}).get("sustained"))) for r in rs if name in r["cpu"]]
        per_telegram = [c.get("mean_pct") * 1e4 / s for c, s in got if s and c.get("mean_pct") is not None]
        out.append(
            f"| {name} | {rng([c.get('mean_pct') for c, _ in got])} | "
            f"{rng([c.get('peak_pct') for c, _ in got])} | {rng(per_telegram)} | "
            f"{rng([c.get('peak_rss_mib') for c, _ in got], '{:.1f}')} |"
        )
    out.append(f"| whole machine (100 = all cores) | {rng([r.get('busy') for r in rs])} | | | |")
    return out


def bottleneck(rs):
    sustained = [number(r.get("result", {}).get("sustained")) or 0 for r in rs]
    publisher = [number(r.get("result", {}).get("publisher")) or 0 for r in rs]
    busy = [r.get("busy") or 0 for r in rs]
    if not rs or not all(publisher):
        return "no complete run"
    keep_up = statistics.median(s / p for s, p in zip(sustained, publisher))
    top = {}
    for r in rs:
        for name, c in r["cpu"].items():
            top.setdefault(name, []).append(c.get("mean_pct") or 0)
    ranked = sorted(((statistics.median(v), n) for n, v in top.items()), reverse=True)
    shares = ", ".join(f"{n} {v:.0f} %" for v, n in ranked)
    if keep_up >= 0.9:
        verdict = (
            f"the service stores {100 * keep_up:.0f} % of the rate the publisher gets acknowledged: "
            "it keeps up with what the publisher and broker deliver"
        )
    else:
        verdict = (
            f"the service stores {100 * keep_up:.0f} % of the rate the publisher gets acknowledged: "
            "the service and database side is behind"
        )
    if statistics.median(busy) >= 90:
        verdict += (
            "; all cores are busy, so the processes compete for CPU and the rate is bounded by "
            "the sum of their CPU time per telegram (table above)"
        )
    cores = os.cpu_count() or 1
    ours = sum(v for v, _ in ranked)
    other = max(0.0, statistics.median(busy) * cores - ours)
    # CPU time per stored telegram summed over the processes of the chain: how many telegrams
    # per second the cores could carry if nothing else ran (an estimate from CPU cost only).
    cost_us = statistics.median(
        sum(c.get("mean_pct") or 0 for c in r["cpu"].values()) * 1e4 / s
        for r, s in zip(rs, sustained)
        if s
    )
    return (
        f"{verdict}. CPU by process (median of the means, 100 % = one core): {shares}; "
        f"together {ours:.0f} % of the {cores * 100} % the machine has. The machine was "
        f"{statistics.median(busy):.0f} % busy (median), so about {other:.0f} % went to "
        f"other work on the machine. The chain spends {cost_us:.0f} µs of CPU per telegram "
        f"(all its processes), which on {cores} otherwise idle cores would allow about "
        f"{cores * 1e6 / cost_us:,.0f} telegrams/s (an estimate from CPU cost alone)."
    )


def cpu_blocks(lines, groups, title, with_bottleneck):
    for b, rs in groups.items():
        if not rs:
            continue
        lines += [title.format(b=b), ""] + cpu_table(rs)
        lines += ["", f"Bottleneck ({b}): {bottleneck(rs)}", ""] if with_bottleneck else [""]


def section_decode(results, lines):
    data = read(os.path.join(results, "decode.json"))
    if not data:
        return
    bench = json.loads(data)
    groups = {}
    for b in bench.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration":
            continue
        scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
        groups.setdefault(b["run_name"], []).append(
            (b["cpu_time"] * scale, b.get("items_per_second", 0))
        )
    lines += [
        "## 1. Decode micro-benchmarks (one core)",
        "",
        f"`bench_decode`, {len(next(iter(groups.values()), []))} repetitions; CPU time per "
        "telegram, range over the repetitions (median in brackets).",
        "",
        "| benchmark | ns / telegram | telegrams / s |",
        "|---|---:|---:|",
    ]
    for name, got in groups.items():
        ns = [g[0] for g in got]
        per_s = [g[1] for g in got]
        lines.append(
            f"| {name} | {rng(ns)} ({statistics.median(ns):,.0f}) | "
            f"{rng([p / 1e3 for p in per_s], '{:,.0f}', ' k')} |"
        )
    lines.append("")


def summary(path):
    for line in read(path).splitlines():
        if line.startswith("summary "):
            return kv(line)
    return {}


def rates(dir_, prefix):
    got = [summary(p) for p in sorted(glob.glob(os.path.join(dir_, prefix + "-*.txt")))]
    return got, [number(g.get("telegrams_per_s_cpu")) for g in got]


def section_python(results, lines):
    dir_ = os.path.join(results, "python")
    cpp, c_rate = rates(dir_, "cpp")
    py, p_rate = rates(dir_, "python")
    if not cpp or not py:
        return
    ratios = [c / p for c, p in zip(c_rate, p_rate) if c and p]
    vcpp, vc_rate = rates(dir_, "values-cpp")
    vpy, vp_rate = rates(dir_, "values-python")
    vratios = [c / p for c, p in zip(vc_rate, vp_rate) if c and p]
    n = cpp[0].get("telegrams")

    def us(got, fmt):
        return rng([number(g.get("us_per_telegram")) for g in got], fmt)

    lines += [
        "## 2. Against the original Python approach",
        "",
        f"The same file of {n} EVN telegrams (hex text, one per line; `hex_file_decode generate`), "
        "decoded by both in the same run, one after the other, "
        f"{len(ratios)} rounds. CPU time of the decode loop only (the file is read before). "
        "Python: `bench/python/original_approach.py` (fixed-offset slicing, AES-GCM used as CTR, "
        "the per-field nibble scan, `json.dumps`). C++: `TelegramDecoder::decode_hex` + "
        "`telegram_to_json_line` (`bench/hex_file_decode.cpp`), which also checks every "
        "length, checksum and stop byte and writes more keys (meter number, system title, "
        "frame counter, meter time). The second pair of rows stops before the JSON.",
        "",
        "| work | implementation | µs / telegram | telegrams / s (one core) |",
        "|---|---|---:|---:|",
        f"| hex → values JSON | original approach, Python | {us(py, '{:.1f}')} | {rng(p_rate)} |",
        f"| hex → values JSON | this project, C++ | {us(cpp, '{:.2f}')} | {rng(c_rate)} |",
    ]
    if vratios:
        lines += [
            f"| hex → values | original approach, Python | {us(vpy, '{:.1f}')} | {rng(vp_rate)} |",
            f"| hex → values | this project, C++ | {us(vcpp, '{:.2f}')} | {rng(vc_rate)} |",
        ]
    lines += [
        "",
        f"**Speed ratio C++ / Python, hex → values JSON: {rng(ratios, '{:.0f}', '×')}** "
        f"(median {statistics.median(ratios):.0f}×).",
    ]
    if vratios:
        lines.append(
            f"Hex → values without the JSON: {rng(vratios, '{:.0f}', '×')} "
            f"(median {statistics.median(vratios):.0f}×)."
        )
    lines.append("")
    compare = read(os.path.join(dir_, "compare.txt")).strip()
    if compare:
        first = kv(compare.splitlines()[0])
        lines += [
            f"Same values? On {first.get('telegrams')} telegrams the Python approach gave the "
            f"C++ values for all 11 registers in {first.get('identical')}; "
            f"{first.get('differing')} ({first.get('differing_pct')} %) differ "
            f"({first.get('missing_values')} values missing, {first.get('wrong_values')} wrong: "
            "the nibble scan misreads a value whose byte two places ahead is 0x0C, PROTOCOL.md "
            "§1.5). `compare` output:",
            "",
            "```",
            compare,
            "```",
            "",
        ]
    vectors = read(os.path.join(dir_, "vectors.txt")).strip()
    if vectors:
        lines += [
            "On the EVN telegrams of the test vectors (`../shared/vectors/public.json`, read at "
            "run time) the re-implementation must give what the vector file records for the "
            "original decoder (`as_recorded_for_original`), and is checked against the true "
            "values:",
            "",
            "```",
            vectors,
            "```",
            "",
        ]


def section_e2e(results, lines, meta):
    got = {b: runs(results, f"throughput-{b}") for b in ("mariadb", "sqlite")}
    lat = {}
    for r in runs(results, "latency"):
        res = r.get("result", {})
        if res.get("rate", "").isdigit():
            lat.setdefault((res["rate"], res.get("backend", "?")), []).append(r)
    if not any(got.values()) and not lat:
        return
    first = next((r for rs in got.values() for r in rs if "result" in r), None)
    lines += ["## 3. End to end: publisher → mosquitto → `smartmeter run` → database", ""]
    if first:
        res = first["result"]
        lines += [
            f"`bench/load/run-e2e.sh`: {res.get('n')} telegrams from {res.get('meters')} meters, "
            "QoS 1, publisher unthrottled (at most 1000 unacknowledged), everything on "
            "loopback on this machine. Sustained rate = N / (first publish → all N rows seen "
            "in `history`); publisher alone = N / (first publish → last broker "
            "acknowledgement).",
            "",
            "| backend | sustained rate /s | publisher alone /s | service CPU µs / telegram "
            "| service peak RSS MiB | COUNT = DISTINCT = N |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for b, rs in got.items():
            if not rs:
                continue
            lines.append(
                f"| {b} | {rng(result_values(rs, 'sustained'))} | "
                f"{rng(result_values(rs, 'publisher'))} | "
                f"{rng(result_values(rs, 'us_per_telegram'), '{:.0f}')} | "
                f"{rng(result_values(rs, 'rss_mib'), '{:.1f}')} | {all_ok(rs)} |"
            )
        lines.append("")
        cpu_blocks(lines, got, "CPU and memory while the load ran ({b}, sampled every 0.25 s "
                   "from /proc):", with_bottleneck=True)
    if lat:
        lines += [
            "### Latency at a fixed publish rate",
            "",
            "From each telegram's publish time (`load_publisher --times`) to (a) the receive time "
            "the service stores in the row (`received_at`, ms) and (b) the first poll of the "
            "database that saw the row (`MAX(id)`, time taken after the answer: an upper "
            "bound, only as fine as the poll interval). 100 meters, the publisher throttled to "
            "the rate in the table (run-all.sh uses 1000/s, i.e. 5,000 meters at one telegram "
            "per 5 s, and half the median sustained MariaDB rate above). Where the sustained "
            "rate stays below the publish rate the chain was saturated and the figures are "
            "queueing time. The service writes in batches of at most 500 "
            "rows or 200 ms (`SMARTMETER_BATCH_MAX_DELAY_MS`). `received_at` is whole "
            "milliseconds, so a figure around 0 (even slightly negative) means below 1 ms.",
            "",
            "| backend | rate /s | sustained /s | publish → received p50 / p99 ms | publish → "
            "stored row p50 / p99 ms | poll interval ms |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for (rate, b), rs in sorted(lat.items(), key=lambda kv_: (int(kv_[0][0]), kv_[0][1])):
            rec = [r["latency"].get("received", {}) for r in rs]
            sto = [r["latency"].get("stored", {}) for r in rs]
            saturated = any((v or 0) < 0.9 * int(rate) for v in result_values(rs, "sustained"))
            lines.append(
                f"| {b} | {int(rate):,}{' (saturated)' if saturated else ''} | "
                f"{rng(result_values(rs, 'sustained'))} | "
                f"{rng([x.get('p50_ms') for x in rec], '{:,.1f}')} / "
                f"{rng([x.get('p99_ms') for x in rec], '{:,.1f}')} | "
                f"{rng([x.get('p50_ms') for x in sto])} / {rng([x.get('p99_ms') for x in sto])} | "
                f"{rng([r.get('poll_ms') for r in rs])} |"
            )
        lines.append("")
        for (rate, b), rs in sorted(lat.items(), key=lambda kv_: (int(kv_[0][0]), kv_[0][1])):
            cpu_blocks(lines, {b: rs}, f"CPU and memory at {rate}/s ({{b}}):", with_bottleneck=False)


def section_scaleout(results, lines):
    one = runs(results, "scaleout-1")
    two = runs(results, "scaleout-2")
    if not one and not two:
        return
    n = next((r["result"].get("n") for r in one + two if "result" in r), "?")
    lines += [
        "## 4. Scale-out: two service instances on one MQTT shared subscription",
        "",
        f"MariaDB, {n} telegrams from 100 meters, publisher unthrottled. With 2 instances each "
        "has its own client id, status topic and data dir and subscribes as "
        "`$share/smartmeter/<raw topic>` (`SMARTMETER_SHARED_SUBSCRIPTION=smartmeter`); both "
        "write into the same `history`. Every telegram stored exactly once means COUNT(*) = "
        "COUNT(DISTINCT meter, frame_counter) = N.",
        "",
        "| instances | sustained rate /s | publisher alone /s | received per instance | "
        "COUNT = DISTINCT = N | machine busy % |",
        "|---|---:|---:|---|---|---:|",
    ]
    for label, rs in (("1", one), ("2", two)):
        splits = " / ".join(r.get("result", {}).get("split", "?") for r in rs)
        lines.append(
            f"| {label} | {rng(result_values(rs, 'sustained'))} | "
            f"{rng(result_values(rs, 'publisher'))} | {splits} | {all_ok(rs)} | "
            f"{rng([r.get('busy') for r in rs])} |"
        )
    s1 = [v for v in result_values(one, "sustained") if v]
    s2 = [v for v in result_values(two, "sustained") if v]
    if s1 and s2:
        lines += [
            "",
            f"Two instances against one: {statistics.median(s2) / statistics.median(s1):.2f}× "
            "(medians).",
        ]
    if two:
        lines += ["", "CPU with two instances:", ""] + cpu_table(two)
    lines.append("")


def section_memory(results, lines):
    rows = []
    for meters in ("1", "1000", "10000"):
        rs = runs(results, f"memory-{meters}")
        if rs:
            rows.append((meters, rs))
    if not rows:
        return
    n = next((r["result"].get("n") for _, rs in rows for r in rs if "result" in r), "?")
    lines += [
        "## 5. Memory against the number of meters",
        "",
        f"MariaDB, {n} telegrams spread over M meters (distinct system titles), publisher "
        "unthrottled; the service's peak RSS (`VmHWM`) at the end of the run.",
        "",
        "| meters | service peak RSS MiB | sustained rate /s | COUNT = N |",
        "|---:|---:|---:|---|",
    ]
    for meters, rs in rows:
        lines.append(
            f"| {int(meters):,} | {rng(result_values(rs, 'rss_mib'), '{:.1f}')} | "
            f"{rng(result_values(rs, 'sustained'))} | {all_ok(rs)} |"
        )
    lines.append("")


def main():
    results = sys.argv[1]
    meta = {}
    for line in read(os.path.join(results, "meta.txt")).splitlines():
        key, _, value = line.partition("=")
        meta[key] = value
    lines = [
        "# Benchmark report",
        "",
        f"- date: {meta.get('date')}, commit {meta.get('commit')}",
        f"- machine: {meta.get('nproc')} cores, {meta.get('cpu')} at {meta.get('mhz')} MHz, "
        f"{meta.get('memory')} RAM, Linux {meta.get('kernel')}",
        f"- compiler: {meta.get('compiler')}; {meta.get('openssl')}; Python {meta.get('python')}",
        f"- servers: {meta.get('mosquitto')}, MariaDB {meta.get('mariadb')}, "
        f"SQLite {meta.get('sqlite')}",
        f"- load average (1/5/15 min) at start {meta.get('load_start')}, at end "
        f"{meta.get('load_end')}",
        f"- command: `{meta.get('command')}`" + (" (quick mode: smoke test sizes)" if meta.get("quick") == "1" else ""),
        "",
        "Publisher, broker, service and database share the machine's cores; ranges are over the "
        f"{meta.get('repeat')} repetitions.",
        "",
    ]
    section_decode(results, lines)
    section_python(results, lines)
    section_e2e(results, lines, meta)
    section_scaleout(results, lines)
    section_memory(results, lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
