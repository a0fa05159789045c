"""Executor against the real upstream API over loopback."""

from __future__ import annotations

import logging
import socket
import uuid
from dataclasses import replace
from typing import Any

import httpx
import orjson
import pytest

from tests.upstream import app as upstream_app
from tests.upstream.fixtures import UpstreamServer
from toolsync.convert import build_tools
from toolsync.errors import ConfigError
from toolsync.execute import ExecutionConfig, Executor, ToolResult, call_sync
from toolsync.limits import FetchPolicy
from toolsync.spec.loader import aload_spec
from toolsync.tool import Tool

from .helpers import make_tool, operation


async def _call(config: ExecutionConfig, tool: Tool, arguments: dict[str, Any], **kw: Any) -> ToolResult:
    async with Executor(config, **kw) as executor:
        return await executor.call(tool, arguments)


async def test_success_json(upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]) -> None:
    """A JSON answer is parsed into body and sent to the model as compact JSON."""
    result = await _call(upstream_config, upstream_tools["listPets"], {"tags": ["dog", "bird"], "limit": 5})
    assert result.ok and result.status == 200 and result.error is None
    assert [p["name"] for p in result.body] == ["Rex", "Kiki"]
    assert result.text == orjson.dumps(result.body).decode()
    assert result.content_type == "application/json"
    assert result.to_model_text() == result.text


async def test_success_text(upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]) -> None:
    """A text answer is returned as text."""
    result = await _call(upstream_config, upstream_tools["getText"], {})
    assert (result.ok, result.body, result.text) == (True, "hello, world", "hello, world")
    assert result.content_type.startswith("text/plain")


async def test_no_content(upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]) -> None:
    """A 204 answer is ok with no body, and the model still gets a line of text."""
    result = await _call(upstream_config, upstream_tools["deletePet"], {"petId": 1})
    assert (result.ok, result.status, result.body) == (True, 204, None)
    assert result.to_model_text() == "HTTP 204: no content"


async def test_not_found_is_http_error_with_body(
    upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]
) -> None:
    """A 404 is a structured http_error that keeps the API's body for the model."""
    result = await _call(upstream_config, upstream_tools["getPet"], {"petId": 999})
    assert not result.ok
    assert result.error is not None
    assert result.error["type"] == "http_error" and result.error["status"] == 404
    assert result.body == {"error": "not found", "petId": "999"}
    model = orjson.loads(result.to_model_text())
    assert model["body"] == {"error": "not found", "petId": "999"}
    assert "404" in model["error"]["message"]


async def test_server_error(upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]) -> None:
    """A 500 is an http_error with status 500."""
    result = await _call(upstream_config, upstream_tools["getStatus"], {"code": 500})
    assert result.error is not None and (result.error["type"], result.status) == ("http_error", 500)


async def test_get_retried_after_503(upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]) -> None:
    """A GET answered 503 with Retry-After is retried and then succeeds."""
    result = await _call(upstream_config, upstream_tools["flakyGet"], {"key": uuid.uuid4().hex, "fail": 2})
    assert result.ok and result.body == {"attempts": 3}


async def test_post_not_retried(upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]) -> None:
    """A POST answered 503 is not retried: it may have had an effect."""
    result = await _call(upstream_config, upstream_tools["flakyPost"], {"key": uuid.uuid4().hex, "fail": 1})
    assert result.status == 503 and result.body == {"error": "busy", "attempt": 1}
    assert result.error is not None and result.error["retry_after"] == "0"


async def test_retries_are_bounded(upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]) -> None:
    """After max_retries the last 503 is returned."""
    config = replace(upstream_config, max_retries=1)
    result = await _call(config, upstream_tools["flakyGet"], {"key": uuid.uuid4().hex, "fail": 5})
    assert result.status == 503 and result.body["attempt"] == 2


async def test_timeout(upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]) -> None:
    """A slow API gives a timeout error, not an exception."""
    config = replace(upstream_config, timeout=0.2)
    result = await _call(config, upstream_tools["slow"], {"seconds": 1})
    assert result.error is not None and result.error["type"] == "timeout"
    assert result.status is None


async def test_huge_response_is_cut(upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]) -> None:
    """A response over max_response_bytes is cut while streaming, with a visible mark."""
    config = replace(upstream_config, max_response_bytes=10_000)
    result = await _call(config, upstream_tools["big"], {"size": 3_000_000})
    assert result.ok and result.truncated
    assert result.text == "x" * 10_000 + "…[truncated after 10000 bytes]"


