"""Type tests for values of a parsed JSON or YAML document, fast on the types such documents hold."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, TypeGuard

__all__ = ["COUNT", "LIST", "NAMES", "NUMBER", "SCHEMA", "SCHEMAS", "SCHEMA_MAP", "TEXT", "TYPES", "has_shape",
           "is_mapping"]

# ``isinstance(value, Mapping)`` goes through the ABC machinery (a Python-level call) every time: the hot
# paths ask it of hundreds of thousands of values that are plain dicts or JSON scalars.
_NOT_MAPPINGS: Final = frozenset((type(None), str, int, float, bool, list, tuple))


def is_mapping(value: Any) -> TypeGuard[Mapping[Any, Any]]:
    """``isinstance(value, Mapping)``, answered without the ABC check for dicts and JSON scalars."""
    kind = type(value)
    return kind is dict or (kind not in _NOT_MAPPINGS and isinstance(value, Mapping))


# Shapes of a keyword's value, for the tests the passes run on every keyword of every node: one branch per
# shape (a table of lambdas costs a call per keyword, more than the test).
TEXT: Final = 0  # a string
TYPES: Final = 1  # a type name, or a list of them
NAMES: Final = 2  # a list of strings
LIST: Final = 3  # any list
COUNT: Final = 4  # an integer >= 0 (not a boolean)
NUMBER: Final = 5  # an integer or a float (not a boolean)
SCHEMA: Final = 6  # a schema: an object or a boolean
SCHEMAS: Final = 7  # a list of schemas
SCHEMA_MAP: Final = 8  # an object whose values are schemas


def has_shape(shape: int, value: Any) -> bool:
    """Whether ``value`` has ``shape`` (one of the codes above)."""
    if shape == TEXT:
        return isinstance(value, str)
    if shape == LIST:
        return isinstance(value, list)
    if shape == SCHEMA:
        return isinstance(value, (dict, bool))
    if shape == SCHEMA_MAP:
        return isinstance(value, dict) and all(isinstance(s, (dict, bool)) for s in value.values())
    if shape == SCHEMAS:
        return isinstance(value, list) and all(isinstance(s, (dict, bool)) for s in value)
    if shape == NAMES:
        return isinstance(value, list) and all(isinstance(r, str) for r in value)
    if shape == COUNT:
        return type(value) is int and value >= 0
    if shape == NUMBER:
        return type(value) is int or type(value) is float
    if shape == TYPES:
        return isinstance(value, str) or (isinstance(value, list) and all(isinstance(t, str) for t in value))
    raise ValueError(f"unknown shape code {shape!r}")
