"""Registries over RedisStore: restarts, replicas that follow each other, races, partitions, history."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable

import pytest
import redis

from toolsync.errors import HistoryError, StoreError
from toolsync.registry import ChangeEvent, ChangeSet, Registry, RegistryOptions
from toolsync.stores import StoreConflictError, open_store
from toolsync.stores.redis import RedisStore

from ..registry.builders import compiled, definitions, spec_of, tool
from .redis_support import REDIS_URL, TcpProxy, needs_redis, prefix, proxy, raw, wait_for

__all__ = ["prefix", "proxy", "raw"]  # fixtures used by name below

pytestmark = needs_redis


def replica(prefix: str, url: str = REDIS_URL, **options: object) -> Registry:
    """A registry over its own RedisStore on ``prefix`` (one replica)."""
    return Registry(RedisStore(url, prefix=prefix, backoff=(0.05, 0.2)), options=RegistryOptions(**options))  # type: ignore[arg-type]


def fill(registry: Registry) -> None:
    registry.apply(spec_of("pets", ["a", "b"]))
    registry.apply(spec_of("shop", ["c"], version="3.1.0"))
    registry.apply(compiled("pets", [tool("a", description="changed"), tool("b")]))


def retrying(step: Callable[[], ChangeSet]) -> ChangeSet:
    """Run a registry step again while other writers keep winning the race (the registry retries a few times)."""
    for _ in range(50):
        try:
            return step()
        except StoreConflictError:
            continue
    raise AssertionError("lost the race 50 times in a row")


def quick_register(registry: Registry, name: str, spec: str) -> ChangeSet:
    """Register one tool with ready-made definitions (no provider rendering)."""
    made = tool(name, spec)
    return registry.register(made, definitions=definitions(made))


def test_restart_restores_the_last_snapshot_exactly(prefix: str) -> None:
    """A new registry on the same prefix has the same version, entries, tools, rendered lists and history."""
    with Registry(open_store(f"{REDIS_URL}?prefix={prefix}")) as first:
        fill(first)
        before = first.snapshot
    with replica(prefix) as second:
        after = second.snapshot
        assert after.version == before.version == 3
        assert dict(after.specs) == dict(before.specs)
        assert dict(after.tools) == dict(before.tools)
        for provider in ("openai", "mcp"):
            assert after.rendered(provider) == before.rendered(provider)
            assert after.etag(provider) == before.etag(provider)
        assert [e.version for e in second.history()] == [3, 2, 1]
        assert [r.action for r in second.audit()] == ["load", "load", "load"]


def test_unchanged_tools_are_not_rewritten(prefix: str, raw: redis.Redis) -> None:
    """Tool payloads are stored once by hash: a one-tool change writes one payload."""
    with replica(prefix) as registry:
        registry.apply(spec_of("pets", [f"t{i}" for i in range(20)]))
        registry.apply(compiled("pets", [tool("t0", description="new"), *(tool(f"t{i}") for i in range(1, 20))]))
    assert len(list(raw.scan_iter(match=f"{prefix}tool:*"))) == 21


def test_a_replica_adopts_another_replicas_commit(prefix: str) -> None:
    """A commit by one replica reaches the other through Redis; its listeners hear of it with the events."""
    with replica(prefix) as first, replica(prefix) as second:
        seen: list[ChangeEvent] = []
        second.on_change(seen.append)
        first.apply(spec_of("pets", ["a"]))
        wait_for(lambda: second.version == 1, what="the second replica adopting version 1")
        assert list(second.snapshot.tools) == ["a"]
        wait_for(lambda: bool(seen), what="the listener hearing of the adoption")
        assert seen[0].extra == {"adopted": True} and seen[0].changes.added == ("a",)  # type: ignore[union-attr]
        assert [e.kind for e in seen[0].events] == ["tool_added", "spec_loaded"]
        second.apply(spec_of("shop", ["c"]))
        wait_for(lambda: first.version == 2, what="the first replica adopting version 2")
        assert sorted(first.snapshot.tools) == ["a", "c"]
        assert first.snapshot.rendered("openai") == second.snapshot.rendered("openai")


def test_replicas_in_threads_never_share_a_version(prefix: str) -> None:
    """Two replicas committing at once from two threads: every commit lands under its own version."""
    per_writer = 12
    registries = [replica(prefix), replica(prefix)]
    versions: list[int | None] = []

    def writer(registry: Registry, name: str) -> None:
        for i in range(per_writer):
            changes = retrying(lambda i=i: quick_register(registry, f"{name}{i}", name))  # type: ignore[misc]
            versions.append(changes.version)

    threads = [threading.Thread(target=writer, args=(r, n)) for r, n in zip(registries, ("x", "y"), strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        total = 2 * per_writer
        assert sorted(v for v in versions if v is not None) == list(range(1, total + 1))
        for registry in registries:
            wait_for(lambda r=registry: r.version == total, what="both replicas reaching the last version")  # type: ignore[misc]
            assert len(registry.snapshot.tools) == total
        assert [e.version for e in registries[0].history()] == list(range(total, 0, -1))
    finally:
        for registry in registries:
            registry.close()


def _process_writer(prefix: str, name: str, count: int) -> None:
    with replica(prefix) as registry:
        for i in range(count):
            retrying(lambda i=i: quick_register(registry, f"{name}{i}", name))  # type: ignore[misc]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork to start writers quickly")
def test_replicas_in_processes_never_share_a_version(prefix: str) -> None:
    """Two processes commit through their own registries: the store ends with every commit, one per version."""
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_process_writer, args=(prefix, name, 10)) for name in ("p", "q")]
    for process in writers:
        process.start()
    for process in writers:
        process.join(60)
    assert [p.exitcode for p in writers] == [0, 0]
    with replica(prefix) as registry:
        assert registry.version == 20 and len(registry.snapshot.tools) == 20
        assert [e.version for e in registry.history()] == list(range(20, 0, -1))
        assert all(e.summary.startswith("+1 -0 ~0") for e in registry.history())


def test_a_stopped_replica_catches_up_in_order(prefix: str) -> None:
    """A replica restarted after others committed serves the newest version and replays missed events in order."""
    with replica(prefix) as first:
        first.apply(spec_of("pets", ["a", "b"]))
    with replica(prefix) as other:
        other.apply(spec_of("shop", ["c"]))
        other.apply(compiled("pets", [tool("a", description="changed"), tool("b")]))
        other.unregister("b")
        expected = [(e.version, e.kind) for e in other.events_since(1)]
        served = other.snapshot
    with replica(prefix) as back:
        assert back.version == 4 and dict(back.snapshot.tools) == dict(served.tools)
        replayed = [(e.version, e.kind) for e in back.events_since(1)]
    assert replayed == expected
    assert [v for v, _ in replayed] == sorted(v for v, _ in replayed) and {v for v, _ in replayed} == {2, 3, 4}
    assert ("4", "tool_removed") in {(str(v), k) for v, k in replayed}


def test_a_cut_off_replica_keeps_serving_and_catches_up(prefix: str, proxy: TcpProxy) -> None:
    """While Redis is unreachable a replica serves its last version and refuses commits; back, it adopts in order."""
    with replica(prefix, proxy.url) as cut, replica(prefix) as other:
        seen: list[ChangeEvent] = []
        cut.on_change(seen.append)
        cut.apply(spec_of("pets", ["a"]))
        wait_for(lambda: other.version == 1, what="the other replica adopting version 1")
        proxy.stop()
        with pytest.raises(StoreError, match="cannot reach Redis") as caught:
            cut.apply(spec_of("shop", ["c"]))
        assert caught.value.source == proxy.url
        assert cut.version == 1 and cut.get("a") is not None and len(cut.get_all("openai")) == 1
        other.apply(spec_of("shop", ["c"]))
        other.apply(spec_of("toys", ["d"]))
        missed = [(e.version, e.kind) for e in other.events_since(1)]
        seen.clear()
        proxy.start()
        wait_for(lambda: cut.version == 3, what="the cut-off replica adopting version 3")
        assert sorted(cut.snapshot.tools) == ["a", "c", "d"]
        wait_for(lambda: any(e.extra.get("adopted") for e in seen), what="the adoption reaching listeners")
        adopted = next(e for e in seen if e.extra.get("adopted"))
        assert [(e.version, e.kind) for e in adopted.events] == missed
        assert cut.apply(spec_of("shop", ["c", "e"])).version == 4
        wait_for(lambda: other.version == 4, what="the other replica adopting version 4")


def test_history_and_rollback_across_replicas(prefix: str) -> None:
    """A rollback made on one replica is served by the other; kept versions can be read from either."""
    with replica(prefix) as first, replica(prefix) as second:
        fill(first)
        wait_for(lambda: second.version == 3, what="the second replica adopting version 3")
        second.rollback(1, spec="pets")
        wait_for(lambda: first.version == 4, what="the first replica adopting the rollback")
        assert first.get("a").tool.description == "Run a."  # type: ignore[union-attr]
        assert first.history(limit=1)[0].message == "rolled back to version 1"
        assert first.snapshot_at(3).tools["a"].tool.description == "changed"
        assert [e.kind for e in first.events_since(3)][-1] == "rolled_back"


def test_pruning_keeps_the_newest_versions(prefix: str, raw: redis.Redis) -> None:
    """With a history limit of 3 the store drops older versions and their payloads; rollback stays within."""
    with replica(prefix, history_limit=3) as registry:
        for v in range(1, 11):
            registry.apply(compiled("pets", [tool("a", description=f"v{v}")]))
        assert [e.version for e in registry.store.history()] == [10, 9, 8]
        assert registry.store.load_version(5) is None
        assert len(list(raw.scan_iter(match=f"{prefix}tool:*"))) == 3
        with pytest.raises(HistoryError, match="not in the kept history"):
            registry.rollback(5)
        registry.rollback(8)
        assert registry.get("a").tool.description == "v8"  # type: ignore[union-attr]
    with replica(prefix, history_limit=3) as again:
        assert again.version == 11 and again.get("a").tool.description == "v8"  # type: ignore[union-attr]
