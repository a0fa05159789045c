"""Build a tool from an input schema alone, to test one format's schema rewrite."""

from __future__ import annotations

from typing import Any

from tests.convert.builders import body, op
from toolsync.convert import ToolOptions, build_tool
from toolsync.formats import Rendered, render
from toolsync.tool import Tool


def tool_with(properties: dict[str, Any], required: list[str] | None = None,
              defs: dict[str, Any] | None = None, options: ToolOptions | None = None) -> Tool:
    """A POST tool whose JSON body has ``properties`` (flattened into the arguments)."""
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return build_tool(op("post", "/x", "x", request_body=body(schema), defs=defs or {}), spec_name="t",
                      options=options)


def rendered(provider: str, properties: dict[str, Any], required: list[str] | None = None,
             defs: dict[str, Any] | None = None, **options: Any) -> Rendered:
    opts = ToolOptions(**options)
    return render(tool_with(properties, required, defs, opts), provider, opts)


def params_of(result: Rendered) -> dict[str, Any]:
    d = result.definition
    found = d.get("parameters") or d.get("input_schema") or d.get("inputSchema") or d.get("function", {}).get(
        "parameters")
    assert isinstance(found, dict)
    return found
