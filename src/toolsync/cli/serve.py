"""
``toolsync serve``: the HTTP API (and ``/mcp``) over the registry, kept in sync with its specs.

Arguments are a configuration file (``toolsync.yaml``/``.yml``/``.toml``, found in the working
folder when none is given) and/or spec files, folders and URLs. The registry lives in
``./.toolsync/registry.db`` unless ``--store`` or the settings say otherwise; the last committed
version is served at once, then every spec is loaded again (unchanged ones commit nothing) and
watched. Ctrl-C or SIGTERM stops the watchers, closes the store and exits 0.

Exit codes: 0 after a clean stop, 1 when the server cannot listen, 2 for a configuration or store
error.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import sys
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from ..config import SpecConfig
from ..errors import ConfigError, ToolsyncError
from ..registry import Registry
from ..settings import Settings, allow_private, is_config_file, load_settings
from ..spec.loader import is_url
from ._app import app
from ._output import EventPrinter, short_source

__all__ = ["serve"]


@app.command()
def serve(
    sources: Annotated[list[str] | None, typer.Argument(
        help="A configuration file and/or spec files, folders and http(s) URLs.", metavar="[CONFIG | PATH ...]",
        show_default=False)] = None,
    host: Annotated[str | None, typer.Option(help="Interface to listen on [default: 127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on [default: 8765; 0 picks one].", min=0,
                                             max=65535)] = None,
    store: Annotated[str | None, typer.Option(
        help="Registry store: a SQLite file, sqlite:///path, memory:// or redis://host/0 "
             "[default: ./.toolsync/registry.db].", metavar="URL")] = None,
    reset_store: Annotated[bool, typer.Option(
        "--reset-store", help="Move the SQLite store aside (kept as .bak) and start empty.")] = False,
    allow_private_: Annotated[bool, typer.Option(
        "--allow-private", help="Let specs be fetched from, and tool calls reach, loopback and private "
        "addresses.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON lines.")] = False,
    log_level: Annotated[str | None, typer.Option(help="debug, info, warning or error [default: info].")] = None,
) -> None:
    """Serve tools over HTTP (and MCP at /mcp), reloading them whenever their specs change."""
    printer = _Printer(json_output)
    try:
        settings, roots = _settings(sources or [], host, port, store, allow_private_, log_level)
        registry = _open_registry(settings, reset_store)
    except ToolsyncError as error:
        printer.fatal(error)
        raise typer.Exit(2) from None
    code = _run(settings, registry, roots, printer)
    raise typer.Exit(code)


def _settings(args: list[str], host: str | None, port: int | None, store: str | None, private: bool,
              log_level: str | None) -> tuple[Settings, list[str]]:
    configs = [a for a in args if not is_url(a) and is_config_file(a)]
    if len(configs) > 1:
        raise ConfigError(f"give one configuration file, not {len(configs)}: {', '.join(configs)}")
    settings = load_settings(configs[0] if configs else None)
    specs = [a for a in args if a not in configs]
    extra = tuple(_spec_config(settings, source) for source in specs)
    server = settings.server
    server = dataclasses.replace(server, host=host or server.host, port=server.port if port is None else port)
    settings = dataclasses.replace(settings, specs=(*settings.specs, *extra), server=server)
    if store is not None:
        settings = dataclasses.replace(settings, store=dataclasses.replace(settings.store, url=store))
    if log_level is not None:
        settings = dataclasses.replace(settings, log_level=log_level.lower())
    if private:
        settings = allow_private(settings)
    roots = [os.path.abspath(a) for a in specs if not is_url(a) and os.path.isdir(a)]
    return settings, roots


def _spec_config(settings: Settings, source: str) -> SpecConfig:
    if not is_url(source) and not os.path.exists(source):
        raise ConfigError("no such file or folder", source=source)
    location = source if is_url(source) else os.path.abspath(source)
    return SpecConfig(source=location, limits=settings.limits, fetch=settings.fetch)


def _open_registry(settings: Settings, reset: bool) -> Registry:
    from ..server import open_registry

    return open_registry(settings, reset=reset)


def _run(settings: Settings, registry: Registry, roots: list[str], printer: _Printer) -> int:
    from sse_starlette.sse import AppStatus

    from ..server import GracefulServer, create_app
    from ..server.logs import install_secret_filter
    from ..server.runner import uvicorn_config

    # The server ends its event streams itself when it stops (cleanly, with a complete response);
    # sse-starlette's own drain would cut them off mid-response on the same signal.
    AppStatus.disable_automatic_graceful_drain()  # type: ignore[no-untyped-call]
    level = settings.log_level if settings.log_level in ("debug", "info", "warning", "error") else "info"
    logging.basicConfig(level=level.upper(), format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        application = create_app(settings, registry, roots=roots, close_registry=True)
        server = GracefulServer(uvicorn_config(application, settings.server.host, settings.server.port,
                                               log_level="warning" if level == "info" else level))
        install_secret_filter(settings.secrets())
        return asyncio.run(_serve(server, application, settings, printer))
    except KeyboardInterrupt:
        return 0
    finally:
        registry.close()


async def _serve(server: Any, application: Any, settings: Settings, printer: _Printer) -> int:
    announce = asyncio.create_task(_announce(server, application, settings, printer))
    try:
        await server.serve()
    except SystemExit:
        printer.fatal(ConfigError(f"could not listen on {settings.server.host}:{settings.server.port}",
                                  source="server"))
        return 1
    finally:
        announce.cancel()
        await asyncio.gather(announce, return_exceptions=True)
    if not server.started:
        printer.fatal(ConfigError(f"could not listen on {settings.server.host}:{settings.server.port}",
                                  source="server"))
        return 1
    printer.stopped()
    return 0


async def _announce(server: Any, application: Any, settings: Settings, printer: _Printer) -> None:
    """Print where the server listens once it does, then the specs once the first load is done."""
    while not server.started:
        await asyncio.sleep(0.02)
    url = f"http://{settings.server.host}:{server.port}"
    ctx = application.state.toolsync
    printer.listening(url, settings, mcp=any(getattr(r, "path", "") == "/mcp" for r in application.routes))
    await ctx.service.wait_ready()
    printer.ready(ctx.registry, ctx.service.watched(), ctx.service.failures())


class _Printer(EventPrinter):
    """Human output through rich, or one JSON object per line."""

    def listening(self, url: str, settings: Settings, *, mcp: bool) -> None:
        server = settings.server
        access = {"admin": server.admin_token is not None, "read_token": server.read_token is not None,
                  "webhook": server.webhook_secret is not None, "tool_calls": server.tool_calls, "mcp": mcp}
        if self.json:
            self._line({"event": "listening", "url": url, "store": settings.store.url, **access})
            return
        self.console.print(f"Serving on [bold]{escape(url)}[/bold]  (API reference: {escape(url)}/openapi.json"
                           + (f", MCP: {escape(url)}/mcp" if mcp else "") + ")")
        if server.admin_token is None:
            self.console.print("[yellow]Admin endpoints are disabled:[/yellow] set server.admin_token or "
                               "TOOLSYNC_ADMIN_TOKEN to add, remove, reload or roll back specs over HTTP.")
        if server.read_token is None:
            self.console.print("Reading is open to anyone who can reach this address (set a read token to "
                               "protect it).")

    def ready(self, registry: Registry, watched: dict[str, str | None], failures: dict[str, str]) -> None:
        snapshot = registry.snapshot
        if self.json:
            self._line({"event": "ready", "version": snapshot.version, "specs": {
                n: {"source": e.source, "tools": len(e.tools), "status": str(e.status)}
                for n, e in snapshot.specs.items()}, "watching": sorted(watched), "failed": failures})
            return
        table = Table(title=f"Registry version {snapshot.version}", title_justify="left")
        for column in ("spec", "source", "tools", "status"):
            table.add_column(column, justify="right" if column == "tools" else "left")
        for name, entry in snapshot.specs.items():
            color = "green" if str(entry.status) == "ok" else "red"
            table.add_row(escape(name), escape(short_source(entry.source)), str(len(entry.tools)),
                          f"[{color}]{entry.status}[/{color}]")
        self.console.print(table)
        for source, reason in failures.items():
            self.console.print(f"[red]Failed:[/red] {escape(short_source(source))}: {escape(reason)}")
        self.console.print(f"Watching {len(watched)} source{'s' if len(watched) != 1 else ''}. Ctrl-C stops.")


