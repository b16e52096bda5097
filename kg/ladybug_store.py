"""Embedded graph backend: LadybugDB (maintained fork of Kùzu), one database file in the data dir.

Tables are typed and declared up front from :mod:`kg.schema`; :meth:`LadybugGraphStore.ensure_schema`
creates missing tables and adds missing columns, so a database made by an older version keeps working.
One connection is shared behind a lock: LadybugDB connections are not meant for concurrent use.

One process at a time opens the file read-write (LadybugDB takes an OS lock on it); other processes may
open it read-only beside that writer, seeing what it had committed when they opened. Measured with
ladybug 0.22 under a writer committing without pause and checkpointing several times a second: about one
read-only open in six failed (checkpoint in progress, log being appended), so opens are retried; every
query of an open that succeeded saw a committed state, and a reader kept open for 40 s across the
writer's checkpoints answered from its snapshot throughout. LadybugDB does not promise the latter (a
read-only open does not synchronise with later checkpoints, LadybugDB issue 666), so keep such opens
to one command.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kg.cypher_store import CypherGraphStore, Row, Statement
from kg.errors import GraphError, GraphUnavailableError
from kg.models import Label
from kg.queries import Dialect
from kg.schema import REL_ENDPOINTS, node_columns, rel_properties

__all__ = ["GraphLockedError", "LadybugGraphStore"]

log = logging.getLogger(__name__)

#: Read-only opens that fail while the writer checkpoints are tried this many times, this far apart.
READ_ONLY_ATTEMPTS = 8
READ_ONLY_PAUSE_S = 0.25

_LOCK_HOLDER = re.compile(r"held by PID (\d+)")


class GraphLockedError(GraphUnavailableError):
    """Another process holds the embedded graph read-write (LadybugDB lets one writer open a file).

    Args:
        path: the database file.
        pid: the process holding the lock, when LadybugDB names it.
        message: what to tell the user (the application layer knows which process it is and what to do).
    """

    def __init__(self, path: Path, pid: int | None, *, message: str | None = None) -> None:
        holder = f"another process (pid {pid})" if pid else "another process"
        super().__init__(message or f"{holder} holds the embedded graph {path}")
        self.path = path
        self.pid = pid


def _flatten(value: Any) -> Any:
    """Node and relationship values come back as dicts with ``_ID``/``_LABEL`` keys: keep properties."""
    if isinstance(value, dict) and "_LABEL" in value:
        return {k: v for k, v in value.items() if not k.startswith("_") and v is not None}
    return value


class LadybugGraphStore(CypherGraphStore):
    """GraphStore on an embedded LadybugDB database file.

    Args:
        path: the database file (created on first use; its folder must be writable).
        read_only: open it read-only (beside a writer in another process); writes are refused.
    """

    dialect = Dialect.LADYBUG

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self._db: Any = None
        self._conn: Any = None
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        mode = ", read_only=True" if self.read_only else ""
        return f"LadybugGraphStore({str(self.path)!r}{mode})"

    def _connection(self) -> Any:
        if self._conn is None:
            try:
                import ladybug
            except ImportError as e:  # pragma: no cover - declared dependency
                raise GraphError("the embedded graph needs the 'ladybug' package: pip install ladybug") from e
            if self.read_only:
                self._db = self._open_read_only(ladybug)
            else:
                self._db = self._open_read_write(ladybug)
            try:
                self._conn = ladybug.Connection(self._db)
            except RuntimeError as e:
                raise GraphUnavailableError(f"cannot open embedded graph {self.path}: {e}") from e
        return self._conn

    def _open_read_write(self, ladybug: Any) -> Any:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return ladybug.Database(str(self.path))
        except RuntimeError as e:
            if "Could not set lock on file" in str(e):
                holder = _LOCK_HOLDER.search(str(e))
                raise GraphLockedError(self.path, int(holder[1]) if holder else None) from e
            raise GraphUnavailableError(f"cannot open embedded graph {self.path}: {e}") from e

    def _open_read_only(self, ladybug: Any) -> Any:
        if not self.path.exists():
            raise GraphUnavailableError(f"cannot open embedded graph {self.path} read-only: no such file")
        for attempt in range(1, READ_ONLY_ATTEMPTS + 1):
            try:
                return ladybug.Database(str(self.path), read_only=True)
            except RuntimeError as e:
                # the writer is checkpointing or appending to its log: the next open sees a settled file
                if attempt == READ_ONLY_ATTEMPTS:
                    raise GraphUnavailableError(f"cannot open embedded graph {self.path} read-only: {e}") from e
                log.info("read-only open of %s failed (%s), retrying", self.path, e)
                time.sleep(READ_ONLY_PAUSE_S)
        raise AssertionError("unreachable")  # pragma: no cover

    def verify(self) -> None:
        """Open the database file and run a trivial query."""
        self._read("RETURN 1 AS ok")

    def close(self) -> None:
        """Close the connection and the database."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            if self._db is not None:
                self._db.close()
            self._conn = self._db = None

    def ensure_schema(self) -> None:
        """Create missing node and relationship tables; add columns new models introduced."""
        self._refuse_if_read_only()
        with self._lock:
            existing = {r["name"]: r["type"] for r in self._read("CALL show_tables() RETURN *")}
            for label in Label:
                columns = node_columns(label)
                if label.value not in existing:
                    cols = ", ".join(f"{name} {kind}" for name, kind in columns.items() if name != "id")
                    self._execute(f"CREATE NODE TABLE {label}(id STRING PRIMARY KEY, {cols})")
                    continue
                have = {r["name"] for r in self._read(f"CALL table_info('{label}') RETURN *")}
                for name, kind in columns.items():
                    if name not in have:
                        log.info("adding column %s.%s", label, name)
                        self._execute(f"ALTER TABLE {label} ADD {name} {kind}")
            for rel, pairs in REL_ENDPOINTS.items():
                if rel.value in existing:
                    for a, b in pairs:  # endpoint pairs added by newer versions of the schema
                        self._execute(f"ALTER TABLE {rel} ADD IF NOT EXISTS FROM {a} TO {b}")
                    have = {r["name"] for r in self._read(f"CALL table_info('{rel}') RETURN *")}
                    for name, kind in rel_properties(rel).items():
                        if name not in have:
                            log.info("adding column %s.%s", rel, name)
                            self._execute(f"ALTER TABLE {rel} ADD {name} {kind}")
                    continue
                ends = ", ".join(f"FROM {a} TO {b}" for a, b in pairs)
                props = ", ".join(f"{name} {kind}" for name, kind in rel_properties(rel).items())
                self._execute(f"CREATE REL TABLE {rel}({ends}, {props})")

    def _execute(self, query: str, params: dict[str, Any] | None = None) -> Any:
        try:
            return self._connection().execute(query, params or {})
        except RuntimeError as e:
            raise GraphError(f"graph query failed: {e}") from e

    def _rollback(self) -> None:
        # A failed statement may already have aborted the transaction; then there is nothing to undo.
        try:
            self._connection().execute("ROLLBACK")
        except RuntimeError as e:
            if "No active transaction" not in str(e):
                raise GraphError(f"rollback failed: {e}") from e

    def _read(self, query: str, params: dict[str, Any] | None = None) -> list[Row]:
        with self._lock:
            result = self._execute(query, params)
            columns = result.get_column_names()
            rows: list[Row] = []
            while result.has_next():
                rows.append({c: _flatten(v) for c, v in zip(columns, result.get_next(), strict=True)})
            return rows

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            raise GraphError(f"the embedded graph {self.path} is open read-only here: it cannot be changed")

    def _write(self, statements: Sequence[Statement]) -> None:
        self._refuse_if_read_only()
        with self._lock:
            self._execute("BEGIN TRANSACTION")
            try:
                for query, params in statements:
                    self._execute(query, params)
            except BaseException:
                self._rollback()
                raise
            self._execute("COMMIT")
