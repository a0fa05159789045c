"""
File events from the operating system (inotify, FSEvents, ReadDirectoryChangesW) via watchfiles.

The watcher watches *folders*, never single files: editors save by writing a temporary file
and renaming it over the old one, which replaces the inode a file watch would be attached to.
Folders given as spec sources are watched recursively; the folders that merely contain a
watched file (or a file it references, or a symlink's target) are watched non-recursively.

Each :class:`RustNotify` is driven by a thread of ours rather than ``watchfiles.awatch`` so
that stopping joins every thread we started (awatch borrows AnyIO worker threads that outlive
the watcher).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from watchfiles import Change
from watchfiles._rust_notify import RustNotify

from ..errors import ToolsyncError
from .filestate import observe, quick_state

__all__ = ["Changes", "FileEvents", "NativeEvents", "PollingEvents", "WatchSet"]

log = logging.getLogger("toolsync.reload")

Changes = set[tuple[Change, str]]


@dataclass(frozen=True, slots=True)
class WatchSet:
    """What to watch: folders (recursively or not) and the files the watcher tracks."""

    dirs: frozenset[str] = frozenset()  # watched non-recursively
    trees: frozenset[str] = frozenset()  # watched recursively (folder sources)
    files: frozenset[str] = frozenset()  # tracked files (polling stats these)

    def existing(self) -> WatchSet:
        """The same set without folders that do not exist (yet), and without dirs inside trees."""
        trees = frozenset(t for t in self.trees if os.path.isdir(t))
        dirs = frozenset(d for d in self.dirs if os.path.isdir(d) and not _inside_any(d, trees))
        return WatchSet(dirs, trees, self.files)


def _inside_any(path: str, roots: frozenset[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


class FileEvents(ABC):
    """
    Base class of event sources: deliver batches of changes to ``deliver`` on the loop thread.

    Subclasses implement :meth:`_spawn` (start watching a set, return a stop function that
    joins what it started) and report through ``self._deliver``/``self._fail``.
    """

    def __init__(self, deliver: Callable[[Changes], None], on_error: Callable[[Exception], None]) -> None:
        self._loop = asyncio.get_running_loop()
        self._deliver_cb = deliver
        self._error_cb = on_error
        self._watching: WatchSet | None = None
        self._stop: Callable[[], None] | None = None

    def update(self, watch: WatchSet) -> None:
        """Watch ``watch`` from now on; the old watch stops only after the new one started (no gap)."""
        watch = watch.existing()
        if self._watching is not None and not self._needs_restart(self._watching, watch):
            return
        old_stop, self._stop = self._stop, self._spawn(watch)
        self._watching = watch
        if old_stop is not None:
            old_stop()

    def close(self) -> None:
        """Stop watching and join every thread."""
        stop, self._stop = self._stop, None
        if stop is not None:
            stop()

    def _needs_restart(self, old: WatchSet, new: WatchSet) -> bool:
        return old != new

    @abstractmethod
    def _spawn(self, watch: WatchSet) -> Callable[[], None]:
        """Start watching ``watch``; return a function that stops and joins it."""

    def _deliver(self, changes: Changes) -> None:
        if changes:
            self._loop.call_soon_threadsafe(self._deliver_cb, changes)

    def _fail(self, exc: Exception) -> None:
        self._loop.call_soon_threadsafe(self._error_cb, exc)


class NativeEvents(FileEvents):
    """Operating-system file events through watchfiles' Rust notifier."""

    def __init__(
        self,
        deliver: Callable[[Changes], None],
        on_error: Callable[[Exception], None],
        *,
        step_ms: int = 20,
        group_ms: int = 300,
    ) -> None:
        super().__init__(deliver, on_error)
        # step: quiet time that ends a batch (and how often the thread checks for stop);
        # group: longest a batch may grow while events keep coming. The queue debounces after.
        self._step_ms = step_ms
        self._group_ms = group_ms

    def _needs_restart(self, old: WatchSet, new: WatchSet) -> bool:
        # Folders are what the notifier watches; the tracked files inside them do not matter.
        return (old.dirs, old.trees) != (new.dirs, new.trees)

    def _spawn(self, watch: WatchSet) -> Callable[[], None]:
        stop = threading.Event()
        threads: list[threading.Thread] = []

        def stop_all() -> None:
            stop.set()
            for thread in threads:
                thread.join()

        try:
            for paths, recursive in ((watch.trees, True), (watch.dirs, False)):
                if paths:
                    # Raises OSError (e.g. the inotify watch limit) in the caller, which can fall back.
                    notify = RustNotify(sorted(paths), False, False, 0, recursive, True)
                    threads.append(threading.Thread(
                        target=self._pump, args=(notify, stop), name="toolsync-watch", daemon=True))
                    threads[-1].start()
        except BaseException:
            stop_all()
            raise
        return stop_all

    def _pump(self, notify: RustNotify, stop: threading.Event) -> None:
        try:
            with notify:
                while not stop.is_set():
                    raw = notify.watch(self._group_ms, self._step_ms, 1000, stop)
                    if isinstance(raw, set):
                        self._deliver({(Change(kind), path) for kind, path in raw})
                    elif raw == "stop":
                        return
        except (OSError, RuntimeError) as exc:
            # The notifier failed (a watched folder vanished, an internal error): the watcher
            # switches to polling.
            log.warning("file events stopped: %s", exc)
            self._fail(exc)


