"""The hsekg command line, end to end on the real knowledge base and statute texts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from api.cli.main import main
from evals.bench.servers import free_port
from tests.conftest import statute_articles

pytestmark = pytest.mark.integration


@pytest.fixture
def env(tmp_path: Path, shared_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HSEKG_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HSEKG_REGULATIONS_DIR", str(shared_dir / "regulations"))
    monkeypatch.delenv("HSEKG_GRAPH_URI", raising=False)
    monkeypatch.delenv("HSEKG_CORPUS_DIR", raising=False)
    return tmp_path


def last_json(out: str) -> dict[str, object]:
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_init_is_idempotent_and_stats_meet_the_brief(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--json"]) == 0
    first = last_json(capsys.readouterr().out)["graph"]
    assert main(["init"]) == 0
    capsys.readouterr()
    assert main(["stats", "--json"]) == 0
    stats = last_json(capsys.readouterr().out)
    assert stats == first
    nodes = stats["nodes"]
    assert isinstance(nodes, dict)
    assert nodes["Sector"] >= 4 and nodes["Process"] >= 40 and nodes["Risk"] >= 100
    assert nodes["Obligation"] >= 200 and nodes["Indicator"] >= 80


def test_demo_reports_processes_articles_and_gaps(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--json"]) == 0
    payload = last_json(capsys.readouterr().out)
    report = payload["report"]
    assert isinstance(report, dict)
    assert report["processes"] and report["uncovered"]
    articles = [a for ob in report["uncovered"] for a in ob["articles"]]
    assert articles and all(a["article"] >= 1 for a in articles)
    assert main(["demo"]) == 0
    text = capsys.readouterr().out
    assert "未被考核细则覆盖的法定义务" in text and "第" in text
    # a summary for the screen (a line per process), the whole tree in the files it names
    processes = report["processes"]
    assert isinstance(processes, list)
    assert len(text.splitlines()) < len(processes) + 40
    markdown, workbook = env / "data" / "reports" / "demo-report.md", env / "data" / "reports" / "demo-report.xlsx"
    assert str(markdown) in text and str(workbook) in text
    full = markdown.read_text(encoding="utf-8")
    assert all(f"{p['name']}（{p['stage']}）" in full for p in processes)
    assert full.count("指标：**未覆盖**") >= 1 and "## 现行考核细则" in full
    from openpyxl import load_workbook

    sheets = load_workbook(workbook, read_only=True).sheetnames
    assert sheets == ["流程-风险-义务", "考核细则", "未覆盖义务"]
    # production order: the stages in the order the sector lists them, never back to an earlier one
    shown = [line.split("：")[0].split(". ", 1)[1] for line in text.splitlines() if ". " in line and "：风险" in line]
    assert sorted(shown) == sorted(p["name"] for p in processes)
    stage_of = {p["name"]: p["stage"] for p in processes}
    blocks = [stage_of[n] for i, n in enumerate(shown) if i == 0 or stage_of[shown[i - 1]] != stage_of[n]]
    assert len(blocks) == len(set(blocks)) and blocks[0] == "原料采购与仓储"


def test_kb_check_passes(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "check", "--json"]) == 0
    assert last_json(capsys.readouterr().out)["problems"] == []


def test_unknown_arguments_print_usage(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--no-such-flag"]) == 2
    assert "Usage" in capsys.readouterr().err


def test_malformed_yaml_is_one_error_naming_file_and_line(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = env / "corpus"
    corpus.mkdir()
    (corpus / "risks.yaml").write_text("risks:\n  - id: r1\n    name: : :\n", encoding="utf-8")
    monkeypatch.setenv("HSEKG_CORPUS_DIR", str(corpus))
    assert main(["init"]) == 1
    err = capsys.readouterr().err
    assert "risks.yaml:" in err and "Traceback" not in err


def test_unreachable_neo4j_is_one_line_with_the_uri(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    uri = f"bolt://127.0.0.1:{free_port()}"
    monkeypatch.setenv("HSEKG_GRAPH_URI", uri)
    assert main(["stats"]) == 1
    err = capsys.readouterr().err.strip()
    assert uri in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_init_on_the_bolt_backend(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    bolt_endpoint: tuple[str, str, str, str | None],
) -> None:
    uri, user, password, database = bolt_endpoint
    monkeypatch.setenv("HSEKG_GRAPH_URI", uri)
    monkeypatch.setenv("HSEKG_NEO4J_USER", user)
    monkeypatch.setenv("HSEKG_NEO4J_PASSWORD", password)
    monkeypatch.setenv("HSEKG_NEO4J_DATABASE", database or "")
    assert main(["init", "--json"]) == 0
    graph = last_json(capsys.readouterr().out)["graph"]
    assert isinstance(graph, dict) and graph["nodes"]["Obligation"] >= 200


@pytest.mark.slow
def test_ingest_everything_shared(env: Path, shared_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every statute of the README with its article count; each PDF processed (the scanned ones by OCR) or
    failed for its reason (the garbled one)."""
    expected = statute_articles(shared_dir)
    argv = ["ingest", str(shared_dir / "regulations"), str(shared_dir / "regulations_pdf"), "--json"]
    assert main(argv) == 0
    result = last_json(capsys.readouterr().out)
    docs = {Path(str(d["path"])).name: d for d in result["documents"]}  # type: ignore[union-attr]
    assert {name: docs[name]["articles"] for name in expected} == expected
    assert all(docs[name]["status"] == "processed" for name in expected)
    for name, doc in docs.items():
        if "_GARBLED" in name:
            assert doc["status"] == "failed" and "garbled" in str(doc["error"])
        else:
            assert doc["status"] == "processed", (name, doc["error"])
    repealed = {r["repealed"] for r in result["repeals"]}  # type: ignore[union-attr]
    assert repealed == {"环境保护法", "环境影响评价法", "大气污染防治法", "水污染防治法", "土壤污染防治法",
                        "固体废物污染环境防治法", "噪声污染防治法", "清洁生产促进法"}  # fmt: skip
    assert main(argv) == 0
    again = last_json(capsys.readouterr().out)
    assert {d["status"] for d in again["documents"]} == {"unchanged", "failed"}  # type: ignore[union-attr]
    assert main(argv[:-1]) == 0  # the readable report names every document in full, however long its title
    text = capsys.readouterr().out
    assert all(name in text for name in docs)


