#!/usr/bin/env bash
# Interoperability of `mlsecops sign|verify` with the OpenSSF reference `model_signing`
# (PyPI `model-signing`), both directions, key and certificate modes, with tamper cases.
#
#   scripts/interop/model_signing.sh            # uses target/debug/mlsecops (builds it)
#   MLSECOPS=path/to/mlsecops scripts/interop/model_signing.sh
#
# Installs model-signing (pinned) into target/interop-venv. Needs python3 (>= 3.10), openssl,
# cargo. Prints one line per check and `N passed, N failed`; exits 1 on any failure.
set -uo pipefail

MODEL_SIGNING_VERSION="1.1.1"
PYOPENSSL_VERSION="26.4.0"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/target/interop-venv"
HERE="$ROOT/scripts/interop"

# shellcheck source=scripts/interop/common.sh
source "$ROOT/scripts/interop/common.sh"
# pyOpenSSL: imported by model_signing's certificate module but not declared by 1.1.1.
ensure_venv "$VENV" "model-signing==$MODEL_SIGNING_VERSION" "pyopenssl==$PYOPENSSL_VERSION" || exit 1
MS="$VENV/bin/model_signing"
PY="$VENV/bin/python"

resolve_mlsecops || exit 1

W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1

pass=0
fail=0
# check "description" expected(accept|reject) command...
check() {
    local desc="$1" want="$2"
    shift 2
    local got
    if "$@" >"$W/last.log" 2>&1; then got=accept; else got=reject; fi
    if [[ "$got" == "$want" ]]; then
        pass=$((pass + 1))
        echo "PASS $desc ($got)"
    else
        fail=$((fail + 1))
        echo "FAIL $desc (expected $want, got $got)"
        sed 's/^/    /' "$W/last.log" | tail -5
    fi
}

# ---- keys and certificates --------------------------------------------------------------
openssl ecparam -name prime256v1 -genkey -noout -out p256.sec1 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in p256.sec1 -out p256.key
openssl ec -in p256.key -pubout -out p256.pub 2>/dev/null
openssl ecparam -name secp384r1 -genkey -noout -out p384.key 2>/dev/null # SEC1 PEM
openssl ec -in p384.key -pubout -out p384.pub 2>/dev/null
"$MLSECOPS" keygen --curve p521 --out p521 >/dev/null
"$MLSECOPS" keygen --curve p256 --out other >/dev/null

cat >ca.ext <<'EOF'
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
EOF
cat >leaf.ext <<'EOF'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=codeSigning
EOF
openssl ecparam -name secp384r1 -genkey -noout -out root.key 2>/dev/null
openssl req -x509 -new -key root.key -subj "/CN=interop root" -days 30 -sha384 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out root.pem 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out inter.key 2>/dev/null
openssl req -new -key inter.key -subj "/CN=interop intermediate" -out inter.csr 2>/dev/null
openssl x509 -req -in inter.csr -CA root.pem -CAkey root.key -CAcreateserial -days 20 -sha384 \
    -extfile ca.ext -out inter.pem 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out leaf.sec1 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in leaf.sec1 -out leaf.key
openssl req -new -key leaf.key -subj "/CN=interop signer" -out leaf.csr 2>/dev/null
openssl x509 -req -in leaf.csr -CA inter.pem -CAkey inter.key -CAcreateserial -days 10 -sha256 \
    -extfile leaf.ext -out leaf.pem 2>/dev/null
openssl req -x509 -new -key p256.key -subj "/CN=other root" -days 30 \
    -addext "basicConstraints=critical,CA:TRUE" -out other-root.pem 2>/dev/null

