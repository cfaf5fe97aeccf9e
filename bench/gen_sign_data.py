#!/usr/bin/env python3
"""Model directory for the signing benchmark (bench/sign_bench.sh).

Writes bench/data/sign/ (git-ignored): FILES files of SIZE_MIB MiB of random bytes each
(default 3 x 1024 MiB, like the weight shards of a multi-GiB checkpoint) plus a small
config.json. Existing files of the right size are kept, so re-runs are free.

  python3 bench/gen_sign_data.py [--files 3] [--size-mib 1024] [--out bench/data/sign]
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
    args = ap.parse_args()
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
