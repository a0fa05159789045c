"""Fetching specs over HTTP from a real server on 127.0.0.1: caps, redirects, timeouts, the guard."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import httpx
import pytest

from toolsync.errors import FetchBlockedError, LimitError, SourceError
from toolsync.limits import FetchPolicy, Limits
from toolsync.spec.sources import NotModified, SourceBytes, afetch_url, fetch_url

from .conftest import PETSTORE, RawServer, Reply, Server, slow_loris

LIMITS = Limits()


def test_fetch_returns_bytes_and_validators(server: Server, local_policy: FetchPolicy) -> None:
    """A 200 answer gives the bytes, fingerprint, ETag, Last-Modified and media type."""
    server.routes["/spec"] = Reply(200, PETSTORE, {"ETag": '"v1"', "Last-Modified": "Wed, 01 Jan 2025 00:00:00 GMT",
                                                  "Content-Type": "application/yaml; charset=utf-8"})
    payload = fetch_url(server.url("/spec"), policy=local_policy, limits=LIMITS)
    assert isinstance(payload, SourceBytes)
    assert payload.data == PETSTORE
    assert (payload.etag, payload.media_type) == ('"v1"', "application/yaml")
    assert payload.last_modified == "Wed, 01 Jan 2025 00:00:00 GMT"
    assert payload.location == server.url("/spec")
    assert server.seen_headers[0]["User-Agent"] == "toolsync"


def test_conditional_get_gives_not_modified(server: Server, local_policy: FetchPolicy) -> None:
    """With an ETag and date from before, a 304 answer is NotModified and the validators were sent."""
    server.routes["/spec"] = Reply(304, b"", {"ETag": '"v1"'})
    result = fetch_url(server.url("/spec"), policy=local_policy, limits=LIMITS, etag='"v1"',
                       last_modified="Wed, 01 Jan 2025 00:00:00 GMT")
    assert result == NotModified(server.url("/spec"), '"v1"', "Wed, 01 Jan 2025 00:00:00 GMT")
    assert server.seen_headers[0]["If-None-Match"] == '"v1"'
    assert server.seen_headers[0]["If-Modified-Since"] == "Wed, 01 Jan 2025 00:00:00 GMT"


async def test_async_fetch_and_not_modified(server: Server, local_policy: FetchPolicy) -> None:
    """afetch_url behaves like fetch_url."""
    server.routes["/spec"] = Reply(200, PETSTORE, {"ETag": '"v2"'})
    payload = await afetch_url(server.url("/spec"), policy=local_policy, limits=LIMITS)
    assert isinstance(payload, SourceBytes) and payload.etag == '"v2"'
    server.routes["/spec"] = Reply(304)
    result = await afetch_url(server.url("/spec"), policy=local_policy, limits=LIMITS, etag='"v2"')
    assert isinstance(result, NotModified) and result.etag == '"v2"'


async def test_sync_fetch_works_inside_an_event_loop(server: Server, local_policy: FetchPolicy) -> None:
    """The synchronous fetch can be called from code that runs inside an event loop."""
    server.routes["/spec"] = Reply(200, PETSTORE)
    payload = fetch_url(server.url("/spec"), policy=local_policy, limits=LIMITS)
    assert isinstance(payload, SourceBytes)


def test_http_errors_carry_the_status(server: Server, local_policy: FetchPolicy) -> None:
    """A 404 is a SourceError with the status in its details."""
    with pytest.raises(SourceError, match="HTTP 404") as info:
        fetch_url(server.url("/missing"), policy=local_policy, limits=LIMITS)
    assert info.value.details["status"] == 404


def test_private_url_is_refused_before_any_request(server: Server) -> None:
    """Without allowed_hosts or allow_private the loopback server is never contacted."""
    server.routes["/spec"] = Reply(200, PETSTORE)
    for host in ("127.0.0.1", "localhost", "2130706433", "[::ffff:127.0.0.1]"):
        with pytest.raises(FetchBlockedError):
            fetch_url(server.url("/spec", host), policy=FetchPolicy(), limits=LIMITS)
    assert server.hits == {}


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data", "http://2130706433/",
                                    "http://[::ffff:127.0.0.1]/", "file:///etc/passwd"])
def test_redirect_to_a_private_address_is_refused(server: Server, local_policy: FetchPolicy, target: str) -> None:
    """An allowed host that redirects to a private address or a file URL is stopped at that hop."""
    server.routes["/spec"] = Reply(302, headers={"Location": target})
    with pytest.raises(FetchBlockedError):
        fetch_url(server.url("/spec"), policy=local_policy, limits=LIMITS)


def test_redirect_hops_are_checked_one_by_one(server: Server, local_policy: FetchPolicy) -> None:
    """127.0.0.1 is allowed but localhost is not: the redirect to localhost is refused, and followed
    once allow_private is set."""
    server.routes["/start"] = Reply(301, headers={"Location": server.url("/spec", "localhost")})
    server.routes["/spec"] = Reply(200, PETSTORE)
    with pytest.raises(FetchBlockedError):
        fetch_url(server.url("/start"), policy=local_policy, limits=LIMITS)
    assert "/spec" not in server.hits
    payload = fetch_url(server.url("/start"), policy=FetchPolicy(allow_private=True), limits=LIMITS)
    assert isinstance(payload, SourceBytes)
    assert payload.location == server.url("/spec", "localhost")


def test_extra_headers_stay_on_the_original_origin(server: Server) -> None:
    """Credentials in extra_headers are not sent to the origin a redirect leads to."""
    server.routes["/start"] = Reply(302, headers={"Location": server.url("/spec", "localhost")})
    server.routes["/spec"] = Reply(200, PETSTORE)
    policy = FetchPolicy(allow_private=True, extra_headers={"Authorization": "Bearer s3cret"})
    fetch_url(server.url("/start"), policy=policy, limits=LIMITS)
    assert server.seen_headers[0]["Authorization"] == "Bearer s3cret"
    assert "Authorization" not in server.seen_headers[1]


def test_redirect_loop_is_capped(server: Server, local_policy: FetchPolicy) -> None:
    """A URL that redirects 20 times fails after max_redirects hops."""
    for i in range(20):
        server.routes[f"/r{i}"] = Reply(302, headers={"Location": f"/r{i + 1}"})
    with pytest.raises(SourceError, match="more than 5 redirects"):
        fetch_url(server.url("/r0"), policy=local_policy, limits=LIMITS)
    assert sum(server.hits.values()) == 6


def test_claimed_two_gigabytes_is_refused_unread(raw_server: Callable[[bytes], RawServer],
                                                   local_policy: FetchPolicy) -> None:
    """A Content-Length of 2 GB is refused from the header alone."""
    srv = raw_server(b"HTTP/1.1 200 OK\r\nContent-Length: 2147483648\r\n\r\nopenapi: 3.1.0\n")
    with pytest.raises(LimitError, match="2,147,483,648"):
        fetch_url(f"http://127.0.0.1:{srv.port}/", policy=local_policy, limits=LIMITS)


def test_stream_is_cut_at_the_cap(raw_server: Callable[[bytes], RawServer], local_policy: FetchPolicy) -> None:
    """A body without a length that grows past max_bytes is cut off."""
    body = b"a: 1\n" * 1000
    srv = raw_server(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body)
    with pytest.raises(LimitError):
        fetch_url(f"http://127.0.0.1:{srv.port}/", policy=local_policy, limits=Limits(max_bytes=1000))


def test_slow_loris_times_out(server: Server, local_policy: FetchPolicy) -> None:
    """A server that trickles its headers byte by byte is cut off at the policy's timeout."""
    server.routes["/slow"] = slow_loris(server.stop)
    policy = dataclasses.replace(local_policy, timeout=0.5)
    with pytest.raises(SourceError, match=r"within 0\.5 s") as info:
        fetch_url(server.url("/slow"), policy=policy, limits=LIMITS)
    assert info.value.details["reason"] == "timeout"


