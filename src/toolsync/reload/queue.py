"""
One queue of reload requests, debounced and coalesced per key (a spec's source).

Every request for a key restarts its quiet period (``debounce``), so a burst of ten file
events becomes one reload; a key that never goes quiet still runs after ``max_wait``. A key
never runs twice at once: a request that arrives during a run schedules one more run after
it. Runs happen on a small thread pool, never on the event loop, so parsing a 10 MB spec
does not stall the server; different keys run in parallel.

The handler returns a :class:`ReloadOutcome` (reported), ``None`` (nothing worth reporting),
or a :class:`Retry` to run the same request again later (a file still settling, a retry
after a parse error). A new request for the key replaces a pending retry.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from ..errors import ToolsyncError
from .outcome import OutcomeKind, ReloadOutcome

if TYPE_CHECKING:
    from ..registry import Trigger

__all__ = ["Handler", "ReloadQueue", "ReloadRequest", "Retry"]

log = logging.getLogger("toolsync.reload")


@dataclass(frozen=True, slots=True)
class ReloadRequest:
    """One run of the handler for one key."""

    key: str
    trigger: Trigger  # the first trigger of the burst
    events: int = 1  # requests coalesced into this run
    attempt: int = 0  # 0 on the first run, +1 for each Retry since the last new request
    started: float = 0.0  # loop time of the first run of this request (for durations)


@dataclass(frozen=True, slots=True)
class Retry:
    """Ask the queue to run the same request again after ``after`` seconds."""

    after: float
    reason: str = ""


Handler: TypeAlias = Callable[[ReloadRequest], "ReloadOutcome | Retry | None"]


@dataclass(slots=True)
class _Slot:
    """The queue's state for one key."""

    key: str
    trigger: Trigger | None = None
    events: int = 0
    attempt: int = 0
    started: float | None = None  # loop time of the first run, kept across retries
    first_request: float | None = None  # loop time of the first request since the last run began
    timer: asyncio.TimerHandle | None = None
    task: asyncio.Task[None] | None = None
    dirty: bool = False  # a request arrived while running
    retrying: bool = False  # the timer is a Retry's, not a debounce

    @property
    def busy(self) -> bool:
        return self.timer is not None or self.task is not None


