"""Writes a benign PyTorch-layout zip checkpoint with one big stored tensor storage.

Layout as `torch.save` writes it: `archive/data.pkl` (protocol 2, an OrderedDict of one
tensor rebuilt by `torch._utils._rebuild_tensor_v2` from a BINPERSID storage reference),
`archive/byteorder`, `archive/data/0` (the raw float32 storage, STORED, its data aligned
to 64 bytes with an extra-field pad as torch does) and `archive/version`. The storage is
all zeros and written as a sparse hole (seek, never write), so a multi-GiB file takes
seconds and almost no disk. Standard library only; torch is not needed (stub modules under
the real names make the pickler emit the real globals). Nothing is loaded or executed.

Usage: gen_torch_zip.py OUT_FILE [SIZE_BYTES]   (default 2 GiB; must stay below 4 GiB)
"""

import collections
import io
import pickle
import struct
import sys
import types
import zlib

ALIGN = 64
CHUNK = 64 << 20


def _rebuild_tensor_v2(*args):
    raise RuntimeError("stub: only referenced")


class FloatStorage:
    pass


class StorageRef:
    def __init__(self, key, numel):
        self.key = key
        self.numel = numel


class Tensor:
    def __init__(self, storage, size):
        self.storage = storage
        self.size = size

    def __reduce_ex__(self, protocol):
        return (_rebuild_tensor_v2, (self.storage, 0, (self.size,), (1,), False, collections.OrderedDict()))


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, StorageRef):
            return ("storage", FloatStorage, obj.key, "cpu", obj.numel)
        return None


def data_pkl(numel):
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")
    torch.FloatStorage = FloatStorage
    FloatStorage.__module__ = "torch"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    _rebuild_tensor_v2.__module__ = "torch._utils"
    sys.modules["torch"] = torch
    sys.modules["torch._utils"] = utils
    state = collections.OrderedDict()
    state["embedding.weight"] = Tensor(StorageRef("0", numel), numel)
    buffer = io.BytesIO()
    TorchPickler(buffer, protocol=2).dump(state)
    return buffer.getvalue()


def zeros_crc(size):
    crc = 0
    block = bytes(CHUNK)
    remaining = size
    while remaining:
        step = min(remaining, CHUNK)
        crc = zlib.crc32(block[:step] if step < CHUNK else block, crc)
        remaining -= step
    return crc


class ZipWriter:
    """Minimal STORED zip writer (no zip64: every offset and size stays below 4 GiB)."""

    def __init__(self, handle):
        self.handle = handle
        self.entries = []

    def add(self, name, size, crc, payload=None):
        offset = self.handle.tell()
        encoded = name.encode()
        header_end = offset + 30 + len(encoded)
        pad = (-(header_end + 4)) % ALIGN + 4  # extra field: id, length, then padding
        extra = struct.pack("<HH", 0x4246, pad - 4) + bytes(pad - 4)
        self.handle.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0x21, crc, size, size, len(encoded), len(extra)))
        self.handle.write(encoded + extra)
        if payload is None:
            self.handle.seek(size, io.SEEK_CUR)  # sparse hole: reads back as zeros
        else:
            self.handle.write(payload)
        self.entries.append((encoded, crc, size, offset))

    def close(self):
        start = self.handle.tell()
        for encoded, crc, size, offset in self.entries:
            self.handle.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0x21, crc, size, size, len(encoded), 0, 0, 0, 0, 0, offset))
            self.handle.write(encoded)
        end = self.handle.tell()
        count = len(self.entries)
        self.handle.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, end - start, start, 0))


def main():
    out = sys.argv[1]
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 2 << 30
    if size % 4 or size >= (4 << 30) - (1 << 20):
        raise SystemExit("size must be a multiple of 4 and below 4 GiB")
    pickled = data_pkl(size // 4)
    with open(out, "wb") as handle:
        writer = ZipWriter(handle)
        for name, payload in (("archive/data.pkl", pickled), ("archive/byteorder", b"little")):
            writer.add(name, len(payload), zlib.crc32(payload), payload)
        writer.add("archive/data/0", size, zeros_crc(size))
        writer.add("archive/version", 2, zlib.crc32(b"3\n"), b"3\n")
        writer.close()
    print(f"wrote {out}: {size} byte storage")


if __name__ == "__main__":
    main()
