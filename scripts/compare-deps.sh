#!/usr/bin/env bash
# Side-by-side: pip-audit vs brine on the dependency fixtures.
#
# Installs pip-audit into a throwaway venv under /tmp (never system-wide), runs it on the
# requirements fixtures the way an offline CI job would have to (`--no-deps --disable-pip`),
# then runs brine's offline audit on the same files, and prints what each reported.
#
# What to expect (and why): pip-audit has no offline mode. It resolves advisories on a
# server (PyPI JSON API by default, `-s osv` for api.osv.dev); `--no-deps --disable-pip` only
# skips pip's resolver, not the vulnerability service, so without network it fails. With
# `--no-deps` every requirement must be pinned (`==`), so a range such as `mlflow>=2.0,<2.15`
# makes it refuse the file, and it reads neither poetry.lock, uv.lock, Pipfile.lock, pdm.lock
# nor conda environment.yml. brine needs no network, reads all of them, matches `+cpu`
# local versions, and reports ranges that admit an affected version (BRN302) -- but only for
# its CWE-502 advisory subset, where pip-audit covers every PyPI advisory.
#
# Usage: scripts/compare-deps.sh [requirements file ...]
set -u
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FIX="$ROOT/crates/scanner/tests/fixtures/deps"
(cd "$ROOT" && timeout 1800 cargo build -q -p brine)
VENV=/tmp/venv-brine-pip-audit
FILES=("$@")
if [ ${#FILES[@]} -eq 0 ]; then
  FILES=("$FIX/vulnerable/requirements.txt" "$FIX/vulnerable/requirements-base.txt" "$FIX/fixed/requirements.txt")
fi

if [ ! -x "$VENV/bin/pip-audit" ]; then
  echo "== installing pip-audit into $VENV"
  python3 -m venv "$VENV" && "$VENV/bin/pip" install -q pip-audit || {
    echo "could not install pip-audit (no access to PyPI?)"; }
fi
if [ -x "$VENV/bin/pip-audit" ]; then
  echo "== $("$VENV/bin/pip-audit" --version)"
fi

for f in "${FILES[@]}"; do
  echo
  echo "################ $f"
  for service in pypi osv; do
    echo "---- pip-audit -r $f --no-deps --disable-pip -s $service --format json (timeout 120 s)"
    if [ -x "$VENV/bin/pip-audit" ]; then
      out="$(mktemp)"
      (cd "$(dirname "$f")" && timeout 120 "$VENV/bin/pip-audit" -r "$f" --no-deps --disable-pip \
          -s "$service" --progress-spinner off --format json >"$out" 2>&1)
      status=$?
      # Tracebacks are cut to their last line (the exception), JSON kept whole.
      grep -v -E '^(  |Traceback|The above|During handling|$)' "$out" | cut -c1-600 | tail -n 8
      rm -f "$out"
      echo
      echo "(pip-audit exit $status; 0 = nothing found, 1 = vulnerabilities found or an error, 124 = timed out)"
    else
      echo "pip-audit unavailable"
    fi
  done

  echo "---- brine (offline, bundled advisories)"
  timeout 120 "$ROOT/target/debug/brine" scan "$f" --format json
done
