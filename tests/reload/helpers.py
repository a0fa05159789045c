"""Spec writers, a scriptable local spec server and waiting helpers for the hot-reload tests."""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time
from collections.abc import Callable
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from toolsync.reload import ReloadSettings

# Fast timings for tests: the logic is the same as with the defaults, only the waits are shorter.
FAST = ReloadSettings(debounce=0.05, settle=0.05, confirm=0.3, grace=0.4, retry_delays=(0.05, 0.1, 0.1),
                      file_poll_interval=0.05)


def spec_yaml(ops: list[str], *, title: str = "Petstore", summary: str = "", version: str = "1.0.0",
              extra: str = "") -> str:
    """An OpenAPI 3.0 YAML spec with one GET operation per name in ``ops``."""
    lines = ["openapi: 3.0.3", "info:", f"  title: {title}", f"  version: {version}", "paths:"]
    for op in ops:
        lines += [f"  /{op}:", "    get:", f"      operationId: {op}", f"      summary: {summary or op} summary",
                  "      responses:", "        '200':", "          description: ok"]
    return "\n".join(lines) + "\n" + extra


def write_in_place(path: Path, text: str) -> None:
    """Open, truncate and write: how most editors save a small file."""
    with open(path, "w") as f:
        f.write(text)


def write_atomic(path: Path, text: str) -> None:
    """Write a temporary file beside it and rename it over: how careful editors save."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


def tools_of(registry, spec: str | None = None) -> set[str]:
    """Tool names served now (of one spec, or all)."""
    snapshot = registry.snapshot
    if spec is None:
        return set(snapshot.tools)
    entry = snapshot.specs.get(spec)
    return set(entry.tools) if entry is not None else set()


async def eventually(check: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    """Wait until ``check()`` is truthy (polling), or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.01)


def our_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("toolsync")]


class SpecServer:
    """A local HTTP server that serves one spec body, with scripted answers and validators."""

    def __init__(self) -> None:
        self.body = b""
        self.validators = "etag"  # "etag", "last-modified" or "none"
        self.script: list[int] = []  # statuses to answer next, one per request (500, 304, ...)
        self.requests: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.modified = formatdate(usegmt=True)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.answer(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), name="spec-server", daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/openapi.yaml"

    def serve(self, text: str) -> None:
        with self.lock:
            self.body = text.encode()
            self.modified = formatdate(time.time() + len(self.requests), usegmt=True)

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.requests.append(dict(handler.headers.items()))
            status = self.script.pop(0) if self.script else 200
            body, modified = self.body, self.modified
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if status == 200 and self.validators == "etag" and handler.headers.get("If-None-Match") == etag:
            status = 304
        if (status == 200 and self.validators == "last-modified"
                and handler.headers.get("If-Modified-Since") == modified):
            status = 304
        handler.send_response(status)
        if status == 200:
            handler.send_header("Content-Type", "application/yaml")
            handler.send_header("Content-Length", str(len(body)))
            if self.validators == "etag":
                handler.send_header("ETag", etag)
            if self.validators == "last-modified":
                handler.send_header("Last-Modified", modified)
            handler.end_headers()
            handler.wfile.write(body)
        else:
            handler.send_header("Content-Length", "0")
            handler.end_headers()
