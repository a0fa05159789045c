"""Loading, applying and reading: change sets, versions, snapshots and the seed surface."""

from __future__ import annotations

import pytest

from toolsync.errors import RegistryError, ToolNotFoundError
from toolsync.registry import Outcome, Registry, SpecStatus, Trigger

from .builders import compiled, definitions, spec_of, tool


def test_first_apply_adds_every_tool(any_registry: Registry) -> None:
    """Applying a new spec commits version 1 with every tool added."""
    changes = any_registry.apply(spec_of("pets", ["listPets", "getPet"]))
    assert changes.version == 1
    assert changes.added == ("getPet", "listPets")
    assert changes.summary() == "+2 -0 ~0 =0"
    assert any_registry.snapshot.specs["pets"].tools == ("getPet", "listPets")


def test_reload_reports_added_updated_unchanged(any_registry: Registry) -> None:
    """A reload that adds one tool and changes another reports '+1 -0 ~1 =1'."""
    any_registry.apply(spec_of("pets", ["a", "b"]))
    changed = tool("b", "pets", description="Now different.")
    changes = any_registry.apply(compiled("pets", [tool("a", "pets"), changed, tool("c", "pets")]))
    assert changes.summary() == "+1 -0 ~1 =1"
    assert (changes.added, changes.updated, changes.unchanged) == (("c",), ("b",), ("a",))
    assert any_registry.get("b").tool.description == "Now different."


def test_removed_tool_is_reported_and_gone(any_registry: Registry) -> None:
    """Tools missing from the new compile are removed."""
    any_registry.apply(spec_of("pets", ["a", "b"]))
    changes = any_registry.apply(spec_of("pets", ["a"]))
    assert changes.removed == ("b",)
    assert any_registry.get("b") is None


def test_unchanged_reload_commits_nothing_but_is_audited(any_registry: Registry) -> None:
    """A reload with no change keeps the version and still leaves an audit record."""
    any_registry.apply(spec_of("pets", ["a"]))
    changes = any_registry.apply(spec_of("pets", ["a"]), trigger=Trigger.FILE)
    assert changes.version is None
    assert changes.summary() == "+0 -0 ~0 =1"
    assert any_registry.version == 1
    latest = any_registry.audit(limit=1)[0]
    assert (latest.outcome, latest.trigger, latest.version) == (Outcome.NOOP, "file", 1)


def test_snapshot_rendered_is_sorted_and_cached(registry: Registry) -> None:
    """rendered(provider) lists definitions sorted by name, the same tuple on each call."""
    registry.apply(spec_of("pets", ["zeta", "alpha"]))
    snap = registry.snapshot
    assert [d["name"] for d in snap.rendered("openai")] == ["alpha", "zeta"]
    assert snap.rendered("openai") is snap.rendered("openai")
    assert registry.get_all("mcp") == list(snap.rendered("mcp"))
    assert [t.name for t in registry.get_all()] == ["alpha", "zeta"]


def test_etag_follows_content_not_version(registry: Registry) -> None:
    """The ETag changes when a provider's tools change and not when only another spec is reloaded."""
    registry.apply(spec_of("pets", ["a"]))
    first = registry.snapshot.etag("openai")
    registry.apply(spec_of("pets", ["a", "b"]))
    second = registry.snapshot.etag("openai")
    registry.unregister("b")
    assert first != second
    assert registry.snapshot.etag("openai") == first


def test_old_snapshot_stays_whole_after_commit(registry: Registry) -> None:
    """A snapshot taken before a reload still shows its own version's tools."""
    registry.apply(spec_of("pets", ["a"]))
    before = registry.snapshot
    registry.apply(spec_of("pets", ["a", "b"]))
    assert list(before.tools) == ["a"]
    assert [d["name"] for d in before.rendered("openai")] == ["a"]
    assert list(registry.snapshot.tools) == ["a", "b"]


