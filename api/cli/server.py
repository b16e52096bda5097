"""The API's commands of ``hsekg``: ``users add`` and ``serve`` (``audit`` is in :mod:`api.cli.audit`).

The lead registers them in :mod:`api.cli.main` (``users_app.command("add")(users_add)`` …). Like the other
command modules they are thin: settings come from ``ctx.obj`` (or are read once) and the work is done
by :class:`api.http.deps.Container`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import settings_of
from api.container import Container
from api.services.security import ROLES
from kg.errors import ConfigError

__all__ = ["serve", "users_add"]


def users_add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option("--role", help=f"One of {', '.join(ROLES)}.")],
    enterprise: Annotated[str, typer.Option("--enterprise", help="Enterprise id the user belongs to.")],
    department: Annotated[str | None, typer.Option("--department", help="Department id (optional).")] = None,
    full_name: Annotated[str, typer.Option("--name", help="Full name (stored encrypted).")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
    ] = False,
) -> None:
    """Create a user; the password is prompted for (twice) unless --password-stdin is given."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if role not in ROLES:
        raise typer.BadParameter(f"unknown role {role!r}; one of {', '.join(ROLES)}", param_hint="--role")
    with Container(settings_of(ctx)) as container:
        view = container.users.create(
            username=username,
            password=password,
            role=role,
            enterprise_id=enterprise,
            department_id=department,
            full_name=full_name,
            actor="cli",
        )
    scope = f"{view.enterprise_id}/{view.department_id}" if view.department_id else view.enterprise_id
    typer.echo(f"user {view.username} ({view.role}) created in {scope}")


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to bind (API and UI).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port of the API.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes of the API.")] = 1,
    ui: Annotated[bool, typer.Option("--ui/--no-ui", help="Also start the expert UI (Streamlit).")] = True,
    ui_port: Annotated[int, typer.Option("--ui-port", help="Port of the expert UI.")] = 8501,
) -> None:
    """Serve the HTTP API with uvicorn (OpenAPI at /docs) and the expert UI with Streamlit; stopping the API
    stops the UI.

    On the embedded graph the server is its one writer from the start: it opens the graph before serving
    and leaves its pid in the data dir, so CLI reads open the graph read-only beside it and CLI writes name
    it. Several workers need the server profile (Neo4j), as each worker is a process of its own.
    """
    import uvicorn

    from api.cli.ui_process import api_url_for, start_ui, stop_ui
    from api.http.app import create_app

    settings = settings_of(ctx)
    if workers > 1 and not settings.uses_neo4j:
        raise ConfigError(
            "--workers > 1 needs the server profile (HSEKG_GRAPH_URI=bolt://… for Neo4j): "
            "the embedded graph takes one writing process"
        )
    with ExitStack() as stack:
        if workers == 1:
            container = stack.enter_context(Container(settings))
            if not settings.uses_neo4j:
                container.graph.counts()  # take the embedded graph now, before any CLI command can
                stack.enter_context(_pid_file(settings.serve_pid_path))
        ui_process = (
            start_ui(api_url=api_url_for(host, port), host=host, port=ui_port, max_upload_mb=settings.max_upload_mb)
            if ui
            else None
        )
        try:
            if workers > 1:
                # each worker builds its own app from the environment; the state they share is in the databases
                uvicorn.run("api.http.app:app_from_environment", host=host, port=port, workers=workers, factory=True)
            else:
                uvicorn.run(create_app(settings, container=container), host=host, port=port)
        finally:
            if ui_process is not None:
                stop_ui(ui_process)


@contextmanager
def _pid_file(path: Path) -> Iterator[None]:
    """This process's id in ``path`` while the block runs (removed after, unless another server replaced it)."""
    mine = str(os.getpid())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(mine + "\n", encoding="utf-8")
    try:
        yield
    finally:
        try:
            if path.read_text(encoding="utf-8").strip() == mine:
                path.unlink()
        except OSError:
            pass
