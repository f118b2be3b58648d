#!/usr/bin/env bash
# Compare Bandit, Ruff (S301/S302/S506) and brine on the labelled code fixtures:
# per category, what each catches, and each tool's precision/recall.
# Installs bandit and ruff into a venv under /tmp (never system-wide).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LABELLED="$ROOT/crates/scanner/tests/fixtures/code/labelled"
VENV="${VENV:-/tmp/venv-code-compare}"
OUT="$(mktemp -d /tmp/compare-code.XXXXXX)"

if [ ! -x "$VENV/bin/bandit" ] || [ ! -x "$VENV/bin/ruff" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet bandit ruff
fi
echo "bandit $("$VENV/bin/bandit" --version 2>/dev/null | head -1 | awk '{print $2}'), ruff $("$VENV/bin/ruff" --version | awk '{print $2}')"

# Bandit exits 1 when it finds something; that is not a failure here.
timeout 300 "$VENV/bin/bandit" -q -r "$LABELLED" -f json -o "$OUT/bandit.json" || true
timeout 300 "$VENV/bin/ruff" check --no-cache --isolated --select S301,S302,S506 \
  --output-format json "$LABELLED" > "$OUT/ruff.json" || true

# brine: the CLI when it can scan, else the scanner's example program.
if (cd "$ROOT" && timeout 1200 cargo run -q --release -p brine -- scan "$LABELLED" --format json) \
     > "$OUT/brine.json" 2>/dev/null && [ -s "$OUT/brine.json" ]; then
  echo "brine: CLI"
else
  (cd "$ROOT" && timeout 1200 cargo run -q --release -p brine-scanner --example scan_python -- --json "$LABELLED") \
    > "$OUT/brine.json"
  echo "brine: examples/scan_python"
fi

python3 "$ROOT/scripts/code/compare.py" "$LABELLED" "$OUT/bandit.json" "$OUT/ruff.json" "$OUT/brine.json"
echo "reports in $OUT"
