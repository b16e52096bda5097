"""Server graph backend: Neo4j (or any Bolt server speaking its Cypher) through the official driver.

The driver is created lazily; :meth:`Neo4jGraphStore.verify` connects and turns an unreachable
server into one :class:`~kg.errors.GraphUnavailableError` line naming the URI.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kg.cypher_store import CypherGraphStore, Row, Statement
from kg.errors import GraphError, GraphUnavailableError
from kg.models import Label
from kg.queries import Dialect

__all__ = ["Neo4jGraphStore"]


def _flatten(value: Any) -> Any:
    from neo4j.graph import Node, Relationship

    if isinstance(value, Node | Relationship):
        return {k: v for k, v in dict(value).items() if v is not None}
    return value


class Neo4jGraphStore(CypherGraphStore):
    """GraphStore on a Neo4j-compatible Bolt server.

    Args:
        uri: ``bolt://`` or ``neo4j://`` URI.
        user: user name.
        password: password.
        database: database name (None: the server's default).
        timeout: connection timeout in seconds.
    """

    dialect = Dialect.NEO4J

    def __init__(
        self, uri: str, *, user: str, password: str, database: str | None = None, timeout: float = 10.0
    ) -> None:
        self.uri = uri
        self.database = database
        self._auth = (user, password)
        self._timeout = timeout
        self._driver: Any = None

    def __repr__(self) -> str:
        return f"Neo4jGraphStore({self.uri!r}, database={self.database!r})"

    def _drv(self) -> Any:
        if self._driver is None:
            from neo4j import GraphDatabase

            try:
                self._driver = GraphDatabase.driver(self.uri, auth=self._auth, connection_timeout=self._timeout)
            except ValueError as e:
                raise GraphUnavailableError(f"invalid graph URI {self.uri}: {e}") from e
        return self._driver

    def _wrap(self, e: Exception) -> GraphError:
        from neo4j.exceptions import AuthError, ServiceUnavailable, SessionExpired

        reason = " ".join(str(e).split())  # driver messages span lines; users get one

        if isinstance(e, ServiceUnavailable | SessionExpired | OSError):
            return GraphUnavailableError(f"cannot reach graph server at {self.uri}: {reason}")
        if isinstance(e, AuthError):
            return GraphUnavailableError(f"graph server at {self.uri} refused the credentials: {reason}")
        return GraphError(f"graph query failed on {self.uri}: {reason}")

    def verify(self) -> None:
        """Connect and check the server answers."""
        from neo4j.exceptions import DriverError, Neo4jError

        try:
            self._drv().verify_connectivity()
        except (DriverError, Neo4jError, OSError) as e:
            raise self._wrap(e) from e
        self._read("RETURN 1 AS ok")

    def close(self) -> None:
        """Close the driver."""
        if self._driver is not None:
            self._driver.close()
            self._driver = None

    def ensure_schema(self) -> None:
        """Unique constraints on ``id`` for every label (they also index the MERGE key)."""
        self._write(
            [
                (f"CREATE CONSTRAINT {label.value.lower()}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE", {})
                for label in Label
            ]
        )

    def _read(self, query: str, params: dict[str, Any] | None = None) -> list[Row]:
        from neo4j.exceptions import DriverError, Neo4jError

        try:
            with self._drv().session(database=self.database) as session:
                result = session.run(query, params or {})
                return [{k: _flatten(v) for k, v in record.items()} for record in result]
        except (DriverError, Neo4jError, OSError) as e:
            raise self._wrap(e) from e

    def _write(self, statements: Sequence[Statement]) -> None:
        from neo4j.exceptions import DriverError, Neo4jError

        try:
            with self._drv().session(database=self.database) as session, session.begin_transaction() as tx:
                for query, params in statements:
                    tx.run(query, params).consume()
                tx.commit()
        except (DriverError, Neo4jError, OSError) as e:
            raise self._wrap(e) from e
