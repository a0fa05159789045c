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


_PLAUSIBLE_LEAVES = st.one_of(st.sampled_from(["string", "object", "integer", "null", "number", "array"]),
                              st.integers(-2, 5), st.floats(-2, 5), st.booleans(), st.text(max_size=2),
                              st.lists(st.sampled_from(["string", "null", "a", "b"]), max_size=3))
_PLAUSIBLE_KEYWORDS = st.sampled_from([
    "type", "required", "enum", "minimum", "maximum", "maxLength", "minItems", "minProperties", "multipleOf",
    "description", "title", "format", "pattern", "uniqueItems", "readOnly", "examples", "$ref", "x-any",
])


@st.composite
def _plausible(draw: st.DrawFn, depth: int = 2) -> dict[str, Any]:
    """Schemas mostly made of valid common keywords: what the quick node test decides on its own."""
    node: dict[str, Any] = draw(st.dictionaries(_PLAUSIBLE_KEYWORDS, _PLAUSIBLE_LEAVES, max_size=4))
    if depth:
        child = _plausible(depth - 1)
        if draw(st.booleans()):
            node["properties"] = draw(st.dictionaries(st.text(max_size=2), st.one_of(child, st.booleans()),
                                                      max_size=2))
        if draw(st.booleans()):
            node[draw(st.sampled_from(["items", "not", "additionalProperties"]))] = draw(child)
        if draw(st.booleans()):
            node[draw(st.sampled_from(["anyOf", "oneOf", "allOf", "prefixItems"]))] = draw(
                st.lists(st.one_of(child, st.booleans()), max_size=2))
    return node


@settings(max_examples=400, deadline=None)
@given(schema=_plausible())
def test_quick_node_test_agrees_with_jsonschema(schema: dict[str, Any]) -> None:
    """Where most nodes take the quick test, the verdict still matches jsonschema on the whole schema."""
    assert bool(meta_schema_errors(schema)) == bool(list(_FULL.iter_errors(schema)))


def test_quick_node_test_only_accepts_valid_nodes() -> None:
    """Each value the quick test accepts is valid; each it refuses goes to the meta-schema (and is judged there)."""
    from toolsync.gates._metaschema import _fast_valid

    accepted = [{"type": ["string", "null"]}, {"required": ["a", "b"]}, {"minLength": 0}, {"multipleOf": 0.5},
                {"anyOf": [True, {}]}, {"properties": {"a": False}}, {"enum": []}, {"x-a": object()}]
    refused = [{"type": []}, {"type": ["string", "string"]}, {"type": "text"}, {"required": ["a", "a"]},
               {"minLength": 1.0}, {"minLength": -1}, {"multipleOf": 0}, {"anyOf": []}, {"items": 1},
               {"properties": {"a": 1}}, {"$id": "x"}, {"dependentRequired": {}}, {"uniqueItems": 1},
               {"minimum": True}, {"type": [{"a": 1}, {"a": 1}]}, {"required": [["a"], ["a"]]}]
    for node in accepted:
        assert _fast_valid(node, []), node
        assert not list(_FULL.iter_errors({k: v for k, v in node.items() if k != "x-a"})), node
    for node in refused:
        assert not _fast_valid(node, []), node
    assert meta_schema_errors({"minLength": 1.0}) == []  # refused by the quick test, valid all the same
