"""A registry at a glance: what ``toolsync summary`` and ``Registry.summary()`` show."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .model import Snapshot

__all__ = ["RegistrySummary", "SpecSummary", "summarize"]


@dataclass(frozen=True, slots=True)
class SpecSummary:
    name: str
    source: str
    version: str
    status: str
    tools: int
    loaded_at: float
    last_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.source, "version": self.version, "status": self.status,
                "tools": self.tools, "loaded_at": self.loaded_at, "last_error": self.last_error}


@dataclass(frozen=True, slots=True)
class RegistrySummary:
    """Counts per spec and per provider for one snapshot; ``str()`` gives a printable table."""

    version: int
    created_at: float
    specs: tuple[SpecSummary, ...]
    tools: int
    providers: tuple[tuple[str, int], ...]  # (provider, tools it accepted)
    held: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "created_at": self.created_at, "tools": self.tools,
                "held": self.held, "providers": dict(self.providers),
                "specs": [s.to_dict() for s in self.specs]}

    def __str__(self) -> str:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.created_at))
        lines = [f"Registry version {self.version} ({stamp}): {self.tools} tools from {len(self.specs)} specs"
                 + (f", {self.held} held changes" if self.held else "")]
        width = max((len(s.name) for s in self.specs), default=4)
        for spec in self.specs:
            error = f"  ({spec.last_error})" if spec.last_error else ""
            lines.append(f"  {spec.name:<{width}}  v{spec.version or '?':<10} {spec.tools:>5} tools  "
                         f"{spec.status}{error}")
        if self.providers:
            lines.append("  providers: " + ", ".join(f"{p} {n}" for p, n in self.providers))
        return "\n".join(lines)


def summarize(snapshot: Snapshot, held: int = 0) -> RegistrySummary:
    specs = tuple(SpecSummary(e.name, e.source, e.version, str(e.status), len(e.tools), e.loaded_at,
                              e.last_error) for e in snapshot.specs.values())
    counts: Counter[str] = Counter()
    for tool in snapshot.tools.values():
        counts.update(tool.definitions.keys())
    return RegistrySummary(snapshot.version, snapshot.created_at, specs, len(snapshot.tools),
                           tuple(sorted(counts.items())), held)
