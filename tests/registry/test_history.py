"""History, rollback of the whole registry or one spec, and retention."""

from __future__ import annotations

import pytest

from toolsync.errors import HistoryError
from toolsync.registry import Registry, RegistryOptions, Trigger
from toolsync.registry.events import RolledBack
from toolsync.stores import MemoryStore

from .builders import compiled, spec_of, tool


def test_history_lists_versions_newest_first(any_registry: Registry) -> None:
    """Each commit is a history entry with its trigger, spec, summary and per-tool hashes."""
    any_registry.apply(spec_of("pets", ["a", "b"]), trigger=Trigger.STARTUP)
    any_registry.apply(spec_of("shop", ["c"]))
    any_registry.apply(spec_of("pets", ["a"]), trigger=Trigger.FILE)
    entries = any_registry.history()
    assert [e.version for e in entries] == [3, 2, 1]
    assert [(e.trigger, e.spec, e.summary) for e in entries] == [
        ("file", "pets", "+0 -1 ~0 =1"), ("api", "shop", "+1 -0 ~0 =0"), ("startup", "pets", "+2 -0 ~0 =0")]
    assert entries[2].changes == {"a": any_registry.get("a").schema_hash, "b": entries[2].changes["b"]}
    assert entries[0].changes == {"b": None}


def test_history_filters_by_spec_and_tool(any_registry: Registry) -> None:
    """history(spec=...) and tool_history(name) keep only the versions that touched them."""
    any_registry.apply(spec_of("pets", ["a"]))
    any_registry.apply(spec_of("shop", ["c"]))
    any_registry.apply(compiled("pets", [tool("a", description="v2")]))
    assert [e.version for e in any_registry.history(spec="pets")] == [3, 1]
    assert [e.version for e in any_registry.tool_history("a")] == [3, 1]
    assert [e.version for e in any_registry.history(limit=1)] == [3]


def test_rollback_whole_registry(any_registry: Registry) -> None:
    """Rolling back serves the old version's tools again as a new, audited version."""
    any_registry.apply(spec_of("pets", ["a"]))
    any_registry.apply(spec_of("shop", ["c"]))
    any_registry.apply(compiled("pets", [tool("a", description="v2"), tool("b")]))
    changes = any_registry.rollback(1)
    assert changes.version == 4
    assert (changes.removed, changes.updated) == (("b", "c"), ("a",))
    snap = any_registry.snapshot
    assert list(snap.specs) == ["pets"] and list(snap.tools) == ["a"]
    assert snap.tools["a"].tool.description == "Run a."
    assert isinstance(any_registry.events_since(3)[-1], RolledBack)
    record = any_registry.audit(limit=1)[0]
    assert (record.action, record.trigger, record.version) == ("rollback", "rollback", 4)


def test_rollback_one_spec_leaves_the_others(any_registry: Registry) -> None:
    """Rolling back one spec restores its tools and keeps every other spec as it is now."""
    any_registry.apply(spec_of("pets", ["a"]))
    any_registry.apply(spec_of("shop", ["c"]))
    any_registry.apply(compiled("pets", [tool("a", description="v2"), tool("b")]))
    any_registry.apply(compiled("shop", [tool("c", "shop", description="shop v2")]))
    changes = any_registry.rollback(2, spec="pets")
    assert (changes.spec, changes.removed, changes.updated) == ("pets", ("b",), ("a",))
    snap = any_registry.snapshot
    assert snap.tools["a"].tool.description == "Run a."
    assert snap.tools["c"].tool.description == "shop v2"


def test_rollback_to_before_a_spec_existed_removes_it(registry: Registry) -> None:
    """A spec absent from the target version is removed by rolling it back."""
    registry.apply(spec_of("pets", ["a"]))
    registry.apply(spec_of("shop", ["c"]))
    changes = registry.rollback(1, spec="shop")
    assert changes.removed == ("c",)
    assert list(registry.snapshot.specs) == ["pets"]


def test_rollback_to_current_content_is_a_noop(registry: Registry) -> None:
    """Rolling back to a version equal to the current one commits nothing."""
    registry.apply(spec_of("pets", ["a"]))
    assert registry.rollback(1).version is None
    assert registry.version == 1


def test_rollback_to_unknown_version_raises(any_registry: Registry) -> None:
    """A version outside the kept history raises HistoryError naming what is kept."""
    any_registry.apply(spec_of("pets", ["a"]))
    with pytest.raises(HistoryError, match="versions 1 to 1"):
        any_registry.rollback(7)
    assert any_registry.audit(limit=1)[0].outcome == "failed"


def test_history_retention_drops_old_versions() -> None:
    """Only the last history_limit versions are listed and can be rolled back to."""
    store = MemoryStore()
    with Registry(store, options=RegistryOptions(history_limit=5)) as registry:
        for i in range(23):
            registry.apply(spec_of("pets", [f"t{i}"]))
        assert [e.version for e in registry.history()] == [23, 22, 21, 20, 19]
        with pytest.raises(HistoryError):
            registry.rollback(18)
        registry.rollback(19)
        assert list(registry.snapshot.tools) == ["t18"]
        # The store itself is pruned too (in steps), never below the limit.
        kept = [e.version for e in store.history()]
        assert 5 <= len(kept) <= 15 and kept[0] == 24


def test_approve_and_reject_of_unknown_id_raise(registry: Registry) -> None:
    """Approving or rejecting an id that is not held raises a RegistryError."""
    from toolsync.errors import RegistryError

    with pytest.raises(RegistryError, match="no held change"):
        registry.approve("nope")
    with pytest.raises(RegistryError, match="no held change"):
        registry.reject("nope")


def test_snapshot_at_a_kept_version(any_registry: Registry) -> None:
    """snapshot_at(v) rebuilds what version v served; unknown versions raise HistoryError."""
    any_registry.apply(spec_of("pets", ["a"]))
    any_registry.apply(spec_of("pets", ["a", "b"]))
    old = any_registry.snapshot_at(1)
    assert (old.version, list(old.tools)) == (1, ["a"])
    assert old.tools["a"] is any_registry.get("a")
    assert any_registry.snapshot_at(2) is any_registry.snapshot
    with pytest.raises(HistoryError):
        any_registry.snapshot_at(5)
