#!/usr/bin/env python3
"""Model directory for the signing benchmark (bench/sign_bench.sh).

Writes bench/data/sign/ (git-ignored): FILES files of SIZE_MIB MiB of random bytes each
(default 3 x 1024 MiB, like the weight shards of a multi-GiB checkpoint) plus a small
config.json. Existing files of the right size are kept, so re-runs are free.

  python3 bench/gen_sign_data.py [--files 3] [--size-mib 1024] [--out bench/data/sign]

With --small-files N it instead writes N files of --small-kib KiB (default 64) spread over
100 sub-directories into bench/data/sign-small/ (per-file overhead rather than hashing speed).
"""

import argparse
import json
import os
import pathlib

CHUNK = 64 << 20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=3)
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument(
        "--out",
        type=pathlib.Path,
        default=pathlib.Path(__file__).resolve().parent / "data" / "sign",
    )
    ap.add_argument("--small-files", type=int, default=0)
    ap.add_argument("--small-kib", type=int, default=64)
    args = ap.parse_args()
    if args.small_files:
        out = args.out.parent / "sign-small" if args.out.name == "sign" else args.out
        for i in range(args.small_files):
            path = out / f"d{i % 100:03d}" / f"f{i:06d}.bin"
            if path.exists() and path.stat().st_size == args.small_kib << 10:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(os.urandom(args.small_kib << 10))
        print(f"wrote {args.small_files} files of {args.small_kib} KiB into {out}")
        return
    args.out.mkdir(parents=True, exist_ok=True)
    size = args.size_mib << 20
    for i in range(args.files):
        path = args.out / f"model-{i + 1:05d}-of-{args.files:05d}.safetensors"
        if path.exists() and path.stat().st_size == size:
            continue
        with open(path, "wb") as f:
            left = size
            while left:
                n = min(CHUNK, left)
                f.write(os.urandom(n))
                left -= n
        print(f"wrote {path} ({args.size_mib} MiB)")
    (args.out / "config.json").write_text(json.dumps({"model_type": "bench"}) + "\n")


if __name__ == "__main__":
    main()
