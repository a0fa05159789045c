"""
Spec URLs: one poller per URL, conditional requests, backoff with jitter, last good version kept.

A poller asks with ``If-None-Match``/``If-Modified-Since`` of the last *good* version, so a
``304`` always means "still what you have". Without validators the content hash decides:
the same bytes as the registered version, or as the broken version already reported, are not
loaded again. Errors (the URL is down, answers 5xx, serves garbage) back off exponentially
with full jitter up to a cap and are reported once per outage; the registry keeps the last
good version meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import ToolsyncError
from . import _pipeline as pipeline
from .outcome import OutcomeKind, ReloadOutcome
from .queue import ReloadQueue, ReloadRequest
from .settings import ReloadSettings

if TYPE_CHECKING:
    from ..config import SpecConfig
    from ..registry import ChangeSet, Registry

__all__ = ["UrlReloader", "UrlTarget", "is_url", "poll_url"]

log = logging.getLogger("toolsync.reload")


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


@dataclass(eq=False)
class UrlTarget:
    """One polled spec URL and what the watcher remembers about it."""

    key: str  # the URL
    config: SpecConfig
    name: str | None = None
    compiled: pipeline.CompiledSpec | None = None
    # Validators and hash of the registered (last good) version.
    etag: str | None = None
    last_modified: str | None = None
    digest: str | None = None
    reported: str | None = None  # hash of served content whose failure was reported
    failures: int = 0  # consecutive failed polls or loads; drives the backoff
    down_reported: bool = False  # the current outage was reported
    _pending: pipeline.SourceBytes | ToolsyncError | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def hand_over(self, item: pipeline.SourceBytes | ToolsyncError) -> None:
        """Leave what a poll found for the next reload (a newer poll replaces it)."""
        with self._lock:
            self._pending = item

    def take(self) -> pipeline.SourceBytes | ToolsyncError | None:
        with self._lock:
            item, self._pending = self._pending, None
        return item

    def failed(self) -> None:
        with self._lock:
            self.failures += 1

    def healthy(self) -> None:
        with self._lock:
            self.failures, self.down_reported = 0, False


class UrlReloader:
    """Runs one reload of one :class:`UrlTarget` (on a queue worker thread)."""

    def __init__(self, registry: Registry, settings: ReloadSettings) -> None:
        self._registry = registry
        self._settings = settings

    def handle(self, target: UrlTarget, request: ReloadRequest) -> ReloadOutcome | None:
        """Load what the poller fetched (or fetch now, for startup and explicit requests)."""
        item = target.take()
        if item is None:
            try:
                fetched = pipeline.fetch(target.config)
            except ToolsyncError as error:
                target.failed()
                item = error
            else:
                item = fetched if isinstance(fetched, pipeline.SourceBytes) else None
        if item is None:
            return None
        if isinstance(item, ToolsyncError):
            return self._down(target, request, item)
        passive = request.trigger == pipeline.Trigger.URL
        if passive and item.fingerprint in (target.digest, target.reported):
            return None
        return self._load(target, request, item)

    def _load(self, target: UrlTarget, request: ReloadRequest, item: pipeline.SourceBytes) -> ReloadOutcome:
        try:
            compiled = pipeline.compile_bytes(self._registry, target.config, item, target.compiled, target.name)
            changes = pipeline.commit(self._registry, compiled, request.trigger)
        except ToolsyncError as error:
            target.failed()
            target.reported = item.fingerprint
            return self._fail(target, request, error)
        target.name, target.compiled = compiled.spec.name, pipeline.lean(compiled)
        target.etag, target.last_modified, target.digest = item.etag, item.last_modified, item.fingerprint
        target.reported = None
        target.healthy()
        kind = OutcomeKind.APPLIED if changes.version is not None else OutcomeKind.UNCHANGED
        return self._outcome(kind, target, request, changes=changes)

    def _down(self, target: UrlTarget, request: ReloadRequest, error: ToolsyncError) -> ReloadOutcome | None:
        if target.down_reported and request.trigger == pipeline.Trigger.URL:
            return None  # one report per outage
        target.down_reported = True
        return self._fail(target, request, error)

    def _fail(self, target: UrlTarget, request: ReloadRequest, error: ToolsyncError) -> ReloadOutcome:
        error = pipeline.naming(error, target.key)
        pipeline.record_failure(self._registry, target.config, error, request.trigger, target.name)
        return self._outcome(OutcomeKind.FAILED, target, request, error=error, message=error.message)

    def _outcome(
        self,
        kind: OutcomeKind,
        target: UrlTarget,
        request: ReloadRequest,
        *,
        changes: ChangeSet | None = None,
        error: ToolsyncError | None = None,
        message: str = "",
    ) -> ReloadOutcome:
        return ReloadOutcome(
            kind, target.key, request.trigger, spec=target.name, changes=changes, error=error,
            version=pipeline.version(self._registry), events=request.events, attempts=request.attempt + 1,
            duration=time.monotonic() - request.started if request.started else 0.0, message=message,
        )


async def poll_url(target: UrlTarget, queue: ReloadQueue, settings: ReloadSettings) -> None:
    """Poll ``target`` until cancelled: every interval, or after a backoff delay when failing."""
    interval = settings.poll_interval or target.config.poll_interval
    backoff = settings.url_backoff(interval)
    while True:
        delay = interval if target.failures == 0 else backoff.delay(target.failures)
        await asyncio.sleep(delay)
        try:
            await poll_once(target, queue)
        except Exception:
            # A bug must not end polling silently; count it like an outage.
            log.exception("polling %s failed", target.key)
            target.failed()


async def poll_once(target: UrlTarget, queue: ReloadQueue) -> None:
    """One conditional GET; hands anything new (or the error) to the queue."""
    try:
        result = await pipeline.afetch(target.config, etag=target.etag, last_modified=target.last_modified)
    except ToolsyncError as error:
        target.failed()
        target.hand_over(error)
        queue.request(target.key, pipeline.Trigger.URL, delay=0)
        return
    if not isinstance(result, pipeline.SourceBytes) or result.fingerprint == target.digest:
        target.healthy()  # 304, or 200 with the bytes we serve already
        return
    if result.fingerprint == target.reported:
        return  # still the broken version that was reported; keep backing off
    target.hand_over(result)
    queue.request(target.key, pipeline.Trigger.URL, delay=0)
