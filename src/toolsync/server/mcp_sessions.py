"""
Every connected MCP session, and ``notifications/tools/list_changed`` to each of them on every commit.

Two protocol eras reach a client differently:

* Handshake sessions (``initialize``, protocol 2024-11-05 … 2025-11-25; stdio, or streamable
  HTTP with an ``Mcp-Session-Id``) join the hub when their ``notifications/initialized``
  arrives and leave when their connection closes. The notification goes on the session's
  standalone channel: the stdio pipe, or the HTTP session's GET stream. A commit made while an
  HTTP session has no GET stream open is remembered and sent as soon as one opens, so a client
  that is still connecting misses nothing.
* 2026-07-28 clients open a ``subscriptions/listen`` stream; the hub publishes one
  ``ToolsListChanged`` event on the subscription bus, and the SDK's listen handler fans it out.

Commits happen on any thread; each delivery is handed to the event loop that serves the
session. A session whose loop is gone or whose send fails is dropped; the others are not disturbed.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from mcp.server.connection import Connection
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.session import ServerSession
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler, ToolsListChanged
from starlette.requests import Request

__all__ = ["MCP_SESSION_HEADER", "SessionHub"]

log = logging.getLogger("toolsync.mcp")

MCP_SESSION_HEADER = "mcp-session-id"


@dataclass(eq=False)
class _Session:
    """One handshake session: how to reach it, and whether a notification waits to be sent."""

    key: object  # the session's Connection (or, where the SDK hides it, its ServerSession)
    session: ServerSession
    loop: asyncio.AbstractEventLoop
    http_id: str | None  # the Mcp-Session-Id over streamable HTTP; None on stdio
    initialized: bool = False  # nothing is sent before the client's notifications/initialized
    pending: bool = False


class SessionHub:
    """Live sessions and the fan-out of ``notifications/tools/list_changed``."""

    def __init__(self) -> None:
        self._sessions: dict[object, _Session] = {}  # by _Session.key
        self._streams: dict[str, int] = {}  # open GET streams per HTTP session id
        self._lock = threading.Lock()
        self._tasks: set[asyncio.Future[Any]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.bus = InMemorySubscriptionBus()
        self.listen = ListenHandler(self.bus)
        self._warned = False

    def __len__(self) -> int:
        """How many handshake sessions are connected."""
        with self._lock:
            return len(self._sessions)

    # -- lifecycle --------------------------------------------------------------------------------

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Publish listen-stream events on ``loop`` (the loop the server runs on)."""
        self._loop = loop

    def close(self) -> None:
        """End every listen stream and stop pending deliveries (on the server's loop)."""
        self._loop = None
        self.listen.close()
        for task in list(self._tasks):
            task.cancel()

    # -- joining and leaving ----------------------------------------------------------------------

    async def middleware(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        """
        Server middleware: a session joins as soon as its ``initialize`` succeeds.

        Joining before the client's ``notifications/initialized`` is processed means a commit in
        between is held for the session rather than missed.
        """
        result = await call_next(ctx)
        if ctx.method == "initialize":
            connection = _connection_of(ctx.session)
            if connection is not None:
                self._join(connection, ctx.session, connection.session_id)
        return result

    async def on_initialized(self, ctx: ServerRequestContext[Any, Any], params: types.NotificationParams) -> None:
        """The ``notifications/initialized`` handler: from now on the session may be notified."""
        connection = _connection_of(ctx.session)
        with self._lock:
            entry = self._sessions.get(connection if connection is not None else ctx.session)
        if entry is None:
            request = ctx.request
            http_id = request.headers.get(MCP_SESSION_HEADER) if isinstance(request, Request) else None
            entry = self._join(connection, ctx.session, http_id)
        entry.initialized = True
        if entry.pending:
            self._deliver(entry)

    def _join(self, connection: Connection | None, session: ServerSession, http_id: str | None) -> _Session:
        key: object = connection if connection is not None else session
        entry = _Session(key, session, asyncio.get_running_loop(), http_id)
        with self._lock:
            self._sessions[key] = entry
        if connection is not None:
            connection.exit_stack.callback(self._discard, entry)
        elif not self._warned:
            self._warned = True
            log.warning("this version of the MCP SDK hides a session's connection: sessions that close are "
                        "only forgotten when the server stops")
        log.debug("MCP session joined (%s); %d connected", http_id or "stdio", len(self))
        return entry

    def _discard(self, entry: _Session) -> None:
        with self._lock:
            if self._sessions.get(entry.key) is entry:
                del self._sessions[entry.key]

    # -- GET streams (streamable HTTP) ------------------------------------------------------------

    def stream_opened(self, http_id: str) -> None:
        """An HTTP session's GET stream started; send what it missed (call on the server's loop)."""
        self._streams[http_id] = self._streams.get(http_id, 0) + 1
        with self._lock:
            waiting = [s for s in self._sessions.values() if s.http_id == http_id and s.pending]
        for entry in waiting:
            self._deliver(entry)

    def stream_closed(self, http_id: str) -> None:
        """An HTTP session's GET stream ended (call on the server's loop)."""
        left = self._streams.get(http_id, 0) - 1
        if left > 0:
            self._streams[http_id] = left
        else:
            self._streams.pop(http_id, None)

    # -- notifying --------------------------------------------------------------------------------

    def broadcast(self) -> None:
        """Tell every session that the tool list changed. Safe to call from any thread."""
        with self._lock:
            targets = list(self._sessions.values())
        for entry in targets:
            if not _post(entry.loop, self._deliver, entry):
                self._discard(entry)
        loop = self._loop
        if loop is not None:
            _post(loop, self._spawn, lambda: self.bus.publish(ToolsListChanged()))

    def _deliver(self, entry: _Session) -> None:
        """On the session's loop: send now, or hold the notification until the session can take it."""
        with self._lock:
            if self._sessions.get(entry.key) is not entry:
                return
        if not entry.initialized or (entry.http_id is not None and not self._streams.get(entry.http_id)):
            entry.pending = True
            return
        entry.pending = False
        self._spawn(lambda: self._send(entry))

    async def _send(self, entry: _Session) -> None:
        try:
            await entry.session.send_tool_list_changed()
        except Exception:  # one broken session must not stop the others
            log.warning("dropping an MCP session that could not be notified", exc_info=True)
            self._discard(entry)

    def _spawn(self, make: Callable[[], Coroutine[Any, Any, None]]) -> None:
        task = asyncio.get_running_loop().create_task(make())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _post(loop: asyncio.AbstractEventLoop, callback: Callable[..., None], *args: Any) -> bool:
    """Run ``callback(*args)`` on ``loop`` soon; False when the loop is closed."""
    try:
        loop.call_soon_threadsafe(callback, *args)
    except RuntimeError:
        return False
    return True


def _connection_of(session: ServerSession) -> Connection | None:
    """
    The connection behind a request's session, or None when the SDK does not expose it.

    The SDK hands handlers a per-request ``ServerSession`` but no public handle on its
    ``Connection``, whose ``exit_stack`` is the documented place for per-connection cleanup.
    """
    connection = getattr(session, "_connection", None)
    return connection if isinstance(connection, Connection) else None
