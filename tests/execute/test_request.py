"""build_request: every parameter style, every body kind, servers and overrides."""

from __future__ import annotations

import base64
import email.parser
import email.policy
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs

import httpx
import orjson
import pytest

from toolsync.errors import ArgumentError, ExecutionError
from toolsync.execute import ExecutionConfig, ResolvedCredentials, build_request
from toolsync.ir import MediaType, RequestBody, Response, Server, ServerVariable
from toolsync.tool import ArgLocation, ArgumentBinding, Tool

from .helpers import body, make_tool, operation, param

CONFIG = ExecutionConfig(server_url="https://api.example.com/v1")
PRIMITIVE, ARRAY, OBJECT = 5, [3, 4, 5], {"role": "admin", "firstName": "Alex"}


def _build(op: Any, arguments: dict[str, Any], config: ExecutionConfig = CONFIG, **kw: Any) -> httpx.Request:
    return build_request(make_tool(op), arguments, config, **kw)


def _path_of(request: httpx.Request) -> str:
    return request.url.raw_path.decode().split("?", 1)[0]


def _query_of(request: httpx.Request) -> str:
    return request.url.query.decode()


PATH_CASES = [
    ("simple", False, PRIMITIVE, "5"),
    ("simple", False, ARRAY, "3,4,5"),
    ("simple", False, OBJECT, "role,admin,firstName,Alex"),
    ("simple", True, PRIMITIVE, "5"),
    ("simple", True, ARRAY, "3,4,5"),
    ("simple", True, OBJECT, "role=admin,firstName=Alex"),
    ("label", False, PRIMITIVE, ".5"),
    ("label", False, ARRAY, ".3,4,5"),
    ("label", False, OBJECT, ".role,admin,firstName,Alex"),
    ("label", True, PRIMITIVE, ".5"),
    ("label", True, ARRAY, ".3.4.5"),
    ("label", True, OBJECT, ".role=admin.firstName=Alex"),
    ("matrix", False, PRIMITIVE, ";id=5"),
    ("matrix", False, ARRAY, ";id=3,4,5"),
    ("matrix", False, OBJECT, ";id=role,admin,firstName,Alex"),
    ("matrix", True, PRIMITIVE, ";id=5"),
    ("matrix", True, ARRAY, ";id=3;id=4;id=5"),
    ("matrix", True, OBJECT, ";role=admin;firstName=Alex"),
]


@pytest.mark.parametrize(("style", "explode", "value", "expected"), PATH_CASES)
def test_path_styles(style: str, explode: bool, value: Any, expected: str) -> None:
    """Path parameters follow the OpenAPI style table for primitives, arrays and objects."""
    op = operation("get", "/users/{id}", [param("id", "path", style=style, explode=explode)])
    assert _path_of(_build(op, {"id": value})) == f"/v1/users/{expected}"


QUERY_CASES = [
    ("form", True, PRIMITIVE, "id=5"),
    ("form", True, ARRAY, "id=3&id=4&id=5"),
    ("form", True, OBJECT, "role=admin&firstName=Alex"),
    ("form", False, PRIMITIVE, "id=5"),
    ("form", False, ARRAY, "id=3,4,5"),
    ("form", False, OBJECT, "id=role,admin,firstName,Alex"),
    ("spaceDelimited", False, ARRAY, "id=3%204%205"),
    ("spaceDelimited", False, OBJECT, "id=role%20admin%20firstName%20Alex"),
    ("spaceDelimited", True, ARRAY, "id=3&id=4&id=5"),
    ("pipeDelimited", False, ARRAY, "id=3%7C4%7C5"),
    ("pipeDelimited", False, OBJECT, "id=role%7Cadmin%7CfirstName%7CAlex"),
    ("pipeDelimited", True, ARRAY, "id=3&id=4&id=5"),
    ("deepObject", True, OBJECT, "id%5Brole%5D=admin&id%5BfirstName%5D=Alex"),
    ("deepObject", True, {"a": {"b": 1}, "c": [1, 2]}, "id%5Ba%5D%5Bb%5D=1&id%5Bc%5D=1&id%5Bc%5D=2"),
    ("form", True, True, "id=true"),
    ("form", True, 1.5, "id=1.5"),
    ("form", True, "", "id="),
]


