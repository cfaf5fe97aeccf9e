# Shared by the interop suites (source it; needs ROOT set to the repository root).

# ensure_venv DIR REQUIREMENT...: creates the venv DIR if missing and installs the pinned
# requirements into it (a no-op for pip when they are already satisfied).
ensure_venv() {
    local venv="$1"
    shift
    [[ -x "$venv/bin/pip" ]] || python3 -m venv "$venv" || return 1
    "$venv/bin/pip" install -q "$@" || return 1
}

# resolve_mlsecops: sets MLSECOPS to an absolute path, building the debug binary when the
# caller did not name one.
resolve_mlsecops() {
    if [[ -z "${MLSECOPS:-}" ]]; then
        (cd "$ROOT" && cargo build -q -p mlsecops-cli) || return 1
        MLSECOPS="$ROOT/target/debug/mlsecops"
    fi
    MLSECOPS="$(realpath "$MLSECOPS")"
}
