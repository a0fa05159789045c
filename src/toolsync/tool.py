"""
The neutral tool: what every provider format is rendered from.

A :class:`Tool` is built once per operation (``toolsync.convert``) and rendered per provider
(``toolsync.formats``). Its :attr:`Tool.bindings` say where each argument of the input schema
goes in the HTTP request, so that execution never guesses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .ir import JsonSchema, Operation

__all__ = ["ArgLocation", "ArgumentBinding", "ConversionNote", "NoteKind", "Tool"]


class ArgLocation(StrEnum):
    """Where one tool argument goes in the request."""

    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    COOKIE = "cookie"
    # One property of an object request body.
    BODY_FIELD = "body_field"
    # The whole request body (a body that is not an object, or one kept whole under one argument).
    BODY = "body"


@dataclass(frozen=True, slots=True)
class ArgumentBinding:
    """Maps the tool argument ``argument`` to ``name`` at ``location`` in the HTTP request."""

    argument: str
    location: ArgLocation
    name: str
    required: bool = False
    style: str | None = None
    explode: bool | None = None
    allow_reserved: bool = False
    # For BODY and BODY_FIELD: the media type the body is sent as.
    media_type: str | None = None
    # For a parameter declared with ``content``: the media type its value is serialized as.
    content_type: str | None = None


class NoteKind(StrEnum):
    DROPPED = "dropped"
    CHANGED = "changed"
    INLINED = "inlined"
    RENAMED = "renamed"
    TRUNCATED = "truncated"
    SKIPPED = "skipped"
    FALLBACK = "fallback"


@dataclass(frozen=True, slots=True)
class ConversionNote:
    """One line of a conversion report: what was changed, where and why."""

    kind: NoteKind
    message: str
    provider: str | None = None  # None: applies to the neutral tool
    pointer: str | None = None  # JSON pointer into the input schema

    def to_dict(self) -> dict[str, Any]:
        return {"kind": str(self.kind), "message": self.message, "provider": self.provider,
                "pointer": self.pointer}


@dataclass(frozen=True, slots=True)
class Tool:
    """A provider-neutral tool built from one operation."""

    name: str
    description: str
    # JSON Schema 2020-12, root ``type: object``; may hold ``$defs`` for cyclic schemas.
    input_schema: JsonSchema
    bindings: tuple[ArgumentBinding, ...]
    operation: Operation
    spec_name: str
    spec_version: str = ""
    title: str = ""
    # Schema of the success response when it is JSON, else None.
    output_schema: JsonSchema | None = None
    # MCP-style hints: readOnlyHint, destructiveHint, idempotentHint, openWorldHint.
    annotations: Mapping[str, bool] = field(default_factory=dict)
    notes: tuple[ConversionNote, ...] = ()
    # sha256 hex over the canonical JSON of everything above except notes and operation pointer.
    content_hash: str = ""

    @property
    def operation_key(self) -> str:
        return self.operation.key

    def binding(self, argument: str) -> ArgumentBinding | None:
        return next((b for b in self.bindings if b.argument == argument), None)
