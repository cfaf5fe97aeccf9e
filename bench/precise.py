"""Millisecond-precise wall times for the fast cases, where GNU time's 10 ms resolution
rounds mlsecops to 0.00-0.01 s. Runs each command N times (after one warm-up) and prints
the median and the ratio to mlsecops.

    bench/.venv/bin/python bench/precise.py [N] [DATASET...]

Datasets: many_small, big, legacy (bench/gen_data.py), safetensors_1g, gguf_1g
(bench/gen_headers.py; header-only formats, where modelaudit is compared too).
"""
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, "bench", ".venv", "bin")
DATA = os.path.join(ROOT, "bench", "data")
N = int(sys.argv[1]) if len(sys.argv) > 1 else 20
ONLY = set(sys.argv[2:])
MLSECOPS = os.path.join(ROOT, "target", "release", "mlsecops")

DATASETS = {
    "many_small": os.path.join(DATA, "many_small"),
    "big": os.path.join(DATA, "big", "model_1g.pt"),
    "legacy": os.path.join(DATA, "big", "legacy_200m.pt"),
    "safetensors_1g": os.path.join(DATA, "large", "large.safetensors"),
    "gguf_1g": os.path.join(DATA, "large", "large.gguf"),
}
# modelaudit takes seconds per run on the pickle datasets; it is timed on the header-only
# formats, where reading only the header is the point of the comparison.
HEADER_ONLY = {"safetensors_1g", "gguf_1g"}
TOOLS = {
    "mlsecops": lambda p: [MLSECOPS, "scan", p, "--format", "json", "--output", os.devnull, "--no-progress"],
    "picklescan": lambda p: [os.path.join(VENV, "picklescan"), "-p", p],
    "modelscan": lambda p: [os.path.join(VENV, "modelscan"), "-p", p],
    "modelaudit": lambda p: [os.path.join(VENV, "modelaudit"), "scan", "--no-cache", "--format", "json",
                             "--output", os.devnull, p],
}


def median_ms(cmd):
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    times = []
    for _ in range(N):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


print(f"| dataset | tool | median wall ms (n={N}) | x mlsecops |")
print("|---|---|--:|--:|")
os.environ.setdefault("PROMPTFOO_DISABLE_TELEMETRY", "1")
os.environ.setdefault("NO_ANALYTICS", "1")
for name, path in DATASETS.items():
    if ONLY and name not in ONLY:
        continue
    if not os.path.exists(path):
        print(f"| {name} | (missing: {path}) | | |")
        continue
    base = None
    for tool, make in TOOLS.items():
        if tool == "modelaudit" and name not in HEADER_ONLY:
            continue
        if tool == "picklescan" and name in HEADER_ONLY:
            continue
        ms = median_ms(make(path))
        base = base or ms
        print(f"| {name} | {tool} | {ms:.1f} | {ms / base:.1f}x |", flush=True)
