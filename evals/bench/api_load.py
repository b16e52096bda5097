"""API load benchmark: concurrent mobile clients syncing offline batches to a real server over loopback.

Run: ``python -m evals.bench.api_load [--clients 20] [--records 10000] [--batch-size 50] [--retry-share 0.3]
[--duplicate-share 0.1] [--workers 1] [--records-url URL | --throwaway-postgres] [--timeout 300] [--json]``.

What happens:

1. A fresh records database (SQLite in a temporary folder unless ``--records-url`` names another; every
   id of the run carries a random tag, so a shared PostgreSQL database can be reused) gets one enterprise
   of 4 departments × 5 posts, the fire-facility indicator assigned to each post, and one inspector
   account per client (argon2 hashes at the production cost).
2. The API runs as ``uvicorn api.http.app:app_from_environment --factory`` in a subprocess on a free
   port of 127.0.0.1, configured through ``HSEKG_*`` variables, exactly as ``hsekg serve`` would.
3. Each client thread logs in (``POST /auth/token``); one warm-up request (a record of an unknown unit,
   rejected) lets the server load its services; then every client submits its share of the
   records with ``POST /records/batch``: batch ``i`` goes to client ``i mod clients``. A share of the
   batches (``--retry-share``) is sent again by the same client after its answer (a retry after a lost
   response: same batch id and client ids), and another share (``--duplicate-share``) is sent by two
   clients at the same moment (the second one another device's session).
4. The run passes when every request got 200, the answers add up to exactly ``records`` accepted, the
   expected number of duplicates and no rejection, and the database holds exactly ``records`` rows.

Reported: wall time of the submission phase, records/s (unique records stored per second), batches/s
(requests per second, resends included), p50/p95/p99/max batch latency, the login phase, the resend
counts and the stored count. ``--timeout`` bounds the whole run; past it the run stops and fails.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, select

from api.settings import REPO_ROOT, Settings
from kg.errors import HsekgError

__all__ = ["LoadConfig", "LoadReport", "main", "run_load"]

log = logging.getLogger(__name__)

INDICATOR = "ind_fire_facility_intact"
PASSWORD = "load-test-password-0123"
DEPARTMENTS = 4
POSTS_PER_DEPARTMENT = 5


@dataclass(frozen=True)
class LoadConfig:
    """What to run.

    Args:
        clients: concurrent client threads (devices), one inspector account each.
        records: unique records to store.
        batch_size: records per batch.
        retry_share: share of batches sent again by the same client after their answer.
        duplicate_share: share of batches sent by two clients at the same moment.
        records_url: SQLAlchemy URL of the records database; empty: SQLite in a temporary folder.
        workers: uvicorn worker processes.
        timeout_s: bound of the whole run.
        seed: chooses the resent batches.
    """

    clients: int = 20
    records: int = 10_000
    batch_size: int = 50
    retry_share: float = 0.3
    duplicate_share: float = 0.1
    records_url: str = ""
    workers: int = 1
    timeout_s: float = 300.0
    seed: int = 7


@dataclass
class LoadReport:
    """The outcome of a run (``ok`` only if exactly ``records`` rows were stored and nothing failed)."""

    ok: bool
    reason: str
    backend: str
    clients: int
    records: int
    batch_size: int
    batches: int
    requests: int
    retried: int
    duplicated: int
    accepted: int
    duplicates_answered: int
    duplicates_expected: int
    rejected: int
    http_errors: int
    stored: int
    login_s: float
    wall_s: float
    records_per_s: float
    batches_per_s: float
    latency_ms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class _Answer:
    """One request: latency, HTTP status and the counts of the answer."""

    seconds: float
    status: int
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0


@dataclass(frozen=True)
class _Plan:
    """The batches, who sends which, and which are resent."""

    batches: list[dict[str, Any]]
    retried: frozenset[int]
    duplicated: frozenset[int]

    def of_client(self, client: int, clients: int) -> range:
        return range(client, len(self.batches), clients)


def _posts(tag: str) -> list[str]:
    return [f"{tag}-P{d}{p}" for d in range(DEPARTMENTS) for p in range(POSTS_PER_DEPARTMENT)]


def prepare_database(engine: Engine, settings: Settings, *, tag: str, clients: int) -> list[str]:
    """Register the organisation, assign the indicator, create one inspector per client; their usernames.

    The services come from the application's composition root (:class:`api.container.Container`) over ``engine``.
    """
    from api.container import Container
    from scoring.service import AssignmentIn, DepartmentIn, OrganisationIn, PersonIn, PositionIn

    departments = [
        DepartmentIn(
            id=f"{tag}-D{d}",
            name=f"车间{d}",
            positions=[
                PositionIn(
                    id=f"{tag}-P{d}{p}", name=f"岗位{d}{p}", people=[PersonIn(id=f"{tag}-u{d}{p}", name="检查员")]
                )
                for p in range(POSTS_PER_DEPARTMENT)
            ],
        )
        for d in range(DEPARTMENTS)
    ]
    enterprise = f"LOAD-{tag}"
    usernames = [f"{tag}-inspector{c:02d}" for c in range(clients)]
    with Container(settings, engine=engine) as container:
        container.scoring.register_organisation(
            OrganisationIn(id=enterprise, name="负载测试企业", departments=departments)
        )
        for post in _posts(tag):
            container.scoring.assign(AssignmentIn(indicator_id=INDICATOR, level="岗位", unit_id=post))
        for name in usernames:
            container.users.create(
                username=name, password=PASSWORD, role="inspector", enterprise_id=enterprise, actor="bench"
            )
    return usernames


def plan_batches(config: LoadConfig, *, tag: str) -> _Plan:
    """The records cut into batches (client ids ``<tag>-r<n>``), and the batches to resend."""
    posts = _posts(tag)
    day = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    records = [
        {
            "client_id": f"{tag}-r{n:06d}",
            "indicator_id": INDICATOR,
            "level": "岗位",
            "unit_id": posts[n % len(posts)],
            "person_id": f"{tag}-u{posts[n % len(posts)].rsplit('P', 1)[1]}",
            "observed_at": (day - timedelta(minutes=n)).isoformat(),
            "outcome": "fail" if n % 13 == 0 else "pass",
            "source": "offline_batch",
            "evidence": [f"photo:{tag}/{n}.jpg"],
            "note": f"巡检记录{n}：消防设施完好",
        }
        for n in range(config.records)
    ]
    batches = [
        {"batch_id": f"{tag}-b{i // config.batch_size:05d}", "records": records[i : i + config.batch_size]}
        for i in range(0, len(records), config.batch_size)
    ]
    rnd = random.Random(config.seed)
    indices = range(len(batches))
    retried = frozenset(rnd.sample(indices, round(config.retry_share * len(batches))))
    duplicated = frozenset(rnd.sample(indices, round(config.duplicate_share * len(batches))))
    return _Plan(batches, retried, duplicated)


@contextmanager
def api_server(env: dict[str, str], *, cwd: Path, workers: int, deadline: float) -> Iterator[str]:
    """``uvicorn`` serving the app on a free loopback port; yields its base URL, stops it on exit.

    Raises:
        RuntimeError: the server did not answer ``/health`` before the deadline.
    """
    from evals.bench.servers import free_port

    port = free_port()
    args = [sys.executable, "-m", "uvicorn", "api.http.app:app_from_environment", "--factory", "--host", "127.0.0.1"]
    args += ["--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    log_file = (cwd / "server.log").open("wb")
    process = subprocess.Popen(args, env=env, cwd=cwd, stdout=log_file, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}: {_tail(cwd / 'server.log')}")
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start before the deadline")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.close()


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


class _Client:
    """One device: an HTTP session (logged in by :func:`_login`) that sends batches until the deadline."""

    def __init__(self, http: httpx.Client, *, device: str, deadline: float) -> None:
        self.http = http
        self.device = device
        self.deadline = deadline

    def send(self, batch: dict[str, Any]) -> _Answer:
        body = {**batch, "device_id": self.device, "sent_at": datetime.now(UTC).isoformat()}
        timeout = max(1.0, min(60.0, self.deadline - time.monotonic()))
        start = time.perf_counter()
        try:
            response = self.http.post("/records/batch", json=body, timeout=timeout)
        except httpx.HTTPError as e:
            log.warning("batch %s from %s failed: %s", batch["batch_id"], self.device, e)
            return _Answer(time.perf_counter() - start, 0)
        seconds = time.perf_counter() - start
        if response.status_code != 200:
            log.warning("batch %s: HTTP %s %s", batch["batch_id"], response.status_code, response.text[:300])
            return _Answer(seconds, response.status_code)
        data = response.json()
        return _Answer(seconds, 200, data["accepted"], data["duplicates"], data["rejected"])

    def warm_up(self) -> None:
        """One record for a unit that does not exist (rejected, nothing stored): the server loads its services."""
        record = {"client_id": "warm-up", "indicator_id": INDICATOR, "level": "岗位", "unit_id": "warm-up"}
        record |= {"observed_at": datetime.now(UTC).isoformat(), "outcome": "pass"}
        answer = self.send({"batch_id": "warm-up", "records": [record]})
        if (answer.status, answer.rejected) != (200, 1):
            raise RuntimeError(f"the warm-up request was answered {answer}")

    def close(self) -> None:
        self.http.close()


def _login(base: str, username: str, *, device: str, deadline: float) -> _Client:
    """A session logged in as ``username`` (``POST /auth/token``)."""
    http = httpx.Client(base_url=base, timeout=60)
    token = http.post("/auth/token", data={"username": username, "password": PASSWORD})
    token.raise_for_status()
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return _Client(http, device=device, deadline=deadline)


def _run_client(
    index: int, clients: Sequence[_Client], partners: Sequence[_Client], plan: _Plan, stop: threading.Event
) -> list[_Answer]:
    """Client ``index``'s share: each batch once, a retried one again, a duplicated one also by a partner."""
    own = clients[index]
    answers: list[_Answer] = []
    with ThreadPoolExecutor(1) as second_device:
        for b in plan.of_client(index, len(clients)):
            if stop.is_set() or time.monotonic() > own.deadline:
                break
            batch = plan.batches[b]
            other = second_device.submit(partners[index].send, batch) if b in plan.duplicated else None
            answers.append(own.send(batch))
            if other is not None:
                answers.append(other.result())
            if b in plan.retried:
                answers.append(own.send(batch))
    return answers


