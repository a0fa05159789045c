"""Request body and success response checks."""

from __future__ import annotations

from typing import Any

import pytest

from toolsync.diff import FindingSeverity, diff_operations
from toolsync.ir import MediaType, Response

from .conftest import body, get_returning, ids, obj, ok, only, op, post_body

B, W, I = FindingSeverity.BREAKING, FindingSeverity.WARNING, FindingSeverity.INFO
S: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}
PET = obj(name=S)
FORM = "application/x-www-form-urlencoded"


def test_body_added_required_and_optional() -> None:
    """A new required body is breaking; a new optional body is info."""
    bare = op("post", "/pets")
    assert (only(bare, post_body(PET)).id, only(bare, post_body(PET)).severity) == ("request.body.added-required", B)
    found = only(bare, post_body(PET, required=False))
    assert (found.id, found.severity) == ("request.body.added-optional", I)
    assert found.message == "POST /pets now accepts an optional request body"


def test_body_removed() -> None:
    """Removing the request body is breaking."""
    found = only(post_body(PET), op("post", "/pets"))
    assert (found.id, found.severity) == ("request.body.removed", B)


def test_body_required_flag() -> None:
    """An optional body that becomes required is breaking; the reverse is info."""
    assert ids(diff_operations(post_body(PET, required=False), post_body(PET))) == {
        ("request.body.became-required", B)}
    assert ids(diff_operations(post_body(PET), post_body(PET, required=False))) == {
        ("request.body.became-optional", I)}


def test_media_type_removed_that_was_used() -> None:
    """Removing JSON (the media type toolsync sends) is breaking; the schema is compared with what remains."""
    old = post_body(obj(name=S), media_types=("application/json", FORM))
    new = post_body(obj(name=INT), media_types=(FORM,))
    found = diff_operations(old, new)
    assert ids(found) == {("request.body.media-type-removed", B), ("request.schema.type-changed", B)}
    removed = next(f for f in found if f.id == "request.body.media-type-removed")
    assert removed.details == {"media_type": "application/json", "was_used": True}


def test_media_type_removed_that_was_an_alternative() -> None:
    """Removing a media type toolsync does not send is a warning; adding one is info."""
    old = post_body(PET, media_types=("application/json", FORM))
    assert ids(diff_operations(old, post_body(PET))) == {("request.body.media-type-removed", W)}
    assert ids(diff_operations(post_body(PET), old)) == {("request.body.media-type-added", I)}


def test_media_type_parameters_do_not_matter() -> None:
    """`application/json; charset=utf-8` is the same media type as `application/json`."""
    assert diff_operations(post_body(PET), post_body(PET, media_types=("application/json; charset=utf-8",))) == []


@pytest.mark.parametrize(("old", "new", "rule", "severity"), [
    (obj(name=S, age=INT), obj(name=S), "response.property.removed", W),
    (obj(age=INT), obj(age=S), "response.schema.type-changed", W),
    (obj(age=INT), obj(age={"type": ["integer", "null"]}), "response.schema.null-added", I),
    (obj(kind={**S, "enum": ["a"]}), obj(kind={**S, "enum": ["a", "b"]}), "response.schema.enum-value-added", I),
    (obj(v={"oneOf": [S, INT]}), obj(v={"oneOf": [S, INT, {"type": "boolean"}]}), "response.schema.variant-added", I),
    (obj(age=INT), obj(age={"type": "number"}), "response.schema.type-changed", W),
], ids=["property-removed", "retyped", "null-added", "enum-value-added", "variant-added", "widened"])
def test_response_schema_rule(old: dict[str, Any], new: dict[str, Any], rule: str, severity: FindingSeverity) -> None:
    """Each change to the success response's schema yields exactly its rule id and severity."""
    found = only(get_returning(old), get_returning(new))
    assert (found.id, found.severity) == (rule, severity)


def test_response_changes_the_agent_can_absorb_are_silent() -> None:
    """New response properties, narrower types, removed enum values and tighter bounds are not reported."""
    old = obj(a=S, n={"type": "number"}, k={**S, "enum": ["x", "y"]}, s=S)
    new = obj(a=S, b=S, n=INT, k={**S, "enum": ["x"]}, s={**S, "maxLength": 3})
    assert diff_operations(get_returning(old), get_returning(new)) == []


def test_response_message_names_the_status() -> None:
    """Response findings say which response they are about."""
    found = only(get_returning(obj(owner=obj(id=INT))), get_returning(obj(owner=obj(id=S))))
    assert found.message == "Field `owner.id` in the 200 response of GET /pets changed type from integer to string"
    assert found.new_pointer == "/paths/~1pets/get/responses/200/content/application~1json/schema/properties/owner/properties/id"


def test_success_status_changed() -> None:
    """A 200 that becomes 201 is a warning; the schemas are still compared."""
    found = diff_operations(get_returning(obj(a=S)), op("get", "/pets", responses=ok(obj(a=INT), "201")))
    assert ids(found) == {("response.success.status-changed", W), ("response.schema.type-changed", W)}


def test_success_response_removed() -> None:
    """Losing the documented success response is a warning."""
    found = only(get_returning(PET), op("get", "/pets", responses=(Response("404", "missing"),)))
    assert (found.id, found.severity) == ("response.success.removed", W)


def test_response_media_type_removed() -> None:
    """A success response no longer sent as a media type is a warning."""
    both = (Response("200", "ok", (MediaType("application/json", PET), MediaType("application/xml", PET))),)
    found = only(op("get", "/pets", responses=both), get_returning(PET))
    assert (found.id, found.severity) == ("response.media-type-removed", W)


def test_unchanged_bodies_have_no_findings() -> None:
    """Identical bodies and responses compare equal."""
    assert diff_operations(post_body(PET), post_body(dict(PET))) == []
    assert diff_operations(op("post", "/pets", request_body=body(PET)), post_body(PET)) == []
