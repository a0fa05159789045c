"""The MCP endpoint over streamable HTTP, driven by the official ``mcp`` client against a real server."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import mcp_types as types
import pytest
from mcp.client.client import Client
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError
from starlette.applications import Starlette

from tests.upstream.app import OPENAPI
from toolsync.config import SpecConfig
from toolsync.errors import ConfigError
from toolsync.execute import ExecutionConfig, Executor
from toolsync.registry import Registry
from toolsync.server import BackgroundServer
from toolsync.server.mcp import MCPMount, create_mcp_app

from .conftest import ADMIN, ADMIN_HEADERS, READ, READ_HEADERS, spec_doc, wait_for, write_spec

WAIT = 15.0


@dataclass
class Peer:
    """One connected MCP client and the ``tools/list_changed`` notifications it received."""

    session: ClientSession
    changes: asyncio.Queue[types.ToolListChangedNotification]
    init: types.InitializeResult

    async def names(self) -> list[str]:
        """Every tool name, following ``nextCursor`` through every page."""
        names: list[str] = []
        cursor: str | None = None
        while True:
            page = await self.session.list_tools(params=types.PaginatedRequestParams(cursor=cursor))
            names += [tool.name for tool in page.tools]
            cursor = page.next_cursor
            if cursor is None:
                return names

    async def changed_until(self, check: Callable[[list[str]], bool]) -> list[str]:
        """Wait for a list_changed, list again, and repeat until ``check`` holds for the names."""
        async with asyncio.timeout(WAIT):
            while True:
                await self.changes.get()
                names = await self.names()
                if check(names):
                    return names


@contextlib.asynccontextmanager
async def connect(url: str, headers: dict[str, str] | None = None) -> AsyncIterator[Peer]:
    """A handshake-era MCP session over streamable HTTP (the ``mcp`` client's own transport)."""
    changes: asyncio.Queue[types.ToolListChangedNotification] = asyncio.Queue()

    async def on_message(message: Any) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            changes.put_nowait(message)

    http = create_mcp_http_client(headers=headers)
    async with http, streamable_http_client(url, http_client=http) as (read, write), \
            ClientSession(read, write, message_handler=on_message) as session:
        init = await session.initialize()
        yield Peer(session, changes, init)


def text_of(result: types.CallToolResult) -> dict[str, Any]:
    block = result.content[0]
    assert isinstance(block, types.TextContent)
    return json.loads(block.text)


# -- a minimal app around create_mcp_app ----------------------------------------------------------


@dataclass
class Served:
    url: str
    mount: MCPMount
    registry: Registry


@pytest.fixture
def mcp_app() -> Iterator[Callable[..., Served]]:
    """Serve ``create_mcp_app(registry, executor, **options)`` in a small Starlette app on 127.0.0.1."""
    servers: list[BackgroundServer] = []

    def start(registry: Registry, executor: Executor | None = None, **options: Any) -> Served:
        executor = executor or Executor(ExecutionConfig(allow_private=True))
        mount = create_mcp_app(registry, executor, **options)

        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            async with executor, mount.lifespan():
                yield

        server = BackgroundServer(Starlette(routes=mount.routes(), lifespan=lifespan))
        server.start()
        servers.append(server)
        return Served(server.url + "/mcp", mount, registry)

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def registry() -> Iterator[Registry]:
    with Registry() as reg:
        yield reg


def load(registry: Registry, path: Path, ops: list[str]) -> None:
    """Write a spec named after its file holding ``ops``, and load it."""
    write_spec(path, spec_doc(ops, title=path.stem))
    registry.load(SpecConfig(source=str(path)))


# -- through the toolsync server (toolsync serve's app) --------------------------------------------


async def test_lists_the_tools_and_declares_list_changed(serve, spec_dir: Path) -> None:
    """initialize declares tools.listChanged; tools/list returns the snapshot's MCP definitions."""
    spec = spec_dir / "items.json"
    write_spec(spec, spec_doc(["listItems", "getItem"], title="Items"))
    running = serve({"specs": [str(spec)]})
    async with connect(running.url + "/mcp") as peer:
        assert peer.init.capabilities.tools is not None and peer.init.capabilities.tools.list_changed is True
        assert peer.init.server_info.name == "toolsync"
        listed = await peer.session.list_tools()
        expected = running.registry.snapshot.rendered("mcp")
        assert [t.model_dump(by_alias=True, exclude_none=True) for t in listed.tools] == [dict(d) for d in expected]
        assert listed.next_cursor is None


async def test_a_spec_file_change_reaches_the_client(serve, spec_dir: Path) -> None:
    """Editing a watched spec file sends list_changed; listing again shows the new tool."""
    spec = spec_dir / "items.json"
    write_spec(spec, spec_doc(["listItems"], title="Items"))
    running = serve({"specs": [str(spec)]})
    async with connect(running.url + "/mcp") as peer:
        assert await peer.names() == ["listItems"]
        write_spec(spec, spec_doc(["listItems", "addItem"], title="Items"))
        names = await peer.changed_until(lambda names: "addItem" in names)
        assert sorted(names) == ["addItem", "listItems"]


async def test_every_connected_client_is_told(serve, spec_dir: Path) -> None:
    """Two clients connected at once both get list_changed after registry.load, and both see the tool."""
    spec = spec_dir / "items.json"
    write_spec(spec, spec_doc(["listItems"], title="Items"))
    running = serve({"specs": [str(spec)]})
    other = spec_dir / "orders.json"
    async with connect(running.url + "/mcp") as first, connect(running.url + "/mcp/") as second:
        write_spec(other, spec_doc(["listOrders"], title="Orders"))
        await asyncio.to_thread(running.registry.load, SpecConfig(source=str(other)))
        for peer in (first, second):
            assert "listOrders" in await peer.changed_until(lambda names: "listOrders" in names)


@pytest.fixture
def upstream_entry(spec_dir: Path, upstream_url: str) -> dict[str, Any]:
    doc = json.loads(json.dumps(OPENAPI))
    doc["paths"]["/mismatch"] = {"get": {"operationId": "mismatch", "responses": {"200": {
        "description": "OK", "content": {"application/json": {"schema": {
            "type": "object", "required": ["missing"], "properties": {"missing": {"type": "string"}}}}}}}}}
    path = spec_dir / "upstream.json"
    path.write_text(json.dumps(doc))
    return {"source": str(path), "server_url": upstream_url, "allow_private": True}


async def test_a_call_reaches_the_upstream_api(serve, upstream_entry: dict[str, Any]) -> None:
    """tools/call runs the tool against the real API and returns its JSON, structured when declared."""
    running = serve({"specs": [upstream_entry], "server": {"tool_calls": "read"}})
    async with connect(running.url + "/mcp") as peer:
        await peer.names()
        pet = await peer.session.call_tool("getPet", {"petId": 1})
        assert pet.is_error is False
        assert text_of(pet) == {"id": 1, "name": "Rex", "tag": "dog", "status": "available"}
        assert pet.structured_content == text_of(pet)
        pets = await peer.session.call_tool("listPets", {"limit": 2, "status": "available"})
        assert [p["name"] for p in text_of(pets)] == ["Rex", "Kiki"]
        plain = await peer.session.call_tool("getText", {})
        assert plain.is_error is False and plain.content[0].text == "hello, world"


async def test_failed_calls_are_error_results(serve, upstream_entry: dict[str, Any]) -> None:
    """Unknown tools, bad arguments, API errors and off-schema answers come back as isError results."""
    running = serve({"specs": [upstream_entry], "server": {"tool_calls": "read"}})
    async with connect(running.url + "/mcp") as peer:
        await peer.names()
        unknown = await peer.session.call_tool("noSuchTool", {})
        assert unknown.is_error and text_of(unknown)["error"]["type"] == "unknown_tool"
        assert "noSuchTool" in text_of(unknown)["error"]["message"]
        bad = await peer.session.call_tool("getPet", {"petId": "one"})
        error = text_of(bad)["error"]
        assert bad.is_error and error["type"] == "invalid_arguments" and "input schema" in error["message"]
        assert "petId" in error["message"]
        missing = await peer.session.call_tool("getPet", {"petId": 99})
        assert missing.is_error and text_of(missing)["error"]["status"] == 404
        assert text_of(missing)["body"] == {"error": "not found", "petId": "99"}
        off = await peer.session.call_tool("mismatch", {})
        assert off.is_error and text_of(off)["error"]["type"] == "unexpected_response"
        assert "'missing' is a required property" in text_of(off)["error"]["message"]
        assert text_of(off)["body"]["raw_path"] == "/mismatch"
        assert (await peer.session.call_tool("getPet", {"petId": 2})).is_error is False


@pytest.mark.parametrize(("tool_calls", "read_token", "headers", "allowed"), [
    ("admin", None, {}, False),
    ("admin", READ, READ_HEADERS, False),
    ("admin", READ, ADMIN_HEADERS, True),
    ("read", READ, READ_HEADERS, True),
    ("read", None, {}, True),
    ("off", READ, ADMIN_HEADERS, False),
])
async def test_calls_follow_the_tool_calls_setting(serve, upstream_entry: dict[str, Any], tool_calls: str,
                                                   read_token: str | None, headers: dict[str, str],
                                                   allowed: bool) -> None:
    """tools/call spends the API's credentials: over MCP it needs what POST /tools/{name}/call needs."""
    server = {"admin_token": ADMIN, "tool_calls": tool_calls, **({"read_token": read_token} if read_token else {})}
    running = serve({"specs": [upstream_entry], "server": server})
    async with connect(running.url + "/mcp", headers=headers) as peer:
        assert "getPet" in await peer.names()  # listing follows the read rule whatever tool_calls says
        result = await peer.session.call_tool("getPet", {"petId": 1})
    if allowed:
        assert result.is_error is False and text_of(result)["name"] == "Rex"
    else:
        error = text_of(result)["error"]
        assert result.is_error and error["type"] == "forbidden"
        assert "server.tool_calls" in error["message"]


class ExplodingExecutor(Executor):
    """An executor with a bug: every call raises."""

    async def call(self, tool: Any, arguments: Any) -> Any:
        raise RuntimeError("the executor broke")


async def test_calls_that_cannot_run_never_end_the_session(mcp_app, registry: Registry, tmp_path: Path) -> None:
    """A tool without an MCP definition and a failing executor give isError results; the session goes on."""
    load(registry, tmp_path / "one.json", ["one"])
    hidden = dataclasses.replace(registry.snapshot.tools["one"].tool, name="hidden")
    registry.register(hidden, definitions={"openai": {"type": "function", "name": "hidden"}})
    broken = dataclasses.replace(hidden, name="broken")
    registry.register(broken, definitions={"mcp": {"name": "broken", "description": "no input schema"}})
    served = mcp_app(registry, ExplodingExecutor(ExecutionConfig()))
    async with connect(served.url) as peer:
        assert await peer.names() == ["one"]
        not_mcp = await peer.session.call_tool("hidden", {})
        assert not_mcp.is_error and "not offered over MCP" in text_of(not_mcp)["error"]["message"]
        failed = await peer.session.call_tool("one", {})
        assert failed.is_error and text_of(failed)["error"] == {
            "type": "internal_error", "message": "the call of 'one' failed inside toolsync: RuntimeError: the "
                                                "executor broke"}
        assert await peer.names() == ["one"]


# -- the endpoint on its own -----------------------------------------------------------------------


async def test_tools_list_pages_with_a_cursor(mcp_app, registry: Registry, tmp_path: Path) -> None:
    """A large listing is paged; following nextCursor yields every tool once, in name order."""
    ops = [f"op{i:03d}" for i in range(25)]
    load(registry, tmp_path / "many.json", ops)
    served = mcp_app(registry, page_size=10)
    async with connect(served.url) as peer:
        first = await peer.session.list_tools()
        assert len(first.tools) == 10 and first.next_cursor is not None
        assert await peer.names() == ops
        with pytest.raises(MCPError) as info:
            await peer.session.list_tools(params=types.PaginatedRequestParams(cursor="bm90LW91cnM"))
        assert info.value.error.code == types.INVALID_PARAMS and "without a cursor" in info.value.error.message


async def test_a_cursor_survives_a_reload(mcp_app, registry: Registry, tmp_path: Path) -> None:
    """A cursor names the last tool seen, so paging goes on after the list changed in between."""
    path = tmp_path / "many.json"
    load(registry, path, ["a1", "a2", "b1", "b2"])
    served = mcp_app(registry, page_size=2)
    async with connect(served.url) as peer:
        first = await peer.session.list_tools()
        assert [t.name for t in first.tools] == ["a1", "a2"]
        await asyncio.to_thread(load, registry, path, ["a1", "a2", "a3", "b2", "c1"])
        rest = await peer.session.list_tools(params=types.PaginatedRequestParams(cursor=first.next_cursor))
        assert [t.name for t in rest.tools] == ["a3", "b2"]


async def test_a_closed_session_is_dropped_and_others_still_hear(mcp_app, registry: Registry,
                                                                 tmp_path: Path) -> None:
    """A client that leaves is forgotten; a commit still reaches the client that stayed."""
    load(registry, tmp_path / "one.json", ["one"])
    served = mcp_app(registry)
    async with connect(served.url) as staying:
        async with connect(served.url):
            await asyncio.to_thread(wait_for, lambda: served.mount.sessions == 2, WAIT, "two sessions")
        await asyncio.to_thread(wait_for, lambda: served.mount.sessions == 1, WAIT, "one session left")
        await asyncio.to_thread(load, registry, tmp_path / "two.json", ["two"])
        assert "two" in await staying.changed_until(lambda names: "two" in names)
    await asyncio.to_thread(wait_for, lambda: served.mount.sessions == 0, WAIT, "no session left")


def test_a_commit_before_the_get_stream_opens_is_not_lost(mcp_app, registry: Registry, tmp_path: Path) -> None:
    """A session whose GET stream is not open yet gets the list_changed as soon as it opens one."""
    load(registry, tmp_path / "one.json", ["one"])
    served = mcp_app(registry)
    accept = {"Accept": "application/json, text/event-stream"}
    with httpx.Client(timeout=WAIT) as http:
        init = http.post(served.url, headers=accept, json={"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                                          "params": {"protocolVersion": "2025-06-18",
                                                                     "capabilities": {},
                                                                     "clientInfo": {"name": "raw", "version": "1"}}})
        assert init.status_code == 200 and '"listChanged":true' in init.text
        session = {"Mcp-Session-Id": init.headers["mcp-session-id"], "Mcp-Protocol-Version": "2025-06-18"}
        done = http.post(served.url, headers={**accept, **session},
                         json={"jsonrpc": "2.0", "method": "notifications/initialized"})
        assert done.status_code == 202
        wait_for(lambda: served.mount.sessions == 1, WAIT, "the session to join")
        load(registry, tmp_path / "two.json", ["two"])
        with http.stream("GET", served.url, headers={"Accept": "text/event-stream", **session}) as stream:
            assert stream.status_code == 200
            data = next(line for line in stream.iter_lines() if line.startswith("data:"))
        assert json.loads(data[5:]) == {"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}
        assert http.delete(served.url, headers=session).status_code in (200, 204)


async def test_a_2026_client_hears_through_subscriptions_listen(mcp_app, registry: Registry,
                                                                tmp_path: Path) -> None:
    """A client on the 2026-07-28 protocol gets ToolsListChanged on its subscriptions/listen stream."""
    load(registry, tmp_path / "one.json", ["one"])
    served = mcp_app(registry)
    async with Client(served.url) as client:
        assert client.session.protocol_version == "2026-07-28"
        assert [t.name for t in (await client.list_tools()).tools] == ["one"]
        async with client.listen(tools_list_changed=True) as subscription:
            await asyncio.to_thread(load, registry, tmp_path / "two.json", ["two"])
            async with asyncio.timeout(WAIT):
                event = await anext(aiter(subscription))
        assert type(event).__name__ == "ToolsListChanged"
        assert sorted(t.name for t in (await client.list_tools()).tools) == ["one", "two"]
        called = await client.call_tool("two", {})
        assert called.is_error and text_of(called)["error"]["type"] == "upstream_error"


async def test_the_read_token_guards_the_endpoint(mcp_app, registry: Registry, tmp_path: Path) -> None:
    """With a read token, requests without it get 401 and requests with it are served."""
    load(registry, tmp_path / "one.json", ["one"])
    served = mcp_app(registry, read_token="read-me-3c1f")
    async with httpx.AsyncClient() as http:
        refused = await http.post(served.url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        wrong = await http.post(served.url, json={}, headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401 and "read token" in refused.json()["error"]["message"]
    assert refused.headers["www-authenticate"].startswith("Bearer") and wrong.status_code == 401
    async with connect(served.url, headers={"Authorization": "Bearer read-me-3c1f"}) as peer:
        assert await peer.names() == ["one"]


async def test_the_endpoint_serves_as_a_whole_application(registry: Registry, tmp_path: Path) -> None:
    """Served alone, the endpoint runs its own lifespan and answers on any path."""
    load(registry, tmp_path / "one.json", ["one"])
    async with Executor(ExecutionConfig()) as executor:
        mount = create_mcp_app(registry, executor)
        with BackgroundServer(mount.app) as server:
            assert mount.running
            async with connect(server.url + "/") as peer:
                assert await peer.names() == ["one"]
        assert not mount.running


async def test_the_endpoint_refuses_requests_when_not_running(registry: Registry) -> None:
    """Before its lifespan is entered the endpoint answers 503 with a JSON-RPC error, not a crash."""
    async with Executor(ExecutionConfig()) as executor:
        mount = create_mcp_app(registry, executor)
        transport = httpx.ASGITransport(app=mount.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            answer = await http.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert answer.status_code == 503 and "lifespan" in answer.json()["error"]["message"]


async def test_a_page_size_below_one_is_refused(registry: Registry) -> None:
    """create_mcp_app refuses a page size that could never list a tool."""
    async with Executor(ExecutionConfig()) as executor:
        with pytest.raises(ConfigError, match="page size"):
            create_mcp_app(registry, executor, page_size=0)