@pytest.mark.parametrize(("style", "explode", "value", "expected"), QUERY_CASES)
def test_query_styles(style: str, explode: bool, value: Any, expected: str) -> None:
    """Query parameters follow the OpenAPI style table, including deepObject and delimited styles."""
    op = operation("get", "/users", [param("id", "query", style=style, explode=explode)])
    assert _query_of(_build(op, {"id": value})) == expected


@pytest.mark.parametrize(
    ("allow_reserved", "expected"),
    [(False, "q=a%2Fb%3Fc%3A%40%26x%3Dy%23z%2B"), (True, "q=a/b?c:@%26x%3Dy%23z%2B")],
)
def test_query_allow_reserved(allow_reserved: bool, expected: str) -> None:
    """allowReserved keeps reserved characters readable but never those that split the query."""
    op = operation("get", "/s", [param("q", "query", allow_reserved=allow_reserved)])
    tool = replace(make_tool(op), bindings=(
        ArgumentBinding("q", ArgLocation.QUERY, "q", allow_reserved=allow_reserved),))
    assert _query_of(build_request(tool, {"q": "a/b?c:@&x=y#z+"}, CONFIG)) == expected


def test_query_param_with_content_is_json() -> None:
    """A parameter declared with a JSON ``content`` travels as percent-encoded JSON text."""
    op = operation("get", "/s", [param("f", "query", content_type="application/json")])
    assert parse_qs(_query_of(_build(op, {"f": {"a": [1, 2]}}))) == {"f": ['{"a":[1,2]}']}


HEADER_CASES = [
    (False, PRIMITIVE, "5"),
    (False, ARRAY, "3,4,5"),
    (False, OBJECT, "role,admin,firstName,Alex"),
    (True, ARRAY, "3,4,5"),
    (True, OBJECT, "role=admin,firstName=Alex"),
    (False, "café", "café"),
]


@pytest.mark.parametrize(("explode", "value", "expected"), HEADER_CASES)
def test_header_styles(explode: bool, value: Any, expected: str) -> None:
    """Header parameters use the simple style, unencoded (Latin-1 allowed)."""
    op = operation("get", "/h", [param("X-Id", "header", explode=explode)])
    assert _build(op, {"X-Id": value}).headers["X-Id"] == expected


COOKIE_CASES = [
    (True, PRIMITIVE, "id=5"),
    (False, ARRAY, "id=3,4,5"),
    (True, ARRAY, "id=3; id=4; id=5"),
    (False, OBJECT, "id=role,admin,firstName,Alex"),
    (True, OBJECT, "role=admin; firstName=Alex"),
    (True, "a b;c=d", "id=a%20b%3Bc%3Dd"),
]


@pytest.mark.parametrize(("explode", "value", "expected"), COOKIE_CASES)
def test_cookie_styles(explode: bool, value: Any, expected: str) -> None:
    """Cookie parameters use the form style; values are percent-encoded so ';' cannot add cookies."""
    op = operation("get", "/c", [param("id", "cookie", explode=explode)])
    assert _build(op, {"id": value}).headers["Cookie"] == expected


def test_all_locations_together() -> None:
    """Path, query, header and cookie arguments of one call all land in one request."""
    op = operation("get", "/pets/{petId}", [
        param("petId", "path"), param("limit", "query"), param("X-Trace", "header"), param("sid", "cookie"),
        param("unused", "query"),
    ])
    request = _build(op, {"petId": "7", "limit": 3, "X-Trace": "t-1", "sid": "abc"})
    assert str(request.url) == "https://api.example.com/v1/pets/7?limit=3"
    assert request.headers["X-Trace"] == "t-1"
    assert request.headers["Cookie"] == "sid=abc"
    assert request.method == "GET"


