"""Output shared by the long-running commands (``serve``, ``watch``): rich for people, JSON lines for machines."""

from __future__ import annotations

import os
import sys
from typing import Any

import orjson
from rich.console import Console
from rich.markup import escape

from ..errors import ToolsyncError
from ..spec.loader import is_url

__all__ = ["EventPrinter", "short_source"]


class EventPrinter:
    """Prints to the console, or one JSON object a line on stdout with ``--json``."""

    def __init__(self, json_output: bool) -> None:
        self.json = json_output
        self.console = Console(highlight=False, soft_wrap=True)
        self.errors = Console(stderr=True, highlight=False, soft_wrap=True)

    def stopped(self) -> None:
        if self.json:
            self._line({"event": "stopped"})
        else:
            self.console.print("Stopped.")

    def fatal(self, error: ToolsyncError) -> None:
        if self.json:
            self._line({"event": "error", **error.to_dict()})
        else:
            self.errors.print(f"[red]Error:[/red] {escape(str(error))}")

    def _line(self, data: dict[str, Any]) -> None:
        sys.stdout.write(orjson.dumps(data).decode() + "\n")
        sys.stdout.flush()


def short_source(key: str) -> str:
    """A path relative to the working folder when it is inside it; URLs unchanged."""
    if is_url(key):
        return key
    try:
        relative = os.path.relpath(key)
    except ValueError:
        return key
    return key if relative.startswith("..") else relative
