"""
One measurement in one fresh process: convert a spec with toolsync or with a peer, print one JSON line.

Run with the interpreter of the side measured (toolsync: ``.venv-compiled``, the installed wheel, made by
``scripts/compiled``; ``.venv`` for the interpreted build; peers: ``benchmarks/.venv-peers``)::

    .venv-compiled/bin/python benchmarks/bench_peers.py toolsync path/to/spec.json
    benchmarks/.venv-peers/bin/python benchmarks/bench_peers.py fastmcp path/to/spec.json

Every case imports what it needs and converts a one-operation spec first (so that lazy imports and
first-call setup inside each library are not counted; ``--no-warmup`` counts them), then times, inside
the process, reading the file, parsing it and converting it: interpreter start and imports are not
counted. Peak resident memory is
``getrusage(RUSAGE_SELF).ru_maxrss`` after the run; ``rss_before_mb`` is the resident size once the
imports are done, so ``peak - before`` is what the conversion itself needed.

Cases (``CASES``):

* ``orjson`` — the floor: read the file and ``orjson.loads`` it.
* ``toolsync`` — ``compile_spec``: parse, resolve, build tools, render all five formats, gate them.
* ``toolsync-pure`` — the same, meant to be run by the editable install, where nothing is compiled.
* ``toolsync-mcp`` — parse, resolve, build tools and render MCP only.
* ``fastmcp`` — ``FastMCP.from_openapi(openapi_spec=dict, client=AsyncClient(...))``, then its tool
  listing awaited and every tool turned into an MCP ``Tool`` (the conversion is lazy until then).
* ``openapi-llm`` — ``openai_converter(OpenAPISpecification(dict))``.
* ``llamaindex`` — ``OpenAPIToolSpec(spec=dict).to_tool_list()``.
* ``langchain`` — ``openapi_spec_to_openai_fn(OpenAPISpec.from_spec_dict(dict))``.
* ``toolsync-reload`` — a registry holding the spec; one operation's description is changed in the
  dict, the file written, ``registry.load`` run again; compared with merely parsing the written file.
* ``toolsync-get-all`` — ``registry.get_all(provider)`` latency on a registry holding the spec.

Peers parse with ``orjson`` too, so no side pays for a slower JSON parser than the other.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

BASE_URL = "http://127.0.0.1:9"
Runner = Callable[[Path], dict[str, Any]]


def _rss_mb() -> float:
    """Current resident set size, from /proc (getrusage only knows the peak)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _read(path: Path) -> Any:
    return orjson.loads(path.read_bytes())