async def test_connection_refused_is_upstream_error(upstream_config: ExecutionConfig) -> None:
    """A closed port gives an upstream_error after the retries, never an exception."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = replace(upstream_config, server_url=f"http://127.0.0.1:{port}", max_retries=1)
    result = await _call(config, make_tool(operation("get", "/x")), {})
    assert result.error is not None and result.error["type"] == "upstream_error"
    assert "could not connect" in result.error["message"]


async def test_invalid_arguments_send_nothing(
    upstream: UpstreamServer, upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]
) -> None:
    """Arguments that fail validation come back as invalid_arguments and no request is made."""
    key = uuid.uuid4().hex
    result = await _call(upstream_config, upstream_tools["flakyGet"], {"key": key, "fail": "two"})
    assert result.error is not None and result.error["type"] == "invalid_arguments"
    assert result.error["problems"] == ["at /fail: 'two' is not of type 'integer'"]
    async with httpx.AsyncClient() as probe:
        stats = (await probe.get(f"{upstream.url}/oauth/stats")).json()
    assert f"GET {key}" not in stats["attempts"]


async def test_config_lookup_failure(upstream_tools: dict[str, Tool]) -> None:
    """A per-spec config function that fails gives a configuration error."""

    def lookup(name: str) -> ExecutionConfig:
        raise KeyError(name)

    result = await _call(lookup, upstream_tools["getText"], {})  # type: ignore[arg-type]
    assert result.error is not None and result.error["type"] == "configuration"
    assert "'upstream'" in result.error["message"]


async def test_config_error_passes_through(upstream_tools: dict[str, Tool]) -> None:
    """A ConfigError from the lookup keeps its message."""

    def lookup(name: str) -> ExecutionConfig:
        raise ConfigError("spec upstream is not configured")

    result = await _call(lookup, upstream_tools["getText"], {})
    assert result.error == {"type": "configuration", "message": "spec upstream is not configured"}


async def test_injected_client_is_used_and_left_open(
    upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]
) -> None:
    """An injected client is used for calls and not closed by the executor."""
    async with httpx.AsyncClient() as client:
        result = await _call(upstream_config, upstream_tools["getText"], {}, client=client)
        assert result.ok
        assert not client.is_closed


def test_call_sync(upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]) -> None:
    """call_sync runs one call from synchronous code."""
    result = call_sync(upstream_tools["getPet"], {"petId": 2}, upstream_config)
    assert result.ok and result.body["name"] == "Tom"


@pytest.mark.parametrize(
    ("op_id", "arguments", "check"),
    [
        ("search", {"kind": "pets", "filter": {"name": "Rex", "age": 3}, "ids": [1, 2],
                    "X-Request-Id": "req-1", "session": "s 1;x"},
         lambda e: e["raw_path"] == "/search/pets"
         and e["query"] == "filter%5Bname%5D=Rex&filter%5Bage%5D=3&ids=1%7C2"
         and e["headers"]["x-request-id"] == "req-1" and e["cookies"] == {"session": "s%201%3Bx"}),
        ("signup", {"email": "a@b.example", "age": 30, "newsletter": True},
         lambda e: e["form"] == {"email": ["a@b.example"], "age": ["30"], "newsletter": ["true"]}),
        ("uploadFile", {"file": "data:text/plain;name=n.txt;base64,aGVsbG8=", "description": "greeting"},
         lambda e: e["form"] == {"file": [{"filename": "n.txt", "content_type": "text/plain",
                                           "base64": "aGVsbG8="}], "description": ["greeting"]}),
        ("putNote", {"body": "grüße"},
         lambda e: e["method"] == "PUT" and e["body"] == "grüße"
         and e["headers"]["content-type"] == "text/plain; charset=utf-8"),
    ],
)
async def test_requests_arrive_as_built(
    upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool], op_id: str, arguments: dict[str, Any],
    check: Any,
) -> None:
    """Styles, forms, multipart and text bodies arrive at a real server as intended."""
    result = await _call(upstream_config, upstream_tools[op_id], arguments)
    assert result.ok, result.error
    assert check(result.body), result.body


def test_secrets_constants_are_distinct() -> None:
    """The upstream's secrets are long enough to be redacted (guards the tests below)."""
    for secret in (upstream_app.API_KEY, upstream_app.BEARER_TOKEN, upstream_app.BASIC_PASSWORD,
                   upstream_app.CLIENT_SECRET):
        assert len(secret) >= 8


async def test_logs_name_the_call(
    upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool], caplog: pytest.LogCaptureFixture
) -> None:
    """Each call logs its tool and outcome at INFO."""
    caplog.set_level(logging.INFO, logger="toolsync.execute")
    await _call(upstream_config, upstream_tools["getText"], {})
    assert any("tool getText: 200" in r.getMessage() for r in caplog.records)


async def test_spec_loaded_from_upstream_url_executes(upstream: UpstreamServer) -> None:
    """End to end: load the upstream's spec from its URL, convert it, call tools over loopback."""
    spec = await aload_spec(f"{upstream.url}/openapi.json", fetch=FetchPolicy(allow_private=True))
    tools = {t.operation.operation_id: t for t in build_tools(spec).tools}
    config = ExecutionConfig.for_spec(spec, server_variables={"port": str(upstream.port)}, allow_private=True)
    assert config.source_url == f"{upstream.url}/openapi.json"
    async with Executor(config) as executor:
        pet = await executor.call(tools["getPet"], {"petId": 3})
        upload = await executor.call(tools["uploadFile"], {"file": "data:image/png;name=a.png;base64,UE5H"})
    assert pet.ok and pet.body["name"] == "Kiki"
    assert upload.ok and upload.body["form"]["file"] == [
        {"filename": "a.png", "content_type": "image/png", "base64": "UE5H"}]
