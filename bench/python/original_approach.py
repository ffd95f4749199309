#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The original Python decoder's approach, rebuilt for a speed and correctness comparison.

This follows the description in docs/PROTOCOL.md sections 1.3-1.5 of how the system this project
replaces decoded a telegram (hex text from MQTT -> values JSON):

1. frame boundaries: scan the hex text nibble by nibble for the first "68" after the start, then
   slice at fixed character offsets (7 unchecked bytes, 8-byte system title, 3 unchecked bytes,
   4-byte frame counter) and take everything up to the last 2 bytes as the ciphertext, so the
   checksum, stop byte and header of the second M-Bus frame are decrypted along with it;
2. decryption: AES-GCM *encryption* of the ciphertext with IV = system title + frame counter
   (GCM is CTR mode from counter block IV||00000002, so this yields the plaintext), tag cut off;
3. values: jump to character 68 of the plaintext hex and walk it with a per-field pattern scan
   ("0c" two bytes ahead = string, "0906" = OBIS, "06"/"12"/"10" = value, "02020f" = scaler,
   "16" = unit), advancing one nibble when nothing matches;
4. json.dumps of {key: {"value", "unit"}} plus the receive timestamp.

It checks nothing (no checksum, lengths, tags), exactly as the original did, and only handles the
EVN layout it was written for.

  original_approach.py decode FILE [--passes 5] [--key HEX] [--json-out FILE] [--values-only]
  original_approach.py compare PYTHON_JSONL CPP_JSONL [--hex FILE]
  original_approach.py vectors PUBLIC_JSON     (checks on the EVN telegrams of the test vectors)