# ---- models -----------------------------------------------------------------------------
rnd() { head -c "$2" /dev/urandom >"$1"; }
make_models() {
    rm -rf single dir shards ign
    mkdir -p single dir/sub/deeper dir/.hidden_dir dir/.git dir/sub/.git shards ign/cache
    rnd single/model.bin 3000000
    rnd dir/weights.bin 2000000
    rnd dir/sub/deeper/layer.bin 100000
    echo '{"a": 1}' >dir/config.json
    echo hidden >dir/.hidden
    echo x >dir/.hidden_dir/x
    echo ref >dir/.git/HEAD         # ignored (root .git)
    echo ref >dir/sub/.git/HEAD     # signed (only root-level git paths are ignored)
    echo '*.bin' >dir/.gitattributes
    echo a >dir/a-b
    echo a >dir/a.txt
    mkdir -p dir/a && echo a >dir/a/b
    rnd shards/big.bin 2500000
    rnd shards/sub.bin 999999
    : >shards/empty.bin
    rnd ign/model.bin 500000
    echo readme >ign/README.md
    rnd ign/cache/tmp 1000
}

ms_verify_key() { # model pub sig [extra args]
    "$MS" verify key "$1" --public_key "$2" --signature "$3" "${@:4}"
}
ml_verify_key() {
    "$MLSECOPS" verify "$1" --public-key "$2" --signature "$3" "${@:4}"
}

# ---- (a) mlsecops sign -> model_signing verify ------------------------------------------
make_models
"$MLSECOPS" sign single/model.bin --key p256.key --signature a-single.sig >/dev/null
check "a: single file, P-256 PKCS#8 key" accept ms_verify_key single/model.bin p256.pub a-single.sig
"$MLSECOPS" sign single/model.bin --key p384.key --signature a-single-384.sig >/dev/null
check "a: single file, P-384 SEC1 key" accept ms_verify_key single/model.bin p384.pub a-single-384.sig
"$MLSECOPS" sign single/model.bin --key p521.key --signature a-single-521.sig >/dev/null
check "a: single file, P-521 key" accept ms_verify_key single/model.bin p521.pub a-single-521.sig
"$MLSECOPS" sign dir --key p256.key --signature dir/model.sig >/dev/null
check "a: directory, nested + hidden files, signature inside" accept ms_verify_key dir p256.pub dir/model.sig
"$MLSECOPS" sign shards --key p256.key --signature a-shards.sig --shard-size 1000000 >/dev/null
check "a: sharded (1000000 bytes, empty file)" accept "$PY" "$HERE/oms_api.py" verify shards p256.pub a-shards.sig
"$MLSECOPS" sign ign --key p256.key --signature a-ign.sig --ignore-paths ign/README.md --ignore-paths ign/cache >/dev/null
check "a: ignore paths (file and directory)" accept ms_verify_key ign p256.pub a-ign.sig
check "a: wrong key rejected" reject ms_verify_key dir other.pub dir/model.sig

# ---- (b) model_signing sign -> mlsecops verify ------------------------------------------
"$MS" sign key single/model.bin --private_key p256.key --signature b-single.sig >/dev/null
check "b: single file, P-256 key" accept ml_verify_key single/model.bin p256.pub b-single.sig
"$MS" sign key single/model.bin --private_key p384.key --signature b-single-384.sig >/dev/null
check "b: single file, P-384 key" accept ml_verify_key single/model.bin p384.pub b-single-384.sig
"$MS" sign key single/model.bin --private_key p521.key --signature b-single-521.sig >/dev/null
check "b: single file, P-521 key" accept ml_verify_key single/model.bin p521.pub b-single-521.sig
"$MS" sign key dir --private_key p256.key --signature b-dir.sig >/dev/null
check "b: directory, nested + hidden files" accept ml_verify_key dir p256.pub b-dir.sig
"$PY" "$HERE/oms_api.py" sign-shards shards p256.key b-shards.sig 1000000 >/dev/null
check "b: sharded (1000000 bytes)" accept ml_verify_key shards p256.pub b-shards.sig
"$MS" sign key ign --private_key p256.key --signature b-ign.sig --ignore-paths ign/README.md --ignore-paths ign/cache >/dev/null
check "b: ignore paths (file and directory)" accept ml_verify_key ign p256.pub b-ign.sig
check "b: wrong key rejected" reject ml_verify_key dir other.pub b-dir.sig

