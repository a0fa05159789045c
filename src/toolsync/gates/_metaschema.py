"""
Is a dict a valid JSON Schema? Checked against its meta-schema, fast enough for thousands of tools.

Validating a whole schema against the draft 2020-12 meta-schema costs milliseconds with ``jsonschema``
(every level goes through ``$dynamicRef``). A schema is valid exactly when each of its sub-schemas is
valid on its own with its sub-schemas replaced by ``true``, so each node is checked alone, after values
whose validity only depends on their type are replaced by a canonical value of that type. Nodes then
repeat a lot (``{"type": "string", "description": ""}``) and the result of each is cached.
Other dialects (a root ``$schema`` naming draft 4, 6, 7 or 2019-09) are validated whole, and cached whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import orjson
from jsonschema import Draft202012Validator, validators
from jsonschema_specifications import REGISTRY  # type: ignore[import-untyped]

from ._schema import child_pointer

__all__ = ["meta_schema_errors"]

_DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
_META = Draft202012Validator(Draft202012Validator.META_SCHEMA)

# Keywords whose value is one schema / a map of schemas / a list of schemas in the 2020-12 meta-schema.
_ONE = ("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
        "unevaluatedProperties", "unevaluatedItems", "contentSchema")
_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies")
_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")

# Keywords the 2020-12 meta-schemas constrain at all; any other keyword may hold any value.
_CONSTRAINED = frozenset(
    name
    for uri, resource in REGISTRY.items()
    if uri.startswith("https://json-schema.org/draft/2020-12/") and isinstance(resource.contents, Mapping)
    for name in resource.contents.get("properties", {})
)
_STRINGS = ("title", "description", "$comment", "pattern", "format", "contentEncoding", "contentMediaType",
            "$ref", "$dynamicRef", "$recursiveRef")
_NUMBERS = ("maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum")
_COUNTS = ("maxLength", "minLength", "maxItems", "minItems", "maxContains", "minContains",
           "maxProperties", "minProperties")
_BOOLS = ("uniqueItems", "deprecated", "readOnly", "writeOnly")
_ARRAYS = ("enum", "examples")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _canonical_value(key: str, value: Any) -> Any:
    """A stand-in with the same validity under the meta-schema, shared by many schemas."""
    if key in _STRINGS:
        return "" if isinstance(value, str) else value
    if key in _NUMBERS:
        return 0 if _is_number(value) else value
    if key == "multipleOf":
        return 1 if _is_number(value) and value > 0 else value
    if key in _COUNTS:
        return 0 if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else value
    if key in _BOOLS:
        return False if isinstance(value, bool) else value
    if key in _ARRAYS:
        return [] if isinstance(value, list) else value
    if key == "required" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [] if len(set(value)) == len(value) else value
    return value


def _shallow(node: Mapping[str, Any], pointer: str, todo: list[tuple[str, Any]]) -> dict[str, Any]:
    """The node with sub-schemas replaced by ``true`` (queued in ``todo``) and values canonicalized."""
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key not in _CONSTRAINED or key in ("default", "const"):
            continue  # unconstrained: any value is valid
        if key in _ONE and isinstance(value, Mapping | bool):
            out[key] = True
            todo.append((child_pointer(pointer, key), value))
        elif key in _MAPS and isinstance(value, Mapping):
            out[key] = _shallow_map(value, child_pointer(pointer, key), todo)
        elif key in _LISTS and isinstance(value, list):
            out[key] = _shallow_list(value, child_pointer(pointer, key), todo)
        else:
            out[key] = _canonical_value(key, value)
    return out


def _shallow_map(value: Mapping[str, Any], pointer: str, todo: list[tuple[str, Any]]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for name, sub in value.items():
        if isinstance(sub, Mapping | bool):
            todo.append((child_pointer(pointer, name), sub))
        else:
            kept[name] = sub  # not a schema: let the meta-schema say so
    return kept


def _shallow_list(value: list[Any], pointer: str, todo: list[tuple[str, Any]]) -> list[Any]:
    out: list[Any] = []
    for i, sub in enumerate(value):
        if isinstance(sub, Mapping | bool):
            todo.append((child_pointer(pointer, i), sub))
            out.append(True)
        else:
            out.append(sub)
    return out


def _key(value: Any) -> bytes | None:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return None


def _format_errors(errors: Any) -> tuple[tuple[tuple[str | int, ...], str], ...]:
    found = sorted(((tuple(e.absolute_path), e.message) for e in errors), key=lambda e: [str(p) for p in e[0]])
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=8192)
def _node_errors_cached(key: bytes) -> tuple[tuple[tuple[str | int, ...], str], ...]:
    return _format_errors(_META.iter_errors(orjson.loads(key)))


def _node_errors(shallow: dict[str, Any]) -> tuple[tuple[tuple[str | int, ...], str], ...]:
    key = _key(shallow)
    if key is None:
        return _format_errors(_META.iter_errors(shallow))
    return _node_errors_cached(key)


_DIALECT_VALIDATORS: dict[str, Any] = {}


def _validator_for_dialect(cls: type[Any]) -> Any:
    validator = _DIALECT_VALIDATORS.get(cls.__name__)
    if validator is None:
        validator = _DIALECT_VALIDATORS[cls.__name__] = cls(cls.META_SCHEMA)
    return validator


@lru_cache(maxsize=1024)
def _whole_errors_cached(name: str, key: bytes) -> tuple[tuple[tuple[str | int, ...], str], ...]:
    return _format_errors(_DIALECT_VALIDATORS[name].iter_errors(orjson.loads(key)))


def _at(pointer: str, path: tuple[str | int, ...]) -> str:
    for part in path:
        pointer = child_pointer(pointer, part)
    return pointer


def _dialect_errors(schema: Mapping[str, Any], pointer: str, cls: type[Any]) -> list[tuple[str, str]]:
    name = cls.__name__
    validator = _validator_for_dialect(cls)
    key = _key(schema)
    found = _whole_errors_cached(name, key) if key is not None else _format_errors(validator.iter_errors(schema))
    return [(_at(pointer, path), f"not a valid JSON Schema ({name}): {msg}") for path, msg in found]


def meta_schema_errors(schema: Any, pointer: str = "") -> list[tuple[str, str]]:
    """(pointer, message) for each way ``schema`` breaks its declared (default 2020-12) meta-schema."""
    try:
        cls = validators.validator_for(schema, default=Draft202012Validator)
    except Exception as exc:  # noqa: BLE001 - an unhashable or odd "$schema" value
        return [(pointer, f"schema could not be checked against a meta-schema: {exc}")]
    if cls is not Draft202012Validator or not isinstance(schema, Mapping):
        try:
            return _dialect_errors(schema, pointer, cls)
        except RecursionError:
            return [(pointer, f"schema nested too deeply to check against the {cls.__name__} meta-schema")]
    found: list[tuple[str, str]] = []
    todo: list[tuple[str, Any]] = [(pointer, schema)]
    seen: set[int] = set()  # a node shared (or, for Python objects, nested in itself) is checked once
    while todo:
        here, node = todo.pop()
        if isinstance(node, bool) or id(node) in seen:
            continue
        seen.add(id(node))
        for path, msg in _node_errors(_shallow(node, here, todo)):
            found.append((_at(here, path), f"not a valid JSON Schema (Draft202012Validator): {msg}"))
    return found
