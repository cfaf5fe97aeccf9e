#!/usr/bin/env bash
# Run mlsecops and its peers on the benchmark datasets and print a comparison table.
#
#   bench/setup.sh && bench/.venv/bin/python bench/gen_data.py && bench/compare.sh
#
# Environment (all optional):
#   RUNS=3                timed runs per tool and dataset; the median wall time is reported
#   RUNS_<tool>=N         per-tool override, '-' spelled '_' (e.g. RUNS_modelaudit=1 RUNS_fickling=1)
#   TOOLS="mlsecops picklescan modelscan modelaudit fickling fickling-api"
#   DATASETS="many_small big legacy"   many_small = bench/data/many_small/ (directory),
#                         big = bench/data/big/model_1g.pt, legacy = bench/data/big/legacy_200m.pt
#   TIMEOUT=600           seconds before a run is killed (recorded as "> TIMEOUT s (killed)")
#   MLSECOPS=target/release/mlsecops   binary under test
#   BUILD=1               build the binary (cargo build --release -p mlsecops-cli) if missing
#   VENV=bench/.venv  DATA=bench/data  RESULTS=bench/results
#
# Every tool runs under GNU time (/usr/bin/time -f '%e %M': wall seconds, max RSS KiB of
# the largest single process in the tree).  Non-zero exit codes are NOT failures: each tool
# has its own convention (findings = 1, errors = 2, ...); they are recorded as they are.
# The raw output of each tool's last run is kept in $RESULTS/raw/ and used to count
# flagged files (bench/count_flags.py).  The table goes to stdout and, as Markdown, to
# $RESULTS/latest.md.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
RUNS=${RUNS:-3}
TOOLS=${TOOLS:-"mlsecops picklescan modelscan modelaudit fickling fickling-api"}
DATASETS=${DATASETS:-"many_small big legacy"}
TIMEOUT=${TIMEOUT:-600}
MLSECOPS=${MLSECOPS:-$ROOT/target/release/mlsecops}
BUILD=${BUILD:-1}
VENV=${VENV:-$HERE/.venv}
DATA=${DATA:-$HERE/data}
RESULTS=${RESULTS:-$HERE/results}
RAW=$RESULTS/raw
PY=$VENV/bin/python

# Telemetry / network opt-outs (modelaudit sends PostHog telemetry by default).
export PROMPTFOO_DISABLE_TELEMETRY=1 NO_ANALYTICS=1 DO_NOT_TRACK=1
export HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1
export PYTHONDONTWRITEBYTECODE=1
export PATH=$VENV/bin:$PATH

log() { printf '[compare] %s\n' "$*" >&2; }

[ -x /usr/bin/time ] || { log "GNU time missing: apt-get install -y time"; exit 1; }
[ -x "$PY" ] || { log "no venv at $VENV: run bench/setup.sh"; exit 1; }
mkdir -p "$RAW"

dataset_path() {
  case $1 in
    many_small) echo "$DATA/many_small" ;;
    big) echo "$DATA/big/model_1g.pt" ;;
    legacy) echo "$DATA/big/legacy_200m.pt" ;;
    *) echo "$DATA/$1" ;;
  esac
}

# mlsecops: build if missing, and check the CLI actually implements `scan`.
MLSECOPS_NOTE=""
mlsecops_ready() {
  [ -x "$MLSECOPS" ] && "$MLSECOPS" scan --help 2>&1 | grep -qi 'usage'
}
case " $TOOLS " in
  *" mlsecops "*)
    if [ ! -x "$MLSECOPS" ] && [ "$BUILD" = 1 ]; then
      log "building mlsecops (cargo build --release -p mlsecops-cli)"
      (cd "$ROOT" && cargo build --release -p mlsecops-cli) >&2 || log "build failed"
    fi
    if ! mlsecops_ready; then
      MLSECOPS_NOTE="mlsecops CLI not ready (${MLSECOPS#"$ROOT"/} missing or has no 'scan' subcommand): peers only"
      log "$MLSECOPS_NOTE"
      TOOLS=$(printf '%s\n' $TOOLS | grep -vx mlsecops | tr '\n' ' ')
    fi
    ;;
esac

# The shell command for one tool on one path; its stdout+stderr go to $2.
tool_cmd() { # tool path raw
  local tool=$1 p=$2 raw=$3
  case $tool in
    mlsecops) printf '%q scan %q --format json --output %q >/dev/null 2>&1' "$MLSECOPS" "$p" "$raw" ;;
    picklescan) printf 'picklescan -p %q >%q 2>&1' "$p" "$raw" ;;
    modelscan) printf 'modelscan -p %q -r json -o %q >/dev/null 2>&1' "$p" "$raw" ;;
    modelaudit) printf 'modelaudit scan --no-cache --format json --output %q %q >/dev/null 2>&1' "$raw" "$p" ;;
    # fickling's CLI takes one file: loop inside the timed command, one process per file.
    fickling)
      printf 'worst=0; : >%q; while IFS= read -r f; do ' "$raw"
      printf 'fickling --check-safety --json-output /dev/null "$f" >/dev/null 2>&1 && rc=0 || rc=$?; '
      printf 'echo "$rc $f" >>%q; [ $rc -gt $worst ] && worst=$rc; ' "$raw"
      printf 'done < <(find %q -type f | sort); exit $worst' "$p" ;;
    fickling-api) printf '%q %q %q >%q 2>&1' "$PY" "$HERE/fickling_api_scan.py" "$p" "$raw" ;;
    *) log "unknown tool $tool"; return 1 ;;
  esac
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "NA"; else if (NR%2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }

