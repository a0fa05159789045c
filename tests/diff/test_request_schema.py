"""Request-side schema rules: what the API accepts from the agent, one keyword at a time."""

from __future__ import annotations

from typing import Any

import pytest

from toolsync.diff import FindingSeverity, diff_operations

from .conftest import finding, obj, only, post_body

B, W, I = FindingSeverity.BREAKING, FindingSeverity.WARNING, FindingSeverity.INFO
S: dict[str, Any] = {"type": "string"}
N: dict[str, Any] = {"type": "number"}
INT: dict[str, Any] = {"type": "integer"}
ARR: dict[str, Any] = {"type": "array", "items": S}


def _field(old: dict[str, Any], new: dict[str, Any]) -> tuple[str, FindingSeverity, str]:
    found = only(post_body(obj(v=old)), post_body(obj(v=new)))
    return found.id, found.severity, found.message


CASES = [
    # types
    ("int-to-string", INT, S, "request.schema.type-changed", B),
    ("number-to-integer", N, INT, "request.schema.type-narrowed", B),
    ("integer-to-number", INT, N, "request.schema.type-widened", I),
    ("any-to-string", {}, S, "request.schema.type-narrowed", B),
    ("string-to-any", S, {}, "request.schema.type-widened", I),
    ("null-added", S, {"type": ["string", "null"]}, "request.schema.null-added", I),
    ("null-removed", {"type": ["string", "null"]}, S, "request.schema.null-removed", B),
    # enum and const
    ("enum-value-removed", {**S, "enum": ["a", "b"]}, {**S, "enum": ["a"]}, "request.schema.enum-value-removed", B),
    ("enum-value-added", {**S, "enum": ["a"]}, {**S, "enum": ["a", "b"]}, "request.schema.enum-value-added", I),
    ("enum-added", S, {**S, "enum": ["a"]}, "request.schema.enum-added", B),
    ("enum-removed", {**S, "enum": ["a"]}, S, "request.schema.enum-removed", I),
    ("const-added", S, {**S, "const": "a"}, "request.schema.const-added", B),
    ("const-changed", {**S, "const": "a"}, {**S, "const": "b"}, "request.schema.const-changed", B),
    ("const-removed", {**S, "const": "a"}, S, "request.schema.constraint-loosened", I),
    ("default-changed", {**INT, "default": 10}, {**INT, "default": 50}, "request.schema.default-changed", W),
    # format
    ("format-added", S, {**S, "format": "date-time"}, "request.schema.format-added", B),
    ("annotation-format-added", S, {**S, "format": "password"}, "request.schema.format-added", I),
    ("format-changed", {**S, "format": "date"}, {**S, "format": "date-time"}, "request.schema.format-changed", W),
    ("format-removed", {**S, "format": "date"}, S, "request.schema.format-removed", I),
    # pattern
    ("pattern-added", S, {**S, "pattern": "^[a-z]+$"}, "request.schema.pattern-added", B),
    ("pattern-changed", {**S, "pattern": "^a"}, {**S, "pattern": "^b"}, "request.schema.pattern-changed", W),
    ("pattern-removed", {**S, "pattern": "^a"}, S, "request.schema.constraint-loosened", I),
    # bounds
    ("maxLength-lowered", {**S, "maxLength": 10}, {**S, "maxLength": 5}, "request.schema.constraint-tightened", B),
    ("maxLength-raised", {**S, "maxLength": 5}, {**S, "maxLength": 10}, "request.schema.constraint-loosened", I),
    ("maxLength-added", S, {**S, "maxLength": 5}, "request.schema.constraint-tightened", B),
    ("maxLength-dropped", {**S, "maxLength": 5}, S, "request.schema.constraint-loosened", I),
    ("minLength-raised", {**S, "minLength": 1}, {**S, "minLength": 2}, "request.schema.constraint-tightened", B),
    ("minLength-lowered", {**S, "minLength": 2}, {**S, "minLength": 1}, "request.schema.constraint-loosened", I),
    ("maximum-lowered", {**N, "maximum": 100}, {**N, "maximum": 50}, "request.schema.constraint-tightened", B),
    ("minimum-raised", {**N, "minimum": 0}, {**N, "minimum": 1}, "request.schema.constraint-tightened", B),
    ("minimum-lowered", {**N, "minimum": 1}, {**N, "minimum": 0.5}, "request.schema.constraint-loosened", I),
    ("exclusiveMaximum-added", N, {**N, "exclusiveMaximum": 10}, "request.schema.constraint-tightened", B),
    ("exclusiveMinimum-raised", {**N, "exclusiveMinimum": 0}, {**N, "exclusiveMinimum": 1},
     "request.schema.constraint-tightened", B),
    ("maxItems-lowered", {**ARR, "maxItems": 10}, {**ARR, "maxItems": 3}, "request.schema.constraint-tightened", B),
    ("minItems-raised", {**ARR, "minItems": 0}, {**ARR, "minItems": 1}, "request.schema.constraint-tightened", B),
    ("uniqueItems-added", ARR, {**ARR, "uniqueItems": True}, "request.schema.constraint-tightened", B),
    ("uniqueItems-dropped", {**ARR, "uniqueItems": True}, ARR, "request.schema.constraint-loosened", I),
    ("multipleOf-coarser", {**N, "multipleOf": 2}, {**N, "multipleOf": 4}, "request.schema.constraint-tightened", B),
    ("multipleOf-finer", {**N, "multipleOf": 0.5}, {**N, "multipleOf": 0.1}, "request.schema.constraint-loosened", I),
    ("multipleOf-other", {**N, "multipleOf": 2}, {**N, "multipleOf": 3}, "request.schema.constraint-tightened", B),
    ("maxProperties-lowered", {"type": "object", "maxProperties": 5}, {"type": "object", "maxProperties": 3},
     "request.schema.constraint-tightened", B),
    ("additionalProperties-closed", {"type": "object"}, {"type": "object", "additionalProperties": False},
     "request.schema.additional-properties-closed", B),
    ("additionalProperties-opened", {"type": "object", "additionalProperties": False},
     {"type": "object", "additionalProperties": True}, "request.schema.additional-properties-opened", I),
    ("description-changed", {**S, "description": "The name."}, {**S, "description": "The pet's name."},
     "request.schema.description-changed", I),
]


