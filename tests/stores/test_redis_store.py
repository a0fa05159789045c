"""RedisStore against the real Redis server: the Store protocol, its key layout, errors and change feed."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator

import pytest
import redis

from toolsync.errors import StoreCorruptError, StoreError
from toolsync.stores import (
    AuditRecord,
    HistoryEntry,
    Store,
    StoreConflictError,
    StoredEvent,
    StoredState,
    StoredTool,
    open_store,
)
from toolsync.stores.redis import RedisStore

from .redis_support import REDIS_URL, TcpProxy, needs_redis, prefix, proxy, raw, wait_for

__all__ = ["prefix", "proxy", "raw"]  # fixtures used by name below

pytestmark = needs_redis


@pytest.fixture
def store(prefix: str) -> Iterator[RedisStore]:
    """A RedisStore under the test's own prefix."""
    made = RedisStore(REDIS_URL, prefix=prefix)
    yield made
    made.close()


def payload(text: str) -> StoredTool:
    data = f'{{"tool": "{text}"}}'.encode()
    return StoredTool(hashlib.sha256(data).hexdigest(), 1.0, data)


def state(version: int, tools: dict[str, StoredTool], spec: str = "pets", summary: str | None = None) -> StoredState:
    entry = HistoryEntry(version, float(version), "api", spec, summary or f"v{version}",
                         {n: t.hash for n, t in tools.items()}, specs=(spec,))
    return StoredState(version, float(version) + 0.25, {spec: b'{"name": "%s"}' % spec.encode()}, tools, entry)


def audit(version: int, outcome: str = "ok", spec: str = "pets") -> AuditRecord:
    return AuditRecord(float(version), "api", outcome, "load", spec, version, "+1", "")


def keys(raw: redis.Redis, prefix: str, pattern: str) -> set[str]:
    return {k.decode().removeprefix(prefix) for k in raw.scan_iter(match=f"{prefix}{pattern}")}


def test_empty_store_has_no_state(store: RedisStore) -> None:
    """A new prefix has no latest version, no history, no events, no audit; the store fits the protocol."""
    assert store.load_latest() is None and store.load_version(1) is None
    assert store.history() == [] and store.events_since(0) == [] and store.audit() == []
    assert isinstance(store, Store)


def test_commit_then_load_round_trips(store: RedisStore) -> None:
    """The latest state comes back exactly: payloads, spec entries, times and history entry."""
    a, b = payload("a"), payload("b")
    committed = state(1, {"a": a, "b": StoredTool(b.hash, 2.5, b.payload)})
    store.commit(committed, [StoredEvent(1, "tool_added", {"tool": "a"})], audit(1))
    assert store.load_latest() == committed
    assert store.load_version(1) == committed


def test_payloads_are_written_once_and_may_be_left_out(store: RedisStore, raw: redis.Redis, prefix: str) -> None:
    """A payload is kept once per hash; a later commit may name it by hash alone."""
    a = payload("a")
    store.commit(state(1, {"a": a}), [], audit(1))
    store.commit(state(2, {"a": StoredTool(a.hash, 1.0), "b": payload("b")}), [], audit(2))
    latest = store.load_latest()
    assert latest is not None and latest.tools["a"].payload == a.payload
    assert keys(raw, prefix, "tool:*") == {f"tool:{a.hash}", f"tool:{payload('b').hash}"}
    assert len(keys(raw, prefix, "spec:*")) == 1  # the same spec entry in both versions
    assert store.load_version(9) is None


def test_stale_base_version_is_a_conflict(store: RedisStore) -> None:
    """Committing a version that does not follow the latest raises StoreConflictError and writes nothing."""
    store.commit(state(1, {"a": payload("a")}), [], audit(1))
    with pytest.raises(StoreConflictError, match="store is at version 1") as caught:
        store.commit(state(1, {"b": payload("b")}), [StoredEvent(1, "x", {})], audit(1))
    assert caught.value.source == REDIS_URL
    with pytest.raises(StoreConflictError):
        store.commit(state(3, {"b": payload("b")}), [], audit(3))
    latest = store.load_latest()
    assert latest is not None and list(latest.tools) == ["a"]
    assert store.events_since(0) == [] and len(store.audit()) == 1


