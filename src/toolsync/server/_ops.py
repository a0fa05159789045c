"""Health, readiness, metrics, the API's own OpenAPI document, the event stream and the webhook."""

from __future__ import annotations

import asyncio
import logging
import time

from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import Response

from ..errors import AuthError, StoreError
from ..registry import Trigger
from ._context import context
from ._inputs import Fields, parse_object, query_int, read_body
from .metrics import CONTENT_TYPE
from .openapi import api_document
from .problems import ApiError, json_response

__all__ = ["events", "healthz", "metrics", "openapi", "readyz", "webhook"]

log = logging.getLogger("toolsync.server")


async def healthz(request: Request) -> Response:
    """The process is alive and answering."""
    ctx = context(request)
    return json_response({"status": "ok", "version": ctx.registry.version,
                          "uptime": round(time.time() - ctx.service.started_at, 3)})


async def readyz(request: Request) -> Response:
    """Ready once the store answers and the initial load is done; lists the specs whose last load failed."""
    ctx = context(request)
    snapshot = ctx.registry.snapshot
    body = {"version": snapshot.version, "specs": len(snapshot.specs), "tools": len(snapshot.tools),
            "failed": ctx.service.failures()}
    if not ctx.service.ready:
        return json_response({"error": "not_ready", "message": "the initial load of the configured specs is "
                              "still running", "status": "starting", **body}, 503)
    try:
        await asyncio.to_thread(ctx.registry.store.history, limit=1)
    except StoreError as exc:
        return json_response({"error": "store_unavailable", "message": f"the store cannot be read: {exc}",
                              "status": "unavailable", **body}, 503)
    status = "degraded" if body["failed"] or ctx.service.startup_error else "ready"
    return json_response({"status": status, **body})


async def metrics(request: Request) -> Response:
    ctx = context(request)
    ctx.access.require_read(request)
    return Response(ctx.metrics.render(ctx.registry), media_type=CONTENT_TYPE)


async def openapi(request: Request) -> Response:
    """This API's own OpenAPI 3.1 document, with the server URL the request came in on."""
    return json_response(api_document(str(request.base_url).rstrip("/")))


async def events(request: Request) -> Response:
    """Server-Sent Events, one per commit; resumable with ``Last-Event-ID`` (or ``?last_event_id=``)."""
    ctx = context(request)
    ctx.access.require_read(request)
    header = request.headers.get("last-event-id")
    last: int | None
    if header is not None and header.strip():
        last = _event_id(header)
    else:
        last = query_int(request, "last_event_id", minimum=0)
    return EventSourceResponse(ctx.hub.stream(last), ping=ctx.settings.server.sse_ping, send_timeout=30)


async def webhook(request: Request) -> Response:
    """A signed reload request; see :mod:`toolsync.server.webhook`."""
    ctx = context(request)
    raw = await read_body(request, ctx.settings.server.max_body_bytes)
    try:
        ctx.webhook.verify(request.headers, raw)
    except AuthError as exc:
        ctx.metrics.webhook("refused")
        log.info("reload webhook refused: %s", exc.message)
        raise
    fields = Fields(parse_object(raw, required=False))
    spec, source = fields.text("spec", limit=1024), fields.text("source", limit=4096)
    fields.done()
    if spec is not None and source is not None:
        raise ApiError(422, "invalid_request", "give spec or source, not both")
    queued = ctx.service.request_reload(spec or source, Trigger.WEBHOOK)
    ctx.metrics.webhook("accepted")
    return json_response({"queued": queued, "version": ctx.registry.version}, 202)


def _event_id(text: str) -> int:
    value = text.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise ApiError(422, "invalid_request", f"Last-Event-ID must be a snapshot version, not {text!r}")
    return int(value)
