"""SchemaDigests: digests that serialize each shared object schema once, and depend on content alone."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolsync.convert.hashing import SchemaDigests, canonical_json, content_hash
from toolsync.errors import ConversionError

OWNER = {"type": "object", "properties": {"login": {"type": "string"}, "id": {"type": "integer"}}}


def _repo(owner: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {"name": {"type": "string"}, "owner": owner,
                                             "forks": {"type": "array", "items": {"allOf": [owner]}}}}


def test_a_shared_subschema_hashes_like_its_copy() -> None:
    """Sharing by identity is a shortcut, not part of the digest: a deep copy hashes the same."""
    shared = _repo(OWNER)
    assert SchemaDigests().hexdigest(shared) == SchemaDigests().hexdigest(copy.deepcopy(shared))
    digests = SchemaDigests()
    first = digests.hexdigest({"type": "array", "items": shared})
    assert first == SchemaDigests().hexdigest({"type": "array", "items": copy.deepcopy(shared)})
    assert digests.hexdigest({"type": "array", "items": shared}) == first


def test_order_of_keys_and_of_builds_does_not_matter() -> None:
    """Keys are sorted; a digest does not depend on what was digested before it."""
    reordered = {"properties": {"id": {"type": "integer"}, "login": {"type": "string"}}, "type": "object"}
    assert SchemaDigests().hexdigest(_repo(OWNER)) == SchemaDigests().hexdigest(_repo(reordered))
    warm = SchemaDigests()
    warm.hexdigest(OWNER)
    warm.hexdigest({"type": "array", "items": OWNER})
    assert warm.hexdigest(_repo(OWNER)) == SchemaDigests().hexdigest(_repo(OWNER))


@pytest.mark.parametrize("change", [
    lambda s: s["properties"]["owner"]["properties"]["login"].update(type="integer"),
    lambda s: s["properties"]["forks"]["items"]["allOf"][0]["properties"].pop("id"),
    lambda s: s["properties"]["owner"].update(description="who owns it"),
    lambda s: s["properties"].update(extra={"type": "object", "properties": {}}),
])
def test_a_change_deep_inside_changes_the_digest(change: Any) -> None:
    """A change inside a subschema that is written as a digest still changes the root's digest."""
    before = _repo(copy.deepcopy(OWNER))
    after = copy.deepcopy(before)
    change(after)
    assert SchemaDigests().hexdigest(before) != SchemaDigests().hexdigest(after)


def test_a_digest_written_as_text_is_not_a_digest() -> None:
    """A string that spells a subschema's digest does not hash like the subschema: '#' cannot start a value."""
    digests = SchemaDigests()
    schema = {"type": "object", "properties": {"owner": OWNER}}
    written = canonical_json(digests.reduced(schema))
    assert b'"owner":#' in written
    spelled = written.decode().split('"owner":')[1].split("}")[0]
    forged = {"type": "object", "properties": {"owner": spelled}}
    assert SchemaDigests().hexdigest(forged) != SchemaDigests().hexdigest(schema)


def test_the_root_and_non_object_subschemas_are_written_in_full() -> None:
    """Only object subschemas below the root become digests; the rest reads as written."""
    schema = {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}}}}
    assert SchemaDigests().reduced(schema) is schema
    assert SchemaDigests().reduced([1, 2]) == [1, 2]


def test_values_json_cannot_hold_are_a_conversion_error() -> None:
    """A value orjson cannot write, however deep, is a ConversionError naming the source."""
    schema = {"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {"enum": [{1, 2}]}}}}}
    with pytest.raises(ConversionError, match="cannot be written as JSON") as info:
        SchemaDigests().hexdigest(schema, source="spec.yaml")
    assert info.value.source == "spec.yaml"


def test_content_hash_with_or_without_a_shared_memo_agree() -> None:
    """A build's shared memo gives the same hash as a fresh one."""
    kw: dict[str, Any] = {"name": "t", "description": "d", "input_schema": {"type": "object", "properties": {
        "body": _repo(OWNER)}}, "output_digest": None, "bindings": (), "annotations": {}, "method": "get",
        "path": "/x", "servers": ()}
    digests = SchemaDigests()
    assert content_hash(**kw, digests=digests) == content_hash(**kw) == content_hash(**kw, digests=digests)


_leaves = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=3))
_schemas = st.recursive(
    st.fixed_dictionaries({"type": st.sampled_from(["string", "integer"])}),
    lambda inner: st.one_of(
        st.fixed_dictionaries({"type": st.just("object"), "properties": st.dictionaries(st.text(max_size=2), inner,
                                                                                        max_size=3)}),
        st.fixed_dictionaries({"items": inner}),
        st.fixed_dictionaries({"anyOf": st.lists(inner, min_size=1, max_size=3)}),
        st.fixed_dictionaries({"enum": st.lists(_leaves, max_size=3)}),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_schemas, _schemas)
def test_digests_are_equal_exactly_when_the_schemas_are(a: dict[str, Any], b: dict[str, Any]) -> None:
    """Equal content, equal digest; different content, different digest (through one shared memo)."""
    digests = SchemaDigests()
    assert (digests.hexdigest(a) == digests.hexdigest(b)) == (canonical_json(a) == canonical_json(b))
