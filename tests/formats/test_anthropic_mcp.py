"""Anthropic (strict opt-in) and MCP definitions."""

from __future__ import annotations

from typing import Any

from tests.convert.builders import ok, op
from tests.formats.helpers import params_of, rendered
from toolsync.convert import build_tool
from toolsync.formats import render
from toolsync.tool import NoteKind


def test_anthropic_is_not_strict_by_default() -> None:
    """Without the option the input schema is the neutral one and strict is absent."""
    result = rendered("anthropic", {"a": {"type": "integer", "minimum": 3}})
    assert set(result.definition) == {"name", "description", "input_schema"} and result.strict is None
    assert params_of(result)["properties"]["a"] == {"type": "integer", "minimum": 3}


def test_anthropic_strict_moves_constraints_into_words() -> None:
    """Strict tools close objects and say numeric, length and size constraints instead of keeping them."""
    result = rendered("anthropic", {
        "n": {"type": "integer", "minimum": 3, "description": "Count."},
        "l": {"type": "array", "items": {"type": "string", "format": "byte"}, "minItems": 2, "maxItems": 4},
        "o": {"type": "object", "properties": {"x": {"oneOf": [{"type": "string"}, {"type": "null"}]}}},
        "p": {"type": "string", "pattern": r"^\bword$"},
    }, ["n"], anthropic_strict=True)
    props = params_of(result)["properties"]
    assert result.definition["strict"] is True and result.strict is True
    assert props["n"] == {"type": "integer", "description": "Count. Minimum: 3."}
    assert props["l"] == {"type": "array", "items": {"type": "string", "description": "Format: byte."},
                          "description": "Maximum items: 4. Minimum items: 2."}
    assert props["o"]["additionalProperties"] is False
    assert props["o"]["properties"]["x"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert props["p"] == {"type": "string", "description": r"Pattern: ^\bword$."}


def _anthropic_fallback(properties: dict[str, Any], defs: dict[str, Any] | None = None) -> str:
    result = rendered("anthropic", properties, defs=defs, anthropic_strict=True)
    assert "strict" not in result.definition and result.strict is None
    (note,) = result.notes
    assert note.kind == NoteKind.FALLBACK
    return note.message


def test_anthropic_strict_falls_back_with_a_reason() -> None:
    """Recursion, free-form objects, complex enums and the per-request budgets keep a tool non-strict."""
    node = {"Node": {"type": "object", "properties": {"n": {"$ref": "#/$defs/Node"}}}}
    assert "recursive" in _anthropic_fallback({"n": {"$ref": "#/$defs/Node"}}, node)
    assert "free-form" in _anthropic_fallback({"m": {"type": "object"}})
    assert "objects or arrays" in _anthropic_fallback({"e": {"enum": [[1]]}})
    assert "25 optional" in _anthropic_fallback({f"p{i}": {"type": "string"} for i in range(25)})


def test_mcp_shape_annotations_and_output() -> None:
    """MCP tools carry title, annotations and an object outputSchema."""
    t = build_tool(op("get", "/x", "x", summary="Get x", responses=(ok({"type": "object", "properties": {}}),)),
                   spec_name="t")
    d = render(t, "mcp").definition
    assert d == {"name": "x", "title": "Get x", "description": "Get x",
                 "inputSchema": {"type": "object", "additionalProperties": False},
                 "outputSchema": {"type": "object", "properties": {}},
                 "annotations": {"readOnlyHint": True, "openWorldHint": True}}


def test_mcp_output_schema_only_for_objects() -> None:
    """Arrays and scalars get no outputSchema; an untyped object with properties gets type object."""
    def output(schema: dict[str, Any]) -> Any:
        t = build_tool(op("get", "/x", "x", responses=(ok(schema),)), spec_name="t")
        return render(t, "mcp").definition.get("outputSchema")

    assert output({"type": "array", "items": {}}) is None
    assert output({"type": "string"}) is None
    assert output({"properties": {"a": {}}}) == {"type": "object", "properties": {"a": {}}}
    assert output({"anyOf": [{"type": "object"}, {"type": "string"}]}) is None
