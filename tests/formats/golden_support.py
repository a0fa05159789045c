"""Builds the golden documents; ``TOOLSYNC_UPDATE_GOLDEN=1 pytest tests/formats`` rewrites them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson

from tests.convert.builders import spec
from tests.formats.cases import CASES
from toolsync.convert import ToolOptions, build_tools
from toolsync.formats import render_all
from toolsync.tool import ConversionNote, Tool

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("TOOLSYNC_UPDATE_GOLDEN") == "1"

# golden file stem -> (provider or "neutral", options)
VARIANTS: dict[str, tuple[str, ToolOptions]] = {
    "neutral": ("neutral", ToolOptions()),
    "openai": ("openai", ToolOptions()),
    "openai-chat": ("openai-chat", ToolOptions()),
    "openai-no-strict": ("openai", ToolOptions(strict=False)),
    "anthropic": ("anthropic", ToolOptions()),
    "anthropic-strict": ("anthropic", ToolOptions(anthropic_strict=True)),
    "gemini": ("gemini", ToolOptions()),
    "gemini-json-schema": ("gemini", ToolOptions(gemini_json_schema=True)),
    "mcp": ("mcp", ToolOptions()),
}


def _notes(notes: tuple[ConversionNote, ...]) -> list[dict[str, Any]]:
    return [{k: v for k, v in n.to_dict().items() if k != "provider" and v is not None} for n in notes]


def _neutral(tool: Tool) -> dict[str, Any]:
    return {
        "name": tool.name, "title": tool.title, "description": tool.description,
        "input_schema": tool.input_schema, "output_schema": tool.output_schema,
        "bindings": [{k: getattr(b, k) for k in b.__slots__ if getattr(b, k) not in (None, False)}
                     for b in tool.bindings],
        "annotations": tool.annotations, "notes": _notes(tool.notes),
    }


def tools_by_case(options: ToolOptions) -> dict[str, Tool]:
    build = build_tools(spec(*CASES.values()), options)
    by_key = {t.operation_key: t for t in build.tools}
    return {case: by_key[op.key] for case, op in CASES.items()}


def document(stem: str) -> dict[str, Any]:
    """The golden document of one variant: case name -> what the case renders to."""
    provider, options = VARIANTS[stem]
    tools = tools_by_case(options)
    if provider == "neutral":
        return {case: _neutral(tool) for case, tool in tools.items()}
    rendered = render_all(tools.values(), provider, options)
    return {case: {"definition": r.definition, "strict": r.strict, "notes": _notes(r.notes)}
            for case, r in zip(tools, rendered, strict=True)}


def as_bytes(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n"
