"""The result of comparing two spec versions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._finding import Finding, FindingSeverity, severity_rank
from ._markdown import render

__all__ = ["DiffReport", "operations_line", "summary_line"]


@dataclass(frozen=True, slots=True)
class DiffReport:
    """
    Findings (most serious first, deterministic) and what happened to each operation key.

    ``added``/``removed`` compare operation keys; an operation whose path or method changed under the
    same operationId is listed in both (old key removed, new key added) and, as a pair, in ``moved``.
    ``changed``/``unchanged`` split the keys present in both specs by whether they have a finding.
    """

    findings: tuple[Finding, ...] = ()
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    old_version: str = ""
    new_version: str = ""
    moved: tuple[tuple[str, str], ...] = ()
    title: str = ""

    @property
    def breaking(self) -> bool:
        return any(f.severity is FindingSeverity.BREAKING for f in self.findings)

    @property
    def max_severity(self) -> FindingSeverity | None:
        """The most serious severity found, None when there are no findings."""
        return min((f.severity for f in self.findings), key=severity_rank, default=None)

    def counts(self) -> dict[str, int]:
        """Findings per severity, every severity present (zero included)."""
        out = {str(severity): 0 for severity in FindingSeverity}
        for finding in self.findings:
            out[str(finding.severity)] += 1
        return out

    def at_least(self, severity: FindingSeverity) -> tuple[Finding, ...]:
        """Findings at ``severity`` or more serious (what ``--fail-on`` gates on)."""
        return tuple(f for f in self.findings if severity_rank(f.severity) <= severity_rank(severity))

    def by_operation(self) -> dict[str | None, tuple[Finding, ...]]:
        """Findings grouped by operation key; spec-wide findings under None. Keys in report order."""
        out: dict[str | None, list[Finding]] = {}
        for finding in self.findings:
            out.setdefault(finding.operation, []).append(finding)
        return {key: tuple(group) for key, group in out.items()}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form for ``--json``, HTTP responses and events."""
        return {
            "title": self.title, "old_version": self.old_version, "new_version": self.new_version,
            "breaking": self.breaking,
            "max_severity": None if self.max_severity is None else str(self.max_severity),
            "counts": self.counts(), "added": list(self.added), "removed": list(self.removed),
            "moved": [{"old": old, "new": new} for old, new in self.moved],
            "changed": list(self.changed), "unchanged": list(self.unchanged),
            "findings": [finding.to_dict() for finding in self.findings],
        }

    def to_markdown(self, *, limit: int = 60_000) -> str:
        """A pull-request comment: counts, breaking changes first, the rest folded away."""
        return render(self, operations_line(self), limit=limit)

    @classmethod
    def from_findings(cls, findings: list[Finding], **fields: Any) -> DiffReport:
        """Sort ``findings`` into report order and build the report."""
        return cls(findings=tuple(sorted(findings, key=Finding.sort_key)), **fields)


def summary_line(report: DiffReport) -> str:
    """``2 breaking, 1 warning, 4 info · 3 added, 1 removed, 5 changed, 40 unchanged``."""
    counts: Mapping[str, int] = report.counts()
    parts = [f"{counts['breaking']} breaking", _plural(counts["warning"], "warning"), f"{counts['info']} info"]
    return f"{', '.join(parts)} · {operations_line(report)}"


def operations_line(report: DiffReport) -> str:
    """``operations: 3 added, 1 removed, 5 changed, 40 unchanged``."""
    ops = [f"{len(report.added)} added", f"{len(report.removed)} removed", f"{len(report.changed)} changed",
           f"{len(report.unchanged)} unchanged"]
    return f"operations: {', '.join(ops)}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
