"""Alembic migrations of the API's tables (``api_*``) in the records database.

They have their own version table (``api_alembic_version``) beside scoring's, so the two layers
migrate independently. A database whose API tables were created before these migrations existed
(by ``create_all``) is recognised and stamped at the first revision, then upgraded.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, MetaData, inspect
from sqlalchemy.exc import SQLAlchemyError

from kg.errors import ScoringError

__all__ = ["HEAD", "VERSION_TABLE", "api_metadata", "upgrade_api_schema"]

HEAD = "api_0002_review_queue"
FIRST = "api_0001_initial"
VERSION_TABLE = "api_alembic_version"
_HERE = Path(__file__).resolve().parent


def api_metadata() -> MetaData:
    """The metadata of every API table (importing the modules that declare them)."""
    import api.services.review  # noqa: F401  (declares the review queue's tables)
    from api.services.storage import ApiBase

    return ApiBase.metadata


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade_api_schema(engine: Engine) -> None:
    """Create or upgrade the API's tables to the newest revision.

    Raises:
        ScoringError: the records database refused.
    """
    config = _config(engine)
    try:
        with engine.begin() as connection:
            tables = set(inspect(connection).get_table_names())
            config.attributes["connection"] = connection
            if "api_users" in tables and VERSION_TABLE not in tables:
                command.stamp(config, FIRST)  # tables from before the migrations: the first revision's
            command.upgrade(config, "head")
    except SQLAlchemyError as e:
        raise ScoringError(f"the API tables could not be created or migrated: {e}") from e
