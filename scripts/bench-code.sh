#!/usr/bin/env bash
# Time brine's Python scanning against `ruff check --select S301,S302,S506` on python3's
# Lib directory and on the unpacked transformers==5.23.0 wheel: median wall time and peak
# RSS over RUNS runs each (via /usr/bin/time), and the brine/ruff ratio (target <= 1.5).
# Tools go into a venv under /tmp; the wheel is fetched with `pip download --no-deps`.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${VENV:-/tmp/venv-code-compare}"
WORK="${WORK:-/tmp/bench-code}"
RUNS="${RUNS:-5}"
mkdir -p "$WORK"

if [ ! -x "$VENV/bin/ruff" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet ruff bandit
fi
if [ ! -d "$WORK/transformers" ]; then
  "$VENV/bin/pip" download --quiet --no-deps -d "$WORK/wheel" "transformers==5.23.0"
  (cd "$WORK" && python3 -m zipfile -e wheel/transformers-5.23.0-*.whl "$WORK/transformers")
fi
LIB="$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"

(cd "$ROOT" && timeout 1800 cargo build -q --release -p brine-scanner --example scan_python)
BRINE_EXAMPLE="$ROOT/target/release/examples/scan_python"
if (cd "$ROOT" && timeout 1800 cargo build -q --release -p brine 2>/dev/null) \
   && "$ROOT/target/release/brine" scan --help 2>&1 | grep -qi "usage"; then
  # Code mode: Ruff reads only .py files, so brine does not sniff the other
  # files for artifacts here (scripts/bench-artifacts.sh measures that part).
  # --no-default-excludes: Lib holds site-packages, which brine skips by default and Ruff
  # is told to read too (below).
  BRINE=("$ROOT/target/release/brine" scan --no-artifacts --no-deps --no-default-excludes --format json)
  echo "brine: CLI"
else
  BRINE=("$BRINE_EXAMPLE" --json)
  echo "brine: examples/scan_python (the CLI cannot scan yet)"
fi
# Ruff excludes `site-packages` (and more) by default and also lints `.pyi` stubs, which
# brine skips (no code in them runs); make it read exactly the `.py` files brine reads, or
# the comparison is not like for like.
RUFF=("$VENV/bin/ruff" check --no-cache --isolated --exclude __none__ --extend-exclude '*.pyi'
      --select S301,S302,S506 --output-format json --exit-zero)

# Prints "median_seconds median_peak_kb" for RUNS runs of the command.
measure() {
  local times=() rss=()
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" >/dev/null 2>&1 || true
    # GNU time prefixes a "Command exited with non-zero status" line when the scanner
    # exits 1 (it found something): the figures are on the last line.
    read -r t m < <(tail -n 1 "$WORK/time.txt")
    times+=("$t"); rss+=("$m")
  done
  local mt mr
  mt=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  mr=$(printf '%s\n' "${rss[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$mt $mr"
}

# Rows: brine as run by default (with the cross-file data-flow analysis) and brine with
# it turned off (--no-taint); Ruff beside both.
printf '%-14s %-12s %8s %10s %12s %8s %10s %12s %8s\n' target brine files "brine s" "brine MB" "ruff s" "ruff MB" "time ratio" "rss ratio"
for target in "$LIB" "$WORK/transformers"; do
  files=$(find "$target" -name '*.py' | wc -l)
  read -r rt rm < <(measure "${RUFF[@]}" "$target")
  for mode in default --no-taint; do
    extra=(); [ "$mode" = --no-taint ] && extra=(--no-taint)
    read -r bt bm < <(measure "${BRINE[@]}" "${extra[@]}" "$target")
    awk -v name="$(basename "$target")" -v mode="$mode" -v f="$files" -v bt="$bt" -v bm="$bm" -v rt="$rt" -v rm="$rm" 'BEGIN {
      printf "%-14s %-12s %8d %10.2f %12.1f %8.2f %10.1f %12.2f %8.2f\n", name, mode, f, bt, bm/1024, rt, rm/1024, (rt>0 ? bt/rt : 0), (rm>0 ? bm/rm : 0)
    }'
  done
done
echo "throughput of the scanner on Lib:"
"$BRINE_EXAMPLE" "$LIB" 2>&1 >/dev/null | tail -1
