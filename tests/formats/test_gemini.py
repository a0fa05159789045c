"""Gemini: the OpenAPI-subset Schema (or plain JSON Schema by option)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.convert.builders import op
from tests.formats.helpers import params_of, rendered
from toolsync.convert import build_tool
from toolsync.formats import render
from toolsync.tool import NoteKind


def prop(schema: dict[str, Any], **options: Any) -> dict[str, Any]:
    result = rendered("gemini", {"v": schema}, ["v"], **options)
    value = params_of(result)["properties"]["v"]
    assert isinstance(value, dict)
    return value


@pytest.mark.parametrize(("schema", "expected"), [
    ({"type": "string"}, {"type": "STRING"}),
    ({"type": ["integer", "null"], "minimum": 1}, {"type": "INTEGER", "minimum": 1, "nullable": True}),
    ({"type": ["string", "integer"]}, {"anyOf": [{"type": "STRING"}, {"type": "INTEGER"}]}),
    ({"anyOf": [{"type": "string"}, {"type": "null"}]}, {"type": "STRING", "nullable": True}),
    ({"oneOf": [{"type": "string"}, {"type": "boolean"}]}, {"anyOf": [{"type": "STRING"}, {"type": "BOOLEAN"}]}),
    ({"properties": {"a": {"type": "string"}}}, {"type": "OBJECT", "properties": {"a": {"type": "STRING"}}}),
    ({"items": {"type": "number"}}, {"type": "ARRAY", "items": {"type": "NUMBER"}}),
    ({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10}, {"type": "INTEGER", "minimum": 1,
                                                                         "maximum": 9}),
    ({"type": "string", "format": "date-time", "examples": ["2024-01-01T00:00:00Z"]},
     {"type": "STRING", "format": "date-time", "example": "2024-01-01T00:00:00Z"}),
])
def test_schema_rewrites(schema: dict[str, Any], expected: dict[str, Any]) -> None:
    """Single upper-case types, nullable instead of null, anyOf instead of oneOf, exact bounds."""
    assert prop(schema) == expected


@pytest.mark.parametrize(("schema", "expected"), [
    ({"type": "integer", "enum": [1, 2]}, {"enum": ["1", "2"], "type": "STRING"}),
    ({"enum": [True, "auto", None]}, {"enum": ["true", "auto"], "type": "STRING", "nullable": True}),
    ({"const": "x"}, {"enum": ["x"], "type": "STRING"}),
    ({"type": "integer", "enum": [1, 2], "default": 1}, {"enum": ["1", "2"], "type": "STRING", "default": "1"}),
    ({"type": "object", "properties": {"a": {"type": "string"}}, "enum": [{"a": "x"}]},
     {"type": "OBJECT", "properties": {"a": {"type": "STRING"}}, "description": 'One of: {"a":"x"}.'}),
])
def test_enums_are_strings(schema: dict[str, Any], expected: dict[str, Any]) -> None:
    """Non-string enum values are written as strings; object enums are said in the description."""
    assert prop(schema) == expected


@pytest.mark.parametrize(("schema", "expected"), [
    ({"type": "string", "format": "uri"}, {"type": "STRING", "description": "Format: uri."}),
    ({"type": "number", "exclusiveMinimum": 0.5}, {"type": "NUMBER", "description": "Greater than 0.5."}),
    ({"type": "number", "multipleOf": 2}, {"type": "NUMBER", "description": "A multiple of 2."}),
    ({"type": "object", "additionalProperties": {"type": "string"}}, {"description": "Any JSON object. Values: string."}),
    ({"type": "object", "description": "Free."}, {"description": "Free. Any JSON object."}),
])
def test_what_the_schema_lacks_is_described(schema: dict[str, Any], expected: dict[str, Any]) -> None:
    """Formats, exclusive bounds on numbers and free-form objects end up in words, with notes."""
    assert prop(schema) == expected


def test_refs_are_inlined_and_recursion_is_cut() -> None:
    """A recursive definition is expanded gemini_recursion_depth times, then left untyped with a note."""
    defs = {"Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}, "v": {"type": "string"}}}}
    result = rendered("gemini", {"n": {"$ref": "#/$defs/Node"}}, defs=defs, gemini_recursion_depth=2)
    n = params_of(result)["properties"]["n"]
    assert n["properties"]["next"]["properties"]["next"] == {"description": "A nested Node value."}
    assert "$defs" not in params_of(result) and "additionalProperties" not in params_of(result)
    assert any(note.kind == NoteKind.DROPPED and "depth 2" in note.message for note in result.notes)


def test_all_of_is_merged_or_reduced_to_its_first_part() -> None:
    """allOf that merges is one schema; one that cannot keeps its first part and says so."""
    merged = prop({"allOf": [{"type": "object", "properties": {"a": {"type": "string"}}}, {"required": ["a"]}]})
    assert merged == {"type": "OBJECT", "properties": {"a": {"type": "STRING"}}, "required": ["a"]}
    result = rendered("gemini", {"v": {"allOf": [{"type": "string"}, {"type": "integer"}]}})
    assert params_of(result)["properties"]["v"] == {"type": "STRING"}
    assert "only the first part is kept" in result.notes[0].message


def test_tool_without_arguments_has_no_parameters() -> None:
    """A parameterless function leaves parameters out entirely."""
    assert render(build_tool(op("get", "/x", "x"), spec_name="t"), "gemini").definition == {
        "name": "x", "description": "GET /x"}


def test_json_schema_option() -> None:
    """gemini_json_schema sends the neutral schema as parametersJsonSchema, $defs included."""
    defs = {"Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}}}}
    result = rendered("gemini", {"n": {"$ref": "#/$defs/Node"}}, defs=defs, gemini_json_schema=True)
    schema = result.definition["parametersJsonSchema"]
    assert "parameters" not in result.definition and schema["$defs"] == defs
    assert schema["properties"]["n"] == {"$ref": "#/$defs/Node"}
