"""The public names of toolsync.registry and toolsync.stores are exactly their __all__ lists."""

from __future__ import annotations

import types

import pytest

import toolsync.registry
import toolsync.stores


@pytest.mark.parametrize("module", [toolsync.registry, toolsync.stores])
def test_all_lists_every_public_member(module: types.ModuleType) -> None:
    """Every name in __all__ exists, and every public class or function of the package is listed."""
    assert all(hasattr(module, name) for name in module.__all__)
    own = {name for name, value in vars(module).items()
           if not name.startswith("_") and getattr(value, "__module__", "").startswith(module.__name__)
           and isinstance(value, type | types.FunctionType)}
    assert own <= set(module.__all__)
