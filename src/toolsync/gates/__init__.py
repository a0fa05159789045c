"""
Validation gates between a spec and the tools it becomes.

* **spec gate** – :func:`check_spec` says whether a parsed document is a usable Swagger 2.0 / OpenAPI
  3.0 / 3.1 spec (openapi-spec-validator, run behind our own limits; it never reads external refs);
  :func:`raise_for_spec` turns its errors into a ``SpecValidationError``.
* **tool gate** – :func:`check_tool` / :func:`check_tools` apply each provider's rules (``RULES.md``:
  OpenAI Responses and Chat Completions, Anthropic, Gemini, MCP) to rendered tool definitions;
  :func:`apply_tool_gate` keeps the definitions a provider would accept and rejects the rest.

Example:
    >>> tool = {"type": "function", "name": "get_pet", "strict": True,
    ...         "parameters": {"type": "object", "properties": {"id": {"type": "string"}},
    ...                        "required": ["id"], "additionalProperties": False}}
    >>> check_tool("openai", tool)
    []
"""

from __future__ import annotations

from ._metaschema import shared_schemas
from ._model import PROVIDERS, GateOptions, GateResult, ToolIssue
from ._spec import check_spec, raise_for_spec
from ._tools import (
    apply_tool_gate,
    check_tool,
    check_tools,
    errors_by_tool,
    normalize_provider,
    request_issues,
)

__all__ = [
    "PROVIDERS",
    "GateOptions",
    "GateResult",
    "ToolIssue",
    "apply_tool_gate",
    "check_spec",
    "check_tool",
    "check_tools",
    "errors_by_tool",
    "normalize_provider",
    "raise_for_spec",
    "request_issues",
    "shared_schemas",
]
