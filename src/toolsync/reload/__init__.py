"""
Hot reload: keep the registry in sync with spec files, folders and URLs.

* :class:`Watcher` (asyncio) and :class:`ThreadedWatcher` (a background thread) load their
  sources, then reload a spec when its file changes or its URL serves a new version.
* :class:`PollingWatcher` polls files where native file events are unavailable.
* :class:`ReloadQueue` is the one debounced, coalescing queue every reload goes through.
"""

from __future__ import annotations

from .backoff import Backoff
from .outcome import OutcomeKind, ReloadOutcome
from .polling import PollingWatcher
from .queue import ReloadQueue, ReloadRequest, Retry
from .settings import ReloadSettings
from .watcher import ThreadedWatcher, Watcher

__all__ = [
    "Backoff",
    "OutcomeKind",
    "PollingWatcher",
    "ReloadOutcome",
    "ReloadQueue",
    "ReloadRequest",
    "ReloadSettings",
    "Retry",
    "ThreadedWatcher",
    "Watcher",
]
