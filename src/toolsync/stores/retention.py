"""Selection and retention rules shared by every store."""

from __future__ import annotations

from collections.abc import Iterable

from .base import HistoryEntry

__all__ = ["select_history"]


def select_history(entries: Iterable[HistoryEntry], *, spec: str | None = None, tool: str | None = None,
                   limit: int | None = None) -> list[HistoryEntry]:
    """The entries (given newest first) that touch ``spec`` and ``tool``, at most ``limit`` of them."""
    out: list[HistoryEntry] = []
    for entry in entries:
        if limit is not None and len(out) >= limit:
            break
        if entry.touches(spec=spec, tool=tool):
            out.append(entry)
    return out
