"""
The configuration file: ``toolsync.yaml``, ``toolsync.yml`` or ``toolsync.toml``.

:func:`load_settings` reads the file named, or the first of those names found in the working
folder, then applies environment overrides. Every field has a default, so toolsync runs with no
file at all. Unknown keys and wrong types raise :class:`~toolsync.errors.ConfigError` naming the
key and the file. Relative paths in the file (spec sources, the store, allowed roots) are taken
from the file's folder.

File format (YAML; TOML has the same keys)::

    specs:                              # a list; a plain string is short for {source: ...}
      - source: ./specs/petstore.yaml   # a file, a folder of specs or an http(s) URL (alias: path, url)
        name: petstore                  # registry name (default: the spec's title or file name)
        namespace: pets                 # prefix for tool names
        include: {tags: [pets], paths: ["/pets*"], methods: [get, post]}
        exclude: {tags: [admin], paths: ["/internal/*"], operations: [deletePet, "DELETE /pets/{id}"]}
        policy: warn                    # breaking changes: allow | warn | block
        on_unresolved_ref: fail         # fail | skip
        credentials: {api_key: PETSTORE_API_KEY}   # securityScheme -> environment variable NAME
        server_url: https://api.example.com/v1     # where tool calls go (overrides the spec's servers)
        allowed_hosts: [auth.example.com]          # more hosts tool calls may reach
        allow_private: false            # fetch this spec and call its API on private addresses
        poll_interval: 30               # seconds between polls of a URL source
        limits: {max_bytes: 10485760}   # overrides the global limits for this spec
        fetch: {timeout: 5}             # overrides the global fetch policy for this spec
    store:
      url: sqlite://.toolsync/registry.db   # or memory:// or redis://host:6379/0
    registry: {conflicts: error, history_limit: 100, audit_limit: 10000}
    server:
      host: 127.0.0.1
      port: 8765
      admin_token: env:TOOLSYNC_ADMIN_TOKEN    # state-changing calls need "Authorization: Bearer <it>"
      read_token: null                         # set it to protect every read endpoint too
      webhook_secret: env:WEBHOOK_SECRET       # HMAC-SHA256 key of POST /webhooks/reload
      webhook_tolerance: 300                   # seconds a signed timestamp stays valid
      tool_calls: admin                        # tool calls (HTTP and MCP): off | read | admin
      cors_origins: []                         # CORS is off unless origins are listed
      allowed_roots: [./specs]                 # folders POST /specs may read files from
      max_body_bytes: 1048576
      sse_ping: 15                             # seconds between SSE heartbeats
    reload: {debounce_ms: 50, poll_interval: null, force_polling: false}
    limits: {max_bytes: 67108864, max_depth: 256}          # toolsync.limits.Limits
    fetch: {timeout: 15, allow_private: false}             # toolsync.limits.FetchPolicy
    tools: {description_budget: 1024, strict: true}        # toolsync.convert.ToolOptions
    execution: {timeout: 30, max_response_bytes: 1000000, max_retries: 2, allow_private: false}
    log_level: info

A secret (``admin_token``, ``read_token``, ``webhook_secret``) may be written inline or as
``env:VAR``; either way it is kept in a :class:`Secret`, whose ``repr`` and ``str`` never show it.

Environment overrides (they win over the file): ``TOOLSYNC_CONFIG`` (the file), ``TOOLSYNC_HOST``,
``TOOLSYNC_PORT``, ``TOOLSYNC_ADMIN_TOKEN``, ``TOOLSYNC_READ_TOKEN``, ``TOOLSYNC_WEBHOOK_SECRET``,
``TOOLSYNC_STORE`` (``sqlite:///path``, ``memory://``, ``redis://…``), ``TOOLSYNC_LOG_LEVEL``,
``TOOLSYNC_ALLOW_PRIVATE`` (fetching and calling), ``TOOLSYNC_TOOL_CALLS``.

Example:
    >>> settings = load_settings()          # doctest: +SKIP
    >>> settings.server.port
    8765
"""

from __future__ import annotations

import dataclasses
import hmac
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import yaml

from .config import SpecConfig
from .convert.options import ToolOptions
from .errors import ConfigError
from .limits import FetchPolicy, Limits

