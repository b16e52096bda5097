"""The project's own knowledge base: size, seed coverage, manifest completeness and law status."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from kg.corpus import KnowledgeBase, load_knowledge_base

CORPUS = Path(__file__).resolve().parents[2] / "regulations_corpus"

SEED_INDICATORS = [
    "化工原料存储合规率",
    "消防设施完好率",
    "仓储隐患整改及时率",
    "设备防护装置完好率",
    "违规操作发生率",
    "金属粉尘定期清理达标率",
    "焊烟净化设备运行率",
    "动火作业审批合规率",
    "焊渣规范处置率",
    "固体废物分类准确率",
    "危废处置合规率",
    "废水排放达标率",
    "助焊剂使用合规率",
]
REPEALED_BY_CODE = [
    "环境保护法",
    "环境影响评价法",
    "大气污染防治法",
    "水污染防治法",
    "土壤污染防治法",
    "固体废物污染环境防治法",
    "噪声污染防治法",
    "清洁生产促进法",
]


@cache
def kb() -> KnowledgeBase:
    return load_knowledge_base(CORPUS)


def test_sizes_meet_the_brief() -> None:
    k = kb()
    assert {s.name for s in k.sectors} >= {"机械加工", "电子制造", "汽车零部件", "轻工纺织"}
    assert len(k.processes) >= 40
    assert len(k.risks) >= 100
    assert len(k.obligations) >= 200
    assert len(k.indicators) >= 80
    assert len(k.courses) >= 30


def test_every_risk_category_is_present() -> None:
    assert {r.category for r in kb().risks} == {"安全", "环保", "职业健康", "消防"}


def test_every_process_is_in_a_sector_and_has_risks() -> None:
    in_sectors = {pid for s in kb().sectors for ids in s.stages.values() for pid in ids}
    assert [p.id for p in kb().processes if p.id not in in_sectors] == []
    assert [p.id for p in kb().processes if len(p.risks) < 2] == []


def test_every_risk_is_governed_by_an_obligation() -> None:
    assert [r.id for r in kb().risks if not r.obligations] == []


@pytest.mark.parametrize("name", SEED_INDICATORS)
def test_seed_indicators_are_in_the_library(name: str) -> None:
    assert any(name in i.name for i in kb().indicators), name


def test_indicators_are_quantified_with_consistent_bands() -> None:
    for ind in kb().indicators:
        assert ind.bands.qualified == ind.target, ind.id
        better = (
            ind.bands.excellent >= ind.bands.qualified
            if ind.comparator == ">="
            else (ind.bands.excellent <= ind.bands.qualified)
        )
        assert better, ind.id
        assert ind.measures_obligations, f"{ind.id} cites no obligation"


def test_environmental_duties_cite_the_code_first() -> None:
    for ob in kb().obligations:
        laws = [ref.law for ref in ob.cites]
        assert laws[0] not in REPEALED_BY_CODE, f"{ob.id} cites repealed {laws[0]} first"


@pytest.mark.integration
def test_manifest_lists_every_statute_file(shared_dir: Path) -> None:
    files = {p.name for p in (shared_dir / "regulations").glob("*.md") if p.name != "README.md"}
    manifest = {r.file: r for r in kb().regulations if r.file}
    assert files <= set(manifest)
    for name in REPEALED_BY_CODE:
        entry = next(r for r in kb().regulations if r.id == name)
        assert (entry.status, entry.replaced_by) == ("已废止", "生态环境法典")
