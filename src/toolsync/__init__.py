"""
toolsync: keep an AI agent's tools in sync with live HTTP APIs described by OpenAPI.

The names here are the ones most programs need; everything else lives in the public
subpackages (``toolsync.spec``, ``convert``, ``formats``, ``gates``, ``diff``, ``registry``,
``stores``, ``reload``, ``execute``, ``server``, ``agents``).

Example:
    >>> from toolsync import Registry
    >>> registry = Registry()
    >>> registry.load("examples/specs/petstore.yaml").summary()  # doctest: +SKIP
    '+6 -0 ~0 =0'
"""

from __future__ import annotations

from .config import BreakingPolicy, RefPolicy, SpecConfig
from .convert import ToolOptions, build_tools
from .diff import DiffReport, Finding, diff_specs
from .errors import (
    ArgumentError,
    AuthError,
    BreakingChangeError,
    ConfigError,
    ConversionError,
    ExecutionError,
    FetchBlockedError,
    HistoryError,
    LimitError,
    NameConflictError,
    OutboundBlockedError,
    ParseError,
    ProviderError,
    RefError,
    RegistryError,
    SourceError,
    SpecError,
    SpecValidationError,
    StoreConflictError,
    StoreCorruptError,
    StoreError,
    ToolChangedError,
    ToolNotFoundError,
    ToolsyncError,
    ToolValidationError,
    UnsupportedSpecError,
    UpstreamError,
)
from .execute import ExecutionConfig, Executor, ToolResult
from .formats import PROVIDERS, render
from .ir import Operation, Spec
from .limits import FetchPolicy, Limits
from .pipeline import CompiledSpec, compile_spec
from .registry import ChangeSet, Registry, Snapshot, Trigger
from .reload import ThreadedWatcher, Watcher
from .spec import aload_spec, load_spec
from .stores import MemoryStore, SQLiteStore, open_store
from .tool import Tool

__version__ = "0.1.0"

__all__ = [
    "PROVIDERS",
    "ArgumentError",
    "AuthError",
    "BreakingChangeError",
    "BreakingPolicy",
    "ChangeSet",
    "CompiledSpec",
    "ConfigError",
    "ConversionError",
    "DiffReport",
    "ExecutionConfig",
    "ExecutionError",
    "Executor",
    "FetchBlockedError",
    "FetchPolicy",
    "Finding",
    "HistoryError",
    "LimitError",
    "Limits",
    "MemoryStore",
    "NameConflictError",
    "Operation",
    "OutboundBlockedError",
    "ParseError",
    "ProviderError",
    "RefError",
    "RefPolicy",
    "Registry",
    "RegistryError",
    "SQLiteStore",
    "Snapshot",
    "SourceError",
    "Spec",
    "SpecConfig",
    "SpecError",
    "SpecValidationError",
    "StoreConflictError",
    "StoreCorruptError",
    "StoreError",
    "ThreadedWatcher",
    "Tool",
    "ToolChangedError",
    "ToolNotFoundError",
    "ToolOptions",
    "ToolResult",
    "ToolValidationError",
    "ToolsyncError",
    "Trigger",
    "UnsupportedSpecError",
    "UpstreamError",
    "Watcher",
    "aload_spec",
    "build_tools",
    "compile_spec",
    "diff_specs",
    "load_spec",
    "open_store",
    "render",
]
