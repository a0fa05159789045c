"""What each rule writes its findings into while the gate checks one definition (compiled: one per definition)."""

from __future__ import annotations

from ..ir import Severity
from ._model import ToolIssue

__all__ = ["Report"]


class Report:
    """Collects issues for one tool (or one request) while rules run."""

    __slots__ = ("issues", "tool", "want_warnings")

    def __init__(self, tool: str | None, *, want_warnings: bool = True) -> None:
        self.tool = tool
        self.want_warnings = want_warnings
        self.issues: list[ToolIssue] = []

    def error(self, rule: str, pointer: str | None, message: str) -> None:
        self.issues.append(ToolIssue(rule, Severity.ERROR, message, self.tool, pointer))

    def warn(self, rule: str, pointer: str | None, message: str) -> None:
        if self.want_warnings:
            self.issues.append(ToolIssue(rule, Severity.WARNING, message, self.tool, pointer))

    def add(self, severity: Severity, rule: str, pointer: str | None, message: str) -> None:
        if severity is Severity.ERROR:
            self.error(rule, pointer, message)
        else:
            self.warn(rule, pointer, message)