__all__ = [
    "CONFIG_NAMES",
    "ExecutionSettings",
    "RegistrySettings",
    "ReloadOptions",
    "Secret",
    "ServerSettings",
    "Settings",
    "StoreSettings",
    "allow_private",
    "apply_env",
    "find_config_file",
    "is_config_file",
    "load_settings",
    "settings_from_mapping",
]

#: The file names looked for in the working folder, in order.
CONFIG_NAMES: tuple[str, ...] = ("toolsync.yaml", "toolsync.yml", "toolsync.toml")

ToolCalls = Literal["off", "read", "admin"]
_LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Secret:
    """
    A token or key from the configuration. ``repr``/``str`` show ``***``, never the value.

    Compare with :meth:`matches` (constant time); read the value with :meth:`reveal` only where
    it is used (an HMAC key, a header check).
    """

    value: str = field(repr=False)
    origin: str = "inline"  # "inline", "env:VAR" or "environment"

    def reveal(self) -> str:
        return self.value

    def matches(self, candidate: str | bytes) -> bool:
        """True when ``candidate`` equals the secret (constant-time)."""
        given = candidate.encode() if isinstance(candidate, str) else candidate
        return hmac.compare_digest(self.value.encode(), given)

    def __str__(self) -> str:
        return "***"

    def __repr__(self) -> str:
        return f"Secret(origin={self.origin!r}, value='***')"


@dataclass(frozen=True, slots=True)
class StoreSettings:
    """Where the registry keeps its versions (see :func:`toolsync.stores.open_store`)."""

    url: str = "sqlite://.toolsync/registry.db"


