#!/usr/bin/env bash
# Validates BOMs made by `mlsecops bom` with the official CycloneDX Python library's own JSON
# validator (PyPI `cyclonedx-python-lib`, `JsonStrictValidator`: draft-07, format checks,
# bundled schemas, no network), for examples/ and the format fixtures, spec 1.6 and 1.7.
#
#   scripts/interop/cyclonedx_validate.sh            # uses target/debug/mlsecops (builds it)
#   MLSECOPS=path/to/mlsecops scripts/interop/cyclonedx_validate.sh
#
# Installs cyclonedx-python-lib (pinned, json-validation extra) into target/cyclonedx-venv.
# Needs python3 and cargo. Prints one line per check and `N passed, N failed`; exits 1 on any
# failure.
set -uo pipefail

CYCLONEDX_LIB_VERSION="11.12.0"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/target/cyclonedx-venv"

# shellcheck source=scripts/interop/common.sh
source "$ROOT/scripts/interop/common.sh"
ensure_venv "$VENV" "cyclonedx-python-lib[json-validation]==$CYCLONEDX_LIB_VERSION" || exit 1
PY="$VENV/bin/python"

resolve_mlsecops || exit 1

W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT

cat >"$W/validate.py" <<'PY'
import sys
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

path, spec = sys.argv[1], sys.argv[2]
version = {"1.6": SchemaVersion.V1_6, "1.7": SchemaVersion.V1_7}[spec]
with open(path, encoding="utf-8") as f:
    text = f.read()
error = JsonStrictValidator(version).validate_str(text)
if error is not None:
    print(error)
    sys.exit(1)
PY

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS $1"; }
ko() {
    fail=$((fail + 1))
    echo "FAIL $1"
    [[ -f "$W/last.log" ]] && sed 's/^/    /' "$W/last.log" | tail -8
}

# The library validates with the same schema files the Rust tests vendor.
for f in bom-1.6.SNAPSHOT.schema.json bom-1.7.SNAPSHOT.schema.json spdx.SNAPSHOT.schema.json \
    jsf-0.82.SNAPSHOT.schema.json cryptography-defs.SNAPSHOT.schema.json; do
    lib_copy="$("$PY" -c 'import cyclonedx.schema._res as r, os; print(os.path.dirname(r.__file__))')/$f"
    if cmp -s "$lib_copy" "$ROOT/crates/mlsecops-bom/tests/data/$f"; then
        ok "vendored $f is identical to cyclonedx-python-lib $CYCLONEDX_LIB_VERSION"
    else
        : >"$W/last.log"
        ko "vendored $f differs from cyclonedx-python-lib $CYCLONEDX_LIB_VERSION"
    fi
done

# validate <input> <spec>
validate() {
    local input="$1" spec="$2" rel
    rel="${input#"$ROOT"/}"
    if ! "$MLSECOPS" bom --spec "$spec" --output "$W/bom.json" "$input" >"$W/last.log" 2>&1; then
        ko "mlsecops bom $rel (spec $spec): exit $?"
        return
    fi
    if "$PY" "$W/validate.py" "$W/bom.json" "$spec" >"$W/last.log" 2>&1; then
        ok "cyclonedx-python-lib accepts the $spec BOM of $rel"
    else
        ko "cyclonedx-python-lib rejects the $spec BOM of $rel"
    fi
}

inputs=(
    "$ROOT/examples"
    "$ROOT/examples/unsafe/hf_remote_code"
    "$ROOT/crates/mlsecops-bom/tests/fixtures/hf_model"
    "$ROOT/crates/mlsecops-onnx/tests/fixtures/benign"
    "$ROOT/crates/mlsecops-gguf/tests/fixtures/benign"
    "$ROOT/crates/mlsecops-safetensors/tests/fixtures/benign"
)
for d in "$ROOT"/crates/mlsecops-repo/tests/fixtures/benign/*; do
    inputs+=("$d")
done
for f in "$ROOT"/crates/mlsecops-gguf/tests/fixtures/benign/*.gguf \
    "$ROOT"/crates/mlsecops-safetensors/tests/fixtures/benign/*.safetensors \
    "$ROOT"/crates/mlsecops-onnx/tests/fixtures/benign/*.onnx; do
    inputs+=("$f")
done
for input in "${inputs[@]}"; do
    validate "$input" 1.6
done
validate "$ROOT/examples" 1.7
validate "$ROOT/crates/mlsecops-bom/tests/fixtures/hf_model" 1.7

# Negative control: the validator must reject a BOM with a key that is not in the 1.6 model card.
"$MLSECOPS" bom --deterministic --output "$W/good.json" \
    "$ROOT/crates/mlsecops-bom/tests/fixtures/hf_model" >"$W/last.log" 2>&1
"$PY" - "$W/good.json" "$W/bad.json" <<'PY'
import json, sys
bom = json.load(open(sys.argv[1]))
bom["components"][0]["modelCard"]["considerations"]["limitations"] = ["not a 1.6 key"]
json.dump(bom, open(sys.argv[2], "w"))
PY
if "$PY" "$W/validate.py" "$W/bad.json" 1.6 >"$W/last.log" 2>&1; then
    ko "negative control: a schema-invalid BOM was accepted"
else
    ok "negative control: cyclonedx-python-lib rejects considerations.limitations"
fi

echo "$pass passed, $fail failed"
[[ "$fail" -eq 0 ]]
