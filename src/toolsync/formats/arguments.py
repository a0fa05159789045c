"""
A model's arguments back in the neutral tool's terms, before they are checked and sent.

Provider renderings change how some values are written: OpenAI strict mode makes optional
properties nullable (a model sends ``null`` for "not given"), and Gemini writes numeric and
boolean enum values as strings. :func:`neutral_arguments` undoes both by walking the arguments
along the neutral input schema: a ``null`` for an optional property whose schema does not accept
``null`` is removed, and a string that spells a non-string enum or const value is read back.
It is safe for every provider: arguments already in neutral form come back unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..convert.walk import MALFORMED, def_name
from ..tool import Tool
from ._common import allows_null
from .gemini import enum_text

__all__ = ["neutral_arguments"]

_MAX_DEPTH = 64


class _Reader:
    def __init__(self, defs: Mapping[str, Any]) -> None:
        self.defs = defs

    def resolve(self, schema: Any, depth: int = 0) -> Any:
        while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) and depth < _MAX_DEPTH:
            target = self.defs.get(def_name(schema["$ref"]) or "")
            if not isinstance(target, Mapping):
                return schema
            schema, depth = target, depth + 1
        return schema

    def value(self, schema: Any, value: Any, depth: int) -> Any:
        schema = self.resolve(schema)
        if not isinstance(schema, Mapping) or depth > _MAX_DEPTH:
            return value
        if isinstance(value, str):
            return self._spelled(schema, value)
        if isinstance(value, Mapping):
            return self.object(schema, value, depth + 1)
        if isinstance(value, list):
            items = self.resolve(schema.get("items"))
            return [self.value(items, v, depth + 1) for v in value] if isinstance(items, Mapping) else value
        return value

    def _spelled(self, schema: Mapping[str, Any], text: str) -> Any:
        for branch in self._branches(schema):
            values = branch.get("enum") if "enum" in branch else [branch["const"]] if "const" in branch else []
            if not isinstance(values, list) or text in values:
                continue
            for candidate in values:
                if not isinstance(candidate, str) and candidate is not None and enum_text(candidate) == text:
                    return candidate
        return text

    def _branches(self, schema: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        found = [schema]
        for key in ("anyOf", "oneOf", "allOf"):
            branches = schema.get(key)
            for branch in branches if isinstance(branches, list) else ():
                resolved = self.resolve(branch)
                if isinstance(resolved, Mapping):
                    found.append(resolved)
        return found

    def object(self, schema: Mapping[str, Any], value: Mapping[str, Any], depth: int) -> dict[str, Any]:
        props: dict[str, Any] = {}
        required: set[str] = set()
        for branch in self._branches(schema):
            if isinstance(branch.get("properties"), Mapping):
                props.update(branch["properties"])
            names = branch.get("required")
            if isinstance(names, list):
                required.update(r for r in names if isinstance(r, str))
        out: dict[str, Any] = {}
        for key, item in value.items():
            sub = props.get(key)
            if item is None and key not in required and sub is not None and not allows_null(self.resolve(sub)):
                continue
            out[key] = self.value(sub, item, depth) if sub is not None else item
        return out


def neutral_arguments(tool: Tool, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """
    ``arguments`` as the neutral input schema expects them (see the module docstring).

    Example:
        >>> neutral_arguments(tool, {"petId": 7, "tag": None, "level": "2"})
        {'petId': 7, 'level': 2}
    """
    defs = tool.input_schema.get("$defs")
    reader = _Reader(defs if isinstance(defs, Mapping) else {})
    try:
        return reader.object(tool.input_schema, arguments, 0)
    except MALFORMED:
        # A schema this malformed cannot guide the reading; validation reports what is wrong.
        return dict(arguments)
