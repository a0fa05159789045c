"""
``toolsync history | rollback | summary``: read and rewind the registry kept in a store.

They open the SQLite store (``./.toolsync/registry.db`` unless ``--store`` says otherwise). Exit
codes: 0 done, 1 the request could not be met (unknown version, nothing recorded for a name),
2 the store cannot be opened or is damaged.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..errors import ToolsyncError
from ..registry import HistoryEntry, Registry, Trigger
from ..stores import DEFAULT_PATH, open_store
from ._app import app

__all__ = ["history", "rollback", "summary"]

StoreOption = Annotated[str, typer.Option(
    "--store", help="The registry's store: a SQLite file path, sqlite:///path.db or redis://...",
    metavar="PATH|URL")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

_out = Console(highlight=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, soft_wrap=True)


@app.command()
def history(
    target: Annotated[str | None, typer.Argument(help="Only versions touching this spec or tool.",
                                                 metavar="[SPEC|TOOL]")] = None,
    store: StoreOption = str(DEFAULT_PATH),
    limit: Annotated[int, typer.Option(help="Show at most this many versions.", min=1)] = 20,
    json_output: JsonOption = False,
) -> None:
    """List the registry's versions, newest first: when, why, and what changed."""
    with _registry(store) as registry:
        entries = _entries(registry, target, limit)
        if target is not None and not entries:
            _fail(f"no version touches a spec or tool named {target!r}", 1)
        if json_output:
            _json([e.to_dict() for e in entries])
            return
        _out.print(_history_table(entries, registry.version, target))


@app.command()
def rollback(
    spec: Annotated[str | None, typer.Argument(help="Roll back only this spec (default: the whole registry).",
                                               metavar="[SPEC]")] = None,
    to: Annotated[int, typer.Option("--to", help="The version to serve again.", metavar="VERSION")] = 0,
    store: StoreOption = str(DEFAULT_PATH),
    json_output: JsonOption = False,
) -> None:
    """
    Serve again what an earlier version served; the rollback is itself a new version.

    A running server on the same SQLite store picks the new version up at its next commit.
    """
    if to < 1:
        _fail("give the version to roll back to with --to VERSION (see toolsync history)", 1)
    with _registry(store) as registry:
        try:
            changes = registry.rollback(to, spec=spec, trigger=Trigger.CLI)
        except ToolsyncError as error:
            _fail(str(error), 1)
        if json_output:
            _json(changes.to_dict())
        elif changes.version is None:
            _out.print(f"Nothing to do: version {to} is what is served already (version {registry.version}).")
        else:
            what = f"spec {escape(spec)}" if spec else "the registry"
            _out.print(f"Rolled back {what} to version {to}: now version {changes.version} ({changes.summary()}).")


@app.command()
def summary(store: StoreOption = str(DEFAULT_PATH), json_output: JsonOption = False) -> None:
    """Show the specs and tools the registry serves now."""
    with _registry(store) as registry:
        result = registry.summary()
        if json_output:
            _json(result.to_dict())
            return
        table = Table(title=f"Registry version {result.version}", title_justify="left")
        for column in ("spec", "version", "status", "tools", "loaded", "source"):
            table.add_column(column, justify="right" if column == "tools" else "left")
        for spec in result.specs:
            status = spec.status if not spec.last_error else f"{spec.status}: {spec.last_error}"
            table.add_row(escape(spec.name), escape(spec.version), escape(status), str(spec.tools),
                          _when(spec.loaded_at), escape(spec.source))
        _out.print(table)
        providers = ", ".join(f"{name} {count}" for name, count in result.providers) or "none"
        _out.print(f"{result.tools} tools; per provider: {providers}")


@contextlib.contextmanager
def _registry(store: str) -> Iterator[Registry]:
    """The registry in ``store``; a missing SQLite file is an error here, not a new empty store."""
    if "://" not in store and not Path(store).exists():
        _fail(f"no registry at {store}; load specs with toolsync serve or toolsync watch --store {store} first", 2)
    try:
        registry = Registry(open_store(store))
    except ToolsyncError as error:
        _fail(str(error), 2)
    with registry:
        yield registry


def _entries(registry: Registry, target: str | None, limit: int) -> list[HistoryEntry]:
    if target is None:
        return registry.history(limit=limit)
    return registry.history(spec=target, limit=limit) or registry.tool_history(target, limit=limit)


def _history_table(entries: list[HistoryEntry], current: int, target: str | None) -> Table:
    title = f"History of {target}" if target else f"History (current version {current})"
    table = Table(title=escape(title), title_justify="left")
    for column in ("version", "time", "trigger", "spec", "changes", "tools"):
        table.add_column(column, justify="right" if column == "version" else "left")
    for entry in entries:
        marker = " *" if entry.version == current else ""
        table.add_row(f"{entry.version}{marker}", _when(entry.time), entry.trigger, escape(entry.spec or "all"),
                      entry.summary, escape(_tools(entry)))
    return table


def _tools(entry: HistoryEntry, shown: int = 4) -> str:
    names = [f"-{n}" if h is None else n for n, h in sorted(entry.changes.items())]
    text = ", ".join(names[:shown])
    return f"{text} and {len(names) - shown} more" if len(names) > shown else text


def _when(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp))


def _json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


def _fail(message: str, code: int) -> NoReturn:
    _err.print(f"[red]Error:[/red] {escape(message)}")
    raise typer.Exit(code)
