"""Drives the model_signing Python API for what its CLI cannot do (sharded manifests).

Usage:
  oms_api.py sign-shards MODEL PRIVATE_KEY SIGNATURE SHARD_SIZE [IGNORE_PATH ...]
  oms_api.py verify MODEL PUBLIC_KEY SIGNATURE

`verify` lets model_signing guess the hashing configuration from the bundle (method, shard
size, ignore paths), which is how its API verifies sharded signatures.
Exit status 0 on success, 1 on any failure.
"""

import pathlib
import sys

import model_signing


def main(argv):
    cmd = argv[1]
    if cmd == "sign-shards":
        model, key, sig, shard = argv[2:6]
        ignores = [pathlib.Path(p) for p in argv[6:]] + [pathlib.Path(sig)]
        model_root = pathlib.Path(model).resolve()
        rel = []
        for p in ignores:
            try:
                rel.append(p.resolve().relative_to(model_root))
            except ValueError:
                pass
        hashing = (
            model_signing.hashing.Config()
            .use_shard_serialization(shard_size=int(shard))
            .set_ignored_paths(paths=rel, ignore_git_paths=True)
        )
        model_signing.signing.Config().use_elliptic_key_signer(
            private_key=key
        ).set_hashing_config(hashing).sign(model, sig)
    elif cmd == "verify":
        model, key, sig = argv[2:5]
        model_signing.verifying.Config().use_elliptic_key_verifier(
            public_key=key
        ).verify(model, sig)
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    try:
        main(sys.argv)
    except Exception as err:  # noqa: BLE001 - report any failure as exit 1
        print(f"failed: {err}", file=sys.stderr)
        sys.exit(1)
    print("ok")
