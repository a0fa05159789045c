"""
What the registry tells its listeners. Every event names the snapshot ``version`` it belongs to, the
``spec``, the ``time`` and the ``trigger``; ``to_dict()`` gives its JSON form (``kind`` + fields)
and :func:`event_from_dict` reads one back (SSE resume, replicas catching up).

Listeners receive one :class:`ChangeEvent` per commit (or per failed attempt), carrying the
:class:`~toolsync.registry.ChangeSet` and all the events of that step, in order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import RegistryError
from .model import Trigger

if TYPE_CHECKING:
    from .model import ChangeSet

__all__ = [
    "EVENT_TYPES",
    "BreakingChangeDetected",
    "ChangeApproved",
    "ChangeEvent",
    "ChangeHeld",
    "ChangeRejected",
    "Committed",
    "Event",
    "RolledBack",
    "SpecFailed",
    "SpecLoaded",
    "SpecRemoved",
    "ToolAdded",
    "ToolRemoved",
    "ToolUpdated",
    "event_from_dict",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Fields every event has."""

    kind: ClassVar[str] = "event"
    version: int
    spec: str | None
    time: float
    trigger: Trigger

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        out["trigger"] = str(self.trigger)
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolAdded(Event):
    kind: ClassVar[str] = "tool_added"
    tool: str
    schema_hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolUpdated(Event):
    kind: ClassVar[str] = "tool_updated"
    tool: str
    old_hash: str
    schema_hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolRemoved(Event):
    kind: ClassVar[str] = "tool_removed"
    tool: str
    old_hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SpecLoaded(Event):
    kind: ClassVar[str] = "spec_loaded"
    source: str
    spec_version: str
    summary: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SpecFailed(Event):
    """A load or reload failed; the registry keeps serving ``version``."""

    kind: ClassVar[str] = "spec_failed"
    source: str
    error: str  # the error class name
    message: str  # what went wrong, with the source


@dataclass(frozen=True, slots=True, kw_only=True)
class SpecRemoved(Event):
    kind: ClassVar[str] = "spec_removed"
    tools: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RolledBack(Event):
    kind: ClassVar[str] = "rolled_back"
    to_version: int  # the version whose content was restored
    from_version: int  # the version served before


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakingChangeDetected(Event):
    """A breaking change was applied (policy ``warn``) or held (policy ``block``)."""

    kind: ClassVar[str] = "breaking_change"
    tools: tuple[str, ...]
    findings: tuple[Mapping[str, Any], ...]  # Finding.to_dict() of each breaking finding


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeHeld(Event):
    kind: ClassVar[str] = "change_held"
    held_id: str
    tools: tuple[str, ...]
    findings: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeApproved(Event):
    kind: ClassVar[str] = "change_approved"
    held_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeRejected(Event):
    kind: ClassVar[str] = "change_rejected"
    held_id: str
    reason: str = "rejected"


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls for cls in (ToolAdded, ToolUpdated, ToolRemoved, SpecLoaded, SpecFailed, SpecRemoved,
                              RolledBack, BreakingChangeDetected, ChangeHeld, ChangeApproved, ChangeRejected)
}


def event_from_dict(data: Mapping[str, Any]) -> Event:
    """
    The event a ``to_dict()`` produced. Unknown fields are ignored.

    Raises:
        RegistryError: an unknown kind (written by a newer toolsync) or missing fields.
    """
    cls = EVENT_TYPES.get(str(data.get("kind")))
    if cls is None:
        raise RegistryError(f"unknown event kind {data.get('kind')!r}", source="events")
    names = {f.name for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {k: (tuple(v) if isinstance(v, list) else v) for k, v in data.items() if k in names}
    try:
        values["trigger"] = Trigger(str(values.get("trigger")))
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise RegistryError(f"a {cls.kind} event cannot be read: {exc}", source="events") from exc


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    """
    One notification per registry step: a commit (``committed`` is True and ``version`` is new) or a
    step that changed no tool (a failed load, a held change, a rejection).
    """

    version: int
    previous_version: int
    changes: ChangeSet | None
    events: tuple[Event, ...]
    time: float
    trigger: Trigger
    spec: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def committed(self) -> bool:
        """True when this step produced a new snapshot (tools a client lists may have changed)."""
        return self.version != self.previous_version

    @property
    def kind(self) -> str:
        """The first event's kind (``tool_added``, ``spec_failed`` …), or ``commit`` when there is none."""
        return self.events[0].kind if self.events else "commit"

    def summary(self) -> str:
        return self.changes.summary() if self.changes is not None else self.kind

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "previous_version": self.previous_version, "spec": self.spec,
                "trigger": str(self.trigger), "time": self.time, "summary": self.summary(),
                "changes": self.changes.to_dict() if self.changes is not None else None,
                "events": [e.to_dict() for e in self.events]}


#: The name the design uses for one commit's notification.
Committed = ChangeEvent
