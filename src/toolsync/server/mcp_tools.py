"""
``tools/list`` and ``tools/call`` over a registry, as the MCP server answers them.

:class:`ToolCatalog` turns the current snapshot's MCP definitions into validated
``mcp.types.Tool`` models once per snapshot and pages through them by name, so a cursor stays
valid across reloads. :class:`ToolCaller` resolves a tool in the *current* snapshot, runs it
through the executor and turns the :class:`~toolsync.execute.ToolResult` into a
``CallToolResult``; every failure is a result with ``isError: true``, never a protocol error.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import mcp_types as types
import orjson
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, best_match
from mcp.shared.exceptions import MCPError
from pydantic import ValidationError

from ..errors import ConfigError
from ..execute import Executor, ToolResult
from ..registry import RegisteredTool, Registry, Snapshot

__all__ = ["DEFAULT_PAGE_SIZE", "ToolCaller", "ToolCatalog", "decode_cursor", "encode_cursor"]

log = logging.getLogger("toolsync.mcp")

#: Tools per ``tools/list`` page. Large specs have thousands of operations; clients follow ``nextCursor``.
DEFAULT_PAGE_SIZE = 500
PROVIDER = "mcp"
_CURSOR_PREFIX = "after:"


def encode_cursor(last_name: str) -> str:
    """The opaque ``nextCursor`` for the page that starts after tool ``last_name``."""
    return base64.urlsafe_b64encode((_CURSOR_PREFIX + last_name).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The tool name a cursor continues after; an MCP ``invalid params`` error when it is not ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith(_CURSOR_PREFIX):
        raise MCPError(types.INVALID_PARAMS, f"the cursor {cursor[:40]!r} was not given out by this server; "
                       "list the tools again without a cursor")
    return text[len(_CURSOR_PREFIX):]


@dataclass(frozen=True, slots=True)
class _Listing:
    """One snapshot's MCP tools, sorted by name."""

    snapshot: Snapshot
    names: tuple[str, ...]
    tools: tuple[types.Tool, ...]


class ToolCatalog:
    """The current snapshot's MCP tools, validated as ``mcp.types.Tool`` once per snapshot."""

    def __init__(self, registry: Registry, *, page_size: int = DEFAULT_PAGE_SIZE) -> None:
        if page_size < 1:
            raise ConfigError(f"the MCP page size must be at least 1 tool, not {page_size}", source="mcp")
        self._registry = registry
        self.page_size = page_size
        self._listing: _Listing | None = None

    def listing(self) -> _Listing:
        """The validated tools of the registry's current snapshot (built on first use after a change)."""
        snapshot = self._registry.snapshot
        cached = self._listing
        if cached is not None and cached.snapshot is snapshot:
            return cached
        pairs = sorted(_validated(snapshot), key=lambda tool: tool.name)
        listing = _Listing(snapshot, tuple(t.name for t in pairs), tuple(pairs))
        self._listing = listing
        return listing

    def page(self, cursor: str | None) -> types.ListToolsResult:
        """One page of tools: from the start, or after the tool a previous page's cursor names."""
        listing = self.listing()
        start = bisect.bisect_right(listing.names, decode_cursor(cursor)) if cursor else 0
        end = start + self.page_size
        more = end < len(listing.tools)
        return types.ListToolsResult(tools=list(listing.tools[start:end]),
                                     next_cursor=encode_cursor(listing.names[end - 1]) if more else None)

    def input_schema(self, name: str) -> Mapping[str, Any] | None:
        """A listed tool's input schema, or None (the SDK checks ``Mcp-Param-*`` headers against it)."""
        registered = self._registry.snapshot.tools.get(name)
        definition = registered.definitions.get(PROVIDER) if registered is not None else None
        schema = definition.get("inputSchema") if definition is not None else None
        return schema if isinstance(schema, Mapping) else None


