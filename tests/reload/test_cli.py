"""``toolsync watch`` as a user runs it: a real process, real files, Ctrl-C to stop."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .helpers import spec_yaml, write_in_place

V1 = ["listPets", "getPet", "deletePet"]
V2 = ["listPets", "getPet", "searchPets"]


class Running:
    """A ``toolsync watch`` child process whose output lines can be awaited."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, needle: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(line)
            if needle in line:
                return line
        raise AssertionError(f"{needle!r} not printed; got {self.seen}")

    def interrupt(self) -> int:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=15)
        self.reader.join(timeout=5)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return code


@contextmanager
def toolsync_watch(cwd: Path, *args: str) -> Iterator[Running]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-c", "from toolsync.cli import main; main()", "watch", *args],
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    running = Running(process)
    try:
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        assert process.stdout is not None
        process.stdout.close()


def test_watch_prints_changes_and_exits_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    """Human output names the file, each tool change and the summary; a failure keeps the version; Ctrl-C exits 0."""
    spec = tmp_path / "petstore.yaml"
    spec.write_text(spec_yaml(V1))
    with toolsync_watch(tmp_path, "petstore.yaml") as run:
        run.wait_for("press Ctrl-C to stop")
        write_in_place(spec, spec_yaml(V2))
        run.wait_for("Spec file changed: petstore.yaml")
        run.wait_for("Registered: searchPets")
        run.wait_for("Removed: deletePet")
        summary = run.wait_for("Reload complete:")
        assert summary.strip().startswith("Reload complete: +1 -1 ~0 =2")
        write_in_place(spec, "openapi: 3.0.3\npaths: [broken\n")
        failed = run.wait_for("Reload failed:")
        assert failed.startswith("Reload failed: petstore.yaml: ") and "(keeping version" in failed
        assert run.interrupt() == 0
    assert "Traceback" not in "\n".join(run.seen)


def test_watch_json_prints_one_event_per_line_and_persists(tmp_path: Path) -> None:
    """--json prints one JSON object per line; --store keeps the reloads in a SQLite file a later registry opens."""
    from toolsync.registry import Registry
    from toolsync.stores import SQLiteStore

    spec = tmp_path / "petstore.yaml"
    spec.write_text(spec_yaml(V1))
    with toolsync_watch(tmp_path, str(spec), "--json", "--debounce", "20", "--store", "state.db") as run:
        run.wait_for('"event":"watching"')
        write_in_place(spec, spec_yaml(V2))
        line = run.wait_for('"trigger":"file"')
        assert run.interrupt() == 0
    event = json.loads(line)
    assert event["outcome"] == "applied" and event["added"] == ["searchPets"]
    assert event["summary"].startswith("+1 -1")
    assert all(json.loads(text) for text in run.seen)
    with Registry(SQLiteStore(tmp_path / "state.db")) as registry:
        assert set(registry.snapshot.specs["petstore"].tools) == set(V2)


def test_watch_bad_store_is_an_error_not_a_traceback(tmp_path: Path, monkeypatch) -> None:
    """A store path that is not a toolsync database exits 2 with the cause, not a traceback."""
    from typer.testing import CliRunner

    from toolsync.cli import app

    (tmp_path / "petstore.yaml").write_text(spec_yaml(V1))
    (tmp_path / "not-a-db").write_text("hello, I am not SQLite\n" * 100)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["watch", "petstore.yaml", "--store", "not-a-db"])
    assert result.exit_code == 2
    assert "not-a-db" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
