"""The knobs of hot reload, in one frozen value shared by the queue, the file and the URL side."""

from __future__ import annotations

from dataclasses import dataclass, field

from .backoff import Backoff

__all__ = ["ReloadSettings"]


@dataclass(frozen=True, slots=True)
class ReloadSettings:
    """
    Timing of hot reload. All durations are in seconds.

    The defaults keep a saved spec's new tools live within ~0.2 s while never registering a
    file that is still being written.
    """

    # Quiet time after the last event for a spec before it is reloaded (coalesces bursts).
    debounce: float = 0.05
    # A spec that keeps changing is still reloaded this long after its first event.
    max_wait: float = 2.0
    # A file must not have changed for this long before it is loaded (size+mtime+hash re-checked after).
    settle: float = 0.1
    # ...and for this long when the result looks cut off: it would remove tools, it is a new
    # spec, or a YAML file lacks its final newline (a complete save almost always has one).
    confirm: float = 1.0
    # A deleted spec file's tools stay this long, so a delete-then-create save drops nothing.
    grace: float = 1.5
    # Waits before reading a file again after a parse or spec error; then the failure is reported.
    retry_delays: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4)
    # URL pollers back off like this after errors (base 0: use the spec's poll interval as base).
    backoff: Backoff = field(default_factory=lambda: Backoff(base=0.0, cap=300.0))
    # Overrides every SpecConfig.poll_interval when set.
    poll_interval: float | None = None
    # The polling fallback for files checks this often.
    file_poll_interval: float = 0.5
    # Reloads of different specs that may run at once.
    max_workers: int = 4

    def url_backoff(self, poll_interval: float) -> Backoff:
        """The backoff for one URL: its interval as the base unless one was set."""
        if self.backoff.base > 0:
            return self.backoff
        return Backoff(base=poll_interval, cap=max(self.backoff.cap, poll_interval), factor=self.backoff.factor)
