"""The registry's values: snapshots, the entries in them, change sets, held changes and options."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from ..config import BreakingPolicy, SpecConfig
from ..diff import Finding, FindingSeverity
from ..errors import ConfigError
from ..ir import Operation
from ..tool import Tool

if TYPE_CHECKING:
    from ..convert import ToolOptions
    from ..pipeline import CompiledSpec

__all__ = [
    "ChangeSet",
    "ConflictPolicy",
    "DiffOperations",
    "HeldChange",
    "Outcome",
    "RegisteredTool",
    "RegistryOptions",
    "Snapshot",
    "SpecEntry",
    "SpecStatus",
    "Trigger",
]

ConflictPolicy = Literal["error", "namespace", "rename"]
#: ``diff_operations(old, new) -> findings`` for one operation; toolsync.diff provides the default.
DiffOperations = Callable[[Operation, Operation], Sequence[Finding]]


class Trigger(StrEnum):
    """What asked for a change; recorded in history, events and audit."""

    FILE = "file"
    URL = "url"
    WEBHOOK = "webhook"
    API = "api"
    CLI = "cli"
    STARTUP = "startup"
    ROLLBACK = "rollback"


class Outcome(StrEnum):
    """How one attempt to change the registry ended (audit)."""

    OK = "ok"
    FAILED = "failed"
    HELD = "held"
    NOOP = "noop"


class SpecStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"  # the last load failed; the last good version is still served
    HELD = "held"  # a breaking part of the last load waits for approval (in memory: a restart drops it)


@dataclass(frozen=True, slots=True)
class SpecEntry:
    """One registered spec: where it came from, which version is served, and how it is guarded."""

    name: str
    source: str
    version: str  # the spec's info.version
    fingerprint: str
    policy: BreakingPolicy
    tools: tuple[str, ...]  # sorted tool names
    loaded_at: float
    status: SpecStatus = SpecStatus.OK
    last_error: str | None = None
    config: SpecConfig | None = None
    title: str = ""
    openapi_version: str = ""
    held: str | None = None  # id of the held change, when status is HELD

    @property
    def spec_version(self) -> str:
        return self.version

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.source, "version": self.version,
                "fingerprint": self.fingerprint, "policy": str(self.policy), "tools": list(self.tools),
                "loaded_at": self.loaded_at, "status": str(self.status), "last_error": self.last_error,
                "title": self.title, "openapi_version": self.openapi_version, "held": self.held}


@dataclass(frozen=True, slots=True)
class RegisteredTool:
    """A tool as the registry serves it, with its definition for every provider that accepted it."""

    tool: Tool
    spec_name: str
    spec_version: str
    registered_at: float
    schema_hash: str  # the tool's content hash
    definitions: Mapping[str, Mapping[str, Any]]
    # sha256 of the stored payload (tool + definitions): what a store keys it by.
    payload_hash: str = ""

    @property
    def name(self) -> str:
        return self.tool.name


@dataclass(frozen=True, slots=True, eq=False)
class Snapshot:
    """
    One immutable version of the registry. Readers hold a reference and never lock.

    The dicts handed out (``rendered``, ``definitions``) are shared by every reader: copy before
    changing them.
    """

    version: int
    created_at: float
    specs: Mapping[str, SpecEntry]
    tools: Mapping[str, RegisteredTool]
    _rendered: dict[str, tuple[Mapping[str, Any], ...]] = field(default_factory=dict, repr=False)
    _etags: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, version: int, created_at: float, specs: Mapping[str, SpecEntry],
              tools: Mapping[str, RegisteredTool]) -> Snapshot:
        """A snapshot over read-only copies of ``specs`` and ``tools``."""
        return cls(version, created_at, MappingProxyType(dict(sorted(specs.items()))),
                   MappingProxyType(dict(sorted(tools.items()))))

    def rendered(self, provider: str) -> tuple[Mapping[str, Any], ...]:
        """Every tool's definition for ``provider``, sorted by tool name (computed once per snapshot)."""
        cached = self._rendered.get(provider)
        if cached is None:
            cached = tuple(t.definitions[provider] for t in self.tools.values() if provider in t.definitions)
            self._rendered[provider] = cached
        return cached

    def etag(self, provider: str) -> str:
        """A strong HTTP ETag for ``rendered(provider)``: equal content gives an equal tag."""
        cached = self._etags.get(provider)
        if cached is None:
            digest = hashlib.sha256(provider.encode())
            for name, tool in self.tools.items():
                if provider in tool.definitions:
                    digest.update(f"\0{name}\0{tool.payload_hash or tool.schema_hash}".encode())
            cached = f'"{digest.hexdigest()[:32]}"'
            self._etags[provider] = cached
        return cached

    def by_spec(self, spec_name: str) -> tuple[RegisteredTool, ...]:
        entry = self.specs.get(spec_name)
        if entry is None:
            return ()
        return tuple(self.tools[n] for n in entry.tools if n in self.tools)

    def get(self, name: str) -> RegisteredTool | None:
        return self.tools.get(name)


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """What one load, reload, rollback or approval changed. ``version`` is None when nothing changed."""

    spec: str | None
    version: int | None
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    held: tuple[str, ...] = ()  # tools whose breaking change waits for approval (old version kept)
    findings: tuple[Finding, ...] = ()
    trigger: Trigger = Trigger.API
    held_id: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.updated)

    @property
    def breaking(self) -> bool:
        return any(f.severity is FindingSeverity.BREAKING for f in self.findings)

    def summary(self) -> str:
        """``"+1 -0 ~1 =2"``: added, removed, updated, unchanged."""
        return f"+{len(self.added)} -{len(self.removed)} ~{len(self.updated)} ={len(self.unchanged)}"

    def to_dict(self) -> dict[str, Any]:
        return {"spec": self.spec, "version": self.version, "added": list(self.added),
                "removed": list(self.removed), "updated": list(self.updated),
                "unchanged": list(self.unchanged), "held": list(self.held), "held_id": self.held_id,
                "findings": [f.to_dict() for f in self.findings], "trigger": str(self.trigger),
                "summary": self.summary()}


