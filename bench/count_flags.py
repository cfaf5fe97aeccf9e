#!/usr/bin/env python3
"""Count which files a tool flagged, from the raw output of its last timed run.

Usage: count_flags.py TOOL RAW_OUTPUT
Prints "<flagged payload files>/<flagged other files>": a file is a payload file when its
name starts with "mal_" (see bench/gen_data.py).  What counts as "flagged" per tool:
  mlsecops      a files[] entry with a finding of severity high or critical (JSON report)
  picklescan    a "dangerous import" line (picklescan's own infected verdict)
  modelscan     an issue of severity HIGH or CRITICAL (JSON report)
  modelaudit    an issue of severity critical (JSON report)
  fickling*     per-file exit/verdict code 1 (CLI: check-safety unsafe; API: above LIKELY_SAFE)
Prints "?" when the output can't be parsed.
"""
import json
import re
import sys
from pathlib import PurePosixPath


def base(path: str) -> str:
    # "dir/x.pt:archive/data.pkl" -> "x.pt"
    return PurePosixPath(path.split(":", 1)[0]).name


def flagged(tool: str, text: str) -> set[str]:
    if tool == "mlsecops":
        rep = json.loads(text)
        return {base(f["path"]) for f in rep.get("files", [])
                if any(str(x.get("severity", "")).lower() in ("high", "critical")
                       for x in f.get("findings", []))}
    if tool == "picklescan":
        return {base(m.group(1)) for m in re.finditer(r"^(.*?): dangerous import ", text, re.M)}
    if tool == "modelscan":
        rep = json.loads(text)
        return {base(i.get("source", "")) for i in rep.get("issues", [])
                if i.get("severity") in ("HIGH", "CRITICAL")}
    if tool == "modelaudit":
        rep = json.loads(text)
        return {base(i.get("location") or "") for i in rep.get("issues", [])
                if str(i.get("severity", "")).lower() == "critical"}
    if tool.startswith("fickling"):
        out = set()
        for line in text.splitlines():
            parts = line.split(" ", 2)
            if len(parts) >= 2 and parts[0] == "1":
                out.add(base(parts[1]))
        return out
    raise ValueError(tool)


def main() -> None:
    tool, raw = sys.argv[1], sys.argv[2]
    try:
        with open(raw, encoding="utf-8", errors="replace") as fh:
            names = flagged(tool, fh.read())
    except (OSError, ValueError, json.JSONDecodeError, AttributeError, TypeError):
        print("?")
        return
    names.discard("")
    mal = sum(1 for n in names if n.startswith("mal_"))
    print(f"{mal}/{len(names) - mal}")


if __name__ == "__main__":
    main()
