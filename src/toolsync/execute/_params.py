"""
Parameter serialization by OpenAPI ``style`` and ``explode``.

Every function returns already percent-encoded text (headers excepted, which are validated
instead). Values are what a model sends: JSON scalars, flat arrays and flat objects.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote

import orjson

from ..errors import ArgumentError

__all__ = [
    "check_header_value",
    "is_dot_segment",
    "scalar_text",
    "serialize_cookie",
    "serialize_header",
    "serialize_path",
    "serialize_query",
]

# allowReserved keeps RFC 3986 reserved characters readable, except those that would change the
# query's structure: "&" and "=" would add parameters, "#" would end the URL, "+" reads as space.
_RESERVED_SAFE = ":/?[]@!$'()*,;"
# Field values may hold visible characters, spaces and tabs; every other control byte is refused.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def scalar_text(value: Any, where: str) -> str:
    """The text of a JSON scalar as it appears in a URL or header (``true``, ``3``, ``1.5``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value)
    if value is None:
        return ""
    raise ArgumentError(f"{where}: expected a string, number or boolean, got {type(value).__name__}")


def _enc(text: str, safe: str = "") -> str:
    return quote(text, safe=safe)


def _json_text(value: Any, where: str) -> str:
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError) as exc:
        raise ArgumentError(f"{where}: value cannot be written as JSON ({exc})") from exc


def _items(value: list[Any], where: str) -> list[str]:
    return [scalar_text(v, f"{where} item") for v in value]


def _pairs(value: Mapping[str, Any], where: str) -> list[tuple[str, str]]:
    return [(str(k), scalar_text(v, f"{where} property {k!r}")) for k, v in value.items()]


def is_dot_segment(text: str) -> bool:
    """True for ``.``/``..`` in any percent-encoded spelling (decoded until it no longer changes)."""
    for _ in range(8):
        if text in (".", ".."):
            return True
        decoded = unquote(text)
        if decoded == text:
            return False
        text = decoded
    return True  # still changing after eight rounds: refuse rather than guess


def serialize_path(name: str, value: Any, style: str, explode: bool, content_type: str | None) -> str:
    """A path parameter in ``simple``, ``label`` or ``matrix`` style."""
    where = f"path parameter {name!r}"
    if content_type:
        value = _json_text(value, where)
    if style == "matrix":
        return _matrix(name, value, explode, where)
    prefix, sep = ("", ",") if style != "label" else (".", "." if explode else ",")
    if isinstance(value, list):
        return prefix + sep.join(_enc(v) for v in _items(value, where))
    if isinstance(value, Mapping):
        pairs = _pairs(value, where)
        if explode:
            return prefix + sep.join(f"{_enc(k)}={_enc(v)}" for k, v in pairs)
        return prefix + ",".join(_enc(part) for pair in pairs for part in pair)
    text = scalar_text(value, where)
    if is_dot_segment(text):
        raise ArgumentError(
            f"{where}: {text!r} is a relative path segment and would change the path; send a real value"
        )
    if not text and style == "simple":
        raise ArgumentError(f"{where}: an empty value would change the path; send a non-empty value")
    return prefix + _enc(text)


def _matrix(name: str, value: Any, explode: bool, where: str) -> str:
    key = _enc(name)
    if isinstance(value, list):
        items = [_enc(v) for v in _items(value, where)]
        return "".join(f";{key}={v}" for v in items) if explode else f";{key}=" + ",".join(items)
    if isinstance(value, Mapping):
        pairs = _pairs(value, where)
        if explode:
            return "".join(f";{_enc(k)}={_enc(v)}" for k, v in pairs)
        return f";{key}=" + ",".join(_enc(part) for pair in pairs for part in pair)
    text = scalar_text(value, where)
    return f";{key}={_enc(text)}" if text else f";{key}"


def serialize_query(
    name: str,
    value: Any,
    style: str,
    explode: bool,
    *,
    allow_reserved: bool = False,
    content_type: str | None = None,
) -> list[str]:
    """``key=value`` pieces for a query string (or a form body) in any OpenAPI style."""
    where = f"query parameter {name!r}"
    safe = _RESERVED_SAFE if allow_reserved else ""
    key = _enc(name)
    if content_type:
        return [f"{key}={_enc(_json_text(value, where), safe)}"]
    if style == "deepObject" and isinstance(value, Mapping):
        return _deep(key, value, safe, where)
    if isinstance(value, list):
        items = [_enc(v, safe) for v in _items(value, where)]
        if explode:
            return [f"{key}={v}" for v in items]
        return [f"{key}=" + _delimiter(style).join(items)]
    if isinstance(value, Mapping):
        pairs = _pairs(value, where)
        if explode:
            return [f"{_enc(k)}={_enc(v, safe)}" for k, v in pairs]
        return [f"{key}=" + _delimiter(style).join(_enc(p, safe) for pair in pairs for p in pair)]
    return [f"{key}={_enc(scalar_text(value, where), safe)}"]


def _delimiter(style: str) -> str:
    return {"spaceDelimited": "%20", "pipeDelimited": "%7C"}.get(style, ",")


def _deep(key: str, value: Mapping[str, Any], safe: str, where: str) -> list[str]:
    out: list[str] = []
    for prop, item in value.items():
        sub = f"{key}%5B{_enc(str(prop))}%5D"
        if isinstance(item, Mapping):
            out.extend(_deep(sub, item, safe, where))
        elif isinstance(item, list):
            out.extend(f"{sub}={_enc(v, safe)}" for v in _items(item, where))
        else:
            out.append(f"{sub}={_enc(scalar_text(item, where), safe)}")
    return out


def check_header_value(text: str, where: str) -> str:
    """Refuse CR, LF, NUL and other control characters, and anything outside Latin-1."""
    if _CONTROL.search(text):
        raise ArgumentError(f"{where}: control characters (CR, LF, NUL, …) are not allowed in a header")
    try:
        text.encode("latin-1")
    except UnicodeEncodeError as exc:
        raise ArgumentError(f"{where}: only Latin-1 characters can be sent in a header") from exc
    return text


def serialize_header(name: str, value: Any, explode: bool, content_type: str | None) -> str:
    """A header parameter in ``simple`` style, unencoded but validated."""
    where = f"header {name!r}"
    if content_type:
        return check_header_value(_json_text(value, where), where)
    if isinstance(value, list):
        text = ",".join(_items(value, where))
    elif isinstance(value, Mapping):
        pairs = _pairs(value, where)
        text = ",".join(f"{k}={v}" for k, v in pairs) if explode else ",".join(p for kv in pairs for p in kv)
    else:
        text = scalar_text(value, where)
    return check_header_value(text, where)


def serialize_cookie(name: str, value: Any, explode: bool, content_type: str | None) -> list[str]:
    """``name=value`` pieces of a Cookie header in ``form`` style, values percent-encoded."""
    where = f"cookie {name!r}"
    key = _enc(name)
    if content_type:
        return [f"{key}={_enc(_json_text(value, where))}"]
    texts = _cookie_texts(value, where)
    for text in texts:
        check_header_value(text, where)
    if isinstance(value, list) and explode:
        return [f"{key}={_enc(t)}" for t in texts]
    if isinstance(value, Mapping) and explode:
        return [f"{_enc(k)}={_enc(v)}" for k, v in _pairs(value, where)]
    return [f"{key}=" + ",".join(_enc(t) for t in texts)]


def _cookie_texts(value: Any, where: str) -> list[str]:
    if isinstance(value, list):
        return _items(value, where)
    if isinstance(value, Mapping):
        return [p for kv in _pairs(value, where) for p in kv]
    return [scalar_text(value, where)]
