"""Hostile arguments: none of them can change where a request goes or what it carries."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from toolsync.errors import ArgumentError
from toolsync.execute import ExecutionConfig, build_request, validate_arguments
from toolsync.tool import ArgLocation, ArgumentBinding, Tool

from .helpers import body, make_tool, operation, param

CONFIG = ExecutionConfig(server_url="https://api.example.com/v1")
ITEM = operation("get", "/items/{id}/view", [param("id", "path")])


def _build(op: Any, arguments: dict[str, Any]) -> httpx.Request:
    return build_request(make_tool(op), arguments, CONFIG)


@pytest.mark.parametrize("value", ["..", ".", "%2e%2e", "%2E%2e", ".%2e", "%2e", "%252e%252e", "%2e."])
def test_dot_segments_refused(value: str) -> None:
    """'.' and '..' in any percent-encoded spelling are refused outright."""
    with pytest.raises(ArgumentError, match="relative path segment"):
        _build(ITEM, {"id": value})


@pytest.mark.parametrize(
    ("value", "raw_path"),
    [
        ("../admin", "/v1/items/..%2Fadmin/view"),
        ("../../admin", "/v1/items/..%2F..%2Fadmin/view"),
        ("a/b", "/v1/items/a%2Fb/view"),
        ("a?b", "/v1/items/a%3Fb/view"),
        ("a#b", "/v1/items/a%23b/view"),
        ("a b%", "/v1/items/a%20b%25/view"),
        ("http://evil.example/x", "/v1/items/http%3A%2F%2Fevil.example%2Fx/view"),
        ("//evil.example", "/v1/items/%2F%2Fevil.example/view"),
        ("@evil.example", "/v1/items/%40evil.example/view"),
        ("\\..\\admin", "/v1/items/%5C..%5Cadmin/view"),
    ],
)
def test_path_values_stay_in_one_segment(value: str, raw_path: str) -> None:
    """Slashes, '?', '#', '@' and whole URLs are percent-encoded inside their one segment."""
    request = _build(ITEM, {"id": value})
    assert request.url.host == "api.example.com"
    assert request.url.raw_path.decode() == raw_path
    assert request.url.query == b""
    assert request.url.fragment == ""


def test_label_style_empty_value_is_not_a_dot_segment() -> None:
    """A label-style empty value would produce a '.' segment; it is refused."""
    op = operation("get", "/items/{id}", [param("id", "path", style="label")])
    with pytest.raises(ArgumentError, match=r"'\.' or '\.\.' segment"):
        _build(op, {"id": ""})


def test_adjacent_path_params_cannot_make_dot_dot() -> None:
    """Two label-style empty values in one segment would make '..'; the built path is checked too."""
    op = operation("get", "/a/{x}{y}/b", [param("x", "path", style="label"), param("y", "path", style="label")])
    with pytest.raises(ArgumentError, match=r"'\.' or '\.\.' segment"):
        _build(op, {"x": "", "y": ""})


def test_empty_path_value_refused() -> None:
    """An empty simple-style path value would route elsewhere (``/items//view``); it is refused."""
    with pytest.raises(ArgumentError, match="empty value"):
        _build(ITEM, {"id": ""})


def test_nested_value_in_path_refused() -> None:
    """A nested object cannot be serialized into a path segment; clear argument error."""
    with pytest.raises(ArgumentError, match="expected a string, number or boolean"):
        _build(ITEM, {"id": {"a": {"b": 1}}})


def test_query_injection_is_encoded() -> None:
    """'&' and '=' in a query value cannot add parameters."""
    op = operation("get", "/s", [param("q", "query")])
    request = _build(op, {"q": "x&admin=true#frag"})
    assert request.url.query == b"q=x%26admin%3Dtrue%23frag"
    assert request.url.params.get("admin") is None


@pytest.mark.parametrize("value", ["a\r\nX-Evil: 1", "a\nb", "a\rb", "a\x00b", "a\x7fb", "a\x0bb"])
def test_header_control_characters_refused(value: str) -> None:
    """CR, LF, NUL and other control characters in a header value are refused before building."""
    op = operation("get", "/h", [param("X-Note", "header")])
    with pytest.raises(ArgumentError, match="control characters"):
        _build(op, {"X-Note": value})


@pytest.mark.parametrize("value", ["a\r\nSet-Cookie: x=1", "a\x00b", ["ok", "bad\n"]])
def test_cookie_control_characters_refused(value: Any) -> None:
    """CR, LF and NUL in a cookie value are refused too."""
    op = operation("get", "/c", [param("sid", "cookie")])
    with pytest.raises(ArgumentError, match="control characters"):
        _build(op, {"sid": value})


def test_non_latin1_header_refused() -> None:
    """Characters outside Latin-1 cannot be sent in a header; the error says so."""
    op = operation("get", "/h", [param("X-Note", "header")])
    with pytest.raises(ArgumentError, match="Latin-1"):
        _build(op, {"X-Note": "snow ☃"})


def test_host_argument_is_unknown() -> None:
    """An argument named Host that the tool does not declare is refused (build and validation)."""
    tool = make_tool(ITEM)
    with pytest.raises(ArgumentError, match="unknown argument 'Host'"):
        build_request(tool, {"id": "1", "Host": "evil.example"}, CONFIG)
    assert any("unknown argument 'Host'" in p for p in validate_arguments(tool, {"id": "1", "Host": "x"}))


@pytest.mark.parametrize("name", ["Host", "Content-Length", "Transfer-Encoding", "Authorization",
                                  "Cookie", "Proxy-Foo", "X-Forwarded-Host"])
def test_connection_headers_cannot_be_parameters(name: str) -> None:
    """Even a spec-declared header parameter cannot set Host, lengths, auth or proxy headers."""
    op = operation("get", "/h", [param(name, "header")])
    with pytest.raises(ArgumentError, match="cannot be set by an argument"):
        _build(op, {name: "evil.example"})


def test_bad_header_name_refused() -> None:
    """A header name with spaces or colons is not sent."""
    op = operation("get", "/h", [param("X Bad:", "header")])
    with pytest.raises(ArgumentError, match="not a valid HTTP field name"):
        _build(op, {"X Bad:": "v"})


def test_missing_required_argument() -> None:
    """A missing required path argument is an argument error naming it."""
    with pytest.raises(ArgumentError, match="missing required argument 'id'"):
        _build(ITEM, {})


def test_body_for_operation_without_body() -> None:
    """Body arguments on an operation that takes no body are refused."""
    op = operation("get", "/x")
    tool = Tool(name="t", description="", input_schema={}, operation=op, spec_name="s",
                bindings=(ArgumentBinding("b", ArgLocation.BODY, "body"),))
    with pytest.raises(ArgumentError, match="takes no request body"):
        build_request(tool, {"b": {}}, CONFIG)


def test_form_body_must_be_object() -> None:
    """A form body given as a list is an argument error."""
    op = operation("post", "/f", body=body("application/x-www-form-urlencoded", {"type": "array"}))
    with pytest.raises(ArgumentError, match="expected an object"):
        _build(op, {"body": [1, 2]})
