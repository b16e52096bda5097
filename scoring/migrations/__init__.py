"""Alembic migrations of the records database, run in-process by :func:`upgrade_to_head`.

The revisions live in ``versions/``; ``env.py`` runs them on the connection handed over in
``config.attributes`` (or on ``sqlalchemy.url``), so the CLI's ``alembic`` command also works::

    alembic -c /dev/null -x url=sqlite:///data/records.db upgrade head   # not needed by the app
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.exc import SQLAlchemyError

from kg.errors import ScoringError

__all__ = ["HEAD", "alembic_config", "run_migrations", "upgrade_to_head"]

HEAD = "0001_initial"
_HERE = Path(__file__).resolve().parent


def alembic_config(url: str, scripts: Path = _HERE) -> Config:
    """An Alembic configuration pointing at a tree of migration scripts (this package's by default) and ``url``."""
    config = Config()
    config.set_main_option("script_location", str(scripts))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def run_migrations(
    engine: Engine,
    scripts: Path,
    *,
    stamp_first: tuple[str, Callable[[Connection], bool]] | None = None,
    error: str = "the records database could not be migrated",
) -> None:
    """Upgrade one Alembic tree of the records database to its head, in one transaction (the one runner of
    scoring's tree and the API's).

    Args:
        engine: the records database.
        scripts: the tree's script folder (its ``env.py`` takes the connection from ``config.attributes``).
        stamp_first: (revision, predicate): stamp that revision first when the predicate holds on the
            connection (tables created before the tree existed).
        error: the message of the error, before the database's reason.

    Raises:
        ScoringError: the database refused or a migration failed.
    """
    config = alembic_config(engine.url.render_as_string(hide_password=False), scripts)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            if stamp_first is not None and stamp_first[1](connection):
                command.stamp(config, stamp_first[0])
            command.upgrade(config, "head")
    except SQLAlchemyError as e:
        raise ScoringError(f"{error}: {e}") from e


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
    try:
        run_migrations(engine, _HERE, error=f"records database {engine.url!r} could not be migrated")
    finally:
        if isinstance(target, str):
            engine.dispose()
