"""Arguments: parameters and body as one object, with bindings that say where each value goes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.convert.builders import body, op, param
from toolsync.convert import build_tool
from toolsync.errors import ConversionError
from toolsync.tool import ArgLocation, NoteKind, Tool


def tool(operation: Any) -> Tool:
    return build_tool(operation, spec_name="t")


def where(t: Tool) -> dict[str, tuple[str, str]]:
    return {b.argument: (b.location.value, b.name) for b in t.bindings}


def test_parameters_of_every_location_become_arguments() -> None:
    """Path, query, header and cookie parameters are arguments, path ones first and required."""
    t = tool(op("get", "/a/{id}", params=(param("q"), param("X-Key", "header"), param("c", "cookie"),
                                          param("id", "path", {"type": "integer"}, description="The id."))))
    assert list(t.input_schema["properties"]) == ["id", "q", "X-Key", "c"]
    assert t.input_schema["required"] == ["id"]
    assert t.input_schema["properties"]["id"] == {"type": "integer", "description": "The id."}
    assert where(t)["X-Key"] == ("header", "X-Key")
    assert t.binding("id").style == "simple" and t.binding("q").explode is True


def test_object_body_is_flattened_with_required_fields() -> None:
    """Each body property is an argument bound to BODY_FIELD; required only if the body is."""
    schema = {"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}
    required = tool(op("post", "/x", request_body=body(schema)))
    optional = tool(op("post", "/x", request_body=body(schema, required=False)))
    assert where(required) == {"a": ("body_field", "a"), "b": ("body_field", "b")}
    assert required.input_schema["required"] == ["a"]
    assert "required" not in optional.input_schema
    assert required.binding("a").media_type == "application/json"


@pytest.mark.parametrize("schema", [
    {"type": "array", "items": {"type": "string"}},
    {"oneOf": [{"type": "object", "properties": {"a": {}}}, {"type": "object", "properties": {"b": {}}}]},
    {"type": "object", "additionalProperties": {"type": "integer"}},
    {"type": "object", "properties": {"a": {}}, "additionalProperties": True},
    {"type": "object"},
    {"type": "string"},
])
def test_other_bodies_stay_whole(schema: dict[str, Any]) -> None:
    """Arrays, unions, maps and scalars go under one 'body' argument bound to BODY."""
    t = tool(op("post", "/x", request_body=body(schema, description="The payload.")))
    assert where(t) == {"body": ("body", "body")}
    assert t.input_schema["properties"]["body"]["description"] == "The payload."
    assert t.input_schema["required"] == ["body"]


def test_all_of_body_is_merged_then_flattened() -> None:
    """allOf parts (and a root $ref to a definition) become one object first."""
    defs = {"Base": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}}
    t = tool(op("post", "/x", request_body=body({"allOf": [{"$ref": "#/$defs/Base"},
                                                           {"properties": {"n": {"type": "integer"}}}]}),
                defs=defs))
    assert list(t.input_schema["properties"]) == ["id", "n"] and t.input_schema["required"] == ["id"]


def test_required_only_any_of_is_said_in_the_description() -> None:
    """'anyOf: [{required: [a]}, {required: [b]}]' keeps the body flat and becomes a sentence."""
    schema = {"type": "object", "properties": {"a": {}, "id": {}},
              "anyOf": [{"required": ["a"]}, {"required": ["id"]}]}
    t = tool(op("patch", "/x/{id}", "patchX", summary="Patch it", params=(param("id", "path"),),
                request_body=body(schema)))
    assert list(t.input_schema["properties"]) == ["id", "a", "body_id"]
    assert t.description == "Patch it\n\nNeeds a, or body_id."


def test_parameter_and_body_field_clash() -> None:
    """A body field named like a parameter becomes body_<name>; the binding keeps the wire name."""
    t = tool(op("put", "/p/{id}", params=(param("id", "path"),),
                request_body=body({"type": "object", "properties": {"id": {}, "name": {}}})))
    assert where(t) == {"id": ("path", "id"), "body_id": ("body_field", "id"), "name": ("body_field", "name")}
    assert any(n.kind == NoteKind.RENAMED and "body_id" in n.message for n in t.notes)


def test_same_name_in_two_locations() -> None:
    """Parameters sharing a name across locations are all prefixed with their location."""
    t = tool(op("get", "/p/{id}", params=(param("id", "path"), param("id", "query"), param("id", "header"))))
    assert where(t) == {"path_id": ("path", "id"), "query_id": ("query", "id"), "header_id": ("header", "id")}


def test_whole_body_clash_and_leftover_numbering() -> None:
    """A whole body clashing with a 'body' parameter is request_body; equal names left get _2."""
    t = tool(op("post", "/x", params=(param("body"), param("a[1]"), param("a(1)")),
                request_body=body({"type": "array"})))
    assert where(t) == {"body": ("query", "body"), "a_1": ("query", "a[1]"), "a_1_2": ("query", "a(1)"),
                        "request_body": ("body", "body")}


def test_argument_names_are_sanitized_and_bounded() -> None:
    """Names outside [A-Za-z0-9_.-] are rewritten; very long ones are cut with a hash."""
    t = tool(op("get", "/x", params=(param("filter[status]"), param("n" * 80), param("a.b-c"))))
    args = list(t.input_schema["properties"])
    assert args[0] == "filter_status" and args[2] == "a.b-c"
    assert len(args[1]) == 64


def test_ignored_headers_and_read_only_fields() -> None:
    """Accept/Content-Type/Authorization headers and readOnly body fields are left out with a note."""
    t = tool(op("post", "/x", params=(param("Authorization", "header"), param("accept", "header")),
                request_body=body({"type": "object", "properties": {"id": {"readOnly": True}, "n": {}}})))
    assert list(t.input_schema["properties"]) == ["n"]
    assert sum(1 for n in t.notes if n.kind == NoteKind.DROPPED) == 3


def test_binary_becomes_base64_text() -> None:
    """format: binary (multipart field or whole body) asks the model for base64 text."""
    multipart = tool(op("post", "/x", request_body=body(
        {"type": "object", "properties": {"f": {"type": "string", "format": "binary"}}}, "multipart/form-data")))
    raw = tool(op("put", "/x", request_body=body({}, "image/png")))
    field = multipart.input_schema["properties"]["f"]
    assert field["contentEncoding"] == "base64" and "format" not in field
    assert raw.input_schema["properties"]["body"]["contentEncoding"] == "base64"
    assert raw.binding("body").media_type == "image/png"


def test_parameter_description_deprecation_and_content() -> None:
    """A deprecated parameter says so; a content parameter keeps its media type in the binding."""
    t = tool(op("get", "/x", params=(param("old", deprecated=True), param("where", content_type="application/json",
                                                                          schema={"type": "object"}))))
    assert t.input_schema["properties"]["old"] == {"type": "string", "description": "Deprecated.", "deprecated": True}
    assert t.binding("where").content_type == "application/json"


def test_path_placeholder_without_parameter_is_refused() -> None:
    """A path that uses {x} with no path parameter x cannot become a tool."""
    with pytest.raises(ConversionError, match=r"uses \{petId\}"):
        tool(op("get", "/pets/{petId}"))


def test_flattening_can_be_turned_off() -> None:
    """flatten_body=False keeps even an object body under one argument."""
    from toolsync.convert import ToolOptions

    t = build_tool(op("post", "/x", request_body=body({"type": "object", "properties": {"a": {}}})),
                   spec_name="t", options=ToolOptions(flatten_body=False, body_argument="payload"))
    assert t.bindings[0].location == ArgLocation.BODY and t.bindings[0].argument == "payload"
