"""The pipeline: load, select, gate, build with reuse, render once per provider, gate per provider."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from toolsync.config import SpecConfig
from toolsync.errors import SpecValidationError, ToolValidationError
from toolsync.ir import Diagnostic
from toolsync.pipeline import _gate, acompile_spec, compile_from_spec, compile_spec, select_operations

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "specs"
PROVIDERS = {"openai", "openai-chat", "anthropic", "gemini", "mcp"}


@pytest.fixture
def petstore(tmp_path: Path) -> Path:
    """A copy of the example petstore spec that tests may edit."""
    return Path(shutil.copy(EXAMPLES / "petstore.yaml", tmp_path / "petstore.yaml"))


def test_compile_renders_every_tool_for_every_provider(petstore: Path) -> None:
    """Every operation becomes a tool with one definition per provider."""
    compiled = compile_spec(SpecConfig(source=str(petstore)))
    assert compiled.name == "petstore"
    assert sorted(compiled.tools) == ["createPet", "deletePet", "getPet", "listCategories", "listPets",
                                      "updatePet"]
    assert set(compiled.rendered) == PROVIDERS
    for provider in PROVIDERS:
        assert set(compiled.rendered[provider]) == set(compiled.tools)
    assert set(compiled.definitions("getPet")) == PROVIDERS
    assert compiled.by_operation()["GET /pets/{petId}"].name == "getPet"


@pytest.mark.parametrize(("config", "expected"), [
    ({"include_tags": ("categories",)}, ["listCategories"]),
    ({"exclude_tags": ("pets",)}, ["listCategories"]),
    ({"include_paths": ("/pets/*",)}, ["deletePet", "getPet", "updatePet"]),
    ({"exclude_paths": ("/pets*",)}, ["listCategories"]),
    ({"include_methods": ("delete", "post")}, ["createPet", "deletePet"]),
    ({"exclude_operations": ("listPets", "DELETE /pets/{petId}")},
     ["createPet", "getPet", "listCategories", "updatePet"]),
])
def test_include_and_exclude_rules(petstore: Path, config: dict, expected: list[str]) -> None:
    """SpecConfig's include/exclude rules pick the operations that become tools."""
    compiled = compile_spec(SpecConfig(source=str(petstore), **config))
    assert sorted(compiled.tools) == expected
    assert len(compiled.spec.operations) == len(expected)


def test_namespace_from_config(petstore: Path) -> None:
    """A namespace in the SpecConfig prefixes every tool name."""
    compiled = compile_spec(SpecConfig(source=str(petstore), namespace="shop"))
    assert all(name.startswith("shop_") for name in compiled.tools)


def test_recompile_reuses_unchanged_tools_and_definitions(petstore: Path) -> None:
    """With the previous compile, unchanged operations keep their Tool and rendered dicts; changed ones do not."""
    config = SpecConfig(source=str(petstore))
    first = compile_spec(config)
    petstore.write_text(petstore.read_text().replace("summary: Get a pet", "summary: Fetch one pet"))
    second = compile_spec(config, previous=first)
    assert second.tools["listPets"] is first.tools["listPets"]
    assert second.rendered["openai"]["listPets"] is first.rendered["openai"]["listPets"]
    assert second.tools["getPet"] is not first.tools["getPet"]
    assert second.tools["getPet"].content_hash != first.tools["getPet"].content_hash


def test_previous_with_other_options_is_not_reused(petstore: Path) -> None:
    """A previous compile made with other tool options is not reused."""
    first = compile_spec(SpecConfig(source=str(petstore)))
    second = compile_spec(SpecConfig(source=str(petstore), namespace="ns"), previous=first)
    assert all(t is not first.tools.get(t.name) for t in second.tools.values())


def test_unusable_spec_fails_the_spec_gate(tmp_path: Path) -> None:
    """A document the spec gate finds unusable raises SpecValidationError before any tool is built."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: 3.1.0\ninfo: {title: Bad, version: '1'}\npaths:\n  /x:\n    get:\n"
                   "      parameters: [{name: q}]\n      responses: {'200': {description: ok}}\n")
    with pytest.raises(SpecValidationError):
        compile_spec(SpecConfig(source=str(bad)))


def test_compile_from_spec_without_config(petstore: Path) -> None:
    """compile_from_spec works on a spec already loaded, with a default config."""
    from toolsync.spec.loader import load_spec

    spec = load_spec(str(petstore))
    compiled = compile_from_spec(spec)
    assert compiled.config.source == spec.source and len(compiled.tools) == 6
    assert select_operations(spec, compiled.config) is spec


async def test_async_compile_matches_sync(petstore: Path) -> None:
    """acompile_spec gives the same tools as compile_spec."""
    config = SpecConfig(source=str(petstore))
    sync, async_ = compile_spec(config), await acompile_spec(config)
    assert {n: t.content_hash for n, t in sync.tools.items()} == {n: t.content_hash for n, t in async_.tools.items()}


def test_gate_skips_or_fails_on_a_rejected_definition() -> None:
    """A definition a provider rejects is skipped with a diagnostic, or raises with policy fail."""
    good = {"name": "fine", "description": "ok", "input_schema": {"type": "object", "properties": {}}}
    bad = {"name": "not a valid name!", "description": "x", "input_schema": {"type": "object"}}
    skipped: list[Diagnostic] = []
    kept = _gate("anthropic", {"fine": good, "broken": bad}, "skip", skipped)
    assert list(kept) == ["fine"]
    assert skipped[0].code == "tool.rejected" and "broken" in skipped[0].message
    with pytest.raises(ToolValidationError, match="broken"):
        _gate("anthropic", {"broken": bad}, "fail", [])


def test_compile_bytes_uses_the_given_bytes(petstore: Path) -> None:
    """compile_bytes builds from bytes already read, not from the file as it is now."""
    from toolsync.pipeline import compile_bytes
    from toolsync.spec.sources import read_file

    payload = read_file(petstore, limits=SpecConfig(source=str(petstore)).limits)
    petstore.write_text("not: a spec")
    compiled = compile_bytes(payload, SpecConfig(source=str(petstore)))
    assert len(compiled.tools) == 6 and compiled.fingerprint


def test_recompile_still_gates_the_changed_part(petstore: Path) -> None:
    """A reload that breaks one operation's structure is refused even though only that part is checked."""
    config = SpecConfig(source=str(petstore))
    first = compile_spec(config)
    text = petstore.read_text()
    broken = text.replace("        - name: status\n          in: query\n", "        - name: status\n", 1)
    assert broken != text
    petstore.write_text(broken)
    with pytest.raises(SpecValidationError):
        compile_spec(config, previous=first)


def test_changed_part_keeps_only_what_the_changed_paths_reach(petstore: Path) -> None:
    """The recompile gate sees the changed path items and the components they reach, nothing else."""
    from toolsync.pipeline import _changed_part
    from toolsync.spec.loader import load_spec

    spec = load_spec(str(petstore))
    reused = {op.key for op in spec.operations if op.path != "/categories"}
    part = _changed_part(spec, reused)
    assert part is not None and list(part["paths"]) == ["/categories"]
    everything = {f"{section}/{name}" for section, names in spec.document["components"].items() for name in names}
    kept = {f"{section}/{name}" for section, names in part["components"].items() for name in names}
    assert kept < everything and "schemas/Category" in kept and "schemas/NewPet" not in kept
    assert _changed_part(spec, {op.key for op in spec.operations}) is None
