"""Properties at any depth: through $defs refs, allOf, oneOf/anyOf, items and additionalProperties."""

from __future__ import annotations

from typing import Any

from toolsync.diff import FindingSeverity, diff_operations
from toolsync.ir import MediaType, Operation, RequestBody

from .conftest import ids, obj, only, op, post_body

B, W, I = FindingSeverity.BREAKING, FindingSeverity.WARNING, FindingSeverity.INFO
S: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}
BODY = "/paths/~1pets/post/requestBody/content/application~1json/schema"


def _with_defs(schema: dict[str, Any], defs: dict[str, Any]) -> Operation:
    return op("post", "/pets", request_body=RequestBody((MediaType("application/json", schema),), required=True),
              defs=defs)


def test_required_property_added() -> None:
    """A new required body property is breaking and points at the new property."""
    found = only(post_body(obj(name=S)), post_body(obj(("owner",), name=S, owner=S)))
    assert (found.id, found.severity) == ("request.property.added-required", B)
    assert found.new_pointer == f"{BODY}/properties/owner" and found.old_pointer is None
    assert found.message == "Field `owner` in the request body of POST /pets was added as required"


def test_optional_property_added() -> None:
    """A new optional body property is info."""
    found = only(post_body(obj(name=S)), post_body(obj(name=S, nick=S)))
    assert (found.id, found.severity) == ("request.property.added-optional", I)


def test_property_removed() -> None:
    """Removing a body property is breaking, whether it was required or not."""
    for required in ((), ("age",)):
        found = only(post_body(obj(required, name=S, age=INT)), post_body(obj(name=S)))
        assert (found.id, found.severity) == ("request.property.removed", B)
        assert found.details == {"required": bool(required)}


def test_property_became_required_and_optional() -> None:
    """Required flips are breaking one way and info the other; the order of `required` does not matter."""
    loose, strict = post_body(obj(("a",), a=S, b=S)), post_body(obj(("b", "a"), a=S, b=S))
    assert ids(diff_operations(loose, strict)) == {("request.property.became-required", B)}
    assert ids(diff_operations(strict, loose)) == {("request.property.became-optional", I)}
    assert diff_operations(post_body(obj(("a", "b"), a=S, b=S)), strict) == []


def test_nested_property_retyped() -> None:
    """A retyped property deep inside the body names its dotted path and points at it."""
    old = post_body(obj(owner=obj(address=obj(zip=INT))))
    new = post_body(obj(owner=obj(address=obj(zip=S))))
    found = only(old, new)
    assert found.id == "request.schema.type-changed"
    assert found.message.startswith("Field `owner.address.zip` in the request body")
    assert found.new_pointer == f"{BODY}/properties/owner/properties/address/properties/zip"


def test_array_items_and_map_values() -> None:
    """Changes under items and additionalProperties are found and named `x[]` and `x.*`."""
    old = post_body(obj(tags={"type": "array", "items": obj(name=S)},
                        labels={"type": "object", "additionalProperties": S}))
    new = post_body(obj(tags={"type": "array", "items": obj(name=INT)},
                        labels={"type": "object", "additionalProperties": INT}))
    messages = sorted(f.message for f in diff_operations(old, new))
    assert messages == [
        "Field `labels.*` in the request body of POST /pets changed type from string to integer",
        "Field `tags[].name` in the request body of POST /pets changed type from string to integer",
    ]


def test_items_added_to_untyped_array() -> None:
    """Constraining the items of an array that took anything is a narrowing."""
    found = only(post_body(obj(tags={"type": "array"})), post_body(obj(tags={"type": "array", "items": S})))
    assert (found.id, found.severity) == ("request.schema.type-narrowed", B)


def test_change_inside_a_cycle_through_defs() -> None:
    """A cyclic schema is compared through its $defs, terminates, and reports each change once."""
    def node(value: dict[str, Any]) -> dict[str, Any]:
        return obj(value=value, children={"type": "array", "items": {"$ref": "#/$defs/Node"}})

    old = _with_defs({"$ref": "#/$defs/Node"}, {"Node": node(INT)})
    new = _with_defs({"$ref": "#/$defs/Node"}, {"Node": node(S)})
    found = only(old, new)
    assert found.id == "request.schema.type-changed"
    assert found.message.startswith("Field `value` in the request body")


