"""
Where a registry keeps its versions: :class:`MemoryStore` (tests, throwaway registries),
:class:`SQLiteStore` (the embedded default) and, with the ``redis`` extra, ``RedisStore`` for many
replicas sharing one consistent version. All follow the :class:`Store` protocol.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from ..errors import ConfigError
from .base import (
    AuditRecord,
    HistoryEntry,
    Store,
    StoreConflictError,
    StoredEvent,
    StoredState,
    StoredTool,
    Unsubscribe,
)
from .memory import MemoryStore
from .sqlite import DEFAULT_PATH, SQLiteStore

__all__ = [
    "DEFAULT_PATH",
    "AuditRecord",
    "HistoryEntry",
    "MemoryStore",
    "SQLiteStore",
    "Store",
    "StoreConflictError",
    "StoredEvent",
    "StoredState",
    "StoredTool",
    "Unsubscribe",
    "open_store",
]


def open_store(url: str | Path, *, reset: bool = False) -> Store:
    """
    The store a URL names: ``memory://``, ``sqlite:///abs/path.db``, ``sqlite://rel/path.db``, a plain
    file path, or ``redis://`` / ``rediss://`` (needs ``pip install 'toolsync[redis]'``).

    ``reset`` applies to SQLite: an existing file is moved aside and an empty store started.
    """
    text = str(url).strip()
    scheme = urlsplit(text).scheme.lower() if "://" in text else ""
    if scheme == "memory":
        return MemoryStore()
    if scheme == "sqlite":
        return SQLiteStore(_sqlite_path(text), reset=reset)
    if scheme in ("redis", "rediss"):
        return _redis_store(text)
    if scheme:
        raise ConfigError(f"unknown store {text!r}; use memory://, sqlite:///path.db, a file path or redis://",
                          source="store")
    return SQLiteStore(Path(text) if text else DEFAULT_PATH, reset=reset)


def _sqlite_path(url: str) -> Path:
    rest = url.split("://", 1)[1]
    if not rest:
        return DEFAULT_PATH
    # sqlite:///abs/path keeps its leading slash; sqlite://rel/path is relative to the working folder.
    return Path(unquote(rest))


def _redis_store(url: str) -> Store:
    try:
        module = importlib.import_module("toolsync.stores.redis")
    except ImportError as exc:
        raise ConfigError(f"the Redis store needs the redis extra: pip install 'toolsync[redis]' ({exc})",
                          source="store") from exc
    factory: Any = module.RedisStore
    return cast(Store, factory(url))
