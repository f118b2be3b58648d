"""Save real checkpoints, convert them with `brine convert`, compare byte for byte.

Usage: crosscheck.py BRINE WORKDIR   (see scripts/crosscheck-convert.sh)

For each case the expected tensors are the flattened (`.`-joined keys) tensors of the saved
object, made contiguous, written by `safetensors.torch.save_file`; brine's output is read
with `safetensors.safe_open` and every tensor must have the same dtype, shape and bytes.
Cases that must be refused must exit 1 and leave no output file.
"""

import collections
import pathlib
import subprocess
import sys

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import save_file

BRINE = sys.argv[1]
WORK = pathlib.Path(sys.argv[2])


def flatten(obj, prefix=""):
    out = {}
    if isinstance(obj, torch.Tensor):
        out[prefix or "tensor"] = obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(obj, (list, tuple)) and any(isinstance(v, torch.Tensor) or isinstance(v, (dict, list, tuple)) for v in obj):
        for index, value in enumerate(obj):
            if isinstance(value, (torch.Tensor, dict, list, tuple)):
                out.update(flatten(value, f"{prefix}.{index}" if prefix else str(index)))
    return out


def raw(tensor):
    t = tensor.detach().contiguous()
    return t.view(torch.uint8).numpy().tobytes() if t.numel() and t.dim() else (
        t.reshape(1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")


def brine_convert(path):
    out = path.with_suffix(".safetensors")
    result = subprocess.run([BRINE, "convert", str(path), "-o", str(out), "--force"],
                            capture_output=True, text=True)
    return result, out


def compare(name, path, expected):
    result, out = brine_convert(path)
    if result.returncode != 0:
        return f"FAIL {name}: refused: {result.stderr.strip()}"
    reference = path.with_suffix(".reference.safetensors")
    save_file({k: v.detach().contiguous().clone() for k, v in expected.items()}, str(reference))
    problems = []
    with safe_open(str(out), "pt") as got, safe_open(str(reference), "pt") as want:
        if sorted(got.keys()) != sorted(want.keys()):
            problems.append(f"keys {sorted(got.keys())} != {sorted(want.keys())}")
        for key in want.keys():
            if key not in got.keys():
                continue
            a, b = got.get_tensor(key), want.get_tensor(key)
            if a.dtype != b.dtype or a.shape != b.shape or raw(a) != raw(b):
                problems.append(f"{key}: {a.dtype}{tuple(a.shape)} vs {b.dtype}{tuple(b.shape)}")
    if problems:
        return f"FAIL {name}: " + "; ".join(problems)
    return f"ok   {name}: {len(expected)} tensors byte-exact ({result.stdout.strip()})"


def refused(name, path):
    result, out = brine_convert(path)
    if result.returncode == 1 and not out.exists():
        return f"ok   {name}: refused ({result.stderr.strip()})"
    return f"FAIL {name}: exit {result.returncode}, output exists: {out.exists()}"


def main():
    torch.manual_seed(0)
    lines = []
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Flatten(),
                              torch.nn.Linear(4 * 6 * 6, 5))
    optimizer = torch.optim.Adam(net.parameters())
    net(torch.randn(2, 3, 8, 8)).sum().backward()
    optimizer.step()

    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    dtypes = {str(d).replace("torch.", ""): (torch.arange(6) - 3).to(d).reshape(2, 3)
              for d in [torch.float32, torch.float16, torch.bfloat16, torch.float64, torch.int64,
                        torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool]}
    for d in ["uint16", "uint32", "uint64", "float8_e4m3fn", "float8_e5m2"]:
        if hasattr(torch, d):
            dtypes[d] = torch.arange(6).to(getattr(torch, d)).reshape(2, 3)
    embedding = torch.randn(10, 4)
    cases = {
        "state_dict": net.state_dict(),
        "dtypes": dtypes,
        "views": {"w": base, "wt": base.t(), "row": base[2], "col": base[:, 1], "block": base[1:3, 2:5],
                  "expand": torch.tensor([1.5, 2.5]).expand(3, 2), "step": base[:, ::2],
                  "empty": torch.empty(0, 3), "scalar": torch.tensor(3.25)},
        "tied": {"embed.weight": embedding, "lm_head.weight": embedding},
        "parameters": {"p": torch.nn.Parameter(torch.randn(3, 2)), "frozen": torch.nn.Parameter(torch.randn(2), requires_grad=False)},
        "checkpoint": {"model": net.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3, "note": "x"},
    }
    for name, obj in cases.items():
        for legacy in (False, True):
            label = f"{name}{'_legacy' if legacy else ''}"
            path = WORK / f"{label}.pt"
            torch.save(obj, path, _use_new_zipfile_serialization=not legacy)
            lines.append(compare(label, path, flatten(obj)))
    # Pickle protocols 4 and 5 (FRAME, MEMOIZE, STACK_GLOBAL) instead of torch's default 2.
    for protocol in (4, 5):
        path = WORK / f"checkpoint_p{protocol}.pt"
        torch.save(cases["checkpoint"], path, pickle_protocol=protocol)
        lines.append(compare(f"checkpoint_p{protocol}", path, flatten(cases["checkpoint"])))

    arrays = {"c": np.arange(12, dtype=np.float32).reshape(3, 4),
              "f": np.asfortranarray(np.arange(12, dtype=np.int16).reshape(3, 4)),
              "be": np.arange(5, dtype=">f8"), "mask": np.array([True, False, True])}
    for key, array in arrays.items():
        path = WORK / f"np_{key}.npy"
        np.save(path, array)
        lines.append(compare(f"npy {key}", path, {"array": torch.from_numpy(np.ascontiguousarray(array.astype(array.dtype.newbyteorder("="))))}))
    path = WORK / "arrays.npz"
    np.savez(path, **arrays)
    lines.append(compare("npz", path, {k: torch.from_numpy(np.ascontiguousarray(a.astype(a.dtype.newbyteorder("=")))) for k, a in arrays.items()}))

    refusals = {
        "complex": {"z": torch.randn(3, dtype=torch.complex64)},
        "sparse": {"s": torch.eye(3).to_sparse()},
        "quantized": {"q": torch.quantize_per_tensor(torch.randn(4), 0.1, 0, torch.qint8)},
        "whole_module": net,
        "meta": {"m": torch.empty(3, device="meta")},
    }
    for name, obj in refusals.items():
        path = WORK / f"refuse_{name}.pt"
        torch.save(obj, path)
        lines.append(refused(name, path))
    np.save(WORK / "refuse_objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    lines.append(refused("object npy", WORK / "refuse_objects.npy"))

    print("\n".join(lines))
    failed = [line for line in lines if line.startswith("FAIL")]
    print(f"\n{len(lines) - len(failed)}/{len(lines)} cases as expected (torch {torch.__version__})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
