"""Millisecond-precise wall times for the fast cases, where GNU time's 10 ms resolution
rounds mlsecops to 0.00-0.01 s. Runs each command N times (after one warm-up) and prints
the median and the ratio to mlsecops.

    bench/.venv/bin/python bench/precise.py [N]
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
MLSECOPS = os.path.join(ROOT, "target", "release", "mlsecops")

DATASETS = {
    "many_small": os.path.join(DATA, "many_small"),
    "big": os.path.join(DATA, "big", "model_1g.pt"),
    "legacy": os.path.join(DATA, "big", "legacy_200m.pt"),
}
TOOLS = {
    "mlsecops": lambda p: [MLSECOPS, "scan", p, "--format", "json", "--output", os.devnull, "--no-progress"],
    "picklescan": lambda p: [os.path.join(VENV, "picklescan"), "-p", p],
    "modelscan": lambda p: [os.path.join(VENV, "modelscan"), "-p", p],
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
for name, path in DATASETS.items():
    base = None
    for tool, make in TOOLS.items():
        ms = median_ms(make(path))
        base = base or ms
        print(f"| {name} | {tool} | {ms:.1f} | {ms / base:.1f}x |", flush=True)
