"""The evals scorers: pure functions over plain records, no application code imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from evals import change, gaps, qa
from evals.enterprise_extraction import FIXTURES, Extracted, process_key, score_case, summarize
from evals.records import ChangePrediction, GapPrediction, QaPrediction

REPO = Path(__file__).resolve().parents[2]
APPLICATION = ("kg", "ingestion", "retrieval", "scoring", "api", "ui")
SCORERS = (
    "evals.qa",
    "evals.change",
    "evals.gaps",
    "evals.records",
    "evals.enterprise_extraction",
    "evals.ingestion_quality",
)


def test_scorers_import_no_application_code() -> None:
    code = (
        f"import sys\nimport {', '.join(SCORERS)}\n"
        f"print(sorted({{m for m in sys.modules if m.split('.')[0] in {APPLICATION!r}}}))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "[]"


def test_qa_metrics_over_plain_records() -> None:
    items = [
        qa.QaItem(id="a", question="q", gold=[{"law": "安全生产法", "article": 28}]),
        qa.QaItem(
            id="b",
            question="q",
            gold=[{"law": "消防法", "article": 16}],
            also_acceptable=[{"law": "消防法", "article": 17}],
        ),
        qa.QaItem(id="c", question="q", gold=[], answerable=False),
    ]
    predictions: list[QaPrediction] = [
        {"id": "a", "citations": [{"law": "安全生产法", "article": 28}], "abstained": False, "ms": 10.0},
        {
            "id": "b",
            "citations": [{"law": "x", "article": n} for n in range(1, 4)] + [{"law": "消防法", "article": 17}],
            "abstained": False,
            "ms": 30.0,
        },
        {"id": "c", "citations": [], "abstained": True, "ms": 20.0},
    ]
    metrics = qa.score_predictions(items, predictions)
    assert metrics["recall@1"] == 0.5 and metrics["recall@5"] == 1.0
    assert metrics["mrr@10"] == round((1 + 1 / 4) / 2, 3)
    assert metrics["abstain_accuracy"] == 1.0 and metrics["false_abstain_rate"] == 0.0
    assert metrics["p50_ms"] == 20.0 and metrics["p95_ms"] == 30.0


def test_change_metrics_match_keywords_one_to_one() -> None:
    records = [
        {
            "id": "c1",
            "gold": {
                "risks": [
                    {"name": "VOCs超标", "keywords_any": [["VOCs", "挥发性有机物"], ["超标", "逸散"]]},
                    {"name": "火灾", "keywords_any": [["火灾"]]},
                ],
                "obligations": [
                    {
                        "law": "生态环境法典",
                        "article": 214,
                        "also_acceptable": [{"law": "大气污染防治法", "article": 45}],
                    },
                    {"law": "消防法", "article": 16},
                ],
                "indicators": [{"name": "治理设施运行率", "keywords_any": [["治理设施"], ["运行"]]}],
                "must_not": ["射线"],
            },
        }
    ]
    predictions: list[ChangePrediction] = [
        {
            "id": "c1",
            # one proposal may satisfy one gold risk only; the second risk is an over-application
            "risks": ["vocs无组织逸散及火灾", "射线伤害"],
            "obligations": [{"law": "大气污染防治法", "article": 45}],
            "indicators": [
                {"name": "废气治理设施同步运行率", "level": "部门", "target": "100%", "cites": [], "valid": True},
                {"name": "其他", "level": "岗位", "target": "", "cites": [{"law": "旧法", "article": 1}]},
            ],
            "ms": 12.0,
        }
    ]
    metrics = change.score_predictions(records, predictions, lambda key: key != "旧法#1")
    assert metrics["risk_recall"] == 0.5 and metrics["obligation_recall"] == 0.5
    assert metrics["indicator_recall"] == 1.0 and metrics["must_not_violations"] == 1
    assert metrics["citation_validity"] == 0.5 and metrics["indicator_validity"] == 0.5


def test_gap_metrics_count_false_gaps_and_both_precisions() -> None:
    records = [
        {
            "id": "g1",
            "gold_gaps": [
                {
                    "law": "生态环境法典",
                    "article": 532,
                    "also_acceptable": [{"law": "固体废物污染环境防治法", "article": 78}],
                },
                {"law": "消防法", "article": 21},
            ],
            "gold_covered": [{"law": "固体废物污染环境防治法", "article": 80}],
        }
    ]
    predictions: list[GapPrediction] = [
        {
            "id": "g1",
            "gaps": [
                {"law": "固体废物污染环境防治法", "article": 78, "risk": "台账"},
                {"law": "固体废物污染环境防治法", "article": 80, "risk": "处置"},
                {"law": "安全生产法", "article": 1, "risk": "其他"},
            ],
            "stale_citations": [],
            "ms": 5.0,
        }
    ]
    metrics = gaps.score_predictions(records, predictions)
    assert metrics["gap_recall"] == 0.5 and metrics["false_gap_rate"] == round(1 / 3, 4)
    assert metrics["precision_strict"] == round(1 / 3, 4) and metrics["precision_lenient"] == 0.5
    assert metrics["mean_reported"] == 3.0 and metrics["p95_ms"] == 5.0


def test_change_normalize_is_the_evalsets_rule() -> None:
    from retrieval.change.text import normalize

    for text in ["VOCs", "ＶＯＣｓ排放", "危险废物（HW08）", "Ⅲ类"]:
        assert change.normalize(text) == normalize(text)


def _fixture_names() -> list[str]:
    names: list[str] = []
    for path in sorted(FIXTURES.glob("*/expected.yaml")):
        expected = yaml.safe_load(path.read_text(encoding="utf-8"))
        names += [*expected["processes"], *(expected.get("mapping") or {})]
    return names


@pytest.mark.parametrize(
    "extra", ["1. 喷漆工序", "（2）焊接工段 3台", "① 电泳涂装工艺（含前处理）", "热处理 约5t", "装配 作业", ""]
)
def test_process_key_is_the_importers(extra: str) -> None:
    from ingestion.enterprise.findings import process_key as importer_key

    for name in [*_fixture_names(), extra]:
        assert process_key(name) == importer_key(name), name


def test_extraction_scoring_over_plain_names() -> None:
    expected = {
        "processes": ["喷漆", "焊接"],
        "hazardous_materials": ["稀释剂"],
        "special_equipment": ["叉车"],
        "mapping": {"喷漆": "p_spray_painting", "焊接": "p_welding"},
    }
    found = Extracted(
        processes=["喷漆工序", "焊接", "打磨"],
        hazardous_materials=["稀释剂"],
        special_equipment=[],
        mappings=[("喷漆工序", "p_spray_painting"), ("焊接", None)],
    )
    summary = summarize([score_case(found, expected)])
    assert summary["processes_precision"] == round(2 / 3, 3) and summary["processes_recall"] == 1.0
    assert summary["special_equipment_recall"] == 0.0 and summary["mapping_accuracy"] == 0.5
