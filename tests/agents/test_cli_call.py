"""``toolsync call``: one tool call from the command line, against the upstream API."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from tests.upstream.app import API_KEY, OPENAPI
from toolsync.cli import app
from toolsync.config import SpecConfig
from toolsync.registry import Registry
from toolsync.stores import SQLiteStore

from .conftest import write_spec


@pytest.fixture
def spec_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The upstream spec as a file, in a working folder with no configuration file."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TOOLSYNC_CONFIG", raising=False)
    monkeypatch.delenv("TOOLSYNC_STORE", raising=False)
    return write_spec(tmp_path / "pets.json", copy.deepcopy(OPENAPI))


@pytest.fixture
def store_file(spec_file: Path, upstream_url: str) -> Path:
    """A SQLite registry holding the upstream spec, loaded with its server URL."""
    path = spec_file.parent / "registry.db"
    with Registry(SQLiteStore(path)) as registry:
        registry.load(SpecConfig(source=str(spec_file), name="pets", server_url=upstream_url))
    return path


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, ["call", *args], catch_exceptions=False, env={"COLUMNS": "200", **(env or {})})


def spec_args(spec_file: Path, upstream_url: str) -> list[str]:
    return ["--spec", str(spec_file), "--server-url", upstream_url, "--allow-private"]


def output(result: Result) -> Any:
    return json.loads(result.stdout)


def test_success_exits_zero(spec_file: Path, upstream_url: str) -> None:
    """A successful call prints the result as JSON and exits 0."""
    result = invoke("getPet", "--args", '{"petId": 1}', *spec_args(spec_file, upstream_url), "--json")
    assert result.exit_code == 0, result.output
    body = output(result)
    assert (body["ok"], body["status"], body["body"]["name"], body["tool"]) == (True, 200, "Rex", "getPet")


def test_human_output(spec_file: Path, upstream_url: str) -> None:
    """Without --json the status line and the response body are printed for a person."""
    result = invoke("listPets", "--args", '{"status": "sold"}', *spec_args(spec_file, upstream_url))
    assert result.exit_code == 0, result.output
    assert "ok listPets: HTTP 200" in result.stdout and '"Tom"' in result.stdout


def test_tool_error_exits_one(spec_file: Path, upstream_url: str) -> None:
    """An API error is printed as the result and exits 1."""
    result = invoke("getPet", "--args", '{"petId": 999}', *spec_args(spec_file, upstream_url), "--json")
    assert result.exit_code == 1
    body = output(result)
    assert (body["ok"], body["status"], body["error"]["type"]) == (False, 404, "http_error")
    human = invoke("getPet", "--args", '{"petId": 999}', *spec_args(spec_file, upstream_url))
    assert human.exit_code == 1 and "error getPet: http_error (HTTP 404)" in human.stdout


def test_arguments_the_schema_refuses_exit_one(spec_file: Path, upstream_url: str) -> None:
    """Arguments that parse but do not fit the tool are a tool error (the executor's invalid_arguments)."""
    result = invoke("getPet", "--args", '{"petId": "one"}', *spec_args(spec_file, upstream_url), "--json")
    assert result.exit_code == 1 and output(result)["error"]["type"] == "invalid_arguments"


@pytest.mark.parametrize(("args", "message"), [
    ('{"petId": 1', "not valid JSON"), ("[1]", "must be one JSON object"), ("@missing.json", "cannot be read")])
def test_bad_arguments_exit_two(args: str, message: str, spec_file: Path, upstream_url: str) -> None:
    """Arguments that are not one JSON object are a usage error: exit 2, nothing sent."""
    result = invoke("getPet", "--args", args, *spec_args(spec_file, upstream_url))
    assert result.exit_code == 2 and message in result.stderr


def test_arguments_from_a_file(spec_file: Path, upstream_url: str) -> None:
    """--args @FILE reads the JSON object from a file."""
    (spec_file.parent / "args.json").write_text('{"petId": 3}')
    result = invoke("getPet", "--args", "@args.json", *spec_args(spec_file, upstream_url), "--json")
    assert result.exit_code == 0 and output(result)["body"]["name"] == "Kiki"


def test_unknown_tool_exits_two_with_a_suggestion(spec_file: Path, upstream_url: str) -> None:
    """A tool the spec does not have is a usage error that names the closest tools."""
    result = invoke("getPett", *spec_args(spec_file, upstream_url))
    assert result.exit_code == 2 and "did you mean getPet" in result.stderr


def test_unreadable_spec_exits_two(spec_file: Path) -> None:
    """A spec that cannot be loaded is a load error: exit 2 with the reason."""
    result = invoke("getPet", "--spec", str(spec_file.parent / "nope.yaml"))
    assert result.exit_code == 2 and "nope.yaml" in result.stderr


def test_call_from_the_store(store_file: Path) -> None:
    """Without --spec the tool comes from the registry in the store, with the server URL it was loaded with."""
    result = invoke("getPet", "--args", '{"petId": 2}', "--store", str(store_file), "--allow-private", "--json")
    assert result.exit_code == 0, result.output
    assert output(result)["body"]["name"] == "Tom" and output(result)["spec"] == "pets"


def test_missing_store_exits_two(spec_file: Path) -> None:
    """No registry file and no --spec: exit 2 saying how to get one, without creating an empty store."""
    result = invoke("getPet", "--store", "absent.db")
    assert result.exit_code == 2 and "no registry at absent.db" in result.stderr
    assert not (spec_file.parent / "absent.db").exists()


@pytest.mark.parametrize("use_store", [False, True])
def test_credentials_from_the_environment(use_store: bool, spec_file: Path, store_file: Path,
                                          upstream_url: str) -> None:
    """--credential SCHEME=ENVVAR sends the secret from the environment; without it the API refuses."""
    where = ["--store", str(store_file), "--allow-private"] if use_store else spec_args(spec_file, upstream_url)
    refused = invoke("authHeader", *where, "--json")
    assert refused.exit_code == 1 and output(refused)["status"] == 401
    accepted = invoke("authHeader", *where, "--credential", "apiKeyHeader=UPSTREAM_TEST_KEY", "--json",
                      env={"UPSTREAM_TEST_KEY": API_KEY})
    assert accepted.exit_code == 0, accepted.output
    assert output(accepted)["body"] == {"authenticated": True, "scheme": "header"}
    assert API_KEY not in accepted.stdout.replace('"authenticated"', "")


def test_malformed_credential_flag_exits_two(spec_file: Path, upstream_url: str) -> None:
    """--credential without SCHEME=ENVVAR is a usage error."""
    result = invoke("authHeader", *spec_args(spec_file, upstream_url), "--credential", "apiKeyHeader")
    assert result.exit_code == 2 and "SCHEME=ENVVAR" in result.stderr
