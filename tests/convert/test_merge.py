"""allOf merging: exact or not at all."""

from __future__ import annotations

from typing import Any

import pytest

from toolsync.convert.merge import merge_all_of

NODE = {"type": "object", "properties": {"name": {"type": "string"}}}


def resolve(schema: Any) -> Any:
    return NODE if schema.get("$ref") == "#/$defs/Node" else None


def test_objects_merge_properties_and_required() -> None:
    """Properties unite, required lists unite in order, the first description wins."""
    merged = merge_all_of([
        {"type": "object", "description": "first", "properties": {"a": {"type": "string"}}, "required": ["a"]},
        {"description": "second", "properties": {"b": {"type": "integer"}}, "required": ["b", "a"]},
    ], resolve)
    assert merged == {"type": "object", "description": "first",
                      "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "required": ["a", "b"]}


def test_nested_all_of_and_refs_are_flattened() -> None:
    """A $ref member is resolved one level and nested allOf parts are merged too."""
    merged = merge_all_of([{"allOf": [{"$ref": "#/$defs/Node"}, {"allOf": [{"required": ["name"]}]}]}], resolve)
    assert merged == {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}


@pytest.mark.parametrize(("parts", "expected"), [
    ([{"minimum": 1}, {"minimum": 5, "maximum": 9}, {"maximum": 7}], {"minimum": 5, "maximum": 7}),
    ([{"type": ["string", "null"]}, {"type": "string"}], {"type": "string"}),
    ([{"type": "number"}, {"type": "integer"}], {"type": "integer"}),
    ([{"enum": [1, 2, 3]}, {"enum": [3, 2, 9]}], {"enum": [2, 3]}),
    ([{"properties": {"a": {"minLength": 1}}}, {"properties": {"a": {"maxLength": 3}}}],
     {"properties": {"a": {"minLength": 1, "maxLength": 3}}}),
])
def test_keywords_combine_to_the_same_meaning(parts: list[dict[str, Any]], expected: dict[str, Any]) -> None:
    """Bounds tighten, types and enums intersect, shared properties merge."""
    assert merge_all_of(parts, resolve) == expected


@pytest.mark.parametrize("parts", [
    [{"type": "string"}, {"type": "object"}],
    [{"enum": [1]}, {"enum": [2]}],
    [{"pattern": "^a"}, {"pattern": "^b"}],
    [{"$ref": "#/$defs/Missing"}],
    [{"allOf": [False]}],
])
def test_contradictions_do_not_merge(parts: list[Any]) -> None:
    """When no single schema says the same thing, the answer is None."""
    assert merge_all_of(parts, resolve) is None
