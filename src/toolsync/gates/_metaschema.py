"""
Is a dict a valid JSON Schema? Checked against its meta-schema, fast enough for thousands of tools.

Validating a whole schema against the draft 2020-12 meta-schema costs milliseconds with ``jsonschema``
(every level goes through ``$dynamicRef``). A schema is valid exactly when each of its sub-schemas is
valid on its own with its sub-schemas replaced by ``true``, so each node is checked alone, after values
whose validity only depends on their type are replaced by a canonical value of that type. Nodes then
repeat a lot (``{"type": "string", "description": ""}``) and the result of each is cached; a new node is
checked keyword by keyword (the meta-schemas never tie two keywords together), each keyword cached too.
Inside ``shared_schemas()`` a root schema's findings are kept by identity, so a parameters object shared by
several tools or providers is checked once.
Other dialects (a root ``$schema`` naming draft 4, 6, 7 or 2019-09) are validated whole, and cached whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any, Final

import orjson
from jsonschema import Draft202012Validator, validators
from jsonschema_specifications import REGISTRY  # type: ignore[import-untyped]

from ._memo import CLEAN, RESULTS
from ._schema import child_pointer, is_mapping

__all__ = ["meta_schema_errors", "shared_schemas"]

_DRAFT_2020_12: Final = "https://json-schema.org/draft/2020-12/schema"
_META: Final = Draft202012Validator(Draft202012Validator.META_SCHEMA)

# Keywords whose value is one schema / a map of schemas / a list of schemas in the 2020-12 meta-schema.
_ONE: Final = ("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames",
               "unevaluatedProperties", "unevaluatedItems", "contentSchema")
_MAPS: Final = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies")
_LISTS: Final = ("allOf", "anyOf", "oneOf", "prefixItems")
_ONE_SET: Final = frozenset(_ONE)
_MAPS_SET: Final = frozenset(_MAPS)
_LISTS_SET: Final = frozenset(_LISTS)
_APPLICATORS: Final = _ONE_SET | _MAPS_SET | _LISTS_SET

# Keywords the 2020-12 meta-schemas constrain at all; any other keyword may hold any value.
_CONSTRAINED: Final = frozenset(
    name
    for uri, resource in REGISTRY.items()
    if uri.startswith("https://json-schema.org/draft/2020-12/") and is_mapping(resource.contents)
    for name in resource.contents.get("properties", {})
)
_STRINGS: Final = ("title", "description", "$comment", "pattern", "format", "contentEncoding", "contentMediaType",
                   "$ref", "$dynamicRef", "$recursiveRef")
_NUMBERS: Final = ("maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum")
_COUNTS: Final = ("maxLength", "minLength", "maxItems", "minItems", "maxContains", "minContains",
                  "maxProperties", "minProperties")
_BOOLS: Final = ("uniqueItems", "deprecated", "readOnly", "writeOnly")
_ARRAYS: Final = ("enum", "examples")

Path = tuple[str | int, ...]
Errors = tuple[tuple[Path, str], ...]
# A path kept as linked (key, parent) pairs, spelled out only when an error needs it.
_Link = tuple[Any, Any] | None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_schema(value: Any) -> bool:
    return type(value) is bool or is_mapping(value)


def _string(value: Any) -> Any:
    return "" if isinstance(value, str) else value


def _number(value: Any) -> Any:
    return 0 if _is_number(value) else value


def _multiple_of(value: Any) -> Any:
    return 1 if _is_number(value) and value > 0 else value


def _count(value: Any) -> Any:
    return 0 if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else value


def _boolean(value: Any) -> Any:
    return False if isinstance(value, bool) else value


def _array(value: Any) -> Any:
    return [] if isinstance(value, list) else value


def _required(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value) and len(set(value)) == len(value):
        return []
    return value


def _kept(value: Any) -> Any:
    return value


# Each constrained keyword's value is replaced by a stand-in with the same validity, so that many
# schemas share one cache entry. Keywords the meta-schema does not constrain are left out entirely.
_CANONICAL: Final[dict[str, Any]] = {
    **dict.fromkeys(_CONSTRAINED, _kept), **dict.fromkeys(_STRINGS, _string), **dict.fromkeys(_NUMBERS, _number),
    **dict.fromkeys(_COUNTS, _count), **dict.fromkeys(_BOOLS, _boolean), **dict.fromkeys(_ARRAYS, _array),
    "multipleOf": _multiple_of, "required": _required,
}
for _unconstrained in ("default", "const"):
    _CANONICAL.pop(_unconstrained, None)


def _shallow(node: Mapping[Any, Any], link: _Link, todo: list[tuple[Any, _Link]]) -> dict[str, Any]:
    """The node with sub-schemas replaced by ``true`` (queued in ``todo``) and values canonicalized."""
    out: dict[str, Any] = {}
    for key, value in node.items():
        canonical = _CANONICAL.get(key)
        if canonical is None:
            continue  # unconstrained: any value is valid
        if key in _APPLICATORS:
            if key in _ONE_SET and _is_schema(value):
                out[key] = True
                todo.append((value, (key, link)))
                continue
            if key in _MAPS_SET and is_mapping(value):
                out[key] = _shallow_map(value, (key, link), todo)
                continue
            if key in _LISTS_SET and isinstance(value, list):
                out[key] = _shallow_list(value, (key, link), todo)
                continue
        out[key] = canonical(value)
    return out


def _shallow_map(value: Mapping[Any, Any], link: _Link, todo: list[tuple[Any, _Link]]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for name, sub in value.items():
        if _is_schema(sub):
            todo.append((sub, (name, link)))
        else:
            kept[name] = sub  # not a schema: let the meta-schema say so
    return kept


def _shallow_list(value: list[Any], link: _Link, todo: list[tuple[Any, _Link]]) -> list[Any]:
    out: list[Any] = []
    for i, sub in enumerate(value):
        if _is_schema(sub):
            todo.append((sub, (i, link)))
            out.append(True)
        else:
            out.append(sub)
    return out


def _spell(link: _Link) -> Path:
    parts: list[str | int] = []
    while link is not None:
        parts.append(link[0])
        link = link[1]
    return tuple(reversed(parts))


def _key(value: Any) -> bytes | None:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        return None


def _format_errors(errors: Any) -> Errors:
    found = sorted(((tuple(e.absolute_path), e.message) for e in errors), key=_path_order)
    return tuple(dict.fromkeys(found))


def _path_order(error: tuple[Path, str]) -> list[str]:
    return [str(p) for p in error[0]]


@lru_cache(maxsize=8192)
def _node_errors_cached(key: bytes) -> Errors:
    # The 2020-12 meta-schemas constrain each keyword on its own (no rule ties two keywords together),
    # so a node's errors are its keywords' errors, and far fewer (keyword, value) pairs are distinct.
    found = [error for name, value in orjson.loads(key).items() for error in _keyword_errors(_key({name: value}))]
    return tuple(sorted(found, key=_path_order))


@lru_cache(maxsize=8192)
def _keyword_errors(key: bytes | None) -> Errors:
    return _format_errors(_META.iter_errors(orjson.loads(key))) if key is not None else ()


def _node_errors(shallow: dict[str, Any]) -> Errors:
    key = _key(shallow)
    if key is None:
        return _format_errors(_META.iter_errors(shallow))
    return _node_errors_cached(key)


# The common keywords with a test that settles validity on the spot. A node whose constrained keywords
# all pass is valid without building its canonical form (most nodes of real schemas); anything else,
# or any doubt (a float count, a keyword without a test here), goes to the meta-schema.
_SIMPLE_TYPES: Final = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})
_F_STRING: Final = 0
_F_NUMBER: Final = 1
_F_COUNT: Final = 2
_F_BOOL: Final = 3
_F_ARRAY: Final = 4
_F_TYPE: Final = 5
_F_REQUIRED: Final = 6
_F_MULTIPLE: Final = 7
_F_ONE: Final = 8
_F_MAP: Final = 9
_F_LIST: Final = 10
_FAST: Final[dict[str, int]] = {
    **dict.fromkeys(("title", "description", "$comment", "pattern", "format", "contentEncoding",
                            "contentMediaType", "$ref", "$schema", "$dynamicRef", "$recursiveRef"), _F_STRING),
    **dict.fromkeys(_NUMBERS, _F_NUMBER), **dict.fromkeys(_COUNTS, _F_COUNT), **dict.fromkeys(_BOOLS, _F_BOOL),
    **dict.fromkeys(_ARRAYS, _F_ARRAY), "type": _F_TYPE, "required": _F_REQUIRED, "multipleOf": _F_MULTIPLE,
    **dict.fromkeys(_ONE, _F_ONE), **dict.fromkeys(_MAPS, _F_MAP), **dict.fromkeys(_LISTS, _F_LIST),
}
_FAST.pop("dependencies")  # its values may be schemas or string arrays: left to the meta-schema


def _fast_valid(node: dict[Any, Any], todo: list[Any]) -> bool:
    """True when every constrained keyword of ``node`` is plainly valid; its sub-schemas that are dicts are
    queued in ``todo`` (those met before a refusal too: the caller then gives up on the whole walk)."""
    for key, value in node.items():
        rule = _FAST.get(key)
        if rule is None:
            if key in _CANONICAL:
                return False
            continue
        kind = type(value)
        if rule == _F_STRING:
            if kind is not str:
                return False
        elif rule == _F_ONE:
            if kind is dict:
                todo.append(value)
            elif kind is not bool:
                return False
        elif rule == _F_MAP:
            if kind is not dict or not _schemas_queued(value.values(), todo):
                return False
        elif rule == _F_LIST:  # a non-empty list of schemas
            if kind is not list or not value or not _schemas_queued(value, todo):
                return False
        elif rule == _F_TYPE:
            if kind is str:
                if value not in _SIMPLE_TYPES:
                    return False
            elif not (kind is list and value and all(type(t) is str and t in _SIMPLE_TYPES for t in value)
                      and len(set(value)) == len(value)):
                return False
        elif rule == _F_NUMBER:
            if kind is not int and kind is not float:
                return False
        elif rule == _F_COUNT:
            if kind is not int or value < 0:
                return False
        elif rule == _F_BOOL:
            if kind is not bool:
                return False
        elif rule == _F_ARRAY:
            if kind is not list:
                return False
        elif rule == _F_REQUIRED:
            if not (kind is list and all(type(r) is str for r in value) and len(set(value)) == len(value)):
                return False
        elif not ((kind is int or kind is float) and value > 0):  # _F_MULTIPLE
            return False
    return True


def _schemas_queued(subs: Iterable[Any], todo: list[Any]) -> bool:
    """True when each of ``subs`` is a schema; the dicts among them are queued in ``todo``."""
    for sub in subs:
        if type(sub) is dict:
            todo.append(sub)
        elif type(sub) is not bool:
            return False
    return True


def _all_fast_valid(schema: dict[Any, Any], valid: dict[int, Any] | None) -> bool:
    """
    True when every node of ``schema`` passes :func:`_fast_valid`; those nodes are then remembered in ``valid``.

    No paths are kept: nearly every schema passes, and one that does not is walked again by
    :func:`_decomposed`'s slow path, which spells out where each error is.
    """
    todo: list[Any] = [schema]
    seen: set[int] = set()  # a node shared (or, for Python objects, nested in itself) is checked once
    visited: list[Any] = []
    while todo:
        node = todo.pop()
        key = id(node)
        if valid is not None and valid.get(key) is node:  # first: most nodes of a spec's tools are shared
            continue
        if key in seen:
            continue
        seen.add(key)
        if not _fast_valid(node, todo):
            return False
        visited.append(node)
    if valid is not None:
        for node in visited:
            valid[id(node)] = node
    return True


# Inside ``shared_schemas()``: sub-schemas (by identity) whose whole subtree was found valid, kept alive
# by the map itself so that an id is never reused for another object while it is in there.
_VALID_SUBTREES: Final[ContextVar[dict[int, Any] | None]] = ContextVar("toolsync_gate_valid_subtrees", default=None)
# Inside ``shared_schemas()``: a root schema's findings (pointers relative to it), by identity, pinned.
_ROOT_ERRORS: Final[ContextVar[dict[int, tuple[Any, list[tuple[str, str]]]] | None]] = ContextVar(
    "toolsync_gate_root_errors", default=None)


@contextmanager
def shared_schemas() -> Iterator[None]:
    """
    Within the block, schema objects are read-only: a sub-schema found valid once is not checked again.

    Rendered tools share most of their sub-schemas (a response schema used by many operations, the
    same parameters object in two OpenAI formats), so checking a whole spec's tools inside one block
    checks each shared sub-schema once. Do not change a schema between two checks in the block.
    """
    tokens = (_VALID_SUBTREES.set({}), _ROOT_ERRORS.set({}), RESULTS.set({}), CLEAN.set({}))
    try:
        yield
    finally:
        CLEAN.reset(tokens[3])
        RESULTS.reset(tokens[2])
        _ROOT_ERRORS.reset(tokens[1])
        _VALID_SUBTREES.reset(tokens[0])


def _decomposed(schema: Mapping[Any, Any]) -> Errors:
    valid = _VALID_SUBTREES.get()
    if type(schema) is dict and _all_fast_valid(schema, valid):
        return ()
    # The slow path: every node against the meta-schema (cached by canonical form), with its path.
    found: list[tuple[Path, str]] = []
    todo: list[tuple[Any, _Link]] = [(schema, None)]
    seen: set[int] = set()
    visited: list[Any] = []
    while todo:
        node, link = todo.pop()
        if type(node) is bool or id(node) in seen:
            continue
        seen.add(id(node))
        if valid is not None and valid.get(id(node)) is node:
            continue
        visited.append(node)
        errors = _node_errors(_shallow(node, link, todo))
        if errors:
            base = _spell(link)
            found.extend((base + path, message) for path, message in errors)
    if valid is not None and not found:
        valid.update((id(node), node) for node in visited)
    return tuple(found)


_DIALECT_VALIDATORS: Final[dict[str, Any]] = {}


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
    memo = _ROOT_ERRORS.get()
    if memo is None:
        return _meta_schema_errors(schema, pointer)
    hit = memo.get(id(schema))
    if hit is None or hit[0] is not schema:
        hit = memo[id(schema)] = (schema, _meta_schema_errors(schema, ""))
    return [(pointer + where, message) for where, message in hit[1]]


def _meta_schema_errors(schema: Any, pointer: str) -> list[tuple[str, str]]:
    if type(schema) is dict and "$schema" not in schema:  # what validators.validator_for answers, without the call
        return [(_at(pointer, path), f"not a valid JSON Schema (Draft202012Validator): {message}")
                for path, message in _decomposed(schema)]
    try:
        cls = validators.validator_for(schema, default=Draft202012Validator)
    except Exception as exc:  # noqa: BLE001 - an unhashable or odd "$schema" value
        return [(pointer, f"schema could not be checked against a meta-schema: {exc}")]
    if cls is not Draft202012Validator or not is_mapping(schema):
        try:
            return _dialect_errors(schema, pointer, cls)
        except RecursionError:
            return [(pointer, f"schema nested too deeply to check against the {cls.__name__} meta-schema")]
    return [(_at(pointer, path), f"not a valid JSON Schema (Draft202012Validator): {message}")
            for path, message in _decomposed(schema)]