def test_change_only_in_a_referenced_def_is_found() -> None:
    """Two bodies written identically still differ when a $defs entry they reach changed."""
    body = obj(tree={"$ref": "#/$defs/Tree"})
    old = _with_defs(body, {"Tree": obj(kids={"type": "array", "items": {"$ref": "#/$defs/Tree"}}, id=INT)})
    new = _with_defs(body, {"Tree": obj(kids={"type": "array", "items": {"$ref": "#/$defs/Tree"}}, id=S)})
    assert only(old, new).message.startswith("Field `tree.id` in the request body")


def test_all_of_is_merged_before_comparing() -> None:
    """allOf members are merged: a required property added in one member is found; the pointer names it."""
    base = obj(("id",), id=INT)
    old = post_body({"allOf": [base, obj(name=S)]})
    new = post_body({"allOf": [base, obj(("name",), name=S)]})
    found = only(old, new)
    assert (found.id, found.severity) == ("request.property.became-required", B)
    assert found.new_pointer == f"{BODY}/allOf/1/required"


def test_all_of_property_retyped_points_into_its_member() -> None:
    """A property from an allOf member is pointed at inside that member."""
    old = post_body({"allOf": [obj(id=INT), obj(name=S)]})
    new = post_body({"allOf": [obj(id=INT), obj(name=INT)]})
    assert only(old, new).new_pointer == f"{BODY}/allOf/1/properties/name"


def test_all_of_and_merged_inline_compare_equal() -> None:
    """Splitting an object into allOf parts (or merging it back) is not a change."""
    merged = post_body(obj(("id", "name"), id=INT, name=S))
    split = post_body({"allOf": [obj(("id",), id=INT), obj(("name",), name=S)]})
    assert diff_operations(merged, split) == []
    assert diff_operations(split, merged) == []


def test_one_of_variant_removed_and_added() -> None:
    """Losing a oneOf variant is breaking, gaining one is info."""
    cat, dog, fish = (obj(("kind",), kind={"const": k}, **{k: S}) for k in ("cat", "dog", "fish"))
    old = post_body({"oneOf": [{**cat, "title": "Cat"}, {**dog, "title": "Dog"}]})
    new = post_body({"oneOf": [{**dog, "title": "Dog"}, {**fish, "title": "Fish"}]})
    found = diff_operations(old, new)
    assert ids(found) == {("request.schema.variant-removed", B), ("request.schema.variant-added", I)}
    assert any("#1 (Cat)" in f.message for f in found)


def test_one_of_variants_matched_by_structure() -> None:
    """Reordered variants match by structure; a change inside one is reported against the right variant."""
    cat = obj(("meow",), meow=S)
    dog = obj(("bark",), bark=S, weight=INT)
    old = post_body({"anyOf": [cat, dog]})
    new = post_body({"anyOf": [obj(("bark",), bark=S, weight=S), cat]})
    found = only(old, new)
    assert found.message.startswith("Field `weight` in the request body")
    assert found.old_pointer == f"{BODY}/anyOf/1/properties/weight"
    assert found.new_pointer == f"{BODY}/anyOf/0/properties/weight"
    assert diff_operations(old, post_body({"anyOf": [dog, cat]})) == []


def test_plain_schema_becoming_one_of() -> None:
    """A plain schema that becomes a oneOf keeping it as a variant only gains a variant."""
    found = only(post_body(obj(v=S)), post_body(obj(v={"oneOf": [S, INT]})))
    assert (found.id, found.severity) == ("request.schema.variant-added", I)


def test_nullable_spellings_are_equal() -> None:
    """`anyOf: [X, {type: null}]` (lifted 3.0 nullable) equals X with null in its type."""
    spelled = post_body(obj(v={"anyOf": [{"type": "object", "properties": {"a": S}}, {"type": "null"}]}))
    typed = post_body(obj(v={"type": ["null", "object"], "properties": {"a": S}}))
    assert diff_operations(spelled, typed) == []
    assert only(post_body(obj(v={"type": "object", "properties": {"a": S}})), spelled).id == \
        "request.schema.null-added"


