"""The tool gate as the pipeline uses it: accept, reject or fail; request-wide issues; hostile input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolsync.errors import ConfigError, ToolValidationError
from toolsync.gates import PROVIDERS, GateOptions, apply_tool_gate, check_tool, check_tools
from toolsync.ir import Severity

from .conftest import obj, strict_obj

EXAMPLES = Path(__file__).parents[2] / "examples" / "specs"


def responses_tool(name: str = "get_pet", **extra: Any) -> dict[str, Any]:
    return {"type": "function", "name": name, "description": "Get a pet", "strict": True,
            "parameters": strict_obj({"id": {"type": "string"}}), **extra}


def test_skip_policy_keeps_good_tools_and_lists_rejected_ones() -> None:
    """A tool with an error is held back by name with its issues; the others pass through untouched."""
    good, bad = responses_tool(), responses_tool("bad name!")
    result = apply_tool_gate("openai", [good, bad])
    assert result.accepted == [good]
    assert [name for name, _ in result.rejected] == ["bad name!"]
    assert {i.rule for i in result.rejected[0][1]} == {"openai.name.pattern"}
    assert not result.ok


def test_unnamed_rejected_tools_are_named_by_position() -> None:
    """A definition without a usable name is reported as tools[index]."""
    result = apply_tool_gate("anthropic", [{"input_schema": {"type": "object"}}])
    assert result.rejected[0][0] == "tools[0]"


def test_warnings_do_not_reject() -> None:
    """A tool with only warnings is accepted and its warnings are still reported."""
    tool = responses_tool(extra_key=1)
    result = apply_tool_gate("openai", [tool], policy="fail")
    assert result.accepted == [tool] and result.ok
    assert [i.rule for i in result.warnings] == ["openai.unknown-key"]


def test_fail_policy_raises_naming_tool_rule_and_message() -> None:
    """With policy fail, a rejected tool raises ToolValidationError that says which tool and rule."""
    with pytest.raises(ToolValidationError) as caught:
        apply_tool_gate("openai", [responses_tool(), responses_tool("a.b")], policy="fail")
    error = caught.value
    assert "a.b" in error.message and "openai.name.pattern" in error.message
    assert "must match" in error.message
    assert error.details["tool"] == "a.b" and error.details["rule"] == "openai.name.pattern"
    assert error.source == "openai tools" and error.pointer == "/name"


def test_request_wide_issues_are_reported_not_dropped() -> None:
    """129 valid OpenAI tools are each accepted, and the request-wide limit is reported as an error."""
    tools = [responses_tool(f"t{i}") for i in range(129)]
    result = apply_tool_gate("openai", tools)
    assert len(result.accepted) == 129 and not result.rejected
    assert [(i.rule, i.severity, i.tool) for i in result.request_issues] == \
        [("openai.tools.max", Severity.ERROR, None)]
    assert result.request_issues[0] in result.issues
    assert not result.ok
    with pytest.raises(ToolValidationError, match=r"openai\.tools\.max"):
        apply_tool_gate("openai", tools, policy="fail")


def test_request_rules_run_on_the_accepted_tools() -> None:
    """A rejected duplicate no longer counts as a duplicate name in the request."""
    first = {"name": "dup", "description": "d", "input_schema": {"type": "object"}}
    broken = {"name": "dup", "description": "d", "input_schema": {"type": "array"}}
    result = apply_tool_gate("anthropic", [first, broken])
    assert result.accepted == [first]
    assert result.request_issues == []
    assert "anthropic.name.unique" in {i.rule for i in check_tools("anthropic", [first, broken])}


def test_options_and_policy_are_checked() -> None:
    """Unknown providers, policies and Gemini backends are configuration errors with the valid choices."""
    with pytest.raises(ConfigError, match="openai-chat"):
        check_tool("claude-3", {})
    with pytest.raises(ConfigError, match="skip"):
        apply_tool_gate("openai", [], policy="drop")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="vertex"):
        GateOptions(gemini_backend="cloud")  # type: ignore[arg-type]


def test_provider_aliases() -> None:
    """The reference checker's provider names are understood too."""
    tool = responses_tool("bad name")
    assert check_tool("openai-responses", tool) == check_tool("openai", tool)


def test_warnings_can_be_turned_off() -> None:
    """warnings=False leaves only errors."""
    tool = {"name": "f", "inputSchema": {"type": "object"}}
    assert [i.rule for i in check_tool("mcp", tool)] == ["mcp.input-schema.no-params"]
    assert check_tool("mcp", tool, options=GateOptions(warnings=False)) == []


def test_sdk_checks_can_be_turned_off() -> None:
    """use_sdk=False skips the SDK models and keeps the hand-written rules."""
    tool = {"name": "f", "inputSchema": {"type": "object", "additionalProperties": False}, "_meta": "x"}
    assert [i.rule for i in check_tool("mcp", tool)] == ["mcp.sdk"]
    assert check_tool("mcp", tool, options=GateOptions(use_sdk=False)) == []


