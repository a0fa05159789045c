"""Reading request bodies and parameters: bounded, typed, and refused with a clear 4xx when wrong."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

import orjson
from starlette.requests import Request

from .problems import ApiError

__all__ = ["Fields", "parse_object", "query_int", "query_str", "read_body"]

_E = TypeVar("_E", bound=Enum)
_MAX_TEXT = 4096
_DIGITS = re.compile(r"^[0-9]{1,18}$")
_INTEGER = re.compile(r"^-?[0-9]{1,18}$")


async def read_body(request: Request, cap: int) -> bytes:
    """The raw body, refused with 413 as soon as it is known to exceed ``cap`` bytes."""
    length = request.headers.get("content-length")
    if length is not None:
        if not _DIGITS.match(length.strip()):
            raise ApiError(400, "invalid_request", "the Content-Length header is not a number")
        if int(length) > cap:
            raise _too_large(cap)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise _too_large(cap)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_object(raw: bytes, *, required: bool = True) -> dict[str, Any]:
    """A JSON object from ``raw``; an empty body is ``{}`` unless ``required``."""
    if not raw.strip():
        if required:
            raise ApiError(422, "invalid_request", "the request needs a JSON object body")
        return {}
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "invalid_json", f"the body is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ApiError(422, "invalid_request", f"the body must be a JSON object, not {_kind(value)}")
    return value


class Fields:
    """Typed access to the fields of a JSON object body; :meth:`done` refuses keys nobody read."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data
        self._read: set[str] = set()

    def text(self, key: str, *, required: bool = False, limit: int = _MAX_TEXT, printable: bool = False
             ) -> str | None:
        """A string field; ``printable`` refuses control characters (for paths and names)."""
        value = self._get(key)
        if value is None:
            if required:
                raise _invalid(f"{key} is required")
            return None
        if not isinstance(value, str):
            raise _invalid(f"{key} must be a string, not {_kind(value)}")
        if required and not value.strip():
            raise _invalid(f"{key} must not be empty")
        if len(value) > limit:
            raise _invalid(f"{key} must be at most {limit} characters")
        if printable and any(ord(c) < 32 for c in value):
            raise _invalid(f"{key} must not hold control characters")
        return value

    def integer(self, key: str, *, required: bool = False, minimum: int = 0) -> int | None:
        value = self._get(key)
        if value is None:
            if required:
                raise _invalid(f"{key} is required")
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON Schema counts 3.0 as an integer
        if not isinstance(value, int) or isinstance(value, bool):
            raise _invalid(f"{key} must be an integer, not {_kind(value)}")
        if value < minimum:
            raise _invalid(f"{key} must be at least {minimum}")
        return value

    def choice(self, key: str, enum: type[_E]) -> _E | None:
        value = self.text(key)
        if value is None:
            return None
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in enum)
            raise _invalid(f"{key} must be one of {allowed}, not {value!r}") from None

    def mapping(self, key: str) -> dict[str, Any] | None:
        value = self._get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise _invalid(f"{key} must be a JSON object, not {_kind(value)}")
        return value

    def done(self) -> None:
        unknown = sorted(set(self._data) - self._read)
        if unknown:
            raise _invalid(f"unknown field {unknown[0]!r}")

    def _get(self, key: str) -> Any:
        self._read.add(key)
        return self._data.get(key)


def query_str(request: Request, name: str, *, limit: int = 512) -> str | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    if len(value) > limit:
        raise _invalid(f"the query parameter {name} is longer than {limit} characters")
    return value


def query_int(request: Request, name: str, *, default: int | None = None, minimum: int = 0,
              maximum: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    text = raw.strip()
    if not _INTEGER.match(text):
        raise _invalid(f"the query parameter {name} must be an integer, not {raw!r}")
    value = int(text)
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise _invalid(f"the query parameter {name} must be {bound}")
    return value


def _invalid(message: str) -> ApiError:
    return ApiError(422, "invalid_request", message)


def _too_large(cap: int) -> ApiError:
    return ApiError(413, "too_large", f"the request body is larger than the {cap} bytes allowed "
                    "(server.max_body_bytes)")


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "an integer",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)