def test_json_body_fields_and_content_type() -> None:
    """BODY_FIELD arguments become one JSON object sent with the declared media type."""
    op = operation("post", "/pets", body=body("application/json", {"type": "object", "properties": {
        "name": {"type": "string"}, "tags": {"type": "array"}}}))
    request = _build(op, {"name": "Rex", "tags": ["a", "b"]})
    assert request.headers["Content-Type"] == "application/json"
    assert orjson.loads(request.content) == {"name": "Rex", "tags": ["a", "b"]}


def test_renamed_body_field_uses_request_name() -> None:
    """An argument renamed by the converter is sent under the body property's real name."""
    op = operation("post", "/pets", [param("id", "query")],
                   body=body("application/json", {"type": "object", "properties": {"id": {"type": "string"}}}))
    tool = Tool(name="t", description="", input_schema={"type": "object", "properties": {
        "id": {"type": "string"}, "body_id": {"type": "string"}}}, operation=op, spec_name="s", bindings=(
        ArgumentBinding("id", ArgLocation.QUERY, "id"),
        ArgumentBinding("body_id", ArgLocation.BODY_FIELD, "id", media_type="application/json")))
    request = build_request(tool, {"id": "q", "body_id": "b"}, CONFIG)
    assert _query_of(request) == "id=q"
    assert orjson.loads(request.content) == {"id": "b"}


@pytest.mark.parametrize("media_type", ["application/json", "application/merge-patch+json"])
def test_whole_json_body(media_type: str) -> None:
    """A non-object body is sent whole as JSON, +json types included."""
    op = operation("patch", "/items", body=body(media_type, {"type": "array"}))
    request = _build(op, {"body": [1, {"a": None}]})
    assert request.headers["Content-Type"] == media_type
    assert request.content == b'[1,{"a":null}]'


def test_required_empty_object_body_is_sent() -> None:
    """A required object body with no fields given is sent as ``{}``."""
    op = operation("post", "/ping", body=body("application/json", {"type": "object", "properties": {
        "note": {"type": "string"}}}))
    assert _build(op, {}).content == b"{}"


def test_optional_body_omitted() -> None:
    """An optional body with no arguments sends no body and no Content-Type."""
    op = operation("post", "/ping", body=body("application/json", {"type": "object", "properties": {
        "note": {"type": "string"}}}, required=False))
    request = _build(op, {})
    assert request.content == b""
    assert "Content-Type" not in request.headers


def test_form_body_with_encoding() -> None:
    """Form bodies use form style by default, and per-property encoding (JSON, pipes) when declared."""
    schema = {"type": "object", "properties": {"name": {}, "tags": {}, "meta": {}, "ids": {}}}
    encoding = {"meta": {"contentType": "application/json"}, "ids": {"style": "pipeDelimited", "explode": False}}
    op = operation("post", "/f", body=body("application/x-www-form-urlencoded", schema, encoding=encoding))
    request = _build(op, {"name": "Ann Lee", "tags": ["x", "y"], "meta": {"k": 1}, "ids": [1, 2]})
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.content == b"name=Ann%20Lee&tags=x&tags=y&meta=%7B%22k%22%3A1%7D&ids=1%7C2"
    assert parse_qs(request.content.decode()) == {
        "name": ["Ann Lee"], "tags": ["x", "y"], "meta": ['{"k":1}'], "ids": ["1|2"]}


def _multipart_parts(request: httpx.Request) -> list[Any]:
    raw = b"Content-Type: " + request.headers["Content-Type"].encode() + b"\r\n\r\n" + request.content
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    return list(message.iter_parts())


