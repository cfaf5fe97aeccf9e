#!/usr/bin/env bash
# Regenerates the compliance-report fixtures with the real binary (run from anywhere):
# a scan of examples/ with one active and one unused waiver, a CycloneDX BOM, an OMS
# signature bundle and a signed scan attestation of examples/safe.
# The snapshot tests in tests/compliance.rs read these files; review snapshot changes after
# regenerating (`cargo insta review` or INSTA_UPDATE=always).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../../../.." && pwd)"
cd "$repo"
cargo build -q -p mlsecops-cli
bin="$repo/target/debug/mlsecops"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export MLSECOPS_TODAY=2026-11-26
"$bin" scan examples --no-progress --no-config --waivers crates/mlsecops-report/tests/data/compliance/waivers.toml \
    -f json -o "$here/scan.json" || test $? -eq 1
"$bin" bom examples/safe -o "$here/bom.cdx.json"
"$bin" keygen --out "$tmp/signer" >/dev/null
"$bin" sign examples/safe --key "$tmp/signer.key" --signature "$here/model.sig" >/dev/null
"$bin" scan examples/safe --no-progress --no-config --no-waivers -f json -o /dev/null \
    --attest "$here/scan.att.json" --key "$tmp/signer.key"
