#!/usr/bin/env python3
"""Deterministic benchmark corpus for mlsecops and its peers.

Writes into bench/data/ (git-ignored):

  many_small/          ~500 small model files: PyTorch ZIP state dicts (.pt, 2 KB-200 KB),
                       plain pickles (.pkl), joblib files (.joblib), NumPy arrays (.npy).
                       ~5 % carry a harmless os.system('echo') payload; their names start
                       with "mal_" and they are listed in many_small.MANIFEST.tsv (kept outside
                       the directory so scanners don't see it).
  big/model_1g.pt      a 1 GiB PyTorch ZIP checkpoint (~180 float32 tensors), byte-for-byte
                       in the layout torch.save (>= 2.x) writes; generated once, reused.
  big/legacy_200m.pt   a ~200 MB PyTorch *legacy* (pre-1.6, non-ZIP) checkpoint: stacked
                       pickles (magic, protocol, sys_info, object, storage keys) + raw storages.

Torch itself is NOT needed: PyPI's Linux torch wheel pulls several GB of CUDA libraries,
so the PyTorch formats are emitted here by hand.  The pickles are produced by CPython's own
pickler (protocol 2, as torch.save uses) against stand-in modules named `torch`,
`torch._utils` and `collections`-based OrderedDicts, so the opcode stream is what a real
torch.save produces: GLOBAL `torch._utils _rebuild_tensor_v2`, BINPERSID storage tuples
('storage', torch.FloatStorage, '<key>', 'cpu', numel), memoised with BINPUT.  The ZIP
container mimics torch's miniz writer: members stored (uncompressed), local headers with
flags 0x0808 and zero sizes followed by a data descriptor, an "FB" extra field padded with
'Z' so every member's data starts on a 64-byte boundary, an always-present ZIP64 end
record, and member order data.pkl, .format_version, .storage_alignment, byteorder,
data/<keys sorted as strings>, version, .data/serialization_id.

Usage:  python bench/gen_data.py [--out bench/data] [--only small|big|legacy] [--force]
Needs numpy and joblib (installed by bench/setup.sh).
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import io
import os
import pickle
import struct
import sys
import types
import zlib
from pathlib import Path

import numpy as np

SEED = 20240601
ALIGN = 64

# --------------------------------------------------------------------------------------
# Stand-in `torch` modules so CPython's pickler writes the same GLOBALs torch.save writes.
# Nothing here is ever unpickled by this script.
# --------------------------------------------------------------------------------------


def _install_fake_torch() -> types.SimpleNamespace:
    if "torch" in sys.modules and not getattr(sys.modules["torch"], "_bench_fake", False):
        raise SystemExit("a real torch is importable; this generator uses stand-in modules")
    torch = types.ModuleType("torch")
    torch._bench_fake = True
    utils = types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*_a):  # pragma: no cover - never called
        raise RuntimeError("stand-in")

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    utils._rebuild_tensor_v2 = _rebuild_tensor_v2

    storages = {}
    for name in ("FloatStorage", "HalfStorage", "BFloat16Storage", "LongStorage"):
        cls = type(name, (), {"__module__": "torch"})
        setattr(torch, name, cls)
        storages[name] = cls
    torch._utils = utils
    sys.modules["torch"] = torch
    sys.modules["torch._utils"] = utils
    return types.SimpleNamespace(rebuild=_rebuild_tensor_v2, storages=storages)


def _install_fake_sklearn():
    """A stand-in estimator class whose pickle names sklearn's LogisticRegression."""
    names = ["sklearn", "sklearn.linear_model", "sklearn.linear_model._logistic"]
    for n in names:
        sys.modules.setdefault(n, types.ModuleType(n))
    mod = sys.modules["sklearn.linear_model._logistic"]
    if not hasattr(mod, "LogisticRegression"):
        cls = type("LogisticRegression", (), {"__module__": "sklearn.linear_model._logistic"})
        mod.LogisticRegression = cls
    return mod.LogisticRegression


FAKE = _install_fake_torch()
LogisticRegression = _install_fake_sklearn()


class Payload:
    """Pickles as posix.system('echo') -- prints an empty line if ever loaded. Harmless."""

    def __reduce__(self):
        return (os.system, ("echo",))


class Storage:
    def __init__(self, key: str, dtype_name: str, numel: int):
        self.key, self.dtype_name, self.numel = key, dtype_name, numel


