"""
RedisStore figures: commit latency, how fast replicas follow, and how fast a stopped one catches up.

The registry holds GitHub's REST spec (~1,200 tools) when ``benchmarks/.cache/npm`` has it (see
``bench_registry.py``), else a generated spec of ``--operations`` operations. Medians over ``--runs``.

* ``commit_one_change``: ``registry.apply`` of a one-operation change, through RedisStore, next to
  the same commit through SQLiteStore; ``store_commit``: the store's part alone (one new payload).
* ``adopt_after_commit``: from one replica's commit returning to another replica's listener
  hearing that it adopted the version (pub/sub notice, manifest read, snapshot swap).
* ``catch_up``: a replica stopped while ``--missed`` versions were committed starts again: new
  registry on the same prefix plus ``events_since`` its old version; ``events_since`` alone too.
* ``restore``: a new registry on the prefix (manifest, payloads, decoding).

Run (Redis at 127.0.0.1:6379; keys go under a random prefix and are deleted afterwards)::

    .venv/bin/python benchmarks/bench_redis.py
    .venv/bin/python benchmarks/bench_redis.py --runs 3 --json --url redis://127.0.0.1:6379/0

Results are printed and written to ``benchmarks/results/bench_redis.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import redis
from _inputs import GITHUB_SPEC, edit
from _report import write_results

from toolsync.config import SpecConfig
from toolsync.pipeline import CompiledSpec, compile_from_spec
from toolsync.registry import Registry
from toolsync.spec.loader import load_spec
from toolsync.stores import AuditRecord, SQLiteStore, StoredTool
from toolsync.stores.redis import RedisStore

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "bench_redis.json"


def timed(step: Callable[[], Any]) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 2)


def generated_spec(operations: int) -> dict[str, Any]:
    """An OpenAPI 3.1 document with ``operations`` operations of GitHub-like size."""
    item = {"type": "object", "properties": {f"field{i}": {"type": "string", "description": f"Field {i}."}
                                              for i in range(12)}}
    paths = {}
    for n in range(operations):
        params = [{"name": f"p{i}", "in": "query", "schema": {"type": "integer"}, "description": f"Param {i}."}
                  for i in range(6)]
        paths[f"/things{n}/{{id}}"] = {"post": {
            "operationId": f"thing{n}", "summary": f"Update thing {n}", "description": "Updates one thing. " * 8,
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}, *params],
            "requestBody": {"content": {"application/json": {"schema": item}}},
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": item}}}}}}
    return {"openapi": "3.1.0", "info": {"title": "Things", "version": "1.0.0"},
            "servers": [{"url": "https://api.example.test"}], "paths": paths}


def compiles(document: dict[str, Any], count: int) -> Iterator[CompiledSpec]:
    """The base compile, then ``count - 1`` one-operation changes, each reusing the previous compile."""
    config = SpecConfig(source="bench.json", name="bench")
    previous = compile_from_spec(load_spec(document, name="bench"), config)
    yield previous
    for n in range(count - 1):
        previous = compile_from_spec(load_spec(edit(document, n), name="bench"), config, previous=previous)
        yield previous


class Prefixes:
    """Random key prefixes, all deleted at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.made: list[str] = []

    def new(self) -> str:
        self.made.append(f"toolsync-bench-{uuid.uuid4().hex}:")
        return self.made[-1]

    def size_mb(self, prefix: str) -> float:
        with redis.Redis.from_url(self.url) as client:
            used = sum(client.memory_usage(k) or 0 for k in client.scan_iter(match=f"{prefix}*", count=1000))
        return round(used / 2**20, 1)

    def delete(self) -> None:
        with redis.Redis.from_url(self.url) as client:
            for prefix in self.made:
                keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
                if keys:
                    client.delete(*keys)


def bench_commits(url: str, prefix: str, changes: list[CompiledSpec], folder: Path) -> dict[str, Any]:
    """First commit and one-change commits through Redis, the same through SQLite, and a restore."""
    with Registry(RedisStore(url, prefix=prefix)) as registry:
        first = timed(lambda: registry.apply(changes[0]))
        commit = [timed(lambda: registry.apply(c)) for c in changes[1:]]  # noqa: B023 - called at once
        tools = len(registry.snapshot.tools)
    with Registry(SQLiteStore(folder / "bench.db")) as registry:
        registry.apply(changes[0])
        sqlite = [timed(lambda: registry.apply(c)) for c in changes[1:]]  # noqa: B023 - called at once
    restore = [timed(lambda: Registry(RedisStore(url, prefix=prefix)).close()) for _ in range(3)]
    return {"tools": tools, "first_commit_ms": round(first * 1000, 1), "commit_one_change_ms": median_ms(commit),
            "sqlite_commit_one_change_ms": median_ms(sqlite), "restore_ms": median_ms(restore)}


