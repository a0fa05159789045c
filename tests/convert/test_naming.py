"""Tool names: valid for every provider, unique, and stable under any change to the other operations."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.convert.builders import op
from toolsync.convert.naming import NAME_PATTERN, assign_names, key_hash
from toolsync.ir import Operation


def names(*operations: Operation, namespace: str | None = None) -> list[str]:
    found = assign_names(operations, namespace=namespace)
    return [found[o.key] for o in operations]


def test_valid_operation_id_is_used_verbatim() -> None:
    """An operationId that already fits the pattern is the name."""
    assert names(op("get", "/pets", "listPets")) == ["listPets"]


def test_namespace_prefixes_every_name() -> None:
    """A namespace goes in front with an underscore."""
    assert names(op("get", "/pets", "listPets"), namespace="shop") == ["shop_listPets"]


def test_invalid_operation_id_is_sanitized() -> None:
    """Characters outside [A-Za-z0-9_-] become '_' and runs collapse."""
    assert names(op("get", "/a", "pets.list / all"), op("get", "/b", "meta/root")) == ["pets_list_all", "meta_root"]


def test_missing_operation_id_is_derived_from_method_and_path() -> None:
    """Without an operationId the name is method_path with braces removed."""
    assert names(op("get", "/pets/{petId}/photos")) == ["get_pets_petId_photos"]
    assert names(op("delete", "/")) == ["delete"]


def test_name_starting_with_a_digit_gets_a_prefix() -> None:
    """A sanitized name must start with a letter or '_'."""
    assert names(op("get", "/x", "2fa.enable")) == ["op_2fa_enable"]


def test_long_name_is_cut_with_a_key_hash() -> None:
    """More than 64 characters: 55 kept, then '_' and 8 hex digits of the operation key's hash."""
    operation = op("get", "/x", "a" * 80)
    (name,) = names(operation)
    assert len(name) == 64
    assert name == "a" * 55 + "_" + key_hash("GET /x")


def test_namespace_counts_toward_the_length() -> None:
    """A verbatim id that only overflows with the namespace is shortened too."""
    operation = op("get", "/x", "b" * 62)
    assert names(operation) == ["b" * 62]
    (name,) = names(operation, namespace="ns")
    assert len(name) == 64 and name.startswith("ns_bbb") and name.endswith(key_hash("GET /x"))


def test_clashing_derived_names_all_get_a_hash() -> None:
    """Two derived names that collide are both suffixed, never numbered by position."""
    a, b = op("get", "/pets/{id}"), op("get", "/pets/id")
    assert names(a, b) == [f"get_pets_id_{key_hash(a.key)}", f"get_pets_id_{key_hash(b.key)}"]


def test_verbatim_operation_id_keeps_its_name_against_a_derived_one() -> None:
    """A derived name equal to a real operationId is the one that yields."""
    owner, other = op("get", "/a", "get_pets"), op("get", "/pets")
    assert names(owner, other) == ["get_pets", f"get_pets_{key_hash(other.key)}"]


def test_duplicate_operation_ids_are_both_suffixed() -> None:
    """An invalid spec with the same operationId twice still gets distinct names."""
    a, b = op("get", "/a", "dup"), op("post", "/b", "dup")
    result = names(a, b)
    assert result == [f"dup_{key_hash(a.key)}", f"dup_{key_hash(b.key)}"]


def test_a_hashed_name_equal_to_another_name_grows_its_hash() -> None:
    """Even an operationId spelling another operation's hashed name cannot make two names equal."""
    a, b = op("get", "/pets/{id}"), op("get", "/pets/id")
    squatter = op("get", "/s", f"get_pets_id_{key_hash(a.key)}")
    result = names(a, b, squatter)
    assert len(set(result)) == 3
    assert result[2] == squatter.operation_id
    assert result[0] == f"get_pets_id_{key_hash(a.key, 12)}"


_segment = st.text("abcdefXYZ019_-.{}~ ", min_size=1, max_size=12)
_operation = st.builds(
    lambda method, segments, op_id: op(method, "/" + "/".join(segments), op_id),
    st.sampled_from(["get", "post", "put", "delete", "patch"]),
    st.lists(_segment, min_size=0, max_size=4),
    st.one_of(st.none(), st.text(min_size=1, max_size=90), st.sampled_from(["listPets", "get_a", "dup", "x" * 70])),
)
_operations = st.lists(_operation, min_size=1, max_size=25, unique_by=lambda o: o.key)


@settings(max_examples=150, deadline=None)
@given(_operations, st.randoms(use_true_random=False), st.sampled_from([None, "ns", "A-b_c"]))
def test_names_are_valid_unique_and_order_independent(
    operations: list[Operation], rnd: random.Random, namespace: str | None
) -> None:
    """Every name matches the pattern, no two are equal, and shuffling changes nothing."""
    first = assign_names(operations, namespace=namespace)
    shuffled = operations[:]
    rnd.shuffle(shuffled)
    assert assign_names(shuffled, namespace=namespace) == first
    assert all(NAME_PATTERN.match(name) for name in first.values())
    assert len(set(first.values())) == len(first)


@settings(max_examples=150, deadline=None)
@given(_operations, _operation)
def test_adding_an_operation_renames_only_its_clash_partners(operations: list[Operation], extra: Operation) -> None:
    """Adding (or, read backwards, removing) one operation leaves every name it does not clash with alone."""
    if any(o.key == extra.key for o in operations):
        return
    before = assign_names(operations, namespace=None)
    after = assign_names([*operations, extra], namespace=None)
    renamed = [o for o in operations if before[o.key] != after[o.key]]
    assert all(_candidate(o) == _candidate(extra) for o in renamed)


def _candidate(operation: Operation) -> str:
    from toolsync.convert.naming import candidate_name

    return candidate_name(operation)[0]
