"""A real HTTP server on 127.0.0.1 whose routes tests fill in, plus small spec texts."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from toolsync.limits import FetchPolicy

PETSTORE = b"""openapi: 3.0.3
info:
  title: Petstore
  version: 1.0.0
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        '200':
          description: the pets
"""

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Reply:
    """A canned answer: status, headers and body."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def __call__(self, request: BaseHTTPRequestHandler) -> None:
        request.send_response(self.status)
        for name, value in self.headers.items():
            request.send_header(name, value)
        if "Content-Length" not in self.headers:
            request.send_header("Content-Length", str(len(self.body)))
        request.end_headers()
        request.wfile.write(self.body)


class Server:
    """A threaded HTTP server: ``routes[path]`` answers GETs; ``hits`` counts requests per path."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: dict[str, int] = {}
        self.seen_headers: list[dict[str, str]] = []
        self.stop = threading.Event()
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                owner.hits[path] = owner.hits.get(path, 0) + 1
                owner.seen_headers.append(dict(self.headers.items()))
                owner.routes.get(path, Reply(404, b"not found"))(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05})

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    srv.thread.start()
    try:
        yield srv
    finally:
        srv.close()


@pytest.fixture
def local_policy() -> FetchPolicy:
    """A fetch policy that may reach the test server on 127.0.0.1 (and nothing else private)."""
    return FetchPolicy(allowed_hosts=("127.0.0.1",), timeout=5.0)


def slow_loris(stop: threading.Event) -> Handler:
    """A handler that sends its headers one byte at a time, forever (until the test ends)."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        head = b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 10_000
        try:
            for byte in head:
                if stop.is_set():
                    return
                request.wfile.write(bytes([byte]))
                request.wfile.flush()
                time.sleep(0.02)
        except OSError:
            return

    return handle


@dataclass
class RawServer:
    """A one-shot TCP server that answers every connection with fixed bytes, then closes."""

    answer: bytes
    sock: socket.socket = field(init=False)
    thread: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(65536)
                    conn.sendall(self.answer)
                except OSError:
                    pass

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[[bytes], RawServer]]:
    made: list[RawServer] = []

    def make(answer: bytes) -> RawServer:
        made.append(RawServer(answer))
        return made[-1]

    yield make
    for srv in made:
        srv.close()
