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
from typing import Any, Final

from ..errors import ConversionError
from ..limits import NESTING_LIMIT, too_deep
from ..tool import NoteKind

__all__ = [
    "DEFS_PREFIX",
    "MALFORMED",
    "ONE_SCHEMA",
    "SCHEMA_LIST",
    "SCHEMA_MAP",
    "SUBSCHEMA_KEYWORDS",
    "NoteRecord",
    "SchemaPass",
    "def_name",
    "direct_refs",
    "escape",
    "map_subschemas",
    "refs_closure",
]

DEFS_PREFIX: Final = "#/$defs/"
# What a subschema keyword's value holds: one schema, a map of names to schemas, a list of schemas.
ONE_SCHEMA: Final = 1
SCHEMA_MAP: Final = 2
SCHEMA_LIST: Final = 3
# Keywords whose values are subschemas (JSON Schema 2020-12, plus ``definitions``).
SUBSCHEMA_KEYWORDS: Final[dict[str, int]] = {
    **dict.fromkeys(("properties", "patternProperties", "dependentSchemas", "$defs", "definitions"), SCHEMA_MAP),
    **dict.fromkeys(("items", "additionalProperties", "additionalItems", "unevaluatedItems", "unevaluatedProperties",
                     "contains", "propertyNames", "not", "if", "then", "else", "contentSchema"), ONE_SCHEMA),
    **dict.fromkeys(("allOf", "anyOf", "oneOf", "prefixItems"), SCHEMA_LIST),
}

NoteRecord = tuple[str, NoteKind, str]  # (JSON pointer, kind, message)
# What a schema of the wrong shape ("required": true, "properties": [...]) can raise deep inside a
# rewrite; the public entry points turn these into ConversionError instead of crashing.
MALFORMED: Final = (TypeError, ValueError, KeyError, AttributeError, IndexError, RecursionError)
_NONE: Final[frozenset[str]] = frozenset()
Visit = Callable[[Any, str], Any]


def escape(token: str) -> str:
    """One JSON pointer token."""
    return token.replace("~", "~0").replace("/", "~1") if ("~" in token or "/" in token) else token


def def_name(ref: str) -> str | None:
    """``Name`` for ``"#/$defs/Name"``, else None."""
    if not ref.startswith(DEFS_PREFIX):
        return None
    return ref[len(DEFS_PREFIX):].replace("~1", "/").replace("~0", "~")


def _map_dict(value: dict[Any, Any], visit: Visit, here: str) -> dict[Any, Any]:
    new: dict[Any, Any] | None = None
    for name, sub in value.items():
        token = name if isinstance(name, str) and "~" not in name and "/" not in name else escape(str(name))
        done = visit(sub, f"{here}/{token}")
        if done is not sub:
            if new is None:
                new = dict(value)
            new[name] = done
    return value if new is None else new


def _map_list(value: list[Any], visit: Visit, here: str) -> list[Any]:
    new: list[Any] | None = None
    for i, sub in enumerate(value):
        done = visit(sub, f"{here}/{i}")
        if done is not sub:
            if new is None:
                new = list(value)
            new[i] = done
    return value if new is None else new


def map_subschemas(node: Mapping[str, Any], visit: Visit, pointer: str) -> Mapping[str, Any]:
    """``node`` with ``visit(child, child_pointer)`` applied to each direct subschema."""
    out: dict[str, Any] | None = None
    for key, value in node.items():
        kind = SUBSCHEMA_KEYWORDS.get(key)
        if kind is None:
            continue
        here = f"{pointer}/{key}"
        new: Any
        if isinstance(value, list):  # a list of schemas, or the draft-04 tuple form of items
            new = _map_list(value, visit, here) if kind != SCHEMA_MAP else value
        elif kind == SCHEMA_MAP:
            new = _map_dict(value, visit, here) if isinstance(value, dict) else value
        else:
            new = visit(value, here)
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

    # True when the rewrite of a node depends on the node alone (memo key ``id(node)``).
    by_identity = True

    def __init__(self) -> None:
        self.notes: list[NoteRecord] = []
        self._memo: dict[Hashable, tuple[Any, tuple[NoteRecord, ...], Any]] = {}
        self._depth = 0

    def memo_key(self, node: Mapping[str, Any]) -> Hashable | None:
        """The memo key of ``node`` when :attr:`by_identity` is false; None: do not memoize."""
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
        # Schemas are plain dicts (JSON and YAML parsers make nothing else); the ABC check is slow.
        if not isinstance(node, dict):
            return self.leaf(node, pointer)
        key = id(node) if self.by_identity else self.memo_key(node)
        if key is not None:
            hit = self._memo.get(key)
            if hit is not None:
                for suffix, kind, message in hit[1]:
                    self.notes.append((pointer + suffix, kind, message))
                return hit[0]
        start = len(self.notes)
        if self._depth >= NESTING_LIMIT:
            raise too_deep()
        self._depth += 1
        try:
            result = self.rewrite(node, pointer)
        finally:
            self._depth -= 1
        if key is not None:
            cut = len(pointer)
            rel = tuple((p[cut:], k, m) for p, k, m in self.notes[start:]) if len(self.notes) > start else ()
            # The node is kept alive with its result so that its id cannot be reused.
            self._memo[key] = (result, rel, node)
        return result

    def take_notes(self) -> list[NoteRecord]:
        """The notes collected since the last call, then forgets them."""
        notes, self.notes = self.notes, []
        return notes


def direct_refs(node: Any, memo: dict[int, tuple[frozenset[str], Any]], depth: int = 0) -> frozenset[str]:
    """The ``$ref`` values written anywhere in ``node`` (memoized by node identity in ``memo``)."""
    if not isinstance(node, dict):
        return _NONE
    hit = memo.get(id(node))
    if hit is not None:
        return hit[0]
    if depth >= NESTING_LIMIT:
        raise too_deep()
    found: set[str] = set()
    ref = node.get("$ref")
    if isinstance(ref, str):
        found.add(ref)
    for key, value in node.items():
        kind = SUBSCHEMA_KEYWORDS.get(key)
        if kind is None:
            continue
        if isinstance(value, dict) and kind == SCHEMA_MAP:
            for sub in value.values():
                found |= direct_refs(sub, memo, depth + 1)
        elif isinstance(value, list):
            for sub in value:
                found |= direct_refs(sub, memo, depth + 1)
        else:
            found |= direct_refs(value, memo, depth + 1)
    result = frozenset(found) if found else _NONE
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
    pending = [ref for root in roots for ref in sorted(direct_refs(root, memo))]
    seen: dict[str, None] = {}
    while pending:
        ref = pending.pop()
        name = def_name(ref)
        if name is None or name not in defs:
            raise ConversionError(f"the schema keeps a $ref {ref!r} that was not resolved; only refs to "
                                  "#/$defs/<Name> of the operation's cyclic schemas can stay", source=source)
        if name not in seen:
            seen[name] = None
            pending.extend(sorted(direct_refs(defs[name], memo)))
    return sorted(seen)
