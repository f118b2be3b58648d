#!/usr/bin/env python3
"""Write the demo folder `examples/demo/` that README's first command scans.

Standard library only, deterministic. The malicious samples are harmless: their payload
would only create an empty marker file named `brine-demo-pwned` in the working directory
(nothing here ever loads them). Re-run after changing this script and commit the output.
"""
import gzip
import io
import os
import pickle
import struct
import sys
import zipfile
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "demo")
MARKER = "brine-demo-pwned"


class Payload:
    """Pickles to `os.system('touch brine-demo-pwned')`."""

    def __reduce__(self):
        return (os.system, (f"touch {MARKER}",))


def write(name, data):
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def fixed_zip(members):
    """A zip with fixed timestamps so the output is reproducible."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            z.writestr(info, data)
    return buf.getvalue()


def torch_state_dict_pickle(n_floats):
    """The `data.pkl` torch.save writes for {'weight': FloatTensor(n)}, assembled by opcode."""
    def s(text):  # BINUNICODE, as protocol 2 writes it
        raw = text.encode()
        return b"X" + struct.pack("<I", len(raw)) + raw
    p = b"\x80\x02"  # PROTO 2
    p += b"ccollections\nOrderedDict\n)R"  # OrderedDict()
    p += b"(" + s("weight")
    p += b"ctorch._utils\n_rebuild_tensor_v2\n"
    p += b"(" + b"(" + s("storage") + b"ctorch\nFloatStorage\n" + s("0") + s("cpu") + b"K" + bytes([n_floats]) + b"tQ"
    p += b"K\x00" + b"K" + bytes([n_floats]) + b"\x85" + b"K\x01\x85" + b"\x89" + b"ccollections\nOrderedDict\n)R" + b"tR"
    p += b"u."  # SETITEMS, STOP
    return p


def main():
    if os.path.isdir(OUT):
        for root, _, files in os.walk(OUT, topdown=False):
            for f in files:
                os.remove(os.path.join(root, f))
    # Raw pickles: one malicious, one benign, one malicious with a misleading extension.
    write("models/evil.pkl", pickle.dumps(Payload(), protocol=4))
    write("models/weights.bin", pickle.dumps({"layer": [Payload()]}, protocol=2))
    write("models/config.pkl", pickle.dumps(OrderedDict(lr=0.001, epochs=10, labels=["cat", "dog"]), protocol=5))
    # PyTorch-layout zip checkpoints: benign state dict, and one with an extra hidden pickle member.
    floats = struct.pack("<4f", 0.5, -1.0, 2.0, 0.25)
    benign = [
        ("model/data.pkl", torch_state_dict_pickle(4)),
        ("model/byteorder", b"little"),
        ("model/data/0", floats),
        ("model/version", b"3\n"),
    ]
    write("checkpoints/resnet_tiny.pt", fixed_zip(benign))
    write("checkpoints/finetuned.pt", fixed_zip(benign + [("model/extra/hook.bin", pickle.dumps(Payload(), protocol=2))]))
    # numpy: an object-dtype .npy carries a pickle after its header.
    body = pickle.dumps([Payload()], protocol=3)
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    write("data/features.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin-1") + body)
    # joblib-style gzip-compressed pickle.
    write("data/pipeline.joblib", gzip.compress(pickle.dumps(Payload(), protocol=4), mtime=0))
    # Python source that loads models unsafely, and a safe twin.
    write("app/loader.py", b'''import pickle
import torch
import numpy as np
from flask import request


def load_upload():
    return pickle.loads(request.files["model"].read())


def load_checkpoint(path):
    return torch.load(path)


def load_features(path):
    return np.load(path, allow_pickle=True)
''')
    write("app/safe_loader.py", b'''import json

import numpy as np
import torch
from safetensors.torch import load_file


def load_checkpoint(path):
    return torch.load(path, weights_only=True)


def load_weights(path):
    return load_file(path)


def load_features(path):
    return np.load(path)


def load_config(path):
    with open(path) as f:
        return json.load(f)
''')
    write("requirements.txt", b"torch==2.5.1+cpu\nnumpy==1.26.4\nPyYAML==5.3\n")
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
