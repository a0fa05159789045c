"""The outbound guard: allowed hosts, private addresses, redirects, and when retries wait."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest

from tests.upstream.fixtures import UpstreamServer
from toolsync.errors import OutboundBlockedError
from toolsync.execute import ExecutionConfig, Executor, ResolvedCredentials
from toolsync.execute._retry import parse_retry_after
from toolsync.execute._servers import HostRule, allowed_hosts, host_rule
from toolsync.execute.executor import _redirected
from toolsync.execute.guard import check_outbound
from toolsync.ir import Server, ServerVariable
from toolsync.tool import Tool

from .helpers import make_tool, operation, param


async def _redirect(config: ExecutionConfig, tool: Tool, to: str) -> dict[str, object] | None:
    async with Executor(config) as executor:
        result = await executor.call(tool, {"to": to})
    return result.error if not result.ok else {"ok": True, "body": result.body}


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:1/",
        "http://localhost:{port}/text",
        "http://evil.example/",
        "file:///etc/passwd",
    ],
)
async def test_redirects_off_the_servers_are_blocked(
    upstream: UpstreamServer, upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool], target: str
) -> None:
    """A redirect to metadata, another port, another name or another scheme is blocked, not followed."""
    error = await _redirect(upstream_config, upstream_tools["redirect"], target.format(port=upstream.port))
    assert error is not None and error["type"] == "blocked", error


async def test_same_origin_redirect_is_followed(
    upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]
) -> None:
    """A redirect within the server is followed (and guarded again)."""
    assert await _redirect(upstream_config, upstream_tools["redirect"], "/text") == {
        "ok": True, "body": "hello, world"}


async def test_redirect_limit(upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool]) -> None:
    """More redirects than max_redirects give an upstream_error."""
    config = replace(upstream_config, max_redirects=1)
    error = await _redirect(config, upstream_tools["redirect"], "/redirect?to=/redirect%3Fto%3D/text")
    assert error is not None and error["type"] == "upstream_error"
    assert "redirected more than 1 times" in str(error["message"])


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "2130706433", "127.1", "[::ffff:127.0.0.1]"])
async def test_private_server_blocked_without_allow_private(
    upstream: UpstreamServer, upstream_config: ExecutionConfig, upstream_tools: dict[str, Tool], host: str
) -> None:
    """A server that is (or resolves to) a loopback address is refused unless allow_private is set."""
    config = replace(upstream_config, server_url=f"http://{host}:{upstream.port}", allow_private=False)
    async with Executor(config) as executor:
        result = await executor.call(upstream_tools["getText"], {})
    assert result.error is not None and result.error["type"] == "blocked", result.error
    assert "allow_private" in result.error["message"]


async def test_check_outbound_rules() -> None:
    """The guard checks scheme, host and port before any address."""
    rules = [HostRule("api.example.com", 443), host_rule("*.example.org")]
    with pytest.raises(OutboundBlockedError, match="only http and https"):
        await check_outbound(httpx.URL("ftp://api.example.com/"), rules, allow_private=True)
    with pytest.raises(OutboundBlockedError, match="not one of the spec's servers"):
        await check_outbound(httpx.URL("https://api.example.com:8443/"), rules, allow_private=True)
    with pytest.raises(OutboundBlockedError, match="not one of the spec's servers"):
        await check_outbound(httpx.URL("https://example.org.evil.test/"), rules, allow_private=True)
    await check_outbound(httpx.URL("https://API.example.com/x"), rules, allow_private=True)
    await check_outbound(httpx.URL("http://a.b.example.org:9/x"), rules, allow_private=True)


async def test_allowed_host_still_needs_public_address() -> None:
    """Listing a metadata address in allowed_hosts does not make a private address reachable."""
    rules = [host_rule("169.254.169.254")]
    with pytest.raises(OutboundBlockedError, match="private"):
        await check_outbound(httpx.URL("http://169.254.169.254/latest"), rules, allow_private=False)


def test_allowed_hosts_cover_servers_override_and_extras() -> None:
    """Allowed hosts: every server (enum values expanded), the override, allowed_hosts and token URLs."""
    server = Server("https://{region}.api.example.com", variables={"region": ServerVariable("eu", ("eu", "us"))})
    op = operation("get", "/x", servers=[server, Server("http://other.example.com:8080/v1")])
    config = ExecutionConfig(server_url="https://override.example.com", allowed_hosts=("cdn.example.net",))
    rules = {str(r) for r in allowed_hosts(op, config, ("https://auth.example.com/token",))}
    assert rules == {"eu.api.example.com:443", "us.api.example.com:443", "other.example.com:8080",
                     "override.example.com:443", "cdn.example.net", "auth.example.com:443"}


def test_cross_origin_redirect_drops_credentials() -> None:
    """Credentials are not carried to another origin; a 303 turns a POST into a body-less GET."""
    creds = ResolvedCredentials(headers={"X-Key": "k1234"}, secrets=("k1234",))
    request = httpx.Request("POST", "https://a.example/x", headers={"Authorization": "Bearer t", "X-Key": "k1234",
                            "Content-Type": "application/json", "X-Other": "1"}, content=b"{}")
    moved = httpx.Response(303, headers={"Location": "https://b.example/y"})
    hop = _redirected(request, moved, creds)
    assert (hop.method, str(hop.url), hop.content) == ("GET", "https://b.example/y", b"")
    assert "authorization" not in hop.headers and "x-key" not in hop.headers
    assert "content-type" not in hop.headers and hop.headers["x-other"] == "1"
    assert hop.headers["host"] == "b.example"
    kept = _redirected(request, httpx.Response(307, headers={"Location": "/z"}), creds)
    assert (kept.method, str(kept.url), kept.content) == ("POST", "https://a.example/z", b"{}")
    assert kept.headers["authorization"] == "Bearer t"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5.0),
        ("0", 0.0),
        ("Wed, 01 May 2024 12:00:30 GMT", 30.0),
        ("Wed, 01 May 2024 11:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("-3", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    """Retry-After is read as seconds or an HTTP date; anything else is ignored."""
    now = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after(value, now=now) == expected


async def test_long_retry_after_is_not_waited(
    upstream: UpstreamServer, upstream_config: ExecutionConfig
) -> None:
    """A Retry-After longer than max_retry_wait is handed back instead of waited for."""
    op = operation("get", "/flaky", [param("key", "query"), param("retry_after", "query")],
                   servers=[Server(upstream.url)])
    config = replace(upstream_config, server_url=None, max_retry_wait=1.0)
    async with Executor(config) as executor:
        result = await executor.call(make_tool(op), {"key": "long-wait", "retry_after": "3600"})
    assert result.status == 503
    assert result.error is not None and result.error["retry_after"] == "3600"
