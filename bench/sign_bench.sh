#!/usr/bin/env bash
# Time `mlsecops sign` against `model_signing sign key` on the same multi-GiB model directory,
# same key (P-256), same cores, warm page cache; print the median wall times and the ratio.
#
#   python3 bench/gen_sign_data.py        # 3 x 1 GiB random files in bench/data/sign/
#   bench/sign_bench.sh
#
# Environment (optional):
#   RUNS=3                        timed runs per tool (median wall and CPU time), after a warm-up
#   DATA=bench/data/sign          model directory
#   MLSECOPS=target/release/mlsecops   binary (built with cargo build --release if missing)
#   CORES=0-1                     pin both tools to these CPUs with taskset (default: all)
#   SHARD_SIZE=                   also pass a shard size to both (sharded manifests)
# model_signing comes from target/interop-venv (created by scripts/interop/model_signing.sh,
# or here with the same pinned version).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
RUNS=${RUNS:-3}
DATA=${DATA:-$ROOT/bench/data/sign}
MLSECOPS=${MLSECOPS:-$ROOT/target/release/mlsecops}
VENV=$ROOT/target/interop-venv
MODEL_SIGNING_VERSION="1.1.1"

[[ -d $DATA ]] || { echo "no $DATA: run python3 bench/gen_sign_data.py first" >&2; exit 3; }
if [[ ! -x $MLSECOPS ]]; then
    (cd "$ROOT" && cargo build --release -p mlsecops-cli)
fi
[[ -x $VENV/bin/pip ]] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q "model-signing==$MODEL_SIGNING_VERSION" "pyopenssl==26.4.0"

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
openssl ecparam -name prime256v1 -genkey -noout -out "$W/k.sec1" 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$W/k.sec1" -out "$W/k.key"
openssl ec -in "$W/k.key" -pubout -out "$W/k.pub" 2>/dev/null

PIN=()
if [[ -n ${CORES:-} ]]; then PIN=(taskset -c "$CORES"); fi

ML=("${PIN[@]}" "$MLSECOPS" sign "$DATA" --key "$W/k.key" --signature "$W/ml.sig")
PY=("${PIN[@]}" "$VENV/bin/model_signing" sign key "$DATA" --private_key "$W/k.key" --signature "$W/py.sig")
if [[ -n ${SHARD_SIZE:-} ]]; then
    ML+=(--shard-size "$SHARD_SIZE")
    PY=("${PIN[@]}" "$VENV/bin/python" "$ROOT/scripts/interop/oms_api.py" sign-shards "$DATA" "$W/k.key" "$W/py.sig" "$SHARD_SIZE")
fi

secs() { # command... -> "wall cpu" seconds of one run (GNU time: cpu = user + sys)
    /usr/bin/time -f '%e %U %S' -o "$W/time" "$@" >/dev/null 2>&1 || true
    awk '{printf "%s %.2f\n", $1, $2 + $3}' "$W/time"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

bytes=$(du -sb "$DATA" | cut -f1)
echo "model: $DATA ($(numfmt --to=iec "$bytes")), cpus: ${CORES:-all ($(nproc))}, runs: $RUNS (median, warm cache, interleaved)"
# Warm-up (page cache, Python bytecode cache), then alternate the tools so that background
# load hits both alike.
"${ML[@]}" >/dev/null 2>&1
"${PY[@]}" >/dev/null 2>&1
ml_times=()
py_times=()
for _ in $(seq "$RUNS"); do
    ml_times+=("$(secs "${ML[@]}")")
    py_times+=("$(secs "${PY[@]}")")
done
t_ml=$(printf '%s\n' "${ml_times[@]}" | cut -d' ' -f1 | median)
t_py=$(printf '%s\n' "${py_times[@]}" | cut -d' ' -f1 | median)
c_ml=$(printf '%s\n' "${ml_times[@]}" | cut -d' ' -f2 | median)
c_py=$(printf '%s\n' "${py_times[@]}" | cut -d' ' -f2 | median)
# Both bundles must describe the same bytes.
root() { "$VENV/bin/python" -c 'import base64,json,sys; b=json.load(open(sys.argv[1])); print(json.loads(base64.b64decode(b["dsseEnvelope"]["payload"]))["subject"][0]["digest"]["sha256"])' "$1"; }
same=$([[ $(root "$W/ml.sig") == $(root "$W/py.sig") ]] && echo yes || echo NO)
printf '%-24s %8s %10s %10s\n' tool "wall s" "MiB/s" "cpu s"
printf '%-24s %8.2f %10.0f %10.2f\n' "mlsecops sign" "$t_ml" "$(echo "$bytes / 1048576 / $t_ml" | bc -l)" "$c_ml"
printf '%-24s %8.2f %10.0f %10.2f\n' "model_signing sign key" "$t_py" "$(echo "$bytes / 1048576 / $t_py" | bc -l)" "$c_py"
printf 'ratio (model_signing / mlsecops): wall %.2fx, cpu %.2fx   same root digest: %s\n' \
    "$(echo "$t_py / $t_ml" | bc -l)" "$(echo "$c_py / $c_ml" | bc -l)" "$same"
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg)"
