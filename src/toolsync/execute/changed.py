"""In-flight safety: refuse a call made against a tool that a reload has since changed or removed."""

from __future__ import annotations

from ..tool import Tool
from .result import ErrorType, ToolResult

__all__ = ["check_current"]


def check_current(tool: Tool, current: Tool | None) -> ToolResult | None:
    """
    None when ``current`` (the registry's tool of that name now) is ``tool``; else a ``tool_changed`` result.

    The result carries the new ``input_schema`` when the tool still exists, so the model can
    call again with arguments that fit.
    """
    if current is not None and current.content_hash == tool.content_hash:
        return None
    if current is None:
        return ToolResult.failure(
            ErrorType.TOOL_CHANGED,
            f"tool {tool.name!r} was removed when its spec was reloaded; it can no longer be called",
            tool=tool.name, removed=True,
        )
    return ToolResult.failure(
        ErrorType.TOOL_CHANGED,
        f"tool {tool.name!r} changed when its spec was reloaded; check the new input schema and call again",
        tool=tool.name, removed=False, input_schema=dict(current.input_schema),
        spec_version=current.spec_version,
    )
