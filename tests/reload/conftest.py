"""Fixtures for the hot-reload tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .helpers import SpecServer


@pytest.fixture
def spec_server() -> Iterator[SpecServer]:
    server = SpecServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        server.thread.join()
