"""The tool gate: per-tool rules, request-wide rules, and the accept/reject decision."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, Final, Literal

from .._json import is_mapping
from ..errors import ConfigError, ToolValidationError
from ..ir import Severity
from . import _anthropic, _gemini, _openai
from ._mcp import check_mcp
from ._model import PROVIDERS, GateOptions, GateResult, ToolIssue
from ._report import Report

__all__ = ["apply_tool_gate", "check_tool", "check_tools", "errors_by_tool", "normalize_provider"]

Policy = Literal["skip", "fail"]
_Checker = Callable[[Any, Report, GateOptions], None]

_ALIASES: Final = {"openai-responses": "openai", "responses": "openai", "chat": "openai-chat",
                   "openai-chat-completions": "openai-chat", "claude": "anthropic", "google": "gemini",
                   "vertex": "gemini"}
MAX_OPENAI_TOOLS: Final = 128
DEFAULT_OPTIONS: Final = GateOptions()


def normalize_provider(provider: str) -> str:
    """The canonical provider name; raises ``ConfigError`` for one the gate does not know."""
    if provider in PROVIDERS:  # already canonical: the gate asks once per definition
        return provider
    name = provider.strip().lower()
    name = _ALIASES.get(name, name)
    if name not in PROVIDERS:
        raise ConfigError(f"unknown provider {provider!r}; choose one of {', '.join(PROVIDERS)}")
    return name


def _check_gemini_tool(tool: Any, report: Report, options: GateOptions, where: str = "") -> None:
    _gemini.check_gemini(tool, report, backend=options.gemini_backend, use_sdk=options.use_sdk, where=where)


def _check_mcp_tool(tool: Any, report: Report, options: GateOptions) -> None:
    check_mcp(tool, report, version=options.mcp_version, use_sdk=options.use_sdk)


CHECKERS: Final[dict[str, _Checker]] = {
    "openai": lambda tool, report, _: _openai.check_openai_responses(tool, report),
    "openai-chat": lambda tool, report, _: _openai.check_openai_chat(tool, report),
    "anthropic": lambda tool, report, _: _anthropic.check_anthropic(tool, report),
    "gemini": _check_gemini_tool,
    "mcp": _check_mcp_tool,
}


def _name_of(provider: str, tool: Any) -> str | None:
    if provider.startswith("openai"):
        return _openai.tool_name(tool)
    name = tool.get("name") if is_mapping(tool) else None
    return name if isinstance(name, str) else None


def check_tool(provider: str, definition: Mapping[str, Any], *,
               options: GateOptions = DEFAULT_OPTIONS) -> list[ToolIssue]:
    """Every rule ``provider`` applies to one rendered tool definition.

    Example:
        >>> [i.rule for i in check_tool("anthropic", {"name": "a b", "input_schema": {"type": "object"}},
        ...                             options=GateOptions(warnings=False))]
        ['anthropic.name.pattern']
    """
    provider = normalize_provider(provider)
    wrapped = _gemini.declarations_of(definition) if provider == "gemini" else None
    if wrapped is None:
        report = Report(_name_of(provider, definition), want_warnings=options.warnings)
        _shielded(CHECKERS[provider], definition, report, options)
        return report.issues
    issues: list[ToolIssue] = []
    for pointer, decl in wrapped:
        report = Report(_name_of(provider, decl), want_warnings=options.warnings)
        _shielded(partial(_check_gemini_tool, where=pointer), decl, report, options)
        issues.extend(report.issues)
    return issues


def errors_by_tool(provider: str, definitions: Mapping[str, Mapping[str, Any]], *,
                   options: GateOptions = DEFAULT_OPTIONS) -> dict[str, list[ToolIssue]]:
    """The error issues of each definition (by name) that has any; the others pass ``provider``'s rules."""
    provider = normalize_provider(provider)
    found: dict[str, list[ToolIssue]] = {}
    for name, definition in definitions.items():
        errors = [i for i in check_tool(provider, definition, options=options) if i.severity is Severity.ERROR]
        if errors:
            found[name] = errors
    return found