def bench_store_commit(url: str, prefix: str, runs: int) -> dict[str, float]:
    """
    The store's share of a commit: the latest manifest again with one tool's payload replaced.

    The payloads are not valid tools, so this runs last on its prefix (no registry restores it after).
    """
    with RedisStore(url, prefix=prefix) as store:
        state = store.load_latest()
        assert state is not None
        name = min(state.tools)
        times = []
        for n in range(runs):
            payload = state.tools[name].payload + f" run {n} {uuid.uuid4().hex}".encode()
            tools = {**{k: StoredTool(t.hash, t.registered_at) for k, t in state.tools.items()},
                     name: StoredTool(uuid.uuid4().hex, time.time(), payload)}
            version = state.version + 1
            state = dataclasses.replace(state, version=version, tools=tools,
                                        entry=dataclasses.replace(state.entry, version=version))
            times.append(timed(lambda: store.commit(state, [], _audit(version))))  # noqa: B023 - called at once
    return {"store_commit_ms": median_ms(times)}


def _audit(version: int) -> AuditRecord:
    return AuditRecord(time.time(), "api", "ok", "bench", "bench", version)


def bench_adopt(url: str, changes: list[CompiledSpec], prefixes: Prefixes) -> dict[str, float]:
    """Time from one replica's commit returning to the other replica's listener hearing of the adoption."""
    prefix = prefixes.new()
    delays: list[float] = []
    with Registry(RedisStore(url, prefix=prefix)) as writer, Registry(RedisStore(url, prefix=prefix)) as reader:
        writer.apply(changes[0])
        _wait(lambda: reader.version == writer.version)
        adopted = threading.Event()
        reader.on_change(lambda event: adopted.set() if event.extra.get("adopted") else None)
        for change in changes[1:]:
            adopted.clear()
            writer.apply(change)
            start = time.perf_counter()
            adopted.wait(30)
            delays.append(time.perf_counter() - start)
    return {"adopt_after_commit_ms": median_ms(delays)}


def bench_catch_up(url: str, changes: list[CompiledSpec], missed: int, prefixes: Prefixes) -> dict[str, float]:
    """A replica stopped while ``missed`` versions were committed: restart plus replay of the missed events."""
    prefix = prefixes.new()
    with Registry(RedisStore(url, prefix=prefix)) as writer:
        writer.apply(changes[0])
        stopped_at = writer.version
        for n in range(missed):
            writer.apply(changes[1 + n % (len(changes) - 1)] if n % 2 == 0 else changes[0])
        target = writer.version
    restart: list[float] = []
    replay: list[float] = []
    for _ in range(3):
        start = time.perf_counter()
        with Registry(RedisStore(url, prefix=prefix)) as back:
            events: list[Any] = back.events_since(stopped_at)
            restart.append(time.perf_counter() - start)
            replay.append(timed(lambda: back.events_since(stopped_at)))
            assert back.version == target and events
    return {"missed_versions": missed, "missed_events": len(events), "catch_up_restart_ms": median_ms(restart),
            "catch_up_events_since_ms": median_ms(replay)}


def _wait(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("a replica did not catch up within 30 s")
        time.sleep(0.001)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="redis://127.0.0.1:6379/0", help="the Redis server")
    parser.add_argument("--runs", type=int, default=5, help="runs per timed figure (medians are reported)")
    parser.add_argument("--missed", type=int, default=20, help="versions a stopped replica misses")
    parser.add_argument("--operations", type=int, default=1000, help="size of the generated spec")
    parser.add_argument("--json", action="store_true", help="print the results as JSON only")
    args = parser.parse_args()
    if GITHUB_SPEC.exists():
        document, source = json.loads(GITHUB_SPEC.read_bytes()), GITHUB_SPEC.name
    else:
        document, source = generated_spec(args.operations), f"generated ({args.operations} operations)"
    changes = list(compiles(document, args.runs + 1))
    with redis.Redis.from_url(args.url) as client:
        server = client.info("server")["redis_version"]
    results: dict[str, Any] = {"spec": source, "redis": server, "runs": args.runs}
    prefixes = Prefixes(args.url)
    try:
        with tempfile.TemporaryDirectory(prefix="toolsync-bench-") as tmp:
            prefix = prefixes.new()
            results.update(bench_commits(args.url, prefix, changes, Path(tmp)))
            results["redis_mb"] = prefixes.size_mb(prefix)
            results.update(bench_store_commit(args.url, prefix, args.runs))
        results.update(bench_adopt(args.url, changes, prefixes))
        results.update(bench_catch_up(args.url, changes, args.missed, prefixes))
    finally:
        prefixes.delete()
    write_results(results, RESULTS, as_json=args.json)


if __name__ == "__main__":
    main()
