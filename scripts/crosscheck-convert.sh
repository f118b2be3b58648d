#!/usr/bin/env bash
# Cross-check `brine convert` against real PyTorch and numpy files (not run in CI: torch is
# large). Installs torch, numpy and safetensors from PyPI into a venv under /tmp, saves real
# checkpoints with `torch.save` (zip and legacy), `np.save`/`np.savez`, converts each with
# `brine convert`, and compares every tensor of the output, byte for byte, with what
# `safetensors.torch.save_file` writes for the same (contiguous) tensors. Files that must be
# refused (complex, sparse, quantized, whole modules) must exit 1 and leave no file.
#
# Run from the repository root: scripts/crosscheck-convert.sh
# Environment: CROSSCHECK_VENV (default /tmp/venv-brine-crosscheck), CROSSCHECK_BRINE (a
# prebuilt brine binary; default: target/debug/brine, built if missing).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${CROSSCHECK_VENV:-/tmp/venv-brine-crosscheck}"
brine="${CROSSCHECK_BRINE:-$root/target/debug/brine}"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c "import torch, numpy, safetensors" 2>/dev/null; then
    "$venv/bin/pip" install --quiet torch numpy safetensors
fi
if [ ! -x "$brine" ]; then
    (cd "$root" && cargo build -p brine)
fi
work="$(mktemp -d /tmp/brine-crosscheck.XXXXXX)"
"$venv/bin/python" "$root/scripts/convert/crosscheck.py" "$brine" "$work"