async def test_slow_loris_times_out_async(server: Server, local_policy: FetchPolicy) -> None:
    """The async fetch has the same whole-download deadline."""
    server.routes["/slow"] = slow_loris(server.stop)
    with pytest.raises(SourceError, match="within"):
        await afetch_url(server.url("/slow"), policy=dataclasses.replace(local_policy, timeout=0.5), limits=LIMITS)


def test_connection_refused_is_a_source_error(local_policy: FetchPolicy) -> None:
    """Nothing listening is a SourceError, not an httpx exception."""
    with pytest.raises(SourceError, match="cannot fetch"):
        fetch_url("http://127.0.0.1:1/spec", policy=local_policy, limits=LIMITS)


def test_callers_client_is_guarded_too(server: Server) -> None:
    """A caller's own unguarded client still passes every URL through the guard."""
    server.routes["/spec"] = Reply(200, PETSTORE)
    with httpx.Client() as client:
        with pytest.raises(FetchBlockedError):
            fetch_url(server.url("/spec"), policy=FetchPolicy(), limits=LIMITS, client=client)
        payload = fetch_url(server.url("/spec"), policy=FetchPolicy(allowed_hosts=("127.0.0.1",)),
                            limits=LIMITS, client=client)
    assert isinstance(payload, SourceBytes) and payload.data == PETSTORE
    assert server.hits == {"/spec": 1}


async def test_callers_async_client(server: Server, local_policy: FetchPolicy) -> None:
    """afetch_url uses a caller's AsyncClient and still refuses private redirects."""
    server.routes["/spec"] = Reply(200, PETSTORE)
    server.routes["/bad"] = Reply(302, headers={"Location": "http://10.0.0.1/"})
    async with httpx.AsyncClient() as client:
        payload = await afetch_url(server.url("/spec"), policy=local_policy, limits=LIMITS, client=client)
        assert isinstance(payload, SourceBytes)
        with pytest.raises(FetchBlockedError):
            await afetch_url(server.url("/bad"), policy=local_policy, limits=LIMITS, client=client)
