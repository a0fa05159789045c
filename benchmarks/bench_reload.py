"""
Hot-reload latency: time from writing a spec file to the registry serving the changed tool.

Two cases, each edited many times (one edit at a time, the next once the previous is live):

* ``small``: a 12-operation spec; each edit changes one operation's summary.
* ``github``: GitHub's REST spec (~13 MB JSON, ~1,100 operations); each edit changes one
  operation's summary (fetched with npm into ``benchmarks/.cache/npm`` when missing).

Run::

    .venv/bin/python benchmarks/bench_reload.py            # both, 100 edits each
    .venv/bin/python benchmarks/bench_reload.py --case small --edits 200 --json
    .venv/bin/python benchmarks/bench_reload.py --case github --github-edits 20

Goals: small spec p99 < 300 ms with the default debounce; GitHub one-operation change p99 < 1 s.
"median reload run" is the time spent inside the pipeline and the commit; the rest of the latency
is the watcher's own (event delivery, debounce, settle check).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _inputs import github_spec

from toolsync.registry import Registry, Trigger
from toolsync.reload import OutcomeKind, ReloadOutcome, ReloadSettings, ThreadedWatcher

HERE = Path(__file__).resolve().parent
EDIT_TIMEOUT = 600.0


def small_spec(summary: str) -> str:
    """A small YAML spec whose first operation carries ``summary``."""
    lines = ["openapi: 3.0.3", "info:", "  title: Bench", "  version: 1.0.0", "paths:"]
    for i in range(12):
        text = summary if i == 0 else f"Operation {i}"
        lines += [f"  /items{i}/{{id}}:", "    get:", f"      operationId: getItem{i}",
                  f"      summary: {text}", "      parameters:",
                  "        - {name: id, in: path, required: true, schema: {type: string}}",
                  "      responses:", "        '200': {description: ok}"]
    return "\n".join(lines) + "\n"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def measure(
    path: Path, write: Callable[[int], None], live: Callable[[Registry, int], bool], edits: int,
    settings: ReloadSettings,
) -> dict[str, float]:
    """Edit ``edits`` times; for each, the seconds from the write to ``live`` being true."""
    registry = Registry()
    write(-1)
    runs: list[float] = []  # seconds each reload spent in the pipeline and the commit

    def record(outcome: ReloadOutcome) -> None:
        if outcome.kind is OutcomeKind.APPLIED and outcome.trigger is Trigger.FILE:
            runs.append(outcome.duration)

    start = time.perf_counter()
    with ThreadedWatcher(registry, [str(path)], settings=settings, on_outcome=record) as watcher:
        cold = time.perf_counter() - start
        latencies = []
        for i in range(edits):
            began = time.perf_counter()
            write(i)
            while not live(registry, i):
                if time.perf_counter() - began > EDIT_TIMEOUT:
                    raise SystemExit(f"edit {i} was not live after {EDIT_TIMEOUT} s")
                time.sleep(0.0005)
            latencies.append(time.perf_counter() - began)
            watcher.wait_idle(timeout=EDIT_TIMEOUT)
    ms = [x * 1000 for x in latencies]
    run_ms = [x * 1000 for x in runs] or [0.0]
    return {"edits": edits, "cold_load_ms": round(cold * 1000, 1), "p50_ms": round(percentile(ms, 50), 1),
            "p90_ms": round(percentile(ms, 90), 1), "p99_ms": round(percentile(ms, 99), 1),
            "mean_ms": round(statistics.fmean(ms), 1), "max_ms": round(max(ms), 1),
            "reload_run_p50_ms": round(percentile(run_ms, 50), 1)}


def bench_small(folder: Path, edits: int, settings: ReloadSettings) -> dict[str, float]:
    path = folder / "small.yaml"

    def write(i: int) -> None:
        with open(path, "w") as f:  # an in-place save, the way most editors write small files
            f.write(small_spec(f"Edit {i}"))

    def live(registry: Registry, i: int) -> bool:
        tool = registry.get("getItem0")
        return tool is not None and f"Edit {i}" in tool.tool.description

    return measure(path, write, live, edits, settings)


def bench_github(folder: Path, edits: int, settings: ReloadSettings) -> dict[str, float]:
    path = folder / "api.github.com.json"
    original = github_spec().read_bytes()
    marker = b'"summary": "GitHub API Root"'
    if marker not in original:
        marker = b'"summary":"GitHub API Root"'
    head, tail = original.split(marker, 1)
    versions: list[int] = []

    def write(i: int) -> None:
        text = marker if i < 0 else marker[:-1] + f" {i}\"".encode()
        tmp = path.with_name(".api.github.com.json.tmp")
        tmp.write_bytes(head + text + tail)
        os.replace(tmp, path)  # editors and generators save large files atomically

    def live(registry: Registry, i: int) -> bool:
        if not versions or len(versions) <= i:
            versions.append(registry.snapshot.version)
        return registry.snapshot.version > versions[i]

    return measure(path, write, live, edits, settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", choices=["small", "github", "all"], default="all")
    parser.add_argument("--edits", type=int, default=100, help="edits of the small spec")
    parser.add_argument("--github-edits", type=int, default=20, help="edits of GitHub's spec")
    parser.add_argument("--debounce-ms", type=float, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    settings = ReloadSettings()
    if args.debounce_ms is not None:
        settings = ReloadSettings(debounce=args.debounce_ms / 1000)
    cases = {"small": (bench_small, args.edits), "github": (bench_github, args.github_edits)}
    results = {}
    with tempfile.TemporaryDirectory(prefix="toolsync-bench-") as tmp:
        for name, (bench, edits) in cases.items():
            if args.case in (name, "all"):
                folder = Path(tmp) / name
                folder.mkdir()
                results[name] = bench(folder, edits, settings)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"reload latency, write -> registry serving the change (debounce {settings.debounce * 1000:.0f} ms)")
    for name, r in results.items():
        print(f"  {name:7} p50 {r['p50_ms']:7.1f} ms  p90 {r['p90_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  "
              f"max {r['max_ms']:7.1f} ms  ({r['edits']} edits; cold load {r['cold_load_ms']:.0f} ms; "
              f"median reload run {r['reload_run_p50_ms']:.0f} ms)")


if __name__ == "__main__":
    sys.exit(main())
