"""The knobs of tool building and rendering, all with defaults."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import ConfigError

__all__ = ["ToolOptions"]

_NAMESPACE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,39}$")
_ARGUMENT = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True, slots=True)
class ToolOptions:
    """
    How operations become tools and how tools are rendered per provider.

    Attributes:
        namespace: prefix for every tool name (``"github"`` gives ``github_repos_get``).
        description_budget: longest tool or argument description, in characters; longer text
            is cut with a visible ``…``.
        strict: render OpenAI tools with ``strict: true`` whenever the schema allows it.
        anthropic_strict: add ``strict: true`` to Anthropic tools whose schema fits its strict
            subset (opt-in: strict tools count against request-wide limits).
        gemini_json_schema: render Gemini tools with ``parametersJsonSchema`` (plain JSON
            Schema, ``$defs`` kept) instead of the OpenAPI-subset ``parameters``.
        gemini_recursion_depth: how many times recursive schemas (all of them together) are
            expanded along a path in Gemini ``parameters`` before the rest is described instead
            of typed.
        annotations: hint overrides (``readOnlyHint``…) by operation key or operationId.
        body_argument: argument name of a request body that is not flattened.
        flatten_body: spread an object body's properties into top-level arguments.
    """

    namespace: str | None = None
    description_budget: int = 1024
    strict: bool = True
    anthropic_strict: bool = False
    gemini_json_schema: bool = False
    gemini_recursion_depth: int = 3
    annotations: Mapping[str, Mapping[str, bool]] = field(default_factory=dict)
    body_argument: str = "body"
    flatten_body: bool = True

    def __post_init__(self) -> None:
        if self.namespace is not None and not _NAMESPACE.match(self.namespace):
            raise ConfigError(f"namespace {self.namespace!r} must start with a letter or '_' and hold at "
                              "most 40 letters, digits, '_' or '-'")
        if self.description_budget < 16:
            raise ConfigError(f"description_budget {self.description_budget} is too small; use 16 or more")
        if self.gemini_recursion_depth < 1:
            raise ConfigError("gemini_recursion_depth must be at least 1")
        if not _ARGUMENT.match(self.body_argument):
            raise ConfigError(f"body_argument {self.body_argument!r} must be 1-64 letters, digits, '_', '.' "
                              "or '-'")
