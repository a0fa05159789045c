"""The outcome of one tool call, as the caller and the model see it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson

__all__ = ["ErrorType", "ToolResult"]


class ErrorType(StrEnum):
    """The ``type`` of a structured error in a :class:`ToolResult`."""

    INVALID_ARGUMENTS = "invalid_arguments"  # the model should fix its arguments and call again
    BLOCKED = "blocked"  # the outbound guard refused the destination
    UPSTREAM_ERROR = "upstream_error"  # connection failed, bad redirect, token endpoint refused
    HTTP_ERROR = "http_error"  # the API answered with a 4xx or 5xx status
    TIMEOUT = "timeout"
    TOOL_CHANGED = "tool_changed"  # a reload changed or removed the tool after the model saw it
    CONFIGURATION = "configuration"  # server URL or credentials are not set up for this spec


@dataclass(frozen=True, slots=True)
class ToolResult:
    """
    What a tool call produced. Never carries credentials.

    ``body`` is the parsed JSON (or the text) of the response; ``text`` is the compact form sent
    to a model, bounded by ``max_response_bytes`` and marked when it was cut.
    """

    ok: bool
    status: int | None = None
    content_type: str | None = None
    body: Any = None
    text: str = ""
    error: dict[str, Any] | None = None
    elapsed_ms: float = 0.0
    truncated: bool = False

    @classmethod
    def failure(cls, kind: ErrorType, message: str, *, elapsed_ms: float = 0.0, **extra: Any) -> ToolResult:
        """A result for a call that failed before or instead of a usable response."""
        error = {"type": str(kind), "message": message, **extra}
        return cls(ok=False, error=error, elapsed_ms=elapsed_ms, text=message,
                   status=extra.get("status"))

    def to_model_text(self) -> str:
        """What to hand back to the model: the response text, or a compact JSON error."""
        if self.ok:
            return self.text if self.text else f"HTTP {self.status}: no content"
        payload: dict[str, Any] = {"error": self.error}
        if self.error and self.error.get("type") == ErrorType.HTTP_ERROR and self.text:
            payload["body"] = self.body if self.body is not None and not self.truncated else self.text
        return orjson.dumps(payload, default=str).decode()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form for APIs, events and ``--json`` output."""
        return {
            "ok": self.ok, "status": self.status, "content_type": self.content_type, "body": self.body,
            "text": self.text, "error": self.error, "elapsed_ms": round(self.elapsed_ms, 1),
            "truncated": self.truncated,
        }