def _validated(snapshot: Snapshot) -> list[types.Tool]:
    """Every MCP definition that is a valid ``mcp.types.Tool``; the others are logged and left out."""
    out: list[types.Tool] = []
    for definition in snapshot.rendered(PROVIDER):
        try:
            out.append(types.Tool.model_validate(dict(definition), by_name=False))
        except ValidationError as exc:
            log.warning("tool %r is left out of tools/list: its MCP definition is not valid (%s)",
                        definition.get("name"), exc.errors()[0].get("msg", exc))
    return out


class ToolCaller:
    """Runs ``tools/call`` requests: current snapshot, executor, MCP result."""

    def __init__(self, registry: Registry, executor: Executor) -> None:
        self._registry = registry
        self._executor = executor
        # Per tool name: the content hash the validator was built for, and the validator.
        self._validators: dict[str, tuple[str, Draft202012Validator | None]] = {}

    async def call(self, name: str, arguments: Mapping[str, Any] | None) -> types.CallToolResult:
        """Call tool ``name``; unknown tools, bad arguments and API failures are ``isError`` results."""
        snapshot = self._registry.snapshot
        registered = snapshot.tools.get(name)
        if registered is None:
            return error_result("unknown_tool", f"no tool named {name!r} is registered (registry version "
                                f"{snapshot.version}); list the tools again and call one of those")
        if PROVIDER not in registered.definitions:
            return error_result("unknown_tool", f"tool {name!r} is not offered over MCP: its definition breaks "
                                "the MCP rules (the conversion report of its spec says why)")
        try:
            result = await self._executor.call(registered.tool, arguments)
        except Exception as exc:  # a failure below must end this call, never the session
            log.exception("tool %s failed unexpectedly", name)
            return error_result("internal_error", f"the call of {name!r} failed inside toolsync: "
                                f"{type(exc).__name__}: {exc}")
        return self._to_mcp(registered, result)

    def _to_mcp(self, registered: RegisteredTool, result: ToolResult) -> types.CallToolResult:
        text = _text(result.to_model_text())
        if not result.ok:
            return types.CallToolResult(content=text, is_error=True)
        schema = registered.definitions[PROVIDER].get("outputSchema")
        if not isinstance(schema, Mapping):
            return types.CallToolResult(content=text)
        problem = self._mismatch(registered, schema, result.body)
        if problem is not None:
            # The protocol requires structured content that fits a declared output schema; the
            # model still gets the answer, marked as not what the spec promised.
            return _unexpected(result, problem)
        return types.CallToolResult(content=text, structured_content=result.body)

    def _mismatch(self, registered: RegisteredTool, schema: Mapping[str, Any], body: Any) -> str | None:
        """Why ``body`` cannot be the structured content of a tool with ``schema``, or None when it can."""
        if not isinstance(body, dict):
            return "the answer is not a JSON object"
        cached = self._validators.get(registered.name)
        if cached is None or cached[0] != registered.schema_hash:
            cached = (registered.schema_hash, _validator(registered.name, schema))
            self._validators[registered.name] = cached
        validator = cached[1]
        error = best_match(validator.iter_errors(body)) if validator is not None else None
        return f"the answer does not fit the spec's response schema: {error.message}" if error else None


def _validator(name: str, schema: Mapping[str, Any]) -> Draft202012Validator | None:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        log.warning("the output schema of tool %s is not valid JSON Schema (%s); answers are not checked",
                    name, exc.message)
        return None
    return Draft202012Validator(dict(schema))


def error_result(kind: str, message: str, **extra: Any) -> types.CallToolResult:
    """An ``isError`` result whose text is the structured error as JSON."""
    payload = {"error": {"type": kind, "message": message, **extra}}
    return types.CallToolResult(content=_text(orjson.dumps(payload).decode()), is_error=True)


def _unexpected(result: ToolResult, problem: str) -> types.CallToolResult:
    message = f"the API answered HTTP {result.status} but {problem}; the answer is included as it came"
    payload = {"error": {"type": "unexpected_response", "status": result.status, "message": message},
               "body": result.body if result.body is not None else result.text}
    return types.CallToolResult(content=_text(orjson.dumps(payload, default=str).decode()), is_error=True)


def _text(text: str) -> list[types.ContentBlock]:
    return [types.TextContent(text=text)]
