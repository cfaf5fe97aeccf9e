"""Decode SPDX 3 JSON-LD documents with spdx-python-model and validate them.

usage: spdx3_check.py FILE...   (exit 0 when every file passes; one line per file)

A document passes when: its @context is the 3.0.1 context; the deserializer (generated from the
official SPDX 3 model, SHACL-derived types, enums and IRIs) accepts every object and property;
every referenced id resolves in the document; re-serialising (which enforces the SHACL min/max
counts) succeeds; and the SpdxDocument, CreationInfo and every element are of known classes.
"""

import io
import json
import sys

import spdx_python_model
from spdx_python_model import v3_0_1 as spdx


def check(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if data.get("@context") != "https://spdx.org/rdf/3.0.1/spdx-context.jsonld":
        raise ValueError("unexpected @context")
    model, objset = spdx_python_model.load_data(data)
    if model is not spdx:
        raise ValueError(f"decoded with {model.__name__}, not v3_0_1")
    missing = objset.link()
    if missing:
        raise ValueError(f"unresolved references: {sorted(missing)}")
    # Every graph node must have become an object (nothing silently dropped).
    if len(list(objset.foreach())) < len(data["@graph"]) - 1:
        raise ValueError("fewer objects than graph nodes")
    docs = list(objset.foreach_type(spdx.SpdxDocument))
    if len(docs) != 1:
        raise ValueError(f"{len(docs)} SpdxDocument objects")
    buf = io.BytesIO()
    spdx.JSONLDSerializer().write(objset, buf)
    again = json.loads(buf.getvalue())
    if len(again["@graph"]) < len(data["@graph"]) - 1:
        raise ValueError("round trip lost elements")
    return sum(1 for _ in objset.foreach_type(spdx.Element))


def main():
    failed = 0
    for path in sys.argv[1:]:
        try:
            n = check(path)
            print(f"ok   {path} ({n} elements)")
        except Exception as e:  # noqa: BLE001 - report any decode or validation failure
            failed += 1
            msg = f"{type(e).__name__}: {e}"
            print(f"FAIL {path}: {msg[:300]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
