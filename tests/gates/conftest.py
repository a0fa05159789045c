"""Shared helpers for the gate tests: the reference checker (an oracle) and small spec builders."""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from toolsync.gates import ToolIssue

# The reference implementation of RULES.md lives outside the package; it is only ever used here.
ORACLE_PATH = Path(os.environ.get("TOOLSYNC_RULES_ORACLE", Path(__file__).parents[3] / "shared/tools/check_tools.py"))
RULES_PATH = ORACLE_PATH.parent.parent / "RULES.md"

# Our provider names -> the reference checker's.
ORACLE_PROVIDER = {"openai": "openai-responses", "openai-chat": "openai-chat", "anthropic": "anthropic",
                   "gemini": "gemini", "mcp": "mcp"}
_ITEM = re.compile(r"\[(error|warn)\] (\S+) @")


@pytest.fixture(scope="session")
def oracle() -> ModuleType:
    """The reference checker, imported by path (skipped when the checkout has no copy next to it)."""
    if not ORACLE_PATH.is_file():
        pytest.skip(f"reference checker not found at {ORACLE_PATH}; set TOOLSYNC_RULES_ORACLE")
    spec = importlib.util.spec_from_file_location("toolsync_rules_oracle", ORACLE_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def oracle_rules(items: list[str]) -> set[tuple[str, str]]:
    """(severity, rule) pairs from the reference checker's "[error] rule @ where: message" lines."""
    found = set()
    for item in items:
        match = _ITEM.match(item)
        assert match, item
        found.add(("error" if match.group(1) == "error" else "warning", match.group(2)))
    return found


def our_rules(issues: list[ToolIssue]) -> set[tuple[str, str]]:
    return {(str(i.severity), i.rule) for i in issues}


def obj(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """An object schema."""
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required is not None:
        schema["required"] = required
    return {**schema, **extra}


def strict_obj(properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """An object schema that meets OpenAI's strict subset at its own level."""
    return obj(properties, list(properties), additionalProperties=False, **extra)