def test_multipart_body_with_files() -> None:
    """Multipart: binary parts are decoded from base64 and get file names; other parts are text or JSON."""
    schema = {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"},
        "photos": {"type": "array", "items": {"type": "string", "contentMediaType": "image/png"}},
        "note": {"type": "string"}, "meta": {"type": "object"}}}
    op = operation("post", "/upload", body=body("multipart/form-data", schema,
                                                encoding={"note": {"contentType": "text/markdown"}}))
    png = base64.b64encode(b"\x89PNG raw").decode()
    request = _build(op, {
        "file": base64.b64encode(b"\x00\x01binary").decode(),
        "photos": [f"data:image/png;name=cat%20one.png;base64,{png}", png],
        "note": "hi", "meta": {"a": 1},
    })
    parts = _multipart_parts(request)
    summary = [(p.get_param("name", header="content-disposition"), p.get_filename(), p.get_content_type(),
                p.get_payload(decode=True)) for p in parts]
    assert summary == [
        ("file", "file", "application/octet-stream", b"\x00\x01binary"),
        ("photos", "cat one.png", "image/png", b"\x89PNG raw"),
        ("photos", "photos", "image/png", b"\x89PNG raw"),
        ("note", None, "text/markdown", b"hi"),
        ("meta", None, "application/json", b'{"a":1}'),
    ]


def test_multipart_is_deterministic() -> None:
    """The same call builds the same bytes (the boundary derives from the content)."""
    op = operation("post", "/upload", body=body("multipart/form-data", {"type": "object", "properties": {
        "note": {"type": "string"}}}))
    first, second = _build(op, {"note": "x"}), _build(op, {"note": "x"})
    assert first.content == second.content
    assert first.headers["Content-Type"] == second.headers["Content-Type"]


def test_multipart_field_names_cannot_break_headers() -> None:
    """Quotes and line breaks in a file name are encoded, not allowed to end the part header."""
    op = operation("post", "/upload", body=body("multipart/form-data", {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}}))
    blob = base64.b64encode(b"x").decode()
    request = _build(op, {"file": f'data:text/plain;name=a%22%0D%0AX-Evil%3A 1;base64,{blob}'})
    assert b"\r\nX-Evil" not in request.content
    assert b'filename="a%22%0D%0AX-Evil: 1"' in request.content


@pytest.mark.parametrize(
    ("media_type", "value", "content", "content_type"),
    [
        ("text/plain", "héllo", "héllo".encode(), "text/plain; charset=utf-8"),
        ("text/plain; charset=utf-8", "x", b"x", "text/plain; charset=utf-8"),
        ("text/csv", {"a": 1}, b'{"a":1}', "text/csv; charset=utf-8"),
        ("application/xml", "<a/>", b"<a/>", "application/xml; charset=utf-8"),
        ("application/octet-stream", base64.b64encode(b"\xff\x00").decode(), b"\xff\x00",
         "application/octet-stream"),
        ("image/png", "data:image/png;base64," + base64.b64encode(b"PNG").decode(), b"PNG", "image/png"),
    ],
)
def test_text_and_binary_bodies(media_type: str, value: Any, content: bytes, content_type: str) -> None:
    """Text bodies are UTF-8; binary bodies are decoded from base64 (plain or data URL)."""
    op = operation("put", "/blob", body=body(media_type, {"type": "string"}))
    request = _build(op, {"body": value})
    assert request.content == content
    assert request.headers["Content-Type"] == content_type


def test_binary_body_rejects_bad_base64() -> None:
    """Binary content that is not base64 is an argument error, not a crash."""
    op = operation("put", "/blob", body=body("application/octet-stream", {"type": "string"}))
    with pytest.raises(ArgumentError, match="not valid base64"):
        _build(op, {"body": "not base64!!"})


def test_preferred_media_type_when_several() -> None:
    """With JSON and XML declared and no binding media type, JSON is chosen."""
    content = (MediaType("application/xml", {"type": "object"}), MediaType("application/json", {"type": "object"}))
    op = operation("post", "/x", body=RequestBody(content, required=True))
    tool = replace(make_tool(op), bindings=(ArgumentBinding("body", ArgLocation.BODY, "body"),))
    request = build_request(tool, {"body": {"a": 1}}, CONFIG)
    assert request.headers["Content-Type"] == "application/json"