def test_missing_payload_is_refused_whole(store: RedisStore, raw: redis.Redis, prefix: str) -> None:
    """A manifest naming a payload the store never received is refused, and nothing of it is kept."""
    with pytest.raises(StoreError, match="neither stored nor in the commit"):
        store.commit(state(1, {"a": StoredTool("f" * 64, 1.0), "b": payload("b")}),
                     [StoredEvent(1, "x", {})], audit(1))
    assert store.load_latest() is None
    assert keys(raw, prefix, "*") == {"meta"}


def test_a_hash_that_cannot_name_a_key_is_refused(store: RedisStore) -> None:
    """Payload hashes become key names, so one with spaces or slashes is refused before anything is sent."""
    with pytest.raises(StoreError, match="cannot name a key"):
        store.commit(state(1, {"a": StoredTool("a b", 1.0, b"{}")}), [], audit(1))


def test_a_commit_retried_after_a_lost_reply_counts_once(prefix: str, proxy: TcpProxy) -> None:
    """When the connection drops after Redis committed, the client's retry is recognised, not a conflict."""
    with RedisStore(proxy.url, prefix=prefix) as store:
        store.commit(state(1, {"a": payload("a")}), [], audit(1))
        proxy.drop_next_reply()
        store.commit(state(2, {"a": payload("b")}), [StoredEvent(2, "tool_updated", {})], audit(2))
        latest = store.load_latest()
        assert latest is not None and latest.version == 2 and latest.tools["a"] == payload("b")
        assert len(store.events_since(0)) == 1 and len(store.audit()) == 2


def test_events_since_resumes_in_order(store: RedisStore) -> None:
    """events_since(v) returns later versions' events oldest first, paging through a long stream."""
    for v in (1, 2, 3):
        store.commit(state(v, {"a": payload(str(v))}),
                     [StoredEvent(v, "tool_updated", {"v": v, "i": i}) for i in range(150)], audit(v))
    events = store.events_since(1)
    assert [(e.version, e.data["i"]) for e in events] == [(v, i) for v in (2, 3) for i in range(150)]
    assert [e.seq for e in events] == sorted({e.seq for e in events}) and events[0].seq > 0
    assert store.events_since(1, limit=1)[0].data == {"v": 2, "i": 0}
    assert len(store.events_since(0, limit=260)) == 260
    assert store.events_since(3) == []


def test_append_records_without_a_version(store: RedisStore) -> None:
    """append() stores events and audit lines; a late event of an older version keeps its own version."""
    store.commit(state(1, {"a": payload("a")}), [], audit(1))
    store.commit(state(2, {"a": payload("a")}), [StoredEvent(2, "spec_loaded", {})], audit(2))
    store.append([StoredEvent(1, "spec_failed", {"message": "bad"})], audit(1, "failed"))
    assert [(e.version, e.kind) for e in store.events_since(0)] == [(2, "spec_loaded"), (1, "spec_failed")]
    assert [e.kind for e in store.events_since(1)] == ["spec_loaded"]
    assert [r.outcome for r in store.audit()] == ["failed", "ok", "ok"]
    assert store.audit(limit=1)[0].id > store.audit()[1].id


def test_append_before_any_commit(store: RedisStore) -> None:
    """A failed first load is recorded although no version exists yet."""
    store.append([StoredEvent(0, "spec_failed", {"message": "bad"})], audit(0, "failed"))
    assert [(e.version, e.kind) for e in store.events_since(-1)] == [(0, "spec_failed")]
    assert store.audit()[0].outcome == "failed" and store.load_latest() is None


def test_history_filters_and_limits(store: RedisStore) -> None:
    """history() is newest first and filters by spec and tool."""
    store.commit(state(1, {"a": payload("a")}), [], audit(1))
    store.commit(state(2, {"a": payload("a"), "c": payload("c")}, spec="shop"), [], audit(2, spec="shop"))
    assert [e.version for e in store.history()] == [2, 1]
    assert [e.version for e in store.history(spec="pets")] == [1]
    assert [e.version for e in store.history(tool="c")] == [2]
    assert [e.version for e in store.history(limit=1)] == [2]
    assert [r.spec for r in store.audit(spec="shop")] == ["shop"]


