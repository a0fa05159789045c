"""The values the tool gate hands out: issues, options and the result of gating a tool set."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import ConfigError
from ..ir import Severity

__all__ = ["PROVIDERS", "GateOptions", "GateResult", "ToolIssue"]

#: Tool shapes the gate knows. "openai" is the Responses shape, "openai-chat" the Chat Completions one.
PROVIDERS: tuple[str, ...] = ("openai", "openai-chat", "anthropic", "gemini", "mcp")

GeminiBackend = Literal["developer", "vertex"]


@dataclass(frozen=True, slots=True)
class ToolIssue:
    """One broken rule in one tool definition (``tool`` is None for request-wide rules)."""

    rule: str
    severity: Severity
    message: str
    tool: str | None = None
    # JSON pointer into the tool definition; None for request-wide rules.
    pointer: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        where = " ".join(p for p in (self.tool, self.pointer) if p)
        return f"[{self.severity}] {self.rule} @ {where or 'tools'}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form for ``--json`` output and HTTP answers."""
        return {"rule": self.rule, "severity": str(self.severity), "message": self.message,
                "tool": self.tool, "pointer": self.pointer}


@dataclass(frozen=True, slots=True)
class GateOptions:
    """How strictly and against which variant of a provider the tool gate checks."""

    #: Gemini Developer API ("developer") or Vertex AI ("vertex"); they accept different schema subsets.
    gemini_backend: GeminiBackend = "developer"
    #: MCP protocol version the tools are listed under ("2025-11-25" or "2026-07-28").
    mcp_version: str = "2025-11-25"
    #: Also validate with the provider SDK models (google-genai, mcp-types) when they can be imported.
    use_sdk: bool = True
    #: Report warnings; when False only errors are returned.
    warnings: bool = True

    def __post_init__(self) -> None:
        if self.gemini_backend not in ("developer", "vertex"):
            raise ConfigError(f"gemini_backend must be 'developer' or 'vertex', not {self.gemini_backend!r}")


@dataclass(slots=True)
class GateResult:
    """What :func:`apply_tool_gate` let through, what it held back, and every issue it saw."""

    accepted: list[Mapping[str, Any]] = field(default_factory=list)
    #: (tool name, its issues) for every definition with at least one error.
    rejected: list[tuple[str, list[ToolIssue]]] = field(default_factory=list)
    #: Every issue: per-tool (errors and warnings) and request-wide.
    issues: list[ToolIssue] = field(default_factory=list)
    #: Issues about the tool set as a whole (counts, duplicate names, budgets); also in ``issues``.
    request_issues: list[ToolIssue] = field(default_factory=list)

    @property
    def errors(self) -> list[ToolIssue]:
        return [i for i in self.issues if i.is_error]

    @property
    def warnings(self) -> list[ToolIssue]:
        return [i for i in self.issues if not i.is_error]

    @property
    def ok(self) -> bool:
        """True when nothing was rejected and no request-wide rule failed."""
        return not self.rejected and not any(i.is_error for i in self.request_issues)
