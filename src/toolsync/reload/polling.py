"""The polling fallback: watch files by checking them every interval, without native events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from .settings import ReloadSettings
from .watcher import OutcomeCallback, Watcher

if TYPE_CHECKING:
    from ..config import SpecConfig
    from ..registry import Registry

__all__ = ["PollingWatcher"]


class PollingWatcher(Watcher):
    """
    A :class:`Watcher` that stats (and, for recently changed files, hashes) every watched file
    and walks every watched folder each ``interval`` seconds instead of relying on native file
    events: for network mounts, some containers and systems out of inotify watches.

    A plain Watcher switches to this mode by itself when native events cannot start or fail.

    Example::

        async with PollingWatcher(registry, ["/mnt/shared/specs"], interval=1.0):
            ...
    """

    def __init__(
        self,
        registry: Registry,
        sources: Sequence[SpecConfig | str],
        *,
        interval: float = 0.5,
        debounce_ms: float | None = None,
        poll_interval: float | None = None,
        settings: ReloadSettings | None = None,
        on_outcome: OutcomeCallback | None = None,
    ) -> None:
        settings = replace(settings or ReloadSettings(), file_poll_interval=interval)
        super().__init__(registry, sources, debounce_ms=debounce_ms, poll_interval=poll_interval,
                         force_polling=True, settings=settings, on_outcome=on_outcome)
