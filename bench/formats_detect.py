#!/usr/bin/env python3
"""Detection comparison on the non-pickle fixture corpus (Keras/HDF5, ONNX, TensorFlow/TFLite,
GGUF, safetensors, chat templates, model repositories).

For every fixture listed in `crates/<crate>/tests/fixtures/manifest.toml` (all crates but the
scan crate, whose pickle corpus `bench/compare.sh` covers), each tool scans the fixture path
once. A fixture counts as *detected* when the tool flags it at its top level:
  mlsecops    a finding of severity high or critical (JSON report)
  modelscan   an issue of severity HIGH or CRITICAL (JSON report)
  modelaudit  an issue of severity critical (JSON report; same convention as count_flags.py)
Published techniques (E1-E10 in the format reference) and other malicious or malformed fixtures are counted
separately; benign fixtures flagged by a tool are false positives.

    bench/.venv/bin/python bench/formats_detect.py [--tools mlsecops,modelscan,modelaudit]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, "bench", ".venv", "bin")
MLSECOPS = os.path.join(ROOT, "target", "release", "mlsecops")
os.environ.update(PROMPTFOO_DISABLE_TELEMETRY="1", NO_ANALYTICS="1", DO_NOT_TRACK="1",
                  HF_HUB_OFFLINE="1", PYTHONDONTWRITEBYTECODE="1")


def run_json(cmd, out_path):
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                   timeout=300)
    try:
        with open(out_path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, json.JSONDecodeError):
        return None


def flagged(tool, path, tmp):
    out = os.path.join(tmp, f"{tool}.json")
    if os.path.exists(out):
        os.remove(out)
    if tool == "mlsecops":
        rep = run_json([MLSECOPS, "scan", path, "--format", "json", "--output", out,
                        "--no-progress"], out)
        return rep is not None and any(
            f["severity"] in ("high", "critical") for file in rep["files"] for f in file["findings"])
    if tool == "modelscan":
        rep = run_json([os.path.join(VENV, "modelscan"), "-p", path, "-r", "json", "-o", out], out)
        return rep is not None and any(
            i.get("severity") in ("HIGH", "CRITICAL") for i in rep.get("issues", []))
    if tool == "modelaudit":
        rep = run_json([os.path.join(VENV, "modelaudit"), "scan", "--no-cache", "--format", "json",
                        "--output", out, path], out)
        return rep is not None and any(
            str(i.get("severity", "")).lower() == "critical" for i in rep.get("issues", []))
    raise ValueError(tool)


def fixtures():
    crates = os.path.join(ROOT, "crates")
    for crate in sorted(os.listdir(crates)):
        manifest = os.path.join(crates, crate, "tests", "fixtures", "manifest.toml")
        if crate == "mlsecops-scan" or not os.path.isfile(manifest):
            continue
        with open(manifest, "rb") as fh:
            data = tomllib.load(fh)
        for fx in data.get("fixture", []):
            kind = fx.get("verdict", "malicious")
            if kind == "malicious":
                published = fx.get("technique", "").startswith("E")
                kind = "technique" if published else "other"
            yield crate.removeprefix("mlsecops-"), kind, os.path.join(os.path.dirname(manifest), fx["path"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tools", default="mlsecops,modelscan,modelaudit")
    tools = ap.parse_args().tools.split(",")
    counts = {}  # (area, kind) -> [n, {tool: flagged}]
    with tempfile.TemporaryDirectory() as tmp:
        for area, kind, path in fixtures():
            row = counts.setdefault((area, kind), [0, {t: 0 for t in tools}])
            row[0] += 1
            for tool in tools:
                if flagged(tool, path, tmp):
                    row[1][tool] += 1
            print(f"{area:12} {kind:9} {os.path.relpath(path, ROOT)}", file=sys.stderr, flush=True)
    print("| area | fixtures | n | " + " | ".join(tools) + " |")
    print("|---|---|--:|" + "--:|" * len(tools))
    totals = {}
    for (area, kind), (n, by_tool) in sorted(counts.items()):
        print(f"| {area} | {kind} | {n} | " + " | ".join(str(by_tool[t]) for t in tools) + " |")
        tot = totals.setdefault(kind, [0, {t: 0 for t in tools}])
        tot[0] += n
        for t in tools:
            tot[1][t] += by_tool[t]
    for kind, (n, by_tool) in sorted(totals.items()):
        print(f"| **all** | {kind} | {n} | " + " | ".join(str(by_tool[t]) for t in tools) + " |")
    print("\nflagged counts: technique/other rows = detected (higher is better); "
          "benign rows = false positives (lower is better)")


if __name__ == "__main__":
    main()
