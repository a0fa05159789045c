"""`toolsync history | rollback | summary` on a SQLite store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from toolsync.cli import app
from toolsync.registry import Registry
from toolsync.stores import SQLiteStore

from .builders import compiled, spec_of, tool


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False, env={"COLUMNS": "200"})


@pytest.fixture
def store(tmp_path: Path) -> str:
    """A store with three versions: pets, then shop, then a change to pets."""
    path = tmp_path / "registry.db"
    with Registry(SQLiteStore(path)) as registry:
        registry.apply(spec_of("pets", ["getPet", "listPets"]))
        registry.apply(spec_of("shop", ["buy"], version="2.0.0"))
        registry.apply(compiled("pets", [tool("getPet", description="Changed.")]))
    return str(path)


def test_history_table(store: str) -> None:
    """history lists every version with its trigger, spec and change summary."""
    result = run("history", "--store", store)
    assert result.exit_code == 0
    assert "History (current version 3)" in result.stdout
    assert "+0 -1 ~1 =0" in result.stdout and "-listPets" in result.stdout
    assert "shop" in result.stdout


def test_history_of_a_spec_and_of_a_tool_as_json(store: str) -> None:
    """history SPEC and history TOOL filter; --json prints the entries."""
    by_spec = orjson.loads(run("history", "pets", "--store", store, "--json").stdout)
    assert [e["version"] for e in by_spec] == [3, 1]
    by_tool = orjson.loads(run("history", "buy", "--store", store, "--json").stdout)
    assert [e["version"] for e in by_tool] == [2]


def test_history_of_unknown_name_exits_1(store: str) -> None:
    """A name no version touched is an error with exit code 1."""
    result = run("history", "nothing", "--store", store)
    assert result.exit_code == 1
    assert "no version touches" in result.stderr


def test_rollback_one_spec(store: str) -> None:
    """rollback SPEC --to V makes a new version serving the old tools of that spec."""
    result = run("rollback", "pets", "--to", "1", "--store", store)
    assert result.exit_code == 0, result.stderr
    assert "Rolled back spec pets to version 1: now version 4 (+1 -0 ~1 =0)" in result.stdout
    with Registry(SQLiteStore(store)) as registry:
        assert registry.get("getPet").tool.description == "Run getPet."
        assert registry.get("buy") is not None
        record = registry.audit(limit=1)[0]
        assert (record.trigger, record.action) == ("cli", "rollback")


def test_rollback_whole_registry_as_json(store: str) -> None:
    """rollback --to V without a spec rolls back everything; --json prints the change set."""
    result = run("rollback", "--to", "1", "--store", store, "--json")
    assert result.exit_code == 0
    changes = orjson.loads(result.stdout)
    assert changes["version"] == 4 and changes["removed"] == ["buy"]


def test_rollback_to_unknown_version_exits_1(store: str) -> None:
    """A version outside the kept history exits 1 with the reason."""
    result = run("rollback", "--to", "99", "--store", store)
    assert result.exit_code == 1
    assert "not in the kept history" in result.stderr
    assert run("rollback", "--store", store).exit_code == 1


def test_summary_table_and_json(store: str) -> None:
    """summary shows each spec with its version and tool count."""
    result = run("summary", "--store", store)
    assert result.exit_code == 0
    assert "Registry version 3" in result.stdout and "2.0.0" in result.stdout
    data = orjson.loads(run("summary", "--store", store, "--json").stdout)
    assert data["version"] == 3 and data["tools"] == 2
    assert [s["name"] for s in data["specs"]] == ["pets", "shop"]


def test_missing_store_is_not_created(tmp_path: Path) -> None:
    """Reading commands refuse a store path that does not exist (exit 2) and create nothing."""
    missing = tmp_path / "none.db"
    result = run("summary", "--store", str(missing))
    assert result.exit_code == 2 and "no registry at" in result.stderr
    assert not missing.exists()


def test_damaged_store_exits_2(tmp_path: Path) -> None:
    """A file that is not a toolsync store gives exit 2 and the reset hint."""
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"nope" * 100)
    result = run("history", "--store", str(bad))
    assert result.exit_code == 2 and "--reset-store" in result.stderr
