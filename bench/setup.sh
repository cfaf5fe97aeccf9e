#!/usr/bin/env bash
# Create bench/.venv with the pinned peer scanners and the data generators' dependencies.
#   bench/setup.sh            (idempotent; PYTHON=python3.11 to pick the interpreter)
# torch is deliberately NOT installed: PyPI's Linux torch wheel pulls several GB of CUDA
# libraries and no peer needs it; bench/gen_data.py writes the PyTorch formats itself.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python3}
VENV=${VENV:-$HERE/.venv}

if [ ! -x /usr/bin/time ]; then
  echo "[setup] installing GNU time" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq time; else sudo apt-get install -y time; fi
fi

[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -r "$HERE/requirements.txt" -c "$HERE/constraints.txt"

# modelaudit sends telemetry unless told not to; compare.sh exports these too.
export PROMPTFOO_DISABLE_TELEMETRY=1 NO_ANALYTICS=1
echo "[setup] versions:" >&2
for t in picklescan modelscan modelaudit fickling numpy joblib; do
  printf '  %s %s\n' "$t" "$("$VENV/bin/python" -m pip show "$t" 2>/dev/null | sed -n 's/^Version: //p')" >&2
done
echo "[setup] done: $VENV" >&2
