"""``GET /events``: one event per commit, resumable with Last-Event-ID, nothing lost in between."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from toolsync.config import SpecConfig
from toolsync.registry import Registry, RegistryOptions

from .conftest import READ, admin_settings, spec_doc, write_spec


class SseStream:
    """A minimal Server-Sent Events client over an httpx stream."""

    def __init__(self, client: httpx.Client, headers: dict[str, str] | None = None) -> None:
        self._context = client.stream("GET", "/events", headers=headers or {})
        self.response = self._context.__enter__()
        self._lines = self.response.iter_lines()
        self.comments: list[str] = []

    def next(self, kind: str | None = None) -> dict[str, Any]:
        """The next event (of ``kind`` when given): ``{"event", "id", "data"}``."""
        while True:
            event = self._read()
            if kind is None or event["event"] == kind:
                return event

    def _read(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"id": None, "event": "message", "data": ""}
        for line in self._lines:
            if not line:
                if fields["data"]:
                    fields["data"] = json.loads(fields["data"])
                    return fields
                continue
            if line.startswith(":"):
                self.comments.append(line)
                continue
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
        raise AssertionError("the stream ended")

    def close(self) -> None:
        self._context.__exit__(None, None, None)


@pytest.fixture
def items(spec_dir: Path) -> Path:
    path = spec_dir / "items.json"
    write_spec(path, spec_doc(["listItems"], title="Items"))
    return path


def test_a_file_change_becomes_a_commit_event(serve, items: Path) -> None:
    """The stream says hello with the current version, then sends the commit a file change made."""
    running = serve({"specs": [str(items)]})
    stream = SseStream(running.client)
    try:
        hello = stream.next()
        assert hello["event"] == "hello" and hello["id"] == "1" and hello["data"] == {"version": 1}
        write_spec(items, spec_doc(["listItems", "getItem"], title="Items"))
        commit = stream.next("commit")
        assert commit["id"] == "2"
        data = commit["data"]
        assert data["added"] == ["getItem"] and data["spec"] == "items" and data["trigger"] == "file"
        assert data["summary"] == "+1 -0 ~0 =1" and data["previous_version"] == 1 and data["replayed"] is False
    finally:
        stream.close()


def test_resume_after_a_disconnect_misses_nothing(serve, items: Path) -> None:
    """Reconnecting with Last-Event-ID replays the commits made while away, then continues live."""
    running = serve({"specs": [str(items)]})
    stream = SseStream(running.client)
    last = stream.next("hello")["id"]
    stream.close()
    write_spec(items, spec_doc(["listItems", "getItem"], title="Items"))
    running.wait_version(2)
    write_spec(items, spec_doc(["listItems", "getItem", "countItems"], title="Items"))
    running.wait_version(3)
    resumed = SseStream(running.client, {"Last-Event-ID": last})
    try:
        assert resumed.next()["event"] == "hello"
        first, second = resumed.next("commit"), resumed.next("commit")
        assert [first["id"], second["id"]] == ["2", "3"]
        assert first["data"]["added"] == ["getItem"] and second["data"]["added"] == ["countItems"]
        assert first["data"]["replayed"] and first["data"]["summary"] == "+1 -0 ~0 =1"
        write_spec(items, spec_doc(["listItems"], title="Items"))
        live = resumed.next("commit")
        assert live["id"] == "4" and live["data"]["removed"] == ["countItems", "getItem"]
        assert not live["data"]["replayed"]
    finally:
        resumed.close()


def test_no_commit_is_lost_between_replay_and_live(serve, spec_dir: Path) -> None:
    """Commits made while a client resumes arrive exactly once and in order."""
    registry = Registry()
    running = serve({}, registry=registry)
    paths = [spec_dir / "a.json", spec_dir / "b.json"]
    write_spec(paths[0], spec_doc(["one"], title="Churn"))
    write_spec(paths[1], spec_doc(["one", "two"], title="Churn"))
    registry.load(SpecConfig(source=str(paths[0]), name="churn"))
    total = 41
    started = threading.Event()

    def churn() -> None:
        for i in range(2, total + 1):
            registry.load(SpecConfig(source=str(paths[(i - 1) % 2]), name="churn"))
            if i == 10:
                started.set()

    worker = threading.Thread(target=churn)
    worker.start()
    started.wait(10)
    stream = SseStream(running.client, {"Last-Event-ID": "0"})
    try:
        ids = []
        while not ids or ids[-1] < total:
            ids.append(int(stream.next("commit")["id"]))
        assert ids == list(range(1, total + 1))
    finally:
        stream.close()
        worker.join()


def test_resync_when_the_history_is_gone(serve, spec_dir: Path) -> None:
    """An id older than the kept history, or newer than the server's, gets a resync event."""
    registry = Registry(options=RegistryOptions(history_limit=2))
    running = serve({}, registry=registry)
    for ops in (["a"], ["a", "b"], ["a", "b", "c"], ["a"]):
        write_spec(spec_dir / "s.json", spec_doc(ops, title="S"))
        registry.load(str(spec_dir / "s.json"))
    for last in ("1", "99"):
        stream = SseStream(running.client, {"Last-Event-ID": last})
        try:
            stream.next("hello")
            resync = stream.next()
            assert resync["event"] == "resync" and resync["data"]["version"] == 4
        finally:
            stream.close()
    bad = running.client.get("/events", headers={"Last-Event-ID": "x1"})
    assert bad.status_code == 422


def test_failures_heartbeats_and_client_gauge(serve, items: Path) -> None:
    """A failed reload is an event without id; pings keep the stream alive; /metrics counts clients."""
    running = serve(admin_settings(str(items), read_token=READ, sse_ping=0.2))
    auth = {"Authorization": f"Bearer {READ}"}
    stream = SseStream(running.client, auth)
    try:
        stream.next("hello")
        assert "toolsync_sse_clients 1" in running.client.get("/metrics", headers=auth).text
        items.write_text("{broken")
        failed = stream.next("spec_failed")
        assert failed["id"] is None and failed["data"]["events"][0]["kind"] == "spec_failed"
        assert any(line.startswith(": ping") for line in stream.comments)
    finally:
        stream.close()
