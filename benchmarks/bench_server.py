"""
HTTP serving speed of ``toolsync serve``: ``GET /tools`` requests per second, with and without
``If-None-Match``, and latency while the spec is being reloaded.

The server runs in this process (as ``toolsync serve`` does: uvicorn, the watcher and the registry
share it) on 127.0.0.1; the load comes from separate worker processes (httpx, keep-alive, one request
at a time each), bounded by a request count and a duration. Phases:

* ``full``: ``GET /tools?provider=openai`` answered 200 with every definition;
* ``not_modified``: the same with ``If-None-Match``: 304, no body;
* ``during_reloads``: ``full`` while a thread rewrites the spec file every ``--touch-interval`` seconds
  (each rewrite changes one operation, so every reload commits a new version);
* ``cpu_ms_per_request``: CPU time of one request handled in-process (ASGI, no sockets, client
  included), which a busy machine disturbs far less than the wall-clock figures.

Run::

    .venv/bin/python benchmarks/bench_server.py                    # 200 operations, 4 s per phase
    .venv/bin/python benchmarks/bench_server.py --ops 1000 --duration 8 --workers 4 --json

The last line of the output is the JSON result.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from toolsync.registry import Registry
from toolsync.server import BackgroundServer, create_app
from toolsync.settings import settings_from_mapping

MAX_REQUESTS = 50_000  # per worker and phase, whatever the duration


def spec(ops: int, summary: str) -> dict[str, Any]:
    """An OpenAPI 3.1 spec with ``ops`` operations; the first one's summary is ``summary``."""
    paths = {}
    for i in range(ops):
        paths[f"/items{i}/{{id}}"] = {"get": {
            "operationId": f"getItem{i}", "summary": summary if i == 0 else f"Get item {i}",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                           {"name": "verbose", "in": "query", "schema": {"type": "boolean"}}],
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}}}}}}}
    return {"openapi": "3.1.0", "info": {"title": "Bench", "version": "1.0.0"},
            "servers": [{"url": "http://127.0.0.1:9"}], "paths": paths}


def write(path: Path, doc: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc) + "\n")
    os.replace(tmp, path)


def worker(job: tuple[str, float, bool, int]) -> dict[str, Any]:
    """One load process: requests until the deadline or the cap; latencies in milliseconds."""
    url, duration, conditional, cap = job
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    with httpx.Client(timeout=30) as client:
        headers = {}
        if conditional:
            headers["If-None-Match"] = client.get(url).headers["ETag"]
        deadline = time.perf_counter() + duration
        while time.perf_counter() < deadline and len(latencies) < cap:
            start = time.perf_counter()
            response = client.get(url, headers=headers)
            latencies.append((time.perf_counter() - start) * 1000)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    return {"latencies": latencies, "statuses": statuses}


def phase(pool: Any, url: str, workers: int, duration: float, conditional: bool) -> dict[str, Any]:
    start = time.perf_counter()
    results = pool.map(worker, [(url, duration, conditional, MAX_REQUESTS)] * workers)
    wall = time.perf_counter() - start
    latencies = sorted(x for r in results for x in r["latencies"])
    statuses: dict[str, int] = {}
    for r in results:
        for code, count in r["statuses"].items():
            statuses[str(code)] = statuses.get(str(code), 0) + count
    return {"requests": len(latencies), "rps": round(len(latencies) / wall, 1), "statuses": statuses,
            "p50_ms": round(statistics.median(latencies), 2), "p99_ms": round(_percentile(latencies, 0.99), 2),
            "max_ms": round(latencies[-1], 2)}


def _percentile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


