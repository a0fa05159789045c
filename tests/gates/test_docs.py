"""The examples in the gates' docstrings run and show what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("module", ["toolsync.gates", "toolsync.gates._spec", "toolsync.gates._tools"])
def test_docstring_examples(module: str) -> None:
    """Every ``>>>`` example in the module passes."""
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
