"""The typer application every command module registers on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="toolsync",
    help="Keep an AI agent's tools in sync with live HTTP APIs described by OpenAPI.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
