"""`toolsync diff`: output formats and exit codes a pipeline can gate on."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from toolsync.cli import app

from .specs import petstore_31, write


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, ["diff", *args], catch_exceptions=False, env={"COLUMNS": "200"})


@pytest.fixture
def pair(tmp_path: Path) -> tuple[str, str, str]:
    """An old spec, a copy with one breaking change, and a copy with only an info-level change."""
    old = petstore_31()
    breaking = copy.deepcopy(old)
    breaking["components"]["schemas"]["Pet"]["properties"]["kind"]["enum"] = ["cat"]
    wording = copy.deepcopy(old)
    wording["paths"]["/pets"]["get"]["summary"] = "List all pets"
    return (write(tmp_path, "old.yaml", old), write(tmp_path, "breaking.yaml", breaking),
            write(tmp_path, "wording.json", wording))


def test_no_change_exits_zero(pair: tuple[str, str, str]) -> None:
    """Comparing a spec with itself prints that nothing changed and exits 0."""
    result = _run(pair[0], pair[0])
    assert result.exit_code == 0
    assert "no differences that affect the tools" in result.stdout
    assert "0 breaking, 0 warnings, 0 info" in result.stdout


def test_breaking_change_exits_one_with_a_table(pair: tuple[str, str, str]) -> None:
    """A breaking change is shown in a table with a summary, and exits 1 by default."""
    result = _run(pair[0], pair[1])
    assert result.exit_code == 1
    assert "request.schema.enum-value-removed" in result.stdout
    assert "no longer accepts" in result.stdout and "POST /pets" in result.stdout
    assert "1 breaking" in result.stdout


def test_fail_on_levels(pair: tuple[str, str, str]) -> None:
    """--fail-on never always passes; --fail-on warning does not fail on info alone."""
    assert _run(pair[0], pair[1], "--fail-on", "never").exit_code == 0
    assert _run(pair[0], pair[2], "--fail-on", "warning").exit_code == 0
    assert _run(pair[0], pair[1], "--fail-on", "warning").exit_code == 1


def test_json_output(pair: tuple[str, str, str]) -> None:
    """--json prints the report as JSON (and --format json does the same)."""
    for flags in (["--json"], ["--format", "json"]):
        result = _run(pair[0], pair[2], *flags)
        assert result.exit_code == 0
        data = orjson.loads(result.stdout)
        assert data["breaking"] is False
        assert [f["id"] for f in data["findings"]] == ["operation.summary-changed"]


def test_markdown_output(pair: tuple[str, str, str]) -> None:
    """--format markdown prints a pull-request comment."""
    result = _run(pair[0], pair[1], "--format", "markdown")
    assert result.exit_code == 1
    assert result.stdout.startswith("### ❌ API diff for Pets: ")
    assert "#### Breaking changes" in result.stdout


def test_load_error_exits_two_without_traceback(tmp_path: Path, pair: tuple[str, str, str]) -> None:
    """A spec that cannot be loaded exits 2 with the loader's message and no traceback."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("openapi: 3.1.0\ninfo: [unclosed\n")
    for args in ((pair[0], str(broken)), (str(tmp_path / "missing.yaml"), pair[0])):
        result = _run(*args)
        assert result.exit_code == 2
        assert "error" in result.stderr and "Traceback" not in result.stderr + result.stdout


def test_urls_need_allow_remote(pair: tuple[str, str, str]) -> None:
    """A URL is refused (exit 2) unless --allow-remote is given."""
    result = _run("https://api.example.com/openapi.json", pair[0])
    assert result.exit_code == 2
    assert "--allow-remote" in result.stderr
