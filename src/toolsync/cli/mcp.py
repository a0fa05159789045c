"""
``toolsync mcp``: serve the tools of some specs to one MCP client over stdin and stdout.

Desktop clients (Claude Desktop, IDEs) start the command themselves; the client configuration
is in :mod:`toolsync.server.mcp`. The specs load while the client connects (``tools/list`` waits
for them) and are watched afterwards, so an edited spec reaches the client as
``notifications/tools/list_changed``. Logs go to stderr: stdout carries the protocol.

The registry is kept in memory unless ``--store`` names a store or the configuration file sets one.

Exit codes: 0 when the client disconnects, 2 for a configuration or store error.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from ..config import SpecConfig
from ..errors import ConfigError, ToolsyncError
from ..registry import Registry
from ..settings import Settings, StoreSettings, allow_private, is_config_file, load_settings
from ..spec.loader import is_url
from ._app import app

if TYPE_CHECKING:
    from ..server.service import Service

__all__ = ["mcp_stdio"]

log = logging.getLogger("toolsync.mcp")

_LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


@app.command(name="mcp")
def mcp_stdio(
    sources: Annotated[list[str] | None, typer.Argument(
        help="A configuration file and/or spec files, folders and http(s) URLs.", metavar="[CONFIG | PATH ...]",
        show_default=False)] = None,
    store: Annotated[str | None, typer.Option(
        help="Keep the registry in this store: a SQLite file, sqlite:///path.db, memory:// or redis://host/0 "
             "(default: memory, or the configuration file's store).", metavar="PATH|URL")] = None,
    watch: Annotated[bool, typer.Option(
        "--watch/--no-watch", help="Reload specs when they change and tell the client.")] = True,
    allow_private_: Annotated[bool, typer.Option(
        "--allow-private", help="Let specs be fetched from, and tool calls reach, loopback and private "
        "addresses.")] = False,
    log_level: Annotated[str | None, typer.Option(
        help="debug, info, warning, error or critical, on stderr (default: info).")] = None,
) -> None:
    """Serve the specs' tools to an MCP client over stdio (for desktop clients)."""
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        settings = _settings(sources or [], store, allow_private_, log_level)
        registry = _open(settings)
    except ToolsyncError as error:
        errors.print(f"[red]Error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from None
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(_serve(settings, registry, watch))
    except KeyboardInterrupt:
        pass
    finally:
        registry.close()


def _settings(args: list[str], store: str | None, private: bool, log_level: str | None) -> Settings:
    configs = [a for a in args if not is_url(a) and is_config_file(a)]
    if len(configs) > 1:
        raise ConfigError(f"give one configuration file, not {len(configs)}: {', '.join(configs)}")
    settings = load_settings(configs[0] if configs else None)
    extra = tuple(_spec_config(settings, a) for a in args if a not in configs)
    settings = dataclasses.replace(settings, specs=(*settings.specs, *extra), store=_store(settings, store))
    if log_level is not None:
        if log_level.lower() not in _LOG_LEVELS:
            raise ConfigError(f"--log-level must be one of {', '.join(_LOG_LEVELS)}, not {log_level!r}")
        settings = dataclasses.replace(settings, log_level=log_level.lower())
    if not settings.specs and settings.store.url == "memory://":
        raise ConfigError("nothing to serve: give spec files, folders or URLs, a configuration file that lists "
                          "specs, or a --store that holds some")
    return allow_private(settings) if private else settings


def _store(settings: Settings, given: str | None) -> StoreSettings:
    """``--store``, else the configuration's store when it names one, else memory."""
    if given is not None:
        return StoreSettings(url=given)
    return settings.store if settings.store != StoreSettings() else StoreSettings(url="memory://")


def _spec_config(settings: Settings, source: str) -> SpecConfig:
    if not is_url(source) and not os.path.exists(source):
        raise ConfigError("no such file or folder", source=source)
    location = source if is_url(source) else os.path.abspath(source)
    return SpecConfig(source=location, limits=settings.limits, fetch=settings.fetch)


def _open(settings: Settings) -> Registry:
    from ..server.http import open_registry

    return open_registry(settings)


async def _serve(settings: Settings, registry: Registry, watch: bool) -> None:
    from ..server.mcp import run_stdio
    from ..server.service import Service

    service = Service(settings, registry)
    loaded = asyncio.Event()
    loading = asyncio.create_task(_load(service, watch, loaded), name="toolsync-mcp-load")
    try:
        await run_stdio(registry, service.executor, ready=loaded.wait)
    finally:
        loading.cancel()
        await asyncio.gather(loading, return_exceptions=True)
        await service.aclose()


async def _load(service: Service, watch: bool, loaded: asyncio.Event) -> None:
    """Load every spec (and keep watching them when ``watch``), then tell waiting requests."""
    from ..reload import Watcher

    try:
        if watch:
            await service.start()
        else:
            once = Watcher(service.registry, list(service.settings.specs))
            await once.start()
            await once.aclose()
    except ToolsyncError as exc:
        log.error("loading the specs failed: %s", exc)
    finally:
        loaded.set()
    _report(service.registry, watched=len(service.watched()) if watch else 0)


def _report(registry: Registry, *, watched: int) -> None:
    snapshot = registry.snapshot
    for source, reason in registry.failures.items():
        log.warning("spec %s failed to load: %s", source, reason)
    follow = f", watching {watched} source{'s' if watched != 1 else ''}" if watched else ""
    log.info("serving %d tools from %d specs over stdio (registry version %d%s)", len(snapshot.tools),
             len(snapshot.specs), snapshot.version, follow)
