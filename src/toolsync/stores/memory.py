"""``MemoryStore``: the store of tests and of registries that need not survive a restart."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace

from ..errors import StoreError
from .base import (
    AuditRecord,
    HistoryEntry,
    StoreConflictError,
    StoredEvent,
    StoredState,
    StoredTool,
    Unsubscribe,
)
from .retention import select_history
from .subscribers import Subscribers

__all__ = ["MemoryStore"]



class MemoryStore:
    """
    Keeps every version in process memory, with the same rules as the persistent stores.

    Several registries may share one ``MemoryStore``: each learns of the others' commits through
    ``subscribe``, which makes it a small in-process model of replicas sharing a Redis store.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[int, StoredState] = {}
        self._payloads: dict[str, bytes] = {}
        self._events: list[StoredEvent] = []
        self._audit: list[AuditRecord] = []
        self._seq = itertools.count(1)
        self._audit_ids = itertools.count(1)
        self._subscribers = Subscribers("memory://")
        self._closed = False

    def load_latest(self) -> StoredState | None:
        with self._lock:
            self._check_open()
            if not self._states:
                return None
            return self._filled(self._states[max(self._states)])

    def load_version(self, version: int) -> StoredState | None:
        with self._lock:
            self._check_open()
            state = self._states.get(version)
            return self._filled(state) if state is not None else None

    def commit(self, state: StoredState, events: Sequence[StoredEvent], audit: AuditRecord) -> None:
        with self._lock:
            self._check_open()
            latest = max(self._states, default=0)
            if latest != state.base_version:
                raise StoreConflictError(
                    f"version {state.version} cannot be committed: the store is at version {latest}, "
                    f"not {state.base_version}; catch up and retry", source="memory://")
            self._write(state, events, audit)
        self._subscribers.notify(state.version)

    def append(self, events: Sequence[StoredEvent], audit: AuditRecord) -> None:
        with self._lock:
            self._check_open()
            self._events.extend(replace(e, seq=next(self._seq)) for e in events)
            self._audit.append(replace(audit, id=next(self._audit_ids)))

    def history(self, *, spec: str | None = None, tool: str | None = None,
                limit: int | None = None) -> list[HistoryEntry]:
        with self._lock:
            entries = [self._states[v].entry for v in sorted(self._states, reverse=True)]
        return select_history(entries, spec=spec, tool=tool, limit=limit)

    def audit(self, *, limit: int | None = None, spec: str | None = None) -> list[AuditRecord]:
        with self._lock:
            records = [r for r in reversed(self._audit) if spec is None or r.spec == spec]
        return records[:limit] if limit is not None else records

    def events_since(self, version: int, *, limit: int | None = None) -> list[StoredEvent]:
        with self._lock:
            events = [e for e in self._events if e.version > version]
        return events[:limit] if limit is not None else events

    def prune(self, keep: int, *, keep_audit: int | None = None) -> None:
        with self._lock:
            if keep < 1 or len(self._states) <= keep:
                self._prune_audit(keep_audit)
                return
            cutoff = sorted(self._states)[-keep]
            for version in [v for v in self._states if v < cutoff]:
                del self._states[version]
            self._events = [e for e in self._events if e.version >= cutoff]
            used = {t.hash for s in self._states.values() for t in s.tools.values()}
            self._payloads = {h: p for h, p in self._payloads.items() if h in used}
            self._prune_audit(keep_audit)

    def subscribe(self, callback: Callable[[int], None]) -> Unsubscribe:
        return self._subscribers.add(callback)

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._subscribers.close()

    def _write(self, state: StoredState, events: Sequence[StoredEvent], audit: AuditRecord) -> None:
        missing = [t.hash for t in state.tools.values() if not t.payload and t.hash not in self._payloads]
        if missing:
            raise StoreError(f"the payload with hash {missing[0][:12]} is neither stored nor in the commit",
                             source="memory://")
        for tool in state.tools.values():
            if tool.payload:
                self._payloads.setdefault(tool.hash, tool.payload)
        # Keep manifests light: payloads live once, by hash.
        light = {name: StoredTool(t.hash, t.registered_at) for name, t in state.tools.items()}
        self._states[state.version] = replace(state, tools=light)
        self._events.extend(replace(e, seq=next(self._seq)) for e in events)
        self._audit.append(replace(audit, id=next(self._audit_ids)))

    def _filled(self, state: StoredState) -> StoredState:
        tools = {n: StoredTool(t.hash, t.registered_at, self._payloads[t.hash]) for n, t in state.tools.items()}
        return replace(state, tools=tools)

    def _prune_audit(self, keep_audit: int | None) -> None:
        if keep_audit is not None and len(self._audit) > keep_audit:
            del self._audit[: len(self._audit) - keep_audit]

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("the store is closed", source="memory://")

