"""Configuration objects. Every field has a default so that toolsync runs with no file at all."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from .limits import FetchPolicy, Limits

__all__ = ["BreakingPolicy", "FetchPolicy", "Limits", "RefPolicy", "SpecConfig"]


class BreakingPolicy(StrEnum):
    """What happens when a reload carries a breaking change."""

    ALLOW = "allow"  # apply silently
    WARN = "warn"  # apply, and emit warning events
    BLOCK = "block"  # apply the non-breaking part, hold the breaking part for approval


class RefPolicy(StrEnum):
    """What happens to an operation that needs a $ref that cannot be resolved."""

    FAIL = "fail"  # the whole spec fails to load
    SKIP = "skip"  # the operation is skipped with a warning


@dataclass(frozen=True, slots=True)
class SpecConfig:
    """How one spec is loaded, converted and guarded."""

    source: str  # file path, folder, or http(s) URL
    name: str | None = None  # registry name; derived from the title or file name when None
    namespace: str | None = None  # prefix for tool names ("github" -> "github_repos_get")
    include_tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    include_paths: tuple[str, ...] = ()  # fnmatch patterns on the path template
    exclude_paths: tuple[str, ...] = ()
    include_methods: tuple[str, ...] = ()  # lower case
    exclude_operations: tuple[str, ...] = ()  # operationIds or "METHOD /path" keys
    policy: BreakingPolicy = BreakingPolicy.WARN
    on_unresolved_ref: RefPolicy = RefPolicy.FAIL
    # securityScheme name -> name of the environment variable holding the secret.
    credentials: Mapping[str, str] = field(default_factory=dict)
    server_url: str | None = None  # overrides the spec's servers for execution
    allowed_hosts: tuple[str, ...] = ()  # extra hosts tool calls may reach
    poll_interval: float = 30.0  # seconds, for URL sources
    limits: Limits = field(default_factory=Limits)
    fetch: FetchPolicy = field(default_factory=FetchPolicy)
