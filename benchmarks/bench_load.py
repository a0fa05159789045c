"""
Front-end speed: ``load_spec`` on GitHub's REST spec beside the bare ``orjson.loads`` of the same file.

Run: ``.venv/bin/python benchmarks/bench_load.py [--runs 7] [PATH]`` (defaults to the npm cache that
``benchmarks/run_all.py`` fills). Prints medians and min–max, and the ratio to the parse floor.

A cold load reads a copy of the file under a new name each run: the loader keeps the operations of
the last few sources for their next load, and a repeated load of the same unchanged file reuses
them all (that case is printed too, as what a reload of an unchanged file costs).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson
from _inputs import GITHUB_SPEC

from toolsync.spec.loader import load_spec


def _timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", default=str(GITHUB_SPEC))
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    path = Path(args.path)
    spec = load_spec(path)  # warm-up: imports and first-call setup
    floor = _timed(lambda: orjson.loads(path.read_bytes()), args.runs)
    with tempfile.TemporaryDirectory(prefix="toolsync-bench-load-") as folder:
        copies = iter([Path(shutil.copyfile(path, Path(folder) / f"{i}-{path.name}")) for i in range(args.runs)])
        cold = _timed(lambda: load_spec(next(copies)), args.runs)
    again = _timed(lambda: load_spec(path), args.runs)
    params = sum(len(op.parameters) for op in spec.operations)
    print(f"{path.name}: {len(spec.operations)} operations, {params} parameters")
    for label, values in (("orjson.loads", floor), ("load_spec", cold), ("same file again", again)):
        print(f"{label:15} median {statistics.median(values) * 1000:7.1f} ms  "
              f"(min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})")
    print(f"ratio load_spec / orjson: {statistics.median(cold) / statistics.median(floor):.1f}x")


if __name__ == "__main__":
    main()
