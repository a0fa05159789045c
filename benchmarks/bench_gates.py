"""
Tool gate figures on GitHub's REST spec (~1,200 operations, five providers), medians over several runs.

Every tool is rendered once for each provider (one ``RenderContext``, as ``compile_spec`` does), then
only the gate is timed (CPU time of this process), with the options the pipeline uses (errors only, no SDK models):

* ``cold``: the first gate pass over all five providers' definitions in a fresh process (nothing cached
  yet), measured in a subprocess per run.
* ``warm``: a later pass in the same process, inside a new ``shared_schemas()`` block each time.
* ``one_tool``: gating a fresh copy of one tool's definitions (new dicts, as a reload renders them) for all five
  providers, after a full pass.

Run::

    .venv/bin/python benchmarks/bench_gates.py              # default run counts
    .venv/bin/python benchmarks/bench_gates.py --runs 3 --json

GitHub's spec is fetched with npm into ``benchmarks/.cache/npm`` when it is missing. Results are
printed and written to ``benchmarks/results/bench_gates.json``.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from _inputs import github_spec

from toolsync.convert import ToolOptions, build_tools
from toolsync.errors import ConversionError
from toolsync.formats import PROVIDERS, RenderContext, get_formatter
from toolsync.gates import GateOptions, check_tool, shared_schemas
from toolsync.ir import Severity
from toolsync.spec.loader import load_spec

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "bench_gates.json"
PIPELINE_OPTIONS = GateOptions(use_sdk=False, warnings=False)

Definitions = dict[str, list[Mapping[str, Any]]]


def rendered_definitions() -> Definitions:
    """Every tool of GitHub's spec rendered for each provider, sharing one render context."""
    spec = load_spec(str(github_spec()))
    options = ToolOptions()
    tools = build_tools(spec, options).tools
    context = RenderContext(options)
    out: Definitions = {}
    for provider in PROVIDERS:
        formatter = get_formatter(provider)
        out[provider] = []
        for tool in tools:
            try:
                out[provider].append(formatter(tool, context).definition)
            except ConversionError:
                continue  # not offered to this provider; the pipeline skips it before the gate
    return out


def gate_all(definitions: Definitions) -> tuple[float, int]:
    """Seconds to gate every definition of every provider, and how many were rejected."""
    rejected = 0
    start = time.process_time()
    with shared_schemas():
        for provider, defs in definitions.items():
            for definition in defs:
                issues = check_tool(provider, definition, options=PIPELINE_OPTIONS)
                rejected += any(i.severity is Severity.ERROR for i in issues)
    return time.process_time() - start, rejected


def one_tool(definitions: Definitions, index: int) -> float:
    """Seconds to gate one freshly copied definition for every provider (a reload's one changed tool)."""
    fresh = {provider: copy.deepcopy(defs[index]) for provider, defs in definitions.items()}
    start = time.process_time()
    with shared_schemas():
        for provider, definition in fresh.items():
            check_tool(provider, definition, options=PIPELINE_OPTIONS)
    return time.process_time() - start


def cold_once() -> dict[str, float]:
    """One cold pass (run in a fresh process by ``cold``)."""
    definitions = rendered_definitions()
    seconds, rejected = gate_all(definitions)
    return {"seconds": seconds, "rejected": rejected,
            "definitions": sum(len(d) for d in definitions.values())}


def cold(runs: int) -> dict[str, Any]:
    results = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, __file__, "--cold-once"], check=True, capture_output=True,
                             text=True).stdout
        results.append(json.loads(out))
    return {"median_s": statistics.median(r["seconds"] for r in results), "runs": runs,
            "definitions": results[0]["definitions"], "rejected": results[0]["rejected"]}


def warm(definitions: Definitions, runs: int) -> dict[str, Any]:
    gate_all(definitions)
    times = [gate_all(definitions)[0] for _ in range(runs)]
    return {"median_s": statistics.median(times), "runs": runs}


def one(definitions: Definitions, runs: int) -> dict[str, Any]:
    gate_all(definitions)
    count = min(len(d) for d in definitions.values())
    times = [one_tool(definitions, (i * 97) % count) for i in range(runs)]
    return {"median_ms": statistics.median(times) * 1000, "max_ms": max(times) * 1000, "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--cold-once", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold_once:
        print(json.dumps(cold_once()))
        return
    definitions = rendered_definitions()
    results = {"cold": cold(args.runs), "warm": warm(definitions, args.runs),
               "one_tool": one(definitions, args.runs * 20)}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    if args.json:
        print(json.dumps(results, indent=2))
        return
    c, w, o = results["cold"], results["warm"], results["one_tool"]
    print(f"tool gate, GitHub spec, {c['definitions']} definitions over {len(PROVIDERS)} providers "
          f"({c['rejected']} rejected)")
    print(f"  cold (fresh process): {c['median_s'] * 1000:8.1f} ms  (median of {c['runs']})")
    print(f"  warm (same process):  {w['median_s'] * 1000:8.1f} ms  (median of {w['runs']})")
    print(f"  one changed tool:     {o['median_ms']:8.2f} ms  (median of {o['runs']}, max {o['max_ms']:.2f} ms)")


if __name__ == "__main__":
    main()
