#!/usr/bin/env bash
# Detection comparison on the evasion corpus: how picklescan 1.0.5 (default settings)
# grades every file of attacks/corpus/. Exit 1 = dangerous found, 0 = pass (suspicious at
# most), 2 = scan error. brine's own results are asserted by crates/scanner/tests/corpus.rs.
# Run from the repository root; BENCH_VENV as in bench-artifacts.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="${BENCH_VENV:-/tmp/venv-brine-bench}"
if [ ! -x "$venv/bin/picklescan" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "picklescan==1.0.5"
fi
for side in malicious benign; do
    declare -A count=([0]=0 [1]=0 [2]=0)
    missed=()
    for file in "$root"/attacks/corpus/"$side"/*.pkl; do
        rc=0
        "$venv/bin/picklescan" -p "$file" >/dev/null 2>&1 || rc=$?
        count[$rc]=$(( ${count[$rc]:-0} + 1 ))
        if { [ "$side" = malicious ] && [ "$rc" != 1 ]; } || { [ "$side" = benign ] && [ "$rc" = 1 ]; }; then
            missed+=("$(basename "$file") (exit $rc)")
        fi
    done
    echo "$side: picklescan exit 1 (dangerous): ${count[1]}, exit 0 (pass): ${count[0]}, exit 2 (error): ${count[2]}"
    for entry in "${missed[@]}"; do echo "  wrong: $entry"; done
    unset count
done
