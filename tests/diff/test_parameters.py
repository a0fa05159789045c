"""Parameter checks: presence, required flag, location, name, serialization, wording and schema."""

from __future__ import annotations

import pytest

from toolsync.diff import FindingSeverity, diff_operations

from .conftest import ids, only, op, param

B, W, I = FindingSeverity.BREAKING, FindingSeverity.WARNING, FindingSeverity.INFO
LIMIT = param("limit", schema={"type": "integer"})


def _get(*params: object, path: str = "/pets") -> object:
    return op("get", path, parameters=params)


@pytest.mark.parametrize(("old", "new", "rule", "severity"), [
    ((), (param("limit", required=True),), "request.parameter.added-required", B),
    ((), (LIMIT,), "request.parameter.added-optional", I),
    ((LIMIT,), (param("limit", schema={"type": "integer"}, required=True),), "request.parameter.became-required", B),
    ((param("limit", required=True),), (param("limit"),), "request.parameter.became-optional", I),
    ((param("limit", required=True),), (), "request.parameter.removed-required", B),
    ((LIMIT,), (), "request.parameter.removed-optional", W),
    ((param("trace"),), (param("trace", "header"),), "request.parameter.moved", B),
    ((LIMIT,), (param("limit", schema={"type": "integer"}, deprecated=True),), "request.parameter.deprecated", W),
    ((param("ids"),), (param("ids", style="pipeDelimited"),), "request.parameter.serialization-changed", W),
    ((param("ids"),), (param("ids", explode=False),), "request.parameter.serialization-changed", W),
    ((param("q", description="Search."),), (param("q", description="Full-text search."),),
     "request.parameter.description-changed", I),
    ((LIMIT,), (param("limit"),), "request.schema.type-changed", B),
], ids=["added-required", "added-optional", "became-required", "became-optional", "removed-required",
        "removed-optional", "moved", "deprecated", "style", "explode", "description", "retyped"])
def test_parameter_rule(old: tuple, new: tuple, rule: str, severity: FindingSeverity) -> None:
    """Each parameter change yields exactly its rule id and severity."""
    found = only(_get(*old), _get(*new))
    assert (found.id, found.severity) == (rule, severity)


def test_became_required_message() -> None:
    """The message names the parameter, its location and the operation."""
    found = only(_get(LIMIT), _get(param("limit", schema={"type": "integer"}, required=True)))
    assert found.message == "Parameter `limit` (query) of GET /pets became required"
    assert found.details == {"name": "limit", "location": "query"}


def test_moved_parameter_is_still_compared() -> None:
    """A parameter moved to another location is reported as moved, and its schema is still compared."""
    found = diff_operations(_get(param("trace", schema={"type": "integer"})), _get(param("trace", "header")))
    assert ids(found) == {("request.parameter.moved", B), ("request.schema.type-changed", B)}
    moved = next(f for f in found if f.id == "request.parameter.moved")
    assert "moved from query to header" in moved.message


def test_renamed_path_parameter() -> None:
    """A path parameter renamed in place is one rename, not a removal plus an addition."""
    old = _get(param("id", "path"), path="/pets/{id}")
    new = op("get", "/pets/{petId}", parameters=(param("petId", "path"),))
    assert ids(diff_operations(old, new)) == {("request.parameter.renamed", B), ("operation.moved", B)}


def test_header_names_are_case_insensitive() -> None:
    """X-Request-Id and x-request-id are the same header."""
    assert diff_operations(_get(param("X-Request-Id", "header")), _get(param("x-request-id", "header"))) == []


def test_parameter_order_is_irrelevant() -> None:
    """Reordering parameters is not a change."""
    a, b = param("a"), param("b", "header")
    assert diff_operations(_get(a, b), _get(b, a)) == []


def test_parameter_pointer_falls_back_to_its_index() -> None:
    """Without a pointer from the loader, findings point at the parameter's index in the operation."""
    found = only(_get(param("a"), LIMIT), _get(param("a"), param("limit")))
    assert found.old_pointer == "/paths/~1pets/get/parameters/1/schema"


def test_parameter_pointer_from_the_loader() -> None:
    """A loader-provided pointer (e.g. a shared component parameter) is used as the base."""
    old = _get(param("limit", schema={"type": "integer"}, pointer="/components/parameters/limit"))
    new = _get(param("limit", pointer="/components/parameters/limit"))
    assert only(old, new).new_pointer == "/components/parameters/limit/schema"


def test_content_parameter_schema_pointer() -> None:
    """A parameter declared with content points into its media type's schema."""
    old = _get(param("filter", schema={"type": "object"}, content_type="application/json"))
    new = _get(param("filter", schema={"type": "array"}, content_type="application/json"))
    assert only(old, new).new_pointer == "/paths/~1pets/get/parameters/0/content/application~1json/schema"
