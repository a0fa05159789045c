"""The formats registry: providers, errors and the argument guard."""

from __future__ import annotations

import pytest

from tests.formats.helpers import tool_with
from toolsync import formats
from toolsync.convert import ToolOptions
from toolsync.errors import ConfigError, ConversionError
from toolsync.formats import (
    FORMATTERS,
    PROVIDERS,
    RenderContext,
    Rendered,
    render,
    render_all,
    render_providers,
)
from toolsync.formats._common import ensure_arguments
from toolsync.ir import Diagnostic
from toolsync.tool import Tool


def test_public_names_are_listed() -> None:
    """__all__ of toolsync.formats and toolsync.convert has no duplicates, resolves and holds the contract."""
    from toolsync import convert

    contract = {formats: {"FORMATTERS", "PROVIDERS", "Rendered", "render", "render_all", "neutral_arguments"},
                convert: {"ToolOptions", "ToolBuild", "build_tool", "build_tools", "assign_names"}}
    for module, wanted in contract.items():
        assert len(set(module.__all__)) == len(module.__all__)
        assert all(hasattr(module, name) for name in module.__all__)
        assert wanted <= set(module.__all__)


def test_every_provider_has_a_formatter() -> None:
    """FORMATTERS covers PROVIDERS exactly."""
    assert tuple(FORMATTERS) == PROVIDERS


def test_unknown_provider_is_a_config_error() -> None:
    """A provider name outside PROVIDERS is refused with the list of valid ones."""
    with pytest.raises(ConfigError, match="openai-chat"):
        render(tool_with({}), "claude")


def _losing(tool: Tool, ctx: RenderContext) -> Rendered:
    ensure_arguments(tool, {}, "lossy")
    return Rendered({}, name=tool.name)


def test_a_lost_argument_fails_the_tool(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rendering without one of the tool's arguments raises, or is skipped with a diagnostic."""
    monkeypatch.setitem(FORMATTERS, "mcp", _losing)
    tool = tool_with({"a": {"type": "string"}})
    with pytest.raises(ConversionError, match="lose the argument"):
        render_all([tool], "mcp")
    skipped: list[Diagnostic] = []
    assert render_all([tool], "mcp", skipped=skipped) == [] and "not offered to mcp" in skipped[0].message


def test_render_providers_shares_one_context() -> None:
    """Rendering for every provider at once gives the same definitions as one by one."""
    tools = [tool_with({"a": {"type": "string"}}), tool_with({"b": {"type": "integer"}})]
    together = render_providers(tools, options=ToolOptions(namespace="n"))
    assert list(together) == list(PROVIDERS)
    for provider in PROVIDERS:
        alone = render_all(tools, provider, ToolOptions(namespace="n"))
        assert [r.definition for r in together[provider]] == [r.definition for r in alone]


def test_rendering_never_changes_the_tool() -> None:
    """The neutral schema is shared, not copied, and no format writes into it."""
    import copy

    tool = tool_with({"o": {"type": "object", "properties": {"a": {"type": "string", "format": "uri"}}},
                      "m": {"type": "object", "additionalProperties": {"type": "integer", "enum": [1]}}})
    before = copy.deepcopy(tool.input_schema)
    render_providers([tool], options=ToolOptions(anthropic_strict=True))
    render_providers([tool], options=ToolOptions(gemini_json_schema=True, strict=False))
    assert tool.input_schema == before
