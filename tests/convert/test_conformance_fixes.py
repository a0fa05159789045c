"""Regressions found by converting every spec of the public collections (benchmarks/conformance.py)."""

from __future__ import annotations

import jsonschema

from tests.convert.builders import body, ok, op, param
from toolsync.convert import build_tool
from toolsync.tool import NoteKind


def test_keyword_values_of_the_wrong_type_are_dropped() -> None:
    """pattern: 0, a schema under type and an examples map leave the tool schemas valid JSON Schema."""
    broken = {"type": {"type": "string", "enum": ["A", "B"]}, "description": "Kind."}
    tool = build_tool(op("post", "/items", "create", params=(param("code", schema={"type": "string", "pattern": 0}),),
                         request_body=body({"type": "object", "properties": {"kind": broken}}),
                         responses=(ok({"type": "object", "examples": {"One": {"value": {}}},
                                        "properties": {"kind": broken}}),)), spec_name="t")
    assert tool.input_schema["properties"]["code"] == {"type": "string"}
    assert tool.input_schema["properties"]["kind"] == {"description": "Kind."}
    assert tool.output_schema is not None and "examples" not in tool.output_schema
    jsonschema.Draft202012Validator.check_schema(tool.input_schema)
    jsonschema.Draft202012Validator.check_schema(tool.output_schema)
    assert any(n.kind == NoteKind.DROPPED and "'pattern' has a value of the wrong type" in n.message
               for n in tool.notes)


def test_body_property_with_a_false_schema_is_left_out() -> None:
    """A body property whose schema is false (no value allowed) is no argument, with a note."""
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "additionalProperties": False}}
    tool = build_tool(op("patch", "/records/{id}", "update", params=(param("id", "path"),),
                         request_body=body(schema)), spec_name="t")
    assert list(tool.input_schema["properties"]) == ["id", "name"]
    assert tool.binding("additionalProperties") is None
    assert any("'additionalProperties' accepts no value" in n.message for n in tool.notes)
