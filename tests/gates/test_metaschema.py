"""Meta-schema checks node by node give the same verdict as validating the whole schema."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator, Draft202012Validator

from toolsync.gates._metaschema import meta_schema_errors

_FULL = Draft202012Validator(Draft202012Validator.META_SCHEMA)
_KEYWORDS = st.sampled_from([
    "type", "properties", "items", "required", "enum", "const", "minimum", "maxLength", "minItems", "multipleOf",
    "anyOf", "allOf", "prefixItems", "additionalProperties", "$ref", "$id", "$anchor", "description", "default",
    "uniqueItems", "format", "pattern", "$defs", "dependencies", "x-vendor", "not", "$vocabulary",
    "dependentRequired", "examples", "definitions", "readOnly", "contentSchema", "$dynamicRef",
])
_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=3), st.sampled_from(["string", "object", "#", "#/x", "a#b", "_a"]))
_VALUES = st.recursive(_LEAVES, lambda c: st.one_of(st.lists(c, max_size=3),
                                                    st.dictionaries(st.one_of(_KEYWORDS, st.text(max_size=2)), c,
                                                                    max_size=3)), max_leaves=15)


@settings(max_examples=250, deadline=None)
@given(schema=st.dictionaries(_KEYWORDS, _VALUES, max_size=5))
def test_same_verdict_as_whole_validation(schema: dict[str, Any]) -> None:
    """A random 2020-12 schema is valid node by node exactly when jsonschema finds it valid whole."""
    whole = list(_FULL.iter_errors(schema))
    assert bool(meta_schema_errors(schema)) == bool(whole)


def test_errors_point_into_the_schema() -> None:
    """An invalid nested keyword is reported at its JSON pointer under the given prefix."""
    schema = {"type": "object", "properties": {"a/b": {"type": "text"}, "n": {"minLength": -1}}}
    pointers = sorted(p for p, _ in meta_schema_errors(schema, "/parameters"))
    assert pointers == ["/parameters/properties/a~1b/type", "/parameters/properties/n/minLength"]


def test_other_dialects_are_validated_whole() -> None:
    """A schema declaring draft-07 is checked against draft-07 (tuple ``items`` is fine there)."""
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", "type": "array", "items": [{"type": "string"}]}
    assert meta_schema_errors(schema) == []
    assert not list(Draft7Validator(Draft7Validator.META_SCHEMA).iter_errors(schema))
    assert meta_schema_errors({**schema, "$schema": "https://json-schema.org/draft/2020-12/schema"}) != []


def test_odd_inputs_are_reported_not_raised() -> None:
    """An unhashable $schema, values JSON cannot hold and a dict nested in itself end in findings or none."""
    assert meta_schema_errors({"$schema": ["x"]})[0][1].startswith("schema could not be checked")
    assert meta_schema_errors({"enum": {1, 2}}) != []
    looped: dict[str, Any] = {"type": "object", "properties": {}}
    looped["properties"]["self"] = looped
    assert meta_schema_errors(looped) == []