def _percentiles(seconds: Sequence[float]) -> dict[str, float]:
    if not seconds:
        return {}
    ordered = sorted(seconds)

    def at(q: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(1000 * ordered[-1], 1)}


def _submit(base: str, usernames: Sequence[str], plan: _Plan, *, deadline: float) -> tuple[list[_Answer], float, float]:
    """Log every client in (two sessions each: its own and a partner device's), then submit concurrently.

    Returns:
        The answers, the login time and the wall time of the submission phase.
    """
    n = len(usernames)
    with ExitStack() as stack, ThreadPoolExecutor(n) as pool:
        start = time.perf_counter()
        devices = [(usernames[c % n], f"pad{c % n:02d}") for c in [*range(n), *range(1, n + 1)]]  # own, partner
        logins = [pool.submit(_login, base, user, device=device, deadline=deadline) for user, device in devices]
        sessions = [f.result() for f in logins]
        for s in sessions:
            stack.callback(s.close)
        login_s = time.perf_counter() - start
        sessions[0].warm_up()
        stop = threading.Event()
        start = time.perf_counter()
        futures = [pool.submit(_run_client, c, sessions[:n], sessions[n:], plan, stop) for c in range(n)]
        done, pending = wait(futures, timeout=max(0.0, deadline - time.monotonic()))
        wall_s = time.perf_counter() - start
        if pending or time.monotonic() > deadline:
            stop.set()
            raise TimeoutError(f"{len(pending)} of {n} clients were still submitting at the deadline (--timeout)")
        answers = [a for f in futures for a in f.result()]
    return answers, login_s, wall_s


