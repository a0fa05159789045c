"""The public names of toolsync.spec and toolsync.netguard are listed, sorted and importable."""

from __future__ import annotations

import toolsync.netguard
import toolsync.spec


def test_spec_package_exports() -> None:
    """toolsync.spec.__all__ is sorted and every name in it exists."""
    assert toolsync.spec.__all__ == sorted(toolsync.spec.__all__)
    for name in toolsync.spec.__all__:
        assert getattr(toolsync.spec, name) is not None


def test_netguard_exports() -> None:
    """toolsync.netguard exports exactly its four public functions."""
    public = sorted(n for n in vars(toolsync.netguard) if not n.startswith("_") and callable(
        getattr(toolsync.netguard, n)) and getattr(toolsync.netguard, n).__module__ == "toolsync.netguard")
    assert public == sorted(toolsync.netguard.__all__)
