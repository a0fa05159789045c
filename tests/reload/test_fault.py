"""A fault run: a spec rewritten hundreds of times at random moments, in random ways, under readers."""

from __future__ import annotations

import asyncio
import os
import random
import threading
import time
from dataclasses import replace
from pathlib import Path

from toolsync.config import SpecConfig
from toolsync.pipeline import compile_spec
from toolsync.registry import Registry
from toolsync.reload import Watcher

from .helpers import FAST, eventually, spec_yaml

# Margins wide enough for a loaded CI machine: the writer's pauses stay far below ``settle``.
SETTINGS = replace(FAST, settle=0.15, confirm=0.5)

SPEC = "fault"
# Versions differ in their operations (some remove, some add) and in every summary.
SHAPES = {0: 8, 1: 8, 2: 10, 3: 5, 4: 12, 5: 9}
WRITES = 220


def versions() -> dict[int, str]:
    letters = "abcdefghijkl"
    return {v: spec_yaml([f"op_{c}" for c in letters[:n]], title=SPEC, summary=f"version {v}")
            for v, n in SHAPES.items()}


def signature_of(registry: Registry) -> tuple[tuple[str, str], ...] | None:
    """The spec's tools and their hashes, read from one snapshot."""
    snapshot = registry.snapshot
    entry = snapshot.specs.get(SPEC)
    if entry is None:
        return None
    return tuple(sorted((name, snapshot.tools[name].schema_hash) for name in entry.tools))


def expected_signatures(folder: Path, texts: dict[int, str]) -> dict[tuple[tuple[str, str], ...], int]:
    """What the registry serves for each full version, computed through the real pipeline."""
    out = {}
    for v, text in texts.items():
        path = folder / f"expected-{v}.yaml"
        path.write_text(text)
        compiled = compile_spec(SpecConfig(source=str(path)))
        out[tuple(sorted((n, t.content_hash) for n, t in compiled.tools.items()))] = v
    return out


def rewrite(path: Path, text: str, rng: random.Random) -> None:
    """One save, in one of the ways files get written, with pauses shorter than the settle time."""
    mode = rng.choice(["in_place", "truncate", "chunks", "atomic"])
    cut = rng.randrange(len(text))
    if mode == "atomic":
        tmp = path.with_name(".fault.tmp")
        tmp.write_text(text)
        os.replace(tmp, path)
        return
    with open(path, "w") as f:
        if mode == "truncate":
            f.flush()
            time.sleep(rng.uniform(0, 0.02))
            f.write(text)
        elif mode == "chunks":
            for start in range(0, len(text), len(text) // 4 + 1):
                f.write(text[start:start + len(text) // 4 + 1])
                f.flush()
                time.sleep(rng.uniform(0, 0.01))
        else:
            f.write(text[:cut])
            f.flush()
            time.sleep(rng.uniform(0, 0.02))
            f.write(text[cut:])


async def test_readers_only_ever_see_full_versions(tmp_path: Path) -> None:
    """Through 220 random rewrites, readers see only complete versions, and the end state is the last file."""
    texts = versions()
    allowed = expected_signatures(tmp_path, texts)
    watched = tmp_path / "watched"
    watched.mkdir()
    spec = watched / "fault.yaml"
    spec.write_text(texts[0])
    registry = Registry()
    stop = threading.Event()
    bad: list[object] = []
    seen: set[int] = set()

    def reader() -> None:
        while not stop.is_set():
            sig = signature_of(registry)
            if sig not in allowed:
                bad.append(sig)
            else:
                seen.add(allowed[sig])
            time.sleep(0.0005)

    def writer() -> int:
        rng = random.Random(20240601)
        last = 0
        for _ in range(WRITES):
            last = rng.choice(list(texts))
            rewrite(spec, texts[last], rng)
            # Mostly back-to-back saves; now and then a pause long enough for a reload to commit.
            time.sleep(rng.uniform(0.25, 0.4) if rng.random() < 0.06 else rng.uniform(0, 0.02))
        return last

    async with Watcher(registry, [str(watched)], settings=SETTINGS):
        readers = [threading.Thread(target=reader, name=f"reader-{i}") for i in range(2)]
        for r in readers:
            r.start()
        try:
            final = await asyncio.to_thread(writer)
            await eventually(lambda: allowed.get(signature_of(registry)) == final, timeout=15,
                             what="the final version")
        finally:
            stop.set()
            for r in readers:
                r.join()
    assert bad == []
    assert len(seen) > 2  # versions were committed during the run, not only at the end
