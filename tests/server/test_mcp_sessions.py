"""The session hub: list_changed to every live session, dead ones dropped without disturbing the others."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import mcp_types as types
from mcp.server.context import ServerRequestContext
from starlette.requests import Request

from toolsync.server.mcp_sessions import SessionHub


class FakeSession:
    """Stands in for the SDK's per-request ServerSession: counts notifications, or fails to send them."""

    def __init__(self, broken: bool = False) -> None:
        self.broken = broken
        self.notified = 0

    async def send_tool_list_changed(self) -> None:
        if self.broken:
            raise ConnectionError("the client went away")
        self.notified += 1


def initialized(session: FakeSession) -> ServerRequestContext[Any, Any]:
    return ServerRequestContext(session=session, lifespan_context={}, protocol_version="2025-11-25",
                                method="notifications/initialized")


async def settle(hub: SessionHub) -> None:
    """Let the deliveries the hub scheduled on this loop run to the end."""
    for _ in range(5):
        await asyncio.sleep(0)
    await asyncio.gather(*hub._tasks)


async def test_every_session_is_notified_and_a_broken_one_is_dropped() -> None:
    """A session whose send fails leaves the hub; the others get this and later notifications."""
    hub = SessionHub()
    good, other, broken = FakeSession(), FakeSession(), FakeSession(broken=True)
    for session in (good, other, broken):
        await hub.on_initialized(initialized(session), types.NotificationParams())
    assert len(hub) == 3
    hub.broadcast()
    await settle(hub)
    assert (good.notified, other.notified, len(hub)) == (1, 1, 2)
    hub.broadcast()
    await settle(hub)
    assert (good.notified, other.notified, broken.notified) == (2, 2, 0)


async def test_a_session_whose_event_loop_is_gone_is_dropped() -> None:
    """A session served by a loop that has stopped is forgotten on the next commit; the others still hear."""
    hub = SessionHub()
    here, gone = FakeSession(), FakeSession()
    await hub.on_initialized(initialized(here), types.NotificationParams())
    thread = threading.Thread(target=asyncio.run, args=(hub.on_initialized(initialized(gone),
                                                                           types.NotificationParams()),))
    thread.start()
    thread.join()
    assert len(hub) == 2
    await asyncio.to_thread(hub.broadcast)  # commits arrive from other threads
    await settle(hub)
    assert (here.notified, gone.notified, len(hub)) == (1, 0, 1)


async def test_an_http_session_is_notified_once_its_get_stream_opens() -> None:
    """Commits while an HTTP session has no GET stream collapse into one notification when it opens."""
    hub = SessionHub()
    session = FakeSession()
    ctx = initialized(session)
    ctx.request = Request({"type": "http", "method": "POST", "headers": [(b"mcp-session-id", b"abc123")]})
    await hub.on_initialized(ctx, types.NotificationParams())
    hub.broadcast()
    hub.broadcast()
    await settle(hub)
    assert session.notified == 0
    hub.stream_opened("abc123")
    await settle(hub)
    assert session.notified == 1
    hub.stream_closed("abc123")
    hub.broadcast()
    await settle(hub)
    assert session.notified == 1

