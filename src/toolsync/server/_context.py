"""What every handler reaches through ``request.app.state.toolsync``."""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field

from starlette.requests import HTTPConnection

from ..registry import Registry, Snapshot
from ..settings import Settings
from .access import Access
from .events import EventHub
from .metrics import Metrics
from .problems import dumps
from .service import Service
from .webhook import WebhookVerifier

__all__ = ["AppContext", "RenderedCache", "context", "dumps"]


class RenderedCache:
    """The last few ``GET /tools`` bodies by ETag: a body is encoded once per snapshot and filter."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._bodies: OrderedDict[str, bytes] = OrderedDict()

    def get(self, etag: str) -> bytes | None:
        body = self._bodies.get(etag)
        if body is not None:
            self._bodies.move_to_end(etag)
        return body

    def put(self, etag: str, body: bytes) -> None:
        self._bodies[etag] = body
        while len(self._bodies) > self._size:
            self._bodies.popitem(last=False)


def tools_etag(snapshot: Snapshot, provider: str, spec: str | None, tag: str | None) -> str:
    """A strong ETag for one snapshot, provider and filter (it changes with the version in the body)."""
    seed = "\0".join((str(snapshot.version), provider, snapshot.etag(provider), spec or "", tag or ""))
    return f'"{hashlib.sha256(seed.encode()).hexdigest()[:32]}"'


@dataclass(eq=False)
class AppContext:
    settings: Settings
    registry: Registry
    service: Service
    access: Access
    webhook: WebhookVerifier
    metrics: Metrics
    hub: EventHub
    rendered: RenderedCache = field(default_factory=RenderedCache)
    close_registry: bool = False
    stop: asyncio.Event | None = None  # set when the server begins to shut down

    def stopping(self) -> None:
        """The server is shutting down: end event streams and MCP sessions now (idempotent)."""
        self.hub.close()
        if self.stop is not None:
            self.stop.set()


def context(connection: HTTPConnection) -> AppContext:
    found: AppContext = connection.app.state.toolsync
    return found
