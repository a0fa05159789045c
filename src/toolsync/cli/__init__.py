"""Command line: ``toolsync load | export | validate | diff | watch | serve | history | rollback | call``."""

from __future__ import annotations

import importlib

from ._app import app

__all__ = ["app", "main"]

# One module per command group; each registers its commands on ``app`` when imported.
_COMMAND_MODULES: tuple[str, ...] = (
    # command-modules: add "toolsync.cli.<name>" lines below this marker
    "toolsync.cli.call",
    "toolsync.cli.mcp",
    "toolsync.cli.serve",
    "toolsync.cli.registry",
    "toolsync.cli.export",
    "toolsync.cli.validate",
    "toolsync.cli.watch",
    "toolsync.cli.diff",
    "toolsync.cli.load",
)

for _module in _COMMAND_MODULES:
    importlib.import_module(_module)


def main() -> None:
    """Entry point of the ``toolsync`` console script."""
    app()
