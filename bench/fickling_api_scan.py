#!/usr/bin/env python3
"""fickling through its Python API, for the files its CLI refuses.

`fickling --check-safety FILE` parses FILE as stacked raw pickles only, so it exits 2
("No pickle files detected") on every PyTorch ZIP checkpoint.  fickling's library has
`loader.scan_zip_archive` (scans .pkl/.pickle/.bin members) and `loader.scan_file`;
this wrapper routes ZIPs to the former, everything else to the latter, in ONE Python
process for all files (so it also shows fickling without per-file interpreter start-up).

Usage: fickling_api_scan.py PATH [PATH...]   (directories are walked, sorted)
Prints one line per file: "<code> <path>" with code 0 = LIKELY_SAFE, 1 = worse than
LIKELY_SAFE, 2 = scan error; exits with the highest code seen.
"""
import sys
import zipfile
from pathlib import Path

from fickling.analysis import Severity
from fickling.loader import scan_file, scan_zip_archive


def files(args):
    for a in args:
        p = Path(a)
        if p.is_dir():
            yield from sorted(x for x in p.rglob("*") if x.is_file())
        else:
            yield p


def main() -> int:
    worst = 0
    for f in files(sys.argv[1:]):
        try:
            if zipfile.is_zipfile(f):
                res = list(scan_zip_archive(str(f), graceful=True).values())
            else:
                res = [scan_file(str(f), graceful=True)]
            sev = max((r.severity for r in res), default=Severity.LIKELY_SAFE)
            code = 0 if sev == Severity.LIKELY_SAFE else 1
        except Exception as e:  # noqa: BLE001 - a crash is a result worth recording
            print(f"# {f}: {type(e).__name__}: {e}", file=sys.stderr)
            code, sev = 2, None
        print(f"{code} {f} {sev.name if code < 2 else 'ERROR'}")
        worst = max(worst, code)
    return worst


if __name__ == "__main__":
    sys.exit(main())
