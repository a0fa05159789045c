"""
Request bodies: JSON, form-urlencoded, multipart, text and binary.

Binary content arrives from a model as base64 text (optionally a ``data:`` URL, whose ``name=``
parameter becomes the file name) and is decoded here.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import orjson

from ..errors import ArgumentError
from ..ir import JsonSchema, MediaType
from ._params import scalar_text, serialize_query

__all__ = ["EncodedBody", "encode_body", "is_json_media"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class EncodedBody:
    content: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class _Binary:
    data: bytes
    filename: str | None
    media_type: str | None


def is_json_media(media_type: str) -> bool:
    """``application/json`` and every ``+json`` type (``application/problem+json``…)."""
    base = media_type.split(";", 1)[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


def encode_body(value: Any, media: MediaType, tool_schema: JsonSchema | None = None) -> EncodedBody:
    """Serialize ``value`` as ``media`` says; ``tool_schema`` is the body's schema in the tool."""
    kind = media.media_type.split(";", 1)[0].strip().lower()
    if is_json_media(kind):
        return EncodedBody(_json(value, "request body"), media.media_type)
    if kind == "application/x-www-form-urlencoded":
        return EncodedBody(_form(_object(value), media).encode(), media.media_type)
    if kind.startswith("multipart/"):
        return _multipart(_object(value), media, tool_schema or {})
    if kind.startswith("text/") or kind.endswith("xml"):
        text = value if isinstance(value, str) else _json(value, "request body").decode()
        charset = "" if "charset=" in media.media_type else "; charset=utf-8"
        return EncodedBody(text.encode(), media.media_type + charset)
    return EncodedBody(_binary(value, "request body").data, media.media_type)


def _object(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ArgumentError(f"request body: expected an object of fields, got {type(value).__name__}")
    return value


def _json(value: Any, where: str) -> bytes:
    try:
        return orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError) as exc:
        raise ArgumentError(f"{where}: value cannot be written as JSON ({exc})") from exc


def _form(fields: Mapping[str, Any], media: MediaType) -> str:
    pieces: list[str] = []
    for name, value in fields.items():
        enc = media.encoding.get(name, {})
        content_type = enc.get("contentType")
        json_part = isinstance(content_type, str) and is_json_media(content_type)
        style = str(enc.get("style", "form"))
        explode = bool(enc.get("explode", style == "form"))
        pieces += serialize_query(
            name, value, style, explode,
            allow_reserved=bool(enc.get("allowReserved", False)),
            content_type="application/json" if json_part else None,
        )
    return "&".join(pieces)


def _binary(value: Any, where: str) -> _Binary:
    if not isinstance(value, str):
        raise ArgumentError(f"{where}: binary content must be a base64 string, got {type(value).__name__}")
    filename = media_type = None
    if value.startswith("data:") and "," in value:
        header, value = value[5:].split(",", 1)
        params = header.split(";")
        media_type = params[0] or None
        names = [p[5:] for p in params[1:] if p.startswith("name=")]
        filename = unquote(names[0]) if names else None
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ArgumentError(f"{where}: binary content is not valid base64 ({exc})") from exc
    return _Binary(data, filename, media_type)


def _is_binary(spec_schema: JsonSchema, tool_schema: JsonSchema) -> bool:
    if spec_schema.get("format") == "binary":
        return True
    if "contentMediaType" in spec_schema and "contentEncoding" not in spec_schema:
        return True
    # The tool asks the model for base64 where the API wants raw bytes.
    return tool_schema.get("contentEncoding") == "base64" and "contentEncoding" not in spec_schema


def _multipart(fields: Mapping[str, Any], media: MediaType, tool_schema: JsonSchema) -> EncodedBody:
    spec_props = media.schema.get("properties", {})
    tool_props = tool_schema.get("properties", {})
    parts: list[bytes] = []
    for name, value in fields.items():
        spec_prop: JsonSchema = spec_props.get(name, {})
        tool_prop: JsonSchema = tool_props.get(name, {})
        forced = media.encoding.get(name, {}).get("contentType")
        if isinstance(value, list) and spec_prop.get("type") == "array":
            spec_prop, tool_prop = spec_prop.get("items", {}), tool_prop.get("items", {})
            parts += [_part(name, item, spec_prop, tool_prop, forced) for item in value]
        else:
            parts.append(_part(name, value, spec_prop, tool_prop, forced))
    boundary = "toolsync-" + hashlib.sha256(b"".join(parts)).hexdigest()[:32]
    delimiter = f"--{boundary}\r\n".encode()
    body = b"".join(delimiter + p for p in parts) + f"--{boundary}--\r\n".encode()
    return EncodedBody(body, f"multipart/form-data; boundary={boundary}")


def _part(name: str, value: Any, spec_prop: JsonSchema, tool_prop: JsonSchema, forced: Any) -> bytes:
    where = f"multipart field {name!r}"
    filename: str | None = None
    if _is_binary(spec_prop, tool_prop):
        blob = _binary(value, where)
        data, filename = blob.data, blob.filename or name
        default_type = blob.media_type or spec_prop.get("contentMediaType") or "application/octet-stream"
    elif isinstance(value, Mapping | list):
        data, default_type = _json(value, where), "application/json"
    else:
        data, default_type = scalar_text(value, where).encode(), "text/plain; charset=utf-8"
    content_type = str(default_type)
    if isinstance(forced, str) and forced.strip() and not _CONTROL.search(forced):
        content_type = forced.split(",")[0].strip()
    disposition = f'form-data; name="{_quote_field(name)}"'
    if filename is not None:
        disposition += f'; filename="{_quote_field(filename)}"'
    head = f"Content-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n"
    return head.encode("utf-8") + data + b"\r\n"


def _quote_field(text: str) -> str:
    # The HTML form encoding: these three would end the header or the quoted string.
    return text.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
