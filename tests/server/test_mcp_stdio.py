"""``toolsync mcp``: the official ``mcp`` client starts it as a subprocess and talks over stdio."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from typer.testing import CliRunner

from tests.upstream.app import OPENAPI
from toolsync.cli import app

from .conftest import spec_doc, write_spec
from .test_mcp_http import Peer, text_of

# Starting a Python process that imports the SDK can be slow on a busy machine.
START = 60.0


def toolsync_command() -> list[str]:
    """The ``toolsync`` console script of this environment, or the same entry point through Python."""
    script = Path(sys.executable).with_name("toolsync")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from toolsync.cli import main; main()"]


@contextlib.asynccontextmanager
async def stdio_peer(args: list[str], cwd: Path) -> AsyncIterator[Peer]:
    """``toolsync mcp ARGS`` as a subprocess, connected and initialized; its stderr goes to cwd/stderr.log."""
    changes: asyncio.Queue[types.ToolListChangedNotification] = asyncio.Queue()

    async def on_message(message: Any) -> None:
        if isinstance(message, types.ToolListChangedNotification):
            changes.put_nowait(message)

    command = toolsync_command()
    params = StdioServerParameters(command=command[0], args=[*command[1:], "mcp", *args], cwd=str(cwd))
    with (cwd / "stderr.log").open("w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), \
                ClientSession(read, write, message_handler=on_message, read_timeout_seconds=START) as session:
            init = await session.initialize()
            yield Peer(session, changes, init)


async def test_stdio_lists_tools_and_follows_the_spec_file(tmp_path: Path) -> None:
    """The subprocess lists the spec's tools and sends list_changed when the file changes on disk."""
    spec = tmp_path / "items.json"
    write_spec(spec, spec_doc(["listItems"], title="Items"))
    async with stdio_peer([str(spec)], tmp_path) as peer:
        assert peer.init.capabilities.tools is not None and peer.init.capabilities.tools.list_changed is True
        assert await peer.names() == ["listItems"]
        write_spec(spec, spec_doc(["listItems", "addItem"], title="Items"))
        assert sorted(await peer.changed_until(lambda names: "addItem" in names)) == ["addItem", "listItems"]
        unknown = await peer.session.call_tool("removed", {})
        assert unknown.is_error and text_of(unknown)["error"]["type"] == "unknown_tool"
    assert "serving 1 tools from 1 specs" in (tmp_path / "stderr.log").read_text()


async def test_stdio_with_a_configuration_file_calls_the_api(tmp_path: Path, upstream_url: str) -> None:
    """A configuration file sets the server URL; a call over stdio reaches the real API."""
    (tmp_path / "upstream.json").write_text(json.dumps(OPENAPI))
    config = tmp_path / "toolsync.yaml"
    config.write_text(f"specs:\n  - source: upstream.json\n    server_url: {upstream_url}\n"
                      "    allow_private: true\n")
    async with stdio_peer([str(config), "--no-watch"], tmp_path) as peer:
        assert "getPet" in await peer.names()
        pet = await peer.session.call_tool("getPet", {"petId": 3})
        assert pet.is_error is False and text_of(pet)["name"] == "Kiki"
        bad = await peer.session.call_tool("getPet", {"petId": 0})
        assert bad.is_error and text_of(bad)["error"]["type"] == "invalid_arguments"
    assert not (tmp_path / ".toolsync").exists()


@pytest.mark.parametrize(("args", "needle"), [
    ([], "nothing to serve"),
    (["missing.yaml"], "no such file or folder"),
    (["a.toml", "b.toml"], "give one configuration file"),
    (["a.toml", "--log-level", "loud"], "--log-level must be one of"),
])
def test_stdio_refuses_bad_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str],
                                     needle: str) -> None:
    """Bad arguments exit with code 2 and a message on stderr, leaving stdout (the protocol) empty."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TOOLSYNC_CONFIG", raising=False)
    for name in ("a.toml", "b.toml"):
        (tmp_path / name).write_text("")
    result = CliRunner().invoke(app, ["mcp", *args])
    assert result.exit_code == 2 and needle in result.stderr and result.stdout == ""
