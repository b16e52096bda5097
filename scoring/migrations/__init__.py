"""Alembic migrations of the records database, run in-process by :func:`upgrade_to_head`.

The revisions live in ``versions/``; ``env.py`` runs them on the connection handed over in
``config.attributes`` (or on ``sqlalchemy.url``), so the CLI's ``alembic`` command also works::

    alembic -c /dev/null -x url=sqlite:///data/records.db upgrade head   # not needed by the app
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import SQLAlchemyError

from kg.errors import ScoringError

__all__ = ["HEAD", "alembic_config", "upgrade_to_head"]

HEAD = "0001_initial"
_HERE = Path(__file__).resolve().parent


def alembic_config(url: str) -> Config:
    """An Alembic configuration pointing at this package's scripts and ``url``."""
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_to_head(target: str | Engine) -> None:
    """Create or upgrade the records schema to the newest revision.

    Args:
        target: a SQLAlchemy URL or an engine. For a SQLite file the parent folder is created.

    Raises:
        ScoringError: the database cannot be reached or a migration failed.
    """
    engine = create_engine(target) if isinstance(target, str) else target
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as e:
        raise ScoringError(f"records database {engine.url!r} could not be migrated: {e}") from e
    finally:
        if isinstance(target, str):
            engine.dispose()
