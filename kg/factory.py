"""Open the configured graph backend."""

from __future__ import annotations

from pathlib import Path

from kg.ladybug_store import LadybugGraphStore
from kg.neo4j_store import Neo4jGraphStore
from kg.store import GraphStore

__all__ = ["open_graph_store"]


def open_graph_store(
    uri: str,
    *,
    path: Path,
    user: str = "neo4j",
    password: str = "",
    database: str | None = None,
    read_only: bool = False,
) -> GraphStore:
    """The graph store for ``uri``: a Bolt/Neo4j URI selects the driver, anything else the embedded file.

    ``read_only`` opens the embedded file read-only (beside a writer in another process); a Bolt server
    takes many writers, so it does not apply there. No I/O happens here; call ``verify()`` on the result
    to connect.
    """
    if uri.startswith(("bolt", "neo4j")):
        return Neo4jGraphStore(uri, user=user, password=password, database=database)
    return LadybugGraphStore(path, read_only=read_only)
