"""The bases of the providers' schema passes: ``$defs`` lookup, one call per tool, strict subsets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._json import is_mapping
from ..convert.walk import NoteRecord, SchemaPass, def_name
from ..tool import NoteKind
from ._common import malformed, state, statement, without_rule

__all__ = ["ProviderPass", "SubsetPass"]


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
        return target if is_mapping(target) else None

    def run(self, schema: Mapping[str, Any]) -> tuple[Any, list[NoteRecord]]:
        """``schema`` (a tool's whole input schema) rewritten, with the notes about it."""
        defs = schema.get("$defs")
        self.defs = defs if is_mapping(defs) else {}
        self.take_notes()
        result = self.visit(schema, "")
        return result, self.take_notes()


class SubsetPass(ProviderPass):
    """
    A provider's strict subset of JSON Schema.

    Each keyword is kept (:attr:`keep`), said in the description (:attr:`stated`), left to
    :meth:`finish` (:attr:`judged`), or dropped with a note. What the subset cannot express is a
    ``FALLBACK`` record: the formatter then sends the tool non-strict.
    """

    mode = ""  # "OpenAI strict mode", for notes
    keep: frozenset[str] = frozenset()
    stated: frozenset[str] = frozenset()
    judged: frozenset[str] = frozenset()

    def rewrite(self, node: Mapping[str, Any], pointer: str) -> Any:
        bad = malformed(node)
        if bad is not None:
            self.note(pointer, NoteKind.FALLBACK, f"the schema is malformed ({bad!r} has a value of the wrong type)")
            return node
        prepared = self.prepare(node, pointer)
        if isinstance(prepared, tuple):
            return prepared[0]
        prepared, rule = without_rule(prepared)
        if rule:
            self.note(pointer, NoteKind.DROPPED, "a rule on which properties are required is said in the description")
        prepared = self.children(prepared, pointer)
        out, said = self.keywords(prepared, pointer)
        said += self.finish(prepared, out, pointer)
        if rule is None and not any(said):
            # Nothing to say: when nothing changed either, the input itself, so that definitions share it
            # (and the checks made on it).
            return prepared if _same_entries(out, prepared) else out
        return state(out, [rule, *said])

    def prepare(self, node: Mapping[str, Any], pointer: str) -> Mapping[str, Any] | tuple[Any]:
        """``node`` ready for the keyword sort, or ``(result,)`` when it is settled already."""
        return node

    def keywords(self, node: Mapping[str, Any], pointer: str) -> tuple[dict[str, Any], list[str | None]]:
        """The kept keywords of ``node``, and sentences for the constraints left out."""
        out: dict[str, Any] = {}
        said: list[str | None] = []
        for key, value in node.items():
            if key in self.keep:
                out[key] = value
            elif key == "oneOf":
                out["anyOf"] = value
                self.note(pointer, NoteKind.CHANGED, "oneOf became anyOf (exactly-one is not enforced)")
            elif key in self.stated:
                said.append(statement(key, value))
                self.note(pointer, NoteKind.DROPPED, f"{key!r} is not in {self.mode}; said in the description")
            elif key not in self.judged:
                self.note(pointer, NoteKind.DROPPED, f"{key!r} is not in {self.mode}")
        return out, said

    def finish(self, node: Mapping[str, Any], out: dict[str, Any], pointer: str) -> list[str | None]:
        """Provider rules on the whole node (``out`` may change); returns more sentences."""
        return []

    def closes(self, node: Mapping[str, Any], out: Mapping[str, Any], pointer: str) -> bool:
        """
        Whether an object can get ``additionalProperties: false``; a FALLBACK record when not.

        A map (``additionalProperties`` true or a schema, ``patternProperties``) or an object
        with no properties and nothing closing it takes keys the subset cannot describe.
        """
        extra = node.get("additionalProperties", node.get("unevaluatedProperties"))
        if "patternProperties" in node or extra not in (None, False) or (not out.get("properties") and extra is None):
            self.note(pointer, NoteKind.FALLBACK, "an object takes free-form keys (a map or an open object)")
            return False
        return True


def _same_entries(out: Mapping[str, Any], node: Mapping[str, Any]) -> bool:
    """Whether ``out`` holds exactly ``node``'s keys, each with the very same value."""
    if len(out) != len(node):
        return False
    missing = object()
    return all(node.get(key, missing) is value for key, value in out.items())
