"""
The fetch guard: which URLs toolsync may request.

A URL passes when its scheme is allowed, it carries no user name or password, and every
address its host stands for is public, unless ``FetchPolicy.allow_private`` is set or the
host is listed in ``FetchPolicy.allowed_hosts``. Hosts are checked as :mod:`ipaddress`
objects, never as strings: the literal spellings ``2130706433``, ``0x7f000001``,
``017700000001`` and ``127.1`` all mean 127.0.0.1, ``[::ffff:127.0.0.1]`` is 127.0.0.1
too, and a name is checked through every address ``getaddrinfo`` returns for it.

:func:`guarded_transport` wraps an httpx transport so that every request it sends, and so
every redirect hop, is checked; plain-HTTP requests go to the very address that was checked,
so a name that resolves differently a moment later (DNS rebinding) cannot slip through.

Example::

    policy = FetchPolicy()
    check_url("https://api.example.com/openapi.json", policy)
    with httpx.Client(transport=guarded_sync_transport(policy)) as client:
        client.get("https://api.example.com/openapi.json")
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

import httpx

from .errors import FetchBlockedError, SourceError
from .limits import FetchPolicy

__all__ = [
    "check_url",
    "guarded_sync_transport",
    "guarded_transport",
    "is_public_address",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Names that reach the machine itself or a cloud metadata service without any DNS lookup.
_PRIVATE_NAMES = frozenset({"localhost", "metadata", "metadata.google.internal", "instance-data"})
_PRIVATE_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa")

# Ranges that ``ipaddress.is_global`` misses or that carry another address inside them.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_V4_MULTICAST = ipaddress.ip_network("224.0.0.0/4")


def is_public_address(ip: str) -> bool:
    """
    True when ``ip`` (an IPv4 or IPv6 literal, brackets and zone id allowed) is a public unicast address.

    Loopback, private, link-local, carrier-grade NAT, multicast, reserved, unspecified and
    documentation ranges are not public, and neither is an IPv6 address that embeds such an
    IPv4 address (mapped, 6to4, Teredo, NAT64). Anything that is not an address is not public.
    """
    address = _parse_ip(ip)
    return address is not None and _is_public(address)


def check_url(url: str, policy: FetchPolicy, *, resolve: bool = True) -> None:
    """
    Raise :class:`FetchBlockedError` unless ``policy`` allows requesting ``url``.

    With ``resolve`` the host name is looked up and every address it resolves to must be
    public; without it only the literal host is judged (a name then passes unless it is a
    well-known private name such as ``localhost``).

    Raises:
        FetchBlockedError: bad scheme, user info in the URL, or a private address.
        SourceError: the host name cannot be resolved (it cannot be checked, so it is not fetched).
    """
    target = _target(url, policy)
    if target.exempt or not resolve:
        return
    _check_addresses(url, target, _resolve(url, target))


def guarded_transport(
    policy: FetchPolicy, inner: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncBaseTransport:
    """An async transport that checks every request with :func:`check_url` before ``inner`` sends it."""
    return _AsyncGuardedTransport(policy, inner or httpx.AsyncHTTPTransport())


def guarded_sync_transport(policy: FetchPolicy, inner: httpx.BaseTransport | None = None) -> httpx.BaseTransport:
    """The synchronous twin of :func:`guarded_transport`."""
    return _GuardedTransport(policy, inner or httpx.HTTPTransport())


@dataclass(frozen=True, slots=True)
class _Target:
    """A URL's host as the guard sees it."""

    host: str  # lower case, no brackets, no zone id, no trailing dot
    port: int
    literal: IPAddress | None  # set when the host is an address in any spelling
    exempt: bool  # allowed by policy without looking at addresses


