"""validate_arguments: a bad call becomes a list of sentences for the model, never an exception."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from toolsync.execute import validate_arguments
from toolsync.execute.validation import _validators

from .helpers import make_tool, operation, param

TOOL = make_tool(operation("get", "/pets/{petId}", [
    param("petId", "path", {"type": "integer", "minimum": 1}),
    param("when", "query", {"type": "string", "format": "date"}),
    param("tags", "query", {"type": "array", "items": {"type": "string"}, "maxItems": 2}),
]), name="getPet", content_hash="hash-getpet")


def test_valid_arguments_have_no_problems() -> None:
    """Arguments that fit the schema produce an empty list."""
    assert validate_arguments(TOOL, {"petId": 3, "when": "2024-02-29", "tags": ["a"]}) == []


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"petId": "three"}, "at /petId: 'three' is not of type 'integer'"),
        ({"petId": 0}, "at /petId: 0 is less than the minimum of 1"),
        ({}, "at /: 'petId' is a required property"),
        ({"petId": 1, "when": "yesterday"}, "at /when: 'yesterday' is not a 'date'"),
        ({"petId": 1, "tags": ["a", "b", "c"]}, "at /tags: ['a', 'b', 'c'] is too long"),
        ({"petId": 1, "tags": [1]}, "at /tags/0: 1 is not of type 'string'"),
    ],
)
def test_wrong_types_and_values(arguments: dict[str, Any], expected: str) -> None:
    """Each schema violation is reported with its JSON path."""
    assert expected in validate_arguments(TOOL, arguments)


def test_unknown_fields_refused_once() -> None:
    """An unknown field is named once, with the fields the tool accepts."""
    problems = validate_arguments(TOOL, {"petId": 1, "Host": "evil.example"})
    assert problems == ["unknown argument 'Host'; this tool accepts: petId, tags, when"]


def test_unknown_fields_refused_without_additional_properties() -> None:
    """Unknown fields are refused even when the schema itself would allow them."""
    loose = replace(TOOL, input_schema={"type": "object", "properties": {"petId": {}}}, content_hash="loose")
    assert validate_arguments(loose, {"petId": 1, "x": 2}) == ["unknown argument 'x'; this tool accepts: petId"]


@pytest.mark.parametrize("arguments", [[1, 2], "petId=1", None, 5])
def test_arguments_must_be_an_object(arguments: Any) -> None:
    """A non-object payload is one clear problem."""
    assert validate_arguments(TOOL, arguments)[0].startswith("arguments must be a JSON object")


def test_size_cap() -> None:
    """Arguments larger than the cap are refused before schema checks run."""
    problems = validate_arguments(TOOL, {"petId": 1, "when": "x" * 5000}, max_bytes=1000)
    assert problems == ["arguments are 5021 bytes of JSON; the limit is 1000 bytes"]


def test_not_json_arguments() -> None:
    """Arguments holding non-JSON values (bytes, sets) are a problem, not a crash."""
    assert validate_arguments(TOOL, {"petId": {1, 2}})[0].startswith("arguments are not plain JSON")


def test_long_values_are_clipped_in_messages() -> None:
    """A huge wrong value does not flood the message sent back to the model."""
    problems = validate_arguments(TOOL, {"petId": "9" * 50_000})
    assert len(problems) == 1
    assert len(problems[0]) < 400


def test_validators_cached_by_content_hash() -> None:
    """The compiled validator is reused for the same content hash."""
    validate_arguments(TOOL, {"petId": 1})
    first = _validators["hash-getpet"]
    validate_arguments(TOOL, {"petId": 2})
    assert _validators["hash-getpet"] is first


def test_unsupported_regex_is_skipped() -> None:
    """A pattern Python cannot compile is skipped rather than failing every call."""
    tool = replace(TOOL, input_schema={"type": "object", "properties": {"a": {"type": "string",
                   "pattern": "(?<name>x"}}}, content_hash="bad-regex")
    assert validate_arguments(tool, {"a": "anything"}) == []


def test_pattern_checked() -> None:
    """A valid pattern is enforced."""
    tool = replace(TOOL, input_schema={"type": "object", "properties": {"a": {"type": "string",
                   "pattern": "^[a-z]+$"}}}, content_hash="good-regex")
    assert validate_arguments(tool, {"a": "ABC"}) == ["at /a: 'ABC' does not match '^[a-z]+$'"]


def test_invalid_schema_reported() -> None:
    """A broken input schema yields a problem, not an exception."""
    tool = replace(TOOL, input_schema={"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}},
                   content_hash="broken")
    assert validate_arguments(tool, {"a": 1})[0].startswith("the tool's input schema is invalid")


def test_cyclic_defs_are_followed() -> None:
    """Recursive schemas through $defs validate nested values."""
    schema = {"type": "object", "properties": {"node": {"$ref": "#/$defs/Node"}}, "$defs": {"Node": {
        "type": "object", "properties": {"child": {"$ref": "#/$defs/Node"}, "v": {"type": "integer"}}}}}
    tool = replace(TOOL, input_schema=schema, content_hash="cyclic")
    assert validate_arguments(tool, {"node": {"child": {"child": {"v": "x"}}}}) == [
        "at /node/child/child/v: 'x' is not of type 'integer'"]
