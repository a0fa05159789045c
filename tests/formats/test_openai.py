"""OpenAI: strict mode whenever the schema can be made strict, an explained fallback otherwise."""

from __future__ import annotations

from typing import Any

import pytest

from tests.convert.builders import op
from tests.formats.helpers import params_of, rendered, tool_with
from toolsync.convert import ToolOptions, build_tool
from toolsync.formats import RenderContext, render
from toolsync.tool import NoteKind


def test_envelopes() -> None:
    """Responses tools are flat; Chat Completions tools nest the function."""
    flat = rendered("openai", {"a": {"type": "string"}}).definition
    chat = rendered("openai-chat", {"a": {"type": "string"}}).definition
    assert list(flat) == ["type", "name", "description", "parameters", "strict"]
    assert list(chat) == ["type", "function"] and chat["function"]["parameters"] == flat["parameters"]


@pytest.mark.parametrize("first", ["openai", "openai-chat"])
def test_both_shapes_in_one_context_render_the_function_once(first: str) -> None:
    """The second OpenAI shape reuses the first one's function; each keeps its own notes' provider."""
    tool = tool_with({"a": {"type": "string", "uniqueItems": True}, "b": {"oneOf": [{"type": "integer"}]}})
    context = RenderContext(ToolOptions())
    second = "openai" if first == "openai-chat" else "openai-chat"
    shared = {p: render(tool, p, context=context) for p in (first, second)}
    alone = {p: render(tool, p) for p in (first, second)}
    for provider in (first, second):
        assert shared[provider].definition == alone[provider].definition
        assert shared[provider].notes == alone[provider].notes
        assert shared[provider].notes and {n.provider for n in shared[provider].notes} == {provider}
    function = shared["openai-chat"].definition["function"]
    assert {k: v for k, v in shared["openai"].definition.items() if k != "type"} == function


def test_optional_properties_become_nullable_and_required() -> None:
    """Every property is required; optional ones accept null in the way their schema allows."""
    result = rendered("openai", {
        "s": {"type": "string"}, "e": {"type": "string", "enum": ["a"]}, "c": {"const": 1},
        "u": {"anyOf": [{"type": "string"}, {"type": "integer"}]}, "n": {"type": ["string", "null"]},
        "r": {"type": "integer"}, "ref": {"$ref": "#/$defs/Node", "description": "A node."},
    }, required=["r"], defs={"Node": {"type": "object", "properties": {"next": {"$ref": "#/$defs/Node"}}}})
    props = params_of(result)["properties"]
    assert result.strict is True
    assert params_of(result)["required"] == list(props)
    assert props["s"] == {"type": ["string", "null"]}
    assert props["e"] == {"type": ["string", "null"], "enum": ["a", None]}
    assert props["c"] == {"anyOf": [{"const": 1}, {"type": "null"}]}
    assert props["u"] == {"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]}
    assert props["n"] == {"type": ["string", "null"]} and props["r"] == {"type": "integer"}
    assert props["ref"] == {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}], "description": "A node."}
    node = params_of(result)["$defs"]["Node"]
    assert node["additionalProperties"] is False and node["required"] == ["next"]


def test_strict_shares_what_it_does_not_change() -> None:
    """A sub-schema strict mode leaves as it is comes back as the tool's own object; a changed one is a copy."""
    tool = tool_with({"r": {"type": "integer", "minimum": 1}, "s": {"type": "string"},
                      "t": {"type": "array", "items": {"type": "string", "format": "uuid"}},
                      "x": {"type": "string", "uniqueItems": True}}, required=["r", "t", "x"])
    neutral = tool.input_schema["properties"]
    props = params_of(render(tool, "openai"))["properties"]
    assert props["r"] is neutral["r"] and props["t"] is neutral["t"]
    assert props["s"] is not neutral["s"] and neutral["s"] == {"type": "string"}  # made nullable, on a copy
    assert props["x"] is not neutral["x"] and "uniqueItems" in neutral["x"]  # said in words, on a copy
    assert props["x"]["description"] == "Items must be unique."


def test_unsupported_keywords_are_removed_and_said() -> None:
    """default, uniqueItems and unsupported formats leave the schema and enter the description."""
    result = rendered("openai", {"u": {"type": "string", "format": "uri", "default": "https://x",
                                       "description": "Home."},
                                 "t": {"type": "array", "items": {"type": "string"}, "uniqueItems": True,
                                       "examples": [["a"]]}}, required=["u", "t"])
    props = params_of(result)["properties"]
    assert props["u"] == {"type": "string", "description": "Home. Default: https://x. Format: uri."}
    assert props["t"] == {"type": "array", "items": {"type": "string"}, "description": "Items must be unique."}
    assert {n.kind for n in result.notes} == {NoteKind.DROPPED}


