"""Fixtures for registry tests: registries over each store kind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from toolsync.registry import Registry, RegistryOptions
from toolsync.stores import MemoryStore, SQLiteStore


@pytest.fixture
def registry() -> Iterator[Registry]:
    """A registry over a MemoryStore."""
    with Registry() as reg:
        yield reg


@pytest.fixture(params=["memory", "sqlite"])
def any_registry(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Registry]:
    """The same registry behaviour over each built-in store."""
    store = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "registry.db")
    with Registry(store, options=RegistryOptions(history_limit=50)) as reg:
        yield reg
