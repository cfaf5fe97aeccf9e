#!/usr/bin/env python3
"""Regenerates the benign test pickles in tests/data/ and their pickletools listings.

Usage (from crates/mlsecops-pickle):
    python3 tests/gen_data.py            # stdlib pickles (any CPython 3.8+)
    /tmp/pkvenv/bin/python tests/gen_data.py --numpy   # also numpy/joblib files
(the venv is `python3 -m venv /tmp/pkvenv && /tmp/pkvenv/bin/pip install joblib numpy`).

Every data file gets a `<name>.ops` listing "offset OPCODE_NAME" per opcode as produced by
CPython's own `pickletools.genops`, followed over concatenated streams; the Rust test
`pickletools_cross_check` compares the crate's decoder against it. Files containing joblib raw
blocks get no listing (genops cannot walk them; that is the point of the joblib handling).
"""
import collections
import datetime
import decimal
import fractions
import io
import os
import pickle
import pickletools
import sys
import uuid

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def write(name, data, listing=True):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    if listing:
        lines = []
        buf = io.BytesIO(data)
        while buf.tell() < len(data):
            for op, _arg, pos in pickletools.genops(buf):
                lines.append(f"{pos} {op.name}")
        with open(os.path.join(HERE, name + ".ops"), "w") as f:
            f.write("\n".join(lines) + "\n")


def stdlib():
    obj = {
        "ints": [0, 1, -1, 255, 256, 65535, 65536, -(2**31), 2**31, 2**70, -(2**70)],
        "floats": [0.0, 1.5, -2.25e10, float("inf")],
        "text": ["", "ascii", "caf\u00e9", "\u4e2d\u6587", "x" * 300],
        "bytes": [b"", b"\x00\x01", b"y" * 300, bytearray(b"ba")],
        "tuple": (1, (2, (3,)), ()),
        "set": {1, 2},
        "frozen": frozenset({"a"}),
        "none": None,
        "bools": [True, False],
        "od": collections.OrderedDict([("a", 1), ("b", [1, 2])]),
        "dd": collections.defaultdict(list, {"k": [1]}),
        "counter": collections.Counter("aab"),
        "deque": collections.deque([1, 2]),
        "when": datetime.datetime(2024, 1, 2, 3, 4, 5),
        "delta": datetime.timedelta(days=1),
        "dec": decimal.Decimal("1.25"),
        "frac": fractions.Fraction(1, 3),
        "uuid": uuid.UUID(int=1),
        "complex": complex(1, 2),
        "slice": slice(1, 2),
        "range": range(3),
    }
    shared = [1, 2]
    obj["shared"] = [shared, shared]
    for proto in range(0, 6):
        write(f"stdlib_p{proto}.pkl", pickle.dumps(obj, protocol=proto))
        write(f"ordereddict_p{proto}.pkl", pickle.dumps(collections.OrderedDict(a=1, b=2), protocol=proto))
    # Two concatenated streams.
    write("concat_p2.pkl", pickle.dumps([1], protocol=2) + pickle.dumps({"b": 2}, protocol=2))


def numpy_files():
    import joblib
    import numpy as np

    for proto in (2, 4, 5):
        write(f"numpy_p{proto}.pkl", pickle.dumps({"w": np.arange(6, dtype="f4").reshape(2, 3), "s": np.float64(2.5)}, protocol=proto))
    cases = {
        "f8": {"a": np.arange(3, dtype="f8"), "b": [np.arange(2, dtype="i2")]},
        "i4be": np.arange(2, dtype=">i4"),
        "u3": np.array(["ab", "c"]),
        "obj": np.array([1, "x"], dtype=object),
        "struct": np.zeros(2, dtype=[("x", "<i2"), ("y", "f4")]),
        "scalar0d": np.array(5.0),
        "fortran": np.asfortranarray(np.arange(6, dtype="u1").reshape(2, 3)),
    }
    for name, value in cases.items():
        path = os.path.join(HERE, f"joblib_{name}.joblib")
        joblib.dump(value, path)


if __name__ == "__main__":
    os.makedirs(HERE, exist_ok=True)
    stdlib()
    if "--numpy" in sys.argv:
        numpy_files()
