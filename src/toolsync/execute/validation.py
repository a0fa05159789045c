"""
Check a model's arguments against the tool's input schema before anything is sent.

Problems come back as short sentences for the model to correct, never as exceptions: a bad
call is answered with an ``invalid_arguments`` result and no request is made.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import SchemaError, UnknownType, ValidationError
from referencing.exceptions import Unresolvable

from ..tool import Tool
from .config import DEFAULT_MAX_ARGUMENT_BYTES

__all__ = ["validate_arguments"]

_CACHE_SIZE = 512
_MAX_PROBLEMS = 20
_MAX_MESSAGE = 300


def _lenient_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    """Like ``pattern``, but a regex Python cannot compile is skipped instead of failing every call."""
    if not isinstance(instance, str):
        return
    try:
        found = re.search(pattern, instance)
    except re.error:
        return
    if found is None:
        yield ValidationError(f"{_clip(instance)!r} does not match {pattern!r}")


_Validator = validators.extend(Draft202012Validator, {"pattern": _lenient_pattern})
_validators: OrderedDict[str, Any] = OrderedDict()
_lock = threading.Lock()


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _schema_key(tool: Tool) -> str:
    if tool.content_hash:
        return tool.content_hash
    return hashlib.sha256(orjson.dumps(tool.input_schema, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _validator(tool: Tool) -> Any:
    key = _schema_key(tool)
    with _lock:
        found = _validators.get(key)
        if found is not None:
            _validators.move_to_end(key)
            return found
    made = _Validator(tool.input_schema, format_checker=FormatChecker())
    with _lock:
        _validators[key] = made
        while len(_validators) > _CACHE_SIZE:
            _validators.popitem(last=False)
    return made


def validate_arguments(
    tool: Tool, arguments: Any, *, max_bytes: int = DEFAULT_MAX_ARGUMENT_BYTES
) -> list[str]:
    """
    Problems with ``arguments`` for ``tool``; an empty list means they may be sent.

    Checks, in order: it is an object, its JSON size is at most ``max_bytes``, every field is
    one the tool declares, and the JSON Schema (2020-12, formats checked) accepts it.

    Example::

        validate_arguments(list_pets, {"limit": "ten"})
        # ["at /limit: 'ten' is not of type 'integer'"]
    """
    if not isinstance(arguments, Mapping):
        return [f"arguments must be a JSON object, got {type(arguments).__name__}"]
    try:
        size = len(orjson.dumps(arguments))
    except (TypeError, orjson.JSONEncodeError) as exc:
        return [f"arguments are not plain JSON ({exc})"]
    if size > max_bytes:
        return [f"arguments are {size} bytes of JSON; the limit is {max_bytes} bytes"]
    problems = _unknown_fields(tool, arguments)
    return problems + _schema_problems(tool, arguments, skip_extra=bool(problems))


def _unknown_fields(tool: Tool, arguments: Mapping[str, Any]) -> list[str]:
    declared = tool.input_schema.get("properties", {})
    unknown = [name for name in arguments if name not in declared]
    if not unknown:
        return []
    accepted = ", ".join(sorted(declared)) or "none"
    return [f"unknown argument {_clip(str(n))!r}; this tool accepts: {accepted}" for n in unknown[:_MAX_PROBLEMS]]


def _schema_problems(tool: Tool, arguments: Mapping[str, Any], *, skip_extra: bool) -> list[str]:
    try:
        errors = sorted(_validator(tool).iter_errors(dict(arguments)), key=lambda e: list(e.absolute_path))
    except (SchemaError, UnknownType, Unresolvable) as exc:
        return [f"the tool's input schema is invalid and calls cannot be checked: {exc}"]
    if skip_extra:  # already reported, one line per unknown field
        errors = [e for e in errors if e.absolute_path or e.validator != "additionalProperties"]
    out = []
    for error in errors[:_MAX_PROBLEMS]:
        where = "/" + "/".join(str(p) for p in error.absolute_path)
        message = error.message if len(error.message) <= _MAX_MESSAGE else error.message[:_MAX_MESSAGE] + "…"
        out.append(f"at {where}: {message}")
    return out
