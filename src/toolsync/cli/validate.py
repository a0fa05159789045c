"""``toolsync validate``: run the spec gate and each provider's tool gate on one spec, for people or CI."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..errors import ConfigError, SpecError, ToolsyncError
from ..gates import PROVIDERS, GateOptions, ToolIssue, check_spec, check_tools, normalize_provider
from ..ir import Diagnostic, Severity
from ..limits import FetchPolicy, Limits
from ._app import app

if TYPE_CHECKING:
    from ..gates._model import GeminiBackend
    from ..spec.sources import SourceBytes

__all__ = ["validate"]

EXIT_OK, EXIT_PROBLEMS, EXIT_UNREADABLE = 0, 1, 2
# The human table stops here; --json always carries everything.
MAX_ROWS = 200
_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "dim"}


class FailOn(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class GeminiBackendChoice(StrEnum):
    DEVELOPER = "developer"
    VERTEX = "vertex"


@dataclass(slots=True)
class ProviderReport:
    """The tool gate's verdict for one provider."""

    provider: str
    tools: int = 0
    issues: list[ToolIssue] = field(default_factory=list)
    # Tools the formatter could not render for this provider (conversion warnings).
    skipped: list[Diagnostic] = field(default_factory=list)


@dataclass(slots=True)
class Report:
    """Everything ``validate`` found for one spec."""

    source: str
    spec_diagnostics: list[Diagnostic] = field(default_factory=list)
    load_error: ToolsyncError | None = None
    operations: int = 0
    build_skipped: list[Diagnostic] = field(default_factory=list)
    providers: list[ProviderReport] = field(default_factory=list)

    def severities(self) -> list[Severity]:
        found = [d.severity for d in (*self.spec_diagnostics, *self.build_skipped)]
        found += [Severity.ERROR] if self.load_error is not None else []
        for p in self.providers:
            found += [i.severity for i in p.issues] + [d.severity for d in p.skipped]
        return found

    def fails(self, fail_on: FailOn) -> bool:
        bad = {Severity.ERROR} if fail_on is FailOn.ERROR else {Severity.ERROR, Severity.WARNING}
        return any(s in bad for s in self.severities())


def _providers(chosen: list[str] | None) -> list[str]:
    if not chosen or "all" in chosen:
        return list(PROVIDERS)
    try:
        return list(dict.fromkeys(normalize_provider(p) for p in chosen))
    except ConfigError as exc:
        raise typer.BadParameter(exc.message, param_hint="--provider") from None


@app.command()
def validate(
    spec: Annotated[str, typer.Argument(help="The spec: a file, or an http(s) URL.", metavar="SPEC")],
    provider: Annotated[list[str] | None, typer.Option(
        "--provider", "-p", help=f"Provider to check tools for ({', '.join(PROVIDERS)}, or all); repeatable. "
        "Default: all.")] = None,
    strict_spec: Annotated[bool, typer.Option(
        "--strict-spec", help="Report every rule the spec breaks as an error, not only what makes it unusable.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
    gemini_backend: Annotated[GeminiBackendChoice, typer.Option(
        "--gemini-backend", help="Check Gemini tools for the Developer API or for Vertex AI.")
    ] = GeminiBackendChoice.DEVELOPER,
    mcp_version: Annotated[str, typer.Option(
        "--mcp-version", help="MCP protocol version the tools are listed under.")] = "2025-11-25",
    fail_on: Annotated[FailOn, typer.Option(
        "--fail-on", help="Exit 1 on errors (default), or on warnings too.")] = FailOn.ERROR,
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help="Allow a SPEC URL on loopback and private networks.")] = False,
    allow_remote_refs: Annotated[bool, typer.Option(
        "--allow-remote-refs", help="Follow $refs to http(s) URLs when building tools.")] = False,
    spec_time_budget: Annotated[float, typer.Option(
        "--spec-time-budget", min=0.1, help="Seconds the structural validator may take before it is cut short.")
    ] = 30.0,
) -> None:
    """Check SPEC and the tools it becomes; exit 0 when clean, 1 on problems, 2 when SPEC cannot be read."""
    providers = _providers(provider)
    backend: GeminiBackend = "vertex" if gemini_backend is GeminiBackendChoice.VERTEX else "developer"
    options = GateOptions(gemini_backend=backend, mcp_version=mcp_version)
    fetch = FetchPolicy(allow_private=allow_private, allow_remote_refs=allow_remote_refs)
    err = Console(stderr=True)
    try:
        payload, document = _read(spec, fetch)
    except ToolsyncError as exc:
        _unreadable(exc, spec, json_output, err)
        raise typer.Exit(EXIT_UNREADABLE) from None
    report = run_validation(spec, payload, document, providers, options, lenient=not strict_spec, fetch=fetch,
                            time_budget=spec_time_budget)
    if json_output:
        typer.echo(orjson.dumps(_json(report, fail_on), option=orjson.OPT_INDENT_2).decode())
    else:
        _print(report, Console(), fail_on)
    if report.fails(fail_on):
        raise typer.Exit(EXIT_PROBLEMS)


def _read(spec: str, fetch: FetchPolicy) -> tuple[SourceBytes, dict[str, Any]]:
    """The spec's bytes and its document as written (the spec gate judges what the author wrote)."""
    from ..spec.loader import is_url
    from ..spec.parse import parse_document
    from ..spec.sources import NotModified, fetch_url, read_file

    limits = Limits()
    payload = fetch_url(spec, policy=fetch, limits=limits) if is_url(spec) else read_file(spec, limits=limits)
    if isinstance(payload, NotModified):  # no validators were sent: only a misbehaving server says this
        raise SpecError("the server answered 304 Not Modified to an unconditional request", source=spec)
    return payload, parse_document(payload.data, source=spec, limits=limits, media_type=payload.media_type)


