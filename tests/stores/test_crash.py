"""A writer killed with SIGKILL at random moments never leaves a broken store behind."""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

import pytest

from toolsync.registry import Registry, RegistryOptions
from toolsync.stores import SQLiteStore

from ..registry.builders import compiled, tool

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork to start writers quickly")

OPTIONS = RegistryOptions(history_limit=20, audit_limit=50)


def generation(g: int) -> list[str]:
    """The tool names version ``g`` serves: a set that grows and shrinks with g."""
    return [f"t{i}" for i in range(40 + g % 7)]


def writer(path: str, committed: Synchronized) -> None:  # type: ignore[type-arg]
    """Commit new versions as fast as possible, publishing each committed version number."""
    with Registry(SQLiteStore(path), options=OPTIONS) as registry:
        while True:
            g = registry.version + 1
            tools = [tool(n, "pets", description=f"gen {g} {n}") for n in generation(g)]
            changes = registry.apply(compiled("pets", tools))
            committed.value = changes.version


def check(path: Path, at_least: int) -> int:
    """The store opens, holds one whole version no older than ``at_least``, and its history agrees."""
    with Registry(SQLiteStore(path), options=OPTIONS) as registry:
        snap = registry.snapshot
        v = snap.version
        assert v >= at_least
        if v:
            assert sorted(snap.tools) == sorted(generation(v))
            assert {t.tool.description for t in snap.tools.values()} == {f"gen {v} {n}" for n in generation(v)}
            assert snap.specs["pets"].tools == tuple(sorted(generation(v)))
            assert registry.history(limit=1)[0].version == v
            oldest = registry.history()[-1].version
            assert registry.store.load_version(oldest) is not None
        return v


def test_sigkill_during_commits_leaves_the_last_commit_intact(tmp_path: Path) -> None:
    """30 writers killed at random moments: every reopen finds the last committed version, whole."""
    path = tmp_path / "registry.db"
    ctx = multiprocessing.get_context("fork")
    rng = random.Random(1234)
    last = 0
    for _ in range(30):
        committed = ctx.Value("i", 0)
        child = ctx.Process(target=writer, args=(str(path), committed))
        child.start()
        deadline = time.monotonic() + 10
        while committed.value == 0 and time.monotonic() < deadline and child.is_alive():
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.05))
        child.kill()
        child.join()
        assert child.exitcode == -9
        last = check(path, max(last, committed.value))
    assert last >= 30
