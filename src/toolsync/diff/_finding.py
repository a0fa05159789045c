"""One classified difference between two versions of a spec."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Finding", "FindingSeverity", "severity_rank"]


class FindingSeverity(StrEnum):
    """How much a difference matters to an agent that calls the API."""

    # Calls that worked against the old spec may now fail or do something else.
    BREAKING = "breaking"
    # Calls keep working, but results or behaviour may differ; worth a look.
    WARNING = "warning"
    # Compatible: new capabilities, loosened rules, changed wording.
    INFO = "info"


_RANK = {FindingSeverity.BREAKING: 0, FindingSeverity.WARNING: 1, FindingSeverity.INFO: 2}


def severity_rank(severity: FindingSeverity) -> int:
    """0 for breaking, 1 for warning, 2 for info: sorts the most serious first."""
    return _RANK[severity]


@dataclass(frozen=True, slots=True)
class Finding:
    """
    One difference, with a stable rule ``id`` (``request.parameter.added-required``) and a sentence.

    ``old_pointer``/``new_pointer`` are JSON pointers into the old and new spec: the operation's
    pointer in the document followed by the path inside its resolved (refs inlined) schema.
    """

    id: str
    severity: FindingSeverity
    message: str
    operation: str | None = None
    tool: str | None = None
    old_pointer: str | None = None
    new_pointer: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def sort_key(self) -> tuple[int, str, str, str, str, str]:
        """Most serious first, then by operation, rule and place: a deterministic report order."""
        return (severity_rank(self.severity), self.operation or "", self.id,
                self.new_pointer or "", self.old_pointer or "", self.message)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (``details`` values are JSON-ready already)."""
        return {"id": self.id, "severity": str(self.severity), "operation": self.operation,
                "tool": self.tool, "old_pointer": self.old_pointer, "new_pointer": self.new_pointer,
                "message": self.message, "details": dict(self.details)}
