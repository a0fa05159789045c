"""``toolsync diff``: compare two versions of a spec and gate a pipeline on breaking changes."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..diff import DiffReport, FindingSeverity, diff_specs
from ..diff._report import summary_line
from ..errors import SourceError, SpecError, ToolsyncError
from ..limits import FetchPolicy
from ._app import app

if TYPE_CHECKING:
    from ..ir import Spec
    from ..tool import Tool

__all__ = ["diff"]

EXIT_OK, EXIT_FINDINGS, EXIT_LOAD_ERROR = 0, 1, 2
_STYLE = {FindingSeverity.BREAKING: "bold red", FindingSeverity.WARNING: "yellow", FindingSeverity.INFO: "dim"}


class OutputFormat(StrEnum):
    TABLE = "table"
    MARKDOWN = "markdown"
    JSON = "json"


class FailOn(StrEnum):
    BREAKING = "breaking"
    WARNING = "warning"
    NEVER = "never"


@app.command()
def diff(
    old: Annotated[str, typer.Argument(help="The spec before the change (file, or URL with --allow-remote).",
                                       metavar="OLD")],
    new: Annotated[str, typer.Argument(help="The spec after the change.", metavar="NEW")],
    json_output: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
    output_format: Annotated[OutputFormat, typer.Option(
        "--format", help="table for people, markdown for a pull-request comment, json for machines.")
    ] = OutputFormat.TABLE,
    fail_on: Annotated[FailOn, typer.Option(
        "--fail-on", help="Exit 1 when a finding is at least this serious.")] = FailOn.BREAKING,
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="Allow http(s) URLs for OLD/NEW and follow $refs to http(s) URLs.")] = False,
) -> None:
    """Compare OLD and NEW; exit 0 when fine, 1 on findings at --fail-on or above, 2 when a spec cannot load."""
    err = Console(stderr=True)
    try:
        before, after = _load(old, "OLD", allow_remote), _load(new, "NEW", allow_remote)
    except ToolsyncError as exc:
        err.print(f"[red]error[/red] {escape(str(exc))}")
        raise typer.Exit(EXIT_LOAD_ERROR) from None
    report = diff_specs(before, after, old_tools=_tools(before, err), new_tools=_tools(after, err))
    _print(report, OutputFormat.JSON if json_output else output_format)
    if fail_on is not FailOn.NEVER and report.at_least(FindingSeverity(fail_on.value)):
        raise typer.Exit(EXIT_FINDINGS)


def _load(source: str, role: str, allow_remote: bool) -> Spec:
    from ..spec.loader import is_url, load_spec

    if is_url(source) and not allow_remote:
        raise SourceError(f"{role} is a URL; pass --allow-remote to fetch it", source=source)
    try:
        return load_spec(source, fetch=FetchPolicy(allow_remote_refs=allow_remote))
    except ToolsyncError:
        raise
    except Exception as exc:  # a bug must still end in one clear line, not a traceback
        raise SpecError(f"internal error while loading ({type(exc).__name__}: {exc}); please report it with "
                        "the spec attached", source=source) from exc


def _tools(spec: Spec, err: Console) -> Mapping[str, Tool]:
    """The spec's tools by operation key, so renamed tools are reported; empty when conversion fails."""
    from ..convert import build_tools

    try:
        return {tool.operation_key: tool for tool in build_tools(spec).tools}
    except ToolsyncError as exc:
        err.print(f"[yellow]note[/yellow] tool names not compared: {escape(str(exc))}")
        return {}


def _print(report: DiffReport, output_format: OutputFormat) -> None:
    if output_format is OutputFormat.JSON:
        typer.echo(orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2).decode())
    elif output_format is OutputFormat.MARKDOWN:
        typer.echo(report.to_markdown(), nl=False)
    else:
        _print_table(report, Console())


def _print_table(report: DiffReport, out: Console) -> None:
    if report.findings:
        table = Table(title=_title(report), title_justify="left")
        for column in ("severity", "operation", "finding", "message"):
            table.add_column(column, overflow="fold", ratio=3 if column == "message" else None)
        for finding in report.findings:
            style = _STYLE[finding.severity]
            table.add_row(f"[{style}]{finding.severity}[/{style}]", escape(finding.operation or "(spec)"),
                          escape(finding.id), escape(finding.message))
        out.print(table)
    else:
        out.print(f"{escape(_title(report))}: no differences that affect the tools")
    out.print(escape(summary_line(report)))


def _title(report: DiffReport) -> str:
    name = report.title or "spec"
    return f"{name} {report.old_version or '?'} → {report.new_version or '?'}"
