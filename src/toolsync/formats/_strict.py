"""
The OpenAI strict-mode (Structured Outputs) subset of JSON Schema.

:class:`StrictPass` rewrites a neutral input schema into the subset:

* every object gets ``additionalProperties: false`` and lists every property in ``required``;
  a property that was optional becomes nullable (``["T", "null"]``, ``null`` added to an enum,
  or ``anyOf`` with ``{"type": "null"}``), so a model says "not given" with ``null``;
* ``oneOf`` becomes ``anyOf``; ``allOf`` is merged into one schema; a ``$ref`` with siblings is
  wrapped (``{"anyOf": [{"$ref": …}], "description": …}``) or merged with its target;
* keywords outside the subset are removed, and the ones that constrain a value (``default``,
  ``uniqueItems``, unsupported ``format``s, ``minProperties``…) are said in the description.

What the subset cannot say makes the tool non-strict instead (a ``FALLBACK`` record): free-form
objects and maps (``additionalProperties`` true or a schema, ``patternProperties``), schemas
that accept anything (``{}``), arrays without ``items``, ``allOf`` that does not merge, and the
size limits (10 levels of nested objects, 5,000 properties, 1,000 enum values, 120,000
characters of names and values, 15,000 characters in one enum of more than 250 values).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .._json import is_mapping
from ..convert.merge import merge_all_of
from ..convert.walk import def_name
from ..limits import NESTING_LIMIT, too_deep
from ..tool import NoteKind
from ._common import allows_null, statement
from ._passes import SubsetPass

__all__ = ["STRICT_FORMATS", "StrictPass", "strict_limits"]

STRICT_FORMATS: Final = frozenset({"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6",
                                   "uuid"})
_KEEP: Final = frozenset({
    "type", "properties", "required", "additionalProperties", "items", "anyOf", "enum", "const", "$ref",
    "$defs", "description", "title", "pattern", "format", "minLength", "maxLength", "multipleOf", "maximum",
    "exclusiveMaximum", "minimum", "exclusiveMinimum", "minItems", "maxItems",
})
# Removed and said in the description.
_STATED: Final = frozenset({"default", "uniqueItems", "minProperties", "maxProperties", "dependentRequired"})
_ANNOTATIONS: Final = frozenset({"description", "title", "default", "examples", "deprecated", "readOnly",
                                 "writeOnly", "$comment"})
_NULL: Final = {"type": "null"}
_NO_NAMES: Final[frozenset[str]] = frozenset()
MAX_DEPTH: Final = 10
MAX_PROPERTIES: Final = 5000
MAX_ENUM_VALUES: Final = 1000
MAX_CHARS: Final = 120_000
BIG_ENUM: Final = 250
BIG_ENUM_CHARS: Final = 15_000


def _inlined(node: Mapping[str, Any]) -> set[str] | frozenset[str]:
    """The $refs a merge of ``node`` would inline: its own beside siblings, and those of its allOf parts."""
    if "allOf" not in node and ("$ref" not in node or len(node) == 1):  # most nodes: no set built
        return _NO_NAMES
    names = {node["$ref"]} if isinstance(node.get("$ref"), str) and len(node) > 1 else set()
    parts = node.get("allOf")
    if isinstance(parts, list):
        names.update(p["$ref"] for p in parts if is_mapping(p) and isinstance(p.get("$ref"), str))
    return names


def _annotated_ref(node: Mapping[str, Any]) -> dict[str, Any] | None:
    """``{"$ref": …, annotations…}`` when ``node`` is an allOf of one bare $ref and annotations only."""
    parts = node["allOf"]
    if not isinstance(parts, list):
        return None
    refs = [p for p in parts if is_mapping(p) and set(p) == {"$ref"}]
    rest = [p for p in parts if not (is_mapping(p) and set(p) == {"$ref"})]
    siblings: dict[str, Any] = {k: v for k, v in node.items() if k != "allOf"}
    for part in rest:
        if not is_mapping(part):
            return None
        siblings = {**part, **siblings}
    if len(refs) != 1 or not siblings or not set(siblings) <= _ANNOTATIONS:
        return None
    return {"$ref": refs[0]["$ref"], **siblings}


class StrictPass(SubsetPass):
    """Neutral input schema → OpenAI strict subset, with FALLBACK records where it cannot be."""

    provider = "openai"
    mode = "OpenAI strict mode"
    keep = _KEEP
    stated = _STATED
    judged = frozenset({"unevaluatedProperties", "patternProperties", "prefixItems"})

    def __init__(self) -> None:
        super().__init__()
        self._nullable: dict[int, tuple[Any, Any]] = {}
        self._inlining: set[str] = set()  # definitions being inlined on the current path

    def rewrite(self, node: Mapping[str, Any], pointer: str) -> Any:
        # Inlining a recursive definition into itself (allOf or a $ref with constraints beside it,
        # on the recursive path) would never end: that node is sent non-strict instead.
        names = _inlined(node)
        if not names:
            return super().rewrite(node, pointer)
        if names & self._inlining:
            self.note(pointer, NoteKind.FALLBACK, "a recursive schema would be inlined into itself")
            return node
        self._inlining |= names
        try:
            return super().rewrite(node, pointer)
        finally:
            self._inlining -= names

    def leaf(self, node: Any, pointer: str) -> Any:
        if node is True:
            self.note(pointer, NoteKind.FALLBACK, "a schema accepts any value")
        return node

    def prepare(self, node: Mapping[str, Any], pointer: str) -> Mapping[str, Any] | tuple[Any]:
        if "$ref" in node and len(node) > 1:
            return (self._ref_with_siblings(node, pointer),)
        if "allOf" not in node:
            return node
        ref = _annotated_ref(node)
        if ref is not None:  # allOf: [{$ref}, {description}] keeps its $ref, as a $ref with siblings does
            return (self._ref_with_siblings(ref, pointer),)
        merged = merge_all_of([node], self.resolve)
        if merged is None:
            self.note(pointer, NoteKind.FALLBACK, "allOf parts cannot be merged into one schema")
            return (node,)
        return merged

    def finish(self, node: Mapping[str, Any], out: dict[str, Any], pointer: str) -> list[str | None]:
        if "prefixItems" in node and "items" in node:
            self.note(pointer, NoteKind.DROPPED, f"'prefixItems' is not in {self.mode}")
        said: list[str | None] = []
        fmt = out.get("format")
        if fmt is not None and fmt not in STRICT_FORMATS:
            del out["format"]
            said.append(statement("format", fmt))
            self.note(pointer, NoteKind.DROPPED, f"format {fmt!r} is not in {self.mode}; said in the description")
        self._shape(node, out, pointer)
        return said

    def _shape(self, node: Mapping[str, Any], out: dict[str, Any], pointer: str) -> None:
        """Objects closed and all-required, arrays with items, and nothing that accepts anything."""
        kind = out.get("type")
        if "properties" in out and kind is None:
            out["type"] = kind = "object"
        if kind == "object" or (isinstance(kind, list) and "object" in kind):
            self._close(node, out, pointer)
        if (kind == "array" or (isinstance(kind, list) and "array" in kind)) \
                and not isinstance(out.get("items"), (dict, bool)):
            self.note(pointer, NoteKind.FALLBACK, "an array does not say what its items are")
        if kind is None and not any(k in out for k in ("enum", "const", "anyOf", "$ref")):
            self.note(pointer, NoteKind.FALLBACK, "a schema accepts any value")

    def _close(self, node: Mapping[str, Any], out: dict[str, Any], pointer: str) -> None:
        if not self.closes(node, out, pointer):
            return
        props = dict(out.get("properties") or {})
        required = set(out.get("required") or ())
        for name, sub in props.items():
            if name not in required:
                props[name] = self.nullable(sub)
        out["properties"] = props
        out["required"] = list(props)
        out["additionalProperties"] = False

    def nullable(self, schema: Any) -> Any:
        """``schema`` that also accepts null (memoized: the same schema is often optional twice)."""
        hit = self._nullable.get(id(schema))
        if hit is not None:
            return hit[0]
        result = _nullable(schema)
        self._nullable[id(schema)] = (result, schema)
        return result

    def _ref_with_siblings(self, node: Mapping[str, Any], pointer: str) -> Any:
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        if all(k in _ANNOTATIONS for k in siblings):
            wrapped = {"anyOf": [{"$ref": node["$ref"]}], **siblings}
            return self.visit(wrapped, pointer)
        target = self.resolve(node)
        merged = merge_all_of([target, siblings], self.resolve) if target is not None else None
        if merged is None:
            self.note(pointer, NoteKind.FALLBACK, "a $ref with constraints beside it cannot be merged")
            return node
        self.note(pointer, NoteKind.INLINED, f"{def_name(str(node['$ref']))} was inlined to merge the keywords "
                  "beside its $ref")
        return self.visit(merged, pointer)


def _nullable(schema: Any) -> Any:
    if not isinstance(schema, dict) or allows_null(schema):
        return schema
    kind, branches = schema.get("type"), schema.get("anyOf")
    out = dict(schema)
    if "$ref" in schema or "const" in schema:
        return _or_null(schema)
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    elif isinstance(kind, list):
        out["type"] = [*kind, "null"]
    elif isinstance(branches, list):
        out["anyOf"] = [*branches, _NULL]
    else:
        return _or_null(schema)
    if isinstance(out.get("enum"), list) and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    return out


def _or_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``{"anyOf": [schema, {"type": "null"}]}``, its description and title kept outside."""
    outer: dict[str, Any] = {k: schema[k] for k in ("description", "title") if k in schema}
    inner = {k: v for k, v in schema.items() if k not in outer}
    return {"anyOf": [inner, _NULL], **outer}