def _stored(engine: Engine, tag: str) -> int:
    from scoring.db import InspectionRecord

    stmt = select(func.count()).select_from(InspectionRecord).where(InspectionRecord.client_id.like(f"{tag}-%"))
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


def _report(
    config: LoadConfig, plan: _Plan, answers: list[_Answer], *, stored: int, backend: str, **times: float
) -> LoadReport:
    duplicates_expected = sum(len(plan.batches[b]["records"]) for b in plan.retried) + sum(
        len(plan.batches[b]["records"]) for b in plan.duplicated
    )
    ok_answers = [a for a in answers if a.status == 200]
    report = LoadReport(
        ok=False,
        reason="",
        backend=backend,
        clients=config.clients,
        records=config.records,
        batch_size=config.batch_size,
        batches=len(plan.batches),
        requests=len(answers),
        retried=len(plan.retried),
        duplicated=len(plan.duplicated),
        accepted=sum(a.accepted for a in ok_answers),
        duplicates_answered=sum(a.duplicates for a in ok_answers),
        duplicates_expected=duplicates_expected,
        rejected=sum(a.rejected for a in ok_answers),
        http_errors=len(answers) - len(ok_answers),
        stored=stored,
        login_s=round(times["login_s"], 2),
        wall_s=round(times["wall_s"], 2),
        records_per_s=round(stored / times["wall_s"], 1) if times["wall_s"] else 0.0,
        batches_per_s=round(len(answers) / times["wall_s"], 1) if times["wall_s"] else 0.0,
        latency_ms=_percentiles([a.seconds for a in answers]),
    )
    problems = [
        f"{report.http_errors} requests failed" if report.http_errors else "",
        f"stored {stored}, expected {config.records}" if stored != config.records else "",
        f"accepted {report.accepted}, expected {config.records}" if report.accepted != config.records else "",
        f"{report.rejected} records rejected" if report.rejected else "",
        f"{report.duplicates_answered} duplicates answered, expected {duplicates_expected}"
        if report.duplicates_answered != duplicates_expected
        else "",
    ]
    report.reason = "; ".join(p for p in problems if p)
    report.ok = not report.reason
    return report


