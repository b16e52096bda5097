"""Alembic migrations of the API's tables (``api_*``) in the records database.

They have their own version table (``api_alembic_version``) beside scoring's, so the two layers
migrate independently. A database whose API tables were created before these migrations existed
(by ``create_all``) is recognised and stamped at the first revision, then upgraded.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, MetaData, inspect

from scoring.migrations import run_migrations

__all__ = ["HEAD", "VERSION_TABLE", "api_metadata", "upgrade_api_schema"]

HEAD = "api_0005_login_failures_at"
FIRST = "api_0001_initial"
VERSION_TABLE = "api_alembic_version"
_HERE = Path(__file__).resolve().parent


def api_metadata() -> MetaData:
    """The metadata of every API table (all declared in :mod:`api.services.storage`)."""
    from api.services.storage import ApiBase

    return ApiBase.metadata


def upgrade_api_schema(engine: Engine) -> None:
    """Create or upgrade the API's tables to the newest revision.

    Raises:
        ScoringError: the records database refused.
    """

    def predates_migrations(connection: Connection) -> bool:
        tables = set(inspect(connection).get_table_names())
        return "api_users" in tables and VERSION_TABLE not in tables

    # tables created before the migrations existed are stamped at the first revision, then upgraded
    run_migrations(
        engine, _HERE, stamp_first=(FIRST, predates_migrations), error="the API tables could not be created or migrated"
    )
