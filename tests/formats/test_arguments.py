"""neutral_arguments: a model's arguments back in the neutral schema's terms."""

from __future__ import annotations

from tests.formats.helpers import tool_with
from toolsync.formats import neutral_arguments


def test_nulls_for_optional_properties_are_removed() -> None:
    """A null for an optional non-nullable property (OpenAI strict) disappears, at any depth."""
    t = tool_with({"a": {"type": "integer"}, "n": {"type": ["string", "null"]},
                   "o": {"type": "object", "properties": {"x": {"type": "string"}, "y": {"type": "string"}},
                         "required": ["y"]},
                   "l": {"type": "array", "items": {"type": "object", "properties": {"z": {"type": "integer"}}}}},
                  required=["a"])
    args = {"a": None, "n": None, "o": {"x": None, "y": None}, "l": [{"z": None}, {"z": 1}], "extra": None}
    assert neutral_arguments(t, args) == {"a": None, "n": None, "o": {"y": None}, "l": [{}, {"z": 1}],
                                          "extra": None}


def test_string_spelled_enum_values_are_read_back() -> None:
    """'2' for an integer enum and 'true' for a boolean enum (Gemini) become 2 and True again."""
    t = tool_with({"level": {"type": "integer", "enum": [1, 2]},
                   "flag": {"anyOf": [{"enum": [True, False]}, {"type": "string"}]},
                   "c": {"const": 1.5}, "s": {"type": "string", "enum": ["1"]},
                   "r": {"$ref": "#/$defs/Level"}},
                  defs={"Level": {"enum": [3, 4], "x": {"$ref": "#/$defs/Level"}}})
    args = {"level": "2", "flag": "true", "c": "1.5", "s": "1", "r": "4"}
    assert neutral_arguments(t, args) == {"level": 2, "flag": True, "c": 1.5, "s": "1", "r": 4}


def test_neutral_arguments_are_unchanged() -> None:
    """Arguments already in neutral form come back equal."""
    t = tool_with({"a": {"type": "integer", "enum": [1]}, "b": {"type": "string"}})
    assert neutral_arguments(t, {"a": 1, "b": "x"}) == {"a": 1, "b": "x"}
