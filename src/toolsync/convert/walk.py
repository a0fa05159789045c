"""
Walking JSON Schema trees without copying them.

Schemas in the IR are shared between operations and must stay untouched, so every rewrite is
copy-on-write: a node is copied only when it or something below it changes, and an unchanged
subtree comes back as the very same object. :class:`SchemaPass` memoizes each rewrite by node
identity for the life of one pass, which makes a spec whose schemas are reused by hundreds of
operations cost about as much as its distinct schemas.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

from ..errors import ConversionError
from ..tool import NoteKind

__all__ = [
    "DEFS_PREFIX",
    "SUBSCHEMA_KEYWORDS",
    "NoteRecord",
    "SchemaPass",
    "def_name",
    "escape",
    "map_subschemas",
    "refs_closure",
]

DEFS_PREFIX = "#/$defs/"
_ONE, _MAP, _LIST = 1, 2, 3
# Keywords whose values are subschemas (JSON Schema 2020-12, plus ``definitions``).
SUBSCHEMA_KEYWORDS: dict[str, int] = {
    "properties": _MAP, "patternProperties": _MAP, "dependentSchemas": _MAP, "$defs": _MAP,
    "definitions": _MAP,
    "items": _ONE, "additionalProperties": _ONE, "additionalItems": _ONE, "unevaluatedItems": _ONE,
    "unevaluatedProperties": _ONE, "contains": _ONE, "propertyNames": _ONE, "not": _ONE, "if": _ONE,
    "then": _ONE, "else": _ONE, "contentSchema": _ONE,
    "allOf": _LIST, "anyOf": _LIST, "oneOf": _LIST, "prefixItems": _LIST,
}

NoteRecord = tuple[str, NoteKind, str]  # (JSON pointer, kind, message)
Visit = Callable[[Any, str], Any]


def escape(token: str) -> str:
    """One JSON pointer token."""
    return token.replace("~", "~0").replace("/", "~1") if ("~" in token or "/" in token) else token


def def_name(ref: str) -> str | None:
    """``Name`` for ``"#/$defs/Name"``, else None."""
    if not ref.startswith(DEFS_PREFIX):
        return None
    return ref[len(DEFS_PREFIX):].replace("~1", "/").replace("~0", "~")


def _map_children(key: str, value: Any, visit: Visit, pointer: str) -> Any:
    kind = SUBSCHEMA_KEYWORDS[key]
    here = f"{pointer}/{key}"
    if kind == _ONE and isinstance(value, list) and key == "items":
        kind = _LIST  # the draft-04 tuple form of items
    if kind == _ONE:
        return visit(value, here)
    if kind == _MAP and isinstance(value, Mapping):
        new_map = {name: visit(sub, f"{here}/{escape(str(name))}") for name, sub in value.items()}
        same = all(new_map[name] is sub for name, sub in value.items())
        return value if same else new_map
    if kind == _LIST and isinstance(value, list):
        new_list = [visit(sub, f"{here}/{i}") for i, sub in enumerate(value)]
        return value if all(a is b for a, b in zip(new_list, value, strict=True)) else new_list
    return value


def map_subschemas(node: Mapping[str, Any], visit: Visit, pointer: str) -> Mapping[str, Any]:
    """``node`` with ``visit(child, child_pointer)`` applied to each direct subschema."""
    out: dict[str, Any] | None = None
    for key, value in node.items():
        if key not in SUBSCHEMA_KEYWORDS:
            continue
        new = _map_children(key, value, visit, pointer)
        if new is not value:
            if out is None:
                out = dict(node)
            out[key] = new
    return node if out is None else out


class SchemaPass:
    """
    One copy-on-write rewrite of schema trees, memoized by node identity, collecting notes.

    Subclasses implement :meth:`rewrite` (usually ``self.children(node, pointer)`` and then
    changes to the node itself) and call :meth:`note`. A memoized subtree replays its notes at
    the pointer where it is met again, so every tree gets the notes that concern it.
    """

    def __init__(self) -> None:
        self.notes: list[NoteRecord] = []
        self._memo: dict[Hashable, tuple[Any, tuple[NoteRecord, ...], Any]] = {}

    def memo_key(self, node: Mapping[str, Any]) -> Hashable | None:
        """The memo key of ``node``; None when the rewrite depends on more than the node."""
        return id(node)

    def rewrite(self, node: Mapping[str, Any], pointer: str) -> Any:
        return self.children(node, pointer)

    def leaf(self, node: Any, pointer: str) -> Any:
        """A schema that is not an object (``true``/``false``)."""
        return node

    def children(self, node: Mapping[str, Any], pointer: str) -> Mapping[str, Any]:
        return map_subschemas(node, self.visit, pointer)

    def note(self, pointer: str, kind: NoteKind, message: str) -> None:
        self.notes.append((pointer, kind, message))

    def visit(self, node: Any, pointer: str) -> Any:
        if not isinstance(node, Mapping):
            return self.leaf(node, pointer)
        key = self.memo_key(node)
        if key is not None:
            hit = self._memo.get(key)
            if hit is not None:
                for suffix, kind, message in hit[1]:
                    self.notes.append((pointer + suffix, kind, message))
                return hit[0]
        start = len(self.notes)
        result = self.rewrite(node, pointer)
        if key is not None:
            cut = len(pointer)
            rel = tuple((p[cut:], k, m) for p, k, m in self.notes[start:])
            # The node is kept alive with its result so that its id cannot be reused.
            self._memo[key] = (result, rel, node)
        return result

    def take_notes(self) -> list[NoteRecord]:
        """The notes collected since the last call, then forgets them."""
        notes, self.notes = self.notes, []
        return notes


def _direct_refs(node: Any, memo: dict[int, tuple[frozenset[str], Any]]) -> frozenset[str]:
    if not isinstance(node, Mapping):
        return frozenset()
    hit = memo.get(id(node))
    if hit is not None:
        return hit[0]
    found: set[str] = set()
    ref = node.get("$ref")
    if isinstance(ref, str):
        found.add(ref)
    for key, value in node.items():
        kind = SUBSCHEMA_KEYWORDS.get(key)
        if kind is None:
            continue
        if isinstance(value, Mapping) and kind == _MAP:
            for sub in value.values():
                found |= _direct_refs(sub, memo)
        elif isinstance(value, list):
            for sub in value:
                found |= _direct_refs(sub, memo)
        else:
            found |= _direct_refs(value, memo)
    result = frozenset(found)
    memo[id(node)] = (result, node)
    return result


def refs_closure(
    roots: list[Any], defs: Mapping[str, Any], memo: dict[int, tuple[frozenset[str], Any]], source: str
) -> list[str]:
    """
    Names of the ``$defs`` that ``roots`` reach, directly or through other definitions.

    Raises:
        ConversionError: a ``$ref`` that does not point to one of ``defs``.
    """
    pending = [ref for root in roots for ref in sorted(_direct_refs(root, memo))]
    seen: dict[str, None] = {}
    while pending:
        ref = pending.pop()
        name = def_name(ref)
        if name is None or name not in defs:
            raise ConversionError(f"the schema keeps a $ref {ref!r} that was not resolved; only refs to "
                                  "#/$defs/<Name> of the operation's cyclic schemas can stay", source=source)
        if name not in seen:
            seen[name] = None
            pending.extend(sorted(_direct_refs(defs[name], memo)))
    return sorted(seen)
