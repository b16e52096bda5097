"""Shared fixtures: the shared data folder and a real Bolt graph server for the integration tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from evals.bench.servers import ArcadeDbBoltServer, postgres_cluster

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HSEKG_SHARED_DIR", REPO.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the repository (statutes, evaluation sets); CI always has it."""
    if not (SHARED / "regulations").is_dir():
        pytest.fail(f"shared data not found at {SHARED} (set HSEKG_SHARED_DIR)")
    return SHARED


def statute_articles(shared: Path) -> dict[str, int]:
    """The statute files listed in ``regulations/README.md`` with their article counts (the one list)."""
    readme = (shared / "regulations" / "README.md").read_text(encoding="utf-8")
    return {
        cells[1]: int(cells[3])
        for line in readme.splitlines()
        if len(cells := [c.strip() for c in line.split("|")]) > 4 and cells[1].endswith(".md") and cells[3].isdigit()
    }


@pytest.fixture(scope="session")
def bolt_endpoint() -> Iterator[tuple[str, str, str, str | None]]:
    """(uri, user, password, database) of a real Bolt server.

    An existing Neo4j is used when ``HSEKG_TEST_NEO4J_URI`` is set (with ``HSEKG_TEST_NEO4J_USER``,
    ``HSEKG_TEST_NEO4J_PASSWORD``, ``HSEKG_TEST_NEO4J_DATABASE``); otherwise ArcadeDB is started on
    127.0.0.1 from the arcadedb-embedded wheel and stopped at the end of the session.
    """
    uri = os.environ.get("HSEKG_TEST_NEO4J_URI")
    if uri:
        yield (
            uri,
            os.environ.get("HSEKG_TEST_NEO4J_USER", "neo4j"),
            os.environ.get("HSEKG_TEST_NEO4J_PASSWORD", ""),
            os.environ.get("HSEKG_TEST_NEO4J_DATABASE") or None,
        )
        return
    with ArcadeDbBoltServer(database="kg") as server:
        yield server.uri, server.user, server.password, server.database


@pytest.fixture(scope="session")
def postgres_base() -> Iterator[str]:
    """A PostgreSQL server for the session: ``HSEKG_TEST_POSTGRES_URL`` or a throwaway local cluster."""
    url = os.environ.get("HSEKG_TEST_POSTGRES_URL")
    if url:
        yield url.rstrip("/")
        return
    with postgres_cluster() as base:
        yield base


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.integration)])
def records_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty records database URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'records.db'}"
    import uuid

    from sqlalchemy import create_engine, text

    base = request.getfixturevalue("postgres_base")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{base}/{name}"
