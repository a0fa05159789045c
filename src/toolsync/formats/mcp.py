"""
MCP tools as ``tools/list`` returns them: ``{name, title, description, inputSchema, outputSchema?, annotations}``.

The input schema is the neutral one; a tool without arguments sends the form the MCP spec
recommends, ``{"type": "object", "additionalProperties": false}``. ``outputSchema`` is sent only
when the success response is a JSON object schema (the 2025-11-25 protocol requires an object
root); a root ``$ref`` to a recursive definition is replaced by that definition, and a root
``allOf`` is merged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .._json import is_mapping
from ..convert.merge import merge_all_of
from ..convert.walk import def_name
from ..tool import Tool
from ._common import ensure_arguments
from ._model import RenderContext, Rendered

__all__ = ["output_object", "render_mcp"]

_NO_ARGUMENTS: Final = {"type": "object", "additionalProperties": False}


def output_object(schema: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """``schema`` when it describes a JSON object (root ``$ref`` followed), else None."""
    if not schema:
        return None
    found = schema.get("$defs")
    defs: Mapping[str, Any] = found if is_mapping(found) else {}

    def resolve(node: Mapping[str, Any]) -> Mapping[str, Any] | None:
        target = defs.get(def_name(str(node.get("$ref"))) or "")
        return target if is_mapping(target) else None

    if "$ref" in schema or "allOf" in schema:
        merged = merge_all_of([{k: v for k, v in schema.items() if k != "$defs"}], resolve)
        if merged is None:
            return None
        schema = {**merged, "$defs": defs} if defs else merged
    kind = schema.get("type")
    untyped_object = kind is None and "properties" in schema and "anyOf" not in schema
    return schema if kind == "object" or untyped_object else None


def render_mcp(tool: Tool, ctx: RenderContext) -> Rendered:
    """The MCP ``Tool`` shape."""
    schema = tool.input_schema if tool.input_schema.get("properties") else _NO_ARGUMENTS
    ensure_arguments(tool, schema.get("properties", {}), "mcp")
    definition: dict[str, Any] = {"name": tool.name, "title": tool.title or tool.name,
                                  "description": tool.description, "inputSchema": schema}
    output = output_object(tool.output_schema)
    if output is not None:
        if output.get("type") != "object":
            output = {"type": "object", **output}
        definition["outputSchema"] = output
    if tool.annotations:
        definition["annotations"] = dict(tool.annotations)
    return Rendered(definition, (), None, tool.name, "mcp")
