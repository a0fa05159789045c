"""``toolsync load``: the table, --json, exit codes and errors without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from toolsync.cli import app

from .conftest import PETSTORE, Reply, Server


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["load", *args], catch_exceptions=False, env={"COLUMNS": "200"})


def test_table_for_a_good_spec(tmp_path: Path) -> None:
    """A good spec prints a table row with its name, versions and operation count, and exits 0."""
    (tmp_path / "pets.yaml").write_bytes(PETSTORE)
    result = run(str(tmp_path / "pets.yaml"))
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "petstore" in line)
    assert "3.0.3" in row and "1.0.0" in row and "ok" in row
    assert "1 loaded, 0 failed, 1 operations" in result.stdout


def test_folder_with_a_broken_spec_exits_1(tmp_path: Path) -> None:
    """A folder with one broken spec loads the rest, reports the error with its source, and exits 1."""
    (tmp_path / "pets.yaml").write_bytes(PETSTORE)
    (tmp_path / "bad.yaml").write_bytes(b"openapi: 3.0.0\npaths:\n  /a: {}\npaths: {}\n")
    (tmp_path / "notes.yaml").write_text("a: 1\n")
    result = run(str(tmp_path))
    assert result.exit_code == 1
    assert "1 loaded, 1 failed" in result.stdout
    assert f"{tmp_path / 'bad.yaml'}: duplicate key 'paths'" in result.stderr.replace("\n", "")
    assert "skipped" in result.stderr and "notes.yaml" in result.stderr
    assert "Traceback" not in result.output


def test_json_output(tmp_path: Path) -> None:
    """--json prints one JSON document with each spec's summary or error."""
    (tmp_path / "pets.yaml").write_bytes(PETSTORE)
    result = run(str(tmp_path / "pets.yaml"), str(tmp_path / "missing.yaml"), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    good, bad = report["specs"]
    assert (good["name"], good["operations"], good["openapi_version"]) == ("petstore", 1, "3.0.3")
    assert bad["error"]["error"] == "SourceError"
    assert bad["error"]["source"] == str(tmp_path / "missing.yaml")


def test_local_urls_need_allow_private(server: Server) -> None:
    """A loopback URL is refused unless --allow-private is given."""
    server.routes["/pets.yaml"] = Reply(200, PETSTORE)
    refused = run(server.url("/pets.yaml"))
    assert refused.exit_code == 1
    assert "FetchBlockedError" in refused.stdout and "allow_private" in refused.stderr.replace("\n", "")
    allowed = run(server.url("/pets.yaml"), "--allow-private", "--json")
    assert allowed.exit_code == 0
    assert json.loads(allowed.stdout)["specs"][0]["name"] == "petstore"
    assert server.hits == {"/pets.yaml": 1}


def test_hostile_input_never_prints_a_traceback(tmp_path: Path) -> None:
    """An alias bomb and deep nesting fail with one clear line each."""
    bomb = b"a: &a [x,x,x,x,x,x,x,x,x,x]\n" + b"".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 10)}]\n".encode() for i in range(8))
    (tmp_path / "bomb.yaml").write_bytes(bomb)
    (tmp_path / "deep.json").write_bytes(b"[" * 50_000 + b"]" * 50_000)
    result = run(str(tmp_path / "bomb.yaml"), str(tmp_path / "deep.json"))
    assert result.exit_code == 1
    assert "LimitError" in result.stdout
    assert "alias bomb" in result.stderr.replace("\n", "") and "nested more than 256" in result.stderr
    assert "Traceback" not in result.output


def test_no_specs_found_exits_1(tmp_path: Path) -> None:
    """A folder with no specs is an error, not a silent success."""
    result = run(str(tmp_path))
    assert result.exit_code == 1
    assert "holds no OpenAPI" in result.stderr.replace("\n", "")
