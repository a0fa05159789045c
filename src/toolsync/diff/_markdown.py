"""Render a diff report as a pull-request comment."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ._finding import Finding, FindingSeverity

if TYPE_CHECKING:
    from ._report import DiffReport

__all__ = ["render"]

_FOLDED = ((FindingSeverity.WARNING, "Warnings"), (FindingSeverity.INFO, "Info"))


def render(report: DiffReport, operations: str, *, limit: int) -> str:
    """Headline with counts, the breaking changes listed, warnings and info in collapsible blocks."""
    counts = report.counts()
    mark = "❌" if counts["breaking"] else ("⚠️" if counts["warning"] else "✅")
    title = f" for {_escape(report.title)}" if report.title else ""
    versions = f"`{report.old_version or '?'}` → `{report.new_version or '?'}`"
    headline = (f"### {mark} API diff{title}: {counts['breaking']} breaking, {_plural(counts['warning'], 'warning')}, "
                f"{counts['info']} info")
    lines = [headline, "", f"{versions} · {operations}", ""]
    if not report.findings:
        return "\n".join([*lines, "No differences that affect the tools."]) + "\n"
    budget = _Budget(limit - sum(len(line) + 1 for line in lines))
    breaking = [f for f in report.findings if f.severity is FindingSeverity.BREAKING]
    if breaking:
        lines += ["#### Breaking changes", "", *budget.take(_items(breaking)), ""]
    for severity, heading in _FOLDED:
        group = [f for f in report.findings if f.severity is severity]
        if group:
            lines += [f"<details><summary>{heading} ({len(group)})</summary>", "",
                      *budget.take(_items(group)), "", "</details>", ""]
    if budget.skipped:
        lines.append(f"_{budget.skipped} more finding(s) not shown; run `toolsync diff --format json` "
                     "for the full list._")
    return "\n".join(lines).rstrip() + "\n"


def _items(findings: Iterable[Finding]) -> Iterable[str]:
    # Messages name their operation already.
    for finding in findings:
        yield f"- {_escape(finding.message)} <sub>`{finding.id}`</sub>"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _escape(text: str) -> str:
    # Raw HTML in descriptions would break the <details> blocks.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Budget:
    """Keeps the comment under the size a code host accepts, counting what had to be left out."""

    def __init__(self, chars: int) -> None:
        self.left = chars
        self.skipped = 0

    def take(self, lines: Iterable[str]) -> list[str]:
        out = []
        for line in lines:
            if len(line) + 1 > self.left - 200:
                self.skipped += 1
                continue
            self.left -= len(line) + 1
            out.append(line)
        return out