SERVER = Server(
    url="https://{region}.api.example.com/{version}",
    variables={"region": ServerVariable("eu", ("eu", "us")), "version": ServerVariable("v1")},
)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (ExecutionConfig(), "https://eu.api.example.com/v1/ping"),
        (ExecutionConfig(server_variables={"region": "us", "version": "v2"}), "https://us.api.example.com/v2/ping"),
        (ExecutionConfig(server_url="http://localhost:8080/base/"), "http://localhost:8080/base/ping"),
        (ExecutionConfig(server_url="/relative", source_url="https://specs.example.com/api/openapi.json"),
         "https://specs.example.com/relative/ping"),
    ],
)
def test_server_selection(config: ExecutionConfig, expected: str) -> None:
    """The server comes from the override, else the first server with variables (defaults or configured)."""
    op = operation("get", "/ping", servers=[SERVER, Server("https://second.example.com")])
    assert str(_build(op, {}, config).url) == expected


def test_relative_server_resolved_against_source_url() -> None:
    """A relative server URL is resolved against the URL the spec was loaded from."""
    op = operation("get", "/ping", servers=[Server("/api/v3")])
    config = ExecutionConfig(source_url="https://petstore.example.com/openapi.json")
    assert str(_build(op, {}, config).url) == "https://petstore.example.com/api/v3/ping"


def test_no_servers_and_no_source_url_asks_for_server_url() -> None:
    """A spec without absolute servers, read from a file, needs server_url; the error says so."""
    op = operation("get", "/ping", servers=[])
    with pytest.raises(ExecutionError, match="set server_url"):
        _build(op, {}, ExecutionConfig())


def test_server_variable_not_in_enum() -> None:
    """A configured server variable outside its enum is refused with the allowed values."""
    op = operation("get", "/ping", servers=[SERVER])
    with pytest.raises(ExecutionError, match="allows only eu, us"):
        _build(op, {}, ExecutionConfig(server_variables={"region": "evil.example.com/x"}))


def test_undeclared_server_variable() -> None:
    """A server template using an undeclared variable is a clear error."""
    op = operation("get", "/ping", servers=[Server("https://{tenant}.example.com")])
    with pytest.raises(ExecutionError, match="does not declare"):
        _build(op, {}, ExecutionConfig())


def test_credentials_are_applied() -> None:
    """Resolved credentials add their header, query parameter and cookie."""
    op = operation("get", "/me", [param("sid", "cookie")])
    creds = ResolvedCredentials(schemes=("k",), headers={"Authorization": "Bearer tok"}, query={"key": "a b"},
                                cookies={"auth": "c"})
    request = _build(op, {"sid": "1"}, credentials=creds)
    assert request.headers["Authorization"] == "Bearer tok"
    assert _query_of(request) == "key=a%20b"
    assert request.headers["Cookie"] == "sid=1; auth=c"
    assert "tok" not in repr(creds)


def test_configured_headers_and_accept() -> None:
    """Configured headers are sent; Accept lists the success response's media types."""
    op = operation("get", "/x", responses=[Response("200", content=(MediaType("application/json", {}),))])
    request = _build(op, {}, ExecutionConfig(server_url="https://a.example", headers={"User-Agent": "ua/1"}))
    assert request.headers["User-Agent"] == "ua/1"
    assert request.headers["Accept"] == "application/json"


def test_timeout_travels_with_request() -> None:
    """The configured timeout is attached to the request for the client to honour."""
    op = operation("get", "/x")
    request = _build(op, {}, ExecutionConfig(server_url="https://a.example", timeout=2.5))
    assert request.extensions["timeout"] == {"connect": 2.5, "read": 2.5, "write": 2.5, "pool": 2.5}