"""

import argparse
import binascii
import json
import statistics
import sys
import time

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

DOC_KEY = "36C66639E48A8CA4D6BC8B282A793BBB"

# The 11 OBIS codes the original knew (1-0:1.8.0 ... 1-0:13.7.0), as lowercase hex.
OBIS_NAMES = {
    "0100010800ff": "WIn",
    "0100020800ff": "WOut",
    "0100010700ff": "PIn",
    "0100020700ff": "POut",
    "0100200700ff": "U1",
    "0100340700ff": "U2",
    "0100480700ff": "U3",
    "01001f0700ff": "I1",
    "0100330700ff": "I2",
    "0100470700ff": "I3",
    "01000d0700ff": "PF",
}
UNITS = {"1e": "Wh", "1b": "W", "23": "V", "21": "A", "ff": "1"}
KEYS = list(OBIS_NAMES.values())


def split_telegram(hex_text):
    """Fixed-offset slicing of the raw hex string (section 1.3)."""
    start = ""
    for char in hex_text:
        start += char
        if len(start) > 2 and start.endswith("68"):
            break
    pos = len(start)
    pos += 14  # C, A, CI, STSAP, DTSAP, 0xDB, system-title length: not checked
    system_title = hex_text[pos : pos + 16]
    pos += 16
    pos += 6  # 0x81 length, security control: not checked
    frame_counter = hex_text[pos : pos + 8]
    pos += 8
    apdu = hex_text[pos:-4]  # up to the checksum and stop byte of the last frame
    return system_title, frame_counter, apdu


def decrypt(aesgcm, system_title, frame_counter, apdu):
    """GCM encryption of the ciphertext used as CTR decryption (section 1.4)."""
    iv = binascii.unhexlify(system_title + frame_counter)
    out = aesgcm.encrypt(iv, binascii.unhexlify(apdu), b"\x30")
    return binascii.hexlify(out[:-16]).decode()


def to_int8(hex_byte):
    value = int(hex_byte, 16)
    return value - 256 if value > 127 else value


def to_int16(hex_word):
    value = int(hex_word, 16)
    return value - 65536 if value > 32767 else value


def extract_values(plain):
    """The per-field nibble scan of the plaintext hex (section 1.5)."""
    frames = []
    frame = None
    i = 68  # past invoke id, date-time and the first octet-string date-time
    n = len(plain)
    while i < n:
        window = plain[i : i + 6]
        if window[4:6] == "0c":
            i += 28  # taken for a 12-byte "string": 4 + 24 characters skipped
        elif window[0:4] == "0906":
            obis = plain[i + 4 : i + 16]
            frame = {"obis": OBIS_NAMES.get(obis, "Unknown " + obis)}
            i += 16
        elif frame is not None and window[0:2] == "06":
            frame["intValue"] = int(plain[i + 2 : i + 10], 16)
            i += 10
        elif frame is not None and window[0:2] == "12":
            frame["intValue"] = int(plain[i + 2 : i + 6], 16)
            i += 6
        elif frame is not None and window[0:2] == "10":
            frame["intValue"] = to_int16(plain[i + 2 : i + 6])
            i += 6
        elif window == "02020f":
            if frame is not None:
                frame["scaler"] = to_int8(plain[i + 6 : i + 8])
            i += 8
        elif frame is not None and window[0:2] == "16":
            unit = plain[i + 2 : i + 4]
            frame["unit"] = UNITS.get(unit, "Unknown " + unit)
            if "intValue" in frame and "scaler" in frame:
                frame["floatValue"] = round(frame["intValue"] * 10 ** frame["scaler"], 3)
            frames.append(frame)  # a dataframe counts once its unit closed it
            frame = None
            i += 4
        else:
            i += 1
    features = {}
    for f in frames:
        if "floatValue" in f:
            value = f["floatValue"]
        elif "intValue" in f:
            value = float(f["intValue"])  # v1.1's fallback: the unscaled integer
        else:
            continue
        features[f["obis"]] = {"value": value, "unit": f.get("unit", "Unknown")}
    return features


def decode_values(aesgcm, hex_text):
    system_title, frame_counter, apdu = split_telegram(hex_text)
    features = extract_values(decrypt(aesgcm, system_title, frame_counter, apdu))
    features["timestamp"] = {"value": round(time.time()), "unit": "s"}
    return features


def decode(aesgcm, hex_text):
    return json.dumps(decode_values(aesgcm, hex_text))


def read_lines(path):
    with open(path, encoding="ascii") as f:
        return [line.strip() for line in f if line.strip()]


def cmd_decode(args):
    lines = read_lines(args.file)
    aesgcm = AESGCM(binascii.unhexlify(args.key))
    wall, cpu = [], []
    out = [""] * len(lines)
    step = decode_values if args.values_only else decode
    for p in range(args.passes):
        w0, c0 = time.perf_counter(), time.process_time()
        for i, line in enumerate(lines):
            out[i] = step(aesgcm, line)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
        print(
            f"pass={p} telegrams={len(lines)} wall_s={wall[-1]:.6f} cpu_s={cpu[-1]:.6f} "
            f"telegrams_per_s_cpu={len(lines) / cpu[-1]:.0f}"
        )
    mc, mw = statistics.median(cpu), statistics.median(wall)
    print(
        f"summary impl=python output={'values' if args.values_only else 'json'} telegrams={len(lines)} passes={args.passes} failed=0 "
        f"median_wall_s={mw:.6f} median_cpu_s={mc:.6f} "
        f"telegrams_per_s_cpu={len(lines) / mc:.0f} telegrams_per_s_wall={len(lines) / mw:.0f} "
        f"us_per_telegram={mc * 1e6 / len(lines):.3f}"
    )
    if args.json_out and not args.values_only:
        with open(args.json_out, "w", encoding="utf-8") as f:
            f.writelines(line + "\n" for line in out)


def cmd_compare(args):
    """Compares the 11 original keys of both outputs, line by line."""
    py = [json.loads(line) for line in read_lines(args.python_jsonl)]
    cpp = [json.loads(line) for line in read_lines(args.cpp_jsonl)]
    hexes = read_lines(args.hex) if args.hex else [""] * len(py)
    if len(py) != len(cpp):
        sys.exit(f"compare: {len(py)} Python lines but {len(cpp)} C++ lines")
    bad = 0
    kinds = {"missing": 0, "wrong": 0, "extra": 0}
    per_key = {}
    unit_differs = {}
    examples = []
    for n, (p, c) in enumerate(zip(py, cpp)):
        problems = []
        for key in KEYS:
            if key not in c:
                if key in p:
                    problems.append(f"{key}: Python {p[key]['value']}, C++ none")
                    kinds["extra"] += 1
                continue
            want = c[key]["value"]
            if key not in p:
                problems.append(f"{key}: missing (C++ {want})")
                kinds["missing"] += 1
            elif abs(p[key]["value"] - want) > 1e-6 * max(1.0, abs(want)):
                problems.append(f"{key}: Python {p[key]['value']}, C++ {want}")
                kinds["wrong"] += 1
            else:
                if p[key]["unit"] != c[key]["unit"]:
                    unit_differs[key] = unit_differs.get(key, 0) + 1
                continue
            per_key[key] = per_key.get(key, 0) + 1
        unknown = [k for k in p if k.startswith("Unknown")]
        if problems:
            bad += 1
            if len(examples) < args.examples:
                examples.append(f"line {n + 1}: " + "; ".join(problems))
        if unknown and len(examples) < args.examples:
            examples.append(f"line {n + 1}: spurious {', '.join(unknown)}")
    total = len(py)
    print(
        f"compare telegrams={total} identical={total - bad} differing={bad} "
        f"differing_pct={100.0 * bad / max(total, 1):.2f} missing_values={kinds['missing']} "
        f"wrong_values={kinds['wrong']} values_cpp_lacks={kinds['extra']}"
    )
    if per_key:
        print("compare per_key " + " ".join(f"{k}={v}" for k, v in sorted(per_key.items())))
    if unit_differs:
        print(
            "compare unit_differs (value right, unit not) "
            + " ".join(f"{k}={v}" for k, v in sorted(unit_differs.items()))
        )
    for line in examples:
        print("compare example " + line)


TRUTH_NAMES = {
    "energy_import_Wh": "WIn",
    "energy_export_Wh": "WOut",
    "power_import_W": "PIn",
    "power_export_W": "POut",
    "voltage_L1_V": "U1",
    "voltage_L2_V": "U2",
    "voltage_L3_V": "U3",
    "current_L1_A": "I1",
    "current_L2_A": "I2",
    "current_L3_A": "I3",
    "power_factor": "PF",
}


def same_values(got, want):
    if set(got) != set(want):
        return False
    return all(abs(got[k] - want[k]) <= 1e-6 * max(1.0, abs(want[k])) for k in want)


def cmd_vectors(args):
    """Runs this re-implementation on the EVN-layout telegrams of a test-vector file (each with
    its own key) and checks it twice: against the output the vector file records for the
    original decoder (fidelity of this re-implementation) and against the vector's true values
    (where the approach misreads)."""
    try:
        with open(args.public_json, encoding="utf-8") as f:
            vectors = json.load(f)
    except FileNotFoundError:
        print(f"vectors skipped: {args.public_json} not found")
        return
    total = as_recorded = correct = 0
    for v in vectors:
        recorded = v.get("original_decoder_output") or {}
        truth = (v.get("decoded") or {}).get("values") or {}
        if not (v.get("telegram_hex") and v.get("key_hex")):
            continue
        if "EVN" not in str(v.get("operator", "")) or recorded.get("mode") != "full pipeline on telegram":
            continue
        total += 1
        out = json.loads(decode(AESGCM(binascii.unhexlify(v["key_hex"])), v["telegram_hex"]))
        got = {k: x["value"] for k, x in out.items() if k in KEYS}
        want_truth = {TRUTH_NAMES[k]: float(x) for k, x in truth.items() if k in TRUTH_NAMES}
        fidelity = same_values(got, recorded.get("values") or {})
        right = same_values(got, want_truth)
        as_recorded += fidelity
        correct += right
        wrong = [
            f"{k}={got.get(k, 'missing')} (true {want_truth[k]})"
            for k in want_truth
            if k not in got or abs(got[k] - want_truth[k]) > 1e-6 * max(1.0, abs(want_truth[k]))
        ]
        print(
            f"vector {v['id']}: as_recorded_for_original={'yes' if fidelity else 'NO'} "
            f"true_values={'yes' if right else 'no: ' + ', '.join(wrong)}"
        )
    print(f"vectors evn={total} as_recorded_for_original={as_recorded} true_values={correct}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("decode", help="decode every line of FILE, timed")
    d.add_argument("file")
    d.add_argument("--passes", type=int, default=5)
    d.add_argument("--key", default=DOC_KEY)
    d.add_argument("--json-out")
    d.add_argument("--values-only", action="store_true", help="stop before json.dumps")
    c = sub.add_parser("compare", help="compare Python and C++ JSON lines")
    c.add_argument("python_jsonl")
    c.add_argument("cpp_jsonl")
    c.add_argument("--hex")
    c.add_argument("--examples", type=int, default=8)
    v = sub.add_parser("vectors", help="check against the EVN telegrams of a test-vector file")
    v.add_argument("public_json")
    args = parser.parse_args()
    {"decode": cmd_decode, "compare": cmd_compare, "vectors": cmd_vectors}[args.command](args)


if __name__ == "__main__":
    main()
