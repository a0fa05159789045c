"""
Rules for the keywords of one schema level (its children are walked by ``_schema``).

Request side: the new schema decides what the API accepts from the agent, so accepting less is
breaking and accepting more is info. Response side: the new schema says what the agent receives,
so only new shapes the agent has not seen before (another type, a new enum value, null) matter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from fractions import Fraction
from typing import Any, TypeAlias

import orjson

from ._change import SchemaChange, show, show_many, trim
from ._finding import FindingSeverity
from ._normalize import type_set

__all__ = ["REQUEST_RULES", "RESPONSE_RULES", "Rule", "accepts_all", "infer_types", "type_phrase"]

Schema: TypeAlias = Mapping[str, Any]
Rule: TypeAlias = Callable[[Schema, Schema], Iterator[SchemaChange]]

B, W, I = FindingSeverity.BREAKING, FindingSeverity.WARNING, FindingSeverity.INFO
# Formats that describe a value without restricting it (servers do not reject on them).
_ANNOTATION_FORMATS = frozenset({"password", "int64", "double", "float"})
_UPPER = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties", "maxContains")
_LOWER = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties", "minContains")
_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (list, "array"), (dict, "object"))


def infer_types(schema: Schema) -> frozenset[str] | None:
    """Declared types, else what the keywords imply (properties -> object, items -> array), else None."""
    declared = type_set(schema.get("type"))
    if declared is not None:
        return declared
    if {"properties", "additionalProperties", "required"} & schema.keys():
        return frozenset({"object"})
    if {"items", "prefixItems"} & schema.keys():
        return frozenset({"array"})
    values = schema.get("enum") if isinstance(schema.get("enum"), list) else None
    if values is None and "const" in schema:
        values = [schema["const"]]
    return frozenset(_json_type(value) for value in values) if values else None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return next((name for kind, name in _JSON_TYPES if isinstance(value, kind)), "object")


def accepts_all(wider: frozenset[str], narrower: frozenset[str]) -> bool:
    """Whether every value of the ``narrower`` types is also of a ``wider`` type (integer is a number)."""
    return all(kind in wider or (kind == "integer" and "number" in wider) for kind in narrower)


def type_phrase(kinds: frozenset[str] | None) -> str:
    return "any type" if kinds is None else " or ".join(sorted(kinds)) or "nothing"


def _change(rule: str, severity: FindingSeverity, phrase: str, **details: Any) -> SchemaChange:
    return SchemaChange(rule, severity, phrase, details=details)


# ---------------------------------------------------------------------------------------------
# Types


def _request_types(old: Schema, new: Schema) -> Iterator[SchemaChange]:
    before, after = infer_types(old), infer_types(new)
    if before == after:
        return
    details = {"old": _listed(before), "new": _listed(after)}
    moved = f"from {type_phrase(before)} to {type_phrase(after)}"
    if after is None:
        yield _change("schema.type-widened", I, f"now accepts any type (was {type_phrase(before)})", **details)
        return
    if before is None:
        yield _change("schema.type-narrowed", B, f"is now limited to {type_phrase(after)}", **details)
        return
    yield from _null_change(before, after, "schema.null-removed", B, "no longer accepts null",
                            "schema.null-added", I, "now accepts null", details)
    left, right = before - {"null"}, after - {"null"}
    if left == right:
        return
    if accepts_all(right, left):
        yield _change("schema.type-widened", I, f"widened type {moved}", **details)
    elif accepts_all(left, right):
        yield _change("schema.type-narrowed", B, f"narrowed type {moved}", **details)
    else:
        yield _change("schema.type-changed", B, f"changed type {moved}", **details)


def _response_types(old: Schema, new: Schema) -> Iterator[SchemaChange]:
    before, after = infer_types(old), infer_types(new)
    if before is None or before == after:
        return
    details = {"old": _listed(before), "new": _listed(after)}
    if after is None:
        yield _change("schema.type-changed", W, f"may now be any type (was {type_phrase(before)})", **details)
        return
    if "null" in after and "null" not in before:
        yield _change("schema.null-added", I, "may now be null", **details)
    if not accepts_all(before - {"null"}, after - {"null"}):
        yield _change("schema.type-changed", W,
                      f"changed type from {type_phrase(before)} to {type_phrase(after)}", **details)


def _null_change(before: frozenset[str], after: frozenset[str], lost_rule: str, lost_sev: FindingSeverity,
                 lost_phrase: str, gained_rule: str, gained_sev: FindingSeverity, gained_phrase: str,
                 details: dict[str, Any]) -> Iterator[SchemaChange]:
    if "null" in before and "null" not in after:
        yield _change(lost_rule, lost_sev, lost_phrase, **details)
    elif "null" in after and "null" not in before:
        yield _change(gained_rule, gained_sev, gained_phrase, **details)


def _listed(kinds: frozenset[str] | None) -> list[str] | None:
    return None if kinds is None else sorted(kinds)


# ---------------------------------------------------------------------------------------------
# Values: enum, const, default


def _enum_values(schema: Schema) -> dict[bytes, Any] | None:
    values = schema.get("enum")
    if not isinstance(values, list):
        return None
    # null in an enum follows `nullable`; the type rule reports it.
    return {_canonical(value): value for value in values if value is not None}


def _canonical(value: Any) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return repr(value).encode()


def _request_enum(old: Schema, new: Schema) -> Iterator[SchemaChange]:
    before, after = _enum_values(old), _enum_values(new)
    if before is None:
        if after is not None:
            yield _change("schema.enum-added", B,
                          f"is now limited to the values {show_many(list(after.values()))}",
                          new=list(after.values()))
    elif after is None:
        yield _change("schema.enum-removed", I, "is no longer limited to a list of values",
                      old=list(before.values()))
    elif before != after:
        yield from _enum_delta(before, after, request=True)


def _response_enum(old: Schema, new: Schema) -> Iterator[SchemaChange]:
    before, after = _enum_values(old), _enum_values(new)
    if before is not None and after is not None and before != after:
        yield from _enum_delta(before, after, request=False)


def _enum_delta(before: dict[bytes, Any], after: dict[bytes, Any], *, request: bool) -> Iterator[SchemaChange]:
    lost = [value for key, value in before.items() if key not in after]
    gained = [value for key, value in after.items() if key not in before]
    if lost and request:
        yield _change("schema.enum-value-removed", B, f"no longer accepts {show_many(lost)}", removed=lost)
    if gained:
        verb = "now accepts" if request else "may now return"
        yield _change("schema.enum-value-added", I, f"{verb} {show_many(gained)}", added=gained)


def _request_const(old: Schema, new: Schema) -> Iterator[SchemaChange]:
    if "const" not in new:
        if "const" in old:
            yield _change("schema.constraint-loosened", I, f"no longer must be {show(old['const'])}",
                          keyword="const", old=old["const"], new=None)
        return
    if "const" not in old:
        yield _change("schema.const-added", B, f"must now be {show(new['const'])}", new=new["const"])
    elif _canonical(old["const"]) != _canonical(new["const"]):
        yield _change("schema.const-changed", B,
                      f"must now be {show(new['const'])} instead of {show(old['const'])}",
                      old=old["const"], new=new["const"])


def _request_default(old: Schema, new: Schema) -> Iterator[SchemaChange]:
    if "default" in old and "default" in new and _canonical(old["default"]) != _canonical(new["default"]):
        yield _change("schema.default-changed", W,
                      f"changed its default from {show(old['default'])} to {show(new['default'])}",
                      old=old["default"], new=new["default"])


# ---------------------------------------------------------------------------------------------
# Format and pattern


def _text(schema: Schema, keyword: str) -> str | None:
    value = schema.get(keyword)
    return value if isinstance(value, str) else None


def _request_format(old: Schema, new: Schema) -> Iterator[SchemaChange]:
    before, after = _text(old, "format"), _text(new, "format")
    if before == after:
        return
    if before is None:
        severity = I if after in _ANNOTATION_FORMATS else B
        yield _change("schema.format-added", severity, f"now requires format `{after}`", new=after)
    elif after is None:
        yield _change("schema.format-removed", I, f"no longer requires format `{before}`", old=before)
    else:
        yield _change("schema.format-changed", W, f"changed format from `{before}` to `{after}`",
                      old=before, new=after)


def _request_pattern(old: Schema, new: Schema) -> Iterator[SchemaChange]:
    before, after = _text(old, "pattern"), _text(new, "pattern")
    if before == after:
        return
    if before is None:
        yield _change("schema.pattern-added", B, f"must now match the pattern `{after}`", new=after)
    elif after is None:
        yield _change("schema.constraint-loosened", I, f"no longer must match the pattern `{before}`",
                      keyword="pattern", old=before, new=None)
    else:
        yield _change("schema.pattern-changed", W, f"changed its pattern from `{before}` to `{after}`",
                      old=before, new=after)


# ---------------------------------------------------------------------------------------------
# Bounds


def _number(value: Any) -> Fraction | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no infinity; a document that smuggles one in has no such bound
    return Fraction(str(value))  # str() keeps 0.1 as written, so multipleOf checks are exact


def _bound(keyword: str, old: Any, new: Any, tighter: bool) -> SchemaChange:
    if old is None:
        return _change("schema.constraint-tightened", B, f"now has `{keyword}: {show(new)}`",
                       keyword=keyword, old=None, new=new)
    if new is None:
        return _change("schema.constraint-loosened", I, f"no longer has `{keyword}` (was {show(old)})",
                       keyword=keyword, old=old, new=None)
    verb = "tightened" if tighter else "loosened"
    return _change(f"schema.constraint-{verb}", B if tighter else I,
                   f"{verb} `{keyword}` from {show(old)} to {show(new)}", keyword=keyword, old=old, new=new)


def _request_bounds(old: Schema, new: Schema) -> Iterator[SchemaChange]:
    for keyword in (*_UPPER, *_LOWER):
        before, after = _number(old.get(keyword)), _number(new.get(keyword))
        if before == after:
            continue
        tighter = before is None or (after is not None and (after < before if keyword in _UPPER else after > before))
        yield _bound(keyword, old.get(keyword) if before is not None else None,
                     new.get(keyword) if after is not None else None, tighter)


def _request_multiple_of(old: Schema, new: Schema) -> Iterator[SchemaChange]:
    before, after = _number(old.get("multipleOf")), _number(new.get("multipleOf"))
    if before == after:
        return
    # A new step that is a multiple of the old one rejects values the old one accepted; any other
    # change except a divisor of the old step does too.
    looser = after is None or (before is not None and after != 0 and (before / after).denominator == 1)
    yield _bound("multipleOf", old.get("multipleOf") if before is not None else None,
                 new.get("multipleOf") if after is not None else None, not looser)


def _request_unique(old: Schema, new: Schema) -> Iterator[SchemaChange]:
    before, after = old.get("uniqueItems") is True, new.get("uniqueItems") is True
    if after and not before:
        yield _change("schema.constraint-tightened", B, "now requires unique items",
                      keyword="uniqueItems", old=old.get("uniqueItems"), new=True)
    elif before and not after:
        yield _change("schema.constraint-loosened", I, "no longer requires unique items",
                      keyword="uniqueItems", old=True, new=new.get("uniqueItems"))


def _request_additional(old: Schema, new: Schema) -> Iterator[SchemaChange]:
    before, after = old.get("additionalProperties", True), new.get("additionalProperties", True)
    if after is False and before is not False:
        yield _change("schema.additional-properties-closed", B,
                      "no longer accepts properties beyond those listed (additionalProperties: false)")
    elif before is False and after is not False:
        yield _change("schema.additional-properties-opened", I, "now accepts properties beyond those listed")


def _request_description(old: Schema, new: Schema) -> Iterator[SchemaChange]:
    before, after = old.get("description"), new.get("description")
    if not isinstance(before, str) or not isinstance(after, str):
        return
    if " ".join(before.split()) != " ".join(after.split()):
        yield _change("schema.description-changed", I,
                      f"changed its description: “{trim(before)}” → “{trim(after)}”", old=before, new=after)


REQUEST_RULES: tuple[Rule, ...] = (
    _request_types, _request_enum, _request_const, _request_default, _request_format, _request_pattern,
    _request_bounds, _request_multiple_of, _request_unique, _request_additional, _request_description,
)
RESPONSE_RULES: tuple[Rule, ...] = (_response_types, _response_enum)