class _Stats:
    """Totals of one subtree for the strict limits (a plain class: compiled dataclasses build through interpreted code)."""

    __slots__ = ("big_enum", "chars", "depth", "enum_values", "properties")

    def __init__(self) -> None:
        self.depth = 0
        self.properties = 0
        self.enum_values = 0
        self.chars = 0
        self.big_enum = False


_NO_STATS: Final = _Stats()  # what a leaf that is not a schema object adds: nothing (read, never changed)


def _stats(node: Any, memo: dict[int, tuple[_Stats, Any]], depth: int = 0) -> _Stats:
    if not isinstance(node, dict):
        return _NO_STATS
    hit = memo.get(id(node))
    if hit is not None:
        return hit[0]
    if depth >= NESTING_LIMIT:
        raise too_deep()
    total = _Stats()
    children: list[Any] = []
    for key in ("properties", "$defs"):
        sub = node.get(key)
        if isinstance(sub, dict):
            children.extend(sub.values())
            total.chars += sum(len(str(k)) for k in sub)
            total.properties += len(sub) if key == "properties" else 0
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            children.append(node[key])
    if isinstance(node.get("anyOf"), list):
        children.extend(node["anyOf"])
    enum = node.get("enum")
    if isinstance(enum, list):
        texts = [v for v in enum if isinstance(v, str)]
        total.enum_values += len(enum)
        total.chars += sum(map(len, texts))
        total.big_enum = len(enum) > BIG_ENUM and sum(map(len, texts)) > BIG_ENUM_CHARS
    if isinstance(node.get("const"), str):
        total.chars += len(node["const"])
    deepest = 0
    for child in children:
        sub_stats = _stats(child, memo, depth + 1)
        deepest = max(deepest, sub_stats.depth)
        total.properties += sub_stats.properties
        total.enum_values += sub_stats.enum_values
        total.chars += sub_stats.chars
        total.big_enum = total.big_enum or sub_stats.big_enum
    kind = node.get("type")
    is_object = kind == "object" or (isinstance(kind, list) and "object" in kind)
    total.depth = deepest + (1 if is_object else 0)
    memo[id(node)] = (total, node)
    return total


def strict_limits(schema: Mapping[str, Any], memo: dict[int, tuple[_Stats, Any]]) -> str | None:
    """Why ``schema`` is over a strict-mode size limit, or None."""
    stats = _stats(schema, memo)
    if stats.depth > MAX_DEPTH:
        return f"{stats.depth} levels of nested objects (strict mode allows {MAX_DEPTH})"
    if stats.properties > MAX_PROPERTIES:
        return f"{stats.properties} properties in total (strict mode allows {MAX_PROPERTIES})"
    if stats.enum_values > MAX_ENUM_VALUES:
        return f"{stats.enum_values} enum values in total (strict mode allows {MAX_ENUM_VALUES})"
    if stats.chars > MAX_CHARS:
        return f"{stats.chars} characters of names and values (strict mode allows {MAX_CHARS})"
    if stats.big_enum:
        return f"an enum of more than {BIG_ENUM} values is over {BIG_ENUM_CHARS} characters"
    return None
