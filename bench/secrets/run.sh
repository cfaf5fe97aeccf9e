#!/usr/bin/env bash
# Secret-scanning benchmark: the same generated corpus (Python code, notebook JSON with image
# outputs, YAML configs, markdown; sparse fake secrets) scanned by
#   1. the mlsecops-secrets library, single thread (examples/throughput.rs, also writes the corpus),
#   2. `mlsecops scan DIR` (release binary; all cores and --threads 1),
#   3. `detect-secrets scan --all-files DIR` (pip install detect-secrets; bench/.venv or $DETECT_SECRETS),
#   4. `gitleaks detect --no-git` (if a gitleaks binary is on PATH or in $GITLEAKS),
# and prints wall times, ratios and finding counts.
#
#   bench/secrets/run.sh [MEGABYTES=64] [CORPUS_DIR=/tmp/mlsecops-secrets-corpus]
set -euo pipefail
MB="${1:-64}"
CORPUS="${2:-/tmp/mlsecops-secrets-corpus}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

cargo build --release -q -p mlsecops-cli -p mlsecops-secrets --example throughput
rm -rf "$CORPUS" && mkdir -p "$CORPUS"
echo "== mlsecops-secrets library (1 thread), corpus ${MB} MB -> $CORPUS"
target/release/examples/throughput "$MB" --write "$CORPUS"
BYTES=$(du -sb "$CORPUS" | cut -f1)
NFILES=$(find "$CORPUS" -type f | wc -l)
echo "corpus: $NFILES files, $BYTES bytes, $(nproc) CPUs"

# "WALL CPU" seconds of a command (CPU = user+sys of the command and its children), output discarded
seconds() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.monotonic() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.3f} {r.ru_utime + r.ru_stime:.3f}")
PY
}
count_json() { python3 - "$@" <<'PY'
import json, sys
kind, path = sys.argv[1], sys.argv[2]
try:
    data = json.load(open(path))
except Exception:
    print("n/a"); sys.exit()
if kind == "mlsecops":
    print(sum(1 for f in data.get("files", []) for x in f.get("findings", []) if x.get("rule", "").startswith("secret-")))
elif kind == "detect-secrets":
    print(sum(len(v) for v in data.get("results", {}).values()))
else:
    print(len(data))
PY
}

OUT=$(mktemp -d)
declare -A WALL COUNT
WALL[mlsecops]=$(seconds target/release/mlsecops scan "$CORPUS" --no-config --no-progress --no-secrets-baseline -f json -o "$OUT/mlsecops.json")
COUNT[mlsecops]=$(count_json mlsecops "$OUT/mlsecops.json")
WALL[mlsecops-1t]=$(seconds target/release/mlsecops scan "$CORPUS" --no-config --no-progress --no-secrets-baseline -j 1 -f json -o "$OUT/mlsecops1.json")
COUNT[mlsecops-1t]=$(count_json mlsecops "$OUT/mlsecops1.json")

DS="${DETECT_SECRETS:-}"
[ -z "$DS" ] && [ -x bench/.venv/bin/detect-secrets ] && DS=bench/.venv/bin/detect-secrets
[ -z "$DS" ] && command -v detect-secrets >/dev/null && DS=$(command -v detect-secrets)
if [ -n "$DS" ]; then
  DS=$(realpath "$DS")
  # detect-secrets only reports files under the current directory: run it inside the corpus.
  WALL[detect-secrets]=$(cd "$CORPUS" && seconds sh -c "'$DS' scan --all-files . > '$OUT/ds.json'")
  COUNT[detect-secrets]=$(count_json detect-secrets "$OUT/ds.json")
else
  echo "detect-secrets not found (python3 -m venv bench/.venv && bench/.venv/bin/pip install detect-secrets)"
fi

GL="${GITLEAKS:-$(command -v gitleaks || true)}"
if [ -n "$GL" ]; then
  WALL[gitleaks]=$(seconds "$GL" detect --no-git --source "$CORPUS" --report-format json --report-path "$OUT/gl.json")
  COUNT[gitleaks]=$(count_json gitleaks "$OUT/gl.json")
else
  echo "gitleaks not found (not installable with apt here; set GITLEAKS=/path/to/gitleaks)"
fi

printf '\n%-16s %9s %9s %9s %11s %11s %9s\n' tool "wall s" "cpu s" "MB/s" "wall/mls" "cpu/mls" findings
for tool in mlsecops mlsecops-1t detect-secrets gitleaks; do
  [ -n "${WALL[$tool]:-}" ] || continue
  python3 - "$tool" ${WALL[$tool]} ${WALL[mlsecops]} "$BYTES" "${COUNT[$tool]}" <<'PY'
import sys
tool, wall, cpu, bwall, bcpu, size, count = sys.argv[1], *map(float, sys.argv[2:6]), int(sys.argv[6]), sys.argv[7]
print(f"{tool:<16} {wall:>9.3f} {cpu:>9.3f} {size / 1e6 / max(wall, 1e-9):>9.1f} {wall / max(bwall, 1e-9):>11.1f} {cpu / max(bcpu, 1e-9):>11.1f} {count:>9}")
PY
done
rm -rf "$OUT"