# ---- root digests agree byte for byte ---------------------------------------------------
subject() { "$PY" -c 'import base64,json,sys; b=json.load(open(sys.argv[1])); print(json.loads(base64.b64decode(b["dsseEnvelope"]["payload"]))["subject"][0]["digest"]["sha256"])' "$1"; }
"$MLSECOPS" sign dir --key p256.key --signature same-a.sig >/dev/null
"$MS" sign key dir --private_key p256.key --signature same-b.sig >/dev/null
check "same root digest from both signers (directory)" accept test "$(subject same-a.sig)" = "$(subject same-b.sig)"
"$PY" "$HERE/oms_api.py" sign-shards shards p256.key same-c.sig 1000000 >/dev/null
"$MLSECOPS" sign shards --key p256.key --signature same-d.sig --shard-size 1000000 >/dev/null
check "same root digest from both signers (shards)" accept test "$(subject same-c.sig)" = "$(subject same-d.sig)"

# ---- tampering: every case against bundles from both producers, checked by both ---------
edit_ignores() { # bundle out: add config.json to ignore_paths without re-signing
    "$PY" - "$1" "$2" <<'EOF'
import base64, json, sys
b = json.load(open(sys.argv[1]))
st = json.loads(base64.b64decode(b["dsseEnvelope"]["payload"]))
st["predicate"]["serialization"].setdefault("ignore_paths", []).append("config.json")
b["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(st).encode()).decode()
json.dump(b, open(sys.argv[2], "w"))
EOF
}
for producer in mlsecops model_signing; do
    for case in byte added removed ignore-list verifier-ignore; do
        make_models
        if [[ $producer == mlsecops ]]; then
            "$MLSECOPS" sign dir --key p256.key --signature t.sig >/dev/null
        else
            "$MS" sign key dir --private_key p256.key --signature t.sig >/dev/null
        fi
        if [[ ! -s t.sig ]]; then
            fail=$((fail + 1))
            echo "FAIL tamper $case: $producer did not produce a bundle"
            continue
        fi
        extra=()
        case $case in
        byte) printf '\x00' | dd of=dir/weights.bin bs=1 seek=12345 conv=notrunc 2>/dev/null ;;
        added) echo new >dir/sub/new.txt ;;
        removed) rm dir/.hidden ;;
        ignore-list) edit_ignores t.sig t2.sig && mv t2.sig t.sig && rm dir/config.json ;;
        verifier-ignore) extra=(--ignore-paths dir/config.json) ;;
        esac
        check "tamper $case ($producer bundle) rejected by model_signing" reject \
            ms_verify_key dir p256.pub t.sig "${extra[@]}"
        check "tamper $case ($producer bundle) rejected by mlsecops" reject \
            ml_verify_key dir p256.pub t.sig "${extra[@]}"
    done
done

# ---- certificate mode -------------------------------------------------------------------
make_models
"$MLSECOPS" sign dir --key leaf.key --signing-certificate leaf.pem --certificate-chain inter.pem \
    --signature c-a.sig >/dev/null
check "cert a: mlsecops sign -> model_signing verify certificate" accept \
    "$MS" verify certificate dir --signature c-a.sig --certificate_chain root.pem
check "cert a: other root rejected by model_signing" reject \
    "$MS" verify certificate dir --signature c-a.sig --certificate_chain other-root.pem
"$MS" sign certificate dir --private_key leaf.key --signing_certificate leaf.pem \
    --certificate_chain inter.pem --signature c-b.sig >/dev/null
check "cert b: model_signing sign -> mlsecops verify --root-certificate" accept \
    "$MLSECOPS" verify dir --root-certificate root.pem --signature c-b.sig
check "cert b: other root rejected by mlsecops" reject \
    "$MLSECOPS" verify dir --root-certificate other-root.pem --signature c-b.sig
check "cert: mlsecops verifies its own chain" accept \
    "$MLSECOPS" verify dir --root-certificate root.pem --signature c-a.sig
echo tampered >>dir/config.json
check "cert: changed file rejected by mlsecops" reject \
    "$MLSECOPS" verify dir --root-certificate root.pem --signature c-b.sig
check "cert: changed file rejected by model_signing" reject \
    "$MS" verify certificate dir --signature c-a.sig --certificate_chain root.pem

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