def _target(url: str, policy: FetchPolicy) -> _Target:
    parts = _split(url)
    if parts.scheme not in policy.allowed_schemes:
        allowed = ", ".join(policy.allowed_schemes) or "none"
        raise FetchBlockedError(f"the URL scheme {parts.scheme or '(none)'!r} is not allowed (allowed: {allowed})",
                                source=url, details={"reason": "scheme"})
    if parts.username is not None or parts.password is not None:
        raise FetchBlockedError("URLs with a user name or password are refused; pass credentials in headers",
                                source=url, details={"reason": "userinfo"})
    if not parts.netloc:
        raise FetchBlockedError("the URL has no host", source=url, details={"reason": "invalid"})
    host = _clean_host(parts.hostname or "", url)
    port = _port(parts, url)
    exempt = policy.allow_private or _host_allowed(host, policy.allowed_hosts)
    literal = _parse_host_literal(host, url)
    if not exempt:
        _check_literal(url, host, literal)
    return _Target(host, port, literal, exempt)


def _split(url: str) -> urllib.parse.SplitResult:
    try:
        parts = urllib.parse.urlsplit(url.strip())
    except ValueError as exc:
        raise FetchBlockedError(f"not a valid URL ({exc})", source=url, details={"reason": "invalid"}) from exc
    return parts


def _port(parts: urllib.parse.SplitResult, url: str) -> int:
    try:
        port = parts.port
    except ValueError as exc:
        raise FetchBlockedError(f"the URL's port is not valid ({exc})", source=url,
                                details={"reason": "invalid"}) from exc
    return port if port is not None else (443 if parts.scheme == "https" else 80)


def _clean_host(host: str, url: str) -> str:
    host = urllib.parse.unquote(host).lower().split("%", 1)[0].rstrip(".")
    if not host.isascii():
        # IDNA maps look-alikes ("ⓛocalhost") to what the resolver will actually look up.
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            host = ""
    if not host or any(ch.isspace() or ord(ch) < 0x21 for ch in host):
        raise FetchBlockedError("the URL has no valid host", source=url, details={"reason": "invalid"})
    return host


def _host_allowed(host: str, allowed: Iterable[str]) -> bool:
    for pattern in allowed:
        pattern = pattern.lower().strip("[]").rstrip(".")
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]):
                return True
        elif host == pattern:
            return True
    return False


def _parse_host_literal(host: str, url: str) -> IPAddress | None:
    """The address a host spells, in any form a resolver or browser accepts; None for a name."""
    address = _parse_ip(host)
    if address is not None:
        return address
    labels = host.split(".")
    if not _is_numeric_label(labels[-1]):
        return None
    # Like the WHATWG URL parser: a host whose last label is a number is an IPv4 address or invalid.
    v4 = _inet_aton(labels)
    if v4 is None:
        raise FetchBlockedError(f"the host {host!r} is neither a valid name nor a valid IPv4 address",
                                source=url, details={"reason": "invalid"})
    return v4


def _is_numeric_label(label: str) -> bool:
    if label[:2] in ("0x", "0X"):
        return all(c in "0123456789abcdefABCDEF" for c in label[2:])
    return label.isdigit()


def _inet_aton(labels: list[str]) -> ipaddress.IPv4Address | None:
    """Parse the 1-4 part decimal/octal/hex forms ``inet_aton`` accepts (``127.1``, ``0x7f000001``)."""
    if not 1 <= len(labels) <= 4:
        return None
    try:
        numbers = [_number(label) for label in labels]
    except ValueError:
        return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for i, n in enumerate(head):
        value |= n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


def _number(label: str) -> int:
    if label[:2] in ("0x", "0X"):
        return int(label[2:] or "0", 16)
    if len(label) > 1 and label.startswith("0"):
        return int(label, 8)
    return int(label, 10)


def _parse_ip(text: str) -> IPAddress | None:
    text = text.strip().strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _check_literal(url: str, host: str, literal: IPAddress | None) -> None:
    if literal is not None:
        if not _is_public(literal):
            raise _private(url, host, str(literal))
        return
    if host in _PRIVATE_NAMES or host.endswith(_PRIVATE_SUFFIXES):
        raise FetchBlockedError(
            f"{host} names a local or internal host; add it to allowed_hosts or set allow_private "
            "if it is trusted", source=url, details={"reason": "private", "host": host})


