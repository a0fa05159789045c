"""
``GET /events``: one Server-Sent Event per registry commit, resumable with ``Last-Event-ID``.

Each commit is sent as ``event: commit`` with ``id:`` = the snapshot version and JSON data::

    {"version": 7, "previous_version": 6, "spec": "petstore", "trigger": "file", "time": 1718000000.0,
     "summary": "+1 -0 ~1 =5", "added": ["createPet"], "removed": [], "updated": ["listPets"],
     "replayed": false}

Steps that change no tool (``spec_failed``, ``change_held``, ``change_rejected``) are sent with
their kind as the event type and no ``id``. A client that reconnects with ``Last-Event-ID: N``
first receives every kept commit after N (``replayed: true``), then the live ones; the
subscription starts before the history is read, so no commit falls between the two. When N is
older than the kept history the server sends ``event: resync`` (refetch ``GET /tools``) and
continues live. The first event of every stream is ``event: hello`` with the current version
as its ``id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from ..registry import ChangeEvent, Registry
from ..stores.base import HistoryEntry, StoredEvent

if TYPE_CHECKING:
    from .metrics import Metrics

__all__ = ["EventHub", "SseMessage", "commit_message", "replay_messages"]

log = logging.getLogger("toolsync.server")

_TOOL_KINDS = {"tool_added": "added", "tool_removed": "removed", "tool_updated": "updated"}
# A client this far behind is cut off with a resync rather than buffered without bound.
_QUEUE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class SseMessage:
    """One event of the stream; ``id`` is None for events that are not commits."""

    event: str
    data: dict[str, Any]
    id: int | None = None

    def as_sse(self) -> dict[str, Any]:
        out: dict[str, Any] = {"event": self.event, "data": orjson.dumps(self.data).decode()}
        if self.id is not None:
            out["id"] = str(self.id)
        return out


_CLOSED = SseMessage("closed", {})
_OVERFLOW = SseMessage("overflow", {})


def commit_message(event: ChangeEvent) -> SseMessage:
    """The SSE form of one registry notification."""
    base = {"version": event.version, "spec": event.spec, "trigger": str(event.trigger), "time": event.time,
            "summary": event.summary()}
    if not event.committed:
        return SseMessage(event.kind, {**base, "events": [e.to_dict() for e in event.events]})
    changes = event.changes
    lists = {key: list(getattr(changes, key)) if changes is not None else [] for key in ("added", "removed",
                                                                                       "updated")}
    return SseMessage("commit", {**base, "previous_version": event.previous_version, **lists, "replayed": False},
                      event.version)


def replay_messages(entries: Sequence[HistoryEntry], events: Iterable[StoredEvent]) -> list[SseMessage]:
    """Commit messages rebuilt from kept history entries and the stored events of those versions."""
    lists: dict[int, dict[str, list[str]]] = {}
    for stored in events:
        key = _TOOL_KINDS.get(stored.kind)
        if key is not None:
            per = lists.setdefault(stored.version, {"added": [], "removed": [], "updated": []})
            per[key].append(str(stored.data.get("tool", "")))
    out = []
    for entry in sorted(entries, key=lambda e: e.version):
        per = lists.get(entry.version, {"added": [], "removed": [], "updated": []})
        data = {"version": entry.version, "spec": entry.spec, "trigger": entry.trigger, "time": entry.time,
                "summary": entry.summary, "previous_version": entry.version - 1,
                **{k: sorted(v) for k, v in per.items()}, "replayed": True}
        out.append(SseMessage("commit", data, entry.version))
    return out


class EventHub:
    """Fans registry notifications out to every connected SSE client, in commit order."""

    def __init__(self, registry: Registry, metrics: Metrics | None = None, *, queue_size: int = _QUEUE_SIZE) -> None:
        self._registry = registry
        self._metrics = metrics
        self._queue_size = queue_size
        self._subscribers: set[asyncio.Queue[SseMessage]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: Any = None
        self._closed = False

    def start(self) -> None:
        """Listen to the registry; call on the event loop that serves the clients."""
        self._loop = asyncio.get_running_loop()
        self._closed = False
        self._unsubscribe = self._registry.on_change(self._on_change)

    def close(self) -> None:
        """End every stream (they finish their current event) and stop listening. Idempotent."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._closed = True
        for queue in list(self._subscribers):
            _offer(queue, _CLOSED, force=True)

    @property
    def clients(self) -> int:
        return len(self._subscribers)

    async def stream(self, last_event_id: int | None) -> AsyncIterator[dict[str, Any]]:
        """The events of one client: replay after ``last_event_id`` (when given), then live ones."""
        queue: asyncio.Queue[SseMessage] = asyncio.Queue(self._queue_size + 2)
        self._subscribers.add(queue)
        if self._metrics is not None:
            self._metrics.sse_opened()
        try:
            version = self._registry.version
            yield SseMessage("hello", {"version": version}, version if last_event_id is None else None).as_sse()
            last = version if last_event_id is None else last_event_id
            if last_event_id is not None:
                for message in await asyncio.to_thread(self._replay, last_event_id):
                    yield message.as_sse()
                    last = message.id if message.id is not None else self._registry.version
            async for message in self._live(queue, last):
                yield message.as_sse()
        finally:
            self._subscribers.discard(queue)
            if self._metrics is not None:
                self._metrics.sse_closed()

    async def _live(self, queue: asyncio.Queue[SseMessage], last: int) -> AsyncIterator[SseMessage]:
        if self._closed:
            return
        while True:
            message = await queue.get()
            if message is _CLOSED:
                return
            if message is _OVERFLOW:
                yield _resync(self._registry.version, "the client fell too far behind")
                return
            if message.id is not None and message.id <= last:
                continue  # already sent from the history replay
            if message.id is not None:
                last = message.id
            yield message

    def _replay(self, since: int) -> list[SseMessage]:
        current = self._registry.version
        if since >= current:
            return [] if since == current else [_resync(current, f"version {since} is newer than this server's")]
        entries = [e for e in self._registry.history(limit=current - since + 1) if e.version > since]
        if not entries or min(e.version for e in entries) > since + 1:
            return [_resync(current, f"the history after version {since} is no longer kept")]
        events = self._registry.store.events_since(since)
        return replay_messages(entries, events)

    def _on_change(self, event: ChangeEvent) -> None:
        loop = self._loop
        if loop is None or loop.is_closed() or self._closed:
            return
        message = commit_message(event)
        # A closed loop means the server is stopping; its streams are ending anyway.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._publish, message)

    def _publish(self, message: SseMessage) -> None:
        for queue in list(self._subscribers):
            _offer(queue, message)


def _offer(queue: asyncio.Queue[SseMessage], message: SseMessage, *, force: bool = False) -> None:
    """Queue ``message``; the last two slots are kept for the overflow and the closed markers."""
    limit = queue.maxsize - 2
    if force:
        if not queue.full():
            queue.put_nowait(message)
    elif queue.qsize() < limit:
        queue.put_nowait(message)
    elif queue.qsize() == limit:
        queue.put_nowait(_OVERFLOW)


def _resync(version: int, reason: str) -> SseMessage:
    return SseMessage("resync", {"version": version, "reason": reason + "; fetch GET /tools again"})