def run_load(config: LoadConfig) -> LoadReport:
    """Run the benchmark (see the module docstring).

    Raises:
        TimeoutError: the run did not finish within ``config.timeout_s``.
        RuntimeError: the server did not start.
        HsekgError: the records database could not be opened or prepared.
    """
    from scoring.db import open_records_db

    deadline = time.monotonic() + config.timeout_s
    tag = secrets.token_hex(4)
    with tempfile.TemporaryDirectory(prefix="hsekg-load-") as tmp:
        env = {
            **os.environ,
            "HSEKG_ENVIRONMENT": "development",
            "HSEKG_DATA_DIR": str(Path(tmp) / "data"),
            "HSEKG_CORPUS_DIR": str(REPO_ROOT / "regulations_corpus"),
            "HSEKG_SECRET_KEY": secrets.token_hex(24),
            "HSEKG_SM4_KEY": secrets.token_hex(16),
            "HSEKG_RECORDS_URL": config.records_url or f"sqlite:///{Path(tmp) / 'records.db'}",
        }
        settings = _settings(env)
        engine = open_records_db(settings.records_url)
        try:
            usernames = prepare_database(engine, settings, tag=tag, clients=config.clients)
            plan = plan_batches(config, tag=tag)
            with api_server(env, cwd=Path(tmp), workers=config.workers, deadline=deadline) as base:
                answers, login_s, wall_s = _submit(base, usernames, plan, deadline=deadline)
            stored = _stored(engine, tag)
        finally:
            engine.dispose()
    return _report(config, plan, answers, stored=stored, backend=engine.dialect.name, login_s=login_s, wall_s=wall_s)


def _settings(env: dict[str, str]) -> Settings:
    values = {k.removeprefix("HSEKG_").lower(): v for k, v in env.items() if k.startswith("HSEKG_")}
    return Settings.model_validate(values)


@contextmanager
def _throwaway_postgres() -> Iterator[str]:
    """A fresh database on a temporary PostgreSQL cluster (the one the integration tests start)."""
    from sqlalchemy import create_engine, text

    from evals.bench.servers import postgres_cluster

    with postgres_cluster() as base:
        admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('CREATE DATABASE "load"'))
        admin.dispose()
        yield f"{base}/load"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: run, print the report (a table or one JSON line); exit 1 unless exactly N were stored."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    defaults = LoadConfig()
    parser.add_argument("--clients", type=int, default=defaults.clients)
    parser.add_argument("--records", type=int, default=defaults.records)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--retry-share", type=float, default=defaults.retry_share)
    parser.add_argument("--duplicate-share", type=float, default=defaults.duplicate_share)
    parser.add_argument("--workers", type=int, default=defaults.workers, help="uvicorn worker processes")
    parser.add_argument("--records-url", default="", help="SQLAlchemy URL; default: SQLite in a temporary folder")
    parser.add_argument("--throwaway-postgres", action="store_true", help="start a temporary PostgreSQL cluster")
    parser.add_argument("--timeout", type=float, default=defaults.timeout_s, help="seconds for the whole run")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with ExitStack() as stack:
        url = stack.enter_context(_throwaway_postgres()) if args.throwaway_postgres else args.records_url
        config = LoadConfig(
            clients=args.clients,
            records=args.records,
            batch_size=args.batch_size,
            retry_share=args.retry_share,
            duplicate_share=args.duplicate_share,
            records_url=url,
            workers=args.workers,
            timeout_s=args.timeout,
            seed=args.seed,
        )
        try:
            report = run_load(config)
        except (TimeoutError, RuntimeError, HsekgError) as e:
            print(json.dumps({"ok": False, "reason": str(e)}) if args.json else f"FAILED: {e}")
            return 1
    print(json.dumps(asdict(report), ensure_ascii=False) if args.json else _table(report))
    return 0 if report.ok else 1


def _table(report: LoadReport) -> str:
    rows = [f"{k:>20}  {v}" for k, v in asdict(report).items()]
    return "\n".join(rows)


if __name__ == "__main__":
    raise SystemExit(main())
