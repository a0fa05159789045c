"""
Every error toolsync raises derives from :class:`ToolsyncError`.

Hierarchy::

    * ToolsyncError
      x ConfigError              configuration file or option is wrong
      x SourceError              a spec could not be read (missing file, unreachable URL, too large)
        + FetchBlockedError      the fetch guard refused a path or URL (outside root, private address)
      x SpecError                the bytes were read but are not a usable spec
        + ParseError             not valid JSON/YAML (has line/column when known)
        + LimitError             size, depth, alias or expansion limit exceeded
        + UnsupportedSpecError   Swagger 1.2, not an API description, unknown version
        + RefError               a $ref cannot be resolved or is not allowed
        + SpecValidationError    the spec gate found structural errors
      x ConversionError          an operation cannot become a valid tool
      x ToolValidationError      a rendered tool breaks a provider's rules
      x RegistryError
        + ToolNotFoundError
        + NameConflictError      two specs produce the same tool name
        + BreakingChangeError    a policy blocked a breaking change
        + HistoryError           a version asked for is not kept
      x StoreError               persistence failed
        + StoreCorruptError      the database is damaged or not a toolsync store
        + StoreConflictError     another writer committed first (optimistic concurrency)
      x ExecutionError           a tool call could not be carried out
        + ArgumentError          the call's arguments do not fit the tool
        + OutboundBlockedError   the request would leave the allowed servers
        + UpstreamError          the API answered with a transport failure
        + ToolChangedError       the tool was removed or changed by a reload
      x ProviderError            a model provider's SDK failed a request (agent loops)
      x AuthError                a webhook signature or admin token was refused

Each error carries the ``source`` (file path, URL or spec name) and, where it applies,
a JSON ``pointer``; ``str(error)`` puts both in front of the message.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ArgumentError",
    "AuthError",
    "BreakingChangeError",
    "ConfigError",
    "ConversionError",
    "ExecutionError",
    "FetchBlockedError",
    "HistoryError",
    "LimitError",
    "NameConflictError",
    "OutboundBlockedError",
    "ParseError",
    "ProviderError",
    "RefError",
    "RegistryError",
    "SourceError",
    "SpecError",
    "SpecValidationError",
    "StoreConflictError",
    "StoreCorruptError",
    "StoreError",
    "ToolChangedError",
    "ToolNotFoundError",
    "ToolValidationError",
    "ToolsyncError",
    "UnsupportedSpecError",
    "UpstreamError",
]


class ToolsyncError(Exception):
    """Base class of every toolsync error."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        pointer: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.pointer = pointer
        self.details: dict[str, Any] = dict(details or {})
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.source:
            where = self.source
        if self.pointer:
            where = f"{where} at {self.pointer}" if where else f"at {self.pointer}"
        return f"{where}: {self.message}" if where else self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments need help to survive pickling (multiprocessing, caches).
        return (_rebuild, (type(self), self.message, self.source, self.pointer, self.details))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description for APIs, events and ``--json`` output."""
        out: dict[str, Any] = {"error": type(self).__name__, "message": self.message}
        if self.source:
            out["source"] = self.source
        if self.pointer:
            out["pointer"] = self.pointer
        if self.details:
            out["details"] = self.details
        return out


def _rebuild(
    cls: type[ToolsyncError], message: str, source: str | None, pointer: str | None, details: dict[str, Any]
) -> ToolsyncError:
    err = cls.__new__(cls)
    ToolsyncError.__init__(err, message, source=source, pointer=pointer, details=details)
    return err


class ConfigError(ToolsyncError):
    """The configuration file or an option is wrong."""


class SourceError(ToolsyncError):
    """A spec could not be read: missing file, unreachable URL, too large, bad encoding."""


class FetchBlockedError(SourceError):
    """The fetch guard refused a path or URL (outside the allowed root, private address, bad scheme)."""


class SpecError(ToolsyncError):
    """The bytes were read but do not form a usable spec."""


class ParseError(SpecError):
    """The document is not valid JSON or YAML."""


class LimitError(SpecError):
    """A size, nesting-depth, alias or expansion limit was exceeded."""


class UnsupportedSpecError(SpecError):
    """The document is not Swagger 2.0 or OpenAPI 3.0/3.1 (or not an API description at all)."""


class RefError(SpecError):
    """A ``$ref`` cannot be resolved, escapes its allowed roots, or is not allowed."""


class SpecValidationError(SpecError):
    """The spec gate found structural errors in the document."""


class ConversionError(ToolsyncError):
    """An operation cannot be turned into a valid tool."""


class ToolValidationError(ToolsyncError):
    """A rendered tool breaks a provider's rules."""


class RegistryError(ToolsyncError):
    """A registry operation was refused."""


class ToolNotFoundError(RegistryError):
    """No tool of that name is registered."""


class NameConflictError(RegistryError):
    """Two specs produce the same tool name; set a namespace or a conflict policy."""


class BreakingChangeError(RegistryError):
    """A breaking change was blocked by the spec's policy."""


class HistoryError(RegistryError):
    """The version asked for is not in the kept history."""


class StoreError(ToolsyncError):
    """The store could not read or write."""


class StoreCorruptError(StoreError):
    """The database is damaged or is not a toolsync store; start with ``--reset-store`` to replace it."""


class StoreConflictError(StoreError):
    """Another writer committed first: the commit's base version is no longer the latest."""


class ExecutionError(ToolsyncError):
    """A tool call could not be carried out."""


class ArgumentError(ExecutionError):
    """The call's arguments do not fit the tool's input schema."""


class OutboundBlockedError(ExecutionError):
    """The request would go to a host outside the spec's servers or to a private address."""


class UpstreamError(ExecutionError):
    """The API could not be reached or failed at the transport level."""


class ToolChangedError(ExecutionError):
    """The tool was removed or changed by a reload after the model saw it."""


class ProviderError(ToolsyncError):
    """The model provider's SDK failed a request (network, status, bad reply); the cause is chained."""


class AuthError(ToolsyncError):
    """A webhook signature, timestamp or admin token was refused."""
