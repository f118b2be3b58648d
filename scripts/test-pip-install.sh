#!/usr/bin/env bash
# Shows that a fresh virtualenv gets a working `brine` from `pip install .`, built from the
# repository with no network: the build backend (maturin) is fetched once into a local
# wheel folder first (or taken from $BRINE_WHEELHOUSE), then pip and cargo run offline.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
wheels=${BRINE_WHEELHOUSE:-$work/wheels}
if [ ! -d "$wheels" ] || ! ls "$wheels"/maturin-* >/dev/null 2>&1; then
  echo "fetching the build backend into $wheels (the only network step)"
  python3 -m pip download --quiet --dest "$wheels" 'maturin>=1.9,<2.0'
fi
( cd "$repo" && cargo fetch --quiet )
python3 -m venv "$work/venv"
start=$(date +%s.%N)
CARGO_NET_OFFLINE=true PIP_NO_INDEX=1 "$work/venv/bin/pip" install --quiet --no-index --find-links "$wheels" "$repo"
end=$(date +%s.%N)
"$work/venv/bin/brine" --version
"$work/venv/bin/brine" rule BRN901 | head -n 1
set +e
"$work/venv/bin/brine" scan "$repo/examples/demo" --format json > "$work/out.json"
code=$?
set -e
python3 - "$work/out.json" "$code" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
print(f"demo scan: {len(doc['files'])} files, exit code {sys.argv[2]}")
PY
printf 'pip install . (offline, fresh venv) took %.1f s\n' "$(echo "$end - $start" | bc)"
