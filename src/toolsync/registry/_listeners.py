"""
Change listeners: called once per registry step, in commit order, after the new snapshot is in place.

A listener may be a plain function or a coroutine function. A coroutine function registered
while an event loop was running is scheduled on that loop (thread-safely when the commit runs in
another thread); with no loop it runs to completion on a short-lived loop of its own. A listener
that raises is logged and changes nothing: the commit stands and the other listeners still run.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import itertools
import logging
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from .events import ChangeEvent

__all__ = ["Listener", "Listeners"]

log = logging.getLogger("toolsync.registry")

Listener = Callable[[ChangeEvent], None] | Callable[[ChangeEvent], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class _Entry:
    callback: Listener
    is_async: bool
    loop: asyncio.AbstractEventLoop | None


class Listeners:
    """Subscribers plus the queue of notifications waiting to be delivered, oldest first."""

    def __init__(self) -> None:
        self._entries: dict[int, _Entry] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._outbox: collections.deque[ChangeEvent] = collections.deque()
        # Re-entrant: a listener that changes the registry delivers its own step in its turn.
        self._delivering = threading.RLock()
        self._tasks: set[asyncio.Future[Any]] = set()

    def add(self, callback: Listener) -> Callable[[], None]:
        """Subscribe ``callback``; returns the function that unsubscribes it."""
        entry = _Entry(callback, _is_async(callback), _running_loop())
        with self._lock:
            key = next(self._ids)
            self._entries[key] = entry

        def remove() -> None:
            with self._lock:
                self._entries.pop(key, None)

        return remove

    def post(self, event: ChangeEvent) -> None:
        """Queue a notification (called under the registry's writer lock, so queue order = commit order)."""
        self._outbox.append(event)

    def deliver(self) -> None:
        """Send every queued notification to every listener, in order."""
        with self._delivering:
            while True:
                try:
                    event = self._outbox.popleft()
                except IndexError:
                    return
                with self._lock:
                    entries = list(self._entries.values())
                for entry in entries:
                    self._call(entry, event)

    def _call(self, entry: _Entry, event: ChangeEvent) -> None:
        try:
            if entry.is_async:
                self._schedule(entry, event)
            else:
                entry.callback(event)
        except Exception:
            log.exception("change listener %r failed on version %d", entry.callback, event.version)

    def _schedule(self, entry: _Entry, event: ChangeEvent) -> None:
        here = _running_loop()
        target = entry.loop if entry.loop is not None and entry.loop.is_running() else here
        coroutine: Any = entry.callback(event)
        if target is None:
            asyncio.run(coroutine)
        elif target is here:
            self._track(target.create_task(coroutine), entry)
        else:
            self._track_threadsafe(asyncio.run_coroutine_threadsafe(coroutine, target), entry, event)

    def _track(self, task: asyncio.Future[Any], entry: _Entry) -> None:
        self._tasks.add(task)

        def done(finished: asyncio.Future[Any]) -> None:
            self._tasks.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                log.error("change listener %r failed", entry.callback, exc_info=finished.exception())

        task.add_done_callback(done)

    @staticmethod
    def _track_threadsafe(future: Future[Any], entry: _Entry, event: ChangeEvent) -> None:
        def done(finished: Future[Any]) -> None:
            if not finished.cancelled() and finished.exception() is not None:
                log.error("change listener %r failed on version %d", entry.callback, event.version,
                          exc_info=finished.exception())

        future.add_done_callback(done)


def _is_async(callback: Any) -> bool:
    return inspect.iscoroutinefunction(callback) or inspect.iscoroutinefunction(
        getattr(callback, "__call__", None))  # noqa: B004 - an object with an async __call__


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
