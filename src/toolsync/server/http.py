"""
The HTTP API: :func:`create_app` builds the Starlette application ``toolsync serve`` runs.

Endpoints (the full reference is the app's own ``GET /openapi.json``):

=====================================  =======  ==================================================
``GET /tools?provider=&spec=&tag=``    read     tools in one provider's format, ETag / 304
``GET /tools/{name}``                  read     one tool, every format or ``?provider=``
``POST /tools/{name}/call``            admin*   call a tool against its API (``server.tool_calls``)
``GET /specs`` / ``POST /specs``       read /   registered specs / register one from a file or URL
                                       admin
``DELETE /specs/{name}``               admin    unregister a spec
``POST /specs/{name}/reload``          admin    reload now, answer with the outcome
``GET /history``, ``GET /diff``        read     kept versions; differences between two of them
``POST /rollback``                     admin    serve again what a kept version served
``GET /held``, ``POST /held/{id}/…``   read /   breaking changes held by a ``block`` policy
                                       admin
``GET /events``                        read     Server-Sent Events, one per commit, resumable
``POST /webhooks/reload``              HMAC     signed reload request (see :mod:`.webhook`)
``GET /healthz``, ``GET /readyz``      open     liveness, readiness
``GET /metrics``                       read     Prometheus text format
``/mcp``                               read     the MCP endpoint (streamable HTTP), when available;
                                                ``tools/call`` as ``server.tool_calls`` says
=====================================  =======  ==================================================

Access rules are in :mod:`.access`. Every error is JSON, ``{"error": ..., "message": ...}``.

Example::

    app = create_app(load_settings(), Registry(SQLiteStore(".toolsync/registry.db")))
    uvicorn.run(app, host="127.0.0.1", port=8765)
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from functools import partial
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import ToolsyncError
from ..execute import Executor
from ..registry import Registry, RegistryOptions
from ..settings import Settings
from ..stores import open_store
from . import _history, _ops, _specs, _tools
from ._context import AppContext
from .access import Access
from .events import EventHub
from .logs import install_secret_filter
from .metrics import Metrics
from .problems import ApiError, error_response, on_http_exception, on_toolsync_error, on_unexpected
from .service import Service
from .webhook import WebhookVerifier

__all__ = ["ROUTES", "create_app", "open_registry"]

log = logging.getLogger("toolsync.server")

Endpoint = Callable[[Request], Any]

#: ``(path, method, endpoint)`` of every route of the API (``/mcp`` aside).
ROUTES: tuple[tuple[str, str, Endpoint], ...] = (
    ("/tools", "GET", _tools.list_tools),
    ("/tools/{name}", "GET", _tools.get_tool),
    ("/tools/{name}/call", "POST", _tools.call_tool),
    ("/specs", "GET", _specs.list_specs),
    ("/specs", "POST", _specs.add_spec),
    ("/specs/{name}", "DELETE", _specs.remove_spec),
    ("/specs/{name}/reload", "POST", _specs.reload_spec),
    ("/history", "GET", _history.history),
    ("/diff", "GET", _history.diff_versions),
    ("/rollback", "POST", _history.rollback),
    ("/held", "GET", _history.list_held),
    ("/held/{id}/approve", "POST", _history.approve_held),
    ("/held/{id}/reject", "POST", _history.reject_held),
    ("/events", "GET", _ops.events),
    ("/webhooks/reload", "POST", _ops.webhook),
    ("/healthz", "GET", _ops.healthz),
    ("/readyz", "GET", _ops.readyz),
    ("/metrics", "GET", _ops.metrics),
    ("/openapi.json", "GET", _ops.openapi),
)


def open_registry(settings: Settings, *, reset: bool = False) -> Registry:
    """The registry the settings describe: their store (restored to its last version) and options."""
    reg = settings.registry
    options = RegistryOptions(conflicts=reg.conflicts, history_limit=reg.history_limit,
                              audit_limit=reg.audit_limit, tool_options=settings.tools)
    return Registry(open_store(settings.store.url, reset=reset), options=options)


def create_app(
    settings: Settings | None = None,
    registry: Registry | None = None,
    *,
    roots: Sequence[str] = (),
    executor: Executor | None = None,
    close_registry: bool | None = None,
    mcp: bool = True,
) -> Starlette:
    """
    The Starlette app serving ``registry`` by ``settings``.

    Args:
        settings: the configuration (default: all defaults).
        registry: the registry to serve (default: :func:`open_registry` on the settings' store).
        roots: folders ``POST /specs`` may read files from, besides ``server.allowed_roots``.
        executor: runs tool calls (default: one using each spec's execution settings).
        close_registry: close the registry when the app stops (default: when it was opened here).
        mcp: mount the MCP endpoint at ``/mcp`` when :mod:`toolsync.server.mcp` is available.

    The app's lifespan loads and watches the configured specs in the background (``/readyz``
    answers 503 until the first load is done) and stops everything on shutdown.
    """
    settings = settings or Settings()
    owned = registry is None
    registry = registry if registry is not None else open_registry(settings)
    metrics = Metrics()
    service = Service(settings, registry, roots=roots, metrics=metrics, executor=executor)
    ctx = AppContext(settings, registry, service, Access(settings.server),
                     WebhookVerifier(settings.server.webhook_secret, settings.server.webhook_tolerance), metrics,
                     EventHub(registry, metrics), close_registry=owned if close_registry is None else close_registry)
    install_secret_filter(settings.secrets())
    mount = _mcp_mount(registry, service, ctx.access) if mcp else None
    routes: list[BaseRoute] = [Route(path, endpoint, methods=[method]) for path, method, endpoint in ROUTES]
    templates: dict[Any, str] = {endpoint: path for path, _, endpoint in ROUTES}
    if mount is not None:
        gate = _MCPGate(mount.app, ctx.access)
        routes += [Route("/mcp", gate), Mount("/mcp", app=gate)]
        templates[gate] = "/mcp"
    app = Starlette(routes=routes, middleware=_middleware(settings, metrics, templates),
                    exception_handlers={ToolsyncError: on_toolsync_error, HTTPException: on_http_exception,
                                        ClientDisconnect: _on_disconnect, Exception: on_unexpected},
                    lifespan=_lifespan(ctx, mount))
    app.state.toolsync = ctx
    app.state.toolsync_stopping = ctx.stopping
    return app


def _middleware(settings: Settings, metrics: Metrics, templates: dict[Any, str]) -> list[Middleware]:
    out = [Middleware(_Observe, metrics=metrics, templates=templates)]
    origins = settings.server.cors_origins
    if origins:
        out.append(Middleware(CORSMiddleware, allow_origins=list(origins), allow_methods=["GET", "POST", "DELETE"],
                              allow_headers=["Authorization", "Content-Type", "If-None-Match", "Last-Event-ID",
                                             "Mcp-Session-Id", "Mcp-Protocol-Version"],
                              expose_headers=["ETag", "X-Toolsync-Version", "Mcp-Session-Id"]))
    return out


def _lifespan(ctx: AppContext, mount: Any) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        ctx.hub.start()
        ctx.stop = asyncio.Event()
        startup = asyncio.create_task(ctx.service.start(), name="toolsync-startup")
        sessions = await _start_mount(mount, ctx.stop) if mount is not None else None
        try:
            yield
        finally:
            ctx.stopping()
            if sessions is not None:
                await asyncio.gather(sessions, return_exceptions=True)
            if not startup.done():
                startup.cancel()
            await asyncio.gather(startup, return_exceptions=True)
            await ctx.service.aclose()
            if ctx.close_registry:
                await asyncio.to_thread(ctx.registry.close)

    return lifespan


async def _start_mount(mount: Any, stop: asyncio.Event) -> asyncio.Task[None]:
    """
    Run the MCP mount's lifespan in a task of its own until ``stop`` is set.

    The server sets ``stop`` as soon as it begins to shut down, so MCP sessions (and their open GET
    streams) end before uvicorn waits for connections to close, not after.
    """
    started = asyncio.Event()

    async def run() -> None:
        async with mount.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(run(), name="toolsync-mcp")
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    if task.done():
        task.result()  # the mount failed to start: let the error stop the application's startup
    return task


def _mcp_mount(registry: Registry, service: Service, access: Access) -> Any:
    """The MCP app from :mod:`toolsync.server.mcp`, or None while that module is not installed."""
    try:
        module = importlib.import_module("toolsync.server.mcp")
    except ImportError as exc:
        log.debug("the MCP endpoint is not available: %s", exc)
        return None
    factory: Any = module.create_mcp_app
    # The read rule is enforced by _MCPGate (admin or read token), so the mount gets no token of its own;
    # tools/call, which spends the API's credentials, follows server.tool_calls like POST /tools/{name}/call.
    return factory(registry, service.executor, ready=service.wait_ready, may_call=partial(_call_refusal, access))


def _call_refusal(access: Access, request: Any) -> str | None:
    """Why the HTTP request carrying an MCP ``tools/call`` may not run it (``server.tool_calls``), or None."""
    if not isinstance(request, HTTPConnection):
        return "tools/call came without its HTTP request, so who sent it cannot be checked"
    try:
        access.require_call(request)
    except ApiError as exc:
        return f"{exc.message} (server.tool_calls decides who may call tools, over MCP as over HTTP)"
    return None


class _MCPGate:
    """The MCP app behind the read rule of :class:`~.access.Access`."""

    def __init__(self, app: ASGIApp, access: Access) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                self.access.require_read(HTTPConnection(scope))
            except ApiError as exc:
                await error_response(exc)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _Observe:
    """Counts every HTTP request by route template, method and status (for ``/metrics``)."""

    def __init__(self, app: ASGIApp, metrics: Metrics, templates: dict[Any, str]) -> None:
        self.app = app
        self.metrics = metrics
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            route = self.templates.get(scope.get("endpoint"), "unmatched")
            self.metrics.request(route, str(scope.get("method", "")), status)


async def _on_disconnect(request: Request, exc: Exception) -> Response:
    # The client went away mid-body: nobody reads this answer.
    return Response(status_code=400)

