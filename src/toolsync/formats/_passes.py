"""The base of every provider's schema pass: ``$defs`` lookup and one call per tool."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..convert.walk import NoteRecord, SchemaPass, def_name

__all__ = ["ProviderPass"]


class ProviderPass(SchemaPass):
    """A :class:`SchemaPass` that knows the ``$defs`` of the tool it is rendering."""

    provider = ""

    def __init__(self) -> None:
        super().__init__()
        self.defs: Mapping[str, Any] = {}

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The definition a ``{"$ref": "#/$defs/Name"}`` points to, or None."""
        ref = schema.get("$ref")
        name = def_name(ref) if isinstance(ref, str) else None
        target = self.defs.get(name) if name is not None else None
        return target if isinstance(target, Mapping) else None

    def run(self, schema: Mapping[str, Any]) -> tuple[Any, list[NoteRecord]]:
        """``schema`` (a tool's whole input schema) rewritten, with the notes about it."""
        defs = schema.get("$defs")
        self.defs = defs if isinstance(defs, Mapping) else {}
        self.take_notes()
        result = self.visit(schema, "")
        return result, self.take_notes()
