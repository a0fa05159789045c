"""
The MCP server: the registry's tools over streamable HTTP at ``/mcp`` and over stdio (``toolsync mcp``).

Built on the official ``mcp`` SDK's low-level server. ``tools/list`` serves the current
snapshot's MCP definitions (validated as ``mcp.types.Tool``, paged with ``nextCursor``),
``tools/call`` runs the tool through the executor, and every registry commit sends
``notifications/tools/list_changed`` to every connected session (the ``tools`` capability
declares ``listChanged: true``), so a client re-lists as soon as a spec changes.

Streamable HTTP is stateful: each client gets an ``Mcp-Session-Id``, and notifications travel on
its GET stream. :func:`create_mcp_app` gives the ASGI app to mount at ``/mcp`` and the lifespan
to enter while serving; ``toolsync serve`` mounts it.

Desktop clients start ``toolsync mcp`` and talk over its stdin and stdout. For Claude Desktop
(``claude_desktop_config.json``) and other MCP clients that launch servers the same way::

    {
      "mcpServers": {
        "toolsync": {
          "command": "toolsync",
          "args": ["mcp", "/path/to/specs"]
        }
      }
    }

The arguments are those of ``toolsync mcp``: a configuration file and/or spec files, folders
and URLs, plus ``--store``, ``--no-watch`` and ``--allow-private``. The specs are watched, so
editing one updates the client's tools without a restart.

Example::

    mount = create_mcp_app(registry, executor)
    app = Starlette(routes=mount.routes(), lifespan=lambda app: mount.lifespan())
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import mcp_types as types
from mcp.server.lowlevel.server import NotificationOptions, Server
from mcp.server.models import InitializationOptions
from mcp.server.stdio import stdio_server
from mcp.server.streamable_http_manager import DEFAULT_SESSION_IDLE_TIMEOUT, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Message, Receive, Scope, Send

from .. import __version__
from ..errors import ConfigError
from ..execute import Executor
from ..registry import ChangeEvent, Registry
from .mcp_sessions import MCP_SESSION_HEADER, SessionHub
from .mcp_tools import DEFAULT_PAGE_SIZE, ToolCaller, ToolCatalog, error_result

__all__ = ["DEFAULT_PAGE_SIZE", "MCPMount", "MCPTools", "create_mcp_app", "run_stdio"]

log = logging.getLogger("toolsync.mcp")

#: Longest a ``tools/list`` or ``tools/call`` waits for the first load of the specs, in seconds.
READY_WAIT = 20.0
Ready = Callable[[], Awaitable[object]]
#: Given the HTTP request that carries a ``tools/call`` (None over stdio), why it may not run, or None.
CallRule = Callable[[Any], str | None]

_INSTRUCTIONS = (
    "These tools call HTTP APIs described by OpenAPI specs. The tool list follows the specs: when "
    "notifications/tools/list_changed arrives, list the tools again before calling one."
)
_LIST_CHANGED = NotificationOptions(tools_changed=True)


class _Server(Server[Any]):
    """The SDK's low-level server, declaring ``tools.listChanged`` on every transport."""

    def create_initialization_options(
        self,
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> InitializationOptions:
        # The streamable HTTP manager asks without options; the capability must not depend on the caller.
        return super().create_initialization_options(notification_options or _LIST_CHANGED,
                                                     experimental_capabilities, extensions)


class MCPTools:
    """
    The MCP server over a registry: the SDK's low-level ``Server``, its handlers and its sessions.

    Args:
        registry: whose current snapshot is listed and called.
        executor: runs ``tools/call``.
        page_size: tools per ``tools/list`` page.
        ready: awaited (at most :data:`READY_WAIT` seconds) before listing or calling, so that a
            client connecting during the first load sees every tool.
        may_call: given the HTTP request carrying a ``tools/call`` (None over stdio), why it may not
            run, or None; a refused call is an ``isError`` result of type ``forbidden``.
    """

    def __init__(self, registry: Registry, executor: Executor, *, page_size: int = DEFAULT_PAGE_SIZE,
                 ready: Ready | None = None, may_call: CallRule | None = None) -> None:
        self.registry = registry
        self._may_call = may_call
        self.hub = SessionHub()
        self.catalog = ToolCatalog(registry, page_size=page_size)
        self.caller = ToolCaller(registry, executor)
        self._ready = ready
        self.server = _Server(
            "toolsync", version=__version__, title="toolsync", instructions=_INSTRUCTIONS,
            get_tool_input_schema=self.catalog.input_schema, on_list_tools=self._list_tools,
            on_call_tool=self._call_tool, on_subscriptions_listen=self.hub.listen,
        )
        self.server.add_notification_handler("notifications/initialized", types.NotificationParams,
                                             self.hub.on_initialized)
        self.server.middleware.append(self.hub.middleware)

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[None]:
        """Follow the registry's commits while the server runs on the current event loop."""
        self.hub.attach(asyncio.get_running_loop())
        unsubscribe = self.registry.on_change(self._on_change)
        try:
            yield
        finally:
            unsubscribe()
            self.hub.close()

    def _on_change(self, event: ChangeEvent) -> None:
        if event.committed:
            self.hub.broadcast()

    async def _list_tools(self, ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
        await self._wait_ready()
        return self.catalog.page(params.cursor if params is not None else None)

    async def _call_tool(self, ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        refused = self._may_call(getattr(ctx, "request", None)) if self._may_call is not None else None
        if refused is not None:
            return error_result("forbidden", refused)
        await self._wait_ready()
        return await self.caller.call(params.name, params.arguments)

    async def _wait_ready(self) -> None:
        if self._ready is not None:
            with anyio.move_on_after(READY_WAIT):
                await self._ready()


class MCPMount:
    """
    The streamable HTTP endpoint: :attr:`app` to mount at ``/mcp``, :meth:`lifespan` to enter while serving.

    :attr:`app` answers on whatever path it is mounted at; :meth:`routes` gives routes for both
    ``/mcp`` and ``/mcp/``. Served on its own (``uvicorn.run(mount.app)``), it runs its lifespan itself.
    """

    def __init__(self, tools: MCPTools, *, read_token: str | None = None,
                 security: TransportSecuritySettings | None = None,
                 idle_timeout: float | None = DEFAULT_SESSION_IDLE_TIMEOUT) -> None:
        self.tools = tools
        self._read_token = read_token
        self._security = security
        self._idle_timeout = idle_timeout
        self._manager: StreamableHTTPSessionManager | None = None
        self.app = _Endpoint(self)

    @property
    def sessions(self) -> int:
        """How many handshake sessions are connected."""
        return len(self.tools.hub)

    @property
    def running(self) -> bool:
        return self._manager is not None

    @contextlib.asynccontextmanager
    async def lifespan(self) -> AsyncIterator[None]:
        """Run the session manager and follow the registry; sessions end when this exits."""
        if self._manager is not None:
            raise ConfigError("the MCP endpoint is already running; enter its lifespan once", source="/mcp")
        manager = StreamableHTTPSessionManager(self.tools.server, security_settings=self._security,
                                               session_idle_timeout=self._idle_timeout)
        async with self.tools.serving(), manager.run():
            self._manager = manager
            try:
                yield
            finally:
                self._manager = None

    def routes(self, path: str = "/mcp") -> list[BaseRoute]:
        """Routes serving the endpoint at ``path`` and below it (``/mcp`` exactly, and ``/mcp/``)."""
        return [Route(path, self.app), Mount(path, app=self.app)]

    def authorized(self, scope: Scope) -> bool:
        """True when no read token is set, or the request carries it as a bearer token."""
        if self._read_token is None:
            return True
        header = dict(scope.get("headers") or ()).get(b"authorization", b"").decode("latin-1")
        scheme, _, token = header.strip().partition(" ")
        expected = self._read_token.encode()
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), expected)


class _Endpoint:
    """The ASGI app of an :class:`MCPMount` (a class, so that Starlette routes treat it as ASGI)."""

    def __init__(self, mount: MCPMount) -> None:
        self._mount = mount

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1003})
            return
        manager = self._mount._manager
        if not self._mount.authorized(scope):
            await _refuse(401, "this endpoint needs the read token: send Authorization: Bearer <token>",
                          scope, receive, send, {"WWW-Authenticate": 'Bearer realm="toolsync"'})
        elif manager is None:
            await _refuse(503, "the MCP endpoint is not running: serve it inside MCPMount.lifespan() (the "
                          "application's lifespan)", scope, receive, send)
        else:
            await self._handle(manager, scope, receive, send)

    async def _handle(self, manager: StreamableHTTPSessionManager, scope: Scope, receive: Receive,
                      send: Send) -> None:
        http_id = _header(scope, MCP_SESSION_HEADER) if scope.get("method") == "GET" else None
        if http_id is None:
            await manager.handle_request(scope, receive, send)
            return
        hub, opened = self._mount.tools.hub, False

        async def observe(message: Message) -> None:
            nonlocal opened
            await send(message)
            if message["type"] == "http.response.start" and message["status"] == 200 and not opened:
                opened = True
                hub.stream_opened(http_id)

        try:
            await manager.handle_request(scope, receive, observe)
        finally:
            if opened:
                hub.stream_closed(http_id)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """The ASGI lifespan protocol, for when the endpoint is served as the whole application."""
        await receive()
        started = False
        try:
            async with self._mount.lifespan():
                await send({"type": "lifespan.startup.complete"})
                started = True
                await receive()
        except Exception as exc:
            log.exception("the MCP endpoint's lifespan failed")
            await send({"type": f"lifespan.{'shutdown' if started else 'startup'}.failed", "message": str(exc)})
            return
        await send({"type": "lifespan.shutdown.complete"})


