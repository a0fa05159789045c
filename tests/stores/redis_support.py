"""Shared pieces of the Redis store tests: reachability, per-test key prefixes, a TCP proxy to cut the line."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
import redis

#: The test server; CI may point elsewhere with TOOLSYNC_TEST_REDIS.
REDIS_URL = os.environ.get("TOOLSYNC_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _unreachable_reason() -> str | None:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"Redis is not reachable at {REDIS_URL} ({exc}); start it to run these tests"
    finally:
        client.close()
    return None


_REASON = _unreachable_reason()

#: Marks a module's tests as needing the Redis server, and skips them with the reason when it is down.
needs_redis = [pytest.mark.redis, pytest.mark.skipif(_REASON is not None, reason=_REASON or "")]


@pytest.fixture
def raw() -> Iterator[redis.Redis]:
    """A plain client of the test server, for looking at keys directly."""
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    client.close()


@pytest.fixture
def prefix(raw: redis.Redis) -> Iterator[str]:
    """A key prefix of this test alone; every key under it is deleted afterwards."""
    name = f"toolsync-test-{uuid.uuid4().hex}:"
    yield name
    keys = list(raw.scan_iter(match=f"{name}*", count=1000))
    if keys:
        raw.delete(*keys)
    assert not list(raw.scan_iter(match=f"{name}*"))


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, what: str = "the condition") -> None:
    """Poll ``condition`` until it holds; fail with ``what`` when ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout} s")
        time.sleep(0.01)


class TcpProxy:
    """
    Forwards 127.0.0.1:<port> to the Redis server; ``stop()`` cuts every connection and refuses new
    ones, ``start()`` listens again on the same port. A network partition on demand.
    """

    def __init__(self) -> None:
        where = urlsplit(REDIS_URL)
        self.target = (where.hostname or "127.0.0.1", where.port or 6379)
        self.port = 0
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._drop_reply = threading.Event()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self._stopping.clear()
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        server.settimeout(0.05)
        self.port = server.getsockname()[1]
        self._spawn(self._accept, server)

    def drop_next_reply(self) -> None:
        """Cut the connection that next receives a reply, after the server acted but before the client heard."""
        self._drop_reply.set()

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
            threads, self._threads = self._threads, []
        for sock in sockets:
            _close(sock)
        for thread in threads:
            thread.join(5)

    def _accept(self, server: socket.socket) -> None:
        with server:
            while not self._stopping.is_set():
                try:
                    client, _ = server.accept()
                except TimeoutError:
                    continue
                client.settimeout(None)
                try:
                    upstream = socket.create_connection(self.target)
                except OSError:
                    client.close()
                    continue
                with self._lock:
                    if self._stopping.is_set():  # stop() ran while we connected
                        _close(client)
                        _close(upstream)
                        continue
                    self._sockets.update((client, upstream))
                self._spawn(self._pump, client, upstream, False)
                self._spawn(self._pump, upstream, client, True)

    def _pump(self, source: socket.socket, sink: socket.socket, replies: bool) -> None:
        try:
            with contextlib.suppress(OSError):
                while data := source.recv(65536):
                    if replies and self._drop_reply.is_set():
                        self._drop_reply.clear()
                        return
                    sink.sendall(data)
        finally:
            _close(source)
            _close(sink)

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    """A running TCP proxy in front of the test server, stopped after the test."""
    made = TcpProxy()
    made.start()
    yield made
    made.stop()