@dataclass(frozen=True, slots=True)
class HeldChange:
    """The breaking part of a load that a ``block`` policy holds until someone approves or rejects it."""

    id: str
    spec: str
    findings: tuple[Finding, ...]
    compiled: CompiledSpec
    created_at: float
    tools: tuple[str, ...]  # tool names whose old version is kept meanwhile

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "spec": self.spec, "tools": list(self.tools), "created_at": self.created_at,
                "version": self.compiled.spec.version, "findings": [f.to_dict() for f in self.findings]}


@dataclass(frozen=True, slots=True)
class RegistryOptions:
    """How a registry resolves name conflicts, what it keeps, and how tools are built."""

    #: Two specs producing one tool name: ``error`` refuses the load (NameConflictError); ``namespace``
    #: prefixes the newcomer's tool with its spec name; ``rename`` adds a short stable suffix.
    conflicts: ConflictPolicy = "error"
    #: Versions kept for history and rollback (older ones are pruned from the store).
    history_limit: int = 100
    #: Audit records kept.
    audit_limit: int = 10_000
    tool_options: ToolOptions | None = None
    #: Per-operation diff used by the breaking-change policy (default: ``toolsync.diff.diff_operations``).
    diff_operations: DiffOperations | None = None

    def __post_init__(self) -> None:
        if self.conflicts not in ("error", "namespace", "rename"):
            raise ConfigError(f"conflicts must be 'error', 'namespace' or 'rename', not {self.conflicts!r}")
        if self.history_limit < 1:
            raise ConfigError(f"history_limit must be at least 1, not {self.history_limit}")
        if self.audit_limit < 1:
            raise ConfigError(f"audit_limit must be at least 1, not {self.audit_limit}")
