"""The expert journeys on the command line, as the API offers them: ``hsekg propose`` (a change from a file
or flags, Chinese change types, ``--to-review``), ``hsekg gaps`` (JSON, an API body, the stored rules) and
their ``--schema``, on the real knowledge base and the example files of ``examples/``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.cli.main import main
from tests.conftest import statute_articles

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Iterator[Path]:
    """One initialised data dir (graph of the knowledge base and statutes, no retrieval index)."""
    data = tmp_path_factory.mktemp("journeys") / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HSEKG_DATA_DIR", str(data))
        mp.setenv("HSEKG_REGULATIONS_DIR", str(shared_dir / "regulations"))
        mp.delenv("HSEKG_GRAPH_URI", raising=False)
        mp.delenv("HSEKG_CORPUS_DIR", raising=False)
        assert main(["init"]) == 0
        yield data


@pytest.fixture
def env(data_dir: Path, shared_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HSEKG_DATA_DIR", str(data_dir))
    monkeypatch.setenv("HSEKG_REGULATIONS_DIR", str(shared_dir / "regulations"))
    monkeypatch.delenv("HSEKG_GRAPH_URI", raising=False)
    monkeypatch.delenv("HSEKG_CORPUS_DIR", raising=False)
    return data_dir


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(argv) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    return out


def _without_ms(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k != "ms"}


def test_propose_a_change_file_gives_ranked_proposals_with_chains_and_real_citations(
    env: Path, shared_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _json(capsys, ["propose", str(EXAMPLES / "change_new_material.json"), "--json"])
    assert out["risks"] and out["obligations"] and out["indicators"]
    scores = [r["score"] for r in out["risks"]]
    assert scores == sorted(scores, reverse=True)
    names = [r["name"] for r in out["risks"]]
    assert "有机溶剂职业中毒（三氯乙烯）" in names  # 麻醉效应 (分类信息表) in use
    assert not any(n.startswith("易燃溶剂") for n in names)  # 三氯乙烯 is not 易燃液体: the facts say so
    articles = statute_articles(shared_dir)
    for ob in out["obligations"]:
        assert 1 <= ob["article"] <= articles[ob["law"] + ".md"]
    for ind in out["indicators"]:
        assert ind["chain"][0].startswith("变更：") and ind["chain"][-1] == f"指标：{ind['name']}"
        assert ind["verdicts"] and all(v["reason"] for v in ind["verdicts"])
    assert "run_id" not in out


def test_propose_by_flags_with_a_chinese_type_equals_the_file(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads((EXAMPLES / "change_new_material.json").read_text(encoding="utf-8"))
    assert doc["change"]["type"] == "新材料"
    flags = [
        "propose", "--json", "--type", "new_material", "--description", doc["change"]["description"],
        "--process", doc["change"]["process"]["name"], "--stage", doc["change"]["process"]["stage"],
        "--process-description", doc["change"]["process"]["description"],
    ]  # fmt: skip
    from_file = _json(capsys, ["propose", str(EXAMPLES / "change_new_material.json"), "--json"])
    # the flags replace the file's change; sector, enterprise and processes before come from the file
    by_flags = _json(capsys, [*flags, str(EXAMPLES / "change_new_material.json")])
    assert _without_ms(by_flags) == _without_ms(from_file)
    # the flags alone: a change with nothing known of the plant still gets its proposals
    alone = _json(capsys, ["propose", "--json", "--type", "新设备", "--description", "新增一台 4 t/h 燃气蒸汽锅炉"])
    assert any("锅炉" in r["name"] for r in alone["risks"])


def test_propose_refuses_an_unknown_type_naming_both_spellings(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["propose", "--type", "新东西", "--description", "x"]) == 1
    err = capsys.readouterr().err
    assert "新东西" in err and "add_process" in err and "新增工序" in err and "法规变更" in err
    assert main(["propose", "--description", "只有描述"]) == 2  # a usage error: the type is missing
    assert main(["propose", "--type", "扩产", "--description", "x", "--to-review"]) == 2  # no enterprise


def test_propose_to_review_stores_the_run_in_the_enterprise_s_queue(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from api.container import Container
    from api.settings import Settings

    out = _json(
        capsys,
        ["propose", str(EXAMPLES / "change_new_material.json"), "--json", "--to-review", "--enterprise-id", "E-cli"],
    )
    run_id = out["run_id"]
    with Container(Settings.load()) as container:
        views, total = container.review_queue.find(enterprise_id="E-cli", run_id=run_id, limit=100, offset=0)
        entries, _ = container.audit.entries(enterprise_id="E-cli", limit=100, offset=0)
    actions = [e.action for e in entries]
    assert total == len(out["indicators"]) == len(views) and {v.created_by for v in views} == {"cli"}
    assert {v.process for v in views} == {"三氯乙烯蒸汽脱脂"}
    assert "proposals.run" in actions


def test_gaps_of_a_file_and_of_an_api_body_agree(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = EXAMPLES / "gaps_rules.json"
    out = _json(capsys, ["gaps", str(rules), "--json"])
    assert out["gaps"] and out["covered"]
    covered = {c["duty_id"] for c in out["covered"]}
    assert all(g["duty_id"] not in covered for g in out["gaps"])
    assert any(c["indicator"] == "危险废物委托持证单位处置率" for c in out["stale_citations"])
    body = tmp_path / "body.json"
    body.write_text(json.dumps({"scenario": json.loads(rules.read_text(encoding="utf-8"))}), encoding="utf-8")
    again = _json(capsys, ["gaps", str(body), "--json"])
    assert [g["duty_id"] for g in again["gaps"]] == [g["duty_id"] for g in out["gaps"]]


def test_schemas_and_unreadable_files(env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gaps_schema = _json(capsys, ["gaps", "--schema"])
    assert {"processes", "indicators"} <= set(gaps_schema["properties"])
    change_schema = _json(capsys, ["propose", "--schema"])
    assert "change" in change_schema["properties"]
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert main(["gaps", str(broken)]) == 1
    assert "not a UTF-8 JSON document" in capsys.readouterr().err
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"indicators": [{"level": "部门"}]}), encoding="utf-8")
    assert main(["gaps", str(wrong)]) == 1
    assert "indicators.0.name" in capsys.readouterr().err
    assert main(["gaps"]) == 2  # neither a file nor an enterprise
