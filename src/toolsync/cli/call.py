"""
``toolsync call TOOL --args JSON``: call one tool against its real API and print the result.

With ``--spec`` the spec is loaded on the spot; without it the tool comes from the registry in the
store (``--store``, else the configuration file's, else ``./.toolsync/registry.db``). Credentials
are read from environment variables named in the configuration or with ``--credential
SCHEME=ENVVAR``. Exit codes: 0 the call succeeded, 1 the tool answered with an error, 2 the call
could not be made (bad arguments JSON, unknown tool, spec or store that cannot be read).
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn
from urllib.parse import unquote

import orjson
import typer
from rich.console import Console
from rich.json import JSON
from rich.markup import escape

from ..config import RefPolicy, SpecConfig
from ..errors import ConfigError, ToolNotFoundError, ToolsyncError
from ..execute import ExecutionConfig, ToolResult, call_sync
from ..ir import SecurityScheme
from ..registry import Registry
from ..settings import Settings, load_settings
from ..spec.loader import is_url, load_spec
from ..stores import DEFAULT_PATH, open_store
from ..tool import Tool
from ._app import app

__all__ = ["call"]

_out = Console(highlight=False, soft_wrap=True)
_err = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass(frozen=True, slots=True)
class _Overrides:
    """What the command line says about where and how the call goes."""

    server_url: str | None
    credentials: Mapping[str, str]
    allow_private: bool
    timeout: float | None


@app.command()
def call(
    tool: Annotated[str, typer.Argument(help="The tool to call, by name.", metavar="TOOL")],
    args: Annotated[str, typer.Option(
        "--args", help="The arguments as one JSON object, or @FILE to read them from a file.",
        metavar="JSON")] = "{}",
    spec: Annotated[str | None, typer.Option(
        "--spec", help="Load this spec (a file or URL) and call its tool, instead of using the registry.",
        metavar="SPEC")] = None,
    store: Annotated[str | None, typer.Option(
        "--store", help="The registry's store when --spec is not given (default: the configured one, else "
        "./.toolsync/registry.db).", metavar="PATH|URL")] = None,
    server_url: Annotated[str | None, typer.Option(
        "--server-url", help="Send the call to this base URL instead of the spec's servers.",
        metavar="URL")] = None,
    credential: Annotated[list[str] | None, typer.Option(
        "--credential", help="Take securityScheme SCHEME's secret from environment variable ENVVAR "
        "(repeatable).", metavar="SCHEME=ENVVAR")] = None,
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help="Allow the spec URL and the call to reach loopback and private addresses.")] = False,
    timeout: Annotated[float | None, typer.Option(help="Seconds the call may take (default: 30).", min=0.1)] = None,
    config: Annotated[str | None, typer.Option(
        "--config", help="The configuration file (default: ./toolsync.yaml when present).", metavar="PATH")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Call one tool against its real API and print the result; exit 1 if the tool answered with an error."""
    try:
        arguments = _arguments(args)
        overrides = _Overrides(server_url, _credentials(credential or ()), allow_private, timeout)
        settings = load_settings(config)
        found, execution = _from_spec(settings, spec, tool, overrides) if spec else _from_store(
            settings, store, tool, overrides)
    except ToolsyncError as error:
        _fail(str(error))
    result = call_sync(found, arguments, execution)
    if json_output:
        sys.stdout.write(orjson.dumps({"tool": found.name, "spec": found.spec_name, **result.to_dict()},
                                      option=orjson.OPT_INDENT_2, default=str).decode() + "\n")
    else:
        _print(found, result)
    if not result.ok:
        raise typer.Exit(1)


def _arguments(text: str) -> dict[str, Any]:
    """The ``--args`` value as a JSON object (``@FILE`` reads it from a file)."""
    source = "--args"
    if text.startswith("@"):
        source = text[1:]
        try:
            text = Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"the arguments file cannot be read: {exc.strerror or exc}", source=source) from None
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ConfigError(f"the arguments are not valid JSON ({exc}); give one object, e.g. '{{\"petId\": 1}}'",
                          source=source) from None
    if not isinstance(value, dict):
        raise ConfigError(f"the arguments must be one JSON object, not {type(value).__name__}", source=source)
    return value