def _is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_v4(address)
        if embedded is not None:
            return _is_public(embedded)
    if address.is_multicast or address in _V4_MULTICAST:
        return False
    return address.is_global and not (address.is_reserved or address.is_link_local)


def _embedded_v4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo client, NAT64), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64 or address in _NAT64_LOCAL:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _private(url: str, host: str, address: str) -> FetchBlockedError:
    shown = host if host == address else f"{host} ({address})"
    return FetchBlockedError(
        f"{shown} is a private, loopback, link-local or reserved address; add the host to allowed_hosts "
        "or set allow_private if it is trusted", source=url,
        details={"reason": "private", "host": host, "address": address})


def _resolve(url: str, target: _Target) -> list[IPAddress]:
    if target.literal is not None:
        return [target.literal]
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise SourceError(f"cannot resolve the host {target.host} ({exc})", source=url,
                          details={"reason": "unresolvable", "host": target.host}) from exc
    return _addresses(url, target, (info[4][0] for info in infos))


async def _aresolve(url: str, target: _Target) -> list[IPAddress]:
    if target.literal is not None:
        return [target.literal]
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise SourceError(f"cannot resolve the host {target.host} ({exc})", source=url,
                          details={"reason": "unresolvable", "host": target.host}) from exc
    return _addresses(url, target, (info[4][0] for info in infos))


def _addresses(url: str, target: _Target, raw: Iterable[object]) -> list[IPAddress]:
    out: list[IPAddress] = []
    for item in raw:
        address = _parse_ip(str(item))
        if address is not None and address not in out:
            out.append(address)
    if not out:
        raise SourceError(f"the host {target.host} resolves to no address", source=url,
                          details={"reason": "unresolvable", "host": target.host})
    return out


def _check_addresses(url: str, target: _Target, addresses: list[IPAddress]) -> None:
    # Every address must pass: a name that also points at 127.0.0.1 is refused as a whole.
    for address in addresses:
        if not _is_public(address):
            raise _private(url, target.host, str(address))


def _pinned(request: httpx.Request, target: _Target, address: IPAddress) -> httpx.Request:
    """
    A plain-HTTP request sent to the address that was checked, keeping its Host header.

    Without this a name could resolve to a public address for the check and to 127.0.0.1 for
    the connection (DNS rebinding). HTTPS is left alone: the certificate is verified against the
    name, which a rebinding attacker cannot satisfy, and pooled TLS connections stay per name.
    """
    if target.literal is not None or request.url.scheme != "http":
        return request
    return httpx.Request(request.method, request.url.copy_with(host=str(address)), headers=request.headers,
                         stream=request.stream, extensions=request.extensions)


class _GuardedTransport(httpx.BaseTransport):
    def __init__(self, policy: FetchPolicy, inner: httpx.BaseTransport) -> None:
        self._policy = policy
        self._inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        target = _target(url, self._policy)
        if target.exempt:
            return self._inner.handle_request(request)
        try:
            addresses = _resolve(url, target)
        except SourceError as exc:
            raise httpx.ConnectError(exc.message, request=request) from exc
        _check_addresses(url, target, addresses)
        return self._inner.handle_request(_pinned(request, target, addresses[0]))

    def close(self) -> None:
        self._inner.close()


class _AsyncGuardedTransport(httpx.AsyncBaseTransport):
    def __init__(self, policy: FetchPolicy, inner: httpx.AsyncBaseTransport) -> None:
        self._policy = policy
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        target = _target(url, self._policy)
        if target.exempt:
            return await self._inner.handle_async_request(request)
        try:
            addresses = await _aresolve(url, target)
        except SourceError as exc:
            raise httpx.ConnectError(exc.message, request=request) from exc
        _check_addresses(url, target, addresses)
        return await self._inner.handle_async_request(_pinned(request, target, addresses[0]))

    async def aclose(self) -> None:
        await self._inner.aclose()


