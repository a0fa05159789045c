"""Which base URL a call goes to, and which hosts a call (or a redirect) may reach."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from ..errors import ExecutionError
from ..ir import Operation, Server
from .config import ExecutionConfig

__all__ = ["HostRule", "allowed_hosts", "base_url", "host_rule"]

_VARIABLE = re.compile(r"\{([^{}]*)\}")
_BAD_VALUE = re.compile(r"[\x00-\x20\x7f]")
# Enum combinations tried when listing a templated server's possible hosts.
_MAX_EXPANSIONS = 64


def base_url(operation: Operation, config: ExecutionConfig, *, source: str | None = None) -> str:
    """The absolute base URL: ``server_url`` override, else the first server with variables set."""
    if config.server_url:
        return _absolute(config.server_url, config, source)
    server = operation.servers[0] if operation.servers else Server(url="/")
    return _absolute(_substitute(server, config.server_variables, source), config, source)


def _substitute(server: Server, values: Mapping[str, str], source: str | None) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        variable = server.variables.get(name)
        if variable is None:
            raise ExecutionError(
                f"server {server.url!r} uses variable {{{name}}} that it does not declare; "
                "set server_url in the spec's configuration",
                source=source,
            )
        value = values.get(name, variable.default)
        if variable.enum and value not in variable.enum:
            raise ExecutionError(
                f"server variable {name!r} is {value!r}, but the spec allows only "
                f"{', '.join(variable.enum)}; fix server_variables in the configuration",
                source=source,
            )
        if _BAD_VALUE.search(value):
            raise ExecutionError(f"server variable {name!r} holds spaces or control characters",
                                 source=source)
        return value

    return _VARIABLE.sub(one, server.url)


def _absolute(url: str, config: ExecutionConfig, source: str | None) -> str:
    if url.startswith(("http://", "https://")):
        return url
    if config.source_url and config.source_url.startswith(("http://", "https://")):
        return urljoin(config.source_url, url)
    raise ExecutionError(
        f"the server URL {url!r} is relative and the spec was not loaded from a URL; "
        "set server_url in the spec's configuration to the API's base URL",
        source=source,
    )


@dataclass(frozen=True, slots=True)
class HostRule:
    """A host (``api.example.com`` or ``*.example.com``) and optionally the one port it allows."""

    host: str
    port: int | None = None

    def matches(self, host: str, port: int) -> bool:
        host = host.lower().rstrip(".")
        if self.port is not None and self.port != port:
            return False
        if self.host.startswith("*."):
            return host.endswith(self.host[1:])
        return host == self.host

    def __str__(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"


def host_rule(entry: str) -> HostRule:
    """Parse ``host``, ``host:port``, ``[v6]:port``, ``*.suffix`` or a URL into a :class:`HostRule`."""
    if "://" in entry:
        parts = urlsplit(entry)
        default = 443 if parts.scheme == "https" else 80
        return HostRule((parts.hostname or "").lower(), parts.port or default)
    parts = urlsplit("//" + entry)
    return HostRule((parts.hostname or "").lower().rstrip("."), parts.port)


def allowed_hosts(operation: Operation, config: ExecutionConfig, extra: tuple[str, ...] = ()) -> list[HostRule]:
    """Every origin the operation's servers can name, the override, ``allowed_hosts`` and ``extra`` URLs."""
    urls = [*_server_urls(operation, config), *extra]
    if config.server_url:
        urls.append(config.server_url)
    rules = [host_rule(url) for url in urls]
    rules += [host_rule(entry) for entry in config.allowed_hosts]
    return [r for r in rules if r.host]


def _server_urls(operation: Operation, config: ExecutionConfig) -> Iterator[str]:
    for server in operation.servers or (Server(url="/"),):
        for values in _variable_choices(server, config):
            try:
                yield _absolute(_substitute(server, values, None), config, None)
            except ExecutionError:
                continue  # a server that cannot be reached adds no host


def _variable_choices(server: Server, config: ExecutionConfig) -> Iterator[Mapping[str, str]]:
    names = list(server.variables)
    options = [server.variables[n].enum or (server.variables[n].default,) for n in names]
    yield dict(config.server_variables)
    for combo in itertools.islice(itertools.product(*options), _MAX_EXPANSIONS):
        yield dict(zip(names, combo, strict=True))