def test_audit_is_capped_newest_first(prefix: str) -> None:
    """The audit list keeps only the newest max_audit records, paging through long lists."""
    with RedisStore(REDIS_URL, prefix=prefix, max_audit=300) as store:
        for v in range(1, 401):
            store.append([], audit(v))
        records = store.audit()
        assert [r.version for r in records] == list(range(400, 100, -1))
        assert [r.id for r in store.audit(limit=2)] == [400, 399]


def test_prune_keeps_the_newest_versions_and_their_payloads(store: RedisStore, raw: redis.Redis,
                                                            prefix: str) -> None:
    """prune(keep) drops older versions, their events, unreferenced payloads and old audit lines."""
    for v in range(1, 7):
        store.commit(state(v, {"t": payload(f"v{v}"), "same": payload("same")}),
                     [StoredEvent(v, "e", {})], audit(v))
    store.prune(2, keep_audit=3)
    assert [e.version for e in store.history()] == [6, 5]
    assert store.load_version(4) is None
    assert {e.version for e in store.events_since(0)} == {5, 6}
    assert len(store.audit()) == 3
    assert keys(raw, prefix, "tool:*") == {f"tool:{payload(x).hash}" for x in ("v5", "v6", "same")}
    assert keys(raw, prefix, "manifest:*") == {"manifest:5", "manifest:6"}
    latest = store.load_latest()
    assert latest is not None and latest.tools["same"].payload == payload("same").payload
    store.commit(state(7, {"t": StoredTool(payload("v5").hash, 1.0)}), [], audit(7))
    assert store.load_latest().tools["t"].payload == payload("v5").payload  # type: ignore[union-attr]
    store.prune(1, keep_audit=0)
    assert store.audit() == [] and keys(raw, prefix, "tool:*") == {f"tool:{payload('v5').hash}"}


def test_closed_store_refuses_use(store: RedisStore) -> None:
    """Using a closed store raises StoreError; closing twice is fine."""
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.load_latest()
    with pytest.raises(StoreError, match="closed"):
        store.subscribe(lambda v: None)


def test_loser_of_a_race_catches_up_and_retries(prefix: str) -> None:
    """Two replicas both build on version 1: exactly one commits version 2; the other retries as version 3."""
    with RedisStore(REDIS_URL, prefix=prefix) as first, RedisStore(REDIS_URL, prefix=prefix) as second:
        first.commit(state(1, {"a": payload("a")}), [], audit(1))
        base = second.load_latest()
        assert base is not None and base.version == 1
        first.commit(state(2, {"a": payload("first")}), [], audit(2))
        with pytest.raises(StoreConflictError, match="another replica committed first"):
            second.commit(state(2, {"a": payload("second")}), [], audit(2))
        caught_up = second.load_latest()
        assert caught_up is not None and caught_up.version == 2
        second.commit(state(3, {"a": payload("second")}), [], audit(3))
        assert first.load_latest().tools["a"] == payload("second")  # type: ignore[union-attr]


