"""``GET /tools``, ``GET /tools/{name}`` and ``POST /tools/{name}/call``."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..execute import ErrorType, ToolResult
from ..formats import PROVIDERS, neutral_arguments
from ..registry import RegisteredTool, Snapshot
from ._context import context, tools_etag
from ._inputs import Fields, parse_object, query_str, read_body
from .problems import ApiError, dumps, json_response

__all__ = ["call_tool", "get_tool", "list_tools"]

DEFAULT_PROVIDER = "openai"


async def list_tools(request: Request) -> Response:
    """Every tool's definition for one provider, optionally of one spec or tag, with an ETag."""
    ctx = context(request)
    ctx.access.require_read(request)
    provider = _provider(request) or DEFAULT_PROVIDER
    spec, tag = query_str(request, "spec"), query_str(request, "tag")
    snapshot = ctx.registry.snapshot
    etag = tools_etag(snapshot, provider, spec, tag)
    headers = {"ETag": etag, "X-Toolsync-Version": str(snapshot.version), "Cache-Control": "no-cache"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    body = ctx.rendered.get(etag)
    if body is None:
        body = dumps({"version": snapshot.version, "provider": provider,
                      "tools": _definitions(snapshot, provider, spec, tag)})
        ctx.rendered.put(etag, body)
    return Response(body, media_type="application/json", headers=headers)


async def get_tool(request: Request) -> Response:
    """One tool: every provider's definition, or one provider's with ``?provider=``."""
    ctx = context(request)
    ctx.access.require_read(request)
    provider = _provider(request)
    snapshot = ctx.registry.snapshot
    tool = _tool(snapshot, request.path_params["name"])
    body = _describe(tool, snapshot.version)
    if provider is None:
        body["definitions"] = dict(tool.definitions)
    else:
        definition = tool.definitions.get(provider)
        if definition is None:
            raise ApiError(404, "not_rendered", f"tool {tool.name!r} was not accepted by the {provider} rules; "
                           f"it is available for {', '.join(sorted(tool.definitions)) or 'no provider'}",
                           source=tool.name)
        body.update(provider=provider, definition=definition)
    return json_response(body, headers={"X-Toolsync-Version": str(snapshot.version)})


async def call_tool(request: Request) -> Response:
    """
    Call a tool against its API: ``{"arguments": {...}, "schema_hash"?: "..."}``.

    With ``schema_hash`` (the hash the caller saw) a tool changed since then is not called: the
    result is a ``tool_changed`` error carrying the new input schema.
    """
    ctx = context(request)
    ctx.access.require_call(request)
    fields = Fields(parse_object(await read_body(request, ctx.settings.server.max_body_bytes), required=False))
    arguments = fields.mapping("arguments") or {}
    seen = fields.text("schema_hash", limit=128)
    fields.done()
    snapshot = ctx.registry.snapshot
    tool = _tool(snapshot, request.path_params["name"])
    if seen is not None and seen != tool.schema_hash:
        result = _changed(tool)
    else:
        await asyncio.to_thread(ctx.service.execution.prepare, tool.spec_name)
        result = await ctx.service.executor.call(tool.tool, neutral_arguments(tool.tool, arguments))
    return json_response({"tool": tool.name, "version": snapshot.version, "schema_hash": tool.schema_hash,
                          "result": result.to_dict()})


def _provider(request: Request) -> str | None:
    provider = query_str(request, "provider")
    if provider is not None and provider not in PROVIDERS:
        raise ApiError(422, "invalid_request", f"unknown provider {provider!r}; choose one of {', '.join(PROVIDERS)}")
    return provider


def _tool(snapshot: Snapshot, name: str) -> RegisteredTool:
    tool = snapshot.tools.get(name)
    if tool is None:
        raise ApiError(404, "unknown_tool", f"no tool named {name!r} is registered (version {snapshot.version})",
                       source=name)
    return tool


def _definitions(snapshot: Snapshot, provider: str, spec: str | None, tag: str | None) -> Any:
    if spec is None and tag is None:
        return snapshot.rendered(provider)
    return [t.definitions[provider] for t in snapshot.tools.values()
            if provider in t.definitions and (spec is None or t.spec_name == spec)
            and (tag is None or tag in t.tool.operation.tags)]


def _describe(tool: RegisteredTool, version: int) -> dict[str, Any]:
    op = tool.tool.operation
    return {"version": version, "name": tool.name, "spec": tool.spec_name, "spec_version": tool.spec_version,
            "schema_hash": tool.schema_hash, "registered_at": tool.registered_at, "operation": op.key,
            "tags": list(op.tags), "description": tool.tool.description}


def _changed(tool: RegisteredTool) -> ToolResult:
    return ToolResult.failure(
        ErrorType.TOOL_CHANGED,
        f"tool {tool.name!r} changed since it was read; check the new input schema and call again",
        tool=tool.name, removed=False, input_schema=dict(tool.tool.input_schema), schema_hash=tool.schema_hash)


def _matches(header: str | None, etag: str) -> bool:
    """``If-None-Match`` against our strong ETag (weak comparison, as RFC 9110 asks for GET)."""
    if not header:
        return False
    tags = [t.strip() for t in header.split(",")]
    return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)
