"""``GET /specs``, ``POST /specs``, ``DELETE /specs/{name}`` and ``POST /specs/{name}/reload``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ..config import BreakingPolicy
from ..errors import ConfigError
from ._context import context
from ._inputs import Fields, parse_object, read_body
from .problems import ApiError, json_response
from .service import AddSpec

__all__ = ["add_spec", "list_specs", "reload_spec", "remove_spec"]


async def list_specs(request: Request) -> Response:
    """Every registered spec, whether it is watched, and the sources whose last load failed."""
    ctx = context(request)
    ctx.access.require_read(request)
    snapshot = ctx.registry.snapshot
    watched = {name for name in ctx.service.watched().values() if name}
    specs = [{**entry.to_dict(), "watched": name in watched} for name, entry in snapshot.specs.items()]
    return json_response({"version": snapshot.version, "specs": specs, "failures": ctx.service.failures()})


async def add_spec(request: Request) -> Response:
    """Register a spec from a file under an allowed root or an http(s) URL, then watch it."""
    ctx = context(request)
    ctx.access.require_admin(request)
    fields = Fields(parse_object(await read_body(request, ctx.settings.server.max_body_bytes)))
    body = AddSpec(source=fields.text("source", required=True, printable=True) or "",
                   name=_name(fields.text("name", limit=128, printable=True)),
                   namespace=fields.text("namespace", limit=64, printable=True),
                   policy=fields.choice("policy", BreakingPolicy))
    fields.done()
    try:
        changes, created = await ctx.service.add_spec(body)
    except ConfigError as exc:
        raise ApiError(422, "invalid_request", exc.message, source=exc.source) from None
    snapshot = ctx.registry.snapshot
    entry = snapshot.specs.get(changes.spec or "")
    out: dict[str, Any] = {"version": snapshot.version, "changes": changes.to_dict(),
                           "spec": entry.to_dict() if entry is not None else None}
    return json_response(out, 201 if created else 200)


async def remove_spec(request: Request) -> Response:
    """Unregister a spec and its tools (a configured file comes back when it changes or at restart)."""
    ctx = context(request)
    ctx.access.require_admin(request)
    changes = await ctx.service.remove_spec(request.path_params["name"])
    return json_response({"version": ctx.registry.version, "changes": changes.to_dict()})


async def reload_spec(request: Request) -> Response:
    """Reload one spec now and answer with the outcome (202 when it takes longer than ``reload_wait``)."""
    ctx = context(request)
    ctx.access.require_admin(request)
    outcome = await ctx.service.reload_now(request.path_params["name"], timeout=ctx.settings.server.reload_wait)
    if outcome.get("outcome") == "queued":
        return json_response(outcome, 202)
    if outcome.get("outcome") == "failed":
        error = outcome.get("error") or {}
        body = {"error": error.get("error", "ReloadFailed"), "message": error.get("message", "the reload failed"),
                "outcome": outcome}
        return json_response(body, 422)
    return json_response(outcome)


def _name(value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise ApiError(422, "invalid_request", "name must not be empty")
    return value
