"""Two specs producing the same tool name: refused, namespaced or renamed, never overwritten."""

from __future__ import annotations

import pytest

from toolsync.errors import NameConflictError
from toolsync.registry import Registry, RegistryOptions

from .builders import spec_of


def test_conflict_refused_by_default(registry: Registry) -> None:
    """The second spec's clashing tool raises NameConflictError and nothing is committed."""
    registry.apply(spec_of("pets", ["listItems"]))
    with pytest.raises(NameConflictError) as caught:
        registry.apply(spec_of("shop", ["listItems", "buy"]))
    assert "'pets'" in str(caught.value) and "namespace" in str(caught.value)
    assert registry.version == 1
    assert registry.get("listItems").spec_name == "pets"
    assert registry.get("buy") is None
    assert registry.audit(limit=1)[0].outcome == "failed"


def test_namespace_prefixes_the_newcomer() -> None:
    """With conflicts='namespace' the newcomer's tool gets its spec name as a prefix."""
    with Registry(options=RegistryOptions(conflicts="namespace")) as registry:
        registry.apply(spec_of("pets", ["listItems"]))
        changes = registry.apply(spec_of("shop", ["listItems", "buy"]))
        assert changes.added == ("buy", "shop_listItems")
        renamed = registry.get("shop_listItems")
        assert renamed.spec_name == "shop" and renamed.tool.name == "shop_listItems"
        assert {d["name"] for d in renamed.definitions.values() if "name" in d} == {"shop_listItems"}
        assert registry.get("listItems").spec_name == "pets"


def test_rename_is_stable_across_reloads() -> None:
    """With conflicts='rename' the suffix is the same on every reload, so nothing changes."""
    with Registry(options=RegistryOptions(conflicts="rename")) as registry:
        registry.apply(spec_of("pets", ["listItems"]))
        first = registry.apply(spec_of("shop", ["listItems"]))
        (name,) = first.added
        assert name.startswith("listItems_") and len(name) == len("listItems_") + 6
        again = registry.apply(spec_of("shop", ["listItems"]))
        assert again.version is None and again.unchanged == (name,)


def test_long_names_stay_within_64_characters() -> None:
    """A namespaced name that would pass 64 characters is cut and ends with a hash."""
    long = "x" * 60
    with Registry(options=RegistryOptions(conflicts="namespace")) as registry:
        registry.apply(spec_of("pets", [long]))
        (name,) = registry.apply(spec_of("shop", [long])).added
        assert len(name) <= 64 and name.startswith("shop_x")


def test_same_spec_reload_is_no_conflict(registry: Registry) -> None:
    """A spec reloading its own tool names is not a conflict."""
    registry.apply(spec_of("pets", ["a"]))
    assert registry.apply(spec_of("pets", ["a", "b"])).added == ("b",)