def _timed(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    before = _rss_mb()
    start = time.perf_counter()
    out = work()
    out["seconds"] = time.perf_counter() - start
    out["rss_before_mb"] = round(before, 1)
    out["peak_rss_mb"] = round(_peak_mb(), 1)
    return out


# --------------------------------------------------------------------------------------------- cases


def run_orjson(path: Path) -> dict[str, Any]:
    return _timed(lambda: {"tools": 0, "keys": len(_read(path))})


def run_toolsync(path: Path) -> dict[str, Any]:
    from toolsync.config import SpecConfig
    from toolsync.pipeline import compile_spec

    _preimport_toolsync()

    def work() -> dict[str, Any]:
        compiled = compile_spec(SpecConfig(source=str(path)))
        definitions = sum(len(defs) for defs in compiled.rendered.values())
        return {"tools": len(compiled.tools), "definitions": definitions}

    return _timed(work)


def run_toolsync_mcp(path: Path) -> dict[str, Any]:
    from toolsync.convert import ToolOptions, build_tools
    from toolsync.formats import render_all
    from toolsync.spec.loader import load_spec

    _preimport_toolsync()

    def work() -> dict[str, Any]:
        build = build_tools(load_spec(str(path)), ToolOptions())
        rendered = render_all(build.tools, "mcp", skipped=[])
        return {"tools": len(rendered), "definitions": len(rendered)}

    return _timed(work)


def _preimport_toolsync() -> None:
    # The pipeline imports its stages lazily; import them here so that the clock sees no imports.
    import toolsync.convert
    import toolsync.formats
    import toolsync.gates
    import toolsync.spec.loader  # noqa: F401


def run_fastmcp(path: Path) -> dict[str, Any]:
    from fastmcp import FastMCP

    try:
        from httpx2 import AsyncClient  # fastmcp 4 takes an httpx2 client
    except ImportError:
        from httpx import AsyncClient

    async def convert() -> dict[str, Any]:
        client = AsyncClient(base_url=BASE_URL)
        try:
            server = FastMCP.from_openapi(openapi_spec=_read(path), client=client)
            tools = await server.list_tools()
            wire = [t.to_mcp_tool() for t in tools]
        finally:
            await client.aclose()
        return {"tools": len(wire), "definitions": len(wire)}

    return _timed(lambda: asyncio.run(convert()))


def run_openapi_llm(path: Path) -> dict[str, Any]:
    from openapi_llm.core.schema_conversion import openai_converter
    from openapi_llm.core.spec import OpenAPISpecification

    def work() -> dict[str, Any]:
        tools = openai_converter(OpenAPISpecification(_read(path)))
        return {"tools": len(tools), "definitions": len(tools)}

    return _timed(work)


def run_llamaindex(path: Path) -> dict[str, Any]:
    from llama_index.tools.openapi import OpenAPIToolSpec

    def work() -> dict[str, Any]:
        spec = OpenAPIToolSpec(spec=_read(path))
        tools = spec.to_tool_list()
        endpoints = len(json.loads(spec.spec.text).get("endpoints", []))
        # LlamaIndex offers one tool that returns the whole reduced spec; "tools" counts its endpoints.
        return {"tools": endpoints, "definitions": len(tools)}

    return _timed(work)


def run_langchain(path: Path) -> dict[str, Any]:
    from langchain_classic.chains.openai_functions.openapi import openapi_spec_to_openai_fn
    from langchain_community.utilities.openapi import OpenAPISpec

    def work() -> dict[str, Any]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the conversion is marked deprecated; it still is the one shipped
            functions, _ = openapi_spec_to_openai_fn(OpenAPISpec.from_spec_dict(_read(path)))
        return {"tools": len(functions), "definitions": len(functions)}

    return _timed(work)


def _edit(document: dict[str, Any], n: int) -> str:
    """Change the description of the ``n``-th operation (cycling); return its key."""
    keys = [(p, m) for p, item in document["paths"].items() for m in item
            if m in ("get", "put", "post", "delete", "patch", "head", "options", "trace")]
    path, method = keys[(n * 7919) % len(keys)]
    document["paths"][path][method]["description"] = f"Edited for reload measurement {n}."
    return f"{method.upper()} {path}"


def _parse_seconds(path: Path) -> float:
    """Reading and parsing ``path``, with the cyclic collector paused: the bare cost, the strictest floor."""
    import gc

    gc.disable()
    try:
        start = time.perf_counter()
        _read(path)
        return time.perf_counter() - start
    finally:
        gc.enable()


def run_toolsync_reload(path: Path, edits: int = 7) -> dict[str, Any]:
    from toolsync.config import SpecConfig
    from toolsync.registry import Registry

    _preimport_toolsync()
    folder = Path(tempfile.mkdtemp(prefix="toolsync-reload-"))
    try:
        target = folder / path.name
        shutil.copyfile(path, target)
        document = _read(path)
        registry = Registry()
        config = SpecConfig(source=str(target))
        first = time.perf_counter()
        registry.load(config)
        first_load = time.perf_counter() - first
        reloads, parses = [], []
        for n in range(edits):
            _edit(document, n)
            target.write_bytes(orjson.dumps(document))
            start = time.perf_counter()
            changes = registry.load(config)
            reloads.append(time.perf_counter() - start)
            parses.append(_parse_seconds(target))
            if len(changes.updated) != 1:
                raise SystemExit(f"edit {n} produced {changes.summary()}, expected one updated tool")
        registry.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    overheads = [r - p for r, p in zip(reloads, parses, strict=True)]
    return {"tools": len(registry.get_all()), "first_load_seconds": first_load, "reload_seconds": reloads,
            "parse_seconds": parses, "overhead_seconds": overheads,
            "seconds": statistics.median(reloads), "peak_rss_mb": round(_peak_mb(), 1)}


def run_toolsync_get_all(path: Path, calls: int = 2000) -> dict[str, Any]:
    from toolsync.formats import PROVIDERS
    from toolsync.registry import Registry

    _preimport_toolsync()
    registry = Registry()
    registry.load(str(path))
    per_provider: dict[str, dict[str, float]] = {}
    for provider in PROVIDERS:
        first = time.perf_counter()
        count = len(registry.get_all(provider))
        first_s = time.perf_counter() - first
        samples = []
        for _ in range(calls):
            start = time.perf_counter()
            registry.get_all(provider)
            samples.append(time.perf_counter() - start)
        samples.sort()
        per_provider[provider] = {"tools": count, "first_us": first_s * 1e6,
                                  "median_us": statistics.median(samples) * 1e6,
                                  "p99_us": samples[int(len(samples) * 0.99)] * 1e6}
    registry.close()
    medians = [v["median_us"] for v in per_provider.values()]
    return {"tools": per_provider["mcp"]["tools"], "providers": per_provider,
            "seconds": statistics.median(medians) / 1e6, "peak_rss_mb": round(_peak_mb(), 1)}


CASES: dict[str, Runner] = {
    "orjson": run_orjson,
    "toolsync": run_toolsync,
    "toolsync-pure": run_toolsync,  # the same case, run by the interpreted (editable) install
    "toolsync-mcp": run_toolsync_mcp,
    "fastmcp": run_fastmcp,
    "openapi-llm": run_openapi_llm,
    "llamaindex": run_llamaindex,
    "langchain": run_langchain,
    "toolsync-reload": run_toolsync_reload,
    "toolsync-get-all": run_toolsync_get_all,
}
#: Cases that need the peers' virtualenv; the rest run with toolsync's.
PEER_CASES = ("fastmcp", "openapi-llm", "llamaindex", "langchain")


def _one_spec(case: str, spec: str) -> tuple[str, float, int, str | None]:
    """(spec, seconds, tools, error) for one spec in a pool worker; failures are results too."""
    start = time.perf_counter()
    try:
        result = CASES[case](Path(spec))
    except Exception as exc:  # noqa: BLE001 - counted as a failure of that spec
        return spec, time.perf_counter() - start, 0, f"{type(exc).__name__}: {str(exc)[:200]}"
    return spec, time.perf_counter() - start, int(result.get("tools", 0)), None


def run_throughput(case: str, listing: Path, workers: int, timeout: float) -> dict[str, Any]:
    """Convert every spec named in ``listing`` with a pool of ``workers`` processes; specs per second."""
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures import TimeoutError as PoolTimeout

    specs = [line for line in listing.read_text().splitlines() if line.strip()]
    done: list[tuple[str, float, int, str | None]] = []
    start = time.perf_counter()
    pool = ProcessPoolExecutor(max_workers=workers, initializer=logging_quiet)
    futures = [pool.submit(_one_spec, case, spec) for spec in specs]
    try:
        for future in as_completed(futures, timeout=timeout):
            done.append(future.result())
    except PoolTimeout:
        pass
    elapsed = time.perf_counter() - start
    pool.shutdown(wait=False, cancel_futures=True)
    failed = [(spec, error) for spec, _, _, error in done if error]
    slowest = sorted(done, key=lambda d: d[1], reverse=True)[:5]
    return {"case": case, "workers": workers, "specs": len(specs), "converted": len(done) - len(failed),
            "failed": len(failed), "unfinished": len(specs) - len(done), "seconds": elapsed,
            "specs_per_second": len(done) / elapsed if elapsed else 0.0,
            "tools": sum(d[2] for d in done), "failures": failed[:20],
            "slowest": [(spec, round(seconds, 2)) for spec, seconds, _, _ in slowest]}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "throughput":
        throughput_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description="Run one benchmark case in this process; print one JSON line.")
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("spec", type=Path)
    parser.add_argument("--no-warmup", dest="warmup", action="store_false",
                        help="do not convert a one-operation spec first (lazy imports then count)")
    args = parser.parse_args()
    logging_quiet()
    try:
        if args.warmup:
            _warm_up(args.case)
        result = CASES[args.case](args.spec)
    except Exception as exc:  # noqa: BLE001 - a peer's failure is a result to record, not a crash
        result = {"error": f"{type(exc).__name__}: {str(exc)[:300]}", "peak_rss_mb": round(_peak_mb(), 1)}
    result.update(case=args.case, spec=str(args.spec))
    sys.stdout.write(json.dumps(result) + "\n")


