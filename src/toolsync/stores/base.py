"""
The ``Store`` protocol: where a registry keeps its snapshots, history, events and audit trail.

A store holds plain records and opaque payload bytes; it knows nothing of ``Tool`` objects (the
registry turns them into payloads: compressed JSON from :mod:`toolsync.registry.serialize`). One registry version is a
:class:`StoredState`: the manifest (tool name → payload hash), the spec entries, and the
:class:`HistoryEntry` that says how it came to be. Tool payloads are stored once per hash, so a
version that changes one tool writes one payload.

Every commit is one atomic step and carries the version it builds on (``state.version - 1``). A
store that sees another base raises :class:`StoreConflictError`: two replicas can never both
commit the same version; the loser catches up (``load_latest``) and tries again.

Stores that learn of commits made elsewhere (Redis) call the callbacks given to ``subscribe`` with
the new version; the registry then adopts the newer snapshot. Stores that only see their own
process's commits may call them too, or return a no-op unsubscribe.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ..errors import StoreConflictError

__all__ = [
    "AuditRecord",
    "HistoryEntry",
    "Store",
    "StoreConflictError",
    "StoredEvent",
    "StoredState",
    "StoredTool",
    "Unsubscribe",
]

Unsubscribe = Callable[[], None]


@dataclass(frozen=True, slots=True)
class StoredTool:
    """One manifest line: which payload a tool name points to, and since when it has been registered."""

    hash: str  # names the payload's content (the registry: sha256 of its JSON before compression)
    registered_at: float
    # The payload bytes, opaque to the store. Empty in a commit when the store already holds this hash.
    payload: bytes = b""


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """How one registry version came to be: one line of ``toolsync history``."""

    version: int
    time: float
    trigger: str
    spec: str | None  # the spec the commit was about; None for a registry-wide commit
    summary: str  # "+1 -0 ~1 =2"
    # Tools this commit added or changed → their schema hash; removed ones → None.
    changes: Mapping[str, str | None] = field(default_factory=dict)
    message: str = ""
    # Every spec whose tools or entry this commit touched.
    specs: tuple[str, ...] = ()

    def touches(self, *, spec: str | None = None, tool: str | None = None) -> bool:
        """True when this commit concerns ``spec`` and ``tool`` (None matches anything)."""
        if spec is not None and spec != self.spec and spec not in self.specs:
            return False
        return tool is None or tool in self.changes

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "time": self.time, "trigger": self.trigger, "spec": self.spec,
                "summary": self.summary, "changes": dict(self.changes), "message": self.message,
                "specs": list(self.specs)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HistoryEntry:
        return cls(int(data["version"]), float(data["time"]), str(data["trigger"]), data.get("spec"),
                   str(data.get("summary", "")), dict(data.get("changes") or {}), str(data.get("message", "")),
                   tuple(data.get("specs") or ()))


@dataclass(frozen=True, slots=True)
class StoredState:
    """Everything needed to rebuild one registry version exactly."""

    version: int
    created_at: float
    # Spec name → JSON of its entry (including the SpecConfig it was loaded with).
    specs: Mapping[str, bytes]
    tools: Mapping[str, StoredTool]
    entry: HistoryEntry

    @property
    def base_version(self) -> int:
        """The version this one must be committed on top of."""
        return self.version - 1


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One registry event as the store keeps it (``data`` is the event's ``to_dict()``)."""

    version: int
    kind: str
    data: Mapping[str, Any]
    seq: int = 0  # assigned by the store, increasing


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One attempt to change the registry, whether it committed, failed, was held or changed nothing."""

    time: float
    trigger: str
    outcome: str  # ok | failed | held | noop
    action: str  # load | apply | register | unregister | rollback | approve | reject | ...
    spec: str | None = None
    version: int = 0  # the snapshot version after the attempt
    summary: str = ""
    message: str = ""
    id: int = 0  # assigned by the store, increasing

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "time": self.time, "trigger": self.trigger, "outcome": self.outcome,
                "action": self.action, "spec": self.spec, "version": self.version,
                "summary": self.summary, "message": self.message}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditRecord:
        return cls(float(data["time"]), str(data["trigger"]), str(data["outcome"]), str(data["action"]),
                   data.get("spec"), int(data.get("version", 0)), str(data.get("summary", "")),
                   str(data.get("message", "")), int(data.get("id", 0)))


@runtime_checkable
class Store(Protocol):
    """Persistence for a registry. Implementations must be safe to call from several threads."""

    def load_latest(self) -> StoredState | None:
        """The last committed version with every payload filled in, or None for an empty store."""
        ...

    def load_version(self, version: int) -> StoredState | None:
        """A kept version with every payload filled in; None when it was pruned or never existed."""
        ...

    def commit(self, state: StoredState, events: Sequence[StoredEvent], audit: AuditRecord) -> None:
        """
        Write one version atomically: manifest, new payloads, spec entries, history, events, audit.

        Raises:
            StoreConflictError: the latest stored version is not ``state.base_version``.
            StoreError: the write failed; nothing of it is kept.
        """
        ...

    def append(self, events: Sequence[StoredEvent], audit: AuditRecord) -> None:
        """Record events and an audit line that do not create a version (a failed or unchanged load)."""
        ...

    def history(self, *, spec: str | None = None, tool: str | None = None,
                limit: int | None = None) -> list[HistoryEntry]:
        """Kept versions, newest first, optionally only those touching ``spec`` or ``tool``."""
        ...

    def audit(self, *, limit: int | None = None, spec: str | None = None) -> list[AuditRecord]:
        """Audit records, newest first."""
        ...

    def events_since(self, version: int, *, limit: int | None = None) -> list[StoredEvent]:
        """Events of versions after ``version``, oldest first (resume after a disconnect)."""
        ...

    def prune(self, keep: int, *, keep_audit: int | None = None) -> None:
        """Drop versions (and their events) older than the newest ``keep``, and unreferenced payloads."""
        ...

    def subscribe(self, callback: Callable[[int], None]) -> Unsubscribe:
        """Call ``callback(version)`` after a commit this store learns of; returns the unsubscribe."""
        ...

    def close(self) -> None:
        """Release connections and threads. Idempotent."""
        ...
