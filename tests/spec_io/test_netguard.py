"""The fetch guard: literal spellings, resolved addresses, policy exemptions and the guarded transports."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from toolsync.errors import FetchBlockedError, SourceError
from toolsync.limits import FetchPolicy
from toolsync.netguard import check_url, guarded_sync_transport, guarded_transport, is_public_address

CLOSED = FetchPolicy()
# A label longer than 63 characters fails inside the resolver call itself: no DNS query leaves the machine.
UNRESOLVABLE = "x" * 64 + ".test"

BLOCKED_URLS = [
    "http://127.0.0.1/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://127.1/",
    "http://0x7f.1/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[0:0:0:0:0:ffff:7f00:1]/",
    "http://[fe80::1%25eth0]/",
    "http://localhost/",
    "http://localhost./",
    "http://LOCALHOST:8080/",
    "http://api.localhost/",
    "http://169.254.169.254/latest/meta-data",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://240.0.0.1/",
    "http://[2002:7f00:1::]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[fd00::1]/",
    "http://ⓛocalhost/",
    "http://%31%32%37.0.0.1/",
    "http://１２７.0.0.1/",
]


@pytest.mark.parametrize("url", BLOCKED_URLS)
def test_private_spellings_are_blocked_without_lookup(url: str) -> None:
    """Every spelling of a private, loopback, link-local or reserved host is refused before any DNS lookup."""
    with pytest.raises(FetchBlockedError) as info:
        check_url(url, CLOSED, resolve=False)
    assert "allowed_hosts" in info.value.message or "allow_private" in info.value.message


@pytest.mark.parametrize("url", ["http://8.8.8.8/", "https://1.1.1.1/x", "http://[2606:4700::1111]/",
                                 "https://api.example.com/openapi.json"])
def test_public_addresses_and_names_pass(url: str) -> None:
    """Public addresses pass, and a public-looking name passes when it is not resolved."""
    check_url(url, CLOSED, resolve=False)


@pytest.mark.parametrize(("url", "reason"), [
    ("ftp://example.com/spec.yaml", "scheme"),
    ("file:///etc/passwd", "scheme"),
    ("gopher://127.0.0.1/", "scheme"),
    ("http://user:secret@example.com/", "userinfo"),
    ("http://@example.com/", "userinfo"),
    ("http:///nohost", "invalid"),
    ("http://999999999999/", "invalid"),
    ("http://1.2.3.256/", "invalid"),
    ("http://example.com:99999/", "invalid"),
])
def test_malformed_or_disallowed_urls(url: str, reason: str) -> None:
    """Bad schemes, user info and malformed hosts or ports are refused with a reason."""
    with pytest.raises(FetchBlockedError) as info:
        check_url(url, CLOSED, resolve=False)
    assert info.value.details["reason"] == reason


def test_resolved_addresses_are_checked() -> None:
    """A name is checked through the addresses it resolves to: localhost resolves to loopback."""
    policy = FetchPolicy(allowed_hosts=("other.test",))
    with pytest.raises(FetchBlockedError) as info:
        check_url("http://localhost/", FetchPolicy(), resolve=True)
    assert info.value.details["host"] == "localhost"
    with pytest.raises(FetchBlockedError):
        check_url("http://2130706433/", policy, resolve=True)


def test_unresolvable_names_are_a_source_error() -> None:
    """A name that does not resolve cannot be checked, so it is refused as unreachable."""
    with pytest.raises(SourceError) as info:
        check_url(f"http://{UNRESOLVABLE}/", CLOSED, resolve=True)
    assert not isinstance(info.value, FetchBlockedError)
    assert info.value.details["reason"] == "unresolvable"


@pytest.mark.parametrize(("allowed", "url"), [
    (("127.0.0.1",), "http://127.0.0.1:8080/"),
    (("localhost",), "http://localhost/"),
    (("*.corp.test",), "http://api.corp.test/"),
    (("[::1]",), "http://[::1]/"),
])
def test_allowed_hosts_exempt_private_addresses(allowed: tuple[str, ...], url: str) -> None:
    """A host listed in allowed_hosts (exactly or by *.suffix) may be private."""
    check_url(url, FetchPolicy(allowed_hosts=allowed), resolve=True)


def test_allowed_hosts_do_not_match_lookalikes() -> None:
    """"*.corp.test" does not let "evilcorp.test" or "corp.test.evil" through."""
    policy = FetchPolicy(allowed_hosts=("*.corp.test",))
    for url in ("http://10.1.1.1/", "http://evilcorp.test.localhost/"):
        with pytest.raises(FetchBlockedError):
            check_url(url, policy, resolve=False)


def test_allow_private_opens_everything_but_scheme_and_userinfo() -> None:
    """allow_private lets private addresses through but still refuses bad schemes and credentials."""
    policy = FetchPolicy(allow_private=True)
    check_url("http://127.0.0.1/", policy)
    check_url("http://169.254.169.254/", policy, resolve=False)
    with pytest.raises(FetchBlockedError):
        check_url("file:///etc/passwd", policy)
    with pytest.raises(FetchBlockedError):
        check_url("http://a:b@127.0.0.1/", policy)


@pytest.mark.parametrize(("ip", "public"), [
    ("8.8.8.8", True),
    ("2606:4700::1111", True),
    ("[2606:4700::1111]", True),
    ("127.0.0.1", False),
    ("::ffff:127.0.0.1", False),
    ("::ffff:8.8.8.8", True),
    ("fe80::1%eth0", False),
    ("100.100.100.100", False),
    ("198.18.0.1", False),
    ("192.0.2.1", False),
    ("ff02::1", False),
    ("not an address", False),
    ("", False),
])
def test_is_public_address(ip: str, public: bool) -> None:
    """is_public_address accepts only public unicast addresses, including ones embedded in IPv6."""
    assert is_public_address(ip) is public


def test_sync_transport_checks_every_redirect_hop() -> None:
    """A redirect from an allowed host to the metadata address is refused before it is sent."""
    sent: list[str] = []

    def app(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data"})

    policy = FetchPolicy(allowed_hosts=("api.test",))
    transport = guarded_sync_transport(policy, httpx.MockTransport(app))
    with httpx.Client(transport=transport, follow_redirects=True) as client, \
            pytest.raises(FetchBlockedError):
        client.get("http://api.test/spec.json")
    assert sent == ["http://api.test/spec.json"]


async def test_async_transport_refuses_private_targets() -> None:
    """The async transport refuses a literal private address and sends allowed requests unchanged."""

    def app(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=request.headers["host"])

    policy = FetchPolicy(allowed_hosts=("api.test",))
    transport = guarded_transport(policy, httpx.MockTransport(app))
    async with httpx.AsyncClient(transport=transport) as client:
        response = await client.get("http://api.test/x")
        assert response.text == "api.test"
        with pytest.raises(FetchBlockedError):
            await client.get("http://[::ffff:169.254.169.254]/")


def test_transport_turns_lookup_failures_into_connect_errors() -> None:
    """A name that does not resolve fails like any unreachable host: an httpx.ConnectError."""
    transport = guarded_sync_transport(CLOSED, httpx.MockTransport(lambda r: httpx.Response(200)))
    with httpx.Client(transport=transport) as client, pytest.raises(httpx.ConnectError):
        client.get(f"http://{UNRESOLVABLE}/")


def test_plain_http_is_pinned_to_the_checked_address() -> None:
    """A plain-HTTP request goes to the address that passed the check, keeping its Host header; HTTPS is
    left to certificate verification."""
    from toolsync.netguard import _pinned, _Target

    target = _Target("api.example.com", 80, None, exempt=False)
    checked = ipaddress.ip_address("93.184.216.34")
    request = httpx.Request("GET", "http://api.example.com/spec.json?x=1")
    pinned = _pinned(request, target, checked)
    assert str(pinned.url) == "http://93.184.216.34/spec.json?x=1"
    assert pinned.headers["host"] == "api.example.com"
    secure = httpx.Request("GET", "https://api.example.com/spec.json")
    assert _pinned(secure, target, checked) is secure