def test_register_and_unregister_one_tool(any_registry: Registry) -> None:
    """register() adds a tool to its spec, unregister() removes it; each is a version."""
    t = tool("ping", "ops")
    added = any_registry.register(t, definitions=definitions(t))
    assert added.added == ("ping",)
    assert any_registry.snapshot.specs["ops"].tools == ("ping",)
    again = any_registry.register(t, definitions=definitions(t))
    assert again.version is None
    removed = any_registry.unregister("ping")
    assert removed.removed == ("ping",)
    assert any_registry.version == 2


def test_unregister_unknown_tool_raises(registry: Registry) -> None:
    """Removing a tool that does not exist raises ToolNotFoundError and is audited as failed."""
    with pytest.raises(ToolNotFoundError, match="no tool named 'ghost'"):
        registry.unregister("ghost")
    assert registry.audit(limit=1)[0].outcome == "failed"


def test_register_renders_when_no_definitions_given(registry: Registry) -> None:
    """register() without definitions renders the tool for every provider that accepts it."""
    registry.register(tool("listPets", "pets"))
    assert set(registry.get("listPets").definitions) == {"openai", "openai-chat", "anthropic", "gemini", "mcp"}


def test_unregister_spec_removes_its_tools_only(any_registry: Registry) -> None:
    """unregister_spec() removes one spec and its tools, leaving the others."""
    any_registry.apply(spec_of("pets", ["a", "b"]))
    any_registry.apply(spec_of("shop", ["c"]))
    changes = any_registry.unregister_spec("pets")
    assert changes.removed == ("a", "b")
    assert list(any_registry.snapshot.specs) == ["shop"]
    assert list(any_registry.snapshot.tools) == ["c"]
    with pytest.raises(RegistryError, match="no spec named 'pets'"):
        any_registry.unregister_spec("pets")


def test_get_by_spec_and_summary(registry: Registry) -> None:
    """get_by_spec lists one spec's tools; summary() counts tools per spec and provider."""
    registry.apply(spec_of("pets", ["a", "b"]))
    registry.apply(spec_of("shop", ["c"], version="2.0.0"))
    assert [t.name for t in registry.get_by_spec("pets")] == ["a", "b"]
    summary = registry.summary()
    assert (summary.version, summary.tools) == (2, 3)
    assert dict(summary.providers) == {"mcp": 3, "openai": 3}
    text = str(summary)
    assert "Registry version 2" in text and "shop" in text and "v2.0.0" in text
    assert summary.to_dict()["specs"][0]["name"] == "pets"


def test_tool_rejected_for_a_provider_is_missing_there_only(registry: Registry) -> None:
    """A tool without a definition for a provider is served to the others."""
    a, b = tool("a"), tool("b")
    rendered = {"a": definitions(a), "b": {"mcp": definitions(b)["mcp"]}}
    registry.apply(compiled("pets", [a, b], rendered=rendered))
    assert [d["name"] for d in registry.get_all("openai")] == ["a"]
    assert [d["name"] for d in registry.get_all("mcp")] == ["a", "b"]


def test_spec_version_bump_refreshes_every_tool(registry: Registry) -> None:
    """A new info.version with the same operations commits: each tool now carries the new version."""
    registry.apply(spec_of("pets", ["a"], version="1.0.0"))
    changes = registry.apply(spec_of("pets", ["a"], version="1.1.0"))
    assert changes.version == 2
    assert registry.get("a").spec_version == "1.1.0"
    assert registry.snapshot.specs["pets"].version == "1.1.0"


def test_reload_of_tool_by_tool_spec_is_refused(registry: Registry) -> None:
    """A spec built with register() has no source: reload() says so."""
    registry.register(tool("ping", "ops"), definitions=definitions(tool("ping", "ops")))
    with pytest.raises(RegistryError, match="no source to reload"):
        registry.reload("ops")


def test_entry_status_ok_after_apply(registry: Registry) -> None:
    """A successful apply leaves the spec ok with its config stored."""
    registry.apply(spec_of("pets", ["a"]))
    entry = registry.snapshot.specs["pets"]
    assert entry.status is SpecStatus.OK
    assert entry.config is not None and entry.config.name == "pets"
    assert entry.to_dict()["tools"] == ["a"]