class Tensor:
    """Reduces exactly like torch.Tensor.__reduce_ex__ for a plain CPU tensor."""

    def __init__(self, storage: Storage, shape: tuple[int, ...]):
        self.storage, self.shape = storage, shape

    def __reduce__(self):
        stride, acc = [], 1
        for dim in reversed(self.shape):
            stride.append(acc)
            acc *= dim
        args = (self.storage, 0, tuple(self.shape), tuple(reversed(stride)), False,
                collections.OrderedDict())
        return (FAKE.rebuild, args)


class _ZipPickler(pickle.Pickler):
    """torch.save's pickler: storages become ('storage', type, key, location, numel)."""

    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", FAKE.storages[obj.dtype_name], obj.key, "cpu", obj.numel)
        return None


class _LegacyPickler(pickle.Pickler):
    """torch's legacy (_legacy_save) pickler adds a view_metadata slot."""

    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", FAKE.storages[obj.dtype_name], obj.key, "cpu", obj.numel, None)
        return None


def pickle_state_dict(obj, legacy: bool = False) -> bytes:
    buf = io.BytesIO()
    (_LegacyPickler if legacy else _ZipPickler)(buf, protocol=2).dump(obj)
    return buf.getvalue()


def os_global(data: bytes) -> bytes:
    """Spell the payload's GLOBAL as `os system` instead of `posix system` (protocol <= 3)."""
    return data.replace(b"cposix\nsystem\n", b"cos\nsystem\n")


# --------------------------------------------------------------------------------------
# Minimal ZIP writer that reproduces torch's miniz output (stored members, 64-byte aligned).
# --------------------------------------------------------------------------------------


class TorchZipWriter:
    def __init__(self, path: Path, archive_name: str = "archive"):
        self.f = open(path, "wb")
        self.prefix = archive_name + "/"
        self.entries: list[tuple[bytes, int, int, int]] = []  # name, crc, size, offset

    def write_record(self, name: str, chunks) -> None:
        """chunks: bytes or an iterable of bytes-like objects (streamed, never joined)."""
        if isinstance(chunks, (bytes, bytearray, memoryview)):
            chunks = [chunks]
        full = (self.prefix + name).encode()
        offset = self.f.tell()
        # local header is 30 bytes + name + extra; the "FB" extra header itself is 4 bytes.
        base = offset + 30 + len(full) + 4
        pad = (-base) % ALIGN
        extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
        self.f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 0, 0x0808, 0, 0, 0, 0, 0, 0,
                                 len(full), len(extra)))
        self.f.write(full)
        self.f.write(extra)
        assert self.f.tell() % ALIGN == 0
        crc, size = 0, 0
        for c in chunks:
            crc = zlib.crc32(c, crc)
            size += len(c)
            self.f.write(c)
        self.f.write(struct.pack("<IIII", 0x08074B50, crc, size, size))
        self.entries.append((full, crc, size, offset))

    def close(self) -> None:
        cd_start = self.f.tell()
        for full, crc, size, offset in self.entries:
            assert size < 0xFFFFFFFF and offset < 0xFFFFFFFF, "ZIP64 member sizes not needed here"
            self.f.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0, 0, 0x0808, 0, 0, 0,
                                     crc, size, size, len(full), 0, 0, 0, 0, 0, offset))
            self.f.write(full)
        cd_end = self.f.tell()
        n, cd_size = len(self.entries), cd_end - cd_start
        # torch (miniz) always appends a ZIP64 end record + locator, then the classic EOCD.
        self.f.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 0x031E, 0x2D, 0, 0, n, n,
                                 cd_size, cd_start))
        self.f.write(struct.pack("<IIQI", 0x07064B50, 0, cd_end, 1))
        self.f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, cd_size, cd_start, 0))
        self.f.close()


def write_torch_zip(path: Path, obj, storages: list[tuple[Storage, object]],
                    data_pkl: bytes | None = None) -> None:
    """storages: (Storage, payload) where payload is bytes or a callable yielding chunks."""
    w = TorchZipWriter(path)
    w.write_record("data.pkl", data_pkl if data_pkl is not None else pickle_state_dict(obj))
    w.write_record(".format_version", b"1")
    w.write_record(".storage_alignment", b"64")
    w.write_record("byteorder", b"little")
    sid = hashlib.sha1()
    for st, payload in sorted(storages, key=lambda p: p[0].key):  # torch sorts keys as strings
        chunks = payload() if callable(payload) else payload
        w.write_record(f"data/{st.key}", chunks)
        sid.update(st.key.encode())
    w.write_record("version", b"3\n")
    # torch writes a decimal-digit serialization id; any 40 digits are fine for scanners.
    w.write_record(".data/serialization_id", str(int(sid.hexdigest(), 16))[:40].encode())
    w.close()


