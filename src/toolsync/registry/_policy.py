"""Breaking-change findings for a reload, and which tools a ``block`` policy holds back."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence

from ..diff import Finding, FindingSeverity
from ..tool import Tool
from .model import DiffOperations, RegisteredTool

__all__ = ["breaking_tools", "default_differ", "findings_for"]

log = logging.getLogger(__name__)


def default_differ() -> DiffOperations:
    from ..diff import diff_operations

    return diff_operations


def findings_for(old: Mapping[str, RegisteredTool], new: Mapping[str, Tool], differ: DiffOperations | None,
                 *, report_added: bool = True) -> tuple[Finding, ...]:
    """Findings for every tool that changed, was removed or (when asked) added, most serious first."""
    differ = differ or default_differ()
    found: list[Finding] = []
    for name in sorted(old.keys() | new.keys()):
        before, after = old.get(name), new.get(name)
        if before is None and after is not None:
            if report_added:
                found.append(_added(name, after))
        elif after is None and before is not None:
            found.append(_removed(name, before.tool))
        elif before is not None and after is not None and before.tool is not after:
            found.extend(_compared(name, before.tool, after, differ))
    return tuple(sorted(found, key=Finding.sort_key))


def breaking_tools(findings: Sequence[Finding]) -> tuple[str, ...]:
    return tuple(sorted({f.tool for f in findings if f.severity is FindingSeverity.BREAKING and f.tool}))


def _compared(name: str, old: Tool, new: Tool, differ: DiffOperations) -> list[Finding]:
    if old.content_hash == new.content_hash and old.operation == new.operation:
        return []
    try:
        found = differ(old.operation, new.operation)
    except Exception as exc:  # a diff bug must not let a change through unchecked: call it breaking
        log.exception("comparing two versions of tool %s failed", name)
        return [Finding("diff.failed", FindingSeverity.BREAKING,
                        f"The two versions of tool `{name}` could not be compared ({type(exc).__name__}); "
                        "treated as breaking", operation=new.operation_key, tool=name)]
    return [f if f.tool else dataclasses.replace(f, tool=name) for f in found]


def _removed(name: str, tool: Tool) -> Finding:
    return Finding("operation.removed", FindingSeverity.BREAKING,
                   f"{tool.operation_key} (tool `{name}`) was removed; calls to it fail",
                   operation=tool.operation_key, tool=name)


def _added(name: str, tool: Tool) -> Finding:
    return Finding("operation.added", FindingSeverity.INFO, f"{tool.operation_key} (tool `{name}`) was added",
                   operation=tool.operation_key, tool=name)
