"""Fixtures for format tests: the rule checker from /work/shared (or next to the repository)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

_CANDIDATES = (
    Path(__file__).resolve().parents[3] / "shared" / "tools" / "check_tools.py",
    Path("/work/shared/tools/check_tools.py"),
)


@pytest.fixture(scope="session")
def checker() -> ModuleType:
    """The provider rule checker ``check_tools.py``, imported by path."""
    path = next((p for p in _CANDIDATES if p.exists()), None)
    if path is None:
        pytest.skip("check_tools.py is not available in this checkout")
    spec = importlib.util.spec_from_file_location("check_tools", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
