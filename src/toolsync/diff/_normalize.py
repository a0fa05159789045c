"""
Bring a schema to one comparable shape before it is diffed.

Two spellings of the same schema must compare equal: a ``$ref`` to ``$defs`` is followed, an
``allOf`` is merged into one schema, and ``anyOf: [X, {type: null}]`` (how OpenAPI 3.0's
``nullable`` is lifted when X has no type) becomes X with ``null`` added to its types.
Results are cached by the identity of the input dict, so a schema shared by many operations is
normalized once and its :class:`Norm` keeps one identity (the comparison memo relies on that).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DEFS_PREFIX", "Norm", "Normalizer", "Variant", "changed_defs", "type_set"]

DEFS_PREFIX = "#/$defs/"
# Keys that do not change what a schema accepts; a variant made only of these and `type: null` is "null".
_ANNOTATIONS = frozenset({"title", "description", "example", "examples", "default", "deprecated",
                          "readOnly", "writeOnly", "$comment"})
_MAX_REF_HOPS = 32
# Parent keywords not copied into each oneOf/anyOf variant: they describe the union, not its members.
_UNION_ONLY = frozenset({"title", "description", "discriminator", "example", "examples", "$comment"})


@dataclass(slots=True, eq=False)
class Norm:
    """A schema with refs followed and ``allOf`` merged; ``origin`` maps keywords back to their source."""

    schema: dict[str, Any]
    # Keyword -> path from the original schema to the schema the keyword came from, e.g. ("allOf", "1").
    origin: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Property name -> the same, for each entry of ``properties``.
    prop_origin: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Property name -> the same, for each name listed in ``required``.
    req_origin: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, eq=False)
class Variant:
    """One oneOf/anyOf member with the parent's other keywords merged in (paths relative to the parent)."""

    index: int
    # Prefix for paths inside ``norm``: empty when the parent's keywords were merged in.
    path: tuple[str, ...]
    norm: Norm
    # Where the member itself is written, relative to the parent.
    at: tuple[str, ...] = ()


def type_set(value: Any) -> frozenset[str] | None:
    """The ``type`` keyword as a set; None when it is absent or unreadable (any type)."""
    if isinstance(value, str):
        return frozenset((value,))
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return frozenset(value)
    return None


class Normalizer:
    """Normalizes the schemas of one side of a diff; ``defs`` resolves ``#/$defs/<name>`` refs."""

    def __init__(self, defs: Mapping[str, Any]) -> None:
        self._defs = defs
        # id -> (the input, kept alive so its id is never reused, and its Norm).
        self._cache: dict[int, tuple[object, Norm]] = {}
        self._busy: set[int] = set()
        self._variants: dict[int, tuple[Norm, list[Variant]]] = {}
        self._non_null: dict[int, tuple[Norm, Norm]] = {}

    def __call__(self, schema: Any) -> Norm:
        hit = self._cache.get(id(schema))
        if hit is not None:
            return hit[1]
        if id(schema) in self._busy:
            # A schema that is its own allOf member through a ref accepts what its other members allow.
            return Norm({})
        self._busy.add(id(schema))
        try:
            norm = self._build(schema)
        finally:
            self._busy.discard(id(schema))
        self._cache[id(schema)] = (schema, norm)
        return norm

    def variants(self, norm: Norm) -> list[Variant]:
        """
        The oneOf (else anyOf) members of ``norm``, each merged with the parent's other keywords:
        ``{properties: P, anyOf: [{required: [a]}, {required: [b]}]}`` is two objects with properties P,
        one requiring ``a`` and one ``b``. Empty when there are none. Cached, so identities are stable.
        """
        hit = self._variants.get(id(norm))
        if hit is None:
            hit = (norm, list(self._distribute(norm)))
            self._variants[id(norm)] = hit
        return hit[1]

    def _distribute(self, norm: Norm) -> Iterator[Variant]:
        keyword = next((k for k in ("oneOf", "anyOf") if isinstance(norm.schema.get(k), list) and norm.schema[k]),
                       None)
        if keyword is None:
            return
        at = (*norm.origin.get(keyword, ()), keyword)
        shared = {k: v for k, v in norm.schema.items() if k != keyword and k not in _UNION_ONLY}
        parent = Norm(shared, norm.origin, norm.prop_origin, norm.req_origin)
        for index, item in enumerate(norm.schema[keyword]):
            member = self(item)
            where = (*at, str(index))
            if shared:
                yield Variant(index, (), _merge([((), parent), (where, member)]), where)
            else:
                yield Variant(index, where, member, where)

    def target(self, ref: str) -> Any:
        """The schema ``ref`` points to (following ref chains), or None when it is not a ``$defs`` ref."""
        for _ in range(_MAX_REF_HOPS):
            if not ref.startswith(DEFS_PREFIX):
                return None
            found = self._defs.get(_unescape(ref[len(DEFS_PREFIX):]))
            nxt = found.get("$ref") if isinstance(found, Mapping) and len(found) == 1 else None
            if not isinstance(nxt, str):
                return found
            ref = nxt
        return None

    def _build(self, schema: Any) -> Norm:
        if isinstance(schema, bool):
            return Norm({} if schema else {"type": []})
        if not isinstance(schema, Mapping):
            return Norm({})
        own = {key: value for key, value in schema.items() if key not in ("allOf", "$ref")}
        parts = list(self._members(schema, own))
        if not own and len(parts) == 1 and parts[0][0] == ():
            # A bare ref is its target: one identity, so a cycle is seen when it comes round.
            return parts[0][1]
        norm = _merge([((), Norm(own)), *parts]) if parts else Norm(own)
        return self._fold_null(norm)

    def _members(self, schema: Mapping[str, Any], own: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], Norm]]:
        ref = schema.get("$ref")
        if isinstance(ref, str):
            target = self.target(ref)
            if target is None:
                own["$ref"] = ref  # not resolvable here: compared as an opaque name
            else:
                yield (), self(target)  # the path stays logical: as if the ref were inlined
        members = schema.get("allOf")
        if isinstance(members, list):
            for index, member in enumerate(members):
                yield ("allOf", str(index)), self(member)

    def _fold_null(self, norm: Norm) -> Norm:
        for keyword in ("anyOf", "oneOf"):
            variants = norm.schema.get(keyword)
            if not isinstance(variants, list) or len(variants) != 2:
                continue
            normed = [self(variant) for variant in variants]
            nulls = [index for index, item in enumerate(normed) if _is_null(item)]
            if len(nulls) != 1:
                continue
            other = 1 - nulls[0]
            rest = Norm({k: v for k, v in norm.schema.items() if k != keyword}, dict(norm.origin),
                        dict(norm.prop_origin), dict(norm.req_origin))
            member = _with_null(normed[other], variants[nulls[0]])
            return _merge([((), rest), ((*norm.origin.get(keyword, ()), keyword, str(other)), member)])
        return norm

    def without_null(self, norm: Norm) -> Norm | None:
        """``norm`` not accepting null: None when it accepts only null, ``norm`` when it never did."""
        kinds = type_set(norm.schema.get("type"))
        if kinds is None or "null" not in kinds:
            return norm
        if kinds == {"null"}:
            return None
        hit = self._non_null.get(id(norm))
        if hit is None:
            schema = {**norm.schema, "type": sorted(kinds - {"null"})}
            if isinstance(schema.get("enum"), list):
                schema["enum"] = [value for value in schema["enum"] if value is not None]
            hit = (norm, Norm(schema, norm.origin, norm.prop_origin, norm.req_origin))
            self._non_null[id(norm)] = hit
        return hit[1]