def test_read_only_properties_are_not_request_fields() -> None:
    """Removing or adding a readOnly property does not affect what the agent sends."""
    old = post_body(obj(id={**INT, "readOnly": True}, name=S))
    assert diff_operations(old, post_body(obj(name=S))) == []
    assert diff_operations(post_body(obj(name=S)), post_body(obj(("id",), id={**INT, "readOnly": True}, name=S))) == []


def test_boolean_schemas() -> None:
    """`true` and `false` schemas compare as "anything" and "nothing"."""
    assert only(post_body(obj(v=True)), post_body(obj(v=S))).id == "request.schema.type-narrowed"
    assert diff_operations(post_body(obj(v=True)), post_body(obj(v={}))) == []


def test_self_referencing_all_of_terminates() -> None:
    """A def that includes itself through allOf does not recurse forever."""
    defs = {"Loop": {"allOf": [{"$ref": "#/$defs/Loop"}, obj(a=S)]}}
    old = _with_defs({"$ref": "#/$defs/Loop"}, defs)
    new = _with_defs({"$ref": "#/$defs/Loop"}, {"Loop": {"allOf": [{"$ref": "#/$defs/Loop"}, obj(a=INT)]}})
    assert only(old, new).id == "request.schema.type-changed"


def test_very_deep_difference_is_reported_once() -> None:
    """Differences below the compared depth become one warning instead of unbounded recursion."""
    def deep(leaf: dict[str, Any], levels: int) -> dict[str, Any]:
        for _ in range(levels):
            leaf = obj(x=leaf)
        return leaf

    found = only(post_body(deep(INT, 80)), post_body(deep(S, 80)))
    assert (found.id, found.severity) == ("request.schema.too-deep", W)


def test_required_alternatives_on_a_shared_parent() -> None:
    """`properties` + `anyOf: [{required: [a]}, {required: [b]}]` is two object variants, not a lost shape."""
    old = post_body(obj(("state",), state=S, note=S))
    new = post_body({**obj(state=S, note=S, assignees={"type": "array", "items": S}),
                     "anyOf": [{"required": ["state"]}, {"required": ["assignees"]}]})
    found = diff_operations(old, new)
    assert ids(found) == {("request.property.added-optional", I), ("request.schema.variant-added", I)}
    added = next(f for f in found if f.id == "request.schema.variant-added")
    assert added.new_pointer == f"{BODY}/anyOf/1"


def test_variants_merged_into_a_wider_one_are_not_lost() -> None:
    """Two old variants folded into one new variant that accepts both break nobody."""
    names = obj(labels={"type": "array", "items": S})
    objects = obj(labels={"type": "array", "items": obj(("name",), name=S)})
    merged = obj(labels={"type": "array", "items": {"oneOf": [S, obj(("name",), name=S, note=S)]}})
    found = diff_operations(post_body({"oneOf": [names, objects]}), post_body({"oneOf": [merged]}))
    assert not any(f.severity is B for f in found)
    assert ("request.schema.variant-added", I) in ids(found)


def test_a_narrowed_lost_variant_is_still_breaking() -> None:
    """A lost variant that no new variant fully accepts is breaking."""
    old = post_body({"oneOf": [obj(("a",), a=S), obj(("b",), b=INT)]})
    new = post_body({"oneOf": [obj(("a",), a=S), obj(("b",), b=S)]})
    found = diff_operations(old, new)
    assert ("request.schema.type-changed", B) in ids(found)


def test_null_is_compared_once_across_union_spellings() -> None:
    """`type: [string, null]` that becomes `anyOf: [oneOf: [string, object], null]` keeps null: only a variant is added."""
    old = post_body(obj(kind={"type": ["string", "null"]}))
    new = post_body(obj(kind={"anyOf": [{"oneOf": [S, obj(value=S)]}, {"type": "null"}]}))
    assert ids(diff_operations(old, new)) == {("request.schema.variant-added", I)}
    dropped = post_body(obj(kind={"oneOf": [S, obj(value=S)]}))
    assert ids(diff_operations(old, dropped)) == {("request.schema.null-removed", B),
                                                  ("request.schema.variant-added", I)}
