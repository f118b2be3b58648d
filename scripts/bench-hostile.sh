#!/usr/bin/env bash
# Robustness bar of the pickle machine, end to end on the release CLI: for each hostile
# pickle (1 GB BINBYTES8 claim, 10^6-deep list, 10^7 memo entries, lying FRAME) print
# brine's exit code, verdict, wall time and peak RSS. Target: no panic, < 256 MB each.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="${BENCH_DIR:-$(mktemp -d /tmp/brine-hostile.XXXXXX)}"
python3 "$root/scripts/bench/gen_hostile.py" "$work"
brine="${BENCH_BRINE:-$root/target/release/brine}"
[ -x "$brine" ] || cargo build --release -p brine --manifest-path "$root/Cargo.toml"
printf '%-20s %5s %-11s %8s %10s\n' file exit verdict "wall s" "peak MB"
for f in "$work"/*.pkl; do
    set +e
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$brine" scan "$f" --format json > "$work/out.json" 2> "$work/err.txt"
    code=$?
    set -e
    read -r t m < <(tail -n 1 "$work/time.txt")
    verdict=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["files"][0]["verdict"])' "$work/out.json" 2>/dev/null || echo "none")
    if grep -q panicked "$work/err.txt"; then verdict="PANIC"; fi
    awk -v n="$(basename "$f")" -v c="$code" -v v="$verdict" -v t="$t" -v m="$m" 'BEGIN { printf "%-20s %5d %-11s %8.2f %10.1f\n", n, c, v, t, m/1024 }'
done
