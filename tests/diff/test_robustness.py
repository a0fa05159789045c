"""Arbitrary, even malformed, schemas never crash the diff, and a schema never differs from itself."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import toolsync.diff
from toolsync.diff import diff_operations
from toolsync.ir import MediaType, RequestBody

from .conftest import get_returning, op

_KEYWORDS = ["type", "properties", "required", "items", "additionalProperties", "enum", "const", "format",
             "pattern", "maximum", "minimum", "maxLength", "multipleOf", "uniqueItems", "oneOf", "anyOf",
             "allOf", "$ref", "description", "default", "readOnly", "exclusiveMinimum", "prefixItems"]
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(width=16),
                     st.sampled_from(["string", "integer", "number", "object", "array", "null", "#/$defs/A",
                                      "a", "b"]))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from([*_KEYWORDS, "a", "b"]), inner, max_size=4)),
    max_leaves=8)
_schemas = st.dictionaries(st.sampled_from(_KEYWORDS), _values, max_size=5)


def _body_op(schema: Any, defs: Any) -> Any:
    return op("post", "/x", request_body=RequestBody((MediaType("application/json", schema),)), defs=defs,
              responses=get_returning(schema).responses)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_schemas, _schemas, _schemas)
def test_arbitrary_schemas_never_crash(old: dict[str, Any], new: dict[str, Any], target: dict[str, Any]) -> None:
    """Any pair of schema-shaped values compares without an exception; each is equal to itself."""
    defs = {"A": target}
    found = diff_operations(_body_op(old, defs), _body_op(new, defs))
    assert all(f.message and f.id for f in found)
    assert diff_operations(_body_op(old, defs), _body_op(old, defs)) == []


def test_public_names_are_listed() -> None:
    """toolsync.diff exports exactly its public names, each once."""
    public = {name for name in vars(toolsync.diff) if not name.startswith("_") and name != "annotations"}
    assert sorted(toolsync.diff.__all__) == sorted(public)
