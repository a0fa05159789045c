"""
``allOf`` merged into one schema, for formats (and body flattening) that cannot take ``allOf``.

The merge is exact or it does not happen: keywords combine only when the result accepts the
same values as the ``allOf`` (``required`` unites, ``minimum`` takes the larger, ``enum``
intersects, equal values agree). Annotations (``description``, ``title``…) keep the first.
When two members disagree in a way one schema cannot say, :func:`merge_all_of` returns None.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from .._json import is_mapping
from ..limits import NESTING_LIMIT, too_deep

__all__ = ["merge_all_of"]

Resolve = Callable[[Mapping[str, Any]], Mapping[str, Any] | None]

_ANNOTATIONS: Final = frozenset({"description", "title", "$comment", "examples", "example", "default", "deprecated",
                                 "readOnly", "writeOnly", "discriminator", "xml", "externalDocs"})
_LOWER: Final = frozenset({"minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties", "minContains"})
_UPPER: Final = frozenset({"maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties", "maxContains"})
_MAX_DEPTH: Final = 32  # nested property merges; deeper than any real spec


class _Conflict(Exception):
    """Two members say things one schema cannot say together."""


def _types(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if not isinstance(value, list):
        raise _Conflict
    return {t for t in value if isinstance(t, str)}


def _type_meet(a: Any, b: Any) -> Any:
    left, right = _types(a), _types(b)
    both = left & right
    # integer is a subset of number.
    if ("integer" in left and "number" in right) or ("number" in left and "integer" in right):
        both.add("integer")
    if not both:
        raise _Conflict
    ordered = [t for t in (a if isinstance(a, list) else [a]) if t in both] or sorted(both)
    return ordered[0] if len(ordered) == 1 else ordered


def _join(key: str, old: Any, new: Any, resolve: Resolve, depth: int) -> Any:
    if old == new or key in _ANNOTATIONS:
        return old
    if key == "properties" and is_mapping(old) and is_mapping(new):
        merged = dict(old)
        for name, sub in new.items():
            merged[name] = _join_schemas(merged[name], sub, resolve, depth) if name in merged else sub
        return merged
    if key == "required" and isinstance(old, list) and isinstance(new, list):
        return old + [name for name in new if name not in old]
    if key == "type":
        return _type_meet(old, new)
    bound = key in _LOWER or key in _UPPER
    if bound and isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return max(old, new) if key in _LOWER else min(old, new)
    if key == "enum" and isinstance(old, list) and isinstance(new, list):
        common = [v for v in old if v in new]
        if common:
            return common
    raise _Conflict


def _join_schemas(a: Any, b: Any, resolve: Resolve, depth: int) -> Any:
    if a == b:
        return a
    if not is_mapping(a) or not is_mapping(b) or depth >= _MAX_DEPTH:
        raise _Conflict
    return _merge([a, b], resolve, depth + 1)


def _members(schema: Mapping[str, Any], resolve: Resolve, chain: frozenset[str] = frozenset(), depth: int = 0
             ) -> list[Mapping[str, Any]]:
    """``schema`` split into allOf-free pieces, $refs resolved (a ref met again in ``chain`` is a cycle)."""
    if depth >= NESTING_LIMIT:
        raise too_deep()
    ref = schema.get("$ref")
    if ref is not None:
        target = resolve(schema)
        if target is None or not isinstance(ref, str) or ref in chain:
            raise _Conflict
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return _members(target, resolve, chain | {ref}, depth + 1) + ([rest] if rest else [])
    parts = schema.get("allOf")
    if not isinstance(parts, list):
        return [schema]
    own = {k: v for k, v in schema.items() if k != "allOf"}
    out: list[Mapping[str, Any]] = [own] if own else []
    for part in parts:
        if not is_mapping(part):
            if part is True:
                continue
            raise _Conflict
        out.extend(_members(part, resolve, chain, depth + 1))
    return out


def _merge(schemas: Sequence[Mapping[str, Any]], resolve: Resolve, depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for schema in schemas:
        for member in _members(schema, resolve):
            for key, value in member.items():
                out[key] = _join(key, out[key], value, resolve, depth) if key in out else value
    return out


def merge_all_of(schemas: Sequence[Mapping[str, Any]], resolve: Resolve) -> dict[str, Any] | None:
    """
    One schema equal to ``{"allOf": schemas}``, or None when no single schema says the same.

    ``resolve`` returns the target of a member's ``$ref`` (None if unknown); a chain of refs
    that comes back to itself does not merge.

    Example:
        >>> merge_all_of([{"type": "object", "properties": {"a": {}}, "required": ["a"]},
        ...               {"properties": {"b": {}}}], lambda s: None)
        {'type': 'object', 'properties': {'a': {}, 'b': {}}, 'required': ['a']}
    """
    try:
        return _merge(schemas, resolve, 0)
    except _Conflict:
        return None
