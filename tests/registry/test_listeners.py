"""Failures leave the registry as it was; listeners hear every step, even when one of them fails."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path

import pytest

from toolsync.errors import SourceError, SpecError, ToolsyncError
from toolsync.registry import ChangeEvent, Registry, SpecStatus, Trigger
from toolsync.registry.events import SpecFailed, SpecLoaded, ToolAdded, event_from_dict

from .builders import spec_of

GOOD = """openapi: 3.1.0
info: {title: Pets, version: 1.0.0}
paths:
  /pets:
    get:
      operationId: listPets
      responses: {'200': {description: ok}}
"""


def test_failed_load_raises_and_changes_nothing(registry: Registry, tmp_path: Path) -> None:
    """A spec that cannot be read raises, records SpecFailed, and keeps the version and tools."""
    spec = tmp_path / "pets.yaml"
    spec.write_text(GOOD)
    registry.load(str(spec))
    before = registry.snapshot
    spec.write_text("openapi: 3.1.0\ninfo: [not, a, mapping\n")
    with pytest.raises(SpecError):
        registry.load(str(spec), trigger=Trigger.FILE)
    after = registry.snapshot
    assert after.version == before.version
    assert after.tools == before.tools
    assert after.specs["pets"].status is SpecStatus.FAILED
    assert str(spec) in (after.specs["pets"].last_error or "")
    failed = registry.events_since(0)[-1]
    assert isinstance(failed, SpecFailed) and failed.trigger is Trigger.FILE
    assert registry.audit(limit=1)[0].outcome == "failed"


def test_recovery_clears_the_failure(registry: Registry, tmp_path: Path) -> None:
    """After a failed reload, a good one sets the spec back to ok and forgets the failure."""
    spec = tmp_path / "pets.yaml"
    spec.write_text(GOOD)
    registry.load(str(spec))
    spec.write_text("garbage: [")
    with pytest.raises(ToolsyncError):
        registry.load(str(spec))
    assert registry.failures
    spec.write_text(GOOD.replace("1.0.0", "1.0.1"))
    registry.load(str(spec))
    assert registry.snapshot.specs["pets"].status is SpecStatus.OK
    assert not registry.failures


def test_missing_file_is_reported_by_source(registry: Registry, tmp_path: Path) -> None:
    """A spec never loaded that fails is remembered under its source."""
    missing = str(tmp_path / "nope.yaml")
    with pytest.raises(SourceError):
        registry.load(missing)
    assert list(registry.failures) == [missing]
    assert registry.version == 0


def test_listener_gets_one_event_per_commit(registry: Registry) -> None:
    """A sync listener receives one ChangeEvent per commit carrying the change set and all events."""
    seen: list[ChangeEvent] = []
    registry.on_change(seen.append)
    registry.apply(spec_of("pets", ["a", "b"]))
    assert len(seen) == 1
    event = seen[0]
    assert event.committed and event.version == 1 and event.previous_version == 0
    assert event.changes is not None and event.changes.added == ("a", "b")
    assert [type(e) for e in event.events] == [ToolAdded, ToolAdded, SpecLoaded]
    assert all(e.version == 1 for e in event.events)
    assert event.to_dict()["summary"] == "+2 -0 ~0 =0"


def test_failed_step_is_notified_but_not_committed(registry: Registry, tmp_path: Path) -> None:
    """A failed load reaches listeners as a ChangeEvent that did not commit."""
    seen: list[ChangeEvent] = []
    registry.on_change(seen.append)
    with pytest.raises(SourceError):
        registry.load(str(tmp_path / "missing.yaml"))
    assert len(seen) == 1 and not seen[0].committed and seen[0].kind == "spec_failed"


def test_raising_listener_changes_nothing_else(registry: Registry, caplog: pytest.LogCaptureFixture) -> None:
    """A listener that raises is logged; the commit stands and later listeners still run."""
    seen: list[int] = []

    def broken(event: ChangeEvent) -> None:
        raise RuntimeError("listener bug")

    registry.on_change(broken)
    registry.on_change(lambda event: seen.append(event.version))
    with caplog.at_level(logging.ERROR, logger="toolsync.registry"):
        changes = registry.apply(spec_of("pets", ["a"]))
    assert changes.version == 1 and registry.version == 1
    assert seen == [1]
    assert "listener bug" in caplog.text


def test_unsubscribe_stops_notifications(registry: Registry) -> None:
    """The callable on_change returns unsubscribes the listener."""
    seen: list[int] = []
    stop = registry.on_change(lambda event: seen.append(event.version))
    registry.apply(spec_of("pets", ["a"]))
    stop()
    registry.apply(spec_of("pets", ["a", "b"]))
    assert seen == [1]


async def test_async_listener_runs_on_the_running_loop(registry: Registry) -> None:
    """An async listener registered in a loop runs on that loop, also for commits made in a thread."""
    loop = asyncio.get_running_loop()
    got: asyncio.Queue[tuple[int, bool]] = asyncio.Queue()

    async def listener(event: ChangeEvent) -> None:
        await got.put((event.version, asyncio.get_running_loop() is loop))

    registry.on_change(listener)
    await asyncio.to_thread(registry.apply, spec_of("pets", ["a"]))
    registry.apply(spec_of("pets", ["a", "b"]))
    results = [await asyncio.wait_for(got.get(), 5), await asyncio.wait_for(got.get(), 5)]
    assert sorted(results) == [(1, True), (2, True)]


def test_async_listener_without_a_loop_runs_to_completion(registry: Registry) -> None:
    """With no event loop anywhere, an async listener runs on a loop of its own before apply returns."""
    seen: list[int] = []

    async def listener(event: ChangeEvent) -> None:
        await asyncio.sleep(0)
        seen.append(event.version)

    registry.on_change(listener)
    registry.apply(spec_of("pets", ["a"]))
    assert seen == [1]


def test_failing_async_listener_is_logged(registry: Registry, caplog: pytest.LogCaptureFixture) -> None:
    """An async listener that raises is logged and does not undo the commit."""

    async def listener(event: ChangeEvent) -> None:
        raise ValueError("async listener bug")

    registry.on_change(listener)
    with caplog.at_level(logging.ERROR, logger="toolsync.registry"):
        registry.apply(spec_of("pets", ["a"]))
    assert registry.version == 1
    assert "async listener bug" in caplog.text


def test_listeners_see_commits_in_order_across_threads(registry: Registry) -> None:
    """Commits from many threads reach a listener in version order, one notification each."""
    versions: list[int] = []
    registry.on_change(lambda event: versions.append(event.version))

    def work(i: int) -> None:
        for j in range(10):
            registry.apply(spec_of(f"spec{i}", [f"t{i}_{j}"]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert versions == list(range(1, 41))


def test_listener_may_change_the_registry(registry: Registry) -> None:
    """A listener that commits in turn is notified of its own commit after the first one."""
    seen: list[int] = []

    def chain(event: ChangeEvent) -> None:
        seen.append(event.version)
        if event.version == 1:
            registry.apply(spec_of("shop", ["c"]))

    registry.on_change(chain)
    registry.apply(spec_of("pets", ["a"]))
    assert seen == [1, 2]


def test_events_round_trip_through_dicts(registry: Registry) -> None:
    """Every stored event reads back as the same event."""
    seen: list[ChangeEvent] = []
    registry.on_change(seen.append)
    registry.apply(spec_of("pets", ["a", "b"]))
    registry.apply(spec_of("pets", ["b"]))
    for event in (e for step in seen for e in step.events):
        assert event_from_dict(event.to_dict()) == event
    assert [e.kind for e in registry.events_since(1)] == ["tool_removed", "spec_loaded", "breaking_change"]


async def test_aload_and_areload(registry: Registry, tmp_path: Path) -> None:
    """The async twins load, and reload with the stored configuration."""
    spec = tmp_path / "pets.yaml"
    spec.write_text(GOOD)
    first = await registry.aload(str(spec), trigger=Trigger.STARTUP)
    assert first.added == ("listPets",)
    spec.write_text(GOOD.replace("operationId: listPets", "operationId: listAllPets"))
    again = await registry.areload("pets", trigger=Trigger.WEBHOOK)
    assert (again.added, again.removed) == (("listAllPets",), ("listPets",))
    assert registry.history(limit=1)[0].trigger == "webhook"
    spec.write_text("{")
    with pytest.raises(SpecError):
        await registry.areload("pets")
    assert registry.snapshot.specs["pets"].status is SpecStatus.FAILED


def test_record_failure_from_a_watcher(registry: Registry) -> None:
    """record_failure marks a registered spec failed without a new version, naming the cause."""
    registry.apply(spec_of("pets", ["a"]))
    from toolsync.config import SpecConfig

    registry.record_failure(SpecConfig(source="pets.yaml"), SourceError("gone", source="pets.yaml"),
                            trigger=Trigger.FILE)
    entry = registry.snapshot.specs["pets"]
    assert entry.status is SpecStatus.FAILED and entry.last_error == "pets.yaml: gone"
    assert registry.version == 1 and registry.failures == {"pets": "pets.yaml: gone"}
    record = registry.audit(limit=1)[0]
    assert (record.outcome, record.trigger, record.spec) == ("failed", "file", "pets")


def test_unknown_event_kind_is_a_registry_error() -> None:
    """An event written by a newer toolsync, or a damaged one, raises RegistryError when read."""
    from toolsync.errors import RegistryError

    with pytest.raises(RegistryError, match="unknown event kind"):
        event_from_dict({"kind": "from_the_future", "version": 1})
    with pytest.raises(RegistryError, match="cannot be read"):
        event_from_dict({"kind": "tool_added", "version": 1, "trigger": "api"})
