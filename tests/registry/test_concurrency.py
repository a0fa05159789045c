"""Readers on other threads never see a mixed snapshot while hundreds of reloads commit."""

from __future__ import annotations

import threading
import time

from toolsync.registry import Registry, Snapshot

from .builders import compiled, tool


def version_of(g: int) -> str:
    return f"1.0.{g}"


def generation(spec: str, g: int) -> list[str]:
    return [f"{spec}_{i}" for i in range(3 + g % 5)]


def check(snap: Snapshot) -> None:
    """Invariants that hold for every committed version, and only if nothing is mixed."""
    for name, entry in snap.specs.items():
        mine = sorted(n for n, t in snap.tools.items() if t.spec_name == name)
        assert list(entry.tools) == mine, (snap.version, name)
        g = int(entry.version.rsplit(".", 1)[1])
        assert mine == sorted(generation(name, g)), (snap.version, name)
        for tool_name in mine:
            registered = snap.tools[tool_name]
            assert registered.spec_version == entry.version, (snap.version, tool_name)
            assert registered.tool.description == f"{tool_name} at {entry.version}"
    for provider in ("openai", "mcp"):
        listed = [d["name"] for d in snap.rendered(provider)]
        assert listed == sorted(snap.tools), (snap.version, provider)


def test_readers_never_see_a_mixed_snapshot() -> None:
    """Four reader threads check every snapshot they see while 300 reloads of two specs commit."""
    registry = Registry()
    failures: list[AssertionError] = []
    seen: set[int] = set()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            snap = registry.snapshot
            try:
                check(snap)
            except AssertionError as exc:  # reported by the main thread
                failures.append(exc)
                return
            seen.add(snap.version)
            time.sleep(0.001)  # leave the writers the GIL now and then

    def write(spec: str, count: int) -> None:
        for g in range(1, count + 1):
            version = version_of(g)
            tools = [tool(n, spec, version=version, description=f"{n} at {version}") for n in generation(spec, g)]
            registry.apply(compiled(spec, tools, version=version))

    readers = [threading.Thread(target=read) for _ in range(4)]
    writers = [threading.Thread(target=write, args=(spec, 150)) for spec in ("pets", "shop")]
    for thread in (*readers, *writers):
        thread.start()
    for thread in writers:
        thread.join()
    done.set()
    for thread in readers:
        thread.join()
    registry.close()
    assert not failures, failures[0]
    assert registry.version == 300
    assert len(seen) > 10  # the readers really raced the writers
    check(registry.snapshot)
