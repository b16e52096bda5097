"""Alembic environment of the API's tables: runs the revisions on the connection given by
:func:`api.services.migrations.upgrade_api_schema`, with a version table of its own beside scoring's."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, create_engine

from api.services.migrations import VERSION_TABLE, api_metadata

target_metadata = api_metadata()


def _only_api_tables(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    # the records database also holds scoring's tables: never touch them from here
    return type_ != "table" or (name or "").startswith("api_")


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        include_object=_only_api_tables,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if isinstance(connection, Connection):
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) mode is not supported; run against a database")
_main()
