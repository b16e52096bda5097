"""What every command module of ``hsekg`` shares: the settings of the invocation, the consoles, JSON output
and the common options. Results go to stdout; progress and logs to stderr."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.console import Console

from api.settings import Settings

__all__ = ["JsonOpt", "console", "emit_json", "err_console", "settings_of"]

console = Console()
err_console = Console(stderr=True, soft_wrap=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object as the last line.")]


def settings_of(ctx: typer.Context) -> Settings:
    """The invocation's settings: read once from the environment and kept on the context."""
    settings = ctx.obj
    if not isinstance(settings, Settings):
        settings = Settings.load()
        ctx.obj = settings
    return settings


def emit_json(payload: object) -> None:
    """One JSON object on one line of stdout (non-ASCII kept, dates and paths as strings)."""
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")
