"""``toolsync export``: definitions on stdout or in files, a summary on stderr, gateable exit codes."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from toolsync.cli import app
from toolsync.formats import PROVIDERS

PETSTORE = str(Path(__file__).resolve().parents[2] / "examples" / "specs" / "petstore.yaml")
runner = CliRunner()

BROKEN = """
openapi: 3.1.0
info: {title: Broken, version: "1"}
paths:
  /ok:
    get: {operationId: fine, responses: {"200": {description: ok}}}
  /huge:
    get:
      operationId: huge
      parameters:
        - {name: n, in: query, schema: {type: integer, maximum: 100000000000000000000000}}
      responses: {"200": {description: ok}}
"""


def test_one_provider_to_stdout() -> None:
    """Without -o the JSON list goes to stdout; the summary table goes to stderr."""
    result = runner.invoke(app, ["export", PETSTORE, "--provider", "anthropic", "--namespace", "pets"])
    assert result.exit_code == 0, result.output
    tools = orjson.loads(result.stdout)
    assert tools and all(t["name"].startswith("pets_") and "input_schema" in t for t in tools)
    assert "definitions" in result.stderr


def test_all_providers_to_a_folder(tmp_path: Path) -> None:
    """--provider all writes one file per provider into the folder given with -o."""
    result = runner.invoke(app, ["export", PETSTORE, "-p", "all", "-o", str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    for provider in PROVIDERS:
        assert orjson.loads((tmp_path / "out" / f"{provider}.json").read_bytes())
    summary = orjson.loads(result.stderr)
    assert set(summary["providers"]) == set(PROVIDERS) and summary["skipped_operations"] == []


def test_options_reach_the_formats(tmp_path: Path) -> None:
    """--no-strict and --json-schema change the written definitions."""
    out = tmp_path / "tools.json"
    assert runner.invoke(app, ["export", PETSTORE, "-p", "openai-chat", "-o", str(out), "--no-strict"]).exit_code == 0
    assert all(t["function"]["strict"] is False for t in orjson.loads(out.read_bytes()))
    assert runner.invoke(app, ["export", PETSTORE, "-p", "gemini", "-o", str(out), "--json-schema"]).exit_code == 0
    assert all("parameters" not in t for t in orjson.loads(out.read_bytes()))


def test_skipped_operations_exit_1(tmp_path: Path) -> None:
    """An operation that cannot become a tool is listed and the exit status is 1."""
    spec = tmp_path / "broken.yaml"
    spec.write_text(BROKEN)
    result = runner.invoke(app, ["export", str(spec), "-p", "mcp"])
    assert result.exit_code == 1
    assert [t["name"] for t in orjson.loads(result.stdout)] == ["fine"]
    assert "GET /huge" in result.stderr and "cannot be written as JSON" in result.stderr


def test_unusable_input_exits_2(tmp_path: Path) -> None:
    """A missing spec, an unknown provider or a file where a folder is needed exit with 2."""
    assert runner.invoke(app, ["export", str(tmp_path / "missing.yaml"), "-p", "mcp"]).exit_code == 2
    assert runner.invoke(app, ["export", PETSTORE, "-p", "claude"]).exit_code == 2
    file = tmp_path / "file.json"
    file.write_text("[]")
    result = runner.invoke(app, ["export", PETSTORE, "-p", "all", "-o", str(file)])
    assert result.exit_code == 2 and "give a folder" in result.stderr
    assert runner.invoke(app, ["export", PETSTORE, "-p", "mcp", "--namespace", "9x"]).exit_code == 2