@dataclass(frozen=True, slots=True)
class RegistrySettings:
    """How the registry resolves name conflicts and how much history it keeps."""

    conflicts: Literal["error", "namespace", "rename"] = "error"
    history_limit: int = 100
    audit_limit: int = 10_000


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """
    The HTTP service of ``toolsync serve``.

    With no ``admin_token`` the state-changing endpoints are refused (403): a token printed at
    start would end up in terminal scrollback and container logs. Reading is open unless
    ``read_token`` is set. ``tool_calls`` says who may call tools, with ``POST /tools/{name}/call``
    or MCP ``tools/call`` at ``/mcp`` (``toolsync mcp`` over stdio is the local user's own).
    """

    host: str = "127.0.0.1"
    port: int = 8765
    admin_token: Secret | None = None
    read_token: Secret | None = None
    webhook_secret: Secret | None = None
    webhook_tolerance: float = 300.0
    tool_calls: ToolCalls = "admin"
    cors_origins: tuple[str, ...] = ()
    allowed_roots: tuple[str, ...] = ()
    max_body_bytes: int = 1024 * 1024
    sse_ping: float = 15.0
    # Seconds POST /specs/{name}/reload waits for the reload's outcome before answering 202.
    reload_wait: float = 30.0

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port must be between 0 and 65535, not {self.port}")
        for name in ("webhook_tolerance", "sse_ping", "reload_wait"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be more than 0 seconds")
        if self.max_body_bytes < 1024:
            raise ConfigError(f"max_body_bytes must be at least 1024, not {self.max_body_bytes}")


@dataclass(frozen=True, slots=True)
class ReloadOptions:
    """Hot reload timing (the rest lives in :class:`toolsync.reload.ReloadSettings`)."""

    debounce_ms: float = 50.0
    poll_interval: float | None = None  # overrides every spec's poll_interval when set
    force_polling: bool = False


@dataclass(frozen=True, slots=True)
class ExecutionSettings:
    """Bounds of tool calls made by the server (per-spec parts live in the spec entries)."""

    timeout: float = 30.0
    max_response_bytes: int = 1_000_000
    max_retries: int = 2
    allow_private: bool = False
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything ``toolsync serve`` reads from the configuration file and the environment."""

    specs: tuple[SpecConfig, ...] = ()
    store: StoreSettings = field(default_factory=StoreSettings)
    registry: RegistrySettings = field(default_factory=RegistrySettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    reload: ReloadOptions = field(default_factory=ReloadOptions)
    limits: Limits = field(default_factory=Limits)
    fetch: FetchPolicy = field(default_factory=FetchPolicy)
    tools: ToolOptions = field(default_factory=ToolOptions)
    execution: ExecutionSettings = field(default_factory=ExecutionSettings)
    log_level: str = "info"
    #: The file the settings were read from (None: defaults and environment only).
    path: str | None = None

    def secrets(self) -> tuple[str, ...]:
        """The configured secret values (for log redaction)."""
        server = self.server
        found = (server.admin_token, server.read_token, server.webhook_secret)
        return tuple(s.reveal() for s in found if s is not None and s.reveal())


# -- finding and reading the file ----------------------------------------------------------------


def find_config_file(folder: str | os.PathLike[str] | None = None) -> Path | None:
    """
    The configuration file in ``folder`` (default: the working folder), or None.

    Raises:
        ConfigError: more than one of :data:`CONFIG_NAMES` exists, so the choice would be a guess.
    """
    base = Path(folder) if folder is not None else Path.cwd()
    found = [base / name for name in CONFIG_NAMES if (base / name).is_file()]
    if len(found) > 1:
        raise ConfigError(f"found {' and '.join(p.name for p in found)}; keep one of them", source=str(base))
    return found[0] if found else None


def is_config_file(path: str | os.PathLike[str]) -> bool:
    """Does ``path`` name a toolsync configuration file rather than a spec? (By name, then by its keys.)"""
    candidate = Path(path)
    if not candidate.is_file():
        return False
    if candidate.suffix == ".toml" or candidate.name in CONFIG_NAMES:
        return True
    if candidate.suffix.lower() not in (".yaml", ".yml"):
        return False
    try:
        with candidate.open("rb") as handle:
            head = handle.read(64 * 1024)
        document = yaml.load(head, Loader=_Loader)
    except (OSError, yaml.YAMLError):
        return False
    keys = set(document) if isinstance(document, dict) else set()
    return bool(keys) and not keys & {"openapi", "swagger"} and keys <= _SECTIONS


def load_settings(
    path: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> Settings:
    """
    Read the configuration: ``path``, else ``$TOOLSYNC_CONFIG``, else a :data:`CONFIG_NAMES` file in
    ``cwd``, else defaults; then apply the ``TOOLSYNC_*`` environment overrides.

    Raises:
        ConfigError: the file is missing or unreadable, has unknown keys or wrong types, or an
            ``env:VAR`` secret names a variable that is not set.
    """
    environ = os.environ if env is None else env
    chosen = path if path is not None else environ.get("TOOLSYNC_CONFIG") or find_config_file(cwd)
    if chosen is None:
        return apply_env(Settings(), environ)
    file = Path(chosen).expanduser()
    data = _read_file(file)
    settings = settings_from_mapping(data, source=str(file), base=file.parent.resolve(), env=environ)
    return apply_env(settings, environ)


def _read_file(file: Path) -> Mapping[str, Any]:
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise ConfigError("the configuration file does not exist", source=str(file)) from None
    except OSError as exc:
        raise ConfigError(f"the configuration file cannot be read: {exc.strerror or exc}", source=str(file)) from None
    document = _parse_toml(raw, file) if file.suffix.lower() == ".toml" else _parse_yaml(raw, file)
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError(f"the configuration must be a mapping of sections, not {_kind(document)}",
                          source=str(file))
    return document


def _parse_toml(raw: bytes, file: Path) -> Any:
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("the configuration file is not UTF-8 text", source=str(file)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", source=str(file)) from None


def _parse_yaml(raw: bytes, file: Path) -> Any:
    try:
        return yaml.load(raw, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"not valid YAML{where}: {problem}", source=str(file)) from None


_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# -- building the settings -------------------------------------------------------------------------

_SECTIONS = frozenset({"specs", "store", "registry", "server", "reload", "limits", "fetch", "tools",
                       "execution", "log_level"})
_SECTION_TYPES: dict[str, type[Any]] = {
    "store": StoreSettings, "registry": RegistrySettings, "server": ServerSettings, "reload": ReloadOptions,
    "limits": Limits, "fetch": FetchPolicy, "tools": ToolOptions, "execution": ExecutionSettings,
}


def settings_from_mapping(
    data: Mapping[str, Any],
    *,
    source: str = "configuration",
    base: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """
    Settings from an already parsed document (``source`` names it in errors; relative paths are
    taken from ``base``, default the working folder). Environment overrides are not applied.
    """
    reader = _Reader(source, base or Path.cwd(), os.environ if env is None else env)
    unknown = sorted(set(data) - _SECTIONS, key=str)
    if unknown:
        raise ConfigError(f"unknown section {unknown[0]!r}; known sections: {', '.join(sorted(_SECTIONS))}",
                          source=source)
    values: dict[str, Any] = {"path": source if source != "configuration" else None}
    for section, cls in _SECTION_TYPES.items():
        if section in data:
            values[section] = reader.dataclass(cls, data[section], section)
    if "log_level" in data:
        values["log_level"] = _log_level(reader.value(str, data["log_level"], "log_level"), source)
    values = _resolve_paths(values, reader)
    limits, fetch = values.get("limits", Limits()), values.get("fetch", FetchPolicy())
    raw_specs = data.get("specs") or []
    if not isinstance(raw_specs, list):
        raise ConfigError(f"specs must be a list of spec entries, not {_kind(raw_specs)}", source=source)
    values["specs"] = tuple(reader.spec(entry, f"specs[{i}]", limits, fetch) for i, entry in enumerate(raw_specs))
    return Settings(**values)


def _resolve_paths(values: dict[str, Any], reader: _Reader) -> dict[str, Any]:
    server: ServerSettings | None = values.get("server")
    if server is not None and server.allowed_roots:
        roots = tuple(reader.path(root) for root in server.allowed_roots)
        values["server"] = dataclasses.replace(server, allowed_roots=roots)
    store: StoreSettings | None = values.get("store")
    if store is not None:
        values["store"] = StoreSettings(url=_store_url(store.url, reader))
    return values


def _store_url(url: str, reader: _Reader) -> str:
    text = url.strip()
    if text.startswith("sqlite://") and not text.startswith("sqlite:///") and len(text) > len("sqlite://"):
        return "sqlite:///" + reader.path(text[len("sqlite://"):]).lstrip("/")
    if "://" not in text and text:
        return reader.path(text)
    return text


def _log_level(value: str, source: str) -> str:
    level = value.strip().lower()
    if level not in _LOG_LEVELS:
        raise ConfigError(f"log_level must be one of {', '.join(_LOG_LEVELS)}, not {value!r}", source=source)
    return level


# -- spec entries ---------------------------------------------------------------------------------

_SPEC_ALIASES = ("source", "path", "url")
_INCLUDE = {"tags": "include_tags", "paths": "include_paths", "methods": "include_methods"}
_EXCLUDE = {"tags": "exclude_tags", "paths": "exclude_paths", "operations": "exclude_operations"}
_SPEC_EXTRA = {"include", "exclude", "allow_private", *_SPEC_ALIASES}


class _Reader:
    """Turns plain values into typed ones, naming the file and the field in every error."""

    def __init__(self, source: str, base: Path, env: Mapping[str, str]) -> None:
        self.source, self.base, self.env = source, base, env

    def fail(self, where: str, message: str) -> ConfigError:
        return ConfigError(f"{where}: {message}", source=self.source)

    def path(self, text: str) -> str:
        expanded = Path(text).expanduser()
        return str(expanded if expanded.is_absolute() else (self.base / expanded))

    def dataclass(self, cls: type[Any], data: Any, where: str, *, skip: frozenset[str] = frozenset()) -> Any:
        if not isinstance(data, Mapping):
            raise self.fail(where, f"expected a mapping of settings, got {_kind(data)}")
        hints = _hints(cls)
        known = {f.name for f in dataclasses.fields(cls) if f.init}
        unknown = sorted(set(data) - known - skip, key=str)
        if unknown:
            raise self.fail(f"{where}.{unknown[0]}", f"unknown key; known keys: {', '.join(sorted(known))}")
        values = {k: self.value(hints[k], v, f"{where}.{k}") for k, v in data.items() if k in known}
        try:
            return cls(**values)
        except ConfigError as exc:
            raise self.fail(where, exc.message) from None
        except (TypeError, ValueError) as exc:
            raise self.fail(where, str(exc)) from None

    def spec(self, entry: Any, where: str, limits: Limits, fetch: FetchPolicy) -> SpecConfig:
        if isinstance(entry, str):
            entry = {"source": entry}
        if not isinstance(entry, Mapping):
            raise self.fail(where, f"expected a source string or a mapping, got {_kind(entry)}")
        given = [alias for alias in _SPEC_ALIASES if alias in entry]
        if len(given) != 1:
            raise self.fail(where, "give exactly one of source, path or url" if given
                            else "the spec entry needs a source (a file, folder or URL)")
        flat = {k: v for k, v in entry.items() if k not in _SPEC_EXTRA}
        flat["source"] = self._source(self.value(str, entry[given[0]], f"{where}.{given[0]}"))
        flat.update(self._filters(entry, "include", _INCLUDE, where))
        flat.update(self._filters(entry, "exclude", _EXCLUDE, where))
        overrides = {k: flat.pop(k) for k in ("limits", "fetch") if k in flat}
        config: SpecConfig = self.dataclass(SpecConfig, flat, where)
        own_limits = self._merged(Limits, limits, overrides.get("limits"), f"{where}.limits")
        own_fetch = self._merged(FetchPolicy, fetch, overrides.get("fetch"), f"{where}.fetch")
        if "allow_private" in entry:
            allow = self.value(bool, entry["allow_private"], f"{where}.allow_private")
            own_fetch = dataclasses.replace(own_fetch, allow_private=allow)
        return dataclasses.replace(config, limits=own_limits, fetch=own_fetch)

    def _source(self, text: str) -> str:
        if not text.strip():
            raise ConfigError("a spec source is empty", source=self.source)
        return text if "://" in text else self.path(text)

    def _filters(self, entry: Mapping[str, Any], key: str, names: Mapping[str, str], where: str) -> dict[str, Any]:
        raw = entry.get(key)
        if raw is None:
            return {}
        if not isinstance(raw, Mapping):
            raise self.fail(f"{where}.{key}", f"expected a mapping with {', '.join(names)}, got {_kind(raw)}")
        unknown = sorted(set(raw) - set(names), key=str)
        if unknown:
            raise self.fail(f"{where}.{key}.{unknown[0]}", f"unknown key; known keys: {', '.join(names)}")
        return {names[k]: v for k, v in raw.items()}

    def _merged(self, cls: type[Any], base: Any, data: Any, where: str) -> Any:
        if data is None:
            return base
        own = self.dataclass(cls, data, where)
        given = {k: getattr(own, k) for k in data}
        return dataclasses.replace(base, **given)

    # -- values --------------------------------------------------------------------------------

    def value(self, tp: Any, raw: Any, where: str) -> Any:
        """``raw`` checked and converted to the type ``tp``."""
        origin, args = get_origin(tp), get_args(tp)
        if origin in (Union, types.UnionType):
            return self._union(args, raw, where)
        if origin is Literal:
            if raw not in args:
                raise self.fail(where, f"must be one of {', '.join(map(repr, args))}, not {raw!r}")
            return raw
        if origin is tuple:
            return self._tuple(args[0], raw, where)
        if origin is not None and issubclass(origin, Mapping):
            return self._mapping(args[1], raw, where)
        if tp is Secret:
            return self._secret(raw, where)
        if isinstance(tp, type) and issubclass(tp, Enum):
            return self._enum(tp, raw, where)
        if dataclasses.is_dataclass(tp):
            return self.dataclass(typing.cast(type[Any], tp), raw, where)
        return self._scalar(tp, raw, where)

    def _union(self, args: tuple[Any, ...], raw: Any, where: str) -> Any:
        if raw is None:
            if type(None) in args:
                return None
            raise self.fail(where, "must not be empty")
        rest = [a for a in args if a is not type(None)]
        return self.value(rest[0] if len(rest) == 1 else Union[tuple(rest)], raw, where)  # noqa: UP007

    def _tuple(self, item: Any, raw: Any, where: str) -> tuple[Any, ...]:
        if not isinstance(raw, list | tuple):
            raise self.fail(where, f"expected a list, got {_kind(raw)}")
        return tuple(self.value(item, v, f"{where}[{i}]") for i, v in enumerate(raw))

    def _mapping(self, item: Any, raw: Any, where: str) -> dict[str, Any]:
        if not isinstance(raw, Mapping):
            raise self.fail(where, f"expected a mapping, got {_kind(raw)}")
        out: dict[str, Any] = {}
        for key, value in raw.items():
            if not isinstance(key, str):
                raise self.fail(where, f"keys must be strings, not {_kind(key)}")
            out[key] = self.value(item, value, f"{where}.{key}")
        return out

    def _enum(self, tp: type[Enum], raw: Any, where: str) -> Enum:
        try:
            return tp(raw)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in tp)
            raise self.fail(where, f"must be one of {allowed}, not {raw!r}") from None

    def _secret(self, raw: Any, where: str) -> Secret:
        text = self._scalar(str, raw, where)
        if not text:
            raise self.fail(where, "must not be empty; leave the key out instead")
        if not text.startswith("env:"):
            return Secret(text, "inline")
        name = text[4:].strip()
        if not _ENV_NAME.match(name):
            raise self.fail(where, f"env:{name} is not a valid environment variable name")
        value = self.env.get(name)
        if not value:
            raise self.fail(where, f"refers to the environment variable {name}, which is not set or empty")
        return Secret(value, f"env:{name}")

    def _scalar(self, tp: Any, raw: Any, where: str) -> Any:
        if tp is Any:
            return raw
        if tp is float and isinstance(raw, int | float) and not isinstance(raw, bool):
            return float(raw)
        if tp in (str, int, bool) and type(raw) is tp:
            return raw
        names = {str: "a string", int: "an integer", bool: "true or false", float: "a number"}
        raise self.fail(where, f"expected {names.get(tp, getattr(tp, '__name__', str(tp)))}, got {_kind(raw)}")


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    found = _HINTS.get(cls)
    if found is None:
        found = _HINTS[cls] = typing.get_type_hints(cls)
    return found


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "an integer",
             float: "a number"}
    return names.get(type(value), type(value).__name__)


# -- environment ----------------------------------------------------------------------------------


def apply_env(settings: Settings, env: Mapping[str, str]) -> Settings:
    """``settings`` with the ``TOOLSYNC_*`` variables of ``env`` applied (they win over the file)."""
    server = dataclasses.replace(settings.server, **_server_env(env))
    out = dataclasses.replace(settings, server=server)
    if store := env.get("TOOLSYNC_STORE", "").strip():
        out = dataclasses.replace(out, store=StoreSettings(url=store))
    if level := env.get("TOOLSYNC_LOG_LEVEL", "").strip():
        out = dataclasses.replace(out, log_level=_log_level(level, "TOOLSYNC_LOG_LEVEL"))
    if "TOOLSYNC_ALLOW_PRIVATE" in env:
        out = allow_private(out, _env_bool(env, "TOOLSYNC_ALLOW_PRIVATE"))
    return out


def allow_private(settings: Settings, allowed: bool = True) -> Settings:
    """``settings`` letting (or not) every spec be fetched from, and every tool call reach, private addresses."""
    fetch = dataclasses.replace(settings.fetch, allow_private=allowed)
    specs = tuple(dataclasses.replace(s, fetch=dataclasses.replace(s.fetch, allow_private=allowed))
                  for s in settings.specs)
    execution = dataclasses.replace(settings.execution, allow_private=allowed)
    return dataclasses.replace(settings, fetch=fetch, specs=specs, execution=execution)


def _server_env(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if host := env.get("TOOLSYNC_HOST", "").strip():
        out["host"] = host
    if "TOOLSYNC_PORT" in env:
        out["port"] = _env_port(env["TOOLSYNC_PORT"])
    for var, name in (("TOOLSYNC_ADMIN_TOKEN", "admin_token"), ("TOOLSYNC_READ_TOKEN", "read_token"),
                      ("TOOLSYNC_WEBHOOK_SECRET", "webhook_secret")):
        if value := env.get(var, ""):
            out[name] = Secret(value, "environment")
    if calls := env.get("TOOLSYNC_TOOL_CALLS", "").strip():
        if calls not in ("off", "read", "admin"):
            raise ConfigError(f"must be off, read or admin, not {calls!r}", source="TOOLSYNC_TOOL_CALLS")
        out["tool_calls"] = calls
    return out


def _env_port(text: str) -> int:
    try:
        port = int(text.strip())
    except ValueError:
        raise ConfigError(f"must be a port number, not {text!r}", source="TOOLSYNC_PORT") from None
    if not 0 <= port <= 65535:
        raise ConfigError(f"must be between 0 and 65535, not {port}", source="TOOLSYNC_PORT")
    return port


def _env_bool(env: Mapping[str, str], name: str) -> bool:
    text = env[name].strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"must be true or false, not {env[name]!r}", source=name)