def test_racing_threads_win_each_version_exactly_once(prefix: str) -> None:
    """Four threads race to commit 60 versions: every version has one winner, and the losers were told."""
    target, winners, conflicts = 60, {}, []
    lock = threading.Lock()

    def racer(name: str) -> None:
        with RedisStore(REDIS_URL, prefix=prefix) as store:
            while True:
                latest = store.load_latest()
                version = latest.version + 1 if latest else 1
                if version > target:
                    return
                try:
                    store.commit(state(version, {"t": payload(f"{name}{version}")}, summary=name), [],
                                 audit(version))
                except StoreConflictError:
                    with lock:
                        conflicts.append(name)
                    continue
                with lock:
                    assert version not in winners
                    winners[version] = name

    threads = [threading.Thread(target=racer, args=(f"r{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with RedisStore(REDIS_URL, prefix=prefix) as store:
        history = store.history()
    assert sorted(winners) == list(range(1, target + 1))
    assert [e.version for e in history] == list(range(target, 0, -1))
    assert {e.version: e.summary for e in history} == winners


def test_subscribers_hear_of_other_replicas_commits(prefix: str) -> None:
    """A subscriber of one store is told the version another store on the same prefix committed."""
    with RedisStore(REDIS_URL, prefix=prefix) as writer, RedisStore(REDIS_URL, prefix=prefix) as reader:
        seen: list[int] = []

        def broken(version: int) -> None:
            raise RuntimeError("subscriber bug")

        reader.subscribe(broken)
        stop = reader.subscribe(seen.append)
        wait_for(lambda: reader.following, what="the change feed connecting")
        writer.commit(state(1, {"a": payload("a")}), [], audit(1))
        writer.commit(state(2, {"a": payload("b")}), [], audit(2))
        wait_for(lambda: seen[-1:] == [2], what="the subscriber hearing of version 2")
        stop()
        writer.commit(state(3, {"a": payload("c")}), [], audit(3))
        assert seen[-1] == 2


def test_close_stops_the_change_feed(prefix: str) -> None:
    """Closing the store ends its feed thread promptly and releases its connections."""
    store = RedisStore(REDIS_URL, prefix=prefix)
    store.subscribe(lambda v: None)
    wait_for(lambda: store.following, what="the change feed connecting")
    feeds = [t for t in threading.enumerate() if t.name.startswith("toolsync-redis-feed") and prefix in t.name]
    assert len(feeds) == 1
    store.close()
    assert not feeds[0].is_alive() and not store.following


def test_open_store_and_the_prefix_in_the_url(prefix: str) -> None:
    """open_store picks RedisStore for redis:// URLs and reads the prefix from the query."""
    made = open_store(f"{REDIS_URL}?prefix={prefix}")
    try:
        assert isinstance(made, RedisStore) and made.prefix == prefix
        assert made.url == REDIS_URL and prefix in repr(made)
    finally:
        made.close()
    with RedisStore(f"{REDIS_URL}?prefix=ignored:", prefix=prefix) as explicit:
        assert explicit.prefix == prefix


def test_ping_reports_a_lost_server(prefix: str, proxy: TcpProxy) -> None:
    """ping() passes while Redis answers and raises StoreError naming the URL once it is cut off."""
    with RedisStore(proxy.url, prefix=prefix) as store:
        store.ping()
        proxy.stop()
        with pytest.raises(StoreError, match="cannot reach Redis while checking the connection"):
            store.ping()


def test_keys_of_something_else_are_refused(prefix: str, raw: redis.Redis) -> None:
    """A prefix holding other data, another application's metadata or a newer schema is refused."""
    raw.set(f"{prefix}version", "7")
    with pytest.raises(StoreCorruptError, match="not a toolsync store"):
        RedisStore(REDIS_URL, prefix=prefix)
    raw.delete(f"{prefix}version")
    raw.hset(f"{prefix}meta", mapping={"application": "other", "schema_version": "1"})
    with pytest.raises(StoreCorruptError, match="another application"):
        RedisStore(REDIS_URL, prefix=prefix)
    raw.hset(f"{prefix}meta", mapping={"application": "toolsync-registry", "schema_version": "9"})
    with pytest.raises(StoreError, match="newer toolsync"):
        RedisStore(REDIS_URL, prefix=prefix)
    raw.delete(f"{prefix}meta")
    raw.set(f"{prefix}meta", "a string")
    with pytest.raises(StoreCorruptError, match="another kind of value"):
        RedisStore(REDIS_URL, prefix=prefix)


def test_damaged_records_are_reported(store: RedisStore, raw: redis.Redis, prefix: str) -> None:
    """A manifest that is not JSON or lost its payload, or an audit record of the wrong shape, is StoreCorruptError."""
    a = payload("a")
    store.commit(state(1, {"a": a}), [], audit(1))
    raw.delete(f"{prefix}tool:{a.hash}")
    with pytest.raises(StoreCorruptError, match="payload of tool 'a'"):
        store.load_latest()
    raw.hset(f"{prefix}manifest:1", "tools", b"{not json")
    with pytest.raises(StoreCorruptError, match="not valid JSON"):
        store.load_version(1)
    raw.delete(f"{prefix}manifest:1")
    with pytest.raises(StoreCorruptError, match="has no manifest"):
        store.load_latest()
    raw.lpush(f"{prefix}audit", b'{"id": 9}')
    with pytest.raises(StoreCorruptError, match="an audit record cannot be read"):
        store.audit()