class Toucher(threading.Thread):
    """Rewrites the spec every ``interval`` seconds, changing one operation each time."""

    def __init__(self, path: Path, ops: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.path, self.ops, self.interval = path, ops, interval
        self.stop = threading.Event()
        self.edits = 0

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            self.edits += 1
            write(self.path, spec(self.ops, f"Edit {self.edits}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=int, default=200, help="operations in the spec")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per phase")
    parser.add_argument("--workers", type=int, default=2, help="load processes")
    parser.add_argument("--touch-interval", type=float, default=0.25, help="seconds between spec rewrites")
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    args = parser.parse_args()
    result = run(args.ops, args.duration, args.workers, args.touch_interval)
    if not args.json:
        report(result)
    print(json.dumps(result))


def run(ops: int, duration: float, workers: int, touch_interval: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.json"
        write(path, spec(ops, "Edit 0"))
        settings = settings_from_mapping({"specs": [str(path)], "server": {"sse_ping": 15}}, env={})
        registry = Registry()
        with BackgroundServer(create_app(settings, registry), log_level="error") as server:
            url = server.url + "/tools?provider=openai"
            _wait_ready(server.url)
            body = len(httpx.get(url).content)
            with multiprocessing.get_context("spawn").Pool(workers) as pool:
                pool.map(worker, [(url, 0.3, False, 200)] * workers)  # warm up connections and caches
                full = phase(pool, url, workers, duration, conditional=False)
                cached = phase(pool, url, workers, duration, conditional=True)
                start_version = registry.version
                toucher = Toucher(path, ops, touch_interval)
                toucher.start()
                reloading = phase(pool, url, workers, duration, conditional=False)
                toucher.stop.set()
                toucher.join()
            reloading["reloads_committed"] = registry.version - start_version
            reloading["spec_rewrites"] = toucher.edits
        registry.close()
    return {"ops": ops, "workers": workers, "duration_s": duration, "body_bytes": body, "cpus": os.cpu_count(),
            "load_average": round(os.getloadavg()[0], 2), "python": sys.version.split()[0], "full": full,
            "not_modified": cached, "during_reloads": reloading, "cpu_ms_per_request": cpu_cost(ops)}


def cpu_cost(ops: int, requests: int = 2000) -> dict[str, float]:
    """CPU milliseconds per request, handled in-process through ASGI (client side included)."""
    import asyncio

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.json"
        write(path, spec(ops, "Edit 0"))
        registry = Registry()
        registry.load(str(path))
        app = create_app(settings_from_mapping({}, env={}), registry)

        async def measure() -> dict[str, float]:
            out = {}
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
                etag = (await client.get("/tools")).headers["ETag"]
                for name, path_, headers in (("healthz", "/healthz", {}), ("tools_full", "/tools", {}),
                                             ("tools_304", "/tools", {"If-None-Match": etag})):
                    start = time.process_time()
                    for _ in range(requests):
                        await client.get(path_, headers=headers)
                    out[name] = round((time.process_time() - start) / requests * 1000, 3)
            return out

        result = asyncio.run(measure())
        registry.close()
    return result


def _wait_ready(base: str) -> None:
    deadline = time.monotonic() + 120
    while httpx.get(base + "/readyz").status_code != 200:
        if time.monotonic() > deadline:
            raise SystemExit("the server did not become ready")
        time.sleep(0.05)


def report(result: dict[str, Any]) -> None:
    print(f"GET /tools, {result['ops']} tools ({result['body_bytes']:,} bytes), {result['workers']} load processes, "
          f"{result['duration_s']} s per phase, {result['cpus']} CPUs, load average {result['load_average']}")
    for name in ("full", "not_modified", "during_reloads"):
        r = result[name]
        extra = ""
        if name == "during_reloads":
            extra = f"  ({r['reloads_committed']} reloads committed, {r['spec_rewrites']} rewrites)"
        print(f"  {name:<15} {r['rps']:>9.1f} req/s  p50 {r['p50_ms']:>7.2f} ms  p99 {r['p99_ms']:>7.2f} ms  "
              f"statuses {r['statuses']}{extra}")
    print("  CPU per request in-process (ms): " + ", ".join(f"{k} {v}" for k, v in result["cpu_ms_per_request"].items()))


if __name__ == "__main__":
    main()
