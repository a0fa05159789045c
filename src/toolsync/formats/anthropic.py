"""
Anthropic Messages tools: ``{name, description, input_schema}``.

The input schema is the neutral one. With ``ToolOptions.anthropic_strict`` a tool also gets
``strict: true`` when its schema fits Anthropic's strict subset, rewritten the way the
Anthropic SDK does it: objects closed with ``additionalProperties: false``, ``oneOf`` as
``anyOf``, numeric, length and array-size constraints, ``minItems`` above 1 and formats outside
the supported list moved into the description. Recursive schemas, free-form objects, complex
enum values and schemas over the per-request budgets (24 optional, 16 union parameters) stay
non-strict, with a ``FALLBACK`` note. Strict is opt-in because the 20-strict-tools limit and the
budgets apply to the whole request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from .._json import is_mapping
from ..limits import NESTING_LIMIT, too_deep
from ..tool import ConversionNote, NoteKind, Tool
from ._common import ensure_arguments, make_notes, statement
from ._model import RenderContext, Rendered
from ._passes import SubsetPass

__all__ = ["ANTHROPIC_FORMATS", "render_anthropic"]

ANTHROPIC_FORMATS: Final = frozenset({"date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4",
                                      "ipv6", "uuid"})
_KEEP: Final = frozenset({
    "type", "properties", "required", "additionalProperties", "items", "anyOf", "allOf", "enum", "const", "$ref",
    "$defs", "default", "description", "title", "format", "pattern", "minItems",
})
_STATED: Final = frozenset({
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "maxItems",
    "uniqueItems", "minProperties", "maxProperties", "dependentRequired",
})
_UNSAFE_PATTERN: Final = re.compile(r"(?<!\\)\\[1-9]|\\k<|\(\?<?[=!]|(?<!\\)\\[bB]")
_MAX_OPTIONAL: Final = 24
_MAX_UNIONS: Final = 16


def _allowed(key: str, value: Any) -> bool:
    if key == "format":
        return value in ANTHROPIC_FORMATS
    if key == "pattern":
        return isinstance(value, str) and not _UNSAFE_PATTERN.search(value)
    return value in (0, 1)


class AnthropicStrictPass(SubsetPass):
    """Neutral input schema → Anthropic's strict subset, with FALLBACK records where it cannot be."""

    provider = "anthropic"
    mode = "Anthropic strict mode"
    keep = _KEEP
    stated = _STATED
    judged = frozenset({"patternProperties", "unevaluatedProperties"})

    def finish(self, node: Mapping[str, Any], out: dict[str, Any], pointer: str) -> list[str | None]:
        said = self._fix_values(out, pointer)
        self._close(node, out, pointer)
        if isinstance(out.get("allOf"), list) and any(is_mapping(p) and "$ref" in p for p in out["allOf"]):
            self.note(pointer, NoteKind.FALLBACK, "allOf with a $ref is not allowed")
        enum = out.get("enum")
        if isinstance(enum, list) and any(isinstance(v, (Mapping, list)) for v in enum):
            self.note(pointer, NoteKind.FALLBACK, "an enum holds objects or arrays")
        return said

    def _fix_values(self, out: dict[str, Any], pointer: str) -> list[str | None]:
        said: list[str | None] = []
        for key in ("format", "pattern", "minItems"):
            if key in out and not _allowed(key, out[key]):
                value = out.pop(key)
                said.append(statement(key, value))
                self.note(pointer, NoteKind.DROPPED, f"{key} {value!r} is not in {self.mode}; said in the description")
        return said

    def _close(self, node: Mapping[str, Any], out: dict[str, Any], pointer: str) -> None:
        kind = out.get("type")
        if not (kind == "object" or (isinstance(kind, list) and "object" in kind) or "properties" in out):
            return
        if self.closes(node, out, pointer):
            out["additionalProperties"] = False


def _budget(schema: Any, counts: list[int], depth: int = 0) -> None:
    """Adds (optional, union-typed) property counts of every object in ``schema`` to ``counts``."""
    if not is_mapping(schema):
        return
    if depth >= NESTING_LIMIT:
        raise too_deep()
    props = schema.get("properties")
    if is_mapping(props):
        required = schema.get("required") or ()
        counts[0] += sum(1 for k in props if k not in required)
        counts[1] += sum(1 for p in props.values()
                         if is_mapping(p) and ("anyOf" in p or isinstance(p.get("type"), list)))
        for sub in props.values():
            _budget(sub, counts, depth + 1)
    for key in ("items", "additionalProperties"):
        _budget(schema.get(key), counts, depth + 1)
    for key in ("anyOf", "allOf"):
        for sub in schema.get(key) or ():
            _budget(sub, counts, depth + 1)


def _strict_schema(tool: Tool, ctx: RenderContext) -> tuple[Mapping[str, Any] | None, list[ConversionNote]]:
    def fallback(why: str, pointer: str = "") -> tuple[None, list[ConversionNote]]:
        note = ConversionNote(NoteKind.FALLBACK, f"not strict: {why}", provider="anthropic", pointer=pointer or None)
        return None, [note]

    if "$defs" in tool.input_schema:
        return fallback("the schema is recursive")
    schema, records = ctx.schema_pass("anthropic.strict", AnthropicStrictPass).run(tool.input_schema)
    blockers = [(pointer, message) for pointer, kind, message in records if kind == NoteKind.FALLBACK]
    if blockers:
        pointer, why = min(blockers, key=lambda b: b[0].count("/"))  # the outermost reason explains most
        return fallback(why, pointer)
    counts = [0, 0]
    _budget(schema, counts)
    if counts[0] > _MAX_OPTIONAL or counts[1] > _MAX_UNIONS:
        return fallback(f"{counts[0]} optional and {counts[1]} union-typed parameters (strict requests allow "
                        f"{_MAX_OPTIONAL} and {_MAX_UNIONS})")
    return schema, list(make_notes(records, "anthropic"))


def render_anthropic(tool: Tool, ctx: RenderContext) -> Rendered:
    """The Anthropic shape: ``{name, description, input_schema}``, plus ``strict`` when opted in and possible."""
    schema: Mapping[str, Any] | None = None
    notes: list[ConversionNote] = []
    if ctx.options.anthropic_strict:
        schema, notes = _strict_schema(tool, ctx)
    definition: dict[str, Any] = {"name": tool.name, "description": tool.description,
                                  "input_schema": schema if schema is not None else tool.input_schema}
    ensure_arguments(tool, definition["input_schema"].get("properties"), "anthropic")
    if schema is not None:
        definition["strict"] = True
    return Rendered(definition, tuple(notes), True if schema is not None else None, tool.name, "anthropic")
