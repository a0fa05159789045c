"""``toolsync serve`` as a user runs it: a subprocess, a signal to stop, exit codes a script can use."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from toolsync.cli import app

from .conftest import spec_doc, wait_for, write_spec


def _toolsync(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    code = "import sys; from toolsync.cli import main; sys.argv[0] = 'toolsync'; main()"
    return subprocess.Popen([sys.executable, "-c", code, *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})


def test_serve_runs_until_a_signal_and_keeps_its_store(tmp_path: Path) -> None:
    """The server comes up on the given specs, answers, and stops on SIGINT with exit 0 and no traceback."""
    specs = tmp_path / "specs"
    specs.mkdir()
    write_spec(specs / "items.json", spec_doc(["listItems"], title="Items"))
    (specs / "broken.json").write_text('{"openapi": "3.1.0", "paths": [}')
    store = tmp_path / "state" / "registry.db"
    process = _toolsync("serve", "specs", "--port", "0", "--store", str(store), "--json", cwd=tmp_path,
                        env={"TOOLSYNC_ADMIN_TOKEN": "cli-admin-token-123"})
    try:
        assert process.stdout is not None
        listening = json.loads(process.stdout.readline())
        assert listening["event"] == "listening" and listening["admin"] is True
        ready = json.loads(process.stdout.readline())
        assert ready["event"] == "ready" and ready["specs"]["items"]["tools"] == 1
        assert any("broken.json" in key for key in ready["failed"])
        with httpx.Client(base_url=listening["url"], timeout=10) as client:
            wait_for(lambda: client.get("/readyz").status_code == 200, what="readiness")
            assert client.get("/readyz").json()["status"] == "degraded"
            added = client.post("/specs", json={"source": str(specs / "items.json")},
                                headers={"Authorization": "Bearer cli-admin-token-123"})
            assert added.status_code == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Traceback" not in err and json.loads(out.strip().splitlines()[-1]) == {"event": "stopped"}
    assert store.exists() and "cli-admin-token-123" not in err + out


@pytest.mark.parametrize(("args", "needle"), [
    (["serve", "nowhere.yaml"], "no such file or folder"),
    (["serve", "bad.toml"], "not valid TOML"),
    (["serve", "a.toml", "b.toml"], "give one configuration file"),
])
def test_configuration_errors_exit_with_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str],
                                          needle: str) -> None:
    """A missing source or a broken configuration file is reported, with exit code 2."""
    monkeypatch.chdir(tmp_path)
    for name in ("bad.toml", "a.toml", "b.toml"):
        (tmp_path / name).write_text("[server\n" if name == "bad.toml" else "")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and needle in result.output
