"""File event sources: native notifications and the polling fallback."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest
from watchfiles import Change

from toolsync.reload.events import NativeEvents, PollingEvents, WatchSet
from toolsync.reload.filestate import observe


def overwrite(path: Path, data: bytes) -> None:
    with open(path, "r+b") as f:
        f.write(data)


def watch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name in ("toolsync-watch", "toolsync-poll")]


async def wait_for_change(seen: list[tuple[Change, str]], path: Path, kind: Change) -> None:
    for _ in range(500):
        if (kind, str(path)) in seen:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"no {kind.name} event for {path}; saw {seen}")


@pytest.mark.parametrize("source", ["native", "polling"])
async def test_edit_create_delete_are_reported(tmp_path: Path, source: str) -> None:
    """Both event sources report a modified, a created and a deleted file, and join their threads."""
    spec = tmp_path / "a.yaml"
    spec.write_text("one\n")
    seen: list[tuple[Change, str]] = []
    errors: list[Exception] = []

    def deliver(changes: set[tuple[Change, str]]) -> None:
        seen.extend(changes)

    if source == "native":
        events = NativeEvents(deliver, errors.append)
    else:
        events = PollingEvents(deliver, errors.append, interval=0.02)
    events.update(WatchSet(trees=frozenset({str(tmp_path)}), files=frozenset({str(spec)})))
    try:
        spec.write_text("two, longer\n")
        await wait_for_change(seen, spec, Change.modified)
        new = tmp_path / "b.yaml"
        new.write_text("new\n")
        await wait_for_change(seen, new, Change.added)
        spec.unlink()
        await wait_for_change(seen, spec, Change.deleted)
    finally:
        events.close()
    assert watch_threads() == []
    assert errors == []


async def test_native_update_moves_watch_without_gap(tmp_path: Path) -> None:
    """Updating the watch set starts the new watch before stopping the old one; one thread per set."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    seen: list[tuple[Change, str]] = []
    events = NativeEvents(seen.extend, lambda exc: None)
    events.update(WatchSet(dirs=frozenset({str(first)})))
    events.update(WatchSet(dirs=frozenset({str(first)})))
    assert len(watch_threads()) == 1
    events.update(WatchSet(dirs=frozenset({str(second)})))
    try:
        (second / "x.json").write_text("{}")
        await wait_for_change(seen, second / "x.json", Change.added)
    finally:
        events.close()
    assert watch_threads() == []


async def test_missing_folders_are_left_out(tmp_path: Path) -> None:
    """A folder that does not exist is not watched, and a folder inside a watched tree is not doubled."""
    watch = WatchSet(
        dirs=frozenset({str(tmp_path / "missing"), str(tmp_path / "sub")}),
        trees=frozenset({str(tmp_path)}),
    )
    (tmp_path / "sub").mkdir()
    assert watch.existing() == WatchSet(trees=frozenset({str(tmp_path)}))


async def test_polling_sees_same_size_rewrite(tmp_path: Path) -> None:
    """Polling notices a rewrite that keeps size and mtime, through the content hash."""
    spec = tmp_path / "a.json"
    spec.write_text('{"v": 1}')
    stat = spec.stat()
    seen: list[tuple[Change, str]] = []
    events = PollingEvents(seen.extend, lambda exc: None, interval=0.02)
    events.update(WatchSet(files=frozenset({str(spec)})))
    try:
        overwrite(spec, b'{"v": 2}')
        os.utime(spec, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        await wait_for_change(seen, spec, Change.modified)
    finally:
        events.close()


def test_observe_reports_content_and_refuses_fifo(tmp_path: Path) -> None:
    """observe() hashes a regular file, returns None for a missing one and refuses a FIFO."""
    from toolsync.errors import LimitError, SourceError

    spec = tmp_path / "a.yaml"
    spec.write_text("a: 1\n")
    state = observe(str(spec))
    assert state is not None and state.size == 5 and state.ends_with_newline
    assert state.same_version(observe(str(spec)))
    assert observe(str(tmp_path / "nope.yaml")) is None
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(SourceError, match="not a regular file"):
        observe(str(fifo))
    with pytest.raises(LimitError, match="limit of 2"):
        observe(str(spec), max_bytes=2)
