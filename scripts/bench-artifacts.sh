#!/usr/bin/env bash
# Artifacts benchmark: brine vs picklescan 1.0.5 on model files.
#
#   1. 2,000 small benign pickles (protocols 0-5, mixed content) in one directory:
#      `brine scan DIR --format json` vs `picklescan -p DIR`, wall-clock medians and ratio
#      (hyperfine when available, else 5 runs each timed by /usr/bin/time).
#   2. One benign 2 GiB PyTorch-layout zip checkpoint (sparse storage member):
#      wall ms and peak RSS of each tool (median of 5 runs via /usr/bin/time -v), ratios.
#
# Run from the repository root: scripts/bench-artifacts.sh
# Environment: BENCH_DIR (default: a fresh mktemp dir), BENCH_RUNS (default 5),
# BENCH_PICKLES (default 2000), BENCH_BIG_BYTES (default 2 GiB),
# BENCH_VENV (default /tmp/venv-brine-bench), BENCH_BRINE (a prebuilt brine binary: skips
# the release build), BENCH_GENERATE_ONLY=1 to stop after
# generating the inputs (useful before the CLI exists).
# Only generated benign files are scanned; nothing is downloaded but picklescan from PyPI.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
helpers="$root/scripts/bench"
runs="${BENCH_RUNS:-5}"
pickles="${BENCH_PICKLES:-2000}"
big_bytes="${BENCH_BIG_BYTES:-$((2 << 30))}"
venv="${BENCH_VENV:-/tmp/venv-brine-bench}"
work="${BENCH_DIR:-$(mktemp -d /tmp/brine-bench.XXXXXX)}"
mkdir -p "$work"

echo "== inputs in $work"
python3 "$helpers/gen_pickles.py" "$work/pickles" "$pickles"
python3 "$helpers/gen_torch_zip.py" "$work/big_checkpoint.pt" "$big_bytes"
if [ "${BENCH_GENERATE_ONLY:-0}" = 1 ]; then
    echo "inputs generated; BENCH_GENERATE_ONLY=1, stopping"
    exit 0
fi

if [ -n "${BENCH_BRINE:-}" ]; then
    brine="$BENCH_BRINE"
else
    echo "== building brine (release)"
    cargo build --release -p brine --manifest-path "$root/Cargo.toml"
    brine="$root/target/release/brine"
fi
if ! "$brine" scan --help >/dev/null 2>&1; then
    echo "error: $brine has no 'scan' command yet" >&2
    exit 2
fi

echo "== picklescan 1.0.5 in $venv"
if [ ! -x "$venv/bin/picklescan" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "picklescan==1.0.5"
fi
picklescan="$venv/bin/picklescan"

if ! command -v hyperfine >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (apt-get install -y -q hyperfine >/dev/null 2>&1 \
        || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q hyperfine >/dev/null 2>&1)) \
        || echo "hyperfine unavailable; falling back to /usr/bin/time"
fi

# Both tools exit non-zero when they find something; the inputs are benign, but a
# non-zero exit must not abort the benchmark, so every command ends in `|| true`.
brine_dir="$brine scan $work/pickles --format json >/dev/null 2>&1 || true"
picklescan_dir="$picklescan -p $work/pickles >/dev/null 2>&1 || true"
brine_big="$brine scan $work/big_checkpoint.pt --format json >/dev/null 2>&1 || true"
picklescan_big="$picklescan -p $work/big_checkpoint.pt >/dev/null 2>&1 || true"

# median_time CMD -> prints "median_wall_ms median_peak_rss_kb" over $runs runs
median_time() {
    local cmd="$1" walls=() rsss=() i out
    for ((i = 0; i < runs; i++)); do
        out="$( { /usr/bin/time -f '%e %M' bash -c "$cmd" ; } 2>&1 >/dev/null | tail -n 1)"
        walls+=("$(awk '{printf "%d", $1 * 1000}' <<<"$out")")
        rsss+=("$(awk '{print $2}' <<<"$out")")
    done
    local wall rss
    wall="$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
    rss="$(printf '%s\n' "${rsss[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
    echo "$wall $rss"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.1f", b / a; else print "inf" }'; }

echo "== part 1: $pickles small pickles"
if command -v hyperfine >/dev/null 2>&1; then
    hyperfine --warmup 1 --runs "$runs" --export-json "$work/part1.json" \
        -n brine "$brine_dir" -n picklescan "$picklescan_dir"
    read -r brine_ms picklescan_ms < <(python3 -c '
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
print(int(r["brine"] * 1000), int(r["picklescan"] * 1000))' "$work/part1.json")
else
    read -r brine_ms _ < <(median_time "$brine_dir")
    read -r picklescan_ms _ < <(median_time "$picklescan_dir")
fi
echo "brine      median ${brine_ms} ms"
echo "picklescan median ${picklescan_ms} ms"
echo "picklescan / brine = $(ratio "$brine_ms" "$picklescan_ms")x"

echo "== part 2: $((big_bytes >> 20)) MiB torch zip checkpoint"
read -r brine_big_ms brine_big_rss < <(median_time "$brine_big")
read -r picklescan_big_ms picklescan_big_rss < <(median_time "$picklescan_big")
echo "brine      median ${brine_big_ms} ms, peak RSS ${brine_big_rss} KiB"
echo "picklescan median ${picklescan_big_ms} ms, peak RSS ${picklescan_big_rss} KiB"
echo "time: picklescan / brine = $(ratio "$brine_big_ms" "$picklescan_big_ms")x;" \
    "memory: picklescan / brine = $(ratio "$brine_big_rss" "$picklescan_big_rss")x"
echo "inputs kept in $work (sparse; remove with: rm -rf $work)"
