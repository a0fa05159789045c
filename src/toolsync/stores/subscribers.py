"""The callbacks a store tells of each new version, for the stores that push (memory, Redis)."""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable

from ..errors import ToolsyncError
from .base import Unsubscribe

__all__ = ["Subscribers"]

log = logging.getLogger("toolsync.stores")


class Subscribers:
    """
    Thread-safe callbacks, each called with a new version; one that fails never stops the others.

    ``where`` names the store in log lines. After :meth:`close` nothing is added or called, and a
    failure of a call already under way is logged quietly (the store went away under it).
    """

    def __init__(self, where: str) -> None:
        self.where = where
        self._lock = threading.Lock()
        self._callbacks: dict[int, Callable[[int], None]] = {}
        self._ids = itertools.count(1)
        self._closed = False

    def add(self, callback: Callable[[int], None]) -> Unsubscribe:
        with self._lock:
            key = next(self._ids)
            if not self._closed:
                self._callbacks[key] = callback

        def unsubscribe() -> None:
            with self._lock:
                self._callbacks.pop(key, None)

        return unsubscribe

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._callbacks.clear()

    def notify(self, version: int) -> None:
        with self._lock:
            callbacks = list(self._callbacks.values())
        for callback in callbacks:
            try:
                callback(version)
            except ToolsyncError as exc:  # e.g. the store went away while the registry read the new version
                level = logging.DEBUG if self._closed else logging.WARNING
                log.log(level, "a store subscriber could not take version %d of %s: %s", version, self.where, exc)
            except Exception:  # a subscriber's failure must not undo or block a commit, nor starve the others
                log.exception("a store subscriber failed on version %d of %s", version, self.where)
