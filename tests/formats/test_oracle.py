"""The rule checker and the providers' own SDK types accept every rendering."""

from __future__ import annotations

import functools
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import pydantic
import pytest

from tests.formats.golden_support import VARIANTS, tools_by_case
from toolsync.convert import ToolOptions, build_tools
from toolsync.formats import render_all
from toolsync.ir import Spec
from toolsync.spec.loader import load_spec
from toolsync.tool import Tool

ROOT = Path(__file__).resolve().parents[2]
SPECS = [*sorted((ROOT / "examples" / "specs").glob("*")), Path(__file__).parent / "specs" / "edge.yaml"]
CHECKED_AS = {"openai": "openai-responses"}
RENDERED = [(stem, provider, options) for stem, (provider, options) in VARIANTS.items() if provider != "neutral"]


def _definitions(tools: list[Tool], provider: str, options: ToolOptions) -> list[dict[str, Any]]:
    return [r.definition for r in render_all(tools, provider, options)]


@functools.cache
def _spec(path: Path) -> Spec:
    return load_spec(str(path))


def _errors(checker: ModuleType, provider: str, definitions: list[dict[str, Any]]) -> list[str]:
    """Per-tool errors (request-wide budgets belong to the tool gate, not to rendering)."""
    name = CHECKED_AS.get(provider, provider)
    found = [item for d in definitions for item in checker.check(name, d)]
    names = [d.get("name") or d["function"]["name"] for d in definitions]
    assert len(set(names)) == len(names)
    return [item for item in found if item.startswith("[error]")]


@pytest.mark.parametrize(("stem", "provider", "options"), RENDERED, ids=[r[0] for r in RENDERED])
def test_representative_operations_pass_the_checker(checker: ModuleType, stem: str, provider: str,
                                                    options: ToolOptions) -> None:
    """No checker errors for any representative operation in any format variant."""
    definitions = _definitions(list(tools_by_case(options).values()), provider, options)
    assert _errors(checker, provider, definitions) == []


@pytest.mark.parametrize("path", SPECS, ids=[p.name for p in SPECS])
@pytest.mark.parametrize(("stem", "provider", "options"), RENDERED, ids=[r[0] for r in RENDERED])
def test_loaded_specs_pass_the_checker(checker: ModuleType, path: Path, stem: str, provider: str,
                                       options: ToolOptions) -> None:
    """Every operation of the example specs (and an edge-case spec) renders without checker errors."""
    build = build_tools(_spec(path), options)
    assert build.tools and not build.skipped
    assert _errors(checker, provider, _definitions(list(build.tools), provider, options)) == []


def _all_definitions(provider: str, options: ToolOptions) -> list[dict[str, Any]]:
    tools = list(tools_by_case(options).values())
    for path in SPECS:
        tools.extend(build_tools(_spec(path), options).tools)
    return _definitions(tools, provider, options)


@pytest.mark.parametrize("options", [ToolOptions(), ToolOptions(gemini_json_schema=True)])
def test_gemini_sdk_accepts_every_declaration(options: ToolOptions) -> None:
    """google.genai.types.FunctionDeclaration validates each declaration without warnings."""
    from google.genai import types

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for definition in _all_definitions("gemini", options):
            types.FunctionDeclaration.model_validate(definition)


def test_mcp_sdk_accepts_every_tool() -> None:
    """mcp.types.Tool (and the 2025-11-25 wire model) validate each tool."""
    import mcp.types
    from mcp_types import _v2025_11_25 as wire

    for definition in _all_definitions("mcp", ToolOptions()):
        tool = mcp.types.Tool.model_validate(definition)
        assert tool.name == definition["name"] and tool.input_schema == definition["inputSchema"]
        wire.Tool.model_validate(definition)


@pytest.mark.parametrize(("provider", "options", "param_type"), [
    ("openai", ToolOptions(), "openai.types.responses.FunctionToolParam"),
    ("openai-chat", ToolOptions(), "openai.types.chat.ChatCompletionFunctionToolParam"),
    ("anthropic", ToolOptions(), "anthropic.types.ToolParam"),
    ("anthropic", ToolOptions(anthropic_strict=True), "anthropic.types.ToolParam"),
])
def test_typed_dict_params_accept_every_definition(provider: str, options: ToolOptions, param_type: str) -> None:
    """The SDK request TypedDicts accept each definition, and no key is one they do not declare."""
    module_name, _, name = param_type.rpartition(".")
    adapter = pydantic.TypeAdapter(getattr(__import__(module_name, fromlist=[name]), name))
    for definition in _all_definitions(provider, options):
        validated = adapter.validate_python(definition)
        assert set(validated) == set(definition)