def _shielded(check: _Checker, tool: Any, report: Report, options: GateOptions) -> None:
    """``check(tool, report, options)``; a value no JSON document holds (a key that is not a string…) becomes an
    error, not a raise.

    Only TypeError: what a value of a type JSON has no word for raises (the compiled build checks the
    declared ``str`` keys). Rules that raise on JSON input are bugs, and the tests feed them arbitrary JSON.
    """
    try:
        check(tool, report, options)
    except TypeError as exc:
        report.error("definition.not-json", None, "the definition holds a value JSON cannot (keys must be strings, "
                     f"values JSON types): {type(exc).__name__}: {exc}")


def _flatten(provider: str, definitions: Sequence[Any]) -> list[Any]:
    if provider != "gemini":
        return list(definitions)
    flat: list[Any] = []
    for tool in definitions:
        wrapped = _gemini.declarations_of(tool)
        if wrapped is None:
            flat.append(tool)
        else:
            flat.extend(d for _, d in wrapped)
    return flat


def check_tools(provider: str, definitions: Sequence[Mapping[str, Any]], *,
                options: GateOptions = DEFAULT_OPTIONS) -> list[ToolIssue]:
    """Every per-tool rule for each definition, then the rules on the request as a whole."""
    provider = normalize_provider(provider)
    issues = [issue for d in definitions for issue in check_tool(provider, d, options=options)]
    return issues + request_issues(provider, definitions, options=options)


def request_issues(provider: str, definitions: Sequence[Any], *,
                   options: GateOptions = DEFAULT_OPTIONS) -> list[ToolIssue]:
    """Rules about the tool set sent in one request: counts, unique names, strict and deferral budgets."""
    provider = normalize_provider(provider)
    flat = _flatten(provider, definitions)
    report = Report(None, want_warnings=options.warnings)
    _check_unique_names(provider, flat, report)
    _REQUEST_RULES.get(provider, _no_request_rules)(flat, report)
    return report.issues


def _check_unique_names(provider: str, tools: list[Any], report: Report) -> None:
    counts = Counter(n for n in (_name_of(provider, t) for t in tools) if n is not None)
    duplicates = sorted(n for n, c in counts.items() if c > 1)
    if not duplicates:
        return
    if provider == "anthropic":
        report.error("anthropic.name.unique", None,
                     f"duplicate names {duplicates} (the API answers 'Tool names must be unique.')")
    elif provider == "mcp":
        report.warn("mcp.name.unique", None, f"duplicate names {duplicates} (names SHOULD be unique within a server)")
    else:
        family = provider.split("-")[0]
        report.warn(f"{family}.name.unique", None, f"duplicate names {duplicates} (behaviour undocumented)")


def _no_request_rules(tools: list[Any], report: Report) -> None:
    """Providers with no documented request-wide limit beyond unique names."""


def _openai_request(tools: list[Any], report: Report) -> None:
    if len(tools) <= MAX_OPENAI_TOOLS:
        return
    deferred = any(is_mapping(t) and t.get("defer_loading") is True for t in tools)
    message = f"{len(tools)} tools; the API answers 'array too long ... maximum length {MAX_OPENAI_TOOLS}'"
    if deferred:
        report.warn("openai.tools.max", None, message + " (with defer_loading and tool search the limit is "
                    "unverified)")
    else:
        report.error("openai.tools.max", None, message)


def _gemini_request(tools: list[Any], report: Report) -> None:
    if len(tools) > _gemini.MAX_DECLARATIONS:
        report.error("gemini.tools.max", None,
                     f"{len(tools)} function declarations (at most {_gemini.MAX_DECLARATIONS})")
    elif len(tools) > _gemini.OLD_MAX_DECLARATIONS:
        report.warn("gemini.tools.max-old", None, f"{len(tools)} declarations: within the SDK's "
                    f"{_gemini.MAX_DECLARATIONS}, over the {_gemini.OLD_MAX_DECLARATIONS} stated by older API "
                    "references")


