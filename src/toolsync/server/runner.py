"""
Running the app under uvicorn: graceful shutdown that ends event streams first, and a background
server for tests and embedding.

:class:`GracefulServer` is a ``uvicorn.Server`` that (1) tells the app it is stopping before
uvicorn waits for open connections, so Server-Sent Event streams end instead of holding the
shutdown, and (2) does not re-raise SIGINT/SIGTERM after a clean shutdown, so Ctrl-C ends
``toolsync serve`` without a traceback.

Example::

    with BackgroundServer(create_app(settings, registry)) as server:
        httpx.get(server.url + "/healthz")
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from types import FrameType, TracebackType
from typing import Any, Self

import uvicorn
from starlette.applications import Starlette

from ..errors import ConfigError

__all__ = ["BackgroundServer", "GracefulServer", "uvicorn_config"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def uvicorn_config(app: Starlette, host: str, port: int, *, log_level: str = "info",
                   **options: Any) -> uvicorn.Config:
    """The uvicorn configuration toolsync serves with (no server header, bounded graceful shutdown)."""
    options.setdefault("timeout_graceful_shutdown", 5)
    return uvicorn.Config(app, host=host, port=port, log_level=log_level, server_header=False,
                          proxy_headers=False, **options)


class GracefulServer(uvicorn.Server):
    """A uvicorn server that stops the app's streams first and swallows the signal that stopped it."""

    def __init__(self, config: uvicorn.Config, on_stopping: Callable[[], None] | None = None) -> None:
        super().__init__(config)
        app = config.app
        self._on_stopping = on_stopping or getattr(getattr(app, "state", None), "toolsync_stopping", None)
        self.signalled: int | None = None

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._on_stopping is not None:
            self._on_stopping()
        await super().shutdown(sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        originals = {sig: signal.signal(sig, self._on_signal) for sig in _SIGNALS}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)

    def _on_signal(self, sig: int, frame: FrameType | None) -> None:
        self.signalled = sig
        self.handle_exit(sig, frame)

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        for server in getattr(self, "servers", []):
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return int(self.config.port)


class BackgroundServer:
    """Serve ``app`` on 127.0.0.1 (an ephemeral port by default) in a thread, as a context manager."""

    def __init__(self, app: Starlette, *, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning",
                 start_timeout: float = 20.0) -> None:
        self.server = GracefulServer(uvicorn_config(app, host, port, log_level=log_level))
        self._thread = threading.Thread(target=self.server.run, name="toolsync-server", daemon=True)
        self._timeout = start_timeout
        self.host = host

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.server.port}"

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + self._timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise ConfigError(f"the server did not start on {self.host}", source="server")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
