"""
Execution fidelity: build each operation's request from generated arguments and have
``openapi-core`` validate it against the original document.

Arguments are generated deterministically from each tool's input schema: once with only the
required fields and once with every field.
"""

from __future__ import annotations

import asyncio
import base64
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl

import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.exceptions import OpenAPIError
from werkzeug.datastructures import Headers, ImmutableMultiDict

from toolsync.errors import ToolsyncError
from toolsync.execute import CredentialResolver, ExecutionConfig, build_request
from toolsync.tool import Tool

_FORMATS = {
    "date": "2024-01-02", "date-time": "2024-01-02T03:04:05Z", "time": "03:04:05", "email": "a@example.com",
    "uuid": "123e4567-e89b-12d3-a456-426614174000", "uri": "https://example.com/x", "ipv4": "192.0.2.1",
    "hostname": "example.com", "int32": "1", "int64": "1",
}
_CANDIDATES = ("abc", "a1", "abc-1", "ABC", "1", "a", "x@example.com", "2024-01-02")


class HttpxOpenAPIRequest:
    """An ``httpx.Request`` seen through openapi-core's Request protocol."""

    def __init__(self, request: httpx.Request) -> None:
        self.request = request
        cookies = SimpleCookie()
        cookies.load(request.headers.get("cookie", ""))
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(request.url.query.decode(), keep_blank_values=True)),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict({k: v.value for k, v in cookies.items()}),
        )

    @property
    def host_url(self) -> str:
        return f"{self.request.url.scheme}://{self.request.url.netloc.decode()}"

    @property
    def path(self) -> str:
        return self.request.url.raw_path.decode().split("?", 1)[0]

    @property
    def method(self) -> str:
        return self.request.method.lower()

    @property
    def body(self) -> bytes | None:
        return self.request.content or None

    @property
    def content_type(self) -> str:
        return self.request.headers.get("content-type", "")


def sample(schema: Any, root: Mapping[str, Any], *, full: bool, depth: int = 0) -> Any:
    """A valid value for ``schema`` (the common keywords; enough for API parameter schemas)."""
    if not isinstance(schema, Mapping) or depth > 6:
        return "abc"
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        return sample(root.get("$defs", {}).get(name, {}), root, full=full, depth=depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return next((v for v in schema["enum"] if v is not None), schema["enum"][0])
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            return sample(schema[key][0], root, full=full, depth=depth + 1)
    if schema.get("allOf"):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged = _merge(merged, part)
        return sample(_merge(merged, {k: v for k, v in schema.items() if k != "allOf"}), root, full=full,
                      depth=depth + 1)
    kind = _type(schema)
    maker = {"object": _object, "array": _array, "string": _string, "integer": _number, "number": _number,
             "boolean": lambda *_a, **_k: True, "null": lambda *_a, **_k: None}[kind]
    return maker(schema, root, full=full, depth=depth)


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    out = {**a, **b}
    if "properties" in a or "properties" in b:
        out["properties"] = {**a.get("properties", {}), **b.get("properties", {})}
        out["required"] = [*a.get("required", []), *b.get("required", [])]
    return out


def _type(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
    return str(kind)


def _object(schema: Mapping[str, Any], root: Mapping[str, Any], *, full: bool, depth: int) -> dict[str, Any]:
    required = set(schema.get("required", ()))
    props = schema.get("properties", {})
    take = [n for n in props if n in required or (full and depth < 3)]
    return {n: sample(props[n], root, full=full, depth=depth + 1) for n in take}


def _array(schema: Mapping[str, Any], root: Mapping[str, Any], *, full: bool, depth: int) -> list[Any]:
    count = max(int(schema.get("minItems", 1)), 1)
    count = min(count, int(schema.get("maxItems", count)))
    item = sample(schema.get("items", {}), root, full=full, depth=depth + 1)
    if schema.get("uniqueItems") and count > 1:
        return [item] + [sample({"type": "integer", "minimum": i}, root, full=full) for i in range(1, count)]
    return [item] * count


def _string(schema: Mapping[str, Any], root: Mapping[str, Any], *, full: bool, depth: int) -> str:
    if schema.get("contentEncoding") == "base64" or schema.get("format") in ("byte", "binary"):
        return base64.b64encode(b"data").decode()
    pattern = schema.get("pattern")
    value = _FORMATS.get(str(schema.get("format")), "abc")
    if pattern:
        value = next((c for c in (value, *_CANDIDATES) if re.search(pattern, c)), value)
    low, high = int(schema.get("minLength", 0)), int(schema.get("maxLength", 10_000))
    if len(value) < low:
        value = value + "a" * (low - len(value))
    return value[:high] if high >= low else value


def _number(schema: Mapping[str, Any], root: Mapping[str, Any], *, full: bool, depth: int) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    value: float = 1 if low is None else low + (1 if "exclusiveMinimum" in schema and "minimum" not in schema
                                                 else 0)
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if high is not None and value > high:
        value = high
    multiple = schema.get("multipleOf")
    if multiple:
        value = multiple * max(1, round(value / multiple))
    if _type(schema) == "integer":
        return int(value)
    return value + 0.5 if (high is None or value + 0.5 <= high) and not multiple else value


@dataclass(frozen=True)
class Outcome:
    tool: str
    variant: str
    error: str | None


_ENV = {"FIDELITY_TOKEN": "token-value", "FIDELITY_USER": "user", "FIDELITY_PASS": "password"}


def with_test_credentials(config: ExecutionConfig) -> ExecutionConfig:
    """``config`` with every security scheme mapped to test variables (see ``_ENV``)."""
    mapping = {}
    for name, scheme in config.security_schemes.items():
        two = scheme.scheme == "basic" or "clientCredentials" in scheme.flows
        mapping[name] = "FIDELITY_USER:FIDELITY_PASS" if two else "FIDELITY_TOKEN"
    return replace(config, credentials=mapping)


async def _token_endpoint(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"access_token": "issued-token", "expires_in": 60})


def check_tools(document: Mapping[str, Any], tools: Iterable[Tool], config: ExecutionConfig) -> list[Outcome]:
    """Build and validate a minimal and a full call of every tool; one outcome per call."""
    openapi = OpenAPI.from_dict(dict(document))
    config = with_test_credentials(config)
    resolver = CredentialResolver(env=_ENV)
    out = []
    for tool in tools:
        for variant in ("required", "full"):
            arguments = sample(tool.input_schema, tool.input_schema, full=variant == "full")
            out.append(Outcome(tool.name, variant, _validate(openapi, tool, arguments, config, resolver)))
    return out


def _validate(
    openapi: OpenAPI, tool: Tool, arguments: Any, config: ExecutionConfig, resolver: CredentialResolver
) -> str | None:
    try:
        base = "https://api.example.com"
        credentials = asyncio.run(resolver.resolve(tool.operation, config, base=base, send=_token_endpoint))
        request = build_request(tool, arguments, config, credentials=credentials)
        with warnings.catch_warnings():
            # openapi-core cannot check oauth2 schemes and says so with a warning.
            warnings.filterwarnings("ignore", "Unsupported scheme type", UserWarning)
            openapi.validate_request(HttpxOpenAPIRequest(request))
    except (ToolsyncError, OpenAPIError) as exc:
        cause = exc.__cause__ or exc
        return f"{type(exc).__name__}: {exc} ({cause}) with {arguments}"
    return None
