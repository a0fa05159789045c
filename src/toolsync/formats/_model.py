"""The types every formatter shares: what it returns and the context it renders in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from ..convert.options import ToolOptions
from ..convert.walk import SchemaPass
from ..tool import ConversionNote, Tool

__all__ = ["Formatter", "RenderContext", "Rendered"]

_P = TypeVar("_P", bound=SchemaPass)


@dataclass(frozen=True, slots=True)
class Rendered:
    """One tool as one provider receives it."""

    definition: dict[str, Any]
    # What this provider's rendering changed, dropped or fell back from (the neutral tool's own
    # notes stay on the tool).
    notes: tuple[ConversionNote, ...] = ()
    # True/False where the provider has a strict switch and it was set; None where it has none.
    strict: bool | None = None
    name: str = ""
    provider: str = ""


class RenderContext:
    """Options plus the schema passes (and their memos) shared by the tools of one render run."""

    def __init__(self, options: ToolOptions) -> None:
        self.options = options
        self._passes: dict[str, SchemaPass] = {}
        self._memos: dict[str, dict[Any, Any]] = {}

    def schema_pass(self, key: str, factory: Callable[[], _P]) -> _P:
        """The pass stored under ``key``, made by ``factory`` the first time."""
        found = self._passes.get(key)
        if found is None:
            found = self._passes[key] = factory()
        return cast(_P, found)

    def memo(self, key: str) -> dict[Any, Any]:
        """A dict stored under ``key`` for the whole run (for caches keyed by node identity)."""
        return self._memos.setdefault(key, {})


Formatter = Callable[[Tool, RenderContext], Rendered]
