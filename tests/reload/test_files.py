"""Spec files and folders: every way an editor or a generator saves, and what the registry serves meanwhile."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Self

from toolsync.registry import Registry
from toolsync.reload import OutcomeKind, ReloadOutcome, Watcher

from .helpers import FAST, eventually, spec_yaml, tools_of, write_atomic, write_in_place

V1 = ["listPets", "getPet", "deletePet"]
V2 = ["listPets", "getPet", "deletePet", "searchPets"]


class Sampler:
    """A reader thread that records every distinct tool set the registry serves for a spec."""

    def __init__(self, registry: Registry, spec: str) -> None:
        self.registry, self.spec = registry, spec
        self.seen: set[frozenset[str]] = set()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, name="sampler")

    def run(self) -> None:
        while not self.stop.is_set():
            self.seen.add(frozenset(tools_of(self.registry, self.spec)))
            time.sleep(0.001)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def truncate_pause_write(path: Path, text: str, pause: float) -> None:
    with open(path, "r+") as f:
        f.truncate(0)
        f.flush()
        time.sleep(pause)
        f.write(text)


def watcher(registry: Registry, *sources: object, outcomes: list[ReloadOutcome] | None = None, **kw) -> Watcher:
    return Watcher(registry, [str(s) for s in sources], settings=kw.pop("settings", FAST),
                   on_outcome=outcomes.append if outcomes is not None else None, **kw)


async def test_in_place_edit_reloads(tmp_path: Path) -> None:
    """Saving a spec in place (truncate + write) registers the new operation and reports the change."""
    spec = tmp_path / "petstore.yaml"
    spec.write_text(spec_yaml(V1))
    registry, outcomes = Registry(), []
    async with watcher(registry, spec, outcomes=outcomes):
        assert tools_of(registry, "petstore") == set(V1)
        write_in_place(spec, spec_yaml(V2))
        await eventually(lambda: tools_of(registry, "petstore") == set(V2), what="searchPets")
    applied = [o for o in outcomes if o.kind is OutcomeKind.APPLIED and str(o.trigger) == "file"]
    assert len(applied) == 1
    assert sorted(applied[0].changes.added) == ["searchPets"]
    assert applied[0].changes.summary().startswith("+1 -0")


async def test_atomic_save_reloads(tmp_path: Path) -> None:
    """An editor-style save (temporary file + os.replace) reloads once and never drops the spec."""
    spec = tmp_path / "petstore.yaml"
    spec.write_text(spec_yaml(V1))
    registry = Registry()
    async with watcher(registry, spec):
        with Sampler(registry, "petstore") as sampler:
            write_atomic(spec, spec_yaml(V2))
            await eventually(lambda: tools_of(registry, "petstore") == set(V2), what="searchPets")
    assert sampler.seen <= {frozenset(V1), frozenset(V2)}


async def test_truncate_then_write_never_serves_the_empty_file(tmp_path: Path) -> None:
    """A save that truncates, pauses, then writes keeps the old tools until the new content is complete."""
    spec = tmp_path / "petstore.yaml"
    spec.write_text(spec_yaml(V1))
    registry, outcomes = Registry(), []
    async with watcher(registry, spec, outcomes=outcomes):
        with Sampler(registry, "petstore") as sampler:
            await asyncio.to_thread(truncate_pause_write, spec, spec_yaml(V2), 0.15)
            await eventually(lambda: tools_of(registry, "petstore") == set(V2), what="searchPets")
    assert sampler.seen <= {frozenset(V1), frozenset(V2)}
    assert not [o for o in outcomes if o.kind is OutcomeKind.FAILED]


async def test_slow_writer_is_never_registered_partially(tmp_path: Path) -> None:
    """A spec written in five chunks with pauses longer than the debounce is only served complete."""
    ops = [f"op{i:02d}" for i in range(12)]
    spec = tmp_path / "big.yaml"
    spec.write_text(spec_yaml(ops, title="big", summary="first"))
    final = spec_yaml(ops, title="big", summary="second")
    registry, outcomes = Registry(), []

    def slow_write() -> None:
        size = len(final) // 5 + 1
        with open(spec, "w") as f:
            for start in range(0, len(final), size):
                f.write(final[start:start + size])
                f.flush()
                time.sleep(0.12)

    # A wide confirm window: under load the writer's 0.12 s pauses may stretch, never to 1 s.
    async with watcher(registry, spec, outcomes=outcomes, settings=replace(FAST, confirm=1.0)):
        first = {n: registry.get(n).schema_hash for n in ops}
        with Sampler(registry, "big") as sampler:
            writer = threading.Thread(target=slow_write)
            writer.start()
            await asyncio.to_thread(writer.join)
            await eventually(lambda: registry.get("op00").tool.description.startswith("second"))
    assert sampler.seen == {frozenset(ops)}
    committed = [o for o in outcomes if o.kind is OutcomeKind.APPLIED and str(o.trigger) == "file"]
    assert len(committed) == 1 and sorted(committed[0].changes.updated) == ops
    assert all(registry.get(n).schema_hash != first[n] for n in ops)


async def test_garbage_then_fix(tmp_path: Path) -> None:
    """Garbage is retried, then reported naming the file; the old tools stay until the file is fixed."""
    spec = tmp_path / "petstore.yaml"
    spec.write_text(spec_yaml(V1))
    registry, outcomes = Registry(), []
    async with watcher(registry, spec, outcomes=outcomes) as w:
        version = registry.snapshot.version
        write_in_place(spec, "openapi: 3.0.3\npaths: [unclosed\n")
        await eventually(lambda: any(o.kind is OutcomeKind.FAILED for o in outcomes), what="a failure")
        failed = next(o for o in outcomes if o.kind is OutcomeKind.FAILED)
        assert "petstore.yaml" in str(failed.error)
        assert failed.attempts > 1  # retried before giving up
        assert failed.version == version
        assert tools_of(registry, "petstore") == set(V1)
        assert registry.snapshot.specs["petstore"].status != "ok"
        write_in_place(spec, spec_yaml(V2))
        await eventually(lambda: tools_of(registry, "petstore") == set(V2), what="recovery")
        assert w.sources[str(spec)] == "petstore"


async def test_new_file_in_folder_is_loaded(tmp_path: Path) -> None:
    """A spec file created in a watched folder is loaded under its title."""
    (tmp_path / "petstore.yaml").write_text(spec_yaml(V1))
    registry = Registry()
    async with watcher(registry, tmp_path) as w:
        assert set(registry.snapshot.specs) == {"petstore"}
        write_atomic(tmp_path / "store.json", spec_yaml(["placeOrder"], title="store"))
        await eventually(lambda: tools_of(registry, "store") == {"placeOrder"}, what="the new spec")
        assert w.sources[str(tmp_path / "store.json")] == "store"


async def test_new_file_in_subfolder_is_loaded(tmp_path: Path) -> None:
    """A folder with a spec moved into a watched folder is discovered too."""
    registry = Registry()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "store.yaml").write_text(spec_yaml(["placeOrder"], title="store"))
    watched = tmp_path / "watched"
    watched.mkdir()
    async with watcher(registry, watched):
        os.rename(outside, watched / "moved")
        await eventually(lambda: tools_of(registry, "store") == {"placeOrder"}, what="the moved spec")


async def test_deleted_file_is_unregistered_after_grace(tmp_path: Path) -> None:
    """Deleting a spec file removes its tools once the grace period has passed."""
    (tmp_path / "petstore.yaml").write_text(spec_yaml(V1))
    (tmp_path / "store.yaml").write_text(spec_yaml(["placeOrder"], title="store"))
    registry, outcomes = Registry(), []
    async with watcher(registry, tmp_path, outcomes=outcomes) as w:
        (tmp_path / "store.yaml").unlink()
        await eventually(lambda: "store" not in registry.snapshot.specs, what="removal")
        assert str(tmp_path / "store.yaml") not in w.sources
    removed = [o for o in outcomes if o.kind is OutcomeKind.REMOVED]
    assert [o.spec for o in removed] == ["store"]
    assert tools_of(registry) == set(V1)


async def test_delete_then_create_drops_nothing(tmp_path: Path) -> None:
    """A save that deletes the file and creates it again keeps serving the tools throughout."""
    spec = tmp_path / "petstore.yaml"
    spec.write_text(spec_yaml(V1))
    registry, outcomes = Registry(), []
    async with watcher(registry, tmp_path, outcomes=outcomes):
        with Sampler(registry, "petstore") as sampler:
            spec.unlink()
            await asyncio.sleep(0.15)
            spec.write_text(spec_yaml(V2))
            await eventually(lambda: tools_of(registry, "petstore") == set(V2), what="the new version")
    assert sampler.seen <= {frozenset(V1), frozenset(V2)}
    assert not [o for o in outcomes if o.kind is OutcomeKind.REMOVED]


async def test_non_spec_files_are_ignored(tmp_path: Path) -> None:
    """Other files in a watched folder (notes, configs, editor swap files) load nothing and report nothing."""
    (tmp_path / "petstore.yaml").write_text(spec_yaml(V1))
    registry, outcomes = Registry(), []
    async with watcher(registry, tmp_path, outcomes=outcomes):
        version = registry.snapshot.version
        (tmp_path / "notes.yaml").write_text("todo:\n  - write more specs\n")
        (tmp_path / "README.md").write_text("# specs\n")
        (tmp_path / ".petstore.yaml.swp").write_text("openapi: 3.0.3\n")
        (tmp_path / "petstore.yaml~").write_text(spec_yaml(V2))
        await asyncio.sleep(0.4)
        assert registry.snapshot.version == version
    assert [o for o in outcomes if str(o.trigger) == "file" and o.kind is not OutcomeKind.IGNORED] == []


async def test_referenced_file_change_reloads_the_spec(tmp_path: Path) -> None:
    """Changing a file the spec reaches through a relative $ref reloads the spec."""
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "pet.yaml").write_text("type: object\nproperties:\n  name: {type: string}\n")
    body = ("      requestBody:\n        content:\n          application/json:\n"
            "            schema: {$ref: './schemas/pet.yaml'}\n")
    text = spec_yaml(["addPet"]).replace("      responses:", body + "      responses:")
    (tmp_path / "petstore.yaml").write_text(text)
    registry = Registry()
    async with watcher(registry, tmp_path / "petstore.yaml"):
        before = registry.get("addPet").schema_hash
        write_in_place(schemas / "pet.yaml", "type: object\nproperties:\n  name: {type: string}\n"
                                             "  age: {type: integer}\n")
        await eventually(lambda: registry.get("addPet").schema_hash != before, what="the new schema")
        assert "age" in str(registry.get("addPet").tool.input_schema)


async def test_symlinked_spec_follows_its_target(tmp_path: Path) -> None:
    """A spec given through a symlink reloads when the file it points to changes elsewhere."""
    real_dir, link_dir = tmp_path / "real", tmp_path / "links"
    real_dir.mkdir()
    link_dir.mkdir()
    target = real_dir / "petstore.yaml"
    target.write_text(spec_yaml(V1))
    link = link_dir / "petstore.yaml"
    link.symlink_to(target)
    registry = Registry()
    async with watcher(registry, link):
        assert tools_of(registry, "petstore") == set(V1)
        write_atomic(target, spec_yaml(V2))
        await eventually(lambda: tools_of(registry, "petstore") == set(V2), what="the target's change")


async def test_explicit_request_reloads_and_unknown_is_refused(tmp_path: Path) -> None:
    """request_reload() by spec name reloads now; an unknown name is a RegistryError."""
    import pytest

    from toolsync.errors import RegistryError

    spec = tmp_path / "petstore.yaml"
    spec.write_text(spec_yaml(V1))
    registry, outcomes = Registry(), []
    async with watcher(registry, spec, outcomes=outcomes) as w:
        assert w.request_reload("petstore") == str(spec)
        await eventually(lambda: len(outcomes) == 2, what="the explicit reload")
        assert outcomes[-1].kind is OutcomeKind.UNCHANGED and str(outcomes[-1].trigger) == "api"
        with pytest.raises(RegistryError, match="nope"):
            w.request_reload("nope")


async def test_new_title_keeps_the_registry_name(tmp_path: Path) -> None:
    """A spec whose title changes keeps its registry name, so its tools are updated in place."""
    spec = tmp_path / "petstore.yaml"
    spec.write_text(spec_yaml(V1))
    registry, outcomes = Registry(), []
    async with watcher(registry, spec, outcomes=outcomes) as w:
        write_in_place(spec, spec_yaml(V2, title="Pets Galore"))
        await eventually(lambda: tools_of(registry, "petstore") == set(V2), what="the new version")
        assert w.sources == {str(spec): "petstore"}
    assert set(registry.snapshot.specs) == {"petstore"}
    assert registry.snapshot.specs["petstore"].title == "Pets Galore"


async def test_two_files_with_one_title_conflict(tmp_path: Path) -> None:
    """A second file claiming a spec name already taken fails, naming the first; the first stays."""
    (tmp_path / "a.yaml").write_text(spec_yaml(V1))
    registry, outcomes = Registry(), []
    async with watcher(registry, tmp_path, outcomes=outcomes):
        (tmp_path / "b.yaml").write_text(spec_yaml(["other"]))
        await eventually(lambda: any(o.kind is OutcomeKind.FAILED for o in outcomes), what="the conflict")
    failed = next(o for o in outcomes if o.kind is OutcomeKind.FAILED)
    assert failed.key == str(tmp_path / "b.yaml")
    assert "a.yaml" in failed.error.message and type(failed.error).__name__ == "NameConflictError"
    assert tools_of(registry, "petstore") == set(V1)


async def test_yaml_without_final_newline_still_loads(tmp_path: Path) -> None:
    """A complete save lacking its final newline is held a moment as possibly cut off, then loaded."""
    spec = tmp_path / "petstore.yaml"
    spec.write_text(spec_yaml(V1))
    registry, outcomes = Registry(), []
    async with watcher(registry, spec, outcomes=outcomes):
        write_in_place(spec, spec_yaml(V2).rstrip("\n"))
        await eventually(lambda: tools_of(registry, "petstore") == set(V2), what="the new version")
    assert outcomes[-1].attempts > 1  # it waited for the file to settle


async def test_symlink_leading_out_of_a_watched_folder_is_not_loaded(tmp_path: Path) -> None:
    """A symlink created in a watched folder that points outside it is passed over, like discovery does."""
    outside, watched = tmp_path / "outside", tmp_path / "watched"
    outside.mkdir()
    watched.mkdir()
    (outside / "secret.yaml").write_text(spec_yaml(["leak"], title="secret"))
    (watched / "petstore.yaml").write_text(spec_yaml(V1))
    registry = Registry()
    async with watcher(registry, watched):
        (watched / "secret.yaml").symlink_to(outside / "secret.yaml")
        (watched / "store.yaml").write_text(spec_yaml(["placeOrder"], title="store"))
        await eventually(lambda: "store" in registry.snapshot.specs, what="the ordinary new spec")
    assert set(registry.snapshot.specs) == {"petstore", "store"}
