"""The type tests of toolsync._json: the same answers as the plain Python tests they stand for."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest

from toolsync._json import (
    COUNT,
    LIST,
    NAMES,
    NUMBER,
    SCHEMA,
    SCHEMA_MAP,
    SCHEMAS,
    TEXT,
    TYPES,
    has_shape,
    is_mapping,
)


@pytest.mark.parametrize("value", [{}, {"a": 1}, OrderedDict(a=1), MappingProxyType({"a": 1}), [], (), "x", 1,
                                   1.5, True, None, b"x", {1, 2}])
def test_is_mapping_is_isinstance_mapping(value: Any) -> None:
    """Dicts, other mappings and everything else answer as isinstance(value, Mapping) does."""
    assert is_mapping(value) == isinstance(value, Mapping)


@pytest.mark.parametrize(("shape", "good", "bad"), [
    (TEXT, ["", "string"], [1, None, ["a"]]),
    (TYPES, ["string", ["string", "null"], []], [1, ["string", 1], {"type": "x"}]),
    (NAMES, [[], ["a", "b"]], ["a", [1], None]),
    (LIST, [[], [1, "a", None]], [(), {}, "a"]),
    (COUNT, [0, 5], [-1, 1.0, True, "1", None]),
    (NUMBER, [0, -2, 1.5], [True, "1", None]),
    (SCHEMA, [{}, {"type": "string"}, True, False], [[], "x", None, 1]),
    (SCHEMAS, [[], [{}, True]], [[{}, 1], {}, None]),
    (SCHEMA_MAP, [{}, {"a": {}, "b": False}], [{"a": 1}, [], None]),
])
def test_every_shape_takes_its_values_and_no_others(shape: int, good: list[Any], bad: list[Any]) -> None:
    """Booleans are never counts or numbers; a schema is an object or a boolean."""
    assert all(has_shape(shape, value) for value in good)
    assert not any(has_shape(shape, value) for value in bad)


def test_an_unknown_shape_code_is_an_error() -> None:
    """A code outside the table is a programming error, not a silent TYPES test."""
    with pytest.raises(ValueError, match="unknown shape code 99"):
        has_shape(99, "x")
