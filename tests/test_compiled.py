"""An installed wheel holds every module ``hatch_build.py`` compiles; an editable install holds none."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import toolsync

ROOT = Path(__file__).resolve().parent.parent


def _compiled_names() -> list[str]:
    tree = ast.parse((ROOT / "hatch_build.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "COMPILED" for t in node.targets):
            return [f"toolsync.{path[:-3].replace('/', '.')}" for path in ast.literal_eval(node.value)]
    raise AssertionError("hatch_build.py names no COMPILED modules")


def test_compiled_modules_are_extension_modules_exactly_when_installed_from_the_wheel() -> None:
    editable = Path(toolsync.__file__).resolve().parent == ROOT / "src" / "toolsync"
    names = _compiled_names()
    assert names
    for name in names:
        module = importlib.import_module(name)
        assert str(module.__file__).endswith(".py") == editable, (name, module.__file__)
