"""Helpers every formatter uses: stated constraints, null handling, notes, the argument guard."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, Final

import orjson

from .._json import LIST, NAMES, SCHEMA, SCHEMA_MAP, SCHEMAS, TEXT, TYPES, has_shape, is_mapping
from ..convert.schema import required_rule, rule_sentence
from ..convert.walk import NoteRecord
from ..errors import ConversionError
from ..limits import NESTING_LIMIT, too_deep
from ..tool import ConversionNote, NoteKind, Tool

__all__ = [
    "allows_null",
    "ensure_arguments",
    "json_text",
    "make_notes",
    "malformed",
    "state",
    "statement",
    "without_rule",
]

_SHORT: Final = 200

# How a dropped constraint is said in words; a keyword not listed is said as "keyword: value".
_PHRASES: Final[dict[str, str]] = {
    "default": "Default: {}.",
    "format": "Format: {}.",
    "minimum": "Minimum: {}.",
    "maximum": "Maximum: {}.",
    "exclusiveMinimum": "Greater than {}.",
    "exclusiveMaximum": "Less than {}.",
    "multipleOf": "A multiple of {}.",
    "minLength": "Minimum length: {}.",
    "maxLength": "Maximum length: {}.",
    "pattern": "Pattern: {}.",
    "minItems": "Minimum items: {}.",
    "maxItems": "Maximum items: {}.",
    "minProperties": "Minimum keys: {}.",
    "maxProperties": "Maximum keys: {}.",
    "enum": "One of: {}.",
    "const": "Always {}.",
}


def json_text(value: Any) -> str:
    """``value`` as compact JSON text (strings unquoted), for descriptions."""
    if isinstance(value, str):
        return value
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):
        return repr(value)


def statement(keyword: str, value: Any) -> str | None:
    """A sentence saying what ``keyword: value`` asked for, or None when it is too long to help."""
    if keyword == "uniqueItems":
        return "Items must be unique." if value is True else None
    if keyword == "dependentRequired" and is_mapping(value):
        parts = [f"if {k} is given, so must be {', '.join(map(str, v))}" for k, v in value.items()
                 if isinstance(v, list)]
        return (("; ".join(parts)).capitalize() + ".") if parts else None
    if keyword == "enum" and isinstance(value, list):
        text = ", ".join(json_text(v) if not isinstance(v, str) else orjson.dumps(v).decode() for v in value)
    else:
        text = json_text(value)
    if len(text) > _SHORT:
        return None
    return _PHRASES.get(keyword, f"{keyword}: {{}}.").format(text)


# Keyword -> the shape of a well-formed value; the rewrites below rely on these shapes.
_SHAPES: Final[dict[str, int]] = {
    "type": TYPES, "properties": SCHEMA_MAP, "required": NAMES, "enum": LIST, "items": SCHEMA,
    "additionalProperties": SCHEMA, "anyOf": SCHEMAS, "oneOf": SCHEMAS, "allOf": SCHEMAS,
    "format": TEXT, "$ref": TEXT, "description": TEXT,
}


def malformed(node: Mapping[str, Any]) -> str | None:
    """The first keyword of ``node`` whose value has the wrong shape (``"required": true``…), or None."""
    for key, value in node.items():
        shape = _SHAPES.get(key)
        if shape is not None and not has_shape(shape, value):
            return key
    return None


def without_rule(node: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None]:
    """``node`` without an anyOf/oneOf that only picks required properties, and that rule in words."""
    rule = required_rule(node) if "anyOf" in node or "oneOf" in node else None
    if rule is None:
        return node, None
    return {k: v for k, v in node.items() if k != rule[0]}, rule_sentence(*rule)


def state(node: dict[str, Any], sentences: Iterable[str | None]) -> dict[str, Any]:
    """``node`` (changed in place) with ``sentences`` added to its description."""
    said = [s for s in sentences if s]
    if said:
        description = node.get("description")
        head = description.rstrip() if isinstance(description, str) and description.strip() else ""
        node["description"] = " ".join([head, *said]) if head else " ".join(said)
    return node


def allows_null(schema: Any, depth: int = 0) -> bool:
    """Whether ``schema`` already accepts ``null`` (by type, enum, const or an anyOf branch)."""
    if not isinstance(schema, dict):
        return schema is True
    if depth >= NESTING_LIMIT:
        raise too_deep()
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    if "enum" in schema and isinstance(schema["enum"], list):
        return None in schema["enum"] and kind is None
    if "const" in schema:
        return schema["const"] is None
    branches = schema.get("anyOf") or schema.get("oneOf")
    return isinstance(branches, list) and any(allows_null(b, depth + 1) for b in branches)


def make_notes(records: list[NoteRecord], provider: str) -> tuple[ConversionNote, ...]:
    """One note per distinct message, pointing at its first place and counting the others."""
    places: defaultdict[tuple[NoteKind, str], list[str]] = defaultdict(list)
    for pointer, kind, message in records:
        places[(kind, message)].append(pointer)
    out = []
    for (kind, message), pointers in places.items():
        more = f" (and {len(pointers) - 1} more places)" if len(pointers) > 1 else ""
        out.append(ConversionNote(kind, message + more, provider=provider, pointer=pointers[0] or None))
    return tuple(out)


def ensure_arguments(tool: Tool, properties: Any, provider: str) -> None:
    """
    Refuse a rendering that lost a top-level argument.

    Raises:
        ConversionError: an argument of the tool is missing from the rendered schema.
    """
    wanted = tool.input_schema.get("properties", {})
    got = properties if is_mapping(properties) else {}
    missing = [name for name in wanted if name not in got]
    if missing:
        raise ConversionError(f"the {provider} rendering would lose the argument(s) {', '.join(missing)}; the "
                              "tool is not offered to this provider", source=tool.name)