def _subset(source: Path, target: Path, n: int) -> Path:
    target.write_text("".join(source.read_text(encoding="utf-8").splitlines(keepends=True)[:n]), encoding="utf-8")
    return target


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_eval_commands_write_predictions_any_scorer_recomputes(
    env: Path, shared_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``eval qa|change|gaps --predictions``: DESIGN.md's line formats, and the pure scorers give the same metrics."""
    from api.cli.retrieval import rebuild_index
    from api.container import graph_store
    from api.settings import Settings
    from evals import change, gaps, qa

    assert main(["init"]) == 0
    settings = Settings.load()
    with graph_store(settings) as store:
        rebuild_index(settings, store)  # BM25 only: the embedding model is not prepared in this data dir
    capsys.readouterr()
    sets = shared_dir / "evalsets"

    questions = _subset(sets / "qa_mgr_dev.jsonl", env / "qa.jsonl", 4)
    assert main(["eval", "qa", "--questions", str(questions), "--retriever", "bm25", "--json",
                 "--predictions", str(env / "qa.out")]) == 0  # fmt: skip
    metrics = last_json(capsys.readouterr().out)
    lines = _lines(env / "qa.out")
    assert [set(p) for p in lines] == [{"id", "citations", "abstained", "ms"}] * 4
    assert all(set(c) == {"law", "article"} for p in lines for c in p["citations"])
    assert metrics == {"retriever": "bm25", **qa.score_predictions(qa.load_items(questions), lines)}  # type: ignore[arg-type]

    scenarios = _subset(sets / "change_dev.jsonl", env / "change.jsonl", 2)
    assert main(["eval", "change", "--scenarios", str(scenarios), "--json", "--predictions", str(env / "c.out")]) == 0
    metrics = last_json(capsys.readouterr().out)
    lines = _lines(env / "c.out")
    assert [set(p) for p in lines] == [{"id", "risks", "obligations", "indicators", "ms"}] * 2
    assert all(set(i) == {"name", "level", "target", "cites", "valid"} for p in lines for i in p["indicators"])
    again = change.score_predictions(change.load_records(scenarios), lines, lambda key: True)  # type: ignore[arg-type]
    assert {k: v for k, v in metrics.items() if k != "citation_validity"} == {
        k: v for k, v in again.items() if k != "citation_validity"
    }

    scenarios = _subset(sets / "gaps_dev.jsonl", env / "gaps.jsonl", 2)
    assert main(["eval", "gaps", "--scenarios", str(scenarios), "--json", "--predictions", str(env / "g.out")]) == 0
    metrics = last_json(capsys.readouterr().out)
    lines = _lines(env / "g.out")
    assert [set(p) for p in lines] == [{"id", "gaps", "stale_citations", "ms"}] * 2
    assert all(set(g) == {"law", "article", "risk"} for p in lines for g in p["gaps"])
    assert metrics == gaps.score_predictions(change.load_records(scenarios), lines)  # type: ignore[arg-type]
