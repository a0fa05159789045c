"""The Store protocol, as MemoryStore and SQLiteStore implement it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from toolsync.stores import (
    AuditRecord,
    HistoryEntry,
    MemoryStore,
    SQLiteStore,
    Store,
    StoreConflictError,
    StoredEvent,
    StoredState,
    StoredTool,
    open_store,
)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Each built-in store, fresh."""
    made: Store = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "r.db")
    yield made
    made.close()


def payload(text: str) -> StoredTool:
    data = f'{{"tool": "{text}"}}'.encode()
    return StoredTool(hashlib.sha256(data).hexdigest(), 1.0, data)


def state(version: int, tools: dict[str, StoredTool], spec: str = "pets") -> StoredState:
    entry = HistoryEntry(version, float(version), "api", spec, f"v{version}", {n: t.hash for n, t in tools.items()},
                         specs=(spec,))
    return StoredState(version, float(version), {spec: b'{"name": "%s"}' % spec.encode()}, tools, entry)


def audit(version: int, outcome: str = "ok") -> AuditRecord:
    return AuditRecord(float(version), "api", outcome, "load", "pets", version, "+1", "")


def test_empty_store_has_no_state(store: Store) -> None:
    """A new store has no latest version, no history, no events."""
    assert store.load_latest() is None
    assert store.history() == [] and store.events_since(0) == [] and store.audit() == []
    assert isinstance(store, Store)


def test_commit_then_load_round_trips(store: Store) -> None:
    """The latest state comes back with every payload filled in."""
    a, b = payload("a"), payload("b")
    store.commit(state(1, {"a": a, "b": b}), [StoredEvent(1, "tool_added", {"tool": "a"})], audit(1))
    latest = store.load_latest()
    assert latest is not None and latest.version == 1
    assert latest.tools == {"a": a, "b": b}
    assert latest.specs == {"pets": b'{"name": "pets"}'}
    assert latest.entry.summary == "v1"


def test_payloads_may_be_left_out_once_stored(store: Store) -> None:
    """A later commit may reference an already stored payload by hash alone."""
    a = payload("a")
    store.commit(state(1, {"a": a}), [], audit(1))
    store.commit(state(2, {"a": StoredTool(a.hash, 1.0), "b": payload("b")}), [], audit(2))
    latest = store.load_latest()
    assert latest is not None and latest.tools["a"].payload == a.payload
    first = store.load_version(1)
    assert first is not None and list(first.tools) == ["a"]
    assert store.load_version(9) is None


def test_stale_base_version_is_a_conflict(store: Store) -> None:
    """Committing a version that does not follow the latest raises StoreConflictError; nothing is written."""
    store.commit(state(1, {"a": payload("a")}), [], audit(1))
    with pytest.raises(StoreConflictError, match="store is at version 1"):
        store.commit(state(1, {"b": payload("b")}), [StoredEvent(1, "x", {})], audit(1))
    with pytest.raises(StoreConflictError):
        store.commit(state(3, {"b": payload("b")}), [], audit(3))
    latest = store.load_latest()
    assert latest is not None and list(latest.tools) == ["a"]
    assert store.events_since(0) == [] and len(store.audit()) == 1


def test_events_since_resumes_in_order(store: Store) -> None:
    """events_since(v) returns the events of later versions, oldest first, with increasing seq."""
    for v in (1, 2, 3):
        store.commit(state(v, {"a": payload(str(v))}), [StoredEvent(v, "tool_updated", {"v": v}),
                                                        StoredEvent(v, "spec_loaded", {"v": v})], audit(v))
    events = store.events_since(1)
    assert [(e.version, e.kind) for e in events] == [(2, "tool_updated"), (2, "spec_loaded"),
                                                     (3, "tool_updated"), (3, "spec_loaded")]
    assert [e.seq for e in events] == sorted(e.seq for e in events) and events[0].seq > 0
    assert store.events_since(1, limit=1)[0].data == {"v": 2}


def test_append_records_without_a_version(store: Store) -> None:
    """append() stores events and audit for steps that made no version."""
    store.commit(state(1, {"a": payload("a")}), [], audit(1))
    store.append([StoredEvent(1, "spec_failed", {"message": "bad"})], audit(1, "failed"))
    assert store.events_since(0)[0].kind == "spec_failed"
    assert [r.outcome for r in store.audit()] == ["failed", "ok"]
    assert store.audit(limit=1)[0].id > store.audit()[1].id