def test_issues_carry_the_tool_name_and_a_json_pointer() -> None:
    """Each issue names its tool and points into the definition with an RFC 6901 pointer."""
    tool = {"type": "function", "function": {"name": "f", "strict": True, "parameters": strict_obj(
        {"a/b": {"type": "string", "format": "uri"}})}}
    [issue] = check_tool("openai-chat", tool)
    assert (issue.tool, issue.rule, issue.pointer) == ("f", "openai.strict.format", "/function/parameters/properties/a~1b")
    assert issue.to_dict()["severity"] == "error"
    assert str(issue).startswith("[error] openai.strict.format @ f /function/parameters")


def test_omitted_strict_on_responses_turns_strict_rules_into_warnings() -> None:
    """Responses normalizes to strict when it can, so a non-strict-ready schema only warns when strict is absent."""
    tool = {"type": "function", "name": "f", "parameters": obj({"a": {"type": "string"}})}
    issues = check_tool("openai", tool)
    assert {i.rule for i in issues} >= {"openai.strict.additional-properties", "openai.strict.required-all"}
    assert all(i.severity is Severity.WARNING for i in issues)
    assert check_tool("openai", {**tool, "strict": False}) == []


def test_gemini_tool_wrapper_is_unwrapped() -> None:
    """A {"functionDeclarations": [...]} wrapper is checked declaration by declaration, with pointers."""
    wrapper = {"functionDeclarations": [{"name": "ok", "description": "d"}, {"name": "1bad", "description": "d"}]}
    [issue] = check_tool("gemini", wrapper)
    assert (issue.tool, issue.rule, issue.pointer) == ("1bad", "gemini.name.pattern", "/functionDeclarations/1/name")
    # Request-wide limits count declarations, not wrappers.
    wrappers = [{"functionDeclarations": [{"name": f"f{w}_{i}", "description": "d"} for i in range(300)]}
                for w in range(2)]
    assert {i.rule for i in check_tools("gemini", wrappers[:1])} == {"gemini.tools.max-old"}
    assert {i.rule for i in check_tools("gemini", wrappers)} == {"gemini.tools.max"}


def test_names_must_match_in_full() -> None:
    """A trailing newline does not sneak a name past the pattern (stricter than a ``$``-anchored match)."""
    assert [i.rule for i in check_tool("openai", responses_tool("get_pet\n"))] == ["openai.name.pattern"]
    assert [i.rule for i in check_tool("anthropic", {"name": "f\n", "description": "d",
                                                     "input_schema": {"type": "object"}})] == ["anthropic.name.pattern"]


def _deep(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"a": schema}}
    return schema


@pytest.mark.parametrize("declared", [None, "http://json-schema.org/draft-07/schema#"])
def test_deep_schemas_do_not_crash(declared: str | None) -> None:
    """Schemas nested far past Python's recursion limit are checked without RecursionError."""
    schema = _deep(1500)
    if declared:
        schema["$schema"] = declared
    tools = {
        "openai": {"type": "function", "name": "f", "strict": True, "parameters": schema},
        "openai-chat": {"type": "function", "function": {"name": "f", "parameters": schema}},
        "anthropic": {"name": "f", "description": "d", "strict": True, "input_schema": schema,
                      "input_examples": [{"a": {}}]},
        "gemini": {"name": "f", "description": "d", "parameters": schema},
        "mcp": {"name": "f", "inputSchema": schema, "outputSchema": schema},
    }
    for provider, tool in tools.items():
        issues = check_tool(provider, tool)
        assert all(i.rule.startswith(provider.split("-")[0]) for i in issues)
    limits = {i.rule for i in check_tool("openai", tools["openai"])}
    assert "openai.strict.limit-depth" in limits


def test_self_containing_definitions_do_not_hang() -> None:
    """A Python dict nested in itself (never JSON, but possible in memory) is walked once."""
    schema: dict[str, Any] = {"type": "object", "properties": {}}
    schema["properties"]["me"] = schema
    for provider, tool in {
        "openai": {"type": "function", "name": "f", "strict": True, "parameters": schema},
        "anthropic": {"name": "f", "description": "d", "strict": True, "input_schema": schema},
        "gemini": {"name": "f", "description": "d", "parameters": schema},
        "mcp": {"name": "f", "inputSchema": schema},
    }.items():
        assert isinstance(check_tool(provider, tool, options=GateOptions(use_sdk=False)), list)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("definition", [None, 7, "tool", [1, 2], {}, {"name": None}, {"name": ["x"], "type": {}},
                                        {"name": "f", "parameters": {"$defs": [1], "format": ["x"]}},
                                        {"name": "f", "input_schema": {"format": {"a": 1}, "properties": {1: 2}}},
                                        {"type": "function", "name": "f", "strict": True, "parameters": {
                                            "type": "object", "properties": {"a": {}}, "required": [{"a": 1}]}},
                                        {"name": "f", "parameters": {"type": "object", "properties": {1: {}}},
                                         "input_schema": {"properties": {("t",): {}}}, "inputSchema": {2: 3}}])
