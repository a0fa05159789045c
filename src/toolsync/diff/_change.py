"""A difference found inside one schema, before it is placed in an operation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from ._finding import FindingSeverity

__all__ = ["SchemaChange", "show", "show_many", "trim"]

_MAX_SHOWN = 5
_TRIM_AT = 80


@dataclass(frozen=True, slots=True)
class SchemaChange:
    """
    ``rule`` is the id without its side (``schema.type-changed``); ``phrase`` completes a sentence
    whose subject is the field (``changed type from integer to string``).

    Paths are relative to the compared schema, so one result serves every place the schema is used.
    """

    rule: str
    severity: FindingSeverity
    phrase: str
    # Property names from the compared schema down to the changed one; "[]" for array items, "*" for
    # additionalProperties.
    names: tuple[str, ...] = ()
    old_path: tuple[str, ...] = ()
    new_path: tuple[str, ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)

    def under(self, name: str | None, old_prefix: tuple[str, ...], new_prefix: tuple[str, ...]) -> SchemaChange:
        """The same change seen from the parent schema (``name`` is None for a oneOf/anyOf variant)."""
        return SchemaChange(self.rule, self.severity, self.phrase,
                            self.names if name is None else (name, *self.names),
                            (*old_prefix, *self.old_path), (*new_prefix, *self.new_path), self.details)

    def field_name(self) -> str:
        """``owner.login``, ``tags[].name``, ``labels.*``."""
        out = ""
        for part in self.names:
            out += part if part == "[]" or not out else f".{part}"
        return out


def show(value: Any) -> str:
    """A JSON value as a short literal for messages."""
    text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode() if _jsonable(value) else repr(value)
    return trim(text)


def show_many(values: list[Any]) -> str:
    """Up to five values, then how many more."""
    shown = ", ".join(show(value) for value in values[:_MAX_SHOWN])
    more = len(values) - _MAX_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def trim(text: str, limit: int = _TRIM_AT) -> str:
    """Collapse whitespace and cut long text with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _jsonable(value: Any) -> bool:
    try:
        orjson.dumps(value)
    except TypeError:
        return False
    return True
