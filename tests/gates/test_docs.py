"""The examples in the gates' docstrings run and show what they claim."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

_SRC = Path(__file__).resolve().parents[2] / "src"


def _with_docstrings(name: str) -> ModuleType:
    """The module; for a compiled one (no docstrings doctest can find), a fresh copy run from its source."""
    module = importlib.import_module(name)
    if str(module.__file__).endswith(".py"):
        return module
    spec = importlib.util.spec_from_file_location(name, _SRC / Path(*name.split(".")).with_suffix(".py"))
    assert spec is not None and spec.loader is not None
    source = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(source)
    return source


@pytest.mark.parametrize("module", ["toolsync.gates", "toolsync.gates._spec", "toolsync.gates._tools"])
def test_docstring_examples(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ``>>>`` example in the module passes."""
    found = _with_docstrings(module)
    monkeypatch.setitem(sys.modules, module, found)  # doctest looks objects' modules up there
    result = doctest.testmod(found, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
