"""The MCP endpoint as ``create_app`` mounts it: the read rule, the tools, and a prompt shutdown."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

pytest.importorskip("toolsync.server.mcp")
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from .conftest import ADMIN_HEADERS, READ, READ_HEADERS, admin_settings, spec_doc, write_spec


async def _list_names(url: str, headers: dict[str, str]) -> list[str]:
    http = create_mcp_http_client(headers=headers)
    async with http, streamable_http_client(url, http_client=http) as (read, write), \
            ClientSession(read, write) as session:
        await session.initialize()
        return sorted(tool.name for tool in (await session.list_tools()).tools)


def test_mcp_follows_the_read_rule_and_lists_the_tools(serve, spec_dir: Path) -> None:
    """/mcp needs the read or admin token when a read token is set, and lists the registry's tools."""
    items = spec_dir / "items.json"
    write_spec(items, spec_doc(["listItems", "getItem"], title="Items"))
    running = serve(admin_settings(str(items), read_token=READ))
    refused = running.client.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert refused.status_code == 401 and refused.json()["error"] == "unauthorized"
    for headers in (READ_HEADERS, ADMIN_HEADERS):
        assert asyncio.run(_list_names(running.url + "/mcp", headers)) == ["getItem", "listItems"]


def test_the_server_stops_while_an_mcp_client_is_connected(serve, spec_dir: Path) -> None:
    """An open MCP session does not hold the shutdown: the server thread ends."""
    items = spec_dir / "items.json"
    write_spec(items, spec_doc(["listItems"], title="Items"))
    running = serve({"specs": [str(items)]})

    async def connected_then_stop() -> None:
        http = create_mcp_http_client()
        async with http, streamable_http_client(running.url + "/mcp", http_client=http) as (read, write), \
                ClientSession(read, write) as session:
            await session.initialize()
            await asyncio.to_thread(running.stop)

    # The client notices the server went away as it closes; only the server's side is under test here.
    with contextlib.suppress(Exception):
        asyncio.run(connected_then_stop())
    assert running.stopped and not running.server._thread.is_alive()
