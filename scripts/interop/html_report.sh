#!/usr/bin/env bash
# Loads an `mlsecops report --format html` compliance report in headless Chromium and checks
# what the browser actually rendered (the DOM after parsing): the page loaded, has its title,
# the expected EU AI Act controls with their statuses, and the Annex IV checklist.
#
#   scripts/interop/html_report.sh            # uses target/debug/mlsecops (builds it)
#   MLSECOPS=path/to/mlsecops scripts/interop/html_report.sh
#   CHROMIUM=/path/to/chromium scripts/interop/html_report.sh
#
# Needs Chromium (Debian: `apt-get install chromium`) and cargo. Prints one line per check
# and `N passed, N failed`; exits 1 on any failure.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/interop/common.sh
source "$ROOT/scripts/interop/common.sh"
resolve_mlsecops || exit 1

CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
if [[ -z "$CHROMIUM" ]]; then
    echo "chromium not found (apt-get install chromium)" >&2
    exit 1
fi

W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT

pass=0
fail=0
check() { # check NAME COMMAND...
    local name="$1"
    shift
    if "$@"; then
        echo "ok    $name"
        pass=$((pass + 1))
    else
        echo "FAIL  $name"
        fail=$((fail + 1))
    fi
}

cd "$ROOT" || exit 1
# The unsafe examples make the scan exit 1; anything else is a failure.
"$MLSECOPS" scan examples/ --no-progress --no-config -f json -o "$W/scan.json"
code=$?
check "scan examples/ exits 1 (unsafe examples found)" test "$code" -eq 1
"$MLSECOPS" bom examples/safe -o "$W/bom.json"
check "bom examples/safe" test $? -eq 0
"$MLSECOPS" report "$W/scan.json" "$W/bom.json" --framework eu-ai-act --format html \
    -o "$W/report.html"
check "report --format html" test $? -eq 0

# --dump-dom prints the DOM once the page has loaded; a page that failed to load has none
# of the content checked below.
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$W/profile" --dump-dom "file://$W/report.html" \
    >"$W/dom.html" 2>"$W/chromium.log"
code=$?
check "chromium loads the report (exit $code)" test "$code" -eq 0
if [[ $code -ne 0 ]]; then
    tail -20 "$W/chromium.log" >&2
fi

dom() { grep -qF -- "$1" "$W/dom.html"; }
check "title" dom "<title>mlsecops compliance report: EU Artificial Intelligence Act"
check "header lists the scan input" dom "$W/scan.json"
check "summary table" dom '<table class="summary">'
check "Art. 15(5) is a gap (unsafe examples)" dom 'data-control="Art. 15(5)" data-status="gap"'
check "Annex IV 2(h) is a gap" dom 'data-control="Annex IV 2(h)" data-status="gap"'
check "Annex IV 1(c) has BOM evidence" dom 'data-control="Annex IV 1(c)" data-status="conformity"'
check "Art. 5 not assessed" dom 'data-control="Art. 5" data-status="not-assessed"'
check "Annex IV checklist item" dom 'data-item="intended-purpose"'
check "finding evidence rendered" dom 'pickle-code-execution at examples/unsafe/os_system.pkl'
check "no script in the DOM" bash -c "! grep -qi '<script' '$W/dom.html'"
controls="$(grep -o 'data-control="' "$W/dom.html" | wc -l)"
check "one section per control ($controls)" test "$controls" -ge 40

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