def _with_null(norm: Norm, null_schema: Any) -> Norm:
    """``norm`` also accepting null: added to its types, or as one more variant of its own union."""
    kinds = type_set(norm.schema.get("type"))
    if kinds is not None:
        return Norm({**norm.schema, "type": sorted(kinds | {"null"})}, norm.origin, norm.prop_origin,
                    norm.req_origin)
    union = next((k for k in ("oneOf", "anyOf") if isinstance(norm.schema.get(k), list)), None)
    if union is None:
        return norm  # no type: it accepts null already
    # anyOf: [oneOf: [A, B], null] is oneOf: [A, B, null]: one level of variants to compare.
    return Norm({**norm.schema, union: [*norm.schema[union], null_schema]}, norm.origin, norm.prop_origin,
                norm.req_origin)


def _is_null(norm: Norm) -> bool:
    if type_set(norm.schema.get("type")) != frozenset({"null"}):
        return False
    return all(key == "type" or key in _ANNOTATIONS for key in norm.schema)


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _merge(parts: list[tuple[tuple[str, ...], Norm]]) -> Norm:
    """Merge allOf members: properties and required are united, types intersected, else first wins."""
    out = Norm({})
    props: dict[str, Any] = {}
    required: list[Any] = []
    for prefix, part in parts:
        for key, value in part.schema.items():
            where = (*prefix, *part.origin.get(key, ()))
            if key == "properties" and isinstance(value, Mapping):
                _merge_properties(props, out.prop_origin, value, prefix, part)
            elif key == "required" and isinstance(value, list):
                _merge_required(required, out.req_origin, value, prefix, part)
            elif key == "type" and "type" in out.schema:
                out.schema["type"] = _intersect(out.schema["type"], value)
            elif key not in out.schema:
                out.schema[key] = value
                out.origin[key] = where
    if props:
        out.schema["properties"] = props
    if required:
        out.schema["required"] = required
    return out


def _merge_properties(props: dict[str, Any], origins: dict[str, tuple[str, ...]], value: Mapping[str, Any],
                      prefix: tuple[str, ...], part: Norm) -> None:
    for name, sub in value.items():
        if name in props:
            # The same property in two members must satisfy both.
            props[name] = {"allOf": [props[name], sub]}
            continue
        props[name] = sub
        origins[name] = (*prefix, *part.prop_origin.get(name, part.origin.get("properties", ())))


def _merge_required(required: list[Any], origins: dict[str, tuple[str, ...]], names: list[Any],
                    prefix: tuple[str, ...], part: Norm) -> None:
    for name in names:
        if name in required or not isinstance(name, str):
            continue
        required.append(name)
        origins[name] = (*prefix, *part.req_origin.get(name, part.origin.get("required", ())))


def _intersect(first: Any, second: Any) -> Any:
    left, right = type_set(first), type_set(second)
    if left is None:
        return second
    if right is None:
        return first
    both = {kind for kind in left if kind in right or (kind == "integer" and "number" in right)}
    both |= {kind for kind in right if kind == "integer" and "number" in left}
    return sorted(both)


def changed_defs(old: Mapping[str, Any], new: Mapping[str, Any]) -> frozenset[str]:
    """
    Names of ``$defs`` whose meaning may differ between the sides: written differently, missing on one
    side, or reaching such a definition through refs. Equal subtrees that reach none of them are equal.
    """
    changed = {name for name in old.keys() | new.keys() if old.get(name) != new.get(name)}
    reach = {name: set(refs_in(schema)) for name, schema in old.items()}
    grew = True
    while grew:
        grew = False
        for name, names in reach.items():
            if name not in changed and names & changed:
                changed.add(name)
                grew = True
    return frozenset(changed)


def refs_in(schema: Any) -> Iterable[str]:
    """The ``$defs`` names referenced anywhere inside ``schema``."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(DEFS_PREFIX):
                yield _unescape(ref[len(DEFS_PREFIX):])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
