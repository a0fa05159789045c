"""Second opinions from the providers' own SDK models, used when they can be imported."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ..ir import Severity

__all__ = ["validate_gemini_declaration", "validate_mcp_tool"]

Finding = tuple[str, Severity, str]

# The MCP wire models check what the loose ``mcp.types.Tool`` does not (root ``type: object``).
_MCP_WIRE_MODULES = {"2025-11-25": "mcp_types._v2025_11_25", "2026-07-28": "mcp_types._v2026_07_28"}


def _model(module: str, name: str) -> Any | None:
    try:
        return getattr(importlib.import_module(module), name)
    except Exception:  # noqa: BLE001 - not installed, or an SDK that fails to import: skip this opinion
        return None


@lru_cache(maxsize=1)
def _gemini_declaration_model() -> Any | None:
    return _model("google.genai.types", "FunctionDeclaration")


@lru_cache(maxsize=8)
def _mcp_tool_model(version: str) -> tuple[str, Any] | None:
    module = _MCP_WIRE_MODULES.get(version)
    if module is None:
        return None
    model = _model(module, "Tool")
    if model is not None:
        return module, model
    fallback = _model("mcp.types", "Tool")
    return ("mcp.types", fallback) if fallback is not None else None


def _first_lines(exc: BaseException) -> str:
    return " | ".join(str(exc).splitlines()[:3])


def validate_gemini_declaration(decl: Mapping[str, Any]) -> list[Finding]:
    """Run ``google.genai.types.FunctionDeclaration.model_validate``; its warnings become warnings."""
    model = _gemini_declaration_model()
    if model is None:
        return []
    found: list[Finding] = []
    # google-genai reports some problems (an invalid type name) only as Python warnings.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.model_validate(dict(decl))
        except Exception as exc:  # noqa: BLE001 - ValidationError, or AttributeError on a list-valued type
            found.append(("gemini.sdk", Severity.ERROR,
                          f"google-genai FunctionDeclaration.model_validate failed: {_first_lines(exc)}"))
    found.extend(("gemini.sdk-warning", Severity.WARNING, f"google-genai: {w.message}") for w in caught)
    return found


def validate_mcp_tool(tool: Mapping[str, Any], version: str) -> list[Finding]:
    """Run the MCP ``Tool`` model of ``version`` (the wire model, else ``mcp.types.Tool``)."""
    found = _mcp_tool_model(version)
    if found is None:
        return []
    module, model = found
    try:
        model.model_validate(dict(tool))
    except Exception as exc:  # noqa: BLE001 - any failure of the model is a finding
        return [("mcp.sdk", Severity.ERROR, f"{module}.Tool.model_validate failed: {_first_lines(exc)}")]
    return []
