"""
Pytest fixtures that run the upstream test API on 127.0.0.1 (ephemeral port).

Use them with ``from tests.upstream.fixtures import upstream_url  # noqa: F401`` in a conftest or
test module (the test folder needs an ``__init__.py``), or ``pytest_plugins`` in a test module.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn

from .app import create_app

__all__ = ["UpstreamServer", "serve_upstream", "upstream", "upstream_url"]


@dataclass(frozen=True)
class UpstreamServer:
    """A running upstream app: its base URL and port."""

    url: str
    port: int


def serve_upstream() -> Iterator[UpstreamServer]:
    """Run a fresh upstream app in a background thread until the generator is closed."""
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="upstream-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the upstream test API did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield UpstreamServer(url=f"http://127.0.0.1:{port}", port=port)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def upstream() -> Iterator[UpstreamServer]:
    """The upstream test API, shared by the whole session (tests use distinct keys for state)."""
    yield from serve_upstream()


@pytest.fixture(scope="session")
def upstream_url(upstream: UpstreamServer) -> str:
    """Base URL of the running upstream test API, e.g. ``http://127.0.0.1:54321``."""
    return upstream.url
