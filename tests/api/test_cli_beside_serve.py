"""The CLI beside ``hsekg serve`` on the embedded graph: the server is the graph's one writer, CLI reads open
it read-only and answer as they do without a server, CLI writes stop at once with one sentence naming the
server and what to do."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from api.cli.main import main
from api.container import graph_store
from api.settings import Settings
from kg.errors import GraphError
from kg.ladybug_store import GraphLockedError, LadybugGraphStore
from kg.models import Label, Sector
from retrieval.index import RetrievalIndex
from tests.ui.servers import free_port, wait_http

pytestmark = [pytest.mark.integration, pytest.mark.slow]

HSEKG = Path(sys.executable).with_name("hsekg")
QUESTION = "动火作业需要谁审批？"


class Served:
    """``hsekg serve --no-ui`` on a free port of 127.0.0.1 (``with`` starts it and stops it with Ctrl-C)."""

    def __init__(self, data_dir: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._data_dir, self._log = data_dir, log
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Served:
        with self._log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(HSEKG), "serve", "--no-ui", "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT
            )
        try:
            wait_http(f"{self.url}/health", timeout=120)
        except BaseException:
            self.__exit__()
            raise
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Path:
    """A data dir with the knowledge graph and a lexical retrieval index."""
    data_dir = tmp_path_factory.mktemp("beside-serve") / "data"
    settings = Settings.model_validate({"data_dir": data_dir, "regulations_dir": shared_dir / "regulations"})
    with pytest.MonkeyPatch.context() as mp:
        _environment(mp, settings)
        assert main(["init"]) == 0
    with graph_store(settings) as store:
        RetrievalIndex(settings.index_dir).build(store, None)
    return data_dir


def _environment(mp: pytest.MonkeyPatch, settings: Settings) -> None:
    mp.setenv("HSEKG_ENVIRONMENT", "development")
    mp.setenv("HSEKG_DATA_DIR", str(settings.data_dir))
    mp.setenv("HSEKG_REGULATIONS_DIR", str(settings.regulations_dir))
    for name in ("HSEKG_GRAPH_URI", "HSEKG_RECORDS_URL", "HSEKG_CORPUS_DIR", "HSEKG_LLM_BASE_URL"):
        mp.delenv(name, raising=False)


@pytest.fixture
def settings(template: Path, tmp_path: Path, shared_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A fresh copy of the template data dir, set in the environment (for the CLI and the server)."""
    import shutil

    shutil.copytree(template, tmp_path / "data")
    settings = Settings.model_validate({"data_dir": tmp_path / "data", "regulations_dir": shared_dir / "regulations"})
    _environment(monkeypatch, settings)
    return settings


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _answer(out: str) -> dict[str, object]:
    answer: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    answer.pop("ms")  # the latency of this run
    return answer


def test_ask_and_stats_answer_beside_serve_as_without_it(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, alone_ask, _ = _run(["ask", "--json", QUESTION], capsys)
    assert code == 0
    code, alone_stats, _ = _run(["stats", "--json"], capsys)
    assert code == 0
    assert _answer(alone_ask)["citations"], "the question should be answered from the graph, with citations"

    with Served(settings.data_dir, tmp_path / "serve.log") as served:
        with pytest.raises(GraphLockedError) as held:  # the server holds the graph from the start
            with graph_store(settings):
                pass
        code, beside_ask, err = _run(["ask", "--json", QUESTION], capsys)
        assert code == 0, err
        code, beside_stats, err = _run(["stats", "--json"], capsys)
        assert code == 0, err
        assert httpx.get(f"{served.url}/health").status_code == 200
    assert held.value.pid == served.pid
    assert _answer(beside_ask) == _answer(alone_ask)
    assert json.loads(beside_stats) == json.loads(alone_stats)


def test_writes_beside_serve_name_it_and_say_what_to_do(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = tmp_path / "通知.md"
    document.write_text("# 某某通知\n\n第一条 生产经营单位应当建立安全生产责任制。\n", encoding="utf-8")
    with Served(settings.data_dir, tmp_path / "serve.log") as served:
        assert settings.serve_pid_path.read_text().strip() == str(served.pid)
        results = {
            name: _run(argv, capsys)
            for name, argv in {"init": ["init"], "index": ["index"], "ingest": ["ingest", str(document)]}.items()
        }
    for name, (code, _out, err) in results.items():
        assert code == 1, name
        assert err.count("error:") == 1, (name, err)
        message = " ".join(err.split())
        assert f"hsekg serve (pid {served.pid}) holds the embedded graph at {settings.data_dir}" in message, name
        assert "stop it" in message and "HSEKG_GRAPH_URI=bolt://" in message, name
    assert not settings.serve_pid_path.exists()
    code, _out, err = _run(["init"], capsys)  # the server gone, the CLI writes again
    assert code == 0, err


def test_a_holder_other_than_serve_is_named_by_its_pid(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, ladybug; db = ladybug.Database(sys.argv[1]); print('held', flush=True); sys.stdin.read()",
            str(settings.graph_path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        code, _out, err = _run(["init"], capsys)
        code_stats, stats, err_stats = _run(["stats", "--json"], capsys)
    finally:
        holder.communicate(b"", timeout=30)
    assert code == 1
    assert f"another process (pid {holder.pid}) holds the embedded graph" in " ".join(err.split())
    assert code_stats == 0, err_stats
    assert json.loads(stats)["nodes"]["Regulation"] > 0


def test_a_read_only_store_refuses_writes(settings: Settings) -> None:
    store = LadybugGraphStore(settings.graph_path, read_only=True)
    try:
        store.verify()
        with pytest.raises(GraphError, match="open read-only"):
            store.upsert_nodes([Sector(id="s_test", name="测试")])
        with pytest.raises(GraphError, match="open read-only"):
            store.ensure_schema()
    finally:
        store.close()
    with graph_store(settings) as writer:  # nothing was written
        assert writer.get(Label.SECTOR, "s_test") is None


def test_serve_refuses_several_workers_on_the_embedded_graph(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = _run(["serve", "--no-ui", "--workers", "2", "--port", str(free_port())], capsys)
    assert code == 1
    assert "--workers > 1 needs the server profile" in err
    assert not settings.serve_pid_path.exists()
