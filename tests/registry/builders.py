"""Hand-made tools and compiled specs, so registry tests need neither the loader nor the converter."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import orjson

from toolsync.config import BreakingPolicy, SpecConfig
from toolsync.ir import MediaType, Operation, Parameter, ParamLocation, RequestBody, Response, Server, Spec
from toolsync.pipeline import CompiledSpec
from toolsync.tool import ArgLocation, ArgumentBinding, Tool

SERVERS = (Server("https://api.example.test/v1"),)


def operation(name: str, *, path: str | None = None, method: str = "get", required: tuple[str, ...] = (),
              params: tuple[str, ...] = ("limit",), body: bool = False) -> Operation:
    """An operation with query parameters ``params`` (``required`` among them) and maybe a JSON body."""
    parameters = tuple(Parameter(p, ParamLocation.QUERY, {"type": "integer"}, required=p in required)
                       for p in params)
    request = None
    if body:
        request = RequestBody((MediaType("application/json", {"type": "object", "properties": {
            "title": {"type": "string"}}}),), required=True)
    return Operation(method=method, path=path or f"/{name}", operation_id=name, summary=f"Run {name}",
                     parameters=parameters, request_body=request,
                     responses=(Response("200", "OK", (MediaType("application/json", {"type": "object"}),)),),
                     servers=SERVERS)


def tool(name: str, spec: str = "pets", *, version: str = "1.0.0", description: str | None = None,
         op: Operation | None = None, **op_args: Any) -> Tool:
    """A tool whose input schema follows its operation's parameters; its content hash is real."""
    op = op or operation(name, **op_args)
    props = {p.name: dict(p.schema) for p in op.parameters}
    schema = {"type": "object", "properties": props, "required": [p.name for p in op.parameters if p.required]}
    bindings = tuple(ArgumentBinding(p.name, ArgLocation.QUERY, p.name, p.required) for p in op.parameters)
    text = description if description is not None else f"Run {name}."
    digest = hashlib.sha256(orjson.dumps([name, text, schema, op.method, op.path], option=orjson.OPT_SORT_KEYS))
    return Tool(name=name, description=text, input_schema=schema, bindings=bindings, operation=op, spec_name=spec,
                spec_version=version, title=name, content_hash=digest.hexdigest())


def definitions(t: Tool) -> dict[str, dict[str, Any]]:
    """Small but well-formed definitions for two providers."""
    return {
        "openai": {"type": "function", "name": t.name, "description": t.description,
                   "parameters": dict(t.input_schema), "strict": False},
        "mcp": {"name": t.name, "title": t.title, "description": t.description,
                "inputSchema": dict(t.input_schema)},
    }


def compiled(spec: str, tools: Iterable[Tool], *, version: str = "1.0.0", policy: BreakingPolicy = BreakingPolicy.WARN,
             source: str | None = None, rendered: Mapping[str, Mapping[str, Any]] | None = None) -> CompiledSpec:
    """A CompiledSpec as the pipeline would hand it to the registry."""
    tools = list(tools)
    ir = Spec(name=spec, source=source or f"{spec}.yaml", title=spec.title(), version=version,
              openapi_version="3.1.0", operations=tuple(t.operation for t in tools), servers=SERVERS,
              fingerprint=hashlib.sha256(f"{spec}{version}{[t.content_hash for t in tools]}".encode()).hexdigest())
    by_provider: dict[str, dict[str, Any]] = {}
    for t in tools:
        for provider, definition in (rendered or {}).get(t.name, definitions(t)).items():
            by_provider.setdefault(provider, {})[t.name] = definition
    config = SpecConfig(source=ir.source, name=spec, policy=policy)
    return CompiledSpec(config, ir, MappingProxyType({t.name: t for t in tools}), MappingProxyType(by_provider))


def spec_of(name: str, names: Iterable[str], *, version: str = "1.0.0", policy: BreakingPolicy = BreakingPolicy.WARN,
            **tool_args: Any) -> CompiledSpec:
    """A compiled spec with one simple tool per name."""
    return compiled(name, [tool(n, name, version=version, **tool_args) for n in names], version=version,
                    policy=policy)
