"""
JSON forms of the values a store keeps: tools (with their operation), spec configs and spec entries.

One generic codec, driven by each dataclass's type hints, so that a field added later (with a
default) round-trips without touching this module: dataclasses become objects (fields at their
default are left out), tuples become arrays, enums their values; fields typed ``Any`` (schemas,
extensions) are JSON already and pass through untouched. Decoding reverses it and ignores fields
it does not know, so a newer file stays readable by an older toolsync.

Example:
    >>> tool_from_json(tool_to_json(tool)) == tool  # doctest: +SKIP
    True
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import hashlib
import types
import typing
from collections.abc import Callable, Hashable, Iterator, Mapping
from enum import Enum
from functools import cache
from typing import Any, Literal, Union, cast, get_args, get_origin

import orjson

from ..config import SpecConfig
from ..errors import StoreCorruptError
from ..tool import Tool

__all__ = [
    "PAYLOAD_FORMAT",
    "config_from_dict",
    "config_to_dict",
    "decode",
    "dumps",
    "encode",
    "load_object",
    "payload_hash",
    "share",
    "sharing",
    "tool_from_dict",
    "tool_from_json",
    "tool_to_dict",
    "tool_to_json",
]

PAYLOAD_FORMAT = 1
_Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]]
_MISSING = object()


def _identity(value: Any) -> Any:
    return value


# Decoding many tools at once (a restore) shares equal JSON objects between them, at every depth, as
# the loader does: responses and output schemas repeat across operations and share their parts, and
# copies would multiply memory (GitHub's spec restored: 124k containers instead of 34k, 4x the memory).
# The table maps a digest of a container's JSON text (key order and ``1``/``1.0``/``true`` told apart)
# to the copy kept. It is looked up top-down, so a subtree decoded before costs one serialization, in C.
_SHARED: contextvars.ContextVar[dict[bytes, Any] | None] = contextvars.ContextVar("_SHARED", default=None)


def _intern(value: Any, table: dict[bytes, Any]) -> Any:
    """``value`` (freshly decoded JSON, changed in place) with every container replaced by its kept copy."""
    key = hashlib.blake2b(orjson.dumps(value), digest_size=16).digest()
    kept = table.get(key)
    if kept is not None:
        return kept  # an equal value was decoded before: one look settles the whole subtree
    if value.__class__ is dict:
        for name, item in value.items():
            if (item.__class__ is dict or item.__class__ is list) and item:
                value[name] = _intern(item, table)
    else:
        for i, item in enumerate(value):
            if (item.__class__ is dict or item.__class__ is list) and item:
                value[i] = _intern(item, table)
    table[key] = value
    return value


def _shared(value: Any) -> Any:
    value = value if type(value) is dict else dict(value)
    return share(value)


def share(value: Any) -> Any:
    """``value`` (decoded JSON), or an equal one decoded earlier inside :func:`sharing`, parts included."""
    table = _SHARED.get()
    if table is None or not (value.__class__ is dict or value.__class__ is list) or not value:
        return value
    try:
        return _intern(value, table)
    except (RecursionError, TypeError):  # nested too deeply, or a value JSON does not make: kept as it is
        return value


@contextlib.contextmanager
def sharing() -> Iterator[None]:
    """Within this block, equal JSON values decoded by this module are one object, at every depth."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def _plain(value: Any) -> Any:
    """A JSON value passed through; mappings that are not dicts become dicts for orjson."""
    return dict(value) if isinstance(value, Mapping) and not isinstance(value, dict) else value


def _to_float(value: Any) -> float:
    return float(value)


@cache
def codec(tp: Any) -> _Codec:
    """The (encode, decode) pair for a type annotation."""
    if tp is Any or isinstance(tp, typing.TypeVar):
        return _plain, share
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _dataclass_codec(tp)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return (lambda v: v.value if isinstance(v, Enum) else v), tp
    if tp is float:
        return _identity, _to_float
    if isinstance(tp, type):
        return _identity, _identity
    return _generic_codec(tp)


def _generic_codec(tp: Any) -> _Codec:
    origin, args = get_origin(tp), get_args(tp)
    if origin in (Union, types.UnionType):
        return _optional_codec(args)
    if origin is tuple:
        return _tuple_codec(args)
    if origin is list:
        enc, dec = codec(args[0]) if args else (_plain, _identity)
        return (lambda v: [enc(x) for x in v]), (lambda v: [dec(x) for x in v])
    if origin in (dict, Mapping) or (isinstance(origin, type) and issubclass(origin, Mapping)):
        return _mapping_codec(args[1] if len(args) == 2 else Any)
    if origin is Literal:
        return _identity, _identity
    return _plain, _identity


