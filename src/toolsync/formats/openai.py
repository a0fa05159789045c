"""
OpenAI function tools: Responses (``openai``) and Chat Completions (``openai-chat``).

Both carry the same function; only the envelope differs (flat for Responses, under
``function`` for Chat). With ``ToolOptions.strict`` (the default) a tool is sent with
``strict: true`` in the Structured Outputs subset whenever its schema fits (see
``toolsync.formats._strict``); otherwise it falls back to ``strict: false`` with the neutral
schema and a ``FALLBACK`` note that says why. Note that in strict mode optional arguments arrive
as ``null``: :func:`toolsync.formats.neutral_arguments` removes them before execution.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..tool import ConversionNote, NoteKind, Tool
from ._common import ensure_arguments, make_notes
from ._model import RenderContext, Rendered
from ._strict import StrictPass, strict_limits

__all__ = ["render_openai", "render_openai_chat"]


def _parameters(tool: Tool, ctx: RenderContext, provider: str) -> tuple[Mapping[str, Any], bool, list[ConversionNote]]:
    neutral = tool.input_schema
    if not ctx.options.strict:
        return neutral, False, []
    strict = ctx.schema_pass("openai.strict", StrictPass)
    schema, records = strict.run(neutral)
    blockers = [(pointer, message) for pointer, kind, message in records if kind == NoteKind.FALLBACK]
    if not blockers:
        over = strict_limits(schema, ctx.memo("openai.stats"))
        if over:
            blockers = [("", over)]
    if blockers:
        pointer, why = min(blockers, key=lambda b: b[0].count("/"))  # the outermost reason explains most
        more = f" (and {len(blockers) - 1} more reasons)" if len(blockers) > 1 else ""
        note = ConversionNote(NoteKind.FALLBACK, f"strict mode is off: {why}{more}", provider=provider,
                              pointer=pointer or None)
        return neutral, False, [note]
    return schema, True, list(make_notes(records, provider))


def _function(tool: Tool, ctx: RenderContext, provider: str) -> tuple[dict[str, Any], bool, list[ConversionNote]]:
    # Responses and Chat carry the same function: the second shape rendered in one context reuses it.
    memo = ctx.memo("openai.function")
    hit = memo.get(id(tool))
    if hit is not None and hit[0] is tool:
        _, body, strict, notes = hit
        # The constructor, not dataclasses.replace: a tenth of the cost, and all four fields are spelled here.
        return body, strict, [ConversionNote(n.kind, n.message, provider, n.pointer) for n in notes]
    parameters, strict, notes = _parameters(tool, ctx, provider)
    ensure_arguments(tool, parameters.get("properties"), provider)
    body = {"name": tool.name, "description": tool.description, "parameters": parameters, "strict": strict}
    memo[id(tool)] = (tool, body, strict, notes)  # the tool is held so that its id cannot be reused
    return body, strict, notes


def render_openai(tool: Tool, ctx: RenderContext) -> Rendered:
    """The OpenAI Responses shape: ``{type, name, description, parameters, strict}``."""
    function, strict, notes = _function(tool, ctx, "openai")
    return Rendered({"type": "function", **function}, tuple(notes), strict, tool.name, "openai")


def render_openai_chat(tool: Tool, ctx: RenderContext) -> Rendered:
    """The OpenAI Chat Completions shape: ``{type, function: {name, description, parameters, strict}}``."""
    function, strict, notes = _function(tool, ctx, "openai-chat")
    return Rendered({"type": "function", "function": function}, tuple(notes), strict, tool.name, "openai-chat")
