"""Type tests for values of a parsed JSON or YAML document, fast on the types such documents hold."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, TypeGuard

__all__ = ["is_mapping"]

# ``isinstance(value, Mapping)`` goes through the ABC machinery (a Python-level call) every time: the hot
# paths ask it of hundreds of thousands of values that are plain dicts or JSON scalars.
_NOT_MAPPINGS: Final = frozenset((type(None), str, int, float, bool, list, tuple))


def is_mapping(value: Any) -> TypeGuard[Mapping[Any, Any]]:
    """``isinstance(value, Mapping)``, answered without the ABC check for dicts and JSON scalars."""
    kind = type(value)
    return kind is dict or (kind not in _NOT_MAPPINGS and isinstance(value, Mapping))
