"""What one reload ended in: the value the queue reports and ``Watcher.events()`` yields."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from ..errors import ToolsyncError

if TYPE_CHECKING:
    from ..registry import ChangeSet, Trigger

__all__ = ["OutcomeKind", "ReloadOutcome"]


class OutcomeKind(StrEnum):
    """How a reload ended."""

    APPLIED = "applied"  # a new snapshot was committed
    UNCHANGED = "unchanged"  # the spec was read again and nothing differed; nothing committed
    FAILED = "failed"  # gave up; the registry keeps the last good version
    REMOVED = "removed"  # the spec's file is gone; its tools were unregistered
    IGNORED = "ignored"  # not a spec (a non-spec file, or a temporary file that vanished)


@dataclass(frozen=True, slots=True)
class ReloadOutcome:
    """The result of one (possibly coalesced and retried) reload of one source."""

    kind: OutcomeKind
    key: str  # the watched source: absolute file path or URL
    trigger: Trigger
    spec: str | None = None  # registry name of the spec, once known
    changes: ChangeSet | None = None
    error: ToolsyncError | None = None
    # Snapshot version after the reload: the new one, or the one kept on failure.
    version: int | None = None
    events: int = 1  # requests coalesced into this reload
    attempts: int = 1  # runs it took (retries after errors or while the file settled)
    duration: float = 0.0  # seconds from the first run to the outcome
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.kind is not OutcomeKind.FAILED

    def summary(self) -> str:
        """``"+1 -0 ~1 =5"`` for an applied reload, else the kind."""
        return self.changes.summary() if self.changes is not None else str(self.kind)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, one line of ``toolsync watch --json``."""
        out: dict[str, Any] = {
            "event": "reload",
            "outcome": str(self.kind),
            "source": self.key,
            "spec": self.spec,
            "trigger": str(self.trigger),
            "version": self.version,
            "events": self.events,
            "attempts": self.attempts,
            "duration_ms": round(self.duration * 1000, 1),
        }
        if self.changes is not None:
            out["summary"] = self.changes.summary()
            for field in ("added", "removed", "updated", "unchanged"):
                out[field] = sorted(getattr(self.changes, field))
        if self.error is not None:
            out["error"] = self.error.to_dict()
        if self.message:
            out["message"] = self.message
        return out