def create_mcp_app(
    registry: Registry,
    executor: Executor,
    *,
    read_token: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    ready: Ready | None = None,
    security: TransportSecuritySettings | None = None,
    idle_timeout: float | None = DEFAULT_SESSION_IDLE_TIMEOUT,
    may_call: CallRule | None = None,
) -> MCPMount:
    """
    The MCP endpoint over ``registry``, to mount at ``/mcp``.

    Args:
        registry: the tools to serve; every commit notifies every session.
        executor: runs ``tools/call`` (the caller owns and closes it).
        read_token: when set, requests need ``Authorization: Bearer <read_token>``.
        page_size: tools per ``tools/list`` page.
        ready: awaited before the first listing or call (e.g. the first load of the specs).
        security: the SDK's Host/Origin checks against DNS rebinding (off by default).
        idle_timeout: seconds after which a session with no request and no GET stream is closed.
        may_call: decides, from the HTTP request carrying it, whether a ``tools/call`` may run (a call
            spends the API's credentials); refused calls are ``isError`` results saying why.
    """
    tools = MCPTools(registry, executor, page_size=page_size, ready=ready, may_call=may_call)
    return MCPMount(tools, read_token=read_token, security=security, idle_timeout=idle_timeout)


async def run_stdio(registry: Registry, executor: Executor, *, page_size: int = DEFAULT_PAGE_SIZE,
                    ready: Ready | None = None) -> None:
    """Serve one MCP client over this process's stdin and stdout until it disconnects."""
    tools = MCPTools(registry, executor, page_size=page_size, ready=ready)
    async with tools.serving(), stdio_server() as (read_stream, write_stream):
        await tools.server.run(read_stream, write_stream, tools.server.create_initialization_options())


def _header(scope: Scope, name: str) -> str | None:
    key = name.encode("latin-1")
    for header, value in scope.get("headers") or ():
        if header.lower() == key:
            return bytes(value).decode("latin-1")
    return None


async def _refuse(status: int, message: str, scope: Scope, receive: Receive, send: Send,
                  headers: dict[str, str] | None = None) -> None:
    """A JSON-RPC error body (no request id), the way the SDK answers transport-level refusals."""
    body = {"jsonrpc": "2.0", "id": None, "error": {"code": types.INVALID_REQUEST, "message": message}}
    await JSONResponse(body, status_code=status, headers=headers)(scope, receive, send)
