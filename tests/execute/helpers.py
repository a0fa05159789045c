"""Hand-built operations and tools for execution tests (independent of the loader and converter)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from toolsync.ir import (
    MediaType,
    Operation,
    Parameter,
    ParamLocation,
    RequestBody,
    Response,
    SecurityScheme,
    Server,
    ServerVariable,
    Spec,
)
from toolsync.tool import ArgLocation, ArgumentBinding, Tool

_DEFAULT_STYLE = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}


def param(
    name: str,
    location: str,
    schema: Mapping[str, Any] | None = None,
    *,
    required: bool = False,
    style: str | None = None,
    explode: bool | None = None,
    allow_reserved: bool = False,
    content_type: str | None = None,
) -> Parameter:
    """A Parameter with OpenAPI's default style/explode for its location."""
    style = style or _DEFAULT_STYLE[location]
    return Parameter(
        name=name, location=ParamLocation(location), schema=schema or {"type": "string"},
        required=required or location == "path", style=style,
        explode=(style == "form") if explode is None else explode, allow_reserved=allow_reserved,
        content_type=content_type,
    )


def operation(
    method: str,
    path: str,
    params: Sequence[Parameter] = (),
    *,
    body: RequestBody | None = None,
    servers: Sequence[Server] = (Server(url="https://api.example.com/v1"),),
    security: Sequence[Mapping[str, tuple[str, ...]]] = (),
    responses: Sequence[Response] = (),
) -> Operation:
    return Operation(method=method, path=path, parameters=tuple(params), request_body=body,
                     servers=tuple(servers), security=tuple(security), responses=tuple(responses))


def body(media_type: str, schema: Mapping[str, Any], *, required: bool = True,
         encoding: Mapping[str, Mapping[str, Any]] | None = None) -> RequestBody:
    return RequestBody(content=(MediaType(media_type, schema, encoding or {}),), required=required)


def _tool_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The tool's view of a spec schema: raw binary becomes base64 text."""
    if schema.get("format") == "binary" or ("contentMediaType" in schema and "contentEncoding" not in schema):
        return {"type": "string", "contentEncoding": "base64"}
    if schema.get("type") == "array" and isinstance(schema.get("items"), Mapping):
        return {**schema, "items": _tool_schema(schema["items"])}
    return dict(schema)


def make_tool(op: Operation, *, name: str = "tool", spec_name: str = "test", content_hash: str = "") -> Tool:
    """A Tool whose arguments are the operation's parameters and body fields, named as in the spec."""
    props: dict[str, Any] = {}
    required: list[str] = []
    bindings: list[ArgumentBinding] = []
    for p in op.parameters:
        props[p.name] = dict(p.schema)
        bindings.append(ArgumentBinding(p.name, ArgLocation(p.location.value), p.name, required=p.required))
        if p.required:
            required.append(p.name)
    if op.request_body is not None:
        media = op.request_body.preferred()
        assert media is not None
        schema = media.schema
        if schema.get("type") == "object" and "properties" in schema:
            for prop, sub in schema["properties"].items():
                props[prop] = _tool_schema(sub)
                is_required = prop in schema.get("required", ()) and op.request_body.required
                bindings.append(ArgumentBinding(prop, ArgLocation.BODY_FIELD, prop, required=is_required,
                                                media_type=media.media_type))
                if is_required:
                    required.append(prop)
        else:
            props["body"] = _tool_schema(schema)
            bindings.append(ArgumentBinding("body", ArgLocation.BODY, "body", required=op.request_body.required,
                                            media_type=media.media_type))
            if op.request_body.required:
                required.append("body")
    input_schema: dict[str, Any] = {"type": "object", "properties": props, "required": required,
                                    "additionalProperties": False}
    if op.defs:
        input_schema["$defs"] = dict(op.defs)
    return Tool(name=name, description="", input_schema=input_schema, bindings=tuple(bindings), operation=op,
                spec_name=spec_name, content_hash=content_hash or f"hash-{name}-{id(op)}")


def _server(doc_server: Mapping[str, Any]) -> Server:
    variables = {k: ServerVariable(default=str(v["default"]), enum=tuple(v.get("enum", ())))
                 for k, v in doc_server.get("variables", {}).items()}
    return Server(url=doc_server["url"], variables=variables)


def _media(content: Mapping[str, Any]) -> tuple[MediaType, ...]:
    return tuple(MediaType(k, v.get("schema", {}), v.get("encoding", {})) for k, v in content.items())


def spec_from_document(doc: Mapping[str, Any], *, name: str = "upstream", source: str = "upstream.json") -> Spec:
    """A Spec from a simple 3.1 document without $refs (enough for the upstream test API)."""
    servers = tuple(_server(s) for s in doc.get("servers", ()))
    ops = []
    for path, item in doc["paths"].items():
        for method, raw in item.items():
            params = tuple(
                param(p["name"], p["in"], p.get("schema"), required=p.get("required", False),
                      style=p.get("style"), explode=p.get("explode"))
                for p in raw.get("parameters", ())
            )
            rb = raw.get("requestBody")
            request_body = RequestBody(_media(rb["content"]), required=rb.get("required", False)) if rb else None
            responses = tuple(Response(code, r.get("description", ""), _media(r.get("content", {})))
                              for code, r in raw.get("responses", {}).items())
            security = tuple({k: tuple(v) for k, v in req.items()} for req in raw.get("security", doc.get(
                "security", ())))
            ops.append(Operation(method=method, path=path, operation_id=raw.get("operationId"), parameters=params,
                                 request_body=request_body, responses=responses, servers=servers,
                                 security=security))
    schemes = {
        k: SecurityScheme(name=k, type=v["type"], location=v.get("in"), parameter_name=v.get("name"),
                          scheme=v.get("scheme"), flows=v.get("flows", {}))
        for k, v in doc.get("components", {}).get("securitySchemes", {}).items()
    }
    return Spec(name=name, source=source, title=doc["info"]["title"], version=doc["info"]["version"],
                openapi_version=doc["openapi"], operations=tuple(ops), servers=servers,
                security_schemes=schemes, document=doc)


def tools_by_operation_id(spec: Spec) -> dict[str, Tool]:
    return {op.operation_id or op.key: make_tool(op, name=op.operation_id or op.key, spec_name=spec.name)
            for op in spec.operations}
