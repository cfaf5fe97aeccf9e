#!/usr/bin/env python3
"""Write one large .gguf and one large .safetensors for the header-only benchmark.

    /work/venv-fixtures/bin/python bench/gen_headers.py            # 1 GiB each
    /work/venv-fixtures/bin/python bench/gen_headers.py --size 8MiB --out /tmp/x

Both files hold N tensors of 64 MiB (fewer/smaller for small sizes) of zeros (or random bytes
with --random), written chunk by chunk so memory stays at one chunk:

* GGUF: the real gguf-py GGUFWriter (add_tensor_info for every tensor, header/KV/tensor-info
  written by the library, then write_tensor_data one tensor at a time).
* safetensors: the header is laid out exactly as the safetensors library does (tensors sorted
  by dtype alignment then name, contiguous offsets, JSON padded with spaces to 8 bytes) and the
  data streamed; the result is then opened with the real library (`safe_open`, which validates
  the header and buffer length) to prove it is a valid file.

Scanners that only parse headers should take microseconds-to-milliseconds on both files.
Output goes to bench/data/large/ (git-ignored).
"""

import argparse
import json
import os
import re
import struct
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CHUNK = 64 << 20


def parse_size(text):
    m = re.fullmatch(r"\s*(\d+)\s*([KMG]i?B?)?\s*", text, re.I)
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {text!r}")
    n = int(m.group(1))
    unit = (m.group(2) or "").upper()[:1]
    return n * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[unit]


def tensor_sizes(total):
    """Element counts (float32) of tensors adding up to about `total` bytes."""
    per = min(CHUNK, max(4096, total // 4))
    sizes = []
    left = total
    while left >= 4:
        b = min(per, left) // 4 * 4
        sizes.append(b // 4)
        left -= b
    return sizes


def block(nbytes, rng):
    if rng is None:
        return np.zeros(nbytes // 4, dtype=np.float32)
    return rng.standard_normal(nbytes // 4, dtype=np.float32)


def write_gguf(path, sizes, rng):
    import gguf

    w = gguf.GGUFWriter(path, "llama")
    w.add_name("mlsecops header benchmark")
    w.add_chat_template("{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}")
    for i, n in enumerate(sizes):
        w.add_tensor_info(f"blk.{i}.weight", [n], np.dtype(np.float32), n * 4)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    for n in sizes:
        w.write_tensor_data(block(n * 4, rng))
    w.close()


def write_safetensors(path, sizes, rng):
    header = {"__metadata__": {"format": "pt", "purpose": "mlsecops header benchmark"}}
    names = sorted(f"blk.{i}.weight" for i in range(len(sizes)))
    offset = 0
    by_name = {f"blk.{i}.weight": n for i, n in enumerate(sizes)}
    for name in names:
        n = by_name[name]
        header[name] = {"dtype": "F32", "shape": [n], "data_offsets": [offset, offset + n * 4]}
        offset += n * 4
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((-len(raw)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for name in names:
            f.write(block(by_name[name] * 4, rng).tobytes())
    from safetensors import safe_open

    with safe_open(path, framework="numpy") as st:
        assert sorted(st.keys()) == names
        assert st.metadata()["format"] == "pt"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=parse_size, default=1 << 30, help="bytes of tensor data per file (default 1GiB)")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "data", "large"))
    ap.add_argument("--random", action="store_true", help="random float32 data instead of zeros")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    st = os.statvfs(args.out)
    free = st.f_bavail * st.f_frsize
    if free < 2 * args.size + (1 << 30):
        sys.exit(f"not enough free disk space in {args.out}: {free >> 20} MiB free")
    rng = np.random.default_rng(0) if args.random else None
    sizes = tensor_sizes(args.size)
    g = os.path.join(args.out, "large.gguf")
    s = os.path.join(args.out, "large.safetensors")
    write_gguf(g, sizes, rng)
    write_safetensors(s, sizes, rng)
    for p in (g, s):
        print(f"{p}\t{os.path.getsize(p)} bytes")


if __name__ == "__main__":
    main()
