"""examples/hands_on.py runs end to end: two specs, one grows by an endpoint, every provider accepts the tools."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "hands_on.py"


def test_hands_on_tour(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The tour reloads with '+1 -0 ~0 =2', passes every provider check, and exits 0."""
    spec = importlib.util.spec_from_file_location("hands_on", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.tour(tmp_path) == 0
    out = capsys.readouterr().out
    assert "Reload of pets.yaml: +1 -0 ~0 =2 (added listVaccinations)" in out
    for provider in ("openai", "openai-chat", "anthropic", "gemini", "mcp"):
        assert f"{provider:<12} 4 tools: ok" in out
    assert "Rolled pets back to version 2" in out