def _optional_codec(args: tuple[Any, ...]) -> _Codec:
    present = [a for a in args if a is not type(None)]
    if len(present) != 1:
        # A union of several real types (str | int) holds JSON scalars in practice.
        return _plain, _identity
    enc, dec = codec(present[0])
    return (lambda v: None if v is None else enc(v)), (lambda v: None if v is None else dec(v))


def _tuple_codec(args: tuple[Any, ...]) -> _Codec:
    if len(args) == 2 and args[1] is Ellipsis:
        enc, dec = codec(args[0])
        return (lambda v: [enc(x) for x in v]), (lambda v: tuple(dec(x) for x in v))
    pairs = [codec(a) for a in args]
    return ((lambda v: [p[0](x) for p, x in zip(pairs, v, strict=False)]),
            (lambda v: tuple(p[1](x) for p, x in zip(pairs, v, strict=False))))


def _mapping_codec(value_type: Any) -> _Codec:
    enc, dec = codec(value_type)
    if enc is _plain and dec is share:
        return _plain, _shared
    return (lambda v: {k: enc(x) for k, x in v.items()}), (lambda v: {k: dec(x) for k, x in v.items()})


def _dataclass_codec(cls: type) -> _Codec:
    hints = typing.get_type_hints(cls)
    fields = [f for f in dataclasses.fields(cls) if f.init]
    codecs = {f.name: codec(hints[f.name]) for f in fields}
    defaults = {f.name: _default_of(f) for f in fields}

    def enc(value: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, (encode_field, _) in codecs.items():
            item = getattr(value, name)
            if not _same(item, defaults[name]):
                out[name] = encode_field(item)
        return out

    def dec(data: Any) -> Any:
        if not isinstance(data, Mapping):
            raise TypeError(f"{cls.__name__} must be a JSON object, not {type(data).__name__}")
        return cls(**{k: codecs[k][1](v) for k, v in data.items() if k in codecs})

    return enc, dec


def _default_of(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return _MISSING


def _same(value: Any, default: Any) -> bool:
    if default is _MISSING:
        return False
    try:
        return bool(value == default) and type(value) is type(default)
    except Exception:  # noqa: BLE001 - an exotic __eq__ must not stop a save: keep the value
        return False


def encode(value: Any) -> Any:
    """The JSON-ready form of a dataclass value (``Tool``, ``SpecConfig``, ``SpecEntry`` …)."""
    encoder: Callable[[Any], Any] = codec(cast(Hashable, type(value)))[0]
    return encoder(value)


def decode(tp: type[Any], data: Any) -> Any:
    """
    The value of type ``tp`` rebuilt from :func:`encode`'s output.

    Raises:
        StoreCorruptError: ``data`` does not have the shape of a ``tp``.
    """
    decoder: Callable[[Any], Any] = codec(cast(Hashable, tp))[1]
    try:
        return decoder(data)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise StoreCorruptError(f"a stored {getattr(tp, '__name__', tp)} cannot be read back: {exc}") from exc


def dumps(value: Any) -> bytes:
    """Canonical JSON bytes (sorted keys) of a JSON-ready value."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=_fallback)


def _fallback(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def tool_to_dict(tool: Tool) -> dict[str, Any]:
    """A JSON-ready dict of the tool, its operation and its bindings."""
    out: dict[str, Any] = encode(tool)
    return out


def tool_from_dict(data: Mapping[str, Any]) -> Tool:
    """The tool :func:`tool_to_dict` described. Raises ``StoreCorruptError`` on a malformed record."""
    tool: Tool = decode(Tool, data)
    return tool


def tool_to_json(tool: Tool) -> bytes:
    return dumps(tool_to_dict(tool))


def tool_from_json(data: bytes | str) -> Tool:
    return tool_from_dict(load_object(data, "tool"))


def config_to_dict(config: SpecConfig) -> dict[str, Any]:
    out: dict[str, Any] = encode(config)
    return out


def config_from_dict(data: Mapping[str, Any]) -> SpecConfig:
    config: SpecConfig = decode(SpecConfig, data)
    return config


def payload_hash(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def load_object(data: bytes | str, what: str) -> dict[str, Any]:
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise StoreCorruptError(f"a stored {what} is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise StoreCorruptError(f"a stored {what} is not a JSON object")
    return value
