"""
Structural comparison of two schema versions, at any depth.

Walks properties, array items, additionalProperties and oneOf/anyOf variants; ``$defs`` refs and
``allOf`` are resolved by ``_normalize`` first. Each pair of normalized schemas is compared once
(memoized by identity) and a pair already being compared higher up, which only a cycle can cause,
counts as equal, so cyclic schemas terminate.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any

from ._change import SchemaChange
from ._finding import FindingSeverity
from ._keywords import REQUEST_RULES, RESPONSE_RULES
from ._normalize import Norm, Normalizer, Variant, refs_in
from ._variants import label, match_variants

__all__ = ["MAX_DEPTH", "SchemaDiff", "Side"]

# Nesting levels compared; deeper differences are reported as one warning (keeps recursion bounded).
MAX_DEPTH = 64
B, W, I = FindingSeverity.BREAKING, FindingSeverity.WARNING, FindingSeverity.INFO
# Stands for an absent items/additionalProperties; one object, so its comparisons are memoized.
_ANY: dict[str, Any] = {}


class Side(StrEnum):
    """Which way data flows: the agent sends request schemas and receives response schemas."""

    REQUEST = "request"
    RESPONSE = "response"


class SchemaDiff:
    """Compares schemas of one side of two spec versions; one instance serves a whole spec diff."""

    def __init__(self, side: Side, old: Normalizer, new: Normalizer, changed_defs: frozenset[str]) -> None:
        self.side = side
        self._old, self._new = old, new
        self._rules = REQUEST_RULES if side is Side.REQUEST else RESPONSE_RULES
        # Hidden from this side: readOnly properties are never sent, writeOnly never received.
        self._hidden = "readOnly" if side is Side.REQUEST else "writeOnly"
        self._changed_defs = changed_defs
        self._memo: dict[tuple[int, int], tuple[SchemaChange, ...]] = {}
        self._active: set[tuple[int, int]] = set()
        self._refs: dict[int, tuple[object, frozenset[str]]] = {}

    def compare(self, old: Any, new: Any) -> tuple[SchemaChange, ...]:
        """The differences between two schemas, with paths relative to them."""
        return self._child(old, new, 0)

    def _child(self, old: Any, new: Any, depth: int) -> tuple[SchemaChange, ...]:
        if self._same(old, new):
            return ()
        return self._compare(self._old(old), self._new(new), depth)

    def _same(self, old: Any, new: Any) -> bool:
        """Equal as written and reaching no ``$defs`` entry that changed: equal in meaning."""
        if old is not new and old != new:
            return False
        if not self._changed_defs:
            return True
        hit = self._refs.get(id(old))
        if hit is None:
            hit = (old, frozenset(refs_in(old)))
            self._refs[id(old)] = hit
        return not hit[1] & self._changed_defs

    def _compare(self, old: Norm, new: Norm, depth: int) -> tuple[SchemaChange, ...]:
        key = (id(old), id(new))
        found = self._memo.get(key)
        if found is not None:
            return found
        if key in self._active:
            return ()
        if depth >= MAX_DEPTH:
            return (SchemaChange("schema.too-deep", W,
                                 f"changed below the {MAX_DEPTH} levels toolsync compares; review it by hand"),)
        self._active.add(key)
        try:
            found = tuple(self._level(old, new, depth))
        finally:
            self._active.discard(key)
        self._memo[key] = found
        return found

    def _level(self, old: Norm, new: Norm, depth: int) -> Iterator[SchemaChange]:
        olds, news = self._old.variants(old), self._new.variants(new)
        if olds or news:
            yield from self._union(olds or [Variant(0, (), old)], news or [Variant(0, (), new)], depth)
            return
        if old.schema != new.schema:
            for rule in self._rules:
                yield from rule(old.schema, new.schema)
        yield from self._properties(old, new, depth)
        yield from self._nested(old, new, "items", "[]", depth)
        yield from self._nested(old, new, "additionalProperties", "*", depth)

    # -----------------------------------------------------------------------------------------
    # Children

    def _nested(self, old: Norm, new: Norm, keyword: str, name: str, depth: int) -> Iterator[SchemaChange]:
        before, after = old.schema.get(keyword), new.schema.get(keyword)
        if (before is None and after is None) or before is False or after is False:
            return  # absent on both sides, or closed/opened: a keyword rule reports that
        before = _ANY if before is None or before is True else before
        after = _ANY if after is None or after is True else after
        old_at, new_at = (*old.origin.get(keyword, ()), keyword), (*new.origin.get(keyword, ()), keyword)
        for change in self._child(before, after, depth + 1):
            yield change.under(name, old_at, new_at)

    def _properties(self, old: Norm, new: Norm, depth: int) -> Iterator[SchemaChange]:
        before, after = self._props(old, self._old), self._props(new, self._new)
        if not before and not after:
            return
        req_old, req_new = _required(old) - _hidden(old, before), _required(new) - _hidden(new, after)
        for name in sorted(before.keys() - after.keys()):
            yield from self._removed(name, name in req_old, old)
        for name in sorted(after.keys() - before.keys()):
            yield from self._added(name, name in req_new, new)
        for name in sorted(before.keys() & after.keys()):
            for change in self._child(before[name], after[name], depth + 1):
                yield change.under(name, _prop_path(old, name), _prop_path(new, name))
        if self.side is Side.REQUEST:
            yield from self._required_changes(old, new, before, after, req_old, req_new)

    def _props(self, norm: Norm, side: Normalizer) -> dict[str, Any]:
        props = norm.schema.get("properties")
        if not isinstance(props, Mapping):
            return {}
        return {name: sub for name, sub in props.items() if side(sub).schema.get(self._hidden) is not True}

    def _removed(self, name: str, required: bool, old: Norm) -> Iterator[SchemaChange]:
        severity = B if self.side is Side.REQUEST else W
        yield SchemaChange("property.removed", severity, "was removed", (name,), _prop_path(old, name), (),
                           {"required": required})

    def _added(self, name: str, required: bool, new: Norm) -> Iterator[SchemaChange]:
        if self.side is not Side.REQUEST:
            return
        if required:
            yield SchemaChange("property.added-required", B, "was added as required", (name,), (),
                               _prop_path(new, name))
        else:
            yield SchemaChange("property.added-optional", I, "was added (optional)", (name,), (),
                               _prop_path(new, name))

    def _required_changes(self, old: Norm, new: Norm, before: Mapping[str, Any], after: Mapping[str, Any],
                          req_old: frozenset[str], req_new: frozenset[str]) -> Iterator[SchemaChange]:
        # Properties added or removed were reported with their required flag already.
        for name in sorted(req_new - req_old - (after.keys() - before.keys())):
            yield SchemaChange("property.became-required", B, "became required", (name,),
                               _required_path(old, name), _required_path(new, name))
        for name in sorted(req_old - req_new - (before.keys() - after.keys())):
            yield SchemaChange("property.became-optional", I, "became optional", (name,),
                               _required_path(old, name), _required_path(new, name))

    # -----------------------------------------------------------------------------------------
    # oneOf / anyOf

    def _union(self, olds: list[Variant], news: list[Variant], depth: int) -> Iterator[SchemaChange]:
        """
        Compare two unions (a plain schema is its side's only variant). Null is taken out of every
        variant first and compared once, wherever each side spells it (a type, or a variant of its own).
        """
        olds, old_null = _strip_null(olds, self._old)
        news, new_null = _strip_null(news, self._new)
        if old_null and not new_null and self.side is Side.REQUEST:
            yield SchemaChange("schema.null-removed", B, "no longer accepts null")
        elif new_null and not old_null:
            yield SchemaChange("schema.null-added", I,
                               "now accepts null" if self.side is Side.REQUEST else "may now be null")
        yield from self._compare_variants(olds, news, depth)

    def _compare_variants(self, olds: list[Variant], news: list[Variant], depth: int) -> Iterator[SchemaChange]:
        pairs, lost, gained = match_variants(olds, news)
        for before, after in pairs:
            for change in self._compare(before.norm, after.norm, depth + 1):
                yield change.under(None, before.path, after.path)
        if self.side is Side.REQUEST:
            for before in lost:
                if not self._covered(before, news, depth):
                    yield SchemaChange("schema.variant-removed", B, f"no longer accepts the variant {label(before)}",
                                       old_path=before.at)
        verb = "now accepts" if self.side is Side.REQUEST else "may now return"
        for after in gained:
            yield SchemaChange("schema.variant-added", I, f"{verb} a new variant {label(after)}", new_path=after.at)

    def _covered(self, before: Variant, news: list[Variant], depth: int) -> bool:
        """Whether some new variant accepts everything ``before`` did (variants merged into a wider one)."""
        return any(all(change.severity is not B for change in self._compare(before.norm, after.norm, depth + 1))
                   for after in news)


def _strip_null(variants: list[Variant], side: Normalizer) -> tuple[list[Variant], bool]:
    out: list[Variant] = []
    nullable = False
    for variant in variants:
        stripped = side.without_null(variant.norm)
        if stripped is variant.norm:
            out.append(variant)
            continue
        nullable = True
        if stripped is not None:
            out.append(Variant(variant.index, variant.path, stripped, variant.at))
    return out, nullable


def _required(norm: Norm) -> frozenset[str]:
    names = norm.schema.get("required")
    return frozenset(name for name in names if isinstance(name, str)) if isinstance(names, list) else frozenset()


def _hidden(norm: Norm, visible: Mapping[str, Any]) -> frozenset[str]:
    props = norm.schema.get("properties")
    return frozenset(props.keys() - visible.keys()) if isinstance(props, Mapping) else frozenset()


def _required_path(norm: Norm, name: str) -> tuple[str, ...]:
    return (*norm.req_origin.get(name, norm.origin.get("required", ())), "required")


def _prop_path(norm: Norm, name: str) -> tuple[str, ...]:
    return (*norm.prop_origin.get(name, norm.origin.get("properties", ())), "properties", name)