# A file changed this recently may change again within one tick of a coarse mtime clock
# (FAT, some network mounts), so its content is hashed as well.
_RECENT_NS = 2_000_000_000

_Entry = tuple[int, int, int, int, str | None]


class PollingEvents(FileEvents):
    """
    The fallback where native events are unavailable (network mounts, containers, inotify
    limits): every ``interval`` seconds, stat the tracked files and walk the folder sources,
    and report what appeared, changed (size, mtime, inode, or hash when recent) or vanished.
    """

    def __init__(
        self,
        deliver: Callable[[Changes], None],
        on_error: Callable[[Exception], None],
        *,
        interval: float = 0.5,
        is_candidate: Callable[[str], bool] = lambda path: True,
    ) -> None:
        super().__init__(deliver, on_error)
        self._interval = interval
        self._is_candidate = is_candidate
        self._seen: dict[str, _Entry] | None = None

    def _spawn(self, watch: WatchSet) -> Callable[[], None]:
        stop = threading.Event()
        # The baseline is taken now, so every change after update() returns is seen.
        current = self._scan(watch)
        if self._seen is not None:
            # Changes that happened between the old poller's last scan and now.
            old = {p: e for p, e in self._seen.items() if _inside_watch(p, watch)}
            self._deliver({c for c in _diff(old, current) if c[0] != Change.added})
        self._seen = current
        thread = threading.Thread(
            target=self._poll, args=(watch, current, stop), name="toolsync-poll", daemon=True)
        thread.start()

        def stop_and_join() -> None:
            stop.set()
            thread.join()

        return stop_and_join

    def _poll(self, watch: WatchSet, seen: dict[str, _Entry], stop: threading.Event) -> None:
        while not stop.wait(self._interval):
            try:
                current = self._scan(watch)
            except OSError as exc:
                log.warning("polling for file changes failed: %s", exc)
                continue
            self._deliver(_diff(seen, current))
            seen = self._seen = current

    def _scan(self, watch: WatchSet) -> dict[str, _Entry]:
        found: dict[str, _Entry] = {}
        for path in watch.files:
            self._record(found, path)
        for tree in watch.trees:
            for folder, subdirs, names in os.walk(tree):
                subdirs[:] = [d for d in subdirs if not d.startswith(".")]
                for name in names:
                    path = os.path.join(folder, name)
                    if self._is_candidate(path):
                        self._record(found, path)
        return found

    def _record(self, found: dict[str, _Entry], path: str) -> None:
        try:
            quick = quick_state(path)
        except ToolsyncError:
            return
        if quick is None:
            return
        digest = None
        if time.time_ns() - quick[2] < _RECENT_NS:
            try:
                state = observe(path)
            except ToolsyncError:
                state = None
            digest = state.digest if state is not None else None
        found[path] = (*quick, digest)


def _inside_watch(path: str, watch: WatchSet) -> bool:
    return path in watch.files or _inside_any(path, watch.trees)


def _diff(old: dict[str, _Entry], new: dict[str, _Entry]) -> Changes:
    changes: Changes = set()
    for path, entry in new.items():
        before = old.get(path)
        if before is None:
            changes.add((Change.added, path))
        elif before[:4] != entry[:4] or (before[4] and entry[4] and before[4] != entry[4]):
            changes.add((Change.modified, path))
    changes.update((Change.deleted, path) for path in old.keys() - new.keys())
    return changes
