"""`toolsync validate`: tables for people, JSON for machines, exit codes a pipeline can gate on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from typer.testing import CliRunner

from toolsync.cli import app

from .specs import petstore_30, sloppy_30, with_change


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, ["validate", *args], catch_exceptions=False, env={"COLUMNS": "200"})


def _write(tmp_path: Path, name: str, document: dict[str, Any]) -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, sort_keys=False) if name.endswith(".yaml")
                    else orjson.dumps(document).decode())
    return str(path)


def _many_operations(count: int) -> dict[str, Any]:
    spec = petstore_30()
    for i in range(count):
        spec["paths"][f"/things{i}"] = {"get": {"operationId": f"getThing{i}",
                                                "responses": {"200": {"description": "ok"}}}}
    return spec


def test_clean_spec_passes_for_every_provider(tmp_path: Path) -> None:
    """A clean spec prints a summary row per provider and exits 0."""
    result = _run(_write(tmp_path, "pets.yaml", petstore_30()))
    assert result.exit_code == 0, result.output
    for provider in ("openai", "openai-chat", "anthropic", "gemini", "mcp"):
        assert provider in result.stdout
    assert "spec (3 operations)" in result.stdout
    assert "OK: 0 error(s), 0 warning(s)" in result.stdout


def test_json_report(tmp_path: Path) -> None:
    """--json prints one document with the spec gate, and per provider the tool count and issues."""
    result = _run(_write(tmp_path, "pets.json", petstore_30()), "--json", "-p", "anthropic", "-p", "mcp")
    assert result.exit_code == 0
    report = orjson.loads(result.stdout)
    assert report["ok"] is True and report["errors"] == 0
    assert report["spec"]["operations"] == 3 and report["spec"]["diagnostics"] == []
    assert sorted(report["providers"]) == ["anthropic", "mcp"]
    assert report["providers"]["mcp"]["tools"] == 3


def test_spec_gate_errors_fail_the_run(tmp_path: Path) -> None:
    """An unusable parameter is listed with its rule and pointer, and the exit code is 1."""
    spec = with_change(petstore_30(), "/paths/~1pets/get/parameters/0", {"in": "query", "schema": {}})
    result = _run(_write(tmp_path, "broken.yaml", spec), "--json")
    assert result.exit_code == 1
    report = orjson.loads(result.stdout)
    assert report["ok"] is False
    [diagnostic] = [d for d in report["spec"]["diagnostics"] if d["severity"] == "error"]
    assert diagnostic["code"] == "spec.parameter.name"
    assert diagnostic["pointer"] == "/paths/~1pets/get/parameters/0"


def test_tool_gate_errors_fail_the_run_per_provider(tmp_path: Path) -> None:
    """130 operations are too many tools for one OpenAI request but fine for Anthropic."""
    path = _write(tmp_path, "big.yaml", _many_operations(130))
    result = _run(path, "--provider", "openai")
    assert result.exit_code == 1
    assert "openai.tools.max" in result.stdout and "FAIL" in result.stdout
    assert _run(path, "--provider", "anthropic").exit_code == 0


def test_fail_on_warning_and_strict_spec(tmp_path: Path) -> None:
    """Small rule breaks pass by default, fail with --fail-on warning, and fail as errors with --strict-spec."""
    path = _write(tmp_path, "sloppy.yaml", sloppy_30())
    relaxed = _run(path, "-p", "mcp")
    assert relaxed.exit_code == 0 and "spec.semantic.duplicate-operation-id" in relaxed.stdout
    assert _run(path, "-p", "mcp", "--fail-on", "warning").exit_code == 1
    strict = _run(path, "-p", "mcp", "--strict-spec", "--json")
    assert strict.exit_code == 1
    assert {d["severity"] for d in orjson.loads(strict.stdout)["spec"]["diagnostics"]} == {"error"}


def test_gemini_backend_option(tmp_path: Path) -> None:
    """--gemini-backend vertex is accepted and only Gemini is checked when asked for."""
    result = _run(_write(tmp_path, "pets.yaml", petstore_30()), "-p", "gemini", "--gemini-backend", "vertex",
                  "--json")
    assert result.exit_code == 0
    assert list(orjson.loads(result.stdout)["providers"]) == ["gemini"]


def test_unreadable_spec_exits_two(tmp_path: Path) -> None:
    """A missing file or one that is not YAML/JSON is exit 2, with the reason on stderr or in JSON."""
    missing = _run(str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2 and "nope.yaml" in missing.stderr
    garbage = tmp_path / "garbage.yaml"
    garbage.write_text("openapi: [unclosed\n")
    result = _run(str(garbage), "--json")
    assert result.exit_code == 2
    assert orjson.loads(result.stdout)["error"]["error"] == "ParseError"


@pytest.mark.parametrize("bad", ["claude-9", "openai,anthropic"])
def test_unknown_provider_is_a_usage_error(tmp_path: Path, bad: str) -> None:
    """An unknown --provider exits 2 and names the valid choices."""
    result = _run(_write(tmp_path, "pets.yaml", petstore_30()), "--provider", bad)
    assert result.exit_code == 2
    assert "openai-chat" in result.output
