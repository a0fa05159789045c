"""
Every recursive schema walk stops at ``NESTING_LIMIT`` levels on its own.

The compiled build does not count its calls against the interpreter's recursion limit: without its own
bound a schema nested deeply enough would overflow the C stack and kill the process. Each test lifts
the interpreter's limit, so that the pure-Python build reaches the same bound the compiled one does,
and checks that the walk ends in the error (or the fallback) it would end in anyway.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from toolsync.convert import build_tool
from toolsync.errors import ConversionError, LimitError
from toolsync.formats import PROVIDERS, render
from toolsync.gates import GateOptions, check_tool
from toolsync.limits import NESTING_LIMIT
from toolsync.pipeline import render_definitions
from toolsync.spec.loader import load_spec

from .convert.builders import body, ok, op

DEEP = NESTING_LIMIT + 100


@pytest.fixture(autouse=True)
def _no_interpreter_limit() -> Iterator[None]:
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(max(before, 50 * DEEP))
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


def _nested(levels: int, leaf: dict[str, Any] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = leaf or {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"a": schema}, "required": ["a"], "additionalProperties": False}
    return schema


def _shallow_tool() -> Any:
    return build_tool(op("post", "/things", "makeThing", request_body=body(_nested(2)), responses=(ok({}),)),
                      spec_name="things")


def test_refs_that_inline_deeper_than_the_limit_are_a_limit_error() -> None:
    """Each schema is shallow, but inlined through a chain of refs they nest past the bound."""
    levels, links = 10, DEEP // 10 + 1
    schemas = {f"S{i}": _nested(levels, {"$ref": f"#/components/schemas/S{i + 1}"}) for i in range(links)}
    schemas[f"S{links}"] = {"type": "string"}
    document = {
        "openapi": "3.1.0", "info": {"title": "Deep", "version": "1"},
        "paths": {"/deep": {"post": {
            "operationId": "deep",
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/S0"}}}},
            "responses": {"200": {"description": "ok"}}}}},
        "components": {"schemas": schemas},
    }
    with pytest.raises(LimitError, match="nests too deeply"):
        load_spec(document)


def test_building_a_tool_deeper_than_the_limit_is_a_conversion_error() -> None:
    operation = op("post", "/deep", "deep", request_body=body(_nested(DEEP)), responses=(ok({}),))
    with pytest.raises(ConversionError, match="malformed"):
        build_tool(operation, spec_name="deep")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_rendering_a_schema_deeper_than_the_limit(provider: str) -> None:
    """Formats that rewrite schemas refuse it as malformed; the others pass it on for the gates to judge."""
    tool = dataclasses.replace(_shallow_tool(), input_schema=_nested(DEEP))
    if provider in ("anthropic", "mcp"):
        assert render(tool, provider).definition
    else:
        with pytest.raises(ConversionError, match="RecursionError"):
            render(tool, provider)


def test_compiling_a_hand_made_tool_deeper_than_the_limit_skips_the_formats_that_rewrite_it() -> None:
    tool = dataclasses.replace(_shallow_tool(), input_schema=_nested(DEEP))
    assert sorted(render_definitions(tool)) == ["anthropic", "mcp"]


DEFINITIONS = {
    "openai": lambda s: {"type": "function", "name": "deep", "description": "d", "parameters": s, "strict": True},
    "openai-chat": lambda s: {"type": "function", "function": {"name": "deep", "description": "d",
                                                               "parameters": s, "strict": True}},
    "anthropic": lambda s: {"name": "deep", "description": "d", "input_schema": s},
    "gemini": lambda s: {"name": "deep", "description": "d", "parameters": s},
    "mcp": lambda s: {"name": "deep", "description": "d", "inputSchema": s},
}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_gates_check_a_schema_deeper_than_the_limit(provider: str) -> None:
    """Past the bound the memoized walks give way to the iterative ones: the findings are still made."""
    schema = _nested(DEEP)
    issues = check_tool(provider, DEFINITIONS[provider](schema), options=GateOptions(use_sdk=False))
    rules = {issue.rule for issue in issues}
    if provider.startswith("openai"):
        assert any("depth" in rule or "nesting" in rule for rule in rules), rules
    if provider == "gemini":  # the Schema form has no additionalProperties on the Developer API
        assert "gemini.schema.vertex-only" in rules
