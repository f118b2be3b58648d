"""Writes N small benign pickles (protocols 0-5, mixed content) for the artifacts benchmark.

Standard library only and deterministic (seeded). Content mixes what real small pickles
hold: nested dicts/lists of numbers and strings, bytes, sets, tuples, datetimes, Decimals,
OrderedDicts and plain class instances from the standard library. Nothing is loaded.

Usage: gen_pickles.py OUT_DIR [COUNT]
"""

import collections
import datetime
import decimal
import pathlib
import pickle
import random
import sys


def make_value(rng, depth=0):
    kind = rng.randrange(10 if depth < 3 else 6)
    if kind == 0:
        return rng.randrange(-(10**9), 10**9)
    if kind == 1:
        return rng.random() * 1000
    if kind == 2:
        return "".join(rng.choice("abcdefghijklmnop _-") for _ in range(rng.randrange(1, 40)))
    if kind == 3:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 64)))
    if kind == 4:
        return datetime.datetime(2020, 1, 1) + datetime.timedelta(seconds=rng.randrange(10**8))
    if kind == 5:
        return decimal.Decimal(rng.randrange(10**6)) / 100
    if kind == 6:
        return [make_value(rng, depth + 1) for _ in range(rng.randrange(1, 12))]
    if kind == 7:
        return {f"k{i}": make_value(rng, depth + 1) for i in range(rng.randrange(1, 12))}
    if kind == 8:
        return collections.OrderedDict((f"layer{i}.weight", [rng.random() for _ in range(8)]) for i in range(rng.randrange(1, 6)))
    return (frozenset(range(rng.randrange(5))), set("abc"), tuple(range(rng.randrange(6))))


def main():
    out = pathlib.Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261122)
    total = 0
    for index in range(count):
        protocol = index % 6
        value = {"id": index, "payload": [make_value(rng) for _ in range(rng.randrange(1, 20))]}
        data = pickle.dumps(value, protocol=protocol)
        (out / f"sample_{index:05d}.pkl").write_bytes(data)
        total += len(data)
    print(f"wrote {count} pickles, {total} bytes, to {out}")


if __name__ == "__main__":
    main()
