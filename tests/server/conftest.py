"""A real toolsync server on 127.0.0.1 (ephemeral port) per test, plus spec writers and waiting helpers."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.upstream.fixtures import upstream, upstream_url  # noqa: F401
from toolsync.registry import Registry
from toolsync.server import BackgroundServer, create_app
from toolsync.settings import Settings, settings_from_mapping
from toolsync.stores import SQLiteStore

ADMIN = "admin-token-5f1c9a77e0"
READ = "read-token-0b7e33d1c4"
WEBHOOK = "webhook-secret-a9d2c4e8b6"
ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN}"}
READ_HEADERS = {"Authorization": f"Bearer {READ}"}
# Reload quickly in tests; the logic is the same as with the defaults.
FAST_RELOAD = {"debounce_ms": 20}


def spec_doc(ops: list[str], *, title: str = "Items API", version: str = "1.0.0", tag: str = "items",
             required: tuple[str, ...] = ()) -> dict[str, Any]:
    """An OpenAPI 3.1 spec with one GET operation per name in ``ops`` (``required`` ones take a required query)."""
    paths: dict[str, Any] = {}
    for op in ops:
        params = [{"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}] if op in required \
            else []
        paths[f"/{op}"] = {"get": {"operationId": op, "summary": f"Call {op}", "tags": [tag], "parameters": params,
                                   "responses": {"200": {"description": "OK"}}}}
    return {"openapi": "3.1.0", "info": {"title": title, "version": version},
            "servers": [{"url": "http://127.0.0.1:9"}], "paths": paths}


def write_spec(path: Path, doc: dict[str, Any]) -> None:
    """Save a spec the way a careful editor does: write beside it, then rename over it."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n")
    os.replace(tmp, path)


def wait_for(check: Callable[[], Any], timeout: float = 15.0, what: str = "a condition") -> Any:
    """Poll ``check()`` until it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@dataclass
class Running:
    """A started server: its URL, an HTTP client, its registry and settings."""

    url: str
    client: httpx.Client
    registry: Registry
    settings: Settings
    app: Any
    server: BackgroundServer
    stopped: bool = field(default=False)

    def wait_version(self, version: int, timeout: float = 15.0) -> None:
        wait_for(lambda: self.registry.version >= version, timeout, f"version {version}")

    def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            self.client.close()
            self.server.stop()


@pytest.fixture
def spec_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    return folder


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    """Start a server: ``serve({...settings...}, registry=None, roots=(), env={})``; stopped after the test."""
    running: list[Running] = []
    registries: list[Registry] = []

    def start(mapping: dict[str, Any] | None = None, *, registry: Registry | None = None, roots: tuple[str, ...] = (),
              env: dict[str, str] | None = None, ready: bool = True) -> Running:
        data = {"reload": FAST_RELOAD, **(mapping or {})}
        settings = settings_from_mapping(data, base=tmp_path, env=env or {})
        reg = registry if registry is not None else Registry()
        registries.append(reg)
        app = create_app(settings, reg, roots=roots)
        server = BackgroundServer(app)
        server.start()
        item = Running(server.url, httpx.Client(base_url=server.url, timeout=20), reg, settings, app, server)
        running.append(item)
        if ready:
            wait_for(lambda: item.client.get("/readyz").status_code == 200, what="the server to be ready")
        return item

    yield start
    for item in running:
        item.stop()
    for reg in registries:
        reg.close()


@pytest.fixture
def sqlite_registry(tmp_path: Path) -> Callable[[], Registry]:
    """Open a registry on the same SQLite file each time it is called."""
    return lambda: Registry(SQLiteStore(tmp_path / "store" / "registry.db"))


def admin_settings(*specs: str | dict[str, Any], **server: Any) -> dict[str, Any]:
    """Settings with the test admin token, webhook secret and the given spec entries."""
    return {"specs": list(specs), "server": {"admin_token": ADMIN, "webhook_secret": WEBHOOK, **server}}


class SpecHost:
    """A local HTTP server serving one spec document whose content a test can change."""

    def __init__(self, doc: dict[str, Any]) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.body = json.dumps(doc).encode()
        self.requests = 0
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host.requests += 1
                body = host.body
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/openapi.json"

    def serve(self, doc: dict[str, Any]) -> None:
        self.body = json.dumps(doc).encode()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def spec_host() -> Iterator[SpecHost]:
    """A mutable spec served over HTTP on 127.0.0.1 (title "Remote API", one tool)."""
    host = SpecHost(spec_doc(["remoteOne"], title="Remote API"))
    yield host
    host.close()
