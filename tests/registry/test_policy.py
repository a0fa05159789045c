"""Breaking-change policy: allow, warn, block with held changes, approve and reject."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from toolsync.config import BreakingPolicy
from toolsync.diff import Finding, FindingSeverity
from toolsync.ir import Operation
from toolsync.pipeline import CompiledSpec
from toolsync.registry import ChangeEvent, Registry, RegistryOptions, SpecStatus
from toolsync.tool import Tool

from .builders import compiled, tool

ALLOW, WARN, BLOCK = BreakingPolicy.ALLOW, BreakingPolicy.WARN, BreakingPolicy.BLOCK


def base(policy: BreakingPolicy, version: str = "1.0.0") -> list[Tool]:
    return [tool("getPet", version=version), tool("listPets", version=version),
            tool("deletePet", version=version, method="delete")]


def breaking(policy: BreakingPolicy, version: str = "2.0.0") -> CompiledSpec:
    """getPet gains a required parameter (breaking), listPets changes its text, deletePet is removed, addPet added."""
    tools = [tool("getPet", version=version, required=("limit",)),
             tool("listPets", version=version, description="Lists pets, newest first."),
             tool("addPet", version=version, method="post")]
    return compiled("pets", tools, version=version, policy=policy)


def loaded(registry: Registry, policy: BreakingPolicy) -> list[ChangeEvent]:
    registry.apply(compiled("pets", base(policy), policy=policy))
    seen: list[ChangeEvent] = []
    registry.on_change(seen.append)
    return seen


def test_allow_applies_breaking_change_quietly(registry: Registry) -> None:
    """Policy allow applies everything and emits no breaking-change event."""
    seen = loaded(registry, ALLOW)
    changes = registry.apply(breaking(ALLOW))
    assert changes.breaking and not changes.held
    assert sorted(registry.snapshot.tools) == ["addPet", "getPet", "listPets"]
    assert "breaking_change" not in [e.kind for e in seen[0].events]


def test_warn_applies_and_emits_breaking_change(registry: Registry) -> None:
    """Policy warn applies everything and emits BreakingChangeDetected naming the tools."""
    seen = loaded(registry, WARN)
    changes = registry.apply(breaking(WARN))
    assert changes.summary() == "+1 -1 ~2 =0"
    event = next(e for e in seen[0].events if e.kind == "breaking_change")
    assert event.tools == ("deletePet", "getPet")
    ids = {f["id"] for f in event.findings}
    assert "operation.removed" in ids and any("required" in i for i in ids)


def test_block_applies_safe_part_and_holds_breaking_part(registry: Registry) -> None:
    """Policy block applies additions and safe updates, keeps old breaking tools, and holds the rest."""
    seen = loaded(registry, BLOCK)
    old_get = registry.get("getPet")
    changes = registry.apply(breaking(BLOCK))
    assert changes.held == ("deletePet", "getPet") and changes.held_id
    assert (changes.added, changes.updated) == (("addPet",), ("listPets",))
    snap = registry.snapshot
    assert snap.tools["getPet"] is old_get
    assert "deletePet" in snap.tools
    assert snap.specs["pets"].status is SpecStatus.HELD
    assert snap.specs["pets"].held == changes.held_id
    (held,) = registry.held()
    assert held.id == changes.held_id and held.tools == ("deletePet", "getPet")
    assert all(f.severity is FindingSeverity.BREAKING for f in held.findings)
    assert "change_held" in [e.kind for e in seen[0].events]
    assert registry.audit(limit=1)[0].outcome == "held"


def test_approve_applies_the_held_part(registry: Registry) -> None:
    """Approving a held change applies it in full and clears the held state."""
    loaded(registry, BLOCK)
    held_id = registry.apply(breaking(BLOCK)).held_id
    changes = registry.approve(held_id)
    assert (changes.removed, changes.updated) == (("deletePet",), ("getPet",))
    assert registry.held() == []
    assert registry.snapshot.specs["pets"].status is SpecStatus.OK
    assert registry.get("getPet").tool.operation.parameters[0].required
    assert "change_approved" in [e.kind for e in registry.events_since(registry.version - 1)]


def test_reject_keeps_the_old_tools(registry: Registry) -> None:
    """Rejecting a held change drops it; the old tools stay and the spec is ok again."""
    loaded(registry, BLOCK)
    held_id = registry.apply(breaking(BLOCK)).held_id
    version = registry.version
    rejected = registry.reject(held_id)
    assert rejected.id == held_id and registry.held() == []
    assert registry.version == version
    assert "deletePet" in registry.snapshot.tools
    assert registry.snapshot.specs["pets"].status is SpecStatus.OK


def test_same_breaking_reload_keeps_one_held_change(registry: Registry) -> None:
    """Loading the same breaking spec again keeps the same held change and commits nothing."""
    loaded(registry, BLOCK)
    first = registry.apply(breaking(BLOCK))
    again = registry.apply(breaking(BLOCK))
    assert again.version is None and again.held_id == first.held_id
    assert len(registry.held()) == 1


def test_corrected_spec_clears_the_held_change(registry: Registry) -> None:
    """A later load that no longer breaks replaces the held change (it is rejected as superseded)."""
    seen = loaded(registry, BLOCK)
    registry.apply(breaking(BLOCK))
    fixed = compiled("pets", [*base(BLOCK, "2.0.1"), tool("addPet", version="2.0.1", method="post")],
                     version="2.0.1", policy=BLOCK)
    changes = registry.apply(fixed)
    assert not changes.held and registry.held() == []
    assert registry.snapshot.specs["pets"].status is SpecStatus.OK
    rejected = [e for step in seen for e in step.events if e.kind == "change_rejected"]
    assert rejected and rejected[0].reason.startswith("superseded")


def test_breaking_only_change_is_held_without_a_version(registry: Registry) -> None:
    """When every change is breaking and held, no version is made but the spec shows it is held."""
    registry.apply(compiled("pets", [tool("getPet")], policy=BLOCK))
    changes = registry.apply(compiled("pets", [tool("getPet", required=("limit",))], policy=BLOCK))
    assert changes.version is None and changes.held == ("getPet",)
    assert registry.version == 1
    assert registry.snapshot.specs["pets"].status is SpecStatus.HELD


def test_fake_diff_hook_decides_what_breaks() -> None:
    """The diff used by the policy is pluggable; its breaking findings drive what is held."""

    def differ(old: Operation, new: Operation) -> Sequence[Finding]:
        if "BREAK" in new.summary:
            return [Finding("fake.break", FindingSeverity.BREAKING, "broken", operation=new.key)]
        return [Finding("fake.info", FindingSeverity.INFO, "fine", operation=new.key)]

    from .builders import operation

    with Registry(options=RegistryOptions(diff_operations=differ)) as registry:
        registry.apply(compiled("pets", [tool("a"), tool("b")], policy=BLOCK))
        broken = dataclasses.replace(operation("a"), summary="BREAK")
        changes = registry.apply(compiled("pets", [tool("a", op=broken, description="x"),
                                                   tool("b", description="y")], policy=BLOCK))
        assert changes.held == ("a",) and changes.updated == ("b",)
        assert [f.id for f in changes.findings] == ["fake.break", "fake.info"]
        assert changes.findings[0].tool == "a"


def test_a_failing_diff_counts_as_breaking() -> None:
    """A diff that raises is treated as breaking, so block holds the change rather than let it through."""

    def differ(old: Operation, new: Operation) -> Sequence[Finding]:
        raise RuntimeError("diff bug")

    with Registry(options=RegistryOptions(diff_operations=differ)) as registry:
        registry.apply(compiled("pets", [tool("a")], policy=BLOCK))
        changes = registry.apply(compiled("pets", [tool("a", description="new")], policy=BLOCK))
        assert changes.held == ("a",)
        assert changes.findings[0].id == "diff.failed"


def test_check_breaking_changes_before_registering(registry: Registry) -> None:
    """check_breaking_changes compares the registered spec with a new one without registering it."""
    registry.apply(compiled("pets", base(WARN)))
    report = registry.check_breaking_changes("pets", breaking(WARN))
    assert report.breaking
    assert "DELETE /deletePet" in report.removed
    assert registry.version == 1


@pytest.mark.parametrize("policy", [ALLOW, WARN, BLOCK])
def test_policy_is_recorded_on_the_spec(registry: Registry, policy: BreakingPolicy) -> None:
    """The spec entry names the policy it is guarded by."""
    registry.apply(compiled("pets", base(policy), policy=policy))
    assert registry.snapshot.specs["pets"].policy is policy