def _anthropic_request(tools: list[Any], report: Report) -> None:
    custom = [t for t in tools if is_mapping(t)]
    strict = [t for t in custom if t.get("strict") is True and is_mapping(t.get("input_schema"))]
    _anthropic_strict_budget(strict, report)
    deferred = [t for t in custom if t.get("defer_loading") is True]
    if not deferred:
        return
    if len(deferred) == len(custom):
        report.error("anthropic.defer.all", None, "every tool has defer_loading; at least one must not be deferred")
    if len(deferred) > _anthropic.MAX_DEFERRED_TOOLS:
        report.error("anthropic.defer.max", None,
                     f"{len(deferred)} deferred tools (at most {_anthropic.MAX_DEFERRED_TOOLS:,})")
    if not any(isinstance(t.get("type"), str) and t["type"].startswith("tool_search_tool") for t in custom):
        report.warn("anthropic.defer.search-tool", None, "deferred tools need a tool search tool in the request")
    if any("input_examples" in t for t in custom):
        report.warn("anthropic.defer.examples", None,
                    "tool search is documented as incompatible with input_examples")


def _anthropic_strict_budget(strict: list[Mapping[str, Any]], report: Report) -> None:
    if len(strict) > _anthropic.MAX_STRICT_TOOLS:
        report.error("anthropic.strict.limit-tools", None, f"{len(strict)} strict tools (at most "
                     f"{_anthropic.MAX_STRICT_TOOLS}; the API answers 'Too many strict tools')")
    if len(strict) <= 1:
        return  # one schema's own budget is checked with the tool
    optional = union = 0
    for tool in strict:
        o, u = _anthropic.strict_counts(tool["input_schema"])
        optional += o
        union += u
    if optional > _anthropic.MAX_OPTIONAL_PARAMS:
        report.error("anthropic.strict.limit-optional", None, f"{optional} optional parameters across strict "
                     f"tools (at most {_anthropic.MAX_OPTIONAL_PARAMS})")
    if union > _anthropic.MAX_UNION_PARAMS:
        report.error("anthropic.strict.limit-union", None, f"{union} union-typed parameters across strict "
                     f"tools (at most {_anthropic.MAX_UNION_PARAMS})")


_REQUEST_RULES: Final[dict[str, Callable[[list[Any], Report], None]]] = {
    "openai": _openai_request,
    "openai-chat": _openai_request,
    "gemini": _gemini_request,
    "anthropic": _anthropic_request,
}


def apply_tool_gate(provider: str, rendered: Sequence[Mapping[str, Any]], *, policy: Policy = "skip",
                    options: GateOptions = DEFAULT_OPTIONS) -> GateResult:
    """Keep the definitions ``provider`` would accept; reject (``skip``) or raise on (``fail``) the rest.

    Request-wide rules run on the accepted definitions and are reported in ``request_issues``; with
    ``policy="fail"`` a request-wide error raises as well.

    Raises:
        ToolValidationError: ``policy="fail"`` and a definition or the request breaks an error rule.
    """
    if policy not in ("skip", "fail"):
        raise ConfigError(f"tool gate policy must be 'skip' or 'fail', not {policy!r}")
    provider = normalize_provider(provider)
    result = GateResult()
    for index, definition in enumerate(rendered):
        issues = check_tool(provider, definition, options=options)
        result.issues.extend(issues)
        if any(i.is_error for i in issues):
            result.rejected.append((_name_of(provider, definition) or f"tools[{index}]", issues))
        else:
            result.accepted.append(definition)
    result.request_issues = request_issues(provider, result.accepted, options=options)
    result.issues.extend(result.request_issues)
    if policy == "fail" and not result.ok:
        raise _gate_error(provider, result)
    return result


def _gate_error(provider: str, result: GateResult) -> ToolValidationError:
    errors = [i for _, issues in result.rejected for i in issues if i.is_error]
    errors += [i for i in result.request_issues if i.severity is Severity.ERROR]
    shown = "; ".join(f"{i.tool or 'the tool set'}: {i.rule}: {i.message}" for i in errors[:3])
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    first = errors[0]
    return ToolValidationError(
        f"{len(result.rejected)} tool(s) rejected, {len(errors)} error(s): {shown}{more}",
        source=f"{provider} tools", pointer=first.pointer,
        details={"tool": first.tool, "rule": first.rule, "issues": [i.to_dict() for i in errors]},
    )
