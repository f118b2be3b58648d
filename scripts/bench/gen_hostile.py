#!/usr/bin/env python3
"""Write the hostile pickles of issue 2's robustness bar into a folder (stdlib only).

- binbytes8_1gb.pkl: BINBYTES8 claiming 1 GB, with only a few bytes present;
- deep_list.pkl: a list nested 10**6 deep (EMPTY_LIST + MEMOIZE... APPENDs);
- memo_10m.pkl: 10**7 MEMOIZE opcodes on one value;
- lying_frame.pkl: a FRAME whose length is far larger than the stream.
"""
import os
import struct
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def write(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


write("binbytes8_1gb.pkl", b"\x80\x04\x8e" + struct.pack("<Q", 1 << 30) + b"abc")
depth = 10**6
write("deep_list.pkl", b"\x80\x04" + b"]" * depth + b"a" * (depth - 1) + b".")
write("memo_10m.pkl", b"\x80\x04N" + b"\x94" * 10**7 + b".")
write("lying_frame.pkl", b"\x80\x04\x95" + struct.pack("<Q", 1 << 40) + b"N.")
