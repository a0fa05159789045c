"""``toolsync export``: a spec's tools as one provider (or every provider) receives them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..errors import ToolsyncError
from ..ir import Diagnostic
from ..tool import NoteKind
from ._app import app

__all__ = ["export"]

_ALL = "all"


@dataclass(slots=True)
class _Outcome:
    provider: str
    definitions: list[dict[str, Any]]
    strict: int = 0
    fallbacks: list[str] = field(default_factory=list)
    skipped: list[Diagnostic] = field(default_factory=list)
    written: str | None = None


@app.command()
def export(
    spec: Annotated[str, typer.Argument(help="Spec file or http(s) URL.", metavar="SPEC")],
    provider: Annotated[str, typer.Option("--provider", "-p", help="openai, openai-chat, anthropic, gemini, "
                                          "mcp, or all.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (a folder with "
                                                "--provider all); standard output when left out.")] = None,
    namespace: Annotated[str | None, typer.Option(help="Prefix for every tool name.")] = None,
    strict: Annotated[bool, typer.Option("--strict/--no-strict", help="OpenAI strict mode wherever a schema "
                                         "allows it.")] = True,
    anthropic_strict: Annotated[bool, typer.Option("--anthropic-strict", help="Mark Anthropic tools strict "
                                                   "where their schema allows it.")] = False,
    json_schema: Annotated[bool, typer.Option("--json-schema", help="Gemini: send parametersJsonSchema instead "
                                              "of parameters.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the summary as JSON (on standard error).")
                           ] = False,
) -> None:
    """
    Write the tool definitions of SPEC as a JSON list and summarize them on standard error.

    Exit status: 0 every operation became a tool for every provider asked for; 1 some were
    skipped (the summary says which and why); 2 the spec could not be used or an option is wrong.
    """
    from ..convert import ToolOptions, build_tools
    from ..formats import PROVIDERS, RenderContext, render_all
    from ..spec.loader import load_spec

    err = Console(stderr=True)
    providers = list(PROVIDERS) if provider == _ALL else [provider]
    try:
        if provider != _ALL and provider not in PROVIDERS:
            raise typer.BadParameter(f"unknown provider {provider!r}; choose one of {', '.join(PROVIDERS)} or all")
        options = ToolOptions(namespace=namespace, strict=strict, anthropic_strict=anthropic_strict,
                              gemini_json_schema=json_schema)
        _check_output(output, provider == _ALL)
        loaded = load_spec(spec)
        build = build_tools(loaded, options)
    except ToolsyncError as exc:
        err.print(f"[red]error[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from None
    context = RenderContext(options)
    outcomes = []
    for name in providers:
        skipped: list[Diagnostic] = []
        rendered = render_all(build.tools, name, skipped=skipped, context=context)
        outcomes.append(_Outcome(name, [r.definition for r in rendered], sum(1 for r in rendered if r.strict),
                                 [r.name for r in rendered if any(n.kind == NoteKind.FALLBACK for n in r.notes)],
                                 skipped))
    _write(outcomes, output, provider == _ALL)
    _summarize(err, outcomes, build.skipped, build.tools, json_output)
    if build.skipped or any(o.skipped for o in outcomes):
        raise typer.Exit(1)


def _check_output(output: Path | None, every: bool) -> None:
    from ..errors import ConfigError

    if every and output is not None and output.exists() and not output.is_dir():
        raise ConfigError(f"--provider all writes one file per provider; {output} is a file, give a folder")


def _write(outcomes: list[_Outcome], output: Path | None, every: bool) -> None:
    option = orjson.OPT_INDENT_2
    if output is None:
        payload: Any = {o.provider: o.definitions for o in outcomes} if every else outcomes[0].definitions
        typer.echo(orjson.dumps(payload, option=option).decode())
        return
    if every:
        output.mkdir(parents=True, exist_ok=True)
    for outcome in outcomes:
        path = output / f"{outcome.provider}.json" if every else output
        path.write_bytes(orjson.dumps(outcome.definitions, option=option) + b"\n")
        outcome.written = str(path)


def _summarize(err: Console, outcomes: list[_Outcome], skipped: tuple[Diagnostic, ...], tools: Any,
               as_json: bool) -> None:
    if as_json:
        report = {
            "tools": len(tools),
            "skipped_operations": [{"message": d.message, "pointer": d.pointer} for d in skipped],
            "providers": {o.provider: {"definitions": len(o.definitions), "strict": o.strict,
                                       "fallbacks": o.fallbacks, "file": o.written,
                                       "skipped": [d.message for d in o.skipped]} for o in outcomes},
        }
        err.print_json(orjson.dumps(report).decode())
        return
    table = Table(title=f"{len(tools)} tools", title_justify="left")
    for column in ("provider", "definitions", "strict", "fallbacks", "skipped", "file"):
        table.add_column(column, justify="left" if column in ("provider", "file") else "right", overflow="fold")
    for o in outcomes:
        table.add_row(o.provider, str(len(o.definitions)), str(o.strict), str(len(o.fallbacks)),
                      f"[yellow]{len(o.skipped)}[/yellow]" if o.skipped else "0", escape(o.written or "stdout"))
    err.print(table)
    for diagnostic in [*skipped, *(d for o in outcomes for d in o.skipped)]:
        err.print(f"[yellow]skipped[/yellow] {escape(diagnostic.message)}", soft_wrap=True)
