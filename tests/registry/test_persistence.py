"""A registry survives restarts through its store, and replicas sharing a store agree on one version."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from toolsync.registry import ChangeEvent, Registry
from toolsync.stores import MemoryStore, SQLiteStore

from .builders import compiled, spec_of, tool


def fill(registry: Registry) -> None:
    registry.apply(spec_of("pets", ["a", "b"]))
    registry.apply(spec_of("shop", ["c"], version="3.1.0"))
    registry.apply(compiled("pets", [tool("a", description="changed"), tool("b")]))


def test_restart_restores_the_last_snapshot_exactly(tmp_path: Path) -> None:
    """A new registry on the same SQLite file has the same version, entries, tools and rendered lists."""
    path = tmp_path / "registry.db"
    with Registry(SQLiteStore(path)) as first:
        fill(first)
        before = first.snapshot
    with Registry(SQLiteStore(path)) as second:
        after = second.snapshot
        assert after.version == before.version == 3
        assert dict(after.specs) == dict(before.specs)
        assert dict(after.tools) == dict(before.tools)
        for provider in ("openai", "mcp"):
            assert after.rendered(provider) == before.rendered(provider)
            assert after.etag(provider) == before.etag(provider)
        assert [e.version for e in second.history()] == [3, 2, 1]


def test_restart_then_rollback_and_reload(tmp_path: Path) -> None:
    """History kept on disk allows a rollback after a restart, and reloading continues from there."""
    path = tmp_path / "registry.db"
    with Registry(SQLiteStore(path)) as first:
        fill(first)
    with Registry(SQLiteStore(path)) as second:
        second.rollback(1, spec="pets")
        assert second.get("a").tool.description == "Run a."
        assert second.apply(spec_of("pets", ["a", "b"])).version is None
    with Registry(SQLiteStore(path)) as third:
        assert third.version == 4 and third.get("c") is not None


def test_unchanged_tools_are_not_rewritten(tmp_path: Path) -> None:
    """Tool payloads are stored once by hash: a one-tool change writes one payload."""
    path = tmp_path / "registry.db"
    with Registry(SQLiteStore(path)) as registry:
        registry.apply(spec_of("pets", [f"t{i}" for i in range(20)]))
        registry.apply(compiled("pets", [tool("t0", description="new"), *(tool(f"t{i}") for i in range(1, 20))]))
        store = registry.store
        assert isinstance(store, SQLiteStore)
        count = store._conn.execute("SELECT count(*) FROM payloads").fetchone()[0]
    assert count == 21


def test_replicas_on_one_memory_store_follow_each_other() -> None:
    """A commit by one registry is adopted by another on the same store, and its listeners hear of it."""
    store = MemoryStore()
    first, second = Registry(store), Registry(store)
    seen: list[ChangeEvent] = []
    second.on_change(seen.append)
    first.apply(spec_of("pets", ["a"]))
    assert second.version == 1 and list(second.snapshot.tools) == ["a"]
    assert seen[0].extra == {"adopted": True} and seen[0].changes.added == ("a",)
    assert [e.kind for e in seen[0].events] == ["tool_added", "spec_loaded"]
    second.apply(spec_of("shop", ["c"]))
    assert first.version == 2 and sorted(first.snapshot.tools) == ["a", "c"]
    first.close()
    second.close()


def test_stale_writer_catches_up_and_retries(tmp_path: Path) -> None:
    """Two processes' stores on one file: the writer that is behind adopts the new version, then commits."""
    path = tmp_path / "registry.db"
    with Registry(SQLiteStore(path)) as first, Registry(SQLiteStore(path)) as second:
        first.apply(spec_of("pets", ["a"]))
        assert second.version == 0  # SQLite does not push commits; the conflict reveals them
        changes = second.apply(spec_of("shop", ["c"]))
        assert changes.version == 2
        assert sorted(second.snapshot.tools) == ["a", "c"]
        assert second.refresh() is False
        assert first.refresh() is True and first.version == 2


def test_conflicting_names_across_replicas_are_still_refused(tmp_path: Path) -> None:
    """After catching up, a name clash with the other writer's spec is detected, not overwritten."""
    from toolsync.errors import NameConflictError

    path = tmp_path / "registry.db"
    with Registry(SQLiteStore(path)) as first, Registry(SQLiteStore(path)) as second:
        first.apply(spec_of("pets", ["a"]))
        with pytest.raises(NameConflictError):
            second.apply(spec_of("shop", ["a"]))
        assert second.get("a").spec_name == "pets"


def test_held_change_is_dropped_by_a_restart_and_held_again(tmp_path: Path) -> None:
    """Held changes live in memory: after a restart the spec is ok, and the next load holds it again."""
    from toolsync.config import BreakingPolicy
    from toolsync.registry import SpecStatus

    path = tmp_path / "registry.db"
    block = BreakingPolicy.BLOCK
    with Registry(SQLiteStore(path)) as first:
        first.apply(compiled("pets", [tool("a"), tool("b")], policy=block))
        first.apply(compiled("pets", [tool("a", required=("limit",)), tool("b")], policy=block))
        first.apply(spec_of("shop", ["c"]))  # a later commit stores the held status too
        assert first.snapshot.specs["pets"].status is SpecStatus.HELD
    with Registry(SQLiteStore(path)) as second:
        assert second.snapshot.specs["pets"].status is SpecStatus.OK and second.held() == []
        changes = second.apply(compiled("pets", [tool("a", required=("limit",)), tool("b")], policy=block))
        assert changes.held == ("a",) and len(second.held()) == 1


def test_restart_shares_schemas_between_tools(tmp_path: Path) -> None:
    """A restored registry keeps one copy of a schema several tools use, as a loaded one does."""
    from toolsync.config import SpecConfig

    spec = tmp_path / "pets.json"
    pet = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
    ok = {"description": "ok"}
    spec.write_text(orjson.dumps({
        "openapi": "3.1.0", "info": {"title": "Pets", "version": "1"}, "components": {"schemas": {"Pet": pet}},
        "paths": {
            "/pets": {"get": {"operationId": "listPets", "responses": {"200": {**ok, "content": {
                "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}}}}}},
            "/pets/{id}": {"get": {"operationId": "getPet", "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": {**ok, "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}}}},
        }}).decode())
    path = tmp_path / "registry.db"
    with Registry(SQLiteStore(path)) as first:
        first.load(SpecConfig(source=str(spec)))
        before = first.snapshot
    with Registry(SQLiteStore(path)) as second:
        after = second.snapshot
        assert dict(after.tools) == dict(before.tools)
        listed, got = after.tools["listPets"].tool, after.tools["getPet"].tool
        assert listed.output_schema is not None and got.output_schema is not None
        assert listed.output_schema["items"] is got.output_schema
        mcp = {d["name"]: d for d in after.rendered("mcp")}
        assert mcp["getPet"]["outputSchema"] is got.output_schema
