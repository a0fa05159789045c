"""Pair the oneOf/anyOf variants of two schema versions by best structural match."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._keywords import infer_types, type_phrase
from ._normalize import Variant

__all__ = ["label", "match_variants"]


def match_variants(olds: list[Variant], news: list[Variant]) -> tuple[
        list[tuple[Variant, Variant]], list[Variant], list[Variant]]:
    """
    Greedy pairing, most similar first: equal variants, then shared type, title and property names.
    Variants of disjoint types never pair. Returns (pairs, old variants lost, new variants gained).
    """
    scored = sorted(
        ((-_score(old.norm.schema, new.norm.schema), i, j) for i, old in enumerate(olds) for j, new in enumerate(news)),
    )
    used_old: set[int] = set()
    used_new: set[int] = set()
    pairs: list[tuple[Variant, Variant]] = []
    for negative, i, j in scored:
        if negative >= 0 or i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        pairs.append((olds[i], news[j]))
    lost = [old for i, old in enumerate(olds) if i not in used_old]
    gained = [new for j, new in enumerate(news) if j not in used_new]
    return pairs, lost, gained


def _score(old: Mapping[str, Any], new: Mapping[str, Any]) -> float:
    """0 when the variants cannot be the same one; higher for closer matches."""
    if old == new:
        return 1000.0
    left, right = infer_types(old), infer_types(new)
    if left is not None and right is not None and not (left & right or _numeric(left, right)):
        return 0.0
    tags_old, tags_new = _tags(old), _tags(new)
    if any(tags_old[name] != tags_new[name] for name in tags_old.keys() & tags_new.keys()):
        return 0.0  # a discriminating constant (kind: cat vs kind: fish) differs
    titled = old.get("title") is not None and old.get("title") == new.get("title")
    names_old, names_new = _names(old), _names(new)
    # Containment pairs a variant with a grown version of itself; Jaccard and the required lists break ties.
    contained = _overlap(names_old, names_new, min)
    if not titled and contained < 0.5:
        return 0.0
    required = _overlap(_required(old), _required(new), max)
    return 10.0 + (20.0 if titled else 0.0) + 10.0 * contained + 5.0 * _overlap(names_old, names_new, max) \
        + 5.0 * required


def _overlap(left: set[str], right: set[str], size: Any) -> float:
    """Shared names over the smaller (``min``) or larger (``max``) set; 1.0 when both are empty."""
    if not left and not right:
        return 1.0
    if not left or not right:
        return 0.0
    return len(left & right) / float(size(len(left), len(right)))


def _required(schema: Mapping[str, Any]) -> set[str]:
    names = schema.get("required")
    return {name for name in names if isinstance(name, str)} if isinstance(names, list) else set()


def _tags(schema: Mapping[str, Any]) -> dict[str, str]:
    """Properties fixed to one value (discriminators), as canonical text."""
    props = schema.get("properties")
    if not isinstance(props, Mapping):
        return {}
    out: dict[str, str] = {}
    for name, sub in props.items():
        if isinstance(sub, Mapping):
            values = [sub["const"]] if "const" in sub else sub.get("enum")
            if isinstance(values, list) and len(values) == 1:
                out[name] = repr(values[0])
    return out


def _numeric(left: frozenset[str], right: frozenset[str]) -> bool:
    numbers = {"integer", "number"}
    return bool(left & numbers and right & numbers)


def _names(schema: Mapping[str, Any]) -> set[str]:
    props = schema.get("properties")
    return set(props) if isinstance(props, Mapping) else set()


def label(variant: Variant) -> str:
    """``#2 (Cat)`` or ``#1 (string)``: the variant's position and what it looks like."""
    title = variant.norm.schema.get("title")
    what = title if isinstance(title, str) and title else type_phrase(infer_types(variant.norm.schema))
    return f"#{variant.index + 1} ({what})"
