"""
Who may do what: bearer tokens checked in constant time.

* Admin (every state-changing endpoint): ``Authorization: Bearer <admin token>``. Without a token
  the answer is 401; with the read token, 403. With no admin token configured, admin endpoints
  are refused with 403: toolsync never invents a token, so none can leak into scrollback or logs.
* Read (tools, specs, history, events, metrics, MCP): open, unless a read token is configured;
  then the read or the admin token is needed (401 otherwise).
* Tool calls over HTTP (``POST /tools/{name}/call``, and MCP ``tools/call`` at ``/mcp``):
  ``server.tool_calls`` is ``admin`` (default: a call spends the API's credentials), ``read`` (the
  read rule) or ``off``.
* ``/healthz``, ``/readyz`` and ``/openapi.json`` are always open; the webhook has its own HMAC.
"""

from __future__ import annotations

import hmac
from enum import StrEnum

from starlette.requests import HTTPConnection

from ..settings import Secret, ServerSettings
from .problems import ApiError

__all__ = ["Access", "Role"]

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="toolsync"'}


class Role(StrEnum):
    """What a request's credentials allow."""

    NONE = "none"
    READ = "read"
    ADMIN = "admin"


class Access:
    """Checks the ``Authorization`` header of a request against the configured tokens."""

    def __init__(self, server: ServerSettings) -> None:
        self._admin = server.admin_token
        self._read = server.read_token
        self._calls = server.tool_calls

    @property
    def admin_enabled(self) -> bool:
        return self._admin is not None

    @property
    def read_protected(self) -> bool:
        return self._read is not None

    def role(self, connection: HTTPConnection) -> Role:
        """The role the request's bearer token grants (NONE without one or with a wrong one)."""
        token = bearer_token(connection.headers.get("authorization", ""))
        if token is None:
            return Role.NONE
        # Both comparisons always run, so timing does not tell which token was near.
        is_admin = _same(self._admin, token)
        is_read = _same(self._read, token)
        if is_admin:
            return Role.ADMIN
        return Role.READ if is_read else Role.NONE

    def require_read(self, connection: HTTPConnection) -> Role:
        role = self.role(connection)
        if self._read is not None and role is Role.NONE:
            raise _unauthorized("this endpoint needs the read token or the admin token", connection)
        return role

    def require_admin(self, connection: HTTPConnection) -> None:
        if self._admin is None:
            raise ApiError(403, "admin_disabled", "admin endpoints are disabled: no admin token is configured "
                           "(set server.admin_token or TOOLSYNC_ADMIN_TOKEN and restart)")
        role = self.role(connection)
        if role is Role.ADMIN:
            return
        if role is Role.READ:
            raise ApiError(403, "forbidden", "the read token cannot change anything; use the admin token")
        raise _unauthorized("this endpoint needs the admin token", connection)

    def require_call(self, connection: HTTPConnection) -> None:
        """Tool calls over HTTP, by ``server.tool_calls``."""
        if self._calls == "off":
            raise ApiError(403, "tool_calls_disabled", "tool calls over HTTP are disabled (server.tool_calls "
                           "is off)")
        if self._calls == "admin":
            self.require_admin(connection)
        else:
            self.require_read(connection)


def bearer_token(header: str) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def _same(secret: Secret | None, token: str) -> bool:
    if secret is None:
        # Compare anyway so that a configured and an unconfigured token take the same time.
        hmac.compare_digest(b"-" * len(token.encode()), token.encode())
        return False
    return secret.matches(token)


def _unauthorized(message: str, connection: HTTPConnection) -> ApiError:
    given = "authorization" in connection.headers
    text = f"{message}; the token given was not accepted" if given else f"{message}: send Authorization: Bearer <token>"
    return ApiError(401, "unauthorized", text, headers=_CHALLENGE)