def test_history_filters_and_limits(store: Store) -> None:
    """history() is newest first and filters by spec and tool."""
    store.commit(state(1, {"a": payload("a")}), [], audit(1))
    store.commit(state(2, {"a": payload("a"), "c": payload("c")}, spec="shop"), [], audit(2))
    assert [e.version for e in store.history()] == [2, 1]
    assert [e.version for e in store.history(spec="pets")] == [1]
    assert [e.version for e in store.history(tool="c")] == [2]
    assert [e.version for e in store.history(limit=1)] == [2]
    assert store.audit(spec="pets")[0].spec == "pets"


def test_prune_keeps_the_newest_versions_and_their_payloads(store: Store) -> None:
    """prune(keep) drops older versions, their events, unreferenced payloads and old audit lines."""
    for v in range(1, 7):
        store.commit(state(v, {"t": payload(f"v{v}"), "same": payload("same")}),
                     [StoredEvent(v, "e", {})], audit(v))
    store.prune(2, keep_audit=3)
    assert [e.version for e in store.history()] == [6, 5]
    assert store.load_version(4) is None
    assert {e.version for e in store.events_since(0)} == {5, 6}
    assert len(store.audit()) == 3
    latest = store.load_latest()
    assert latest is not None and latest.tools["same"].payload == payload("same").payload
    store.commit(state(7, {"t": StoredTool(payload("v5").hash, 1.0)}), [], audit(7))
    assert store.load_latest().tools["t"].payload == payload("v5").payload  # type: ignore[union-attr]


def test_closed_store_refuses_use(store: Store) -> None:
    """Using a closed store raises StoreError; closing twice is fine."""
    from toolsync.errors import StoreError

    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.load_latest()


def test_memory_store_tells_subscribers() -> None:
    """MemoryStore calls subscribers after each commit; a failing subscriber does not undo it."""
    store = MemoryStore()
    seen: list[int] = []

    def broken(version: int) -> None:
        raise RuntimeError("subscriber bug")

    store.subscribe(broken)
    stop = store.subscribe(seen.append)
    store.commit(state(1, {"a": payload("a")}), [], audit(1))
    stop()
    store.commit(state(2, {"a": payload("a")}), [], audit(2))
    assert seen == [1]
    assert store.load_latest().version == 2  # type: ignore[union-attr]


def test_memory_store_refuses_a_missing_payload() -> None:
    """A manifest naming a payload the store never received is refused."""
    from toolsync.errors import StoreError

    store = MemoryStore()
    with pytest.raises(StoreError, match="neither stored nor in the commit"):
        store.commit(state(1, {"a": StoredTool("f" * 64, 1.0)}), [], audit(1))


@pytest.mark.parametrize(("url", "kind"), [
    ("memory://", MemoryStore),
    ("sqlite:///{tmp}/a.db", SQLiteStore),
    ("{tmp}/b.db", SQLiteStore),
])
def test_open_store_by_url(url: str, kind: type, tmp_path: Path) -> None:
    """open_store understands memory://, sqlite:///path and plain paths."""
    made = open_store(url.format(tmp=tmp_path))
    try:
        assert isinstance(made, kind)
    finally:
        made.close()


def test_open_store_rejects_unknown_schemes() -> None:
    """An unknown store URL is a ConfigError listing what is understood."""
    from toolsync.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown store"):
        open_store("ftp://example.test/db")


def test_subscribers_survive_a_failing_callback_and_stop_after_close(caplog) -> None:
    """Every callback hears each version even when one raises; unsubscribed and closed lists call nobody."""
    from toolsync.errors import StoreError
    from toolsync.stores.subscribers import Subscribers

    heard: list[tuple[str, int]] = []

    def broken(version: int) -> None:
        raise ValueError("bug")

    def gone(version: int) -> None:
        raise StoreError("connection lost", source="redis://x")

    subscribers = Subscribers("memory://")
    subscribers.add(broken)
    subscribers.add(gone)
    stop = subscribers.add(lambda v: heard.append(("a", v)))
    subscribers.add(lambda v: heard.append(("b", v)))
    subscribers.notify(3)
    stop()
    subscribers.notify(4)
    subscribers.close()
    subscribers.notify(5)
    subscribers.add(lambda v: heard.append(("late", v)))
    subscribers.notify(6)
    assert heard == [("a", 3), ("b", 3), ("b", 4)]
    messages = [r.getMessage() for r in caplog.records]
    assert any("failed on version 3 of memory://" in m for m in messages)
    assert any("could not take version 3 of memory://: " in m and "connection lost" in m for m in messages)