def _credentials(pairs: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for pair in pairs:
        scheme, sep, var = pair.partition("=")
        if not (sep and scheme.strip() and var.strip()):
            raise ConfigError(f"--credential takes SCHEME=ENVVAR (a securityScheme name and an environment "
                              f"variable name), not {pair!r}")
        found[scheme.strip()] = var.strip()
    return found


def _from_spec(settings: Settings, spec: str, name: str, overrides: _Overrides) -> tuple[Tool, ExecutionConfig]:
    """Compile ``spec`` and pick the tool ``name`` from it."""
    from ..pipeline import compile_spec

    base = _configured(settings, spec) or SpecConfig(
        source=spec if is_url(spec) else os.path.abspath(spec), limits=settings.limits, fetch=settings.fetch)
    config = _with_overrides(base, overrides)
    compiled = compile_spec(config)
    tool = compiled.tools.get(name)
    if tool is None:
        raise _not_found(name, compiled.tools, compiled.spec.source)
    execution = ExecutionConfig.for_spec(compiled.spec, config, **_bounds(settings, config, overrides))
    return tool, execution


def _from_store(settings: Settings, store: str | None, name: str,
                overrides: _Overrides) -> tuple[Tool, ExecutionConfig]:
    """Take the tool ``name`` from the registry kept in the store."""
    url = store or settings.store.url
    missing = _missing_file(url)
    if missing is not None:
        raise ConfigError(f"no registry at {missing}; give the spec with --spec, or load specs first with "
                          "toolsync serve or toolsync watch", source="store")
    with Registry(open_store(url)) as registry:
        snapshot = registry.snapshot
    registered = snapshot.get(name)
    if registered is None:
        raise _not_found(name, snapshot.tools, url)
    entry = snapshot.specs.get(registered.spec_name)
    base = (_configured(settings, registered.spec_name) or (entry.config if entry else None)
            or SpecConfig(source=entry.source if entry else registered.spec_name, name=registered.spec_name))
    config = _with_overrides(base, overrides)
    execution = ExecutionConfig(
        server_url=config.server_url, allowed_hosts=tuple(config.allowed_hosts), credentials=dict(config.credentials),
        security_schemes=_schemes(config) if config.credentials else {},
        source_url=config.source if is_url(config.source) else None, **_bounds(settings, config, overrides))
    return registered.tool, execution


def _configured(settings: Settings, spec: str) -> SpecConfig | None:
    """The configuration file's entry for ``spec`` (by name or by source), if any."""
    location = spec if is_url(spec) else os.path.abspath(spec)
    return next((s for s in settings.specs if spec == s.name or location == s.source), None)


def _with_overrides(config: SpecConfig, overrides: _Overrides) -> SpecConfig:
    fetch = dataclasses.replace(config.fetch, allow_private=config.fetch.allow_private or overrides.allow_private)
    return dataclasses.replace(config, server_url=overrides.server_url or config.server_url, fetch=fetch,
                               credentials={**config.credentials, **overrides.credentials})


def _bounds(settings: Settings, config: SpecConfig, overrides: _Overrides) -> dict[str, Any]:
    execution = settings.execution
    return {"allow_private": execution.allow_private or config.fetch.allow_private,
            "timeout": overrides.timeout or execution.timeout, "max_retries": execution.max_retries,
            "max_response_bytes": execution.max_response_bytes, "headers": dict(execution.headers)}


def _schemes(config: SpecConfig) -> Mapping[str, SecurityScheme]:
    """The spec's security schemes: the registry keeps no copy, so credentials need the spec read again."""
    try:
        spec = load_spec(config.source, name=config.name, limits=config.limits, fetch=config.fetch,
                         on_unresolved_ref=RefPolicy.SKIP)
    except ToolsyncError as exc:
        raise ConfigError(f"credentials were given, but the spec's security schemes cannot be read: {exc}",
                          source=config.source) from exc
    return dict(spec.security_schemes)


def _missing_file(url: str) -> Path | None:
    """The SQLite file ``url`` names when it does not exist (opening it would create an empty one)."""
    if "://" in url and not url.lower().startswith("sqlite://"):
        return None
    rest = url.split("://", 1)[1] if "://" in url else url
    path = Path(unquote(rest)) if rest else DEFAULT_PATH
    return None if path.exists() else path


def _not_found(name: str, tools: Mapping[str, Any], where: str) -> ToolNotFoundError:
    close = difflib.get_close_matches(name, list(tools), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; it has {len(tools)} tools (see toolsync export)"
    return ToolNotFoundError(f"no tool named {name!r}{hint}", source=where)


def _print(tool: Tool, result: ToolResult) -> None:
    took = f"{result.elapsed_ms:.0f} ms"
    if result.ok:
        _out.print(f"[green]ok[/green] {escape(tool.name)}: HTTP {result.status} in {took}")
    else:
        error = result.error or {}
        status = f" (HTTP {result.status})" if result.status else ""
        _out.print(f"[red]error[/red] {escape(tool.name)}: {escape(str(error.get('type')))}{status}: "
                   f"{escape(str(error.get('message', '')))}")
    if result.body is not None and not isinstance(result.body, str):
        _out.print(JSON.from_data(result.body))
    elif result.text and (result.ok or result.text != (result.error or {}).get("message")):
        _out.print(escape(result.text))
    if result.truncated:
        _out.print("[yellow]the response was cut at the size limit[/yellow]")


def _fail(message: str) -> NoReturn:
    _err.print(f"[red]Error:[/red] {escape(message)}")
    raise typer.Exit(2)