def throughput_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench_peers.py throughput",
                                     description="Specs per second over a list of spec files, with a process pool.")
    parser.add_argument("case", choices=sorted(set(CASES) - {"toolsync-reload", "toolsync-get-all"}))
    parser.add_argument("listing", type=Path, help="a file naming one spec per line")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds for the whole collection")
    args = parser.parse_args(argv)
    logging_quiet()
    sys.stdout.write(json.dumps(run_throughput(args.case, args.listing, args.workers, args.timeout)) + "\n")


TINY_SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Warm-up", "version": "1.0.0"},
    "servers": [{"url": "https://api.example.com"}],
    "paths": {"/items/{id}": {"get": {
        "operationId": "getItem", "summary": "Get an item",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
            "type": "object", "properties": {"id": {"type": "string"}, "tags": {
                "type": "array", "items": {"type": "string"}}}}}}}},
    }}},
}


def _warm_up(case: str) -> None:
    """Convert a one-operation spec with the same case, so lazy imports and first-call setup are not timed."""
    runner = CASES["toolsync" if case.startswith("toolsync-") else case]
    with tempfile.TemporaryDirectory(prefix="toolsync-warmup-") as folder:
        tiny = Path(folder) / "warmup.json"
        tiny.write_bytes(orjson.dumps(TINY_SPEC))
        runner(tiny)


def logging_quiet() -> None:
    """Peers log a warning per odd operation; thousands of lines would only slow them down."""
    import logging

    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")


if __name__ == "__main__":
    main()
