"""
The registry: versioned, immutable snapshots of every spec's tools, with history, rollback,
breaking-change policy, events and an audit trail, persisted through a :mod:`toolsync.stores` store.

Example:
    >>> from toolsync.registry import Registry
    >>> registry = Registry()                       # in memory; Registry(SQLiteStore(path)) persists
    >>> registry.load("petstore.yaml").summary()    # doctest: +SKIP
    '+3 -0 ~0 =0'
    >>> registry.snapshot.rendered("anthropic")     # doctest: +SKIP
"""

from __future__ import annotations

from ..stores.base import AuditRecord, HistoryEntry
from .events import ChangeEvent, Committed
from .model import (
    ChangeSet,
    ConflictPolicy,
    HeldChange,
    Outcome,
    RegisteredTool,
    RegistryOptions,
    Snapshot,
    SpecEntry,
    SpecStatus,
    Trigger,
)
from .registry import Registry
from .summary import RegistrySummary, SpecSummary

__all__ = [
    "AuditRecord",
    "ChangeEvent",
    "ChangeSet",
    "Committed",
    "ConflictPolicy",
    "HeldChange",
    "HistoryEntry",
    "Outcome",
    "RegisteredTool",
    "Registry",
    "RegistryOptions",
    "RegistrySummary",
    "Snapshot",
    "SpecEntry",
    "SpecStatus",
    "SpecSummary",
    "Trigger",
]