def run_validation(source: str, payload: SourceBytes, document: dict[str, Any], providers: list[str],
                   options: GateOptions, *, lenient: bool, fetch: FetchPolicy, time_budget: float) -> Report:
    """Spec gate, then load, build and render, then the tool gate for each provider."""
    from ..convert import build_tools
    from ..formats import render_all
    from ..spec.loader import load_bytes

    found = check_spec(document, source=source, lenient=lenient, time_budget=time_budget)
    report = Report(source, spec_diagnostics=found)
    try:
        spec = load_bytes(payload, source=source, fetch=fetch)
        build = build_tools(spec)
    except ToolsyncError as exc:
        report.load_error = exc
        return report
    except Exception as exc:  # noqa: BLE001 - a bug must still end in one clear line, not a traceback
        report.load_error = SpecError(f"internal error while building tools ({type(exc).__name__}: {exc}); "
                                      "please report it with the spec attached", source=source)
        return report
    report.operations = len(spec.operations)
    report.build_skipped = list(build.skipped)
    for name in providers:
        skipped: list[Diagnostic] = []
        definitions = [r.definition for r in render_all(build.tools, name, skipped=skipped)]
        issues = check_tools(name, definitions, options=options)
        report.providers.append(ProviderReport(name, len(definitions), issues, skipped))
    return report


# ------------------------------------------------------------------------------------------ output


def _rows(report: Report) -> list[tuple[str, str, str, Severity, str]]:
    """(provider, tool or location, rule, severity, message), errors first."""
    rows = [("spec", d.pointer or "-", d.code, d.severity, d.message) for d in report.spec_diagnostics]
    if report.load_error is not None:
        rows.append(("spec", report.load_error.pointer or "-", type(report.load_error).__name__, Severity.ERROR,
                     report.load_error.message))
    rows += [("build", "-", d.code, d.severity, d.message) for d in report.build_skipped]
    for p in report.providers:
        rows += [(p.provider, "-", d.code, d.severity, d.message) for d in p.skipped]
        rows += [(p.provider, i.tool or "(all tools)", i.rule, i.severity, i.message) for i in p.issues]
    order = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return sorted(rows, key=lambda r: order[r[3]])


def _print(report: Report, out: Console, fail_on: FailOn) -> None:
    rows = _rows(report)
    if rows:
        table = Table(title=f"Problems in {escape(report.source)}", title_justify="left")
        for column in ("provider", "tool", "rule", "severity", "message"):
            table.add_column(column, overflow="fold")
        for prov, tool, rule, severity, message in rows[:MAX_ROWS]:
            style = _STYLE[severity]
            table.add_row(prov, escape(tool), escape(rule), f"[{style}]{severity}[/{style}]", escape(message))
        out.print(table)
        if len(rows) > MAX_ROWS:
            out.print(f"... and {len(rows) - MAX_ROWS} more; use --json to see them all")
    out.print(_summary_table(report))
    errors, warnings = _counts(report.severities())
    verdict = "[red]FAIL[/red]" if report.fails(fail_on) else "[green]OK[/green]"
    out.print(f"{verdict}: {errors} error(s), {warnings} warning(s)")


def _summary_table(report: Report) -> Table:
    table = Table(title="Summary", title_justify="left")
    for column in ("check", "tools", "errors", "warnings"):
        table.add_column(column, justify="left" if column == "check" else "right")
    errors, warnings = _counts([d.severity for d in report.spec_diagnostics])
    if report.load_error is not None:
        errors += 1
    table.add_row(f"spec ({report.operations} operations)", "-", str(errors), str(warnings))
    for p in report.providers:
        errors, warnings = _counts([i.severity for i in p.issues] + [d.severity for d in p.skipped])
        table.add_row(p.provider, str(p.tools), str(errors), str(warnings))
    return table


def _counts(severities: list[Severity]) -> tuple[int, int]:
    return severities.count(Severity.ERROR), severities.count(Severity.WARNING)


def _diagnostic_json(d: Diagnostic) -> dict[str, Any]:
    return {"code": d.code, "severity": str(d.severity), "message": d.message, "pointer": d.pointer}


def _json(report: Report, fail_on: FailOn) -> dict[str, Any]:
    errors, warnings = _counts(report.severities())
    return {
        "source": report.source,
        "ok": not report.fails(fail_on),
        "errors": errors,
        "warnings": warnings,
        "spec": {
            "diagnostics": [_diagnostic_json(d) for d in report.spec_diagnostics],
            "load_error": report.load_error.to_dict() if report.load_error is not None else None,
            "operations": report.operations,
            "skipped_operations": [_diagnostic_json(d) for d in report.build_skipped],
        },
        "providers": {
            p.provider: {
                "tools": p.tools,
                "errors": sum(i.is_error for i in p.issues),
                "warnings": sum(not i.is_error for i in p.issues),
                "issues": [i.to_dict() for i in p.issues],
                "skipped_tools": [_diagnostic_json(d) for d in p.skipped],
            }
            for p in report.providers
        },
    }


def _unreadable(exc: ToolsyncError, spec: str, json_output: bool, err: Console) -> None:
    if json_output:
        body = {"source": spec, "ok": False, "error": exc.to_dict()}
        typer.echo(orjson.dumps(body, option=orjson.OPT_INDENT_2).decode())
    else:
        err.print(f"[red]error[/red] {escape(str(exc))}")