def test_composition_is_rewritten() -> None:
    """oneOf becomes anyOf; allOf is merged; a $ref with constraints beside it is merged with its target."""
    result = rendered("openai", {
        "o": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "a": {"allOf": [{"type": "object", "properties": {"x": {"type": "string"}}},
                        {"properties": {"y": {"type": "integer"}}, "required": ["y"]}]},
        "r": {"$ref": "#/$defs/Node", "minProperties": 1},
    }, required=["o", "a", "r"], defs={"Node": {"type": "object", "properties": {"k": {"$ref": "#/$defs/Node"}}}})
    props = params_of(result)["properties"]
    assert props["o"] == {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert props["a"]["required"] == ["x", "y"] and props["a"]["properties"]["x"] == {"type": ["string", "null"]}
    assert props["r"]["properties"]["k"] == {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]}
    assert props["r"]["description"] == "Minimum keys: 1."
    assert result.strict is True


@pytest.mark.parametrize(("schema", "why"), [
    ({"type": "object", "additionalProperties": {"type": "string"}}, "free-form keys"),
    ({"type": "object"}, "free-form keys"),
    ({"type": "object", "properties": {"a": {"type": "string"}}, "patternProperties": {"^x": {}}}, "free-form keys"),
    ({}, "accepts any value"),
    ({"type": "array"}, "does not say what its items are"),
    ({"allOf": [{"type": "string"}, {"type": "integer"}]}, "cannot be merged"),
])
def test_fallback_to_non_strict_says_why(schema: dict[str, Any], why: str) -> None:
    """What strict mode cannot express turns strict off for the tool, with the neutral schema and a note."""
    result = rendered("openai", {"v": schema, "w": {"type": "string"}})
    assert result.strict is False and result.definition["strict"] is False
    assert params_of(result)["properties"]["v"] == schema
    (note,) = result.notes
    assert note.kind == NoteKind.FALLBACK and why in note.message and note.pointer == "/properties/v"


def _nested(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "string"}
    for _ in range(depth):
        node = {"type": "object", "properties": {"n": node}, "required": ["n"]}
    return node


@pytest.mark.parametrize(("properties", "why"), [
    ({"deep": _nested(10)}, "11 levels of nested objects"),
    ({f"p{i}": {"type": "object", "properties": {f"q{j}": {"type": "string"} for j in range(60)}}
      for i in range(90)}, "properties in total"),
    ({"e": {"type": "integer", "enum": list(range(1001))}}, "enum values in total"),
    ({"e": {"type": "string", "enum": [f"{i:060d}" for i in range(300)]}}, "an enum of more than 250 values"),
])
def test_size_limits_turn_strict_off(properties: dict[str, Any], why: str) -> None:
    """Over 10 nested objects, 5,000 properties or the enum limits, the tool is not strict."""
    result = rendered("openai", properties)
    assert result.strict is False and why in result.notes[0].message


def test_strict_can_be_turned_off() -> None:
    """strict=False sends every tool non-strict with the neutral schema and no notes."""
    result = rendered("openai-chat", {"a": {"type": "string", "format": "uri"}}, strict=False)
    assert result.definition["function"]["strict"] is False and result.notes == ()
    assert params_of(result)["properties"]["a"] == {"type": "string", "format": "uri"}


def test_tool_without_arguments_is_strict_with_empty_properties() -> None:
    """No arguments: {type: object, properties: {}, additionalProperties: false, required: []}."""
    result = render(build_tool(op("get", "/x", "x"), spec_name="t"), "openai")
    assert params_of(result) == {"type": "object", "properties": {}, "additionalProperties": False, "required": []}


def test_an_object_without_a_type_is_typed_and_stays_strict() -> None:
    """``properties`` without ``type`` is an object: typed, closed, and strict (it used to be called untyped)."""
    from toolsync.gates import GateOptions, check_tool

    result = rendered("openai", {"o": {"properties": {"a": {"type": "string"}}}}, required=["o"])
    assert result.strict is True and not result.notes
    assert params_of(result)["properties"]["o"] == {"properties": {"a": {"type": ["string", "null"]}},
                                                    "type": "object", "required": ["a"],
                                                    "additionalProperties": False}
    assert check_tool("openai", result.definition, options=GateOptions(use_sdk=False, warnings=False)) == []


@pytest.mark.parametrize("name", ["MAX_DEPTH", "MAX_PROPERTIES", "MAX_ENUM_VALUES", "MAX_CHARS", "BIG_ENUM",
                                  "BIG_ENUM_CHARS"])
def test_the_renderer_and_the_gate_read_the_same_strict_limits(name: str) -> None:
    """Strict mode's limits are written twice (the gate checks the renderer without importing it): they agree."""
    import toolsync.formats._strict as rendering
    import toolsync.gates._openai as gate

    assert getattr(rendering, name) == getattr(gate, name)
