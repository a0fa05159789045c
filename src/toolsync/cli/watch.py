"""``toolsync watch``: load specs, then print every change as the files and URLs change."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ..config import FetchPolicy, SpecConfig
from ..errors import ToolsyncError
from ..registry import Registry
from ..reload.outcome import OutcomeKind, ReloadOutcome
from ..reload.settings import ReloadSettings
from ..reload.urls import is_url
from ..reload.watcher import Watcher
from ..stores import open_store
from ._app import app
from ._output import EventPrinter, short_source

__all__ = ["watch"]


@app.command()
def watch(
    sources: Annotated[list[str], typer.Argument(help="Spec files, folders of specs, or http(s) URLs.",
                                                 metavar="PATH|URL")],
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON event per line.")] = False,
    debounce: Annotated[float, typer.Option(help="Quiet time before a changed spec is reloaded, in ms.",
                                            metavar="MS", min=0)] = ReloadSettings().debounce * 1000,
    interval: Annotated[float | None, typer.Option(
        help="Seconds between polls of each URL (default: each spec's poll interval, 30).", metavar="S", min=0.1)] = None,
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help="Allow URLs on loopback and private networks.")] = False,
    store: Annotated[str | None, typer.Option(
        help="Keep the registry in this store: a SQLite file path, sqlite:///path.db or redis://... "
             "(default: in memory).", metavar="PATH|URL")] = None,
    reset_store: Annotated[bool, typer.Option(
        "--reset-store", help="Move a damaged or foreign store file aside and start an empty one.")] = False,
    force_polling: Annotated[bool, typer.Option(
        "--force-polling", help="Poll files instead of using the system's file events.")] = False,
) -> None:
    """Load every spec, then reload and report each change until Ctrl-C."""
    printer = _Printer(json_output)
    configs = [_config(source, allow_private, interval) for source in sources]
    try:
        asyncio.run(_watch(configs, printer, debounce, interval, store, reset_store, force_polling))
    except KeyboardInterrupt:
        printer.stopped()
    except ToolsyncError as error:
        printer.fatal(error)
        raise typer.Exit(2) from None


def _config(source: str, allow_private: bool, interval: float | None) -> SpecConfig:
    fetch = FetchPolicy(allow_private=allow_private)
    if interval is not None:
        return SpecConfig(source=source, fetch=fetch, poll_interval=interval)
    return SpecConfig(source=source, fetch=fetch)


async def _watch(
    configs: list[SpecConfig], printer: _Printer, debounce: float, interval: float | None,
    store: str | None, reset_store: bool, force_polling: bool,
) -> None:
    with Registry(open_store(store, reset=reset_store) if store else None) as registry:
        watcher = Watcher(registry, configs, debounce_ms=debounce, poll_interval=interval,
                          force_polling=force_polling, on_outcome=printer.outcome)
        async with watcher:
            printer.started(watcher)
            await asyncio.Event().wait()


class _Printer(EventPrinter):
    """Human lines through rich, or one JSON object per line."""

    def outcome(self, outcome: ReloadOutcome) -> None:
        if outcome.kind is OutcomeKind.IGNORED:
            return
        if not self.json and outcome.ok and str(outcome.trigger) == "startup":
            return  # the table printed once everything is loaded shows these
        if self.json:
            self._line(outcome.to_dict())
            return
        for line in _human(outcome):
            self.console.print(line)

    def started(self, watcher: Watcher) -> None:
        sources = watcher.sources
        if self.json:
            self._line({"event": "watching", "sources": sources, "polling": watcher.polling,
                        "version": watcher.registry.snapshot.version})
            return
        table = Table(title="Watching", title_justify="left")
        table.add_column("source")
        table.add_column("spec")
        table.add_column("tools", justify="right")
        snapshot = watcher.registry.snapshot
        for key, name in sorted(sources.items()):
            entry = snapshot.specs.get(name) if name else None
            tools = str(len(entry.tools)) if entry is not None else "-"
            table.add_row(escape(short_source(key)), escape(name or "not loaded"), tools)
        self.console.print(table)
        mode = "polling files" if watcher.polling else "file events"
        self.console.print(f"Watching for changes ({mode}); press Ctrl-C to stop.")


def _human(outcome: ReloadOutcome) -> list[str]:
    """The lines ``toolsync watch`` prints for one outcome."""
    name = escape(short_source(outcome.key))
    if outcome.kind is OutcomeKind.FAILED:
        cause = escape(outcome.error.message if outcome.error else outcome.message)
        return [f"[red]Reload failed:[/red] {name}: {cause} (keeping version {outcome.version})"]
    what = "Spec URL" if is_url(outcome.key) else "Spec file"
    head = {
        OutcomeKind.REMOVED: f"{what} removed: {name}",
        OutcomeKind.UNCHANGED: f"{what} changed: {name} (no tool changed)",
    }.get(outcome.kind, f"{what} changed: {name}")
    lines = [head]
    changes = outcome.changes
    if changes is not None:
        lines += [f"  [green]Registered:[/green] {escape(n)}" for n in sorted(changes.added)]
        lines += [f"  [yellow]Updated:[/yellow] {escape(n)}" for n in sorted(changes.updated)]
        lines += [f"  [red]Removed:[/red] {escape(n)}" for n in sorted(changes.removed)]
        lines.append(f"Reload complete: {changes.summary()}")
    return lines


