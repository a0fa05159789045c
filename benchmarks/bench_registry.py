"""
Registry figures on GitHub's REST spec (~1,200 operations), medians over several runs.

* ``get_all``: ``registry.get_all(provider)`` on the 1,000+ tool registry, the first call on a new
  snapshot (builds the sorted list) and later calls (cached per snapshot).
* ``cold`` vs ``reload``: loading the spec into an empty registry, and reloading it after a
  one-operation change (the previous compile reused), next to merely parsing the file.
* ``commit``: committing a one-tool change to a 1,000+ tool registry in a ``SQLiteStore``
  (WAL, synchronous=FULL), and restoring that registry from the file.
* ``memory``: resident memory added per 1,000 tools, measured in a fresh process (loaded from the
  spec, and restored from SQLite).

Run::

    .venv/bin/python benchmarks/bench_registry.py              # all, default run counts
    .venv/bin/python benchmarks/bench_registry.py --runs 3 --json

GitHub's spec is fetched with npm into ``benchmarks/.cache/npm`` when it is missing. Results are
printed and written to ``benchmarks/results/bench_registry.json``.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from _inputs import edit, github_spec
from _report import write_results

from toolsync.config import SpecConfig
from toolsync.pipeline import compile_from_spec
from toolsync.registry import Registry, Snapshot
from toolsync.spec.loader import load_spec
from toolsync.stores import SQLiteStore

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "bench_registry.json"
PROVIDERS = ("openai", "openai-chat", "anthropic", "gemini", "mcp")


def timed(step: Callable[[], Any]) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 3)


def bench_loads(spec_file: Path, document: dict[str, Any], runs: int, folder: Path) -> dict[str, float]:
    """Parse only, cold load, and reload after a one-operation change."""
    target = folder / "github.json"
    target.write_bytes(orjson.dumps(document))
    config = SpecConfig(source=str(target), name="github")
    parse = [timed(lambda: load_spec(str(target))) for _ in range(runs)]
    cold: list[float] = []
    for _ in range(runs):
        with Registry() as registry:
            cold.append(timed(lambda: registry.load(config)))
    reload: list[float] = []
    with Registry() as registry:
        registry.load(config)
        for n in range(runs):
            target.write_bytes(orjson.dumps(edit(document, n)))
            reload.append(timed(lambda: registry.load(config)))
        tools = len(registry.snapshot.tools)
    return {"tools": tools, "parse_ms": median_ms(parse), "cold_load_ms": median_ms(cold),
            "reload_one_change_ms": median_ms(reload)}


def bench_get_all(registry: Registry, calls: int) -> dict[str, float]:
    """get_all(provider): first call on a new snapshot, then cached calls."""
    snap = registry.snapshot
    first: list[float] = []
    for _ in range(20):
        fresh = Snapshot.build(snap.version, snap.created_at, snap.specs, snap.tools)
        first.append(timed(lambda: fresh.rendered("openai")))  # noqa: B023 - called at once
    registry.get_all("openai")
    cached = [timed(lambda: registry.get_all("openai")) for _ in range(calls)]
    return {"get_all_first_ms": median_ms(first), "get_all_cached_ms": median_ms(cached)}


def bench_commits(spec_file: Path, document: dict[str, Any], runs: int, folder: Path) -> dict[str, float]:
    """A one-tool change committed to a 1,000+ tool SQLite registry, and a restart from the file."""
    path = folder / "registry.db"
    config = SpecConfig(source=str(spec_file), name="github")
    base = compile_from_spec(load_spec(document, name="github"), config)
    changes = []
    previous = base
    for n in range(runs):
        previous = compile_from_spec(load_spec(edit(document, n), name="github"), config, previous=previous)
        changes.append(previous)
    with Registry(SQLiteStore(path)) as registry:
        first = timed(lambda: registry.apply(base))
        commit = [timed(lambda: registry.apply(c)) for c in changes]  # noqa: B023 - called at once
        assert registry.version == runs + 1
        get_all = bench_get_all(registry, 2000)
    restore = [timed(lambda: Registry(SQLiteStore(path)).close()) for _ in range(3)]
    return {"first_commit_ms": round(first * 1000, 1), "commit_one_change_ms": median_ms(commit),
            "restore_ms": median_ms(restore), "db_mb": round(path.stat().st_size / 2**20, 1), **get_all}


MEMORY_PROBE = """
import gc, sys, resource
from toolsync.config import SpecConfig
from toolsync.registry import Registry
from toolsync.stores import SQLiteStore
from toolsync.pipeline import compile_spec

def rss():
    gc.collect()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()

mode, spec, db = sys.argv[1:4]
compile_spec(SpecConfig(source=spec, name="warmup", include_paths=("/zen",)))  # import everything first
before = rss()
if mode == "loaded":
    registry = Registry(SQLiteStore(db))
    registry.load(SpecConfig(source=spec, name="github"))
else:
    registry = Registry(SQLiteStore(db))
tools = len(registry.snapshot.tools)
print(tools, rss() - before)
"""


def bench_memory(spec_file: Path, folder: Path) -> dict[str, float]:
    """Resident memory added per 1,000 tools, in a fresh process: loaded, then restored from SQLite."""
    db = folder / "memory.db"
    out: dict[str, float] = {}
    for mode in ("loaded", "restored"):
        result = subprocess.run([sys.executable, "-c", MEMORY_PROBE, mode, str(spec_file), str(db)],
                                check=True, capture_output=True, text=True)
        tools, added = map(int, result.stdout.split())
        out[f"rss_mb_per_1000_tools_{mode}"] = round(added / 2**20 / tools * 1000, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs per timed figure (medians are reported)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON only")
    args = parser.parse_args()
    spec_file = github_spec()
    document = orjson.loads(spec_file.read_bytes())
    results: dict[str, Any] = {"spec": spec_file.name, "runs": args.runs}
    with tempfile.TemporaryDirectory(prefix="toolsync-bench-") as tmp:
        folder = Path(tmp)
        results.update(bench_loads(spec_file, document, args.runs, folder))
        gc.collect()
        results.update(bench_commits(spec_file, document, args.runs, folder))
        results.update(bench_memory(spec_file, folder))
    write_results(results, RESULTS, as_json=args.json)


if __name__ == "__main__":
    main()