TSV=$RESULTS/latest.tsv
printf 'tool\tdataset\twall_s\trss_mib\texit\tflagged\truns\n' >"$TSV"

for ds in $DATASETS; do
  p=$(dataset_path "$ds")
  if [ ! -e "$p" ]; then log "dataset $ds missing ($p): run bench/gen_data.py"; continue; fi
  log "warming page cache for $ds"
  find "$p" -type f -exec cat {} + >/dev/null
  for tool in $TOOLS; do
    raw=$RAW/$tool.$ds.out
    cmd=$(tool_cmd "$tool" "$p" "$raw")
    walls="" rss_max=0 codes="" killed=0 n=0
    var=RUNS_${tool//-/_}
    runs=${!var:-$RUNS}
    for run in $(seq 1 "$runs"); do
      tf=$(mktemp)
      rc=0
      /usr/bin/time -f '%e %M' -o "$tf" timeout -k 10 "$TIMEOUT" bash -c "$cmd" || rc=$?
      read -r wall rss < <(tail -n 1 "$tf") || true
      rm -f "$tf"
      n=$((n + 1))
      log "$tool $ds run $run: ${wall}s ${rss}KiB exit $rc"
      if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then killed=1; break; fi
      walls="$walls $wall"
      [ "${rss:-0}" -gt "$rss_max" ] && rss_max=$rss
      case " $codes " in *" $rc "*) ;; *) codes="${codes:+$codes,}$rc" ;; esac
    done
    if [ "$killed" = 1 ]; then
      printf '%s\t%s\t> %s (killed)\t-\t-\t-\t%s\n' "$tool" "$ds" "$TIMEOUT" "$n" >>"$TSV"
      continue
    fi
    wall_med=$(printf '%s\n' $walls | median)
    rss_mib=$(awk -v k="$rss_max" 'BEGIN {printf "%.0f", k / 1024}')
    flagged=$("$PY" "$HERE/count_flags.py" "$tool" "$raw")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$ds" "$wall_med" "$rss_mib" "$codes" "$flagged" "$n" >>"$TSV"
  done
done

# Render: ratio = tool wall / mlsecops wall on the same dataset.
render() { # md|txt
  awk -F'\t' -v fmt="$1" '
    NR == 1 { next }
    { row[NR] = $0; if ($1 == "mlsecops") base[$2] = $3 }
    END {
      h = "tool|dataset|wall s (median)|peak RSS MiB|exit code(s)|flagged payload/other|x mlsecops time"
      split(h, H, "|")
      if (fmt == "md") { gsub(/\|/, " | ", h); print "| " h " |"; print "|---|---|--:|--:|---|---|--:|" }
      else printf "%-13s %-11s %16s %13s %13s %22s %16s\n", H[1], H[2], H[3], H[4], H[5], H[6], H[7]
      for (i = 2; i <= NR; i++) {
        split(row[i], c, "\t")
        r = (c[2] in base && base[c[2]] > 0 && c[3] ~ /^[0-9.]+$/) ? sprintf("%.1fx", c[3] / base[c[2]]) : "n/a"
        if (c[1] == "mlsecops") r = "1.0x"
        if (fmt == "md") printf "| %s | %s | %s | %s | %s | %s | %s |\n", c[1], c[2], c[3], c[4], c[5], c[6], r
        else printf "%-13s %-11s %16s %13s %13s %22s %16s\n", c[1], c[2], c[3], c[4], c[5], c[6], r
      }
    }
  ' "$TSV"
}

{
  echo "# Benchmark results ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "Machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM. RUNS=$RUNS, TIMEOUT=${TIMEOUT}s."
  [ -n "$MLSECOPS_NOTE" ] && { echo; echo "**$MLSECOPS_NOTE** (ratio column n/a)."; }
  echo
  render md
  echo
  echo "flagged payload/other: files whose name starts with mal_ (the 25 os.system payloads in many_small)"
  echo "/ other files, at each tool's own 'unsafe' level (see bench/count_flags.py). fickling = CLI,"
  echo "one process per file; fickling-api = fickling's Python API in one process (bench/fickling_api_scan.py)."
} >"$RESULTS/latest.md"

echo
render txt
[ -n "$MLSECOPS_NOTE" ] && echo "note: $MLSECOPS_NOTE"
echo "markdown: $RESULTS/latest.md"