# --------------------------------------------------------------------------------------
# Small-file corpus
# --------------------------------------------------------------------------------------

DTYPES = {"FloatStorage": np.float32, "HalfStorage": np.float16, "LongStorage": np.int64}


def small_state_dict(rng: np.random.Generator, target_bytes: int, payload: bool):
    sd = collections.OrderedDict()
    storages = []
    key = 0
    layer = 0
    remaining = target_bytes
    while remaining > 0:
        dtype_name = "FloatStorage" if rng.random() < 0.85 else "HalfStorage"
        itemsize = np.dtype(DTYPES[dtype_name]).itemsize
        cols = int(rng.choice([8, 16, 32, 64, 128]))
        rows = max(1, min(int(remaining // (itemsize * cols)), int(rng.integers(1, 256))))
        numel = rows * cols
        data = rng.standard_normal(numel).astype(DTYPES[dtype_name]).tobytes()
        st = Storage(str(key), dtype_name, numel)
        sd[f"layers.{layer}.weight"] = Tensor(st, (rows, cols))
        storages.append((st, data))
        key += 1
        # bias
        st = Storage(str(key), dtype_name, rows)
        sd[f"layers.{layer}.bias"] = Tensor(st, (rows,))
        storages.append((st, rng.standard_normal(rows).astype(DTYPES[dtype_name]).tobytes()))
        key += 1
        layer += 1
        remaining -= (numel + rows) * itemsize
    if payload:
        sd["_extra_state"] = Payload()
    return sd, storages


def gen_small(out: Path) -> None:
    d = out / "many_small"
    d.mkdir(parents=True, exist_ok=True)
    for p in d.iterdir():
        p.unlink()
    rng = np.random.default_rng(SEED)
    plan = ["pt"] * 200 + ["pkl"] * 110 + ["joblib"] * 90 + ["npy"] * 100
    rng.shuffle(plan)
    n = len(plan)
    mal_idx = set(int(i) for i in rng.choice(n, size=25, replace=False))  # 5 %
    manifest = ["file\tkind\tpayload"]
    sizes = 0
    for i, kind in enumerate(plan):
        mal = i in mal_idx
        stem = f"{'mal_' if mal else ''}{kind}_{i:04d}"
        if kind == "pt":
            target = int(np.exp(rng.uniform(np.log(2_000), np.log(200_000))))
            sd, storages = small_state_dict(rng, target, mal)
            data = pickle_state_dict(sd)
            if mal and i % 2 == 0:
                data = os_global(data)
            path = d / f"{stem}.pt"
            write_torch_zip(path, sd, storages, data_pkl=data)
        elif kind == "pkl":
            obj = {
                "epoch": int(rng.integers(1, 100)),
                "config": {"lr": float(rng.uniform(1e-5, 1e-2)), "layers": int(rng.integers(2, 48)),
                           "name": f"model-{i}", "tags": ["bench", "synthetic"]},
                "vocab": {f"tok{j}": j for j in range(int(rng.integers(10, 3000)))},
                "history": [float(x) for x in rng.standard_normal(int(rng.integers(10, 2000)))],
            }
            if mal:
                obj["callback"] = Payload()
            proto = int(rng.choice([2, 4, 5]))
            data = pickle.dumps(obj, protocol=proto)
            if mal and proto == 2:
                data = os_global(data)
            path = d / f"{stem}.pkl"
            path.write_bytes(data)
        elif kind == "joblib":
            import joblib  # real joblib container: pickle + inline NumpyArrayWrapper buffers

            est = LogisticRegression()
            nfeat = int(rng.integers(4, 4000))
            est.__dict__.update({
                "C": 1.0, "penalty": "l2", "solver": "lbfgs", "max_iter": 100,
                "coef_": rng.standard_normal((1, nfeat)),
                "intercept_": rng.standard_normal(1),
                "classes_": np.array([0, 1]),
                "n_features_in_": nfeat, "_sklearn_version": "1.5.2",
            })
            if mal:
                est.__dict__["_post_load_hook"] = Payload()
            path = d / f"{stem}.joblib"
            joblib.dump(est, path)
        else:  # npy
            if mal:
                arr = np.empty(3, dtype=object)
                arr[:] = [1.5, "meta", Payload()]
                np.save(d / f"{stem}.npy", arr, allow_pickle=True)
            else:
                shape = (int(rng.integers(1, 256)), int(rng.integers(1, 256)))
                np.save(d / f"{stem}.npy", rng.standard_normal(shape).astype(np.float32))
            path = d / f"{stem}.npy"
        sizes += path.stat().st_size
        manifest.append(f"{path.name}\t{kind}\t{'os.system' if mal else '-'}")
    (out / "many_small.MANIFEST.tsv").write_text("\n".join(manifest) + "\n")
    print(f"many_small: {n} files, {len(mal_idx)} with payload, {sizes / 2**20:.1f} MiB")


# --------------------------------------------------------------------------------------
# Big files
# --------------------------------------------------------------------------------------


def big_shapes(hidden=1024, layers=18, vocab=40960):
    shapes = [("embed_tokens.weight", (vocab, hidden))]
    for i in range(layers):
        p = f"layers.{i}"
        for n in ("q_proj", "k_proj", "v_proj", "o_proj"):
            shapes.append((f"{p}.self_attn.{n}.weight", (hidden, hidden)))
        shapes.append((f"{p}.mlp.up_proj.weight", (4 * hidden, hidden)))
        shapes.append((f"{p}.mlp.down_proj.weight", (hidden, 4 * hidden)))
        for ln in ("input_layernorm", "post_attention_layernorm"):
            shapes.append((f"{p}.{ln}.weight", (hidden,)))
            shapes.append((f"{p}.{ln}.bias", (hidden,)))
    shapes.append(("norm.weight", (hidden,)))
    shapes.append(("norm.bias", (hidden,)))
    return shapes


def _chunks(seed: int, numel: int, chunk=1 << 22):
    def gen():
        rng = np.random.default_rng(seed)
        left = numel
        while left:
            k = min(left, chunk)
            yield (rng.standard_normal(k, dtype=np.float32) * 0.02).tobytes()
            left -= k
    return gen


def gen_big(out: Path, force: bool) -> None:
    d = out / "big"
    d.mkdir(parents=True, exist_ok=True)
    path = d / "model_1g.pt"
    if path.exists() and not force:
        print(f"big: {path} exists ({path.stat().st_size / 2**30:.2f} GiB), reused")
        return
    sd, storages = collections.OrderedDict(), []
    for key, (name, shape) in enumerate(big_shapes()):
        numel = int(np.prod(shape))
        st = Storage(str(key), "FloatStorage", numel)
        sd[name] = Tensor(st, shape)
        storages.append((st, _chunks(SEED + key, numel)))
    tmp = path.with_suffix(".tmp")
    write_torch_zip(tmp, sd, storages)
    tmp.rename(path)
    print(f"big: {path} {path.stat().st_size / 2**30:.3f} GiB, {len(storages)} tensors")


LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


def gen_legacy(out: Path, force: bool, target=200 * 10**6) -> None:
    d = out / "big"
    d.mkdir(parents=True, exist_ok=True)
    path = d / "legacy_200m.pt"
    if path.exists() and not force:
        print(f"legacy: {path} exists, reused")
        return
    sd, storages = collections.OrderedDict(), []
    hidden, key, total = 1024, 0, 0
    while total < target:
        shape = (hidden, hidden) if key % 3 else (4 * hidden, hidden)
        numel = int(np.prod(shape))
        st = Storage(str(key), "FloatStorage", numel)
        sd[f"encoder.{key}.weight"] = Tensor(st, shape)
        storages.append((st, _chunks(SEED + 10_000 + key, numel)))
        total += numel * 4
        key += 1
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        # torch.serialization._legacy_save: magic, protocol version, sys_info, object, keys.
        pickle.dump(LEGACY_MAGIC, f, protocol=2)
        pickle.dump(1001, f, protocol=2)
        pickle.dump({"protocol_version": 1001, "little_endian": True,
                     "type_sizes": {"short": 2, "int": 4, "long": 4}}, f, protocol=2)
        f.write(pickle_state_dict(sd, legacy=True))
        keys = [st.key for st, _ in storages]  # insertion order, as _legacy_save keeps it
        pickle.dump(keys, f, protocol=2)
        for st, gen in storages:
            f.write(struct.pack("<q", st.numel))  # storage._write_file: int64 numel, then bytes
            for c in gen():
                f.write(c)
    tmp.rename(path)
    print(f"legacy: {path} {path.stat().st_size / 10**6:.0f} MB, {len(storages)} storages")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "data"))
    ap.add_argument("--only", choices=["small", "big", "legacy"], action="append")
    ap.add_argument("--force", action="store_true", help="regenerate big files even if present")
    a = ap.parse_args()
    out = Path(a.out)
    only = set(a.only or ["small", "big", "legacy"])
    if "small" in only:
        gen_small(out)
    if "big" in only:
        gen_big(out, a.force)
    if "legacy" in only:
        gen_legacy(out, a.force)


if __name__ == "__main__":
    main()
