"""
The outbound guard: every request, token fetch and redirect hop passes through :func:`check_outbound`.

A URL is allowed when its host (and port) is one the spec's servers name, the configured
override, or an ``allowed_hosts`` entry, *and* every address it resolves to is public unless
``allow_private`` is set (the address rules are ``toolsync.netguard``'s).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import httpx

from ..errors import FetchBlockedError, OutboundBlockedError, ToolsyncError, UpstreamError
from ..limits import FetchPolicy
from ..netguard import check_url
from ._servers import HostRule

__all__ = ["check_outbound", "origin_text"]


def origin_text(url: httpx.URL) -> str:
    """``scheme://host:port/path``: a URL as it may appear in messages and logs (no query)."""
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}{url.path}"


async def check_outbound(url: httpx.URL, rules: Sequence[HostRule], *, allow_private: bool) -> None:
    """
    Raise :class:`OutboundBlockedError` unless ``url`` may be requested.

    Raises:
        OutboundBlockedError: wrong scheme, host not allowed, or a private address.
        UpstreamError: the host name cannot be resolved.
    """
    where = origin_text(url)
    if url.scheme not in ("http", "https"):
        raise OutboundBlockedError(f"only http and https URLs can be called, not {url.scheme!r}", source=where)
    port = url.port or (443 if url.scheme == "https" else 80)
    if not any(rule.matches(url.host, port) for rule in rules):
        allowed = ", ".join(sorted({str(r) for r in rules})) or "none"
        raise OutboundBlockedError(
            f"{url.host}:{port} is not one of the spec's servers (allowed: {allowed}); "
            "add it to allowed_hosts in the spec's configuration if it is trusted",
            source=where, details={"host": url.host, "port": port},
        )
    policy = FetchPolicy(allow_private=allow_private)
    target = str(url.copy_with(query=None))  # no query: it may carry an API key
    try:
        if allow_private:
            check_url(target, policy, resolve=False)  # nothing to resolve: every address is allowed
        else:
            # check_url resolves the name; a thread keeps the blocking lookup off the event loop.
            await asyncio.to_thread(check_url, target, policy, resolve=True)
    except FetchBlockedError as exc:
        raise OutboundBlockedError(
            f"{exc.message}; set allow_private only for APIs on your own network", source=where,
            details={"host": url.host, "port": port},
        ) from exc
    except ToolsyncError as exc:
        raise UpstreamError(f"cannot reach {url.host}: {exc.message}", source=where) from exc
