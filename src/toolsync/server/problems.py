"""
JSON errors at the HTTP edge: ``{"error": ..., "message": ...}`` with a status code chosen by class.

Handlers raise :class:`ApiError` (or let a :class:`~toolsync.errors.ToolsyncError` through);
:func:`error_response` turns either into a response, so no handler builds error bodies by hand
and no bad input ends in a 500 with a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ..errors import (
    AuthError,
    BreakingChangeError,
    ConfigError,
    ConversionError,
    FetchBlockedError,
    HistoryError,
    NameConflictError,
    RegistryError,
    SourceError,
    SpecError,
    StoreError,
    ToolNotFoundError,
    ToolsyncError,
    ToolValidationError,
)

__all__ = ["ApiError", "JSONResponse", "dumps", "error_response", "json_response", "status_for"]

log = logging.getLogger("toolsync.server")

# Most specific first: the first class in an error's MRO found here decides.
_STATUS: dict[type[ToolsyncError], int] = {
    AuthError: 401,
    FetchBlockedError: 403,
    ToolNotFoundError: 404,
    HistoryError: 404,
    NameConflictError: 409,
    BreakingChangeError: 409,
    RegistryError: 409,
    SourceError: 422,
    SpecError: 422,
    ConversionError: 422,
    ToolValidationError: 422,
    ConfigError: 400,
    StoreError: 503,
}


class ApiError(ToolsyncError):
    """A request the API refuses, with its HTTP status and a short machine-readable code."""

    def __init__(self, status: int, code: str, message: str, *, source: str | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message, source=source)
        self.status = status
        self.code = code
        self.headers = dict(headers or {})


def dumps(value: Any) -> bytes:
    """JSON bytes; read-only mappings (shared tool definitions) are written as objects."""
    return orjson.dumps(value, default=_plain, option=orjson.OPT_NON_STR_KEYS)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class JSONResponse(Response):
    """A JSON response encoded with orjson."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def json_response(content: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(content, status_code=status, headers=dict(headers or {}))


def status_for(error: ToolsyncError) -> int:
    """The HTTP status of a toolsync error."""
    if isinstance(error, ApiError):
        return error.status
    for cls in type(error).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 400


def error_body(error: ToolsyncError) -> dict[str, Any]:
    body = error.to_dict()
    body["error"] = error.code if isinstance(error, ApiError) else type(error).__name__
    return body


def error_response(error: ToolsyncError) -> JSONResponse:
    headers = error.headers if isinstance(error, ApiError) else {}
    return json_response(error_body(error), status_for(error), headers)


async def on_toolsync_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ToolsyncError)
    status = status_for(exc)
    if status >= 500:
        log.warning("%s %s failed: %s", request.method, request.url.path, exc)
    return error_response(exc)


async def on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    message = {404: f"no endpoint at {request.url.path}; see GET /openapi.json",
               405: f"{request.method} is not allowed on {request.url.path}"}.get(exc.status_code, str(exc.detail))
    body = {"error": codes.get(exc.status_code, "http_error"), "message": message}
    return json_response(body, exc.status_code, exc.headers)


async def on_unexpected(request: Request, exc: Exception) -> Response:
    # The traceback goes to the log only; the client learns nothing about the internals.
    log.error("%s %s failed unexpectedly", request.method, request.url.path, exc_info=exc)
    return json_response({"error": "internal_error", "message": "the server failed to handle the request; "
                          "see the server log"}, 500)
