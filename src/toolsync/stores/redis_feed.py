"""
The change feed of a Redis store: one background thread that learns of other replicas' commits.

Commits publish their version on ``{prefix}commits``. A message can be lost while the connection
is down, so every (re)subscription also reads the current version: a replica that was cut off
learns of everything it missed as soon as it is back, and its registry adopts the newest snapshot
(the store's event stream then gives the missed events in order).
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import uuid
from collections.abc import Callable
from typing import Any

import redis
from redis.exceptions import RedisError

__all__ = ["ChangeFeed"]

log = logging.getLogger("toolsync.stores.redis")

_POLL = 1.0  # seconds between checks of the stop flag when no message arrives


class ChangeFeed:
    """
    A daemon thread that calls ``on_version(version)`` for each commit announced on ``channel``.

    Args:
        client: the store's client (the thread takes one connection from its pool).
        channel: where commits publish their version.
        read_version: the store's current version, read after each (re)subscription.
        on_version: called from the thread; must not raise.
        where: the store's URL, password masked, for log lines.
        backoff: first and longest wait, in seconds, between reconnection attempts (with jitter).
    """

    def __init__(self, client: redis.Redis, channel: str, read_version: Callable[[], int],
                 on_version: Callable[[int], None], *, where: str, backoff: tuple[float, float] = (0.1, 5.0)) -> None:
        self._client = client
        self._channel = channel.encode()
        # A private channel, so that stop() can wake the blocked reader at once.
        self._wake = f"{channel}:wake:{uuid.uuid4().hex}".encode()
        self._read_version = read_version
        self._on_version = on_version
        self._where = where
        self._backoff = backoff
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"toolsync-redis-feed {channel}", daemon=True)

    @property
    def connected(self) -> bool:
        """True while the thread is subscribed (it may still miss a commit made during a drop)."""
        return self._connected.is_set()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to end and wait for it (unless called from the thread itself)."""
        self._stop.set()
        if self._connected.is_set():
            # When the server is gone the reader fails or times out on its own.
            with contextlib.suppress(RedisError):
                self._client.publish(self._wake, b"stop")
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("the Redis change feed of %s did not stop within %.0f s", self._where, timeout)

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self._listen()
                failures = 0
            except Exception as exc:  # the feed must outlive any failure; the loop retries with backoff
                self._connected.clear()
                delay = self._delay(failures)
                log_at = logging.WARNING if failures == 0 else logging.DEBUG
                log.log(log_at, "lost the Redis change feed of %s (%s); reconnecting in %.2f s",
                        self._where, exc, delay, exc_info=not isinstance(exc, RedisError | OSError))
                failures += 1
                self._stop.wait(delay)
        self._connected.clear()

    def _listen(self) -> None:
        pubsub = self._client.pubsub()  # type: ignore[no-untyped-call]
        try:
            pubsub.subscribe(self._channel, self._wake)
            while not self._stop.is_set():
                message = pubsub.get_message(timeout=_POLL)
                if message is not None:
                    self._handle(message)
        finally:
            pubsub.close()

    def _handle(self, message: dict[str, Any]) -> None:
        if message.get("channel") != self._channel:
            return
        kind = message.get("type")
        if kind == "subscribe":
            # Subscribed (again): whatever was committed while we were away is read now.
            if not self._connected.is_set():
                log.info("following commits of %s", self._where)
            self._connected.set()
            self._on_version(self._read_version())
        elif kind == "message":
            try:
                version = int(message["data"])
            except (TypeError, ValueError):
                log.warning("ignoring a malformed commit notice %r on %s", message.get("data"), self._where)
                return
            self._on_version(version)

    def _delay(self, failures: int) -> float:
        first, longest = self._backoff
        return min(longest, first * 2.0 ** failures) * random.uniform(0.5, 1.0)