def test_garbage_is_reported_not_raised(provider: str, definition: Any) -> None:
    """Whatever the definition, the gate answers with issues (at least one error) and never raises."""
    issues = check_tools(provider, [definition])
    assert any(i.is_error for i in issues)


def test_every_example_spec_renders_to_accepted_tools() -> None:
    """The shipped example specs, built and rendered by toolsync, pass every provider's gate."""
    from toolsync.convert import build_tools
    from toolsync.formats import render_all
    from toolsync.spec import load_spec

    for path in sorted(EXAMPLES.glob("*.*")):
        build = build_tools(load_spec(path))
        for provider in PROVIDERS:
            definitions = [r.definition for r in render_all(build.tools, provider)]
            result = apply_tool_gate(provider, definitions, policy="fail")
            assert len(result.accepted) == len(build.tools) > 0, (path.name, provider)


_KEYWORDS = ("type", "properties", "items", "anyOf", "oneOf", "allOf", "required", "enum", "description",
             "format", "additionalProperties", "$defs", "$ref", "nullable", "minimum", "pattern", "title", "const")
_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=4)
            | st.sampled_from(("object", "string", "array", "#/$defs/a", "null")))


def _values(keys: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(keys, inner, max_size=4), max_leaves=25)


def _definitions(schema: Any) -> dict[str, Any]:
    return {"openai": {"type": "function", "name": "f", "description": "d", "parameters": schema, "strict": True},
            "openai-chat": {"type": "function", "function": {"name": "f", "parameters": schema, "strict": True}},
            "anthropic": {"name": "f", "input_schema": schema},
            "gemini": {"name": "f", "description": "d", "parameters": schema, "response": schema},
            "mcp": {"name": "f", "inputSchema": schema, "outputSchema": schema}}


@settings(max_examples=150, deadline=None)
@given(schema=_values(st.sampled_from(_KEYWORDS) | st.text(max_size=3)))
def test_any_json_schema_is_judged_never_raised(schema: Any) -> None:
    """Whatever JSON a definition holds, every gate answers with findings, none of them the not-JSON net."""
    for provider, definition in _definitions(schema).items():
        issues = check_tool(provider, definition, options=GateOptions(use_sdk=False))
        assert "definition.not-json" not in {issue.rule for issue in issues}, (provider, issues)


@settings(max_examples=100, deadline=None)
@given(schema=_values(st.sampled_from(_KEYWORDS) | st.integers() | st.tuples(st.text(max_size=2))))
def test_values_json_cannot_hold_are_an_error_not_a_raise(schema: Any) -> None:
    """Keys that are not strings (a Python caller's dict) are judged too, in either build."""
    for provider, definition in _definitions(schema).items():
        issues = check_tool(provider, definition, options=GateOptions(use_sdk=False))
        assert isinstance(issues, list)


def test_mcp_headers_are_found_in_shared_subschemas_whatever_the_order() -> None:
    """The x-mcp-header look-ahead remembers clean sub-schemas across tools, never ones that hold a header."""
    from toolsync.gates import shared_schemas

    options = GateOptions(mcp_version="2026-07-28", use_sdk=False)
    clean = {"type": "string"}
    header = {"type": "object", "properties": {"deep": {"anyOf": [clean, {"type": "number", "x-mcp-header": "X-A"}]}}}
    first = {"name": "a", "inputSchema": obj({"c": clean})}
    second = {"name": "b", "inputSchema": obj({"c": clean, "h": header})}
    third = {"name": "c", "inputSchema": obj({"h": header})}
    with shared_schemas():
        assert [i.rule for i in check_tool("mcp", first, options=options)] == []
        for tool in (second, third, second):
            rules = [i.rule for i in check_tool("mcp", tool, options=options)]
            assert rules == ["mcp.x-mcp-header.primitive"], rules


def test_errors_by_tool_names_only_the_rejected_definitions() -> None:
    """Errors only, by tool name; a definition with warnings alone passes."""
    from toolsync.gates import errors_by_tool

    good = {"name": "ok", "input_schema": obj({"a": {"type": "string"}})}
    warned = {"name": "quiet", "input_schema": obj({})}  # no description: a warning, not an error
    bad = {"name": "bad name", "input_schema": obj({})}
    found = errors_by_tool("claude", {"ok": good, "quiet": warned, "bad": bad})
    assert list(found) == ["bad"] and [i.rule for i in found["bad"]] == ["anthropic.name.pattern"]
    assert all(i.severity is Severity.ERROR for i in found["bad"])
