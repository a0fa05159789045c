"""Properties of build_request over arbitrary text: the target never moves, values round-trip."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote

from hypothesis import given, settings
from hypothesis import strategies as st

from toolsync.errors import ArgumentError
from toolsync.execute import ExecutionConfig, build_request

from .helpers import make_tool, operation, param

CONFIG = ExecutionConfig(server_url="https://api.example.com/v1")
TOOL = make_tool(operation("get", "/items/{id}/view", [param("id", "path"), param("q", "query"),
                                                        param("sid", "cookie")]))
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_path_value_never_moves_the_request(value: str) -> None:
    """Any text in a path parameter either is refused or stays one segment that decodes back to it."""
    try:
        request = build_request(TOOL, {"id": value}, CONFIG)
    except ArgumentError:
        return
    assert request.url.host == "api.example.com"
    segments = request.url.raw_path.decode().split("?")[0].split("/")
    assert segments[:3] == ["", "v1", "items"] and segments[4:] == ["view"]
    assert unquote(segments[3]) == value


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_query_value_round_trips(value: str) -> None:
    """Any text in a query parameter comes back unchanged from a standard query parser, alone."""
    request = build_request(TOOL, {"id": "1", "q": value}, CONFIG)
    assert parse_qs(request.url.query.decode(), keep_blank_values=True) == {"q": [value]}


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_cookie_value_is_one_cookie(value: str) -> None:
    """Any text in a cookie parameter is refused or becomes exactly one cookie."""
    try:
        request = build_request(TOOL, {"id": "1", "sid": value}, CONFIG)
    except ArgumentError:
        return
    pairs = request.headers["Cookie"].split("; ")
    assert len(pairs) == 1 and pairs[0].startswith("sid=")
    assert unquote(pairs[0][4:]) == value
