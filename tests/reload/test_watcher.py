"""Watcher variants: asyncio, threaded, polling; events(); clean shutdown."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from toolsync.errors import ConfigError
from toolsync.registry import Registry
from toolsync.reload import OutcomeKind, PollingWatcher, ReloadOutcome, ThreadedWatcher, Watcher

from .helpers import FAST, eventually, our_threads, spec_yaml, tools_of, write_in_place

V1 = ["listPets", "getPet"]
V2 = ["listPets", "getPet", "searchPets"]


async def test_async_watcher_shuts_down_cleanly(tmp_path: Path) -> None:
    """After the async with block no task and no thread of the watcher is left."""
    spec = tmp_path / "petstore.yaml"
    spec.write_text(spec_yaml(V1))
    before = set(threading.enumerate())
    async with Watcher(Registry(), [str(spec), str(tmp_path)], settings=FAST) as w:
        write_in_place(spec, spec_yaml(V2))
        await asyncio.sleep(0.01)
        assert our_threads()
    assert w.sources
    assert our_threads() == []
    assert set(threading.enumerate()) <= before
    assert asyncio.all_tasks() == {asyncio.current_task()}


def test_threaded_watcher_reloads_and_shuts_down_cleanly(tmp_path: Path) -> None:
    """ThreadedWatcher loads on start(), reloads on change, and leaves no thread after stop()."""
    spec = tmp_path / "petstore.yaml"
    spec.write_text(spec_yaml(V1))
    registry, outcomes = Registry(), []
    with ThreadedWatcher(registry, [str(spec)], settings=FAST, on_outcome=outcomes.append) as w:
        assert tools_of(registry, "petstore") == set(V1)
        write_in_place(spec, spec_yaml(V2))
        deadline = time.monotonic() + 10
        while tools_of(registry, "petstore") != set(V2):
            assert time.monotonic() < deadline, "the change never arrived"
            time.sleep(0.01)
        w.request_reload("petstore")
        w.wait_idle(timeout=10)
    assert outcomes[-1].kind is OutcomeKind.UNCHANGED
    assert our_threads() == []
    w.stop()  # stopping twice is harmless


def test_threaded_watcher_refuses_second_start(tmp_path: Path) -> None:
    """Starting a running ThreadedWatcher again is a ConfigError; the first keeps running."""
    w = ThreadedWatcher(Registry(), [str(tmp_path)], settings=FAST)
    w.start()
    try:
        with pytest.raises(ConfigError, match="already started"):
            w.start()
        assert w.sources == {}
    finally:
        w.stop()
    assert our_threads() == []


async def test_polling_watcher_reloads(tmp_path: Path) -> None:
    """The polling fallback picks up an edit and a new file without native events."""
    spec = tmp_path / "petstore.yaml"
    spec.write_text(spec_yaml(V1))
    registry = Registry()
    async with PollingWatcher(registry, [str(tmp_path)], interval=0.05, settings=FAST) as w:
        assert w.polling
        write_in_place(spec, spec_yaml(V2))
        await eventually(lambda: tools_of(registry, "petstore") == set(V2), what="the edit")
        (tmp_path / "store.yaml").write_text(spec_yaml(["placeOrder"], title="store"))
        await eventually(lambda: tools_of(registry, "store") == {"placeOrder"}, what="the new file")
    assert our_threads() == []


async def test_native_failure_falls_back_to_polling(tmp_path: Path) -> None:
    """When native events fail the watcher switches to polling and keeps reloading."""
    spec = tmp_path / "petstore.yaml"
    spec.write_text(spec_yaml(V1))
    registry = Registry()
    async with Watcher(registry, [str(spec)], settings=FAST) as w:
        assert not w.polling
        w._on_events_error(OSError("inotify watch limit reached"))
        assert w.polling
        write_in_place(spec, spec_yaml(V2))
        await eventually(lambda: tools_of(registry, "petstore") == set(V2), what="the edit")
    assert our_threads() == []


async def test_events_iterator_yields_outcomes_until_close(tmp_path: Path) -> None:
    """events() yields each reload outcome and ends when the watcher closes."""
    spec = tmp_path / "petstore.yaml"
    spec.write_text(spec_yaml(V1))
    got: list[ReloadOutcome] = []
    async with Watcher(Registry(), [str(spec)], settings=FAST) as w:

        async def consume() -> None:
            async for outcome in w.events():
                got.append(outcome)

        consumer = asyncio.create_task(consume())
        await asyncio.sleep(0)
        write_in_place(spec, spec_yaml(V2))
        await eventually(lambda: got, what="an outcome")
    await asyncio.wait_for(consumer, 5)
    assert got[0].kind is OutcomeKind.APPLIED and got[0].to_dict()["added"] == ["searchPets"]


async def test_missing_explicit_file_fails_then_loads_when_created(tmp_path: Path) -> None:
    """A named file that does not exist yet fails at startup and is loaded once it is created."""
    spec = tmp_path / "petstore.yaml"
    registry, outcomes = Registry(), []
    async with Watcher(registry, [str(spec)], settings=FAST, on_outcome=outcomes.append):
        assert [o.kind for o in outcomes] == [OutcomeKind.FAILED]
        assert "petstore.yaml" in str(outcomes[0].error)
        spec.write_text(spec_yaml(V1))
        await eventually(lambda: tools_of(registry, "petstore") == set(V1), what="the created file")


def test_public_names_are_listed() -> None:
    """toolsync.reload exports exactly its public names, sorted."""
    from toolsync import reload

    public = sorted((n for n in vars(reload) if not n.startswith("_")), key=str.casefold)
    modules = {"backoff", "events", "files", "filestate", "outcome", "polling", "queue", "settings", "urls",
               "watcher", "annotations"}
    assert reload.__all__ == sorted(reload.__all__, key=str.casefold)
    assert [n for n in public if n not in modules] == reload.__all__


async def test_events_after_close_ends_at_once(tmp_path: Path) -> None:
    """events() on a closed watcher yields nothing and returns."""
    async with Watcher(Registry(), [str(tmp_path)], settings=FAST) as w:
        pass
    assert [o async for o in w.events()] == []