@pytest.mark.parametrize(("old", "new", "rule", "severity"), [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_keyword_rule(old: dict[str, Any], new: dict[str, Any], rule: str, severity: FindingSeverity) -> None:
    """Each keyword change of a request body field yields exactly its rule id and severity."""
    found_rule, found_severity, message = _field(old, new)
    assert (found_rule, found_severity) == (rule, severity)
    assert message.startswith("Field `v` in the request body of POST /pets ")


def test_type_change_message_names_both_types() -> None:
    """The message says what the type was and what it is now."""
    assert _field(INT, S)[2] == "Field `v` in the request body of POST /pets changed type from integer to string"


def test_enum_message_lists_removed_values() -> None:
    """Removed enum values are listed in the message and the details."""
    found = only(post_body(obj(v={**S, "enum": ["a", "b", "c"]})), post_body(obj(v={**S, "enum": ["a"]})))
    assert 'no longer accepts "b", "c"' in found.message
    assert found.details["removed"] == ["b", "c"]


def test_enum_null_follows_the_type_rule() -> None:
    """null added to an enum together with the type (OpenAPI 3.0 nullable) is reported once, as null-added."""
    old = {**S, "enum": ["a"]}
    new = {"type": ["string", "null"], "enum": ["a", None]}
    assert only(post_body(obj(v=old)), post_body(obj(v=new))).id == "request.schema.null-added"


def test_whitespace_only_description_change_is_silent() -> None:
    """Re-wrapping a description does not change what the model is told."""
    old = post_body(obj(v={**S, "description": "The  name\nof the pet."}))
    new = post_body(obj(v={**S, "description": "The name of the pet."}))
    assert diff_operations(old, new) == []


def test_multiple_keyword_changes_are_each_reported() -> None:
    """One field with several changes gives one finding per change."""
    old = post_body(obj(v={**S, "maxLength": 10, "enum": ["a", "b"]}))
    new = post_body(obj(v={**S, "maxLength": 5, "enum": ["a"]}))
    found = diff_operations(old, new)
    assert {f.id for f in found} == {"request.schema.constraint-tightened", "request.schema.enum-value-removed"}
    assert finding(found, "request.schema.constraint-tightened").details == {"keyword": "maxLength", "old": 10,
                                                                            "new": 5}
