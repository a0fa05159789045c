"""
Build the HTTP request for one tool call. Pure: no I/O, no environment, same input same bytes.

Arguments can never change where a request goes: path values are percent-encoded (``/``, ``?``
and ``#`` included) and ``.``/``..`` segments are refused, query and cookie values are encoded,
header values are validated, and headers that steer the connection cannot be set by arguments.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..errors import ArgumentError, ExecutionError
from ..ir import MediaType, Operation, Parameter, ParamLocation
from ..tool import ArgLocation, ArgumentBinding, Tool
from ._body import EncodedBody, encode_body, is_json_media
from ._params import (
    check_header_value,
    is_dot_segment,
    serialize_cookie,
    serialize_header,
    serialize_path,
    serialize_query,
)
from ._servers import base_url
from .config import ExecutionConfig
from .credentials import ResolvedCredentials

__all__ = ["FORBIDDEN_HEADERS", "build_request"]

# Headers that decide where and how the request travels; never taken from arguments.
FORBIDDEN_HEADERS = frozenset({
    "host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te",
    "trailer", "proxy-authorization", "proxy-connection", "cookie", "content-type", "authorization",
    "expect", "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
})

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_DEFAULT_STYLE = {
    ArgLocation.PATH: ("simple", False),
    ArgLocation.QUERY: ("form", True),
    ArgLocation.HEADER: ("simple", False),
    ArgLocation.COOKIE: ("form", True),
}


@dataclass
class _Parts:
    path: dict[str, str] = field(default_factory=dict)
    query: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    whole: list[Any] = field(default_factory=list)


def build_request(
    tool: Tool,
    arguments: Mapping[str, Any],
    config: ExecutionConfig,
    *,
    credentials: ResolvedCredentials | None = None,
) -> httpx.Request:
    """
    The ``httpx.Request`` that carries out ``tool`` with ``arguments``.

    Raises:
        ArgumentError: an argument is unknown, missing, of a shape its location cannot carry,
            or would alter the request's target (dot segments, CR/LF in headers, ``Host``).
        ExecutionError: the server URL cannot be determined (relative URL, variable not in enum).

    Example::

        request = build_request(get_pet, {"petId": "a/b"}, ExecutionConfig(server_url="https://x.test"))
        request.url.raw_path  # b'/pets/a%2Fb': one segment, never two
    """
    parts = _collect(tool, arguments)
    op = tool.operation
    url = base_url(op, config, source=tool.spec_name).rstrip("/") + _fill_path(op.path, parts.path)
    query = _query(parts.query, credentials)
    headers = _headers(tool, config, parts, credentials)
    body = _body(tool, parts)
    if body is not None:
        headers["Content-Type"] = body.content_type
    try:
        return httpx.Request(
            op.method.upper(),
            url + ("?" + query if query else ""),
            # httpx would encode str values as ASCII; Latin-1 was validated and is what HTTP allows.
            headers=[(k.encode("ascii"), v.encode("latin-1")) for k, v in headers.items()],
            content=body.content if body is not None else None,
            extensions={"timeout": httpx.Timeout(config.timeout).as_dict()},
        )
    except httpx.InvalidURL as exc:
        raise ExecutionError(f"the server URL is not usable ({exc}); check server_url and server_variables",
                             source=tool.spec_name) from exc


def _collect(tool: Tool, arguments: Mapping[str, Any]) -> _Parts:
    parts = _Parts()
    bindings = {b.argument: b for b in tool.bindings}
    for name in arguments:
        if name not in bindings:
            known = ", ".join(sorted(bindings)) or "none"
            raise ArgumentError(f"unknown argument {name!r}; this tool accepts: {known}", source=tool.name)
    for binding in tool.bindings:
        value = arguments.get(binding.argument)
        if value is None:
            if binding.required and binding.location != ArgLocation.BODY_FIELD:
                raise ArgumentError(f"missing required argument {binding.argument!r}", source=tool.name)
            continue
        _place(tool.operation, binding, value, parts)
    return parts


def _style(op: Operation, binding: ArgumentBinding) -> tuple[str, bool, str | None]:
    style, explode = _DEFAULT_STYLE[binding.location]
    param = _parameter(op, binding)
    if param is not None:
        style, explode = param.style, param.explode
    content_type = binding.content_type or (param.content_type if param else None)
    return binding.style or style, explode if binding.explode is None else binding.explode, content_type


def _parameter(op: Operation, binding: ArgumentBinding) -> Parameter | None:
    location = ParamLocation(binding.location.value)
    return next((p for p in op.parameters if p.name == binding.name and p.location == location), None)


def _place(op: Operation, binding: ArgumentBinding, value: Any, parts: _Parts) -> None:
    loc, name = binding.location, binding.name
    if loc == ArgLocation.BODY_FIELD:
        parts.fields[name] = value
    elif loc == ArgLocation.BODY:
        parts.whole.append(value)
    else:
        style, explode, content_type = _style(op, binding)
        if loc == ArgLocation.PATH:
            parts.path[name] = serialize_path(name, value, style, explode, content_type)
        elif loc == ArgLocation.QUERY:
            parts.query += serialize_query(name, value, style, explode,
                                           allow_reserved=binding.allow_reserved, content_type=content_type)
        elif loc == ArgLocation.HEADER:
            _check_header_name(name)
            parts.headers[name] = serialize_header(name, value, explode, content_type)
        else:
            parts.cookies += serialize_cookie(name, value, explode, content_type)


def _check_header_name(name: str) -> None:
    if not _TOKEN.match(name):
        raise ArgumentError(f"header name {name!r} is not a valid HTTP field name")
    if name.lower() in FORBIDDEN_HEADERS or name.lower().startswith(("proxy-", "sec-")):
        raise ArgumentError(f"header {name!r} controls the connection and cannot be set by an argument")


def _fill_path(template: str, values: Mapping[str, str]) -> str:
    path = template
    for name, text in values.items():
        path = path.replace("{" + name + "}", text)
    if "{" in path and "}" in path:
        missing = path[path.index("{") + 1 : path.index("}")]
        raise ArgumentError(f"missing required path argument {missing!r}")
    for segment in path.split("/"):
        if is_dot_segment(segment):
            raise ArgumentError("the path arguments produce a '.' or '..' segment, which would change the path")
    return path if path.startswith("/") else "/" + path


def _query(pieces: list[str], credentials: ResolvedCredentials | None) -> str:
    if credentials is not None:
        pieces = pieces + [serialize_query(k, v, "form", True)[0] for k, v in credentials.query.items()]
    return "&".join(pieces)


def _headers(
    tool: Tool, config: ExecutionConfig, parts: _Parts, credentials: ResolvedCredentials | None
) -> dict[str, str]:
    headers = {k: check_header_value(v, f"configured header {k!r}") for k, v in config.headers.items()}
    accept = _accept(tool.operation)
    if accept:
        headers["Accept"] = accept
    headers.update(parts.headers)
    cookies = list(parts.cookies)
    if credentials is not None:
        headers.update(credentials.headers)
        cookies += [f"{k}={v}" for k, v in credentials.cookies.items()]
    if cookies:
        headers["Cookie"] = "; ".join(cookies)
    bad = [name for name in headers if not _TOKEN.match(name)]
    if bad:
        raise ExecutionError(f"header name {bad[0]!r} from the configuration or a security scheme is not a "
                             "valid HTTP field name", source=tool.spec_name)
    return headers


def _accept(op: Operation) -> str:
    response = op.success_response()
    types = [m.media_type for m in response.content] if response else []
    return ", ".join(dict.fromkeys(types))


def _body(tool: Tool, parts: _Parts) -> EncodedBody | None:
    body = tool.operation.request_body
    if body is None:
        if parts.fields or parts.whole:
            raise ArgumentError("this operation takes no request body", source=tool.name)
        return None
    media = _media(tool, body.content, body.preferred())
    if parts.whole:
        value: Any = parts.whole[0]
        if parts.fields and isinstance(value, Mapping):
            value = {**value, **parts.fields}
    elif parts.fields:
        value = parts.fields
    elif body.required:
        value = {} if media is not None and _takes_object(media) else None
        if value is None:
            raise ArgumentError("missing the required request body", source=tool.name)
    else:
        return None
    if media is None:
        raise ArgumentError("the operation's request body declares no media type", source=tool.name)
    return encode_body(value, media, _body_schema(tool))


def _media(tool: Tool, content: tuple[MediaType, ...], preferred: MediaType | None) -> MediaType | None:
    wanted = next((b.media_type for b in tool.bindings if b.media_type and b.location in
                   (ArgLocation.BODY, ArgLocation.BODY_FIELD)), None)
    if wanted is not None:
        match = next((m for m in content if m.media_type == wanted), None)
        return match or MediaType(media_type=wanted, schema={})
    return preferred


def _takes_object(media: MediaType) -> bool:
    name = media.media_type.lower()
    return is_json_media(name) or "form" in name


def _body_schema(tool: Tool) -> Mapping[str, Any] | None:
    """The body's schema as the tool shows it: the whole-body argument, or the tool's own input."""
    whole = next((b for b in tool.bindings if b.location == ArgLocation.BODY), None)
    props: Mapping[str, Any] = tool.input_schema.get("properties", {})
    if whole is not None:
        schema = props.get(whole.argument)
        return schema if isinstance(schema, Mapping) else None
    renamed = {b.name: props.get(b.argument, {}) for b in tool.bindings if b.location == ArgLocation.BODY_FIELD}
    return {"type": "object", "properties": renamed}
