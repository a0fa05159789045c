"""
How long building and rendering every tool of a large spec takes (not collected by pytest).

    npm install --prefix /tmp/gh @octokit/openapi
    .venv/bin/python -m tests.formats.bench_formats \\
        /tmp/gh/node_modules/@octokit/openapi/generated/api.github.com.json

Prints the best CPU time of several rounds for: build_tools, render_providers (all five
formats), a rebuild that reuses every tool of a fresh load, and one render per tool.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from typing import Any

from toolsync.convert import build_tools
from toolsync.formats import PROVIDERS, render, render_providers
from toolsync.spec.loader import load_spec


def best(fn: Callable[[], Any], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        gc.collect()
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return min(times)


def main(path: str, rounds: int = 10) -> None:
    spec, again = load_spec(path), load_spec(path)
    tools = build_tools(spec).tools
    previous = {t.operation_key: t for t in tools}
    results = {
        "build_tools": best(lambda: build_tools(spec), rounds),
        "render_providers (5 formats)": best(lambda: render_providers(tools), rounds),
        "build + render": best(lambda: render_providers(build_tools(spec).tools), rounds),
        "rebuild, all reused (fresh load)": best(lambda: build_tools(again, reuse=previous), rounds),
        "render one tool at a time": best(lambda: [render(t, p) for p in PROVIDERS for t in tools], max(1, rounds // 3)),
    }
    print(f"{len(spec.operations)} operations, {len(tools)} tools")
    for label, seconds in results.items():
        print(f"{label:36} {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10)