class ReloadQueue:
    """
    Debounced, coalescing, per-key serialized reload requests, run on a thread pool.

    Create it inside a running event loop; call :meth:`request` on the loop's thread (or
    :meth:`request_threadsafe` from any thread) and :meth:`aclose` when done.

    Example::

        queue = ReloadQueue(handler, debounce=0.05)
        for _ in range(10):
            queue.request("/specs/petstore.yaml", Trigger.FILE)
        await queue.wait_idle()  # handler ran once, with events=10
        await queue.aclose()
    """

    def __init__(
        self,
        handler: Handler,
        *,
        debounce: float = 0.05,
        max_wait: float = 2.0,
        max_workers: int = 4,
        on_outcome: Callable[[ReloadOutcome], object] | None = None,
    ) -> None:
        self._handler = handler
        self._debounce = debounce
        self._max_wait = max(max_wait, debounce)
        self._on_outcome = on_outcome
        self._loop = asyncio.get_running_loop()
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="toolsync-reload")
        self._slots: dict[str, _Slot] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self._closed = False

    @property
    def debounce(self) -> float:
        return self._debounce

    @property
    def closed(self) -> bool:
        return self._closed

    def pending(self) -> list[str]:
        """Keys that are waiting or running."""
        return [key for key, slot in self._slots.items() if slot.busy]

    def request(self, key: str, trigger: Trigger, *, delay: float | None = None) -> None:
        """Ask for a reload of ``key``; coalesced with other requests inside the quiet period."""
        if self._closed:
            return
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = _Slot(key)
            self._idle.clear()
        if slot.retrying:
            # A new request supersedes a pending retry: the source changed again.
            slot.trigger, slot.events, slot.retrying = None, 0, False
        slot.events += 1
        if slot.trigger is None:
            slot.trigger = trigger
        if slot.first_request is None:
            slot.first_request = self._loop.time()
        if slot.task is not None:
            slot.dirty = True
            return
        slot.attempt = 0
        slot.started = None
        self._arm(slot, self._debounce if delay is None else delay, clamp=True)

    def request_threadsafe(self, key: str, trigger: Trigger, *, delay: float | None = None) -> None:
        """:meth:`request` from any thread."""
        if not self._closed:
            self._loop.call_soon_threadsafe(lambda: self.request(key, trigger, delay=delay))

    async def wait_idle(self) -> None:
        """Return once no key is waiting, retrying or running."""
        await self._idle.wait()

    async def aclose(self) -> None:
        """Drop waiting requests, let running reloads finish, and stop the thread pool."""
        self._closed = True
        for slot in self._slots.values():
            if slot.timer is not None:
                slot.timer.cancel()
                slot.timer = None
        running = [slot.task for slot in self._slots.values() if slot.task is not None]
        if running:
            await asyncio.gather(*running, return_exceptions=True)
        self._slots.clear()
        self._idle.set()
        # Every submitted run has finished, so this only joins idle threads.
        self._executor.shutdown(wait=True)

    def _arm(self, slot: _Slot, delay: float, *, clamp: bool) -> None:
        now = self._loop.time()
        when = now + max(delay, 0.0)
        if clamp and slot.first_request is not None:
            # A key whose events never stop still runs after max_wait.
            when = max(now, min(when, slot.first_request + self._max_wait))
        if slot.timer is not None:
            slot.timer.cancel()
        slot.timer = self._loop.call_at(when, self._start, slot)

    def _start(self, slot: _Slot) -> None:
        slot.timer, slot.retrying = None, False
        if self._closed or slot.trigger is None:
            return
        now = self._loop.time()
        if slot.started is None:
            slot.started = now
        request = ReloadRequest(slot.key, slot.trigger, slot.events, slot.attempt, slot.started)
        slot.trigger, slot.events, slot.first_request, slot.dirty = None, 0, None, False
        slot.task = self._loop.create_task(self._run(slot, request), name=f"toolsync-reload:{slot.key}")

    async def _run(self, slot: _Slot, request: ReloadRequest) -> None:
        try:
            result = await self._loop.run_in_executor(self._executor, self._call, request)
        finally:
            slot.task = None
        if isinstance(result, ReloadOutcome):
            self._emit(result)
        if self._closed:
            return
        if slot.dirty:
            slot.dirty, slot.attempt, slot.started = False, 0, None
            self._arm(slot, self._debounce, clamp=True)
        elif isinstance(result, Retry):
            slot.trigger, slot.events, slot.attempt = request.trigger, request.events, request.attempt + 1
            slot.retrying = True
            self._arm(slot, result.after, clamp=False)
        else:
            self._forget(slot)

    def _call(self, request: ReloadRequest) -> ReloadOutcome | Retry | None:
        try:
            return self._handler(request)
        except Exception as exc:
            # A bug in a handler must not kill the queue: report it like any failed reload.
            log.exception("reload of %s crashed", request.key)
            error = ToolsyncError(f"reload crashed: {type(exc).__name__}: {exc}", source=request.key)
            return ReloadOutcome(
                OutcomeKind.FAILED, request.key, request.trigger, error=error,
                events=request.events, attempts=request.attempt + 1,
            )

    def _emit(self, outcome: ReloadOutcome) -> None:
        if self._on_outcome is None:
            return
        try:
            self._on_outcome(outcome)
        except Exception:
            log.exception("reload listener failed on %s", outcome.key)

    def _forget(self, slot: _Slot) -> None:
        if not slot.busy and self._slots.get(slot.key) is slot:
            del self._slots[slot.key]
        if not any(s.busy for s in self._slots.values()):
            self._idle.set()
